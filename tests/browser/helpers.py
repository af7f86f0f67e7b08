"""What the browser journeys share: where Chromium is, logging in, screenshots."""

import os
import shutil
from pathlib import Path

from django.urls import reverse

from tests.factories import PASSWORD

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"

# The flags with which Chromium runs on a closed network without trying to reach Google.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# Reports each Content-Security-Policy violation to the test through the console.
REPORT_CSP = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.log("CSP-BLOCKED " + JSON.stringify({
    directive: event.violatedDirective, source: event.sourceFile, line: event.lineNumber,
    sample: event.sample, page: location.pathname,
  }));
});
"""


def log_in(page, user, next_url=None):
    """Log in through the login form, as a person would."""
    url = reverse("login") + (f"?next={next_url}" if next_url else "")
    page.goto(url)
    page.get_by_label("ユーザー名").fill(user.username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_load_state()


def screenshot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


FOCUS_STATE = """() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  const outlined = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  return {
    tag: element.tagName.toLowerCase(),
    name: element.getAttribute("name"),
    text: (element.innerText || element.value || "").trim().slice(0, 40),
    visible: outlined || style.boxShadow !== "none",
  };
}"""


def tab_to(page, matches, limit=80):
    """Press Tab until the focused element matches; every element passed must show its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUS_STATE)
        if focused["tag"] == "body":
            continue  # focus went round through the browser's own controls
        assert focused["visible"], f"フォーカスが見えない要素: {focused}"
        if matches(focused):
            return focused
    raise AssertionError(f"Tab を {limit} 回押しても目的の要素に届かない")

"""Accessibility checks with axe-core (carried offline by axe-playwright-python).

JIS X 8341-3:2016 level AA has the success criteria of WCAG 2.0 AA; we check against WCAG 2.1
A and AA, which includes them, plus the axe best-practice rules that the issue names: headings in
order, one main heading, all content in landmarks.
"""

import json
import re

from axe_playwright_python.sync_playwright import Axe

from tests.browser.helpers import ARTIFACTS

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BEST_PRACTICES = ["heading-order", "page-has-heading-one", "landmark-one-main", "region"]
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": WCAG_TAGS},
    "rules": {rule: {"enabled": True} for rule in BEST_PRACTICES},
    "resultTypes": ["violations", "incomplete"],
}

# What axe leaves undecided is reported, not failed, except for these rules, where "undecided"
# on a page rendered by the server can only mean a fault (a reference to an id that is missing).
FAIL_WHEN_UNDECIDED = {"aria-valid-attr-value"}

# Rules that a page cannot meet, each with the reason. Nothing is skipped silently: a rule is
# only excused on the pages named here, and the excuse is written into the results file.
# {(page name regex, rule id): reason}
EXCUSED = {}

_axe = Axe()

# The smallest label a chart may show, in CSS pixels once its SVG is scaled to the screen.
SMALLEST_CHART_LABEL_PX = 10

CHART_LABEL_SIZES = """() => [...document.querySelectorAll("svg.chart-svg text")].map((text) => {
  const matrix = text.ownerSVGElement.getScreenCTM();
  return parseFloat(getComputedStyle(text).fontSize) * matrix.a;
})"""


def assert_fits_the_screen(page, name):
    """The page does not scroll sideways (WCAG 2.1 1.4.10; only a table may, in its own box),
    and a chart's labels are large enough to read. The admin is Django's layout: its wide lists
    scroll on a phone, so only axe judges it."""
    if "/admin/" in page.url:
        return
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} ({page.url}): {overflow}px 横にはみ出している"
    sizes = page.evaluate(CHART_LABEL_SIZES)
    assert all(size >= SMALLEST_CHART_LABEL_PX for size in sizes), (
        f"{name} ({page.url}): グラフの文字が {min(sizes):.1f}px"
    )


def _excuse(name, rule):
    for (pattern, rule_id), reason in EXCUSED.items():
        if rule_id == rule and re.fullmatch(pattern, name):
            return reason
    return None


def _describe(violation):
    targets = "; ".join(
        f"{' '.join(node['target'])}: {node.get('failureSummary', '').splitlines()[-1:]}"
        for node in violation["nodes"][:5]
    )
    return f"[{violation['impact']}] {violation['id']}: {violation['help']} — {targets}"


def assert_accessible(page, name, *, keep=True):
    """Run axe on the page as it is now; fail on any violation, whatever its impact.

    The result is written to test-artifacts/browser/axe-<name>.json and counted in the summary
    printed at the end of the run, unless keep=False.
    """
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.lang") == "ja", "ページの言語が ja ではない"
    width = page.viewport_size["width"] if page.viewport_size else 1280
    if width != 1280:
        name = f"{name}({width}px)"
    assert_fits_the_screen(page, name)
    results = _axe.run(page, options=AXE_OPTIONS).response
    violations, excused = [], []
    undecided = [i for i in results.get("incomplete", []) if i["id"] in FAIL_WHEN_UNDECIDED]
    for violation in results["violations"] + undecided:
        reason = _excuse(name, violation["id"])
        (excused if reason else violations).append((violation, reason))
    record = {
        "page": name,
        "url": page.url,
        "rules_passed": len(results.get("passes", [])),
        "violations": [_describe(v) for v, _ in violations],
        # What axe could not decide by itself (e.g. contrast over a gradient): for a person to
        # look at in the screenshots; not a failure.
        "needs_review": [_describe(item) for item in results.get("incomplete", [])],
        "excused": [{"rule": v["id"], "reason": reason} for v, reason in excused],
    }
    if not keep:  # a deliberately broken example, left out of the summary
        assert not violations, "\n".join(record["violations"])
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^\w.-]+", "_", name)
    (ARTIFACTS / f"axe-{safe}.json").write_text(
        json.dumps({**record, "axe": results.get("testEngine")}, ensure_ascii=False, indent=2)
    )
    assert not violations, f"{name} ({page.url}):\n" + "\n".join(record["violations"])

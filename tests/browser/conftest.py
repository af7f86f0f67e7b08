"""Journeys through the portal in a real headless Chromium, driven by Playwright.

Debian's Chromium is used (Playwright's own browser download does not work on the city's
machines). Without it, these tests are skipped with a message saying so; `.ci/run` sets
REQUIRE_BROWSER=1, which turns that skip into a failure.
"""

import json
import os
from pathlib import Path

import pytest

from indicators.models import Indicator
from plans.models import BasicPolicy
from projects.models import Project
from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS, REPORT_CSP

SKIP_REASON = (
    f"ブラウザのテストを飛ばしました: Chromium がありません ({CHROMIUM})。"
    " `apt-get install chromium fonts-noto-cjk` で入れると実行されます。"
)


def chromium_available():
    return Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)


def pytest_collection_modifyitems(config, items):
    if chromium_available():
        return
    here = Path(__file__).parent
    browser_items = [item for item in items if here in Path(item.fspath).parents]
    if not browser_items:
        return
    if os.environ.get("REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(f"REQUIRE_BROWSER=1 but Chromium is missing: {CHROMIUM}")
    marker = pytest.mark.skip(reason=SKIP_REASON)
    for item in browser_items:
        item.add_marker(marker)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's synchronous API keeps an event loop running in this thread, and Django
    # refuses database calls from a thread with a running loop unless told it is safe. The test
    # code is synchronous; the flag is set only while a browser is open.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


VIEWPORTS = {"1280": {"width": 1280, "height": 900}, "390": {"width": 390, "height": 844}}


@pytest.fixture
def viewport(request):
    """The screen the tab has: a desktop (1280 px) unless a test is parametrized with
    `indirect=["viewport"]` over VIEWPORTS' keys (the journeys also run on a phone, 390 px)."""
    return VIEWPORTS[getattr(request, "param", "1280")]


@pytest.fixture
def browser_context(browser, live_server, viewport):
    context = browser.new_context(
        base_url=live_server.url,
        locale="ja-JP",
        timezone_id="Asia/Tokyo",
        viewport=viewport,
        accept_downloads=True,
    )
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(browser_context):
    """A tab that fails the test if the Content-Security-Policy blocked anything of the portal's.

    A violation without a source file comes from a script the test itself ran in the page
    (axe-core sets style attributes while it checks); only the portal's own are counted.
    """
    tab = browser_context.new_page()
    tab.add_init_script(REPORT_CSP)
    blocked = []

    def on_console(message):
        if message.text.startswith("CSP-BLOCKED "):
            violation = json.loads(message.text.removeprefix("CSP-BLOCKED "))
            if violation["source"]:
                blocked.append(violation)

    tab.on("console", on_console)
    yield tab
    assert not blocked, blocked


@pytest.fixture
def journey_plan(okayama_plan, personas):
    """The Okayama plan with policies 1 and 3 entered by department A, policy 2 by department B."""
    for policy in BasicPolicy.objects.filter(plan=okayama_plan):
        department = personas["department_b" if policy.number == 2 else "department_a"]
        Indicator.objects.filter(policy=policy).update(department=department)
        Project.objects.filter(measure_links__measure__policy=policy).update(department=department)
    return okayama_plan

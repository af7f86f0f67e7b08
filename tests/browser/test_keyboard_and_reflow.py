"""Keyboard-only use of the review and dashboard steps, and pages that reflow at 320 px."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from indicators.models import Indicator, IndicatorResult
from plans.models import EntryStatus
from tests.browser.helpers import log_in, screenshot, tab_to
from tests.factories import IndicatorResultFactory

pytestmark = pytest.mark.browser


def test_the_skip_link_takes_keyboard_users_to_the_content(page, journey_plan, personas):
    log_in(page, personas["staff_a"])
    focused = tab_to(page, lambda f: f["tag"] == "a")
    assert focused["text"] == "本文へ移動"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    focused = tab_to(page, lambda f: f["tag"] == "a")
    # The next stop is inside the content, not the site navigation again.
    assert page.evaluate("document.activeElement.closest('main') !== null"), focused


def test_a_submission_can_be_returned_with_the_keyboard(page, journey_plan, personas):
    indicator = Indicator.objects.get(policy__plan=journey_plan, name="地域活動への市民の参加割合")
    IndicatorResultFactory(
        indicator=indicator, fiscal_year=2025, status=EntryStatus.SUBMITTED, analysis="x"
    )
    log_in(page, personas["admin"])
    page.goto(reverse("plans:entry", args=[journey_plan.code, 2025, "indicators", indicator.pk]))
    tab_to(page, lambda f: f["name"] == "reason")
    page.keyboard.type("出典を書いてください。")
    tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "差し戻す")
    page.keyboard.press("Enter")
    expect(page.locator(".messages")).to_contain_text("差し戻しました")
    result = IndicatorResult.objects.get(indicator=indicator, fiscal_year=2025)
    assert (result.status, result.return_reason) == (EntryStatus.RETURNED, "出典を書いてください。")


def test_the_dashboard_can_be_read_with_the_keyboard(page, seed_results, personas):
    log_in(page, personas["committee"])
    tab_to(page, lambda f: f["tag"] == "a" and f["text"] == "2023年度")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("2023年度の進捗状況")
    tab_to(page, lambda f: f["tag"] == "a" and f["text"] == "SNSのフォロワー数")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("SNSのフォロワー数")


REFLOW_PAGES = {
    "入力(担当一覧)": lambda plan, ids: reverse("plans:my_work_year", args=[plan.code, 2025]),
    "入力(成果指標)": lambda plan, ids: reverse(
        "plans:entry", args=[plan.code, 2025, "indicators", ids["indicator"]]
    ),
    "進捗状況": lambda plan, ids: reverse("plans:overview", args=[plan.code, 2024]),
    "成果指標の詳細": lambda plan, ids: reverse(
        "plans:indicator", args=[plan.code, 2024, ids["indicator"]]
    ),
}


@pytest.mark.parametrize("name", REFLOW_PAGES)
def test_pages_reflow_to_a_narrow_screen_without_sideways_scrolling(
    browser, live_server, seed_results, journey_plan, personas, name
):
    """WCAG 2.1 1.4.10: at 320 CSS px (1280 px at 400% zoom) only data tables may scroll."""
    context = browser.new_context(
        base_url=live_server.url, locale="ja-JP", viewport={"width": 320, "height": 640}
    )
    page = context.new_page()
    try:
        log_in(page, personas["staff_a"])
        indicator = Indicator.objects.get(
            policy__plan=journey_plan, name="地域活動への市民の参加割合"
        )
        page.goto(REFLOW_PAGES[name](journey_plan, {"indicator": indicator.pk}))
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        screenshot(page, f"reflow-{name}")
        assert overflow <= 0, f"{name}: {overflow}px はみ出している"
    finally:
        context.close()

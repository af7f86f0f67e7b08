"""Journey 1: a department's staff member enters FY2025's value of an indicator."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from indicators.models import Indicator, IndicatorResult
from plans.models import EntryStatus
from tests.browser.accessibility import assert_accessible
from tests.browser.helpers import PASSWORD, log_in, screenshot, tab_to

pytestmark = pytest.mark.browser

INDICATOR = "地域活動への市民の参加割合"  # policy 1: department A (bob)
OTHER_DEPARTMENTS = "ESD・市民協働推進センターの相談者数"  # policy 2: department B


def test_staff_saves_a_draft_reloads_submits_and_cannot_open_another_departments_item(
    page, journey_plan, personas
):
    log_in(page, personas["staff_a"])
    assert_accessible(page, "入力(担当一覧)")
    expect(page.get_by_role("heading", level=1)).to_have_text("2025年度の入力")

    page.get_by_role("link", name=INDICATOR).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(INDICATOR)
    assert_accessible(page, "入力(成果指標)")

    page.get_by_label("実績値").fill("４８．５")
    page.get_by_label("要因分析").fill("地域の行事が再開し、参加者が戻りつつある。")
    page.get_by_role("button", name="下書き保存").click()
    expect(page.locator(".messages")).to_contain_text("下書きを保存しました")
    assert_accessible(page, "入力(成果指標・下書き保存後)")

    page.reload()
    expect(page.get_by_label("実績値")).to_have_value("48.5")
    expect(page.get_by_label("要因分析")).to_have_value(
        "地域の行事が再開し、参加者が戻りつつある。"
    )
    expect(page.locator("main")).to_contain_text("下書き")

    page.get_by_role("button", name="提出する").click()
    expect(page.locator(".messages")).to_contain_text("提出しました")
    expect(page.locator("main p").first).to_contain_text("提出済")
    screenshot(page, "1-staff-submitted")

    result = IndicatorResult.objects.get(indicator__name=INDICATOR, fiscal_year=2025)
    assert (result.value, result.status) == (Decimal("48.5"), EntryStatus.SUBMITTED)
    assert result.entered_by == personas["staff_a"]

    # Another department's indicator, opened by its address, is refused with a message.
    other = Indicator.objects.get(policy__plan=journey_plan, name=OTHER_DEPARTMENTS)
    response = page.goto(re.sub(r"/\d+/$", f"/{other.pk}/", page.url))
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "このページを表示する権限がありません"
    )
    expect(page.locator("main")).to_contain_text("地域づくり支援課が入力する項目です")
    assert_accessible(page, "権限がないページ(403)")
    assert not IndicatorResult.objects.filter(indicator=other, fiscal_year=2025).exists()


def test_the_whole_entry_can_be_done_with_the_keyboard(page, journey_plan, personas):
    page.goto("/accounts/login/")
    tab_to(page, lambda f: f["name"] == "username")
    page.keyboard.type(personas["staff_a"].username)
    tab_to(page, lambda f: f["name"] == "password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("2025年度の入力")

    tab_to(page, lambda f: f["tag"] == "a" and f["text"] == INDICATOR)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text(INDICATOR)

    tab_to(page, lambda f: f["name"] == "value")
    page.keyboard.type("４９")
    tab_to(page, lambda f: f["name"] == "analysis")
    page.keyboard.type("キーボードだけで入力した。")
    tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "提出する")
    page.keyboard.press("Enter")
    expect(page.locator(".messages")).to_contain_text("提出しました")
    screenshot(page, "1-staff-keyboard-submitted")

    result = IndicatorResult.objects.get(indicator__name=INDICATOR, fiscal_year=2025)
    assert (result.value, result.analysis, result.status) == (
        Decimal("49"),
        "キーボードだけで入力した。",
        EntryStatus.SUBMITTED,
    )

"""Journey 1: a department's staff member enters FY2025's value of an indicator."""

from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from indicators.models import Indicator, IndicatorResult
from plans.models import EntryStatus
from projects.models import ProjectProgress
from tests.browser.accessibility import assert_accessible
from tests.browser.helpers import PASSWORD, log_in, screenshot, tab_to

pytestmark = pytest.mark.browser

# Each journey on a desktop and on a phone: assert_accessible also checks that the page does not
# scroll sideways and that chart labels are readable.
on_both_screens = pytest.mark.parametrize("viewport", ["1280", "390"], indirect=True)

INDICATOR = "地域活動への市民の参加割合"  # policy 1: department A (bob)
PROJECT = "市民活動・地域活動リーダー養成講座"  # policy 1
OTHER_DEPARTMENTS = "ESD・市民協働推進センターの相談者数"  # policy 2: department B


@on_both_screens
def test_staff_saves_a_draft_reloads_submits_and_cannot_open_another_departments_item(
    page, journey_plan, personas
):
    page.goto("/accounts/login/?next=/start/")
    assert_accessible(page, "ログイン")
    page.get_by_label("ユーザー名").fill(personas["staff_a"].username)
    page.get_by_label("パスワード").fill("wrong-password")
    page.get_by_role("button", name="ログイン").click()
    expect(page.locator("main form")).to_contain_text(
        "正しいユーザー名とパスワードを入力してください"
    )
    expect(page.get_by_label("ユーザー名")).to_have_value(personas["staff_a"].username)
    assert_accessible(page, "ログイン(誤ったパスワード)")
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

    # A project's progress: a mistyped amount is explained, and nothing typed is lost.
    page.get_by_role("link", name="2025年度の入力").click()
    page.get_by_role("link", name=PROJECT).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(PROJECT)
    assert_accessible(page, "入力(事業)")
    page.get_by_label("実施内容・実績").fill("講座を6回開き、延べ120人が参加した。")
    page.get_by_label("自己評価").select_option(label="B 順調")
    page.get_by_label("今後の方向性").select_option(label="継続")
    page.get_by_label("予算額(千円)").fill("1,2OO")
    page.get_by_role("button", name="下書き保存").click()
    expect(page.locator("main form")).to_contain_text("英字の O や l が入っていないか")
    expect(page.get_by_label("実施内容・実績")).to_have_value(
        "講座を6回開き、延べ120人が参加した。"
    )
    expect(page.get_by_label("自己評価")).to_have_value("B")
    expect(page.get_by_label("予算額(千円)")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "1-staff-project-error")
    assert_accessible(page, "入力(事業・エラー)")
    page.get_by_label("予算額(千円)").fill("１，２００")
    page.get_by_role("button", name="下書き保存").click()
    expect(page.locator(".messages")).to_contain_text("下書きを保存しました")
    progress = ProjectProgress.objects.get(project__name=PROJECT, fiscal_year=2025)
    assert (progress.budget_amount, progress.grade, progress.status) == (
        Decimal("1200"),
        "B",
        EntryStatus.DRAFT,
    )

    # Another department's indicator, opened by its address, is refused with a message.
    other = Indicator.objects.get(policy__plan=journey_plan, name=OTHER_DEPARTMENTS)
    response = page.goto(
        reverse("plans:entry", args=[journey_plan.code, 2025, "indicators", other.pk])
    )
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

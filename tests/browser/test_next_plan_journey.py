"""The plan office starts the next plan from the admin, a committee member reads a continued
indicator's series across the two plans, and a department enters a 速報値: each page checked
with axe, on a desktop and on a phone."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from indicators.models import Indicator, IndicatorResult
from plans.models import Plan
from tests.browser.accessibility import assert_accessible
from tests.browser.helpers import log_in, screenshot

pytestmark = pytest.mark.browser

on_both_screens = pytest.mark.parametrize("viewport", ["1280", "390"], indirect=True)
NAME = "地域活動への市民の参加割合"


@on_both_screens
def test_the_office_starts_the_next_plan_and_the_committee_reads_the_series(
    page, seed_results, journey_plan, personas, viewport
):
    old = seed_results
    log_in(page, personas["admin"], next_url="/admin/plans/plan/")
    page.get_by_role("checkbox", name="選択").first.check()
    page.get_by_label("操作:").select_option(label="選んだ計画から次の計画を作成する")
    page.get_by_role("button", name="実行").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("次の計画を作成")
    assert_accessible(page, "次の計画を作成")
    page.get_by_label("次の計画の計画コード").fill("okayama-kyodo-2026")
    page.get_by_label("計画名").fill("第3次岡山市協働推進計画")
    page.get_by_label("状態").select_option(label="推進中")
    page.get_by_label("1-2 若者(20歳代)の地域活動への参加割合").select_option(
        label="新しい指標として扱う(つなげない)"
    )
    page.get_by_role("button", name="次の計画を作成する").click()
    expect(page.locator(".messagelist")).to_contain_text("次の計画「第3次岡山市協働推進計画")
    new = Plan.objects.get(code="okayama-kyodo-2026")
    assert new.predecessor == old
    continued = Indicator.objects.get(policy__plan=new, name=NAME)
    IndicatorResult.objects.create(
        indicator=continued, fiscal_year=2026, value=Decimal("49.3"), status="approved"
    )

    log_in(page, personas["committee"])
    page.goto(f"/dashboard/?plan={new.code}")
    expect(page.get_by_role("navigation", name="計画の切り替え")).to_contain_text(
        "岡山市協働推進計画(2021年度〜2025年度)"
    )
    page.get_by_role("link", name=NAME).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    chart = page.get_by_role("img", name=f"{NAME}の推移")
    expect(chart).to_be_visible()
    expect(chart.locator("desc")).to_contain_text("前の計画(2021年度〜2025年度)")
    table = page.get_by_role("table", name=f"{NAME}の年度ごとの値")
    expect(table).to_contain_text("前の計画: 岡山市協働推進計画(2021年度〜2025年度)")
    expect(table.get_by_role("row", name="2021年度 46.0%")).to_be_visible()
    expect(table.get_by_role("row", name="2026年度 49.3%")).to_be_visible()
    screenshot(page, f"next-plan-series-{viewport['width']}")
    assert_accessible(page, "成果指標の詳細(計画をまたぐ推移)")


@on_both_screens
def test_a_department_enters_an_interim_value_with_its_date(page, journey_plan, personas):
    log_in(page, personas["staff_a"])
    indicator = Indicator.objects.get(policy__plan=journey_plan, name=NAME)
    page.goto(f"/entry/{journey_plan.code}/2025/indicators/{indicator.pk}/")
    page.get_by_label("実績値").fill("４７．２")
    page.get_by_label("速報値として入力する").check()
    page.get_by_label("要因分析").fill("12月末までの参加者数から算出。")
    page.get_by_role("button", name="提出する").click()
    # Refused without its date; nothing typed is lost.
    expect(page.get_by_text("速報値の時点(いつまでの値か)を入力してください")).to_be_visible()
    expect(page.get_by_label("要因分析")).to_have_value("12月末までの参加者数から算出。")
    assert_accessible(page, "入力(速報値の時点がない)")
    page.get_by_label("速報値の時点").fill("2025年12月31日")
    page.get_by_role("button", name="提出する").click()
    expect(page.locator("#interim-note")).to_contain_text("速報値(2025年12月末時点)")
    assert_accessible(page, "入力(速報値)")
    result = IndicatorResult.objects.get(indicator=indicator, fiscal_year=2025)
    assert (result.is_interim, str(result.as_of)) == (True, "2025-12-31")

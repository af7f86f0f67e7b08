"""A measure's assessment (施策の評価, issue 16) from the department to the committee: the
department writes it, the plan office returns it once and approves it, the committee reads it."""

import pytest
from playwright.sync_api import expect

from plans.models import EntryStatus, Measure, MeasureAssessment
from tests.browser.accessibility import assert_accessible
from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser

on_both_screens = pytest.mark.parametrize("viewport", ["1280", "390"], indirect=True)

ASSESSMENT = "講座の受講者は延べ120人で、前年度より2割増えた。"
DIRECTION = "土日の講座を増やし、若い世代の参加を広げる。"


@pytest.fixture
def measure(journey_plan, personas):
    """Measure 1-1, whose assessment department A (bob) writes."""
    measure = Measure.objects.get(policy__plan=journey_plan, policy__number=1, number=1)
    measure.department = personas["department_a"]
    measure.save()
    return measure


@on_both_screens
def test_the_department_writes_the_office_returns_and_approves_the_committee_reads(
    page, browser_context, measure, personas
):
    log_in(page, personas["staff_a"])
    page.get_by_role("link", name=str(measure)).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(str(measure))
    page.get_by_label("施策の評価").fill(ASSESSMENT)
    page.get_by_role("button", name="提出する").click()
    expect(page.locator("form .alert-danger")).to_contain_text(
        "提出するには今後の取組方針を入力してください。"
    )
    expect(page.get_by_label("施策の評価")).to_have_value(ASSESSMENT)  # nothing typed is lost
    assert_accessible(page, "入力(施策の評価・不足)")
    page.get_by_label("今後の取組方針").fill("検討中")
    page.get_by_role("button", name="提出する").click()
    expect(page.locator(".messages")).to_contain_text("提出しました")
    assert_accessible(page, "入力(施策の評価・提出後)")

    office = browser_context.new_page()
    browser_context.clear_cookies()
    log_in(office, personas["admin"])
    card = office.get_by_role("article", name=str(measure))
    expect(card).to_contain_text(ASSESSMENT)
    assert_accessible(office, "確認・承認(施策の評価)")
    card.get_by_label("差し戻す理由").fill("今後の取組方針を具体的に書いてください。")
    card.get_by_role("button", name="差し戻す").click()
    expect(office.locator(".messages")).to_contain_text("差し戻しました")

    browser_context.clear_cookies()
    log_in(page, personas["staff_a"])
    expect(page.locator("main")).to_contain_text("今後の取組方針を具体的に書いてください。")
    page.get_by_role("link", name=str(measure)).click()
    page.get_by_label("今後の取組方針").fill(DIRECTION)
    page.get_by_role("button", name="提出する").click()
    expect(page.locator(".messages")).to_contain_text("提出しました")

    browser_context.clear_cookies()
    log_in(office, personas["admin"])
    office.get_by_role("article", name=str(measure)).get_by_role("button", name="承認する").click()
    expect(office.locator(".messages")).to_contain_text("承認しました")

    browser_context.clear_cookies()
    log_in(page, personas["committee"], next_url=f"/dashboard/{measure.policy.plan.code}/2025/")
    page.get_by_role("link", name=f"基本施策{measure.code} {measure.title}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"基本施策{measure.code}")
    section = page.get_by_role("region", name="2025年度の施策の評価")
    expect(section).to_contain_text(ASSESSMENT)
    expect(section).to_contain_text(DIRECTION)
    assert_accessible(page, "基本施策の詳細(施策の評価)")

    entry = MeasureAssessment.objects.get(measure=measure, fiscal_year=2025)
    assert (entry.status, entry.direction, entry.approved_by) == (
        EntryStatus.APPROVED,
        DIRECTION,
        personas["admin"],
    )
    assert [r.status for r in entry.history.order_by("history_id")] == [
        "submitted",
        "returned",
        "submitted",
        "approved",
    ]

"""The committee's opinion from a member to the published report (issue 16): a member writes
and shares it, the chair compiles and publishes the 意見書, the plan office responds, another
administrator approves, and the print report shows both."""

import pytest
from playwright.sync_api import expect

from plans.models import CommitteeOpinion, EntryStatus, Measure, OpinionResponse
from plans.roles import ADMINISTRATORS, COMMITTEE_CHAIR, COMMITTEE_MEMBERS
from tests.browser.accessibility import assert_accessible
from tests.browser.helpers import log_in
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

on_both_screens = pytest.mark.parametrize("viewport", ["1280", "390"], indirect=True)

OPINION = "講座の参加者は増えたが、若い世代が少ない。大学と連携した講座を求める。"
WORDING = "若い世代の参加を広げるため、大学と連携した講座を設けること。"
RESPONSE = "令和8年度から市内の大学と連携した講座を年4回開く。"
YEAR = 2025


@pytest.fixture
def people(journey_plan, personas, roles):
    chair = UserFactory(username="frank", last_name="委員長")
    chair.groups.add(roles[COMMITTEE_MEMBERS], roles[COMMITTEE_CHAIR])
    gina = UserFactory(username="gina", is_staff=True)
    gina.groups.add(roles[ADMINISTRATORS])
    measure = Measure.objects.get(policy__plan=journey_plan, policy__number=1, number=1)
    return personas | {"chair": chair, "gina": gina, "measure": measure, "plan": journey_plan}


@on_both_screens
def test_a_member_writes_the_chair_publishes_the_office_responds_the_report_shows_it(
    page, browser_context, people
):
    plan, measure = people["plan"], people["measure"]
    committee_url = f"/committee/{plan.code}/{YEAR}/"

    log_in(page, people["committee"], next_url=f"/dashboard/{plan.code}/{YEAR}/")
    page.get_by_role("link", name=f"{YEAR}年度の委員会の意見(意見を書く・読む)").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("委員会の意見と市の対応")
    page.get_by_role("link", name="意見を書く").click()
    page.get_by_label("意見の対象").select_option(label=f"基本施策{measure}")
    page.get_by_role("button", name="委員会で共有する").click()
    expect(page.locator("main form")).to_contain_text("意見を入力してください。")
    expect(page.get_by_label("意見の対象")).to_have_value(f"measure-{measure.pk}")  # kept
    page.get_by_role("textbox", name="意見").fill(OPINION)
    assert_accessible(page, "意見を書く")
    page.get_by_role("button", name="委員会で共有する").click()
    expect(page.locator(".messages")).to_contain_text("委員会で共有しました")
    assert_accessible(page, "意見(共有後)")

    browser_context.clear_cookies()
    log_in(page, people["chair"], next_url=committee_url)
    expect(page.get_by_role("region", name="ほかの委員が共有した意見")).to_contain_text(OPINION)
    page.get_by_role("link", name="意見書を取りまとめる(委員長)").click()
    page.get_by_label("順番").fill("1")
    page.get_by_label("意見書での文言").fill(WORDING)
    page.get_by_label("前文").fill("令和7年度の進捗について、次のとおり意見を述べます。")
    assert_accessible(page, "意見書の取りまとめ")
    page.get_by_role("button", name="意見書を公表する").click()
    expect(page.locator(".messages")).to_contain_text("意見書を公表しました")
    letter = page.get_by_role("region", name=f"{YEAR}年度の意見書")
    expect(letter).to_contain_text(WORDING)
    assert_accessible(page, "委員会の意見(公表後)")

    browser_context.clear_cookies()
    log_in(page, people["admin"], next_url=committee_url)
    page.get_by_role("link", name="市の対応を入力・確認する").click()
    expect(page.locator("main")).to_contain_text(WORDING)
    page.get_by_label("市の対応・対応方針").fill(RESPONSE)
    page.get_by_role("button", name="提出する").click()
    expect(page.locator(".messages")).to_contain_text("提出しました")
    assert_accessible(page, "入力(市の対応)")

    browser_context.clear_cookies()
    log_in(page, people["gina"])  # lands on 確認・承認
    opinion = CommitteeOpinion.objects.get(plan=plan, fiscal_year=YEAR)
    card = page.get_by_role("article", name=str(opinion))
    expect(card).to_contain_text(RESPONSE)
    assert_accessible(page, "確認・承認(市の対応)")
    card.get_by_role("button", name="承認する").click()
    expect(page.locator(".messages")).to_contain_text("承認しました")

    browser_context.clear_cookies()
    log_in(page, people["staff_a"], next_url=f"/dashboard/{plan.code}/{YEAR}/report/")
    section = page.locator("#committee-opinions")
    expect(section).to_contain_text("委員会の意見と市の対応")
    expect(section).to_contain_text(WORDING)
    expect(section).to_contain_text(RESPONSE)
    assert OPINION not in section.inner_text()  # the chair's wording, not the draft's
    assert_accessible(page, "報告書(委員会の意見と市の対応)")

    response = OpinionResponse.objects.get(opinion=opinion)
    assert (response.status, response.entered_by, response.approved_by) == (
        EntryStatus.APPROVED,
        people["admin"],
        people["gina"],
    )

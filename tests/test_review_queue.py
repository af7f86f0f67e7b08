"""The plan office reviews a year from one screen: each submission with its value, grade,
analysis and flags, approve or return inline, the next item, and the bulk approval of the plain
ones (through the same workflow rules: four eyes, lock, versions)."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators.models import Indicator, IndicatorResult
from plans.models import EntryStatus, PlanYear
from projects.models import Project, ProjectProgress
from tests.factories import IndicatorResultFactory, ProjectProgressFactory
from tests.test_entry_pages import client_for, visible_text

pytestmark = pytest.mark.django_db

YEAR = 2024
PLAIN = "地域活動への市民の参加割合"  # 47.1 in 2023, 48.0 submitted: ordinary
JUMPED = "市民協働推進事業の目標達成率"  # 80 in 2023, 20 submitted: flagged
OWN = "SNSのフォロワー数"  # entered by the office itself: four eyes


@pytest.fixture
def queue(okayama_plan, personas):
    indicators = {i.name: i for i in Indicator.objects.filter(policy__plan=okayama_plan)}
    Indicator.objects.filter(policy__plan=okayama_plan).update(department=personas["department_a"])
    for name, value in ((PLAIN, "47.1"), (JUMPED, "80")):
        IndicatorResultFactory(
            indicator=indicators[name],
            fiscal_year=YEAR - 1,
            value=Decimal(value),
            status=EntryStatus.APPROVED,
        )
    results = {}
    for name, value, who in (
        (PLAIN, "48.0", "staff_a"),
        (JUMPED, "20", "staff_a"),
        (OWN, "1700", "admin"),
    ):
        results[name] = IndicatorResultFactory(
            indicator=indicators[name],
            fiscal_year=YEAR,
            value=Decimal(value),
            analysis=f"{name}の分析。",
            status=EntryStatus.SUBMITTED,
            entered_by=personas[who],
            version=1,
        )
    project = Project.objects.get(plan=okayama_plan, name="区づくり推進事業")
    results["project"] = ProjectProgressFactory(
        project=project,
        fiscal_year=YEAR,
        activities="地域の会議を12回開いた。",
        grade="B",
        outlook="continue",
        status=EntryStatus.SUBMITTED,
        entered_by=personas["staff_a"],
        version=1,
    )
    return {"plan": okayama_plan, "results": results, "indicators": indicators, **personas}


def review_url(queue):
    return reverse("plans:review", args=[queue["plan"].code, YEAR])


def key(entry):
    if isinstance(entry, IndicatorResult):
        return f"indicators:{entry.indicator_id}:{entry.version}"
    return f"projects:{entry.project_id}:{entry.version}"


def test_the_review_page_shows_each_submission_with_value_grade_analysis_and_flags(queue):
    response = client_for(queue["admin"]).get(review_url(queue))
    text = visible_text(response.content.decode())
    plain = text[text.index(PLAIN) :]
    assert "実績値 48.0%" in plain
    assert f"要因分析 {PLAIN}の分析。" in plain
    assert re.search(r"評価\(試算\) [ABCD−-] ", plain)
    jumped = text[text.index(JUMPED) :]
    assert "確認事項:" in jumped and "大きく変わっています" in jumped
    assert "地域の会議を12回開いた。" in text and "今後の方向性 継続" in text
    # Four eyes: the office's own entry offers no approval, and says why.
    own = text[text.index(OWN) :]
    assert "自分で入力(または取込み)した値は承認できません" in own
    # Only the plain ones that this person may approve are offered for the bulk approval.
    assert "確認事項のない2件をまとめて承認する" in text
    html = response.content.decode()
    assert html.count('form="bulk-approve"') == 2


def test_the_review_page_reads_a_fixed_number_of_queries(queue, okayama_plan, personas):
    client = client_for(queue["admin"])
    client.get(review_url(queue))
    with CaptureQueriesContext(connection) as few:
        client.get(review_url(queue))
    for indicator in Indicator.objects.filter(policy__plan=okayama_plan).exclude(
        name__in=[PLAIN, JUMPED, OWN]
    ):
        IndicatorResultFactory(
            indicator=indicator, fiscal_year=YEAR, status=EntryStatus.SUBMITTED, version=1,
            entered_by=personas["staff_a"],
        )  # fmt: skip
    with CaptureQueriesContext(connection) as more:
        client.get(review_url(queue))
    assert len(more) == len(few)


def test_approving_inline_goes_to_the_next_submission(queue):
    plain = queue["results"][PLAIN]
    response = client_for(queue["admin"]).post(
        reverse(
            "plans:entry_approve", args=[queue["plan"].code, YEAR, "indicators", plain.indicator_id]
        ),
        {"version": plain.version, "next": review_url(queue) + "#review-indicators-1"},
    )
    assert response.status_code == 302
    assert response.url == review_url(queue) + "#review-indicators-1"
    plain.refresh_from_db()
    assert plain.status == EntryStatus.APPROVED
    # Each form on the page points at the item after its own.
    html = client_for(queue["admin"]).get(review_url(queue)).content.decode()
    jumped = queue["results"][JUMPED]
    own = queue["results"][OWN]
    form = html[html.index(f'id="review-indicators-{jumped.indicator_id}"') :]
    assert f'name="next" value="{review_url(queue)}#review-indicators-{own.indicator_id}"' in form


def test_bulk_approval_approves_the_plain_ones_and_says_what_it_refused(queue):
    results = queue["results"]
    chosen = [key(results[PLAIN]), key(results["project"]), key(results[JUMPED]), key(results[OWN])]
    client = client_for(queue["admin"])
    response = client.post(
        reverse("plans:approve_plain", args=[queue["plan"].code, YEAR]),
        {"entry": chosen},
        follow=True,
    )
    text = visible_text(response.content.decode())
    assert "2024年度分の2件を承認しました。" in text
    assert f"「{JUMPED}」は承認しませんでした: 確認事項があるため、個別に確認してください。" in text
    assert (
        f"「{OWN}」は承認しませんでした: 自分で入力(または取込み)した値は承認できません。" in text
    )
    statuses = {
        name: type(entry).objects.get(pk=entry.pk).status for name, entry in results.items()
    }
    assert statuses == {
        PLAIN: EntryStatus.APPROVED,
        "project": EntryStatus.APPROVED,
        JUMPED: EntryStatus.SUBMITTED,
        OWN: EntryStatus.SUBMITTED,
    }
    approved = IndicatorResult.objects.get(pk=results[PLAIN].pk)
    assert approved.approved_by == queue["admin"]
    assert approved.history.first().history_user == queue["admin"]


def test_bulk_approval_refuses_a_changed_entry_and_a_locked_year(queue):
    results = queue["results"]
    client = client_for(queue["admin"])
    url = reverse("plans:approve_plain", args=[queue["plan"].code, YEAR])
    stale = f"indicators:{results[PLAIN].indicator_id}:{results[PLAIN].version - 1}"
    text = visible_text(client.post(url, {"entry": [stale]}, follow=True).content.decode())
    assert f"「{PLAIN}」は承認しませんでした:" in text
    assert IndicatorResult.objects.get(pk=results[PLAIN].pk).status == EntryStatus.SUBMITTED

    PlanYear.objects.create(plan=queue["plan"], fiscal_year=YEAR, is_locked=True)
    response = client.post(url, {"entry": [key(results["project"])]}, follow=True)
    text = visible_text(response.content.decode())
    assert "確定(ロック)されているため変更できません" in text
    assert ProjectProgress.objects.get(pk=results["project"].pk).status == EntryStatus.SUBMITTED
    assert "まとめて承認する" not in text


@pytest.mark.parametrize("who", ["staff_a", "committee"])
def test_only_the_plan_office_bulk_approves(queue, who):
    url = reverse("plans:approve_plain", args=[queue["plan"].code, YEAR])
    response = client_for(queue[who]).post(url, {"entry": [key(queue["results"][PLAIN])]})
    assert response.status_code == 403
    assert (
        IndicatorResult.objects.get(pk=queue["results"][PLAIN].pk).status == EntryStatus.SUBMITTED
    )


def test_the_office_lands_on_the_review_after_logging_in(queue):
    response = client_for(queue["admin"]).get(reverse("plans:start"), follow=True)
    assert response.redirect_chain[-1][0] == review_url(queue).replace(str(YEAR), "2025")
    staff = client_for(queue["staff_a"]).get(reverse("plans:start"))
    assert staff.url == reverse("plans:my_work")


def test_on_an_entry_page_the_office_decides_first_and_then_opens_the_next(queue):
    plain = queue["results"][PLAIN]
    client = client_for(queue["admin"])
    page_url = reverse(
        "plans:entry", args=[queue["plan"].code, YEAR, "indicators", plain.indicator_id]
    )
    html = client.get(page_url).content.decode()
    assert html.index("承認する") < html.index('id="form-heading"')
    assert "下書き保存" not in html  # the staff's buttons are not offered on a closed entry
    assert "提出を取り下げる" not in html
    jumped_url = reverse(
        "plans:entry",
        args=[queue["plan"].code, YEAR, "indicators", queue["results"][JUMPED].indicator_id],
    )
    assert f'name="next" value="{jumped_url}"' in html
    response = client.post(
        reverse(
            "plans:entry_approve", args=[queue["plan"].code, YEAR, "indicators", plain.indicator_id]
        ),
        {"version": plain.version, "next": jumped_url},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == jumped_url
    # After approving, nothing tells the office to ask itself (協働推進課) for a return.
    approved_page = visible_text(client.get(page_url).content.decode())
    assert "協働推進課に差戻しを依頼" not in approved_page
    assert "先に差し戻してください" in approved_page

"""Measure assessments (施策の評価, issue 16): the third kind of yearly entry.

Each 基本施策 gets, per fiscal year, an assessment and the direction for the next year, written
by the department the measure names (Measure.department) or, when it names none, by the plan
office; reviewed through the same workflow, pages, history and audit log as the other kinds.
"""

import io
import logging
import re
from datetime import date, timedelta
from html import unescape

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from plans.converters import EntryKindConverter
from plans.models import EntryStatus, Measure, MeasureAssessment, PlanYear
from plans.progress.kinds import KINDS, MEASURES
from plans.progress.workflow import (
    ConcurrentEditError,
    WorkflowError,
    entry_approve,
    entry_return,
    entry_save,
    entry_withdraw,
    plan_year_lock,
    plan_year_reopen,
    plan_year_set_deadline,
)
from plans.publication import plan_published_version as published_version
from plans.publication import policy_published_versions

pytestmark = pytest.mark.django_db


def plan_published_version(plan):
    return published_version(plan).version


YEAR = 2024
WRITTEN = {
    "assessment": "地域活動の参加割合は基準値から伸び、講座の受講者も増えた。",
    "direction": "若い世代が参加しやすい時間帯の講座を増やす。",
}


@pytest.fixture
def measures(okayama_plan, personas):
    """1-1 names department A (bob), 2-1 department B (charlie); 1-2 names none: the office's."""
    by_code = {m.code: m for m in Measure.objects.filter(policy__plan=okayama_plan)}
    by_code["1-1"].department = personas["department_a"]
    by_code["2-1"].department = personas["department_b"]
    for code in ("1-1", "2-1"):
        by_code[code].save()
    return by_code


def write(measure, user, version=0, submit=False, **values):
    return entry_save(
        kind=MEASURES,
        target=measure,
        fiscal_year=YEAR,
        user=user,
        values=WRITTEN | values,
        version=version,
        submit=submit,
    )


def client_for(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def text_of(response):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def url(name, plan, *args):
    return reverse(name, args=[plan.code, YEAR, *args])


# --- the kind ---------------------------------------------------------------------------------


def test_every_kind_has_an_address():
    assert (
        set(EntryKindConverter.regex.split("|"))
        == set(KINDS)
        == {
            "indicators",
            "projects",
            "measures",
            "responses",
        }
    )


# --- the workflow -----------------------------------------------------------------------------


def test_the_department_saves_submits_and_the_office_approves(measures, personas, okayama_plan):
    published = plan_published_version(okayama_plan)
    draft = write(measures["1-1"], personas["staff_a"], direction="")
    assert (draft.status, draft.version) == (EntryStatus.DRAFT, 1)
    assert plan_published_version(okayama_plan) == published  # a draft publishes nothing

    with pytest.raises(WorkflowError, match="今後の取組方針を入力してください"):
        write(measures["1-1"], personas["staff_a"], version=1, submit=True, direction=" ")
    submitted = write(measures["1-1"], personas["staff_a"], version=1, submit=True)
    assert submitted.status == EntryStatus.SUBMITTED and submitted.submitted_at is not None
    assert plan_published_version(okayama_plan) == published

    approved = entry_approve(entry=submitted, user=personas["admin"], version=submitted.version)
    assert (approved.status, approved.approved_by) == (EntryStatus.APPROVED, personas["admin"])
    assert plan_published_version(okayama_plan) > published  # the measure page changes


def test_an_empty_assessment_cannot_be_submitted(measures, personas):
    with pytest.raises(WorkflowError, match="施策の評価、今後の取組方針を入力してください"):
        write(measures["1-1"], personas["staff_a"], submit=True, assessment="", direction="")
    assert not MeasureAssessment.objects.exists()


def test_withdraw_then_return_with_a_reason(measures, personas, okayama_plan):
    submitted = write(measures["1-1"], personas["staff_a"], submit=True)
    draft = entry_withdraw(
        kind=MEASURES, entry=submitted, user=personas["staff_a"], version=submitted.version
    )
    assert draft.status == EntryStatus.DRAFT
    again = write(measures["1-1"], personas["staff_a"], version=draft.version, submit=True)
    approved = entry_approve(entry=again, user=personas["admin"], version=again.version)
    published = plan_published_version(okayama_plan)

    with pytest.raises(WorkflowError, match="差し戻す理由を入力"):
        entry_return(entry=approved, user=personas["admin"], version=approved.version, reason="")
    returned = entry_return(
        entry=approved, user=personas["admin"], version=approved.version, reason="数字を添えて"
    )
    assert (returned.status, returned.return_reason) == (EntryStatus.RETURNED, "数字を添えて")
    assert plan_published_version(okayama_plan) > published  # it leaves the measure page
    html = text_of(
        client_for(personas["staff_a"]).get(
            url("plans:entry", okayama_plan, "measures", returned.measure.pk)
        )
    )
    assert "差し戻されました。 理由: 数字を添えて" in html


def test_only_the_measures_department_or_the_office_writes(measures, personas):
    with pytest.raises(WorkflowError, match="権限がありません"):
        write(measures["1-1"], personas["staff_b"])
    with pytest.raises(WorkflowError, match="権限がありません"):
        write(measures["1-2"], personas["staff_a"])  # no department named: the office's
    assert write(measures["1-2"], personas["admin"]).entered_by == personas["admin"]
    assert not MeasureAssessment.objects.filter(measure=measures["1-1"]).exists()


def test_four_eyes_the_office_does_not_approve_what_it_wrote(measures, personas, okayama_plan):
    written = write(measures["1-2"], personas["admin"], submit=True)
    with pytest.raises(WorkflowError, match="自分で入力"):
        entry_approve(entry=written, user=personas["admin"], version=written.version)
    okayama_plan.allow_self_approval = True
    okayama_plan.save()
    written.refresh_from_db()
    approved = entry_approve(entry=written, user=personas["admin"], version=written.version)
    assert approved.history.latest().history_change_reason == "入力者自身が承認(自己承認)"


def test_the_second_of_two_saves_is_refused(measures, personas):
    write(measures["1-1"], personas["staff_a"])
    with pytest.raises(ConcurrentEditError, match="保存したため"):
        write(measures["1-1"], personas["admin"], version=0, assessment="別の評価")
    assert MeasureAssessment.objects.get().assessment == WRITTEN["assessment"]


def test_a_locked_year_refuses_until_reopened(measures, personas, okayama_plan):
    draft = write(measures["1-1"], personas["staff_a"])
    plan_year_lock(plan=okayama_plan, fiscal_year=YEAR, user=personas["admin"])
    with pytest.raises(WorkflowError, match="確定\\(ロック\\)されているため"):
        write(measures["1-1"], personas["staff_a"], version=draft.version, submit=True)
    plan_year_reopen(plan=okayama_plan, fiscal_year=YEAR, user=personas["admin"])
    submitted = write(measures["1-1"], personas["staff_a"], version=draft.version, submit=True)
    assert submitted.status == EntryStatus.SUBMITTED


def test_after_the_deadline_only_a_returned_assessment_stays_open(measures, personas, okayama_plan):
    submitted = write(measures["1-1"], personas["staff_a"], submit=True)
    plan_year_set_deadline(
        plan=okayama_plan,
        fiscal_year=YEAR,
        user=personas["admin"],
        deadline=date.today() - timedelta(days=1),
    )
    with pytest.raises(WorkflowError, match="入力期限を過ぎている"):
        entry_withdraw(
            kind=MEASURES, entry=submitted, user=personas["staff_a"], version=submitted.version
        )
    with pytest.raises(WorkflowError, match="を過ぎたため"):
        write(measures["2-1"], personas["staff_b"])
    returned = entry_return(
        entry=submitted, user=personas["admin"], version=submitted.version, reason="補足を"
    )
    again = write(measures["1-1"], personas["staff_a"], version=returned.version, submit=True)
    assert again.status == EntryStatus.SUBMITTED


def test_every_change_leaves_a_history_row_and_an_audit_line(
    measures, personas, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.INFO, logger="portal.audit")
    staff, office = personas["staff_a"], personas["admin"]
    with django_capture_on_commit_callbacks(execute=True):
        entry = write(measures["1-1"], staff, direction="検討中")
        entry = write(measures["1-1"], staff, version=entry.version, submit=True)
        entry = entry_return(entry=entry, user=office, version=entry.version, reason="具体的に")
        entry = write(measures["1-1"], staff, version=entry.version, submit=True,
                      direction="土日の講座を2回増やす。")  # fmt: skip
        entry = entry_approve(entry=entry, user=office, version=entry.version)

    records = list(entry.history.order_by("history_date", "history_id"))
    assert [(r.status, r.history_user.username, r.direction) for r in records] == [
        ("draft", "bob", "検討中"),
        ("submitted", "bob", WRITTEN["direction"]),
        ("returned", "alice", WRITTEN["direction"]),
        ("submitted", "bob", "土日の講座を2回増やす。"),
        ("approved", "alice", "土日の講座を2回増やす。"),
    ]
    audit = [r.audit for r in caplog.records if r.name == "portal.audit"]
    assert [(r["action"], r["object"], r["user"]) for r in audit] == [
        ("entry.save", "plans.MeasureAssessment", "bob"),
        ("entry.submit", "plans.MeasureAssessment", "bob"),
        ("entry.return", "plans.MeasureAssessment", "alice"),
        ("entry.submit", "plans.MeasureAssessment", "bob"),
        ("entry.approve", "plans.MeasureAssessment", "alice"),
    ]
    # The entry page shows the history beside the text, each change from what to what.
    page = text_of(
        client_for(staff).get(
            url("plans:entry", measures["1-1"].policy.plan, "measures", measures["1-1"].pk)
        )
    )
    assert "今後の取組方針: 検討中 → " + WRITTEN["direction"] in page


# --- the pages --------------------------------------------------------------------------------


def test_staff_write_an_assessment_on_its_page(measures, personas, okayama_plan):
    staff = client_for(personas["staff_a"])
    page = url("plans:entry", okayama_plan, "measures", measures["1-1"].pk)
    shown = text_of(staff.get(page))
    assert "基本施策の内容" in shown and "施策の評価・所管課: 市民協働企画課・状態: 未入力" in shown

    response = staff.post(page, WRITTEN | {"version": "0", "action": "submit"})
    assert response.status_code == 302
    assert MeasureAssessment.objects.get().status == EntryStatus.SUBMITTED
    assert "の2024年度分を提出しました" in text_of(staff.get(page))


def test_a_refused_submission_keeps_what_was_typed(measures, personas, okayama_plan):
    page = url("plans:entry", okayama_plan, "measures", measures["1-1"].pk)
    response = client_for(personas["staff_a"]).post(
        page, {"assessment": "書きかけの評価", "direction": "", "version": "0", "action": "submit"}
    )
    assert response.status_code == 200
    shown = text_of(response)
    assert "提出するには今後の取組方針を入力してください。" in shown
    assert "書きかけの評価" in response.content.decode()
    assert not MeasureAssessment.objects.exists()


def test_my_work_and_review_list_the_assessments(measures, personas, okayama_plan):
    write(measures["1-1"], personas["staff_a"], submit=True)
    mine = text_of(client_for(personas["staff_a"]).get(url("plans:my_work_year", okayama_plan)))
    assert f"施策の評価 {measures['1-1']} 提出済 協働推進課の確認待ち" in mine
    assert str(measures["2-1"]) not in mine and str(measures["1-2"]) not in mine

    office = client_for(personas["admin"])
    everything = text_of(office.get(url("plans:my_work_year", okayama_plan)))
    assert (
        f"施策の評価 {measures['1-2']} 未設定 未入力 施策の評価、今後の取組方針を入力して提出"
        in (everything)
    )
    review = office.get(url("plans:review", okayama_plan))
    shown = text_of(review)
    assert f"施策の評価 {measures['1-1']}" in shown
    assert f"施策の評価 {WRITTEN['assessment']} 今後の取組方針 {WRITTEN['direction']}" in shown
    entry = MeasureAssessment.objects.get()
    assert f'value="measures:{measures["1-1"].pk}:{entry.version}"' in review.content.decode()


def test_the_review_page_approves_and_bulk_approves(measures, personas, okayama_plan):
    first = write(measures["1-1"], personas["staff_a"], submit=True)
    second = write(measures["2-1"], personas["staff_b"], submit=True)
    office = client_for(personas["admin"])
    office.post(
        url("plans:entry_approve", okayama_plan, "measures", measures["1-1"].pk),
        {"version": first.version},
    )
    response = office.post(
        url("plans:approve_plain", okayama_plan),
        {"entry": [f"measures:{measures['2-1'].pk}:{second.version}"]},
        follow=True,
    )
    assert "2024年度分の1件を承認しました。" in text_of(response)
    assert set(MeasureAssessment.objects.values_list("status", flat=True)) == {EntryStatus.APPROVED}


def test_the_measure_page_shows_only_the_approved_assessment(measures, personas, okayama_plan):
    committee = client_for(personas["committee"])
    page = url("plans:measure", okayama_plan, measures["1-1"].pk)
    entry = write(measures["1-1"], personas["staff_a"], submit=True)
    shown = text_of(committee.get(page))
    assert WRITTEN["assessment"] not in shown
    assert "2024年度の施策の評価 承認済の評価はまだありません。" in shown

    entry_approve(entry=entry, user=personas["admin"], version=entry.version)
    shown = text_of(committee.get(page))
    assert (
        f"2024年度の施策の評価 施策の評価 {WRITTEN['assessment']} 今後の取組方針 "
        f"{WRITTEN['direction']}" in shown
    )
    # Another year's page does not borrow it.
    other = reverse("plans:measure", args=[okayama_plan.code, YEAR + 1, measures["1-1"].pk])
    assert WRITTEN["assessment"] not in text_of(committee.get(other))


def test_reminders_list_the_assessments_still_to_write(measures, personas, okayama_plan):
    personas["staff_a"].email = "bob@city.example.jp"
    personas["staff_a"].save()
    PlanYear.objects.create(plan=okayama_plan, fiscal_year=YEAR, entry_deadline=date(2025, 5, 31))
    call_command("send_entry_reminders", "--date", "2025-05-26", stdout=io.StringIO())
    (message,) = mail.outbox
    assert f"・施策の評価「{measures['1-1']}」: 未入力(不足: 施策の評価、今後の取組方針)" in (
        message.body
    )
    assert f"/entry/{okayama_plan.code}/{YEAR}/measures/{measures['1-1'].pk}/" in message.body
    assert str(measures["2-1"]) not in message.body


# --- who may do what --------------------------------------------------------------------------

LOGIN = "login"
ROLES = ["admin", "staff_a", "staff_b", "committee", None]
# The department's staff (staff_a, department A, whose measure 1-1 is), another department's
# (staff_b), the committee and an anonymous visitor, on each door of an assessment.
EXPECTED = {
    #                    admin  staff_a  staff_b  committee  anonymous
    "entry page": (200, 200, 403, 403, LOGIN),
    "save": (302, 302, 403, 403, LOGIN),
    "withdraw": (302, 302, 403, 403, LOGIN),
    "approve": (302, 403, 403, 403, LOGIN),
    "return": (302, 403, 403, 403, LOGIN),
    "office's measure": (200, 403, 403, 403, LOGIN),
    "measure page": (200, 200, 200, 200, LOGIN),
}
CHANGES = {"save", "withdraw", "approve", "return"}


def state():
    return sorted(
        MeasureAssessment.objects.values_list("measure", "status", "assessment", "version")
    )


@pytest.mark.parametrize("what", EXPECTED)
@pytest.mark.parametrize("role", ROLES, ids=lambda role: role or "anonymous")
def test_permission_matrix(measures, personas, okayama_plan, what, role):
    """On department A's measures: 1-1 with a submitted assessment, 3-1 with none yet."""
    measures["3-1"].department = personas["department_a"]
    measures["3-1"].save()
    entry = write(measures["1-1"], personas["staff_a"], submit=True)
    submitted, empty = ["measures", measures["1-1"].pk], ["measures", measures["3-1"].pk]
    decision = {"version": str(entry.version)}
    requests = {
        "entry page": ("get", url("plans:entry", okayama_plan, *submitted), None),
        "save": (
            "post",
            url("plans:entry", okayama_plan, *empty),
            WRITTEN | {"version": "0", "action": "save"},
        ),
        "withdraw": ("post", url("plans:entry_withdraw", okayama_plan, *submitted), decision),
        "approve": ("post", url("plans:entry_approve", okayama_plan, *submitted), decision),
        "return": (
            "post",
            url("plans:entry_return", okayama_plan, *submitted),
            decision | {"reason": "確認"},
        ),
        "office's measure": (
            "get",
            url("plans:entry", okayama_plan, "measures", measures["1-2"].pk),
            None,
        ),
        "measure page": ("get", url("plans:measure", okayama_plan, measures["1-1"].pk), None),
    }
    method, target, data = requests[what]
    expected = EXPECTED[what][ROLES.index(role)]
    before = state()

    client = client_for(personas[role] if role else None)
    response = client.post(target, data) if method == "post" else client.get(target)

    if expected == LOGIN:
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    else:
        assert response.status_code == expected
    if expected in (403, LOGIN) or what not in CHANGES:
        assert state() == before
    else:
        assert state() != before


def test_an_assessment_has_no_fill_in_file(measures, personas, okayama_plan):
    department = personas["department_a"].pk
    okayama_plan.projects.filter(name="区づくり推進事業").update(department=department)
    office = client_for(personas["admin"])
    fill_in = f"/review/{okayama_plan.code}/{YEAR}/fill-in/"
    assert office.get(f"{fill_in}projects/{department}.xlsx").status_code == 200
    assert office.get(f"{fill_in}measures/{department}.xlsx").status_code == 404


def test_approving_bumps_the_measures_policy_only(measures, personas, okayama_plan):
    def keys():
        return {v.policy.number: v.key for v in policy_published_versions(okayama_plan)}

    entry = write(measures["2-1"], personas["staff_b"], submit=True)
    before = keys()
    entry = entry_approve(entry=entry, user=personas["admin"], version=entry.version)
    after = keys()
    assert after[2] != before[2]
    assert (after[1], after[3]) == (before[1], before[3])
    entry_return(entry=entry, user=personas["admin"], version=entry.version, reason="再考を")
    assert keys()[2] != after[2] and keys()[1] == after[1]

"""Every workflow transition, legal and illegal; the year lock; versions; history rows."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from indicators.models import IndicatorResult
from plans.models import EntryStatus
from plans.progress.kinds import INDICATORS, PROJECTS
from plans.progress.workflow import (
    ConcurrentEditError,
    WorkflowError,
    entry_approve,
    entry_return,
    entry_save,
    entry_withdraw,
    plan_year_get,
    plan_year_lock,
    plan_year_reopen,
    plan_year_set_deadline,
)
from tests.factories import IndicatorFactory, ProjectFactory

pytestmark = pytest.mark.django_db

YEAR = 2024


@pytest.fixture
def indicator(personas):
    return IndicatorFactory(department=personas["department_a"])


@pytest.fixture
def project(personas, indicator):
    return ProjectFactory(plan=indicator.policy.plan, department=personas["department_a"])


def save(indicator, user, version=0, submit=False, **values):
    values = {"value": Decimal("45.0"), "not_measured": False, "analysis": "順調"} | values
    return entry_save(
        kind=INDICATORS,
        target=indicator,
        fiscal_year=YEAR,
        user=user,
        values=values,
        version=version,
        submit=submit,
    )


def submitted(indicator, personas):
    return save(indicator, personas["staff_a"], submit=True)


def test_save_draft_then_submit(indicator, personas):
    draft = save(indicator, personas["staff_a"])
    assert (draft.status, draft.version, draft.entered_by) == (
        EntryStatus.DRAFT,
        1,
        personas["staff_a"],
    )
    entry = save(indicator, personas["staff_a"], version=1, submit=True)
    assert entry.status == EntryStatus.SUBMITTED
    assert entry.submitted_at is not None
    assert IndicatorResult.objects.get().version == 2


def test_submit_needs_a_value_or_not_measured(indicator, personas):
    with pytest.raises(WorkflowError, match="実績値を入力するか"):
        save(indicator, personas["staff_a"], submit=True, value=None)
    assert not IndicatorResult.objects.exists()


def test_not_measured_needs_a_reason_to_submit(indicator, personas):
    with pytest.raises(WorkflowError, match="測定しなかった理由"):
        save(
            indicator, personas["staff_a"], submit=True, value=None, not_measured=True, analysis=""
        )
    entry = save(
        indicator,
        personas["staff_a"],
        submit=True,
        value=None,
        not_measured=True,
        analysis="市民意識調査を隔年で実施しているため",
    )
    assert entry.status == EntryStatus.SUBMITTED


def test_implausible_value_is_saved_but_needs_an_analysis_to_submit(indicator, personas):
    save(indicator, personas["staff_a"])
    IndicatorResult.objects.update(fiscal_year=YEAR - 1, status=EntryStatus.APPROVED)
    draft = save(indicator, personas["staff_a"], value=Decimal("450"), analysis="")
    assert draft.value == Decimal("450")
    with pytest.raises(WorkflowError, match="要因分析に理由"):
        save(
            indicator,
            personas["staff_a"],
            version=1,
            submit=True,
            value=Decimal("450"),
            analysis="",
        )
    entry = save(
        indicator,
        personas["staff_a"],
        version=1,
        submit=True,
        value=Decimal("450"),
        analysis="調査方法を変更したため",
    )
    assert entry.status == EntryStatus.SUBMITTED


def test_a_project_submission_needs_activities_grade_and_outlook(project, personas):
    values = {"activities": "講座を3回開催(延べ45人)", "grade": "", "outlook": "", "issues": ""}
    with pytest.raises(WorkflowError, match="自己評価、今後の方向性"):
        entry_save(
            kind=PROJECTS,
            target=project,
            fiscal_year=YEAR,
            user=personas["staff_a"],
            values=values,
            version=0,
            submit=True,
        )
    entry = entry_save(
        kind=PROJECTS,
        target=project,
        fiscal_year=YEAR,
        user=personas["staff_a"],
        values=values | {"grade": "B", "outlook": "continue"},
        version=0,
        submit=True,
    )
    assert entry.status == EntryStatus.SUBMITTED


def test_approve_a_submitted_entry(indicator, personas):
    entry = submitted(indicator, personas)
    approved = entry_approve(entry=entry, user=personas["admin"], version=entry.version)
    assert approved.status == EntryStatus.APPROVED
    assert approved.approved_by == personas["admin"]
    assert approved.approved_at is not None


def test_only_the_plan_office_approves_or_returns(indicator, personas):
    entry = submitted(indicator, personas)
    for user in (personas["staff_a"], personas["committee"]):
        with pytest.raises(PermissionDenied):
            entry_approve(entry=entry, user=user, version=entry.version)
        with pytest.raises(PermissionDenied):
            entry_return(entry=entry, user=user, version=entry.version, reason="x")
    assert IndicatorResult.objects.get().status == EntryStatus.SUBMITTED


def test_a_draft_cannot_be_approved(indicator, personas):
    draft = save(indicator, personas["staff_a"])
    with pytest.raises(WorkflowError, match="「下書き」の入力は承認できません"):
        entry_approve(entry=draft, user=personas["admin"], version=draft.version)


def test_return_needs_a_reason_and_the_staff_sees_it(indicator, personas):
    entry = submitted(indicator, personas)
    with pytest.raises(WorkflowError, match="差し戻す理由"):
        entry_return(entry=entry, user=personas["admin"], version=entry.version, reason="  ")
    returned = entry_return(
        entry=entry, user=personas["admin"], version=entry.version, reason="単位を確認してください"
    )
    assert returned.status == EntryStatus.RETURNED
    assert returned.return_reason == "単位を確認してください"
    # Editing a returned entry makes it a draft again.
    draft = save(indicator, personas["staff_a"], version=returned.version, value=Decimal("46"))
    assert draft.status == EntryStatus.DRAFT


def test_an_approved_entry_cannot_be_edited_until_returned(indicator, personas):
    entry = submitted(indicator, personas)
    entry = entry_approve(entry=entry, user=personas["admin"], version=entry.version)
    with pytest.raises(WorkflowError, match="承認済みのため変更できません"):
        save(indicator, personas["staff_a"], version=entry.version, value=Decimal("47"))
    with pytest.raises(WorkflowError, match="承認済みのため変更できません"):
        save(indicator, personas["admin"], version=entry.version, value=Decimal("47"))
    entry = entry_return(
        entry=entry, user=personas["admin"], version=entry.version, reason="再確認"
    )
    assert entry.approved_by is None
    entry = save(indicator, personas["staff_a"], version=entry.version, value=Decimal("47"))
    assert entry.value == Decimal("47")


def test_a_submitted_entry_cannot_be_edited_but_can_be_withdrawn(indicator, personas):
    entry = submitted(indicator, personas)
    with pytest.raises(WorkflowError, match="提出済みのため変更できません"):
        save(indicator, personas["staff_a"], version=entry.version)
    entry = entry_withdraw(
        kind=INDICATORS, entry=entry, user=personas["staff_a"], version=entry.version
    )
    assert entry.status == EntryStatus.DRAFT
    with pytest.raises(WorkflowError, match="提出済みの入力だけ"):
        entry_withdraw(
            kind=INDICATORS, entry=entry, user=personas["staff_a"], version=entry.version
        )


def test_another_department_cannot_save_or_withdraw(indicator, personas):
    with pytest.raises(WorkflowError, match="権限がありません"):
        save(indicator, personas["staff_b"])
    entry = submitted(indicator, personas)
    with pytest.raises(WorkflowError, match="権限がありません"):
        entry_withdraw(
            kind=INDICATORS, entry=entry, user=personas["staff_b"], version=entry.version
        )
    with pytest.raises(WorkflowError):
        save(indicator, personas["committee"])


def test_the_second_of_two_concurrent_saves_is_refused(indicator, personas):
    first = save(indicator, personas["staff_a"], value=Decimal("45"))
    # Two people opened the form on version 1; the first saves, the second is refused.
    save(indicator, personas["staff_a"], version=first.version, value=Decimal("46"))
    with pytest.raises(ConcurrentEditError) as error:
        save(indicator, personas["admin"], version=first.version, value=Decimal("99"))
    assert error.value.current.value == Decimal("46")
    assert "保存していません" in str(error.value)
    assert IndicatorResult.objects.get().value == Decimal("46")


def test_two_first_saves_for_the_same_year(indicator, personas):
    save(indicator, personas["staff_a"], version=0)
    with pytest.raises(ConcurrentEditError):
        save(indicator, personas["admin"], version=0, value=Decimal("1"))
    assert IndicatorResult.objects.count() == 1


def test_approval_of_a_changed_entry_is_refused(indicator, personas):
    entry = submitted(indicator, personas)
    entry_withdraw(kind=INDICATORS, entry=entry, user=personas["staff_a"], version=entry.version)
    with pytest.raises(ConcurrentEditError):
        entry_approve(entry=entry, user=personas["admin"], version=entry.version)


def test_a_locked_year_refuses_every_change_until_reopened(indicator, personas):
    plan = indicator.policy.plan
    entry = submitted(indicator, personas)
    year = plan_year_lock(plan=plan, fiscal_year=YEAR, user=personas["admin"])
    assert year.is_locked and year.locked_by == personas["admin"]

    with pytest.raises(WorkflowError, match="確定"):
        entry_approve(entry=entry, user=personas["admin"], version=entry.version)
    with pytest.raises(WorkflowError, match="確定"):
        entry_return(entry=entry, user=personas["admin"], version=entry.version, reason="x")
    with pytest.raises(WorkflowError, match="確定"):
        entry_withdraw(
            kind=INDICATORS, entry=entry, user=personas["staff_a"], version=entry.version
        )
    other = IndicatorFactory(policy=indicator.policy, department=personas["department_a"])
    with pytest.raises(WorkflowError, match="確定"):
        save(other, personas["admin"])
    with pytest.raises(WorkflowError, match="すでに確定"):
        plan_year_lock(plan=plan, fiscal_year=YEAR, user=personas["admin"])

    plan_year_reopen(plan=plan, fiscal_year=YEAR, user=personas["admin"])
    approved = entry_approve(entry=entry, user=personas["admin"], version=entry.version)
    assert approved.status == EntryStatus.APPROVED
    history = list(plan_year_get(plan, YEAR).history.order_by("history_date"))
    assert [record.is_locked for record in history] == [True, False]
    assert {record.history_user for record in history} == {personas["admin"]}


def test_only_the_plan_office_locks_and_sets_deadlines(indicator, personas):
    plan = indicator.policy.plan
    with pytest.raises(PermissionDenied):
        plan_year_lock(plan=plan, fiscal_year=YEAR, user=personas["staff_a"])
    with pytest.raises(PermissionDenied):
        plan_year_set_deadline(
            plan=plan, fiscal_year=YEAR, user=personas["committee"], deadline=date(2025, 5, 31)
        )
    assert not plan_year_get(plan, YEAR).pk


def test_after_the_deadline_only_returned_entries_and_the_plan_office_can_save(indicator, personas):
    plan = indicator.policy.plan
    returned = submitted(indicator, personas)
    plan_year_set_deadline(
        plan=plan, fiscal_year=YEAR, user=personas["admin"], deadline=date.today() - timedelta(1)
    )
    other = IndicatorFactory(policy=indicator.policy, department=personas["department_a"])
    with pytest.raises(WorkflowError, match=r"入力期限.*を過ぎたため"):
        save(other, personas["staff_a"])
    assert save(other, personas["admin"]).status == EntryStatus.DRAFT

    returned = entry_return(
        entry=returned, user=personas["admin"], version=returned.version, reason="修正を"
    )
    entry = save(indicator, personas["staff_a"], version=returned.version, submit=True)
    assert entry.status == EntryStatus.SUBMITTED


def test_deadline_outside_the_plan_is_refused(indicator, personas):
    with pytest.raises(WorkflowError):
        plan_year_set_deadline(
            plan=indicator.policy.plan,
            fiscal_year=2030,
            user=personas["admin"],
            deadline=date(2031, 5, 31),
        )


def test_every_change_leaves_a_history_row_with_who_and_what(indicator, personas):
    entry = save(indicator, personas["staff_a"], value=Decimal("45"))
    entry = save(indicator, personas["staff_a"], version=entry.version, value=Decimal("46"))
    entry = save(
        indicator, personas["staff_a"], version=entry.version, submit=True, value=Decimal("46")
    )
    entry = entry_return(
        entry=entry, user=personas["admin"], version=entry.version, reason="確認を"
    )
    entry = save(
        indicator, personas["staff_a"], version=entry.version, submit=True, value=Decimal("47")
    )
    entry = entry_approve(entry=entry, user=personas["admin"], version=entry.version)

    records = list(entry.history.order_by("history_date", "history_id"))
    assert [(r.status, r.history_user.username) for r in records] == [
        ("draft", "bob"),
        ("draft", "bob"),
        ("submitted", "bob"),
        ("returned", "alice"),
        ("submitted", "bob"),
        ("approved", "alice"),
    ]
    assert [r.value for r in records] == [45, 46, 46, 46, 47, 47]

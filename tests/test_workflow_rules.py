"""Rules a security review found missing (issue 14): four eyes on approval, no entry stranded
after the deadline, and deadlines only where and when they make sense."""

import logging
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from plans.models import EntryStatus, PlanYear
from plans.progress.kinds import INDICATORS
from plans.progress.workflow import (
    WorkflowError,
    entry_approve,
    entry_return,
    entry_save,
    entry_withdraw,
    plan_year_get,
    plan_year_lock,
    plan_year_set_deadline,
)
from tests.factories import IndicatorFactory, UserFactory

pytestmark = pytest.mark.django_db

YEAR = 2024


@pytest.fixture
def indicator(personas):
    return IndicatorFactory(department=personas["department_a"])


@pytest.fixture
def plan(indicator):
    return indicator.policy.plan


@pytest.fixture
def second_admin(personas, roles):
    colleague = UserFactory(username="erin", is_staff=True)
    colleague.groups.add(personas["admin"].groups.first())
    return colleague


def save(indicator, user, *, version=0, submit=False):
    return entry_save(
        kind=INDICATORS,
        target=indicator,
        fiscal_year=YEAR,
        user=user,
        values={"value": Decimal("45.5"), "not_measured": False, "analysis": "順調に増えた"},
        version=version,
        submit=submit,
    )


def deadline_passed_yesterday(plan):
    # Arranged directly: what is tested is what happens once the deadline has passed.
    PlanYear.objects.update_or_create(
        plan=plan,
        fiscal_year=YEAR,
        defaults={"entry_deadline": timezone.localdate() - timedelta(days=1)},
    )


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def visible_text(response):
    return " ".join(strip_tags(response.content.decode()).split())


def entry_url(plan, indicator, action=None):
    name = f"plans:entry_{action}" if action else "plans:entry"
    return reverse(name, args=[plan.code, YEAR, "indicators", indicator.pk])


# Finding 6: nothing stranded after the deadline ------------------------------------------------


def test_withdrawing_after_the_deadline_is_refused_rather_than_stranding_the_entry(
    plan, indicator, personas
):
    entry = save(indicator, personas["staff_a"], submit=True)
    deadline_passed_yesterday(plan)

    with pytest.raises(WorkflowError, match="入力期限を過ぎているため、提出を取り下げると"):
        entry_withdraw(
            kind=INDICATORS, entry=entry, user=personas["staff_a"], version=entry.version
        )
    entry.refresh_from_db()
    assert entry.status == EntryStatus.SUBMITTED

    page = logged_in(personas["staff_a"]).get(entry_url(plan, indicator))
    assert entry_url(plan, indicator, "withdraw") not in page.content.decode()
    assert "取り下げもできません。修正が必要な場合は協働推進課に差戻しを依頼してください" in (
        visible_text(page)
    )


def test_the_office_reopens_a_draft_after_the_deadline_and_it_stays_open_until_submitted(
    plan, indicator, personas
):
    draft = save(indicator, personas["staff_a"])
    deadline_passed_yesterday(plan)
    with pytest.raises(WorkflowError, match="入力期限"):
        save(indicator, personas["staff_a"], version=draft.version)

    returned = entry_return(
        entry=draft, user=personas["admin"], version=draft.version, reason="期限後ですが提出を"
    )
    assert returned.status == EntryStatus.RETURNED
    # A draft saved on the way keeps it open; then it is submitted, and approved.
    draft = save(indicator, personas["staff_a"], version=returned.version)
    assert draft.status == EntryStatus.DRAFT
    submitted = save(indicator, personas["staff_a"], version=draft.version, submit=True)
    assert submitted.status == EntryStatus.SUBMITTED
    # Withdrawn again to correct it: still open, because the office reopened it.
    withdrawn = entry_withdraw(
        kind=INDICATORS, entry=submitted, user=personas["staff_a"], version=submitted.version
    )
    submitted = save(indicator, personas["staff_a"], version=withdrawn.version, submit=True)
    approved = entry_approve(entry=submitted, user=personas["admin"], version=submitted.version)
    assert approved.status == EntryStatus.APPROVED


def test_the_review_section_offers_returning_a_draft(plan, indicator, personas):
    save(indicator, personas["staff_a"])
    deadline_passed_yesterday(plan)
    client = logged_in(personas["admin"])
    page = client.get(entry_url(plan, indicator))
    assert "差し戻すと、入力期限を過ぎていても担当課が入力・提出できるようになります" in (
        visible_text(page)
    )
    entry = INDICATORS.entry_model.objects.of(indicator, YEAR)
    client.post(
        entry_url(plan, indicator, "return"), {"version": entry.version, "reason": "再入力を"}
    )
    entry.refresh_from_db()
    assert entry.status == EntryStatus.RETURNED


# Finding 7: four eyes ------------------------------------------------------------------------


def test_the_plan_office_cannot_approve_what_it_entered_itself(
    plan, indicator, personas, second_admin
):
    entry = save(indicator, personas["admin"], submit=True)

    with pytest.raises(WorkflowError, match=r"自分で入力.*承認できません"):
        entry_approve(entry=entry, user=personas["admin"], version=entry.version)
    entry.refresh_from_db()
    assert (entry.status, entry.approved_by) == (EntryStatus.SUBMITTED, None)

    response = logged_in(personas["admin"]).post(
        entry_url(plan, indicator, "approve"), {"version": entry.version}, follow=True
    )
    assert "自分で入力(または取込み)した値は承認できません" in visible_text(response)
    assert "承認する" not in visible_text(response)
    entry.refresh_from_db()
    assert entry.status == EntryStatus.SUBMITTED

    approved = entry_approve(entry=entry, user=second_admin, version=entry.version)
    assert (approved.status, approved.approved_by) == (EntryStatus.APPROVED, second_admin)


def test_a_plan_may_allow_self_approval_and_it_is_recorded(
    plan, indicator, personas, caplog, django_capture_on_commit_callbacks
):
    plan.allow_self_approval = True
    plan.save()
    entry = save(indicator, personas["admin"], submit=True)
    caplog.set_level(logging.INFO, logger="portal.audit")

    with django_capture_on_commit_callbacks(execute=True):
        approved = entry_approve(entry=entry, user=personas["admin"], version=entry.version)

    assert approved.status == EntryStatus.APPROVED
    assert approved.history.latest().history_change_reason == "入力者自身が承認(自己承認)"
    [record] = [r.audit for r in caplog.records if r.name == "portal.audit"]
    assert (record["action"], record["self_approval"]) == ("entry.approve", True)


def test_approving_someone_elses_entry_is_not_marked_as_self_approval(
    indicator, personas, caplog, django_capture_on_commit_callbacks
):
    entry = save(indicator, personas["staff_a"], submit=True)
    caplog.set_level(logging.INFO, logger="portal.audit")
    with django_capture_on_commit_callbacks(execute=True):
        approved = entry_approve(entry=entry, user=personas["admin"], version=entry.version)
    assert approved.history.latest().history_change_reason is None
    [record] = [r.audit for r in caplog.records if r.name == "portal.audit"]
    assert record["self_approval"] is False


# Finding 10: deadlines -----------------------------------------------------------------------


def test_no_deadline_is_set_in_a_locked_year(plan, personas):
    plan_year_lock(plan=plan, fiscal_year=YEAR, user=personas["admin"])

    with pytest.raises(
        WorkflowError, match=r"確定\(ロック\)されているため、入力期限は変更できません"
    ):
        plan_year_set_deadline(
            plan=plan, fiscal_year=YEAR, user=personas["admin"], deadline=date(2025, 5, 31)
        )
    response = logged_in(personas["admin"]).post(
        reverse("plans:year_deadline", args=[plan.code, YEAR]),
        {"entry_deadline": "2025-05-31"},
        follow=True,
    )
    assert "入力期限は変更できません" in visible_text(response)
    assert plan_year_get(plan, YEAR).entry_deadline is None


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0001-01-01", "2024年4月1日から"),
        ("9999-12-31", "2024年4月1日から"),
        ("2024-03-31", "2024年4月1日から"),
        ("2026-W01", "日付として読み取れません"),
        ("2025-02-30", "という日付はありません"),
        ("来週", "日付として読み取れません"),
        ("2025-05-31\x00", "日付として読み取れません"),
        ("2025年5月", "日付として読み取れません"),
    ],
)
def test_a_deadline_must_be_a_real_date_in_range(plan, personas, typed, message):
    response = logged_in(personas["admin"]).post(
        reverse("plans:year_deadline", args=[plan.code, YEAR]),
        {"entry_deadline": typed},
        follow=True,
    )
    assert message in visible_text(response)
    assert plan_year_get(plan, YEAR).entry_deadline is None


@pytest.mark.parametrize(
    "typed",
    ["2025-05-31", "２０２５/５/３１", " 2025/5/31 ", "2025年5月31日", "２０２５年５月３１日"],
)
def test_a_deadline_is_read_as_offices_type_it(plan, personas, typed):
    logged_in(personas["admin"]).post(
        reverse("plans:year_deadline", args=[plan.code, YEAR]), {"entry_deadline": typed}
    )
    assert plan_year_get(plan, YEAR).entry_deadline == date(2025, 5, 31)


def test_the_deadline_field_says_how_to_type_it_and_what_is_set(plan, personas):
    client = logged_in(personas["admin"])
    url = reverse("plans:review", args=[plan.code, YEAR])
    assert "期限は設定されていません。" in visible_text(client.get(url))
    client.post(
        reverse("plans:year_deadline", args=[plan.code, YEAR]), {"entry_deadline": "2025/5/31"}
    )
    shown = visible_text(client.get(url))
    assert (
        "現在の期限: 2025年5月31日。2026-05-31、2026/5/31、2026年5月31日のように入力します。"
        in shown
    )

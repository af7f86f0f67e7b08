"""The yearly entry workflow: save, submit, withdraw, approve, return; lock and reopen a year.

Each function validates, saves and records history (django-simple-history, with the acting user)
in one transaction. An entry moves draft -> submitted -> approved, or is returned with a reason
and becomes a draft again when its department edits it. Nothing in a locked year changes.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from plans.access import can_enter, is_plan_admin, require_plan_admin
from plans.audit import audit
from plans.fiscal_years import format_fiscal_year
from plans.models import EntryStatus, PlanYear
from plans.people import display_name

EDITABLE = {EntryStatus.DRAFT, EntryStatus.RETURNED}


class WorkflowError(Exception):
    """A refused change; the message says why, in Japanese, to the person who tried."""


class ConcurrentEditError(WorkflowError):
    """Someone else saved the entry since the form was opened."""

    def __init__(self, current):
        self.current = current
        if current is None:
            message = "この入力は削除されたか、まだ保存されていません。画面を開き直してください。"
        else:
            who = display_name(current.entered_by) if current.entered_by else "他の人"
            when = timezone.localtime(current.updated_at).strftime("%Y年%m月%d日 %H:%M")
            message = (
                f"{who}さんが {when} にこの入力を保存したため、あなたの変更は保存していません。"
                "下の「現在の内容」と変更履歴を確認してから、もう一度入力してください。"
            )
        super().__init__(message)


def plan_year_get(plan, fiscal_year):
    """The plan office's settings for a fiscal year; an unsaved default when none were made."""
    return PlanYear.objects.filter(plan=plan, fiscal_year=fiscal_year).first() or PlanYear(
        plan=plan, fiscal_year=fiscal_year
    )


def _plan_year_for_update(plan, fiscal_year):
    # Locking the row makes a save wait for a lock being set at the same moment, and vice versa.
    return PlanYear.objects.select_for_update().filter(
        plan=plan, fiscal_year=fiscal_year
    ).first() or PlanYear(plan=plan, fiscal_year=fiscal_year)


def deadline_passed(plan_year, today=None):
    today = today or timezone.localdate()
    return plan_year.entry_deadline is not None and today > plan_year.entry_deadline


def entry_closed_reason(plan_year, user, entry=None, today=None):
    """Why the user may not change this entry now, or None when they may."""
    if plan_year.is_locked:
        return (
            f"{format_fiscal_year(plan_year.fiscal_year)}は確定(ロック)されているため変更できません。"
            "変更が必要な場合は協働推進課に再開を依頼してください。"
        )
    if entry is not None and entry.status == EntryStatus.SUBMITTED:
        return "提出済みのため変更できません。修正する場合は「提出を取り下げる」を押してください。"
    if entry is not None and entry.status == EntryStatus.APPROVED:
        return (
            "承認済みのため変更できません。修正が必要な場合は協働推進課に差戻しを依頼してください。"
        )
    if deadline_passed(plan_year, today) and not is_plan_admin(user) and not reopened(entry):
        deadline = plan_year.entry_deadline
        return (
            f"入力期限({deadline.year}年{deadline.month}月{deadline.day}日)を過ぎたため、"
            "入力は締め切られました。入力が必要な場合は協働推進課に連絡してください。"
        )
    return None


def reopened(entry):
    """Whether the plan office sent the entry back and it has not been approved since: it stays
    open to its department after the deadline until it is submitted again (a draft saved on the
    way keeps it open)."""
    return (
        entry is not None
        and entry.status in EDITABLE
        and (entry.status == EntryStatus.RETURNED or bool(entry.return_reason))
    )


def withdraw_refusal(plan_year, user, entry):
    """Why the user may not withdraw this submission now, or None when they may."""
    if entry is None or entry.status != EntryStatus.SUBMITTED:
        return "提出済みの入力だけを取り下げられます。"
    if plan_year.is_locked:
        return entry_closed_reason(plan_year, user, entry)
    if deadline_passed(plan_year) and not is_plan_admin(user) and not entry.return_reason:
        # After the deadline a draft is closed to its department: withdrawing would strand it.
        return (
            "入力期限を過ぎているため、提出を取り下げると再提出できなくなります。"
            "修正が必要な場合は協働推進課に差戻しを依頼してください。"
        )
    return None


def self_approval_refusal(user, entry):
    """Why the user may not approve an entry they entered themselves (four eyes), or None."""
    if entry is None or entry.entered_by_id != user.pk or entry.plan.allow_self_approval:
        return None
    return (
        "自分で入力(または取込み)した値は承認できません。ほかの計画管理者が承認してください。"
        "(少人数の事務局で自己承認を認める場合は、計画の設定「入力者自身による承認を認める」を"
        "使います。)"
    )


def _check_version(entry, version):
    if (entry.version if entry else 0) != version:
        raise ConcurrentEditError(entry)


def _record(entry, user, action, **details):
    """Save with history (the acting user) and log the action once it has committed."""
    entry._history_user = user
    entry.save()
    fields = {"status": entry.status, "version": entry.version} if hasattr(entry, "status") else {}
    audit(
        action,
        user=user,
        plan=entry.plan,
        fiscal_year=entry.fiscal_year,
        obj=entry,
        **fields,
        **details,
    )


@transaction.atomic
def entry_save(*, kind, target, fiscal_year, user, values, version, submit=False):
    """Save a department's entry as a draft (and submit it, with `submit`).

    `version` is the version the person's form was opened on: if anyone saved since, nothing
    is saved and ConcurrentEditError tells who and when.
    """
    plan = kind.plan_of(target)
    if not can_enter(user, target):
        raise WorkflowError("この項目を入力する権限がありません。")
    plan_year = _plan_year_for_update(plan, fiscal_year)
    entry = (
        kind.entry_model.objects.select_for_update()
        .filter(**{kind.target_field: target, "fiscal_year": fiscal_year})
        .first()
    )
    _check_version(entry, version)
    if reason := entry_closed_reason(plan_year, user, entry):
        raise WorkflowError(reason)
    if entry is None:
        entry = kind.entry_model(**{kind.target_field: target, "fiscal_year": fiscal_year})
    for name, value in values.items():
        setattr(entry, name, value)
    entry.status = EntryStatus.DRAFT
    entry.entered_by = user
    entry.version += 1
    if submit:
        _submit(kind, entry)
    entry.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            _record(entry, user, "entry.submit" if submit else "entry.save")
    except IntegrityError as error:
        # Two people created the first entry for the same year at the same moment.
        raise ConcurrentEditError(
            kind.entry_model.objects.filter(
                **{kind.target_field: target, "fiscal_year": fiscal_year}
            ).first()
        ) from error
    return entry


def _submit(kind, entry):
    problems = kind.submission_problems(entry)
    if problems:
        raise WorkflowError(" ".join(problems))
    entry.status = EntryStatus.SUBMITTED
    entry.submitted_at = timezone.now()


def _entry_to_change(entry, user, version):
    """The entry, locked for this transaction with its year, if it is still the version the
    person saw and its year is open; WorkflowError (or ConcurrentEditError) otherwise."""
    current = type(entry).objects.select_for_update().get(pk=entry.pk)
    plan_year = _plan_year_for_update(current.plan, current.fiscal_year)
    _check_version(current, version)
    if plan_year.is_locked:
        raise WorkflowError(entry_closed_reason(plan_year, user, current))
    return current


@transaction.atomic
def entry_withdraw(*, kind, entry, user, version):
    """Take back a submission that has not been approved yet, to correct it."""
    if not can_enter(user, kind.target_of(entry)):
        raise WorkflowError("この項目を操作する権限がありません。")
    entry = _entry_to_change(entry, user, version)
    if reason := withdraw_refusal(plan_year_get(entry.plan, entry.fiscal_year), user, entry):
        raise WorkflowError(reason)
    entry.status = EntryStatus.DRAFT
    entry.version += 1
    _record(entry, user, "entry.withdraw")
    return entry


@transaction.atomic
def entry_approve(*, entry, user, version):
    """The plan office approves a submitted entry: from now on it counts on committee pages."""
    require_plan_admin(user)
    entry = _entry_to_change(entry, user, version)
    if entry.status != EntryStatus.SUBMITTED:
        raise WorkflowError(
            f"「{entry.get_status_display()}」の入力は承認できません。提出済みの入力だけを承認できます。"
        )
    if reason := self_approval_refusal(user, entry):
        raise WorkflowError(reason)
    self_approval = entry.entered_by_id == user.pk
    if self_approval:
        # Allowed by the plan's setting; the history and the audit line say so.
        entry._change_reason = "入力者自身が承認(自己承認)"
    entry.status = EntryStatus.APPROVED
    entry.approved_by = user
    entry.approved_at = timezone.now()
    entry.return_reason = ""
    entry.version += 1
    _record(entry, user, "entry.approve", self_approval=self_approval)
    return entry


@transaction.atomic
def entry_return(*, entry, user, version, reason):
    """The plan office sends an entry back, saying why: a submitted or approved one to be
    corrected, or a draft to reopen it to its department after the deadline."""
    require_plan_admin(user)
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError("差し戻す理由を入力してください。担当者に表示されます。")
    if "\x00" in reason:
        # No keyboard types it, but a paste can carry it, and PostgreSQL cannot store it.
        raise WorkflowError(
            "差し戻す理由に使えない文字(NUL)が含まれています。理由を入力し直してください。"
        )
    entry = _entry_to_change(entry, user, version)
    if entry.status == EntryStatus.RETURNED:
        raise WorkflowError("この入力はすでに差し戻されています。")
    entry.status = EntryStatus.RETURNED
    entry.return_reason = reason
    entry.approved_by = None
    entry.approved_at = None
    entry.version += 1
    _record(entry, user, "entry.return")
    return entry


@transaction.atomic
def plan_year_lock(*, plan, fiscal_year, user):
    """Close a reported fiscal year: nothing in it can change until it is reopened."""
    require_plan_admin(user)
    plan_year = _plan_year_for_update(plan, fiscal_year)
    if plan_year.is_locked:
        raise WorkflowError(f"{format_fiscal_year(fiscal_year)}はすでに確定されています。")
    plan_year.is_locked = True
    plan_year.locked_at = timezone.now()
    plan_year.locked_by = user
    plan_year.full_clean(validate_unique=False)
    _record(plan_year, user, "year.lock")
    return plan_year


@transaction.atomic
def plan_year_reopen(*, plan, fiscal_year, user):
    """Reopen a locked fiscal year; the lock and the reopening both stay in its history."""
    require_plan_admin(user)
    plan_year = _plan_year_for_update(plan, fiscal_year)
    if not plan_year.is_locked:
        raise WorkflowError(f"{format_fiscal_year(fiscal_year)}は確定されていません。")
    plan_year.is_locked = False
    plan_year.locked_at = None
    plan_year.locked_by = None
    _record(plan_year, user, "year.reopen")
    return plan_year


@transaction.atomic
def plan_year_set_deadline(*, plan, fiscal_year, user, deadline: date | None):
    """Set (or clear) the date until which departments can enter the year's values."""
    require_plan_admin(user)
    plan_year = _plan_year_for_update(plan, fiscal_year)
    if plan_year.is_locked:
        raise WorkflowError(
            f"{format_fiscal_year(fiscal_year)}は確定(ロック)されているため、入力期限は変更できません。"
            "変更する場合は先に年度を再開してください。"
        )
    plan_year.entry_deadline = deadline
    try:
        plan_year.full_clean(validate_unique=False)
    except ValidationError as error:
        raise WorkflowError(" ".join(error.messages)) from error
    _record(plan_year, user, "year.deadline")
    return plan_year

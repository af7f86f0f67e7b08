"""The yearly entry workflow: save, submit, withdraw, approve, return; lock and reopen a year.

Each function validates, saves and records history (django-simple-history, with the acting user)
in one transaction. An entry moves draft -> submitted -> approved, or is returned with a reason
and becomes a draft again when its department edits it. Nothing in a locked year changes.

Every change of an entry's values, whatever the door (the entry page, the results import and
its preview), is judged by `entry_refusal` and written by `entry_save` or `entries_submit`.
"""

import copy
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from plans.access import can_enter, is_plan_admin, require_plan_admin
from plans.audit import audit
from plans.dates import format_date, format_datetime
from plans.fiscal_years import format_fiscal_year
from plans.models import BasicPolicy, EntryStatus, PlanYear
from plans.people import display_name
from plans.publication import plan_published_version_bump

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
            message = (
                f"{saved_by(current)}この入力を保存したため、あなたの変更は保存していません。"
                "下の「現在の内容」と変更履歴を確認してから、もう一度入力してください。"
            )
        super().__init__(message)


def saved_by(entry):
    """Who last saved `entry` and when, as the start of a sentence: "山田さんが 2025年…に"."""
    who = display_name(entry.entered_by) if entry.entered_by else "他の人"
    when = format_datetime(entry.updated_at)
    return f"{who}さんが {when} に"


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


def entry_closed_reason(plan_year, user, entry=None, today=None, *, resubmit=False):
    """Why the user may not change this entry now, or None when they may.

    With `resubmit`, a submitted entry may be replaced by a new submission: the plan office
    importing a department's file is the reviewer the submission waits for.
    """
    office = is_plan_admin(user)
    if plan_year.is_locked:
        return (
            f"{format_fiscal_year(plan_year.fiscal_year)}は確定(ロック)されているため変更できません。"
            + (
                "変更が必要な場合は、先に「確定を解除して再開する」で年度を再開してください。"
                if office
                else "変更が必要な場合は協働推進課に再開を依頼してください。"
            )
        )
    if entry is not None and entry.status == EntryStatus.SUBMITTED and not resubmit:
        if deadline_passed(plan_year, today) and not office and not entry.return_reason:
            return (
                "提出済みのため変更できません。入力期限を過ぎているため取り下げもできません。"
                "修正が必要な場合は協働推進課に差戻しを依頼してください。"
            )
        if office:
            return "提出済みです。内容を確認して、承認または差戻しをしてください。"
        return "提出済みのため変更できません。修正する場合は「提出を取り下げる」を押してください。"
    if entry is not None and entry.status == EntryStatus.APPROVED:
        return "承認済みのため変更できません。" + (
            "修正が必要な場合は、先に差し戻してください。"
            if office
            else "修正が必要な場合は協働推進課に差戻しを依頼してください。"
        )
    if deadline_passed(plan_year, today) and not office and not reopened(entry):
        deadline = plan_year.entry_deadline
        return (
            f"入力期限({format_date(deadline)})を過ぎたため、"
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


def self_approval_refusal(user, entry, plan=None):
    """Why the user may not approve an entry they entered themselves (four eyes), or None.

    `plan` is the entry's plan when the caller has it (saves a query per entry on a list)."""
    if entry is None or entry.entered_by_id != user.pk or (plan or entry.plan).allow_self_approval:
        return None
    return (
        "自分で入力(または取込み)した値は承認できません。ほかの計画管理者が承認してください。"
        "(少人数の事務局で自己承認を認める場合は、計画の設定「入力者自身による承認を認める」を"
        "使います。)"
    )


def _check_version(entry, version):
    if _version_of(entry) != version:
        raise ConcurrentEditError(entry)


def _version_of(entry):
    return entry.version if entry else 0


def entry_refusal(*, kind, plan_year, user, current, entry, version, submit, resubmit=False):
    """Why `user` may not turn `current` (the stored entry, None when there is none) into
    `entry` (the same with the new values, unsaved), or None when they may.

    The rules every door shares, in the order they decide: who enters the item; the version the
    change was made from (ConcurrentEditError); the year's lock, the deadline and the entry's
    status (approved values are protected); and for a submission, what it needs. A new rule
    goes here, so that the entry page, the results import and its preview all apply it.
    """
    if not can_enter(user, kind.target_of(entry)):
        return WorkflowError("この項目を入力する権限がありません。")
    if reason := kind.inactive_reason(kind.target_of(entry), entry.fiscal_year):
        return WorkflowError(reason)
    if _version_of(current) != version:
        return ConcurrentEditError(current)
    if reason := kind.closed_reason(kind.target_of(entry), plan_year.fiscal_year):
        return WorkflowError(reason)
    if reason := entry_closed_reason(plan_year, user, current, resubmit=resubmit):
        return WorkflowError(reason)
    if submit and (problems := kind.submission_problems(entry)):
        return WorkflowError(" ".join(problems))
    return None


def _entries_of(kind, targets, fiscal_year, *, for_update):
    """The stored entries of `targets` for the year, by target id; locked with `for_update`.

    Each entry holds its target as given (not read again): the rules and the validation read
    it, its revisions and its plan from there.
    """
    by_pk = {target.pk: target for target in targets}
    entries = kind.entry_model.objects.for_targets(list(by_pk)).for_year(fiscal_year)
    if for_update:
        entries = entries.select_for_update()
    stored = {}
    for entry in entries:
        target = by_pk[getattr(entry, f"{kind.target_field}_id")]
        setattr(entry, kind.target_field, target)
        stored[target.pk] = entry
    return stored


def _validated(entry):
    """`entry.full_clean()`, but for the foreign keys to objects in hand.

    The target and the people an entry names were read in this request (the target with its
    rules, the user logged in), so asking the database whether they exist is one query each for
    nothing; the database's foreign keys still refuse a row whose target was deleted meanwhile.
    The unique constraint (one entry per item and year) is the database's too: a concurrent
    first save is an IntegrityError, which the callers turn into a conflict.
    """
    in_hand = [
        field.name
        for field in entry._meta.concrete_fields
        if field.is_relation and field.is_cached(entry) and getattr(entry, field.name) is not None
    ]
    entry.full_clean(exclude=in_hand, validate_unique=False)


def _entry_with(kind, target, fiscal_year, current, values):
    """`current` (a new entry when None) with `values`, as a copy: `current` stays as stored."""
    entry = (
        copy.copy(current)
        if current is not None
        else kind.entry_model(**{kind.target_field: target, "fiscal_year": fiscal_year})
    )
    for name, value in values.items():
        setattr(entry, name, value)
    return entry


def _mark_entered(entry, user, submit):
    entry.status = EntryStatus.SUBMITTED if submit else EntryStatus.DRAFT
    if submit:
        entry.submitted_at = timezone.now()
    entry.entered_by = user
    entry.version += 1


def _save_with_history(entry, user):
    entry._history_user = user
    entry.save()


def _record(entry, user, action, **details):
    """Save with history (the acting user) and log the action once it has committed."""
    _save_with_history(entry, user)
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
    plan_year = _plan_year_for_update(kind.plan_of(target), fiscal_year)
    current = _entries_of(kind, [target], fiscal_year, for_update=True).get(target.pk)
    entry = _entry_with(kind, target, fiscal_year, current, values)
    refusal = entry_refusal(
        kind=kind, plan_year=plan_year, user=user, current=current, entry=entry,
        version=version, submit=submit,
    )  # fmt: skip
    if refusal:
        raise refusal
    _mark_entered(entry, user, submit)
    _validated(entry)
    action = "entry.submit" if submit else "entry.save"
    if current is not None:  # its row is locked above: nobody writes it meanwhile
        _record(entry, user, action)
        return entry
    try:
        with transaction.atomic():
            _record(entry, user, action)
    except IntegrityError as error:
        # Two people created the first entry for the same year at the same moment.
        raise ConcurrentEditError(kind.entry_model.objects.of(target, fiscal_year)) from error
    return entry


@dataclass(frozen=True)
class Submission:
    """One entry of a batch: its item, the new values, and the version of the entry they were
    made from (None when unknown: whatever is stored is replaced, if the rules allow)."""

    target: object
    values: dict
    version: int | None = None


@dataclass(frozen=True)
class SubmissionOutcome:
    created: bool  # the item had no entry for the year
    changed: bool  # something is (or, in a dry run, would be) written
    refusal: WorkflowError | None = None


@transaction.atomic
def entries_submit(*, kind, plan, fiscal_year, user, submissions, dry_run, action, **audit_fields):
    """Submit one year's entries of several items at once, all or none (the results import).

    Each submission is judged by `entry_refusal` as the entry page's 提出 is, except that a
    submitted entry may be replaced (see entry_closed_reason). A dry run (the preview) reads
    without locks and writes nothing. Otherwise the year and the entries are locked and
    re-read, so that what changed since the preview (an approval, a lock, another save) is
    judged again: one refusal and nothing is written. A closed year raises WorkflowError for the
    whole batch. Each written entry's history names `user`; one audit line, `action`, tells
    the batch. Returns one SubmissionOutcome per submission, in order.
    """
    if dry_run:
        plan_year = plan_year_get(plan, fiscal_year)
    else:
        plan_year = _plan_year_for_update(plan, fiscal_year)
    if reason := entry_closed_reason(plan_year, user):
        raise WorkflowError(reason)
    stored = _entries_of(kind, [s.target for s in submissions], fiscal_year, for_update=not dry_run)
    checked = [_submission_checked(kind, plan_year, user, s, stored) for s in submissions]
    outcomes = [outcome for _, outcome in checked]
    if dry_run or any(outcome.refusal for outcome in outcomes):
        return outcomes
    written = [entry for entry, outcome in checked if outcome.changed]
    try:
        for entry in written:
            _save_with_history(entry, user)
    except IntegrityError as error:
        # Someone created one of these entries since they were read: nothing is written.
        raise WorkflowError(
            "取り込みの間にほかの人が同じ項目を保存したため、何も取り込んでいません。"
            "もう一度確認してから取り込んでください。"
        ) from error
    audit(
        action, user=user, plan=plan, fiscal_year=fiscal_year, kind=kind.slug,
        written=len(written), **audit_fields,
    )  # fmt: skip
    return outcomes


def _submission_checked(kind, plan_year, user, submission, stored):
    """The entry as it would be written, and the outcome of judging it."""
    current = stored.get(submission.target.pk)
    entry = _entry_with(kind, submission.target, plan_year.fiscal_year, current, submission.values)
    changed = (
        current is None
        or current.status != EntryStatus.SUBMITTED
        or any(getattr(current, name) != value for name, value in submission.values.items())
    )
    made_from = submission.version
    if made_from is None or not changed:
        # Unknown, or nothing to write: a submission that writes nothing overwrites nothing.
        made_from = _version_of(current)
    refusal = entry_refusal(
        kind=kind, plan_year=plan_year, user=user, current=current, entry=entry,
        version=made_from, submit=True, resubmit=True,
    )  # fmt: skip
    if refusal is None and changed:
        _mark_entered(entry, user, submit=True)
        try:
            _validated(entry)
        except ValidationError as error:
            refusal = WorkflowError(" ".join(error.messages))
    return entry, SubmissionOutcome(created=current is None, changed=changed, refusal=refusal)


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
    _interim_replaced(entry)
    entry.approved_by = user
    entry.approved_at = timezone.now()
    entry.return_reason = ""
    entry.version += 1
    _record(entry, user, "entry.approve", self_approval=self_approval)
    plan_published_version_bump(plan=entry.plan, policies=_policies_showing(entry))
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
    if entry.status == EntryStatus.APPROVED:
        # Its values leave the committee pages (an approved 速報値 stays, without its analysis).
        plan_published_version_bump(plan=entry.plan, policies=_policies_showing(entry))
        _interim_kept(entry)
    entry.status = EntryStatus.RETURNED
    entry.return_reason = reason
    entry.approved_by = None
    entry.approved_at = None
    entry.version += 1
    _record(entry, user, "entry.return")
    return entry


def _interim_kept(entry):
    """An approved 速報値 sent back for its 確定値 stays on the committee pages, as the 速報値 it
    was, until the entry is approved again (IndicatorResultQuerySet.counted)."""
    if getattr(entry, "is_interim", False):
        entry.interim_shown_value, entry.interim_shown_as_of = entry.value, entry.as_of


def _interim_replaced(entry):
    """The approved entry replaces the 速報値 kept on the pages."""
    if getattr(entry, "interim_shown_as_of", None) is not None:
        entry.interim_shown_value = entry.interim_shown_as_of = None


def _policies_showing(entry):
    """The policies whose part of the committee pages shows `entry`: its indicator's or its
    measure's policy, or every policy with a measure listing its project (one project may be
    under several)."""
    if hasattr(entry, "indicator_id"):
        policies = BasicPolicy.objects.filter(indicators__pk=entry.indicator_id)
    elif hasattr(entry, "measure_id"):
        policies = BasicPolicy.objects.filter(measures__pk=entry.measure_id)
    elif hasattr(entry, "opinion_id"):
        return []  # the committee's opinions are shown beside the policies' parts, not in them
    else:
        policies = BasicPolicy.objects.filter(measures__project_links__project_id=entry.project_id)
    return list(policies.order_by().values_list("pk", flat=True).distinct())


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
    # What the year's lock shows (the report's date of issue, the public 意見書) is on the pages
    # around the policies' parts: no part is built or evaluated again.
    plan_published_version_bump(plan=plan, policies=())
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
    plan_published_version_bump(plan=plan, policies=())
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

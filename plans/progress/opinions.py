"""The committee's opinions and the year's 意見書: the writes, each in one transaction with its
history (the acting user) and audit line.

A member writes an opinion as a private draft and shares it with the committee; the chair
(委員長) compiles the shared opinions into the year's 意見書 (order, merge, wording) and
publishes it, which bumps the plan's published version. From then on neither the 意見書 nor its
opinions change, and the plan office responds to its items (kinds.RESPONSES, the ordinary
entry workflow). Nothing of a locked year changes.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from indicators.models import Indicator
from plans.access import require_chair, require_committee_member
from plans.fiscal_years import format_fiscal_year
from plans.models import BasicPolicy, CommitteeOpinion, Measure, OpinionLetter
from plans.progress.workflow import (
    WorkflowError,
    _plan_year_for_update,
    _record,
)
from plans.publication import plan_published_version_bump

SUBJECT_FIELDS = {BasicPolicy: "policy", Measure: "measure", Indicator: "indicator"}
PUBLISHED_LETTER = "{year}の意見書は公表済みのため、意見も意見書も変更できません。"


def letter_get(plan, fiscal_year):
    """The year's 意見書; an unsaved one being compiled when the chair has not begun."""
    return OpinionLetter.objects.filter(plan=plan, fiscal_year=fiscal_year).first() or (
        OpinionLetter(plan=plan, fiscal_year=fiscal_year)
    )


def _letter_for_update(plan, fiscal_year):
    return OpinionLetter.objects.select_for_update().filter(
        plan=plan, fiscal_year=fiscal_year
    ).first() or OpinionLetter(plan=plan, fiscal_year=fiscal_year)


def committee_closed_reason(plan_year, letter):
    """Why nothing of the year's opinions may change now, or None."""
    if plan_year.is_locked:
        return (
            f"{format_fiscal_year(plan_year.fiscal_year)}は確定(ロック)されているため、"
            "意見も意見書も変更できません。"
        )
    if letter.is_published:
        return PUBLISHED_LETTER.format(year=format_fiscal_year(letter.fiscal_year))
    return None


def _open_year(plan, fiscal_year):
    """The year's settings and 意見書, locked for this transaction; WorkflowError if closed."""
    plan_year = _plan_year_for_update(plan, fiscal_year)
    letter = _letter_for_update(plan, fiscal_year)
    if reason := committee_closed_reason(plan_year, letter):
        raise WorkflowError(reason)
    return letter


@transaction.atomic
def opinion_save(*, plan, fiscal_year, user, opinion, subject, body, version, share=False):
    """Save a member's opinion (a new one when `opinion` is None) about `subject` (a policy,
    measure or indicator of the plan, None for the plan as a whole); with `share`, show it to
    the committee. Only its author changes it; a shared opinion stays shared."""
    require_committee_member(user)
    if "\x00" in body:
        raise WorkflowError("意見に使えない文字(NUL)が含まれています。入力し直してください。")
    body = body.strip()
    if not body:
        raise WorkflowError("意見を入力してください。")
    _open_year(plan, fiscal_year)
    if opinion is None:
        opinion = CommitteeOpinion(plan=plan, fiscal_year=fiscal_year, author=user)
    else:
        if opinion.author_id != user.pk:
            raise WorkflowError("ほかの委員の意見は変更できません。")
        stored = CommitteeOpinion.objects.select_for_update().filter(pk=opinion.pk).first()
        if stored is None or stored.version != version:
            raise WorkflowError(
                "この意見は別の画面で保存されています。画面を開き直してから入力してください。"
            )
        opinion = stored
    opinion.policy = opinion.measure = opinion.indicator = None
    if subject is not None:
        setattr(opinion, SUBJECT_FIELDS[type(subject)], subject)
    if opinion.subject is not None and subject_plan(opinion) != plan.pk:
        raise WorkflowError(
            "意見の対象は、この計画の基本方針・基本施策・成果指標から選んでください。"
        )
    opinion.body = body
    shared_now = share and opinion.status != CommitteeOpinion.Status.SHARED
    if shared_now:
        opinion.status = CommitteeOpinion.Status.SHARED
        opinion.shared_at = timezone.now()
    opinion.version += 1
    try:
        opinion.full_clean()
    except ValidationError as error:
        raise WorkflowError(" ".join(error.messages)) from error
    _record(opinion, user, "opinion.share" if shared_now else "opinion.save")
    return opinion


def subject_plan(opinion):
    """The plan (pk) of what the opinion is about."""
    if opinion.indicator_id:
        return opinion.indicator.policy.plan_id
    if opinion.measure_id:
        return opinion.measure.policy.plan_id
    return opinion.policy.plan_id


@dataclass(frozen=True)
class LetterItem:
    """The chair's choice for one shared opinion: its place in the 意見書 (None: left out),
    the wording there ("" for the member's own) and the opinion it is merged into (pk or None)."""

    opinion_id: int
    position: int | None
    text: str
    merged_into: int | None


@transaction.atomic
def letter_save(*, plan, fiscal_year, user, preface, items, version, publish=False):
    """The chair saves the 意見書 as compiled: its preface and, for each shared opinion, its
    `LetterItem`; with `publish`, publishes it (it then never changes) and bumps the plan's
    published version so that every page and file shows it at once."""
    require_chair(user)
    letter = _open_year(plan, fiscal_year)
    if letter.version != version:
        raise WorkflowError(
            "意見書はほかの画面で保存されています。画面を開き直してから取りまとめてください。"
        )
    if "\x00" in preface or any("\x00" in item.text for item in items):
        raise WorkflowError("使えない文字(NUL)が含まれています。入力し直してください。")
    shared = {
        opinion.pk: opinion
        for opinion in CommitteeOpinion.objects.select_for_update().filter(
            plan=plan, fiscal_year=fiscal_year, status=CommitteeOpinion.Status.SHARED
        )
    }
    chosen = {item.opinion_id: item for item in items if item.opinion_id in shared}
    _check_merges(chosen, shared)
    for pk, opinion in shared.items():
        item = chosen.get(pk)
        if item is None:
            continue
        merged_into = shared.get(item.merged_into)
        new = (
            None if merged_into else item.position,
            "" if merged_into or item.text.strip() == opinion.body else item.text.strip(),
            merged_into.pk if merged_into else None,
        )
        if new != (opinion.letter_position, opinion.letter_text, opinion.merged_into_id):
            opinion.letter_position, opinion.letter_text, opinion.merged_into_id = new
            opinion.version += 1
            _record(opinion, user, "opinion.compile")
    letter.preface = preface.strip()
    if publish:
        if not any(o.letter_position is not None and not o.merged_into_id for o in shared.values()):
            raise WorkflowError(
                "意見書に載せる意見がありません。順番を入れてから公表してください。"
            )
        letter.status = OpinionLetter.Status.PUBLISHED
        letter.published_at = timezone.now()
        letter.published_by = user
    letter.version += 1
    _record(letter, user, "letter.publish" if publish else "letter.save")
    if publish:
        # Shown around the policies' parts (the .xlsx keeps its sheet under the 意見書's digest).
        plan_published_version_bump(plan=plan, policies=())
    return letter


def _check_merges(chosen, shared):
    for item in chosen.values():
        if item.merged_into is None:
            continue
        target = chosen.get(item.merged_into)
        if item.merged_into == item.opinion_id:
            raise WorkflowError("意見をその意見自身に統合することはできません。")
        if target is None or item.merged_into not in shared:
            raise WorkflowError("統合先には、この年度の共有された意見を選んでください。")
        if target.merged_into is not None:
            raise WorkflowError(
                "統合先の意見がさらに別の意見に統合されています。統合先は意見書に載る意見にしてください。"
            )
        if target.position is None:
            raise WorkflowError(
                f"統合先の意見(「{shared[target.opinion_id].body[:20]}」)に順番を入れてください。"
            )

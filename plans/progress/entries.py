"""The year's items (indicators and projects) with where each stands: shared by the staff's
work list, the plan office's review page and the reminder mails."""

from collections import Counter
from dataclasses import dataclass

from django.db.models import FilteredRelation, Q
from django.utils import timezone

from plans.dates import format_date
from plans.models import EntryStatus
from plans.progress.kinds import KINDS

NOT_ENTERED = "not_entered"
STATUS_LABELS = {NOT_ENTERED: "未入力", **dict(EntryStatus.choices)}
# The order in which a person reads the statuses: from nothing done to finished.
STATUS_ORDER = [
    NOT_ENTERED,
    EntryStatus.DRAFT,
    EntryStatus.RETURNED,
    EntryStatus.SUBMITTED,
    EntryStatus.APPROVED,
]
STILL_TO_DO = {NOT_ENTERED, EntryStatus.DRAFT, EntryStatus.RETURNED}


@dataclass(frozen=True)
class YearItem:
    kind: object
    target: object  # an Indicator or a Project
    entry: object  # its IndicatorResult or ProjectProgress for the year, or None

    @property
    def status(self):
        return self.entry.status if self.entry else NOT_ENTERED

    @property
    def status_label(self):
        return STATUS_LABELS[self.status]

    @property
    def missing(self):
        """What the item still lacks before it can be submitted."""
        # An item never entered lacks every field an empty entry lacks (not the word 未入力, which
        # its status already says).
        return self.kind.missing_fields(self.entry or self.kind.entry_model())

    @property
    def to_do(self):
        return self.status in STILL_TO_DO


def year_items(plan, fiscal_year, *, departments=None, details=True):
    """Every indicator and project of the plan active in the year (見直し) with its entry for
    the year, in plan order.

    `departments` (ids) limits them to those departments. One query per kind, the entries
    joined to their targets; with `details`, the targets' yearly targets and revisions too (the
    review's grades need them, a work list does not) and who entered each entry.
    """
    items = []
    for kind in KINDS.values():
        targets = kind.targets_for_year(plan, fiscal_year)
        if departments is not None:
            targets = kind.of_departments(targets, departments)
        if not details:
            targets = targets.prefetch_related(None)
        entries = kind.entry_model._meta.get_field(kind.target_field).related_query_name()
        targets = targets.annotate(
            year_entry=FilteredRelation(
                entries, condition=Q(**{f"{entries}__fiscal_year": fiscal_year})
            )
        ).select_related("year_entry__entered_by" if details else "year_entry")
        for target in targets:
            entry = getattr(target, "year_entry", None)  # not set when there is no entry
            if entry is not None:
                setattr(entry, kind.target_field, target)
            items.append(YearItem(kind, target, entry))
    return items


def status_counts(items):
    counts = Counter(item.status for item in items)
    return [(status, STATUS_LABELS[status], counts[status]) for status in STATUS_ORDER]


def deadline_message(plan_year, today=None):
    """'締切まであと5日' and the like, or None when no deadline is set."""
    deadline = plan_year.entry_deadline
    if deadline is None:
        return None
    today = today or timezone.localdate()
    date_text = format_date(deadline)
    days = (deadline - today).days
    if days > 0:
        return f"入力期限は{date_text}です(締切まであと{days}日)。"
    if days == 0:
        return f"入力期限は本日({date_text})です。"
    return None

"""Revisions of the plan (計画の見直し): what the plan office changes from a fiscal year on, with
the reason and the body and date that decided it. The original rows stay as the plan printed
them; each revision is its own row, kept with its history.

Indicators and projects each have their revision model (`indicators.IndicatorRevision`,
`projects.ProjectRevision`) on this abstract base. Besides an indicator's new terms (変更),
a revision adds an item mid-plan (追加: active from its year) or ends it (休止・廃止・終了:
inactive from its year). An item has at most one of each; in a year before its 追加 or from its
end on, it is left out of the year's entry lists, dashboards, reports and files.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from plans.fiscal_years import format_fiscal_year
from plans.models import fiscal_year_field


class RevisionKind(models.TextChoices):
    CHANGE = "change", "変更"
    ADDED = "added", "追加"
    SUSPENDED = "suspended", "休止"
    ABOLISHED = "abolished", "廃止"
    ENDED = "ended", "終了"


ENDING_KINDS = (RevisionKind.SUSPENDED, RevisionKind.ABOLISHED, RevisionKind.ENDED)


def is_active(revisions, fiscal_year):
    """Whether an item with these revisions ((kind, from_year) pairs) is active in the year."""
    for kind, from_year in revisions:
        if kind == RevisionKind.ADDED and from_year > fiscal_year:
            return False
        if kind in ENDING_KINDS and from_year <= fiscal_year:
            return False
    return True


def active_in(revision_model, fiscal_year):
    """A filter for the items of `revision_model` (by its `target_field`) active in the year:
    not among those added later or ended by then (`is_active` in SQL).

    One uncorrelated NOT IN rather than two correlated NOT EXISTS: the same rows (the ids are
    never NULL), a fraction of the work to build the query and to plan it, on every page that
    lists a year's items.
    """
    inactive = revision_model.objects.filter(
        Q(kind=RevisionKind.ADDED, from_year__gt=fiscal_year)
        | Q(kind__in=ENDING_KINDS, from_year__lte=fiscal_year)
    ).values(revision_model.target_field)
    return ~Q(pk__in=inactive)


def status_note(revisions):
    """「2024年度から終了」「2023年度から追加」 for an item's added/ended revisions, or ""."""
    notes = []
    for kind, from_year in revisions:
        if kind == RevisionKind.ADDED:
            notes.append(f"{format_fiscal_year(from_year)}から追加")
        elif kind in ENDING_KINDS:
            notes.append(f"{format_fiscal_year(from_year)}から{RevisionKind(kind).label}")
    return "・".join(notes)


class Revision(models.Model):
    """A revision of one item from a fiscal year on (the concrete models name the item)."""

    target_field = None  # the foreign key to the revised item
    plan_lookup = None

    kind = models.CharField(
        "見直しの種類", max_length=12, choices=RevisionKind, default=RevisionKind.CHANGE
    )
    from_year = fiscal_year_field(
        "適用する年度",
        help_text="変更: この年度の評価から見直し後の値を使います。追加: この年度から対象です。"
        "休止・廃止・終了: この年度から入力・評価の対象外です(2024年度で終了した事業なら2025)。",
    )
    reason = models.TextField("見直しの理由")
    decided_by = models.CharField(
        "決定した会議等", max_length=200, help_text="例: 岡山市協働推進委員会"
    )
    decided_on = models.DateField("決定日", help_text="例: 2024-02-15")
    recorded_at = models.DateTimeField("登録日時", auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["from_year", "pk"]

    @property
    def item(self):
        return getattr(self, self.target_field)

    @property
    def is_status_change(self):
        return self.kind != RevisionKind.CHANGE

    def item_plan(self):
        """The plan of the revised item, None before one is chosen."""
        raise NotImplementedError

    def clean(self):
        super().clean()
        plan = self.item_plan()
        if plan is not None and self.from_year and self.from_year not in plan.fiscal_years:
            raise ValidationError(
                {"from_year": f"適用する年度は計画期間({plan.period_label})の中で選んでください。"}
            )


def one_of_each_constraints(target_field, prefix):
    """At most one 追加 and one end (休止・廃止・終了) per item, and one 変更 per item and year."""
    return [
        models.UniqueConstraint(
            fields=[target_field],
            condition=Q(kind=RevisionKind.ADDED),
            name=f"{prefix}_added_once",
            violation_error_message="追加の見直しは1件だけ登録できます。",
        ),
        models.UniqueConstraint(
            fields=[target_field],
            condition=Q(kind__in=ENDING_KINDS),
            name=f"{prefix}_ended_once",
            violation_error_message="休止・廃止・終了の見直しは1件だけ登録できます。",
        ),
        models.UniqueConstraint(
            fields=[target_field, "from_year"],
            condition=Q(kind=RevisionKind.CHANGE),
            name=f"{prefix}_one_change_per_year",
            violation_error_message="同じ年度からの変更はすでに登録されています。1件にまとめてください。",
        ),
        models.CheckConstraint(
            condition=Q(kind__in=RevisionKind.values),
            name=f"{prefix}_kind_valid",
        ),
    ]

"""An entry's history as a person reads it: who changed what, when, from what to what."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from indicators.achievement import format_number
from plans.dates import format_date, format_datetime
from plans.people import display_name

# Bookkeeping fields that change with every save and say nothing to a reader.
HIDDEN_FIELDS = {
    "id",
    "version",
    "created_at",
    "updated_at",
    "submitted_at",
    "approved_at",
    "entered_by",
    "approved_by",
    "locked_at",
    "locked_by",
    "author",
    "shared_at",
    "published_at",
    "published_by",
    # What the entry belongs to does not change; the page already shows it.
    "indicator",
    "project",
    "measure",
    "opinion",
    "plan",
    "fiscal_year",
}
HISTORY_LIMIT = 100
# The entry page shows the latest changes; the item's history page shows all, a page at a time.
HISTORY_ON_ENTRY_PAGE = 10
HISTORY_PAGE_SIZE = 50


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryRow:
    when: datetime
    who: str
    kind: str  # 作成 / 変更 / 削除
    changes: list


def _display(model, field_name, value):
    if value in (None, ""):
        return "(空欄)"
    field = model._meta.get_field(field_name)
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, Decimal):
        return format_number(value, max(0, -value.normalize().as_tuple().exponent))
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return format_date(value)
    return str(value)


def history_records(instance):
    """The instance's history records, newest first."""
    return instance.history.select_related("history_user").order_by("-history_date", "-history_id")


def history_rows(instance):
    """The newest HISTORY_LIMIT changes first; each row lists the fields that changed in it."""
    records = list(history_records(instance)[: HISTORY_LIMIT + 1])
    return rows_of(type(instance), records, HISTORY_LIMIT)


def rows_of(model, records, limit):
    """Rows for the first `limit` of `records` (newest first); a record after them, when given,
    is what the last row's changes are measured against."""
    rows = []
    for record, older in zip(records, [*records[1:], None], strict=True):
        if len(rows) == limit:
            break
        if older is None:
            changes = [
                Change(field.verbose_name, "(空欄)", _display(model, field.name, value))
                for field in model._meta.fields
                if field.name not in HIDDEN_FIELDS
                and (value := getattr(record, field.attname)) not in (None, "", False)
            ]
        else:
            changes = [
                Change(
                    model._meta.get_field(change.field).verbose_name,
                    _display(model, change.field, change.old),
                    _display(model, change.field, change.new),
                )
                for change in record.diff_against(older).changes
                if change.field not in HIDDEN_FIELDS
            ]
        rows.append(
            HistoryRow(
                when=record.history_date,
                who=display_name(record.history_user),
                kind={"+": "作成", "~": "変更", "-": "削除"}[record.history_type],
                changes=changes,
            )
        )
    return rows

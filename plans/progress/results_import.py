"""Importing a fiscal year's results from a spreadsheet: indicator values or project progress.

Imported entries enter the workflow as submitted (提出済), never as approved: the plan office
still reviews them. A locked year refuses the whole file; an approved entry is not overwritten
(it must be returned first). One bad row means nothing is written.
"""

from dataclasses import dataclass

import tablib
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from plans.access import require_plan_admin
from plans.audit import audit
from plans.fiscal_years import format_fiscal_year
from plans.models import EntryStatus
from plans.numbers import format_input
from plans.progress.kinds import INDICATORS, PROJECTS
from plans.progress.workflow import WorkflowError, plan_year_get
from plans.spreadsheets import BLANK, ERROR, ImportReport, RowReport
from projects.models import ProjectProgress

INDICATOR_COLUMNS = ["指標名", "実績値", "測定なし", "要因分析"]
PROJECT_COLUMNS = [
    "事業コード",
    "事業名",
    "実施内容・実績",
    "自己評価",
    "課題",
    "今後の方向性",
    "予算額",
    "決算額",
]
YES = {"はい", "○", "〇", "1", "true", "yes", "y", "測定なし"}
GRADES = {choice.value: choice.value for choice in ProjectProgress.Grade} | {
    label: value for value, label in ProjectProgress.Grade.choices
}
OUTLOOKS = {label: value for value, label in ProjectProgress.Outlook.choices}


@dataclass(frozen=True)
class ResultKind:
    kind: object
    columns: list
    required: list
    key_column: str

    @property
    def data_columns(self):
        return [c for c in self.columns if c not in (self.key_column, "事業コード")]


RESULT_KINDS = {
    "indicators": ResultKind(INDICATORS, INDICATOR_COLUMNS, ["指標名", "実績値"], "指標名"),
    "projects": ResultKind(PROJECTS, PROJECT_COLUMNS, ["事業名"], "事業名"),
}


def _indicator_values(indicator, row):
    errors = []
    not_measured = row["測定なし"].strip().lower() in YES
    value = None
    try:
        value = indicator.parse_value(row["実績値"])
    except ValidationError as error:
        errors.extend(error.messages)
    if not_measured and value is not None:
        errors.append("「測定なし」の行は実績値を空欄にしてください。")
    if not errors and value is None and not not_measured:
        errors.append("実績値がありません(測定しなかった年度は「測定なし」に「はい」)。")
    return {"value": value, "not_measured": not_measured, "analysis": row["要因分析"]}, errors


def _project_values(project, row):
    errors = []
    grade = GRADES.get(
        row["自己評価"].strip().upper()
        if len(row["自己評価"].strip()) == 1
        else row["自己評価"].strip(),
        None,
    )
    if row["自己評価"].strip() and grade is None:
        errors.append(f"自己評価「{row['自己評価']}」は A・B・C・D のどれかにしてください。")
    outlook = OUTLOOKS.get(row["今後の方向性"].strip())
    if row["今後の方向性"].strip() and outlook is None:
        choices = "・".join(OUTLOOKS)
        errors.append(f"今後の方向性「{row['今後の方向性']}」は {choices} のどれかにしてください。")
    amounts = {}
    for column, name in (("予算額", "budget_amount"), ("決算額", "settlement_amount")):
        try:
            amounts[name] = ProjectProgress.parse_amount(row[column])
        except ValidationError as error:
            errors.extend(f"{column}: {message}" for message in error.messages)
    values = {
        "activities": row["実施内容・実績"],
        "grade": grade or "",
        "issues": row["課題"],
        "outlook": outlook or "",
        **amounts,
    }
    return values, errors


def _targets(result_kind, plan):
    """The plan's items by name and by code; a name used twice maps to None (ambiguous)."""
    by_name, by_code = {}, {}
    for target in result_kind.kind.targets(plan):
        by_name[target.name] = None if target.name in by_name else target
        if getattr(target, "code", ""):
            by_code[target.code] = target
    return by_name, by_code


def results_import(*, plan, fiscal_year, kind, table, user, dry_run):
    """Check (and unless `dry_run`, write) one year's results of one kind from `table`."""
    require_plan_admin(user)
    result_kind = RESULT_KINDS[kind]
    entry_kind = result_kind.kind
    if fiscal_year not in plan.fiscal_years:
        raise WorkflowError(f"{format_fiscal_year(fiscal_year)}はこの計画の期間ではありません。")
    if plan_year_get(plan, fiscal_year).is_locked:
        raise WorkflowError(
            f"{format_fiscal_year(fiscal_year)}は確定(ロック)されているため取り込めません。"
        )
    by_name, by_code = _targets(result_kind, plan)
    existing = {
        getattr(entry, f"{entry_kind.target_field}_id"): entry
        for entry in entry_kind.entry_model.objects.filter(
            **{f"{entry_kind.target_field}__in": list(by_name.values()), "fiscal_year": fiscal_year}
        )
    }
    rows, planned, seen = [], [], {}
    for number, row in zip(table.row_numbers, table.dataset.dict, strict=True):
        name = row[result_kind.key_column]
        code = row.get("事業コード", "")
        if not any(row[column] for column in result_kind.data_columns):
            # A row left blank in a filled-in export: nothing to import for that item yet.
            rows.append(RowReport(number, name, BLANK))
            continue
        target = by_code.get(code) if code else None
        target = target or by_name.get(name)
        errors = []
        if target is None and name in by_name:
            # Indicator names are unique within a policy only; guessing would be worse.
            errors.append(
                f"{entry_kind.label}「{name}」はこの計画に同じ名前で複数あるため、どれか決められません。"
                "画面から入力してください。"
            )
            rows.append(RowReport(number, name, ERROR, tuple(errors)))
            continue
        if target is None:
            errors.append(f"{entry_kind.label}「{code or name}」はこの計画にありません。")
            rows.append(RowReport(number, name, ERROR, tuple(errors)))
            continue
        if target.pk in seen:
            errors.append(f"同じ{entry_kind.label}がファイルの{seen[target.pk]}行目にもあります。")
        seen.setdefault(target.pk, number)
        read = _indicator_values if kind == "indicators" else _project_values
        values, value_errors = read(target, row)
        errors += value_errors
        entry = existing.get(target.pk)
        if entry is not None and entry.status == EntryStatus.APPROVED:
            errors.append("承認済みの値は取り込みで上書きできません。先に差し戻してください。")
        if errors:
            rows.append(RowReport(number, name, ERROR, tuple(errors)))
            continue
        changed = (
            entry is None
            or any(getattr(entry, field) != value for field, value in values.items())
            or entry.status != EntryStatus.SUBMITTED
        )
        action = "新規" if entry is None else ("変更" if changed else "変更なし")
        rows.append(RowReport(number, name, action))
        if changed:
            planned.append((target, entry, values))
    report = ImportReport(rows=rows, unknown_columns=table.unknown_columns)
    if dry_run or report.errors:
        return report
    with transaction.atomic():
        now = timezone.now()
        for target, entry, values in planned:
            entry = entry or entry_kind.entry_model(
                **{entry_kind.target_field: target, "fiscal_year": fiscal_year}
            )
            for field, value in values.items():
                setattr(entry, field, value)
            entry.status = EntryStatus.SUBMITTED
            entry.submitted_at = now
            entry.entered_by = user
            entry.version += 1
            entry.full_clean(validate_unique=False)
            entry._history_user = user
            entry.save()
        audit(
            "results.import",
            user=user,
            plan=plan,
            fiscal_year=fiscal_year,
            kind=kind,
            rows=len(rows),
            written=len(planned),
        )
    report.written = True
    return report


def results_export(*, plan, fiscal_year, kind):
    """A year's results in the import's own format (every item, blank where nothing is entered),
    so that a department can fill in the sheet and send it back."""
    spec = RESULT_KINDS[kind]
    entry_kind = spec.kind
    targets = list(entry_kind.targets(plan))
    entries = {
        getattr(entry, f"{entry_kind.target_field}_id"): entry
        for entry in entry_kind.entry_model.objects.filter(
            **{f"{entry_kind.target_field}__in": targets, "fiscal_year": fiscal_year}
        )
    }
    dataset = tablib.Dataset(headers=spec.columns)
    for target in targets:
        entry = entries.get(target.pk)
        if kind == "indicators":
            dataset.append(
                [
                    target.name,
                    format_input(entry.value) if entry else "",
                    "はい" if entry and entry.not_measured else "",
                    entry.analysis if entry else "",
                ]
            )
        else:
            dataset.append(
                [
                    target.code,
                    target.name,
                    entry.activities if entry else "",
                    entry.grade if entry else "",
                    entry.issues if entry else "",
                    entry.get_outlook_display() if entry and entry.outlook else "",
                    format_input(entry.budget_amount) if entry else "",
                    format_input(entry.settlement_amount) if entry else "",
                ]
            )
    return dataset

"""Importing a fiscal year's results from a spreadsheet: indicator values or project progress.

Each row is a submission (提出) made through the workflow's `entries_submit`, under the rules of
the entry page: what it would refuse to submit (a 測定なし without a reason, an implausible value
without an analysis, an approved value, a locked year, a stale version) is refused here too,
row by row in the preview and again, under lock, when the import is confirmed. Imported entries
are submitted, never approved: the plan office still reviews them. One bad row means nothing
is written.

The fill-in file carries each entry's version (版) as it was exported: a row whose entry has been
saved since is refused, as a form opened on an older version is. A row without a version
replaces whatever is stored, if the rules allow.
"""

import unicodedata
from dataclasses import dataclass

import tablib
from django.core.exceptions import ValidationError

from plans.access import require_plan_admin
from plans.fiscal_years import format_fiscal_year
from plans.numbers import format_input
from plans.progress.kinds import INDICATORS, PROJECTS
from plans.progress.workflow import (
    ConcurrentEditError,
    Submission,
    WorkflowError,
    entries_submit,
    saved_by,
)
from plans.spreadsheets import BLANK, ERROR, ImportReport, RowReport
from projects.models import ProjectProgress

VERSION_COLUMN = "版"
INDICATOR_COLUMNS = ["指標名", "実績値", "測定なし", "要因分析", VERSION_COLUMN]
PROJECT_COLUMNS = [
    "事業コード",
    "事業名",
    "実施内容・実績",
    "自己評価",
    "課題",
    "今後の方向性",
    "予算額",
    "決算額",
    VERSION_COLUMN,
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
        return [c for c in self.columns if c not in (self.key_column, "事業コード", VERSION_COLUMN)]


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


def _version(row):
    """The version of the entry the row was exported from; None when the row does not say."""
    text = unicodedata.normalize("NFKC", row[VERSION_COLUMN]).strip()
    if not text:
        return None, []
    if not text.isascii() or not text.isdigit():
        return None, [
            f"{VERSION_COLUMN}「{row[VERSION_COLUMN]}」は書き出したときの数字のままにしてください"
            "(空欄にすると、今の入力を置き換えます)。"
        ]
    return int(text), []


def _refusal_message(refusal):
    if isinstance(refusal, ConcurrentEditError) and refusal.current is not None:
        # The entry page's words speak of a form; here the state was the exported file's.
        return (
            f"このファイルを書き出した後に、{saved_by(refusal.current)}この入力を保存しています。"
            "記入用ファイルを書き出し直して記入するか、今の入力を置き換えてよければ"
            f"この行の「{VERSION_COLUMN}」を空欄にしてください。"
        )
    return str(refusal)


def results_import(*, plan, fiscal_year, kind, table, user, dry_run):
    """Check (and unless `dry_run`, write) one year's results of one kind from `table`."""
    require_plan_admin(user)
    result_kind = RESULT_KINDS[kind]
    if fiscal_year not in plan.fiscal_years:
        raise WorkflowError(f"{format_fiscal_year(fiscal_year)}はこの計画の期間ではありません。")
    targets, seen = _targets(result_kind, plan), {}
    # Each row is decided while reading it (blank, or an error), or becomes a Submission.
    readings = [
        (number, row[result_kind.key_column], _row_read(result_kind, targets, seen, number, row))
        for number, row in zip(table.row_numbers, table.dataset.dict, strict=True)
    ]
    submissions = [reading for _, _, reading in readings if isinstance(reading, Submission)]
    # A row that cannot be read makes the whole file a preview: the others are still judged.
    unreadable = any(getattr(reading, "action", None) == ERROR for _, _, reading in readings)
    outcomes = iter(
        entries_submit(
            kind=result_kind.kind,
            plan=plan,
            fiscal_year=fiscal_year,
            user=user,
            submissions=submissions,
            dry_run=dry_run or unreadable,
            action="results.import",
            rows=len(readings),
        )
    )
    report = ImportReport(
        rows=[
            _submitted_row(number, name, next(outcomes))
            if isinstance(reading, Submission)
            else reading
            for number, name, reading in readings
        ],
        unknown_columns=table.unknown_columns,
    )
    report.written = not (dry_run or report.errors)
    return report


def _row_read(result_kind, targets, seen, number, row):
    """The row's Submission, or its RowReport when it is blank or cannot be read."""
    entry_kind, (by_name, by_code) = result_kind.kind, targets
    name = row[result_kind.key_column]
    code = row.get("事業コード", "")
    if not any(row[column] for column in result_kind.data_columns):
        # A row left blank in a filled-in export: nothing to import for that item yet.
        return RowReport(number, name, BLANK)
    target = (by_code.get(code) if code else None) or by_name.get(name)
    if target is None and name in by_name:
        # Indicator names are unique within a policy only; guessing would be worse.
        return RowReport(number, name, ERROR, (
            f"{entry_kind.label}「{name}」はこの計画に同じ名前で複数あるため、どれか決められません。"
            "画面から入力してください。",
        ))  # fmt: skip
    if target is None:
        message = f"{entry_kind.label}「{code or name}」はこの計画にありません。"
        return RowReport(number, name, ERROR, (message,))
    errors = []
    if target.pk in seen:
        errors.append(f"同じ{entry_kind.label}がファイルの{seen[target.pk]}行目にもあります。")
    seen.setdefault(target.pk, number)
    read = _indicator_values if entry_kind is INDICATORS else _project_values
    values, value_errors = read(target, row)
    version, version_errors = _version(row)
    errors += value_errors + version_errors
    if errors:
        return RowReport(number, name, ERROR, tuple(errors))
    return Submission(target=target, values=values, version=version)


def _submitted_row(number, name, outcome):
    if outcome.refusal:
        return RowReport(number, name, ERROR, (_refusal_message(outcome.refusal),))
    action = "新規" if outcome.created else ("変更" if outcome.changed else "変更なし")
    return RowReport(number, name, action)


def results_export(*, plan, fiscal_year, kind):
    """A year's results in the import's own format (every item, blank where nothing is entered),
    so that a department can fill in the sheet and send it back."""
    spec = RESULT_KINDS[kind]
    entry_kind = spec.kind
    targets = list(entry_kind.targets(plan))
    entries = {
        getattr(entry, f"{entry_kind.target_field}_id"): entry
        for entry in entry_kind.entry_model.objects.for_targets(targets).for_year(fiscal_year)
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
                    entry.version if entry else 0,
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
                    entry.version if entry else 0,
                ]
            )
    return dataset

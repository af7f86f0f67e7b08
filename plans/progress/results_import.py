"""Importing a fiscal year's results from a spreadsheet: indicator values or project progress.

Each row is a submission (提出) made through the workflow's `entries_submit`, under the rules of
the entry page: what it would refuse to submit (a 測定なし without a reason, an implausible value
without an analysis, an approved value, a locked year, a stale version) is refused here too,
row by row in the preview and again, under lock, when the import is confirmed. Imported entries
are submitted, never approved: the plan office still reviews them. One bad row means nothing
is written.

The fill-in file (plans.progress.fill_in) carries each entry's version (版) as it was exported:
a row whose entry has been saved since is refused, as a form opened on an older version is. A
row without a version replaces whatever is stored, if the rules allow.

It also says whose file it is, in its locked 年度 and 所管課 columns: a file of another year, or
of another department than the one the plan office says it imports, is refused as a whole,
naming what the file is; a row whose item another department enters (it moved since the file
was made, or the row was copied from another file) is refused. A file without those columns
(made by hand) is read as the year and department it is imported for.
"""

import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from plans.access import require_plan_admin
from plans.fiscal_years import ERAS, format_fiscal_year
from plans.numbers import parse_date_input
from plans.progress.fill_in import (
    AS_OF_COLUMN,
    DEPARTMENT_COLUMN,
    INTERIM_COLUMN,
    KIND_LABELS,
    NOT_MEASURED,
    REFERENCE_COLUMNS,
    REFERENCE_PATTERN,
    VERSION_COLUMN,
    YEAR_COLUMN,
)
from plans.progress.kinds import INDICATORS, PROJECTS
from plans.progress.workflow import (
    ConcurrentEditError,
    Submission,
    WorkflowError,
    entries_submit,
    saved_by,
)
from plans.spreadsheets import (
    BLANK,
    ERROR,
    ImportReport,
    RowReport,
    SpreadsheetError,
    normalize_header,
    read_table,
)
from projects.models import ProjectProgress

IDENTITY_COLUMNS = [YEAR_COLUMN, DEPARTMENT_COLUMN]
INDICATOR_COLUMNS = [
    "指標名",
    "実績値",
    "測定なし",
    "要因分析",
    VERSION_COLUMN,
    *IDENTITY_COLUMNS,
    INTERIM_COLUMN,
    AS_OF_COLUMN,
]
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
    *IDENTITY_COLUMNS,
]
YES = {NOT_MEASURED, "○", "〇", "1", "true", "yes", "y", "測定なし"}
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
        passed_over = (self.key_column, "事業コード", VERSION_COLUMN, *IDENTITY_COLUMNS)
        return [column for column in self.columns if column not in passed_over]


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


# A date cell (a 時点 typed as 2025/12/31 in Excel) is read as its date and time of midnight.
DATE_CELL = re.compile(r"(\d{4}-\d{2}-\d{2}) 00:00:00")


def _interim_values(row, found_columns):
    """The 速報値 and its 時点 of an indicator's row: ({} when the file has no 速報値 column, which
    then changes neither), and the row's errors."""
    if INTERIM_COLUMN not in found_columns:
        return {}, []
    interim = row[INTERIM_COLUMN].strip().lower() in YES
    text = row[AS_OF_COLUMN].strip()
    text = match[1] if (match := DATE_CELL.fullmatch(text)) else text
    try:
        as_of = parse_date_input(text)
    except ValueError as error:
        return {}, [f"{AS_OF_COLUMN}: {error}"]
    if interim and as_of is None:
        return {}, [
            f"速報値の行は「{AS_OF_COLUMN}」(いつまでの値か、例: 2025-12-31)を入力してください。"
        ]
    if as_of is not None and not interim:
        return {}, [
            f"「{AS_OF_COLUMN}」は速報値の行だけに入力します(「{INTERIM_COLUMN}」を「はい」に)。"
        ]
    if interim and row["測定なし"].strip().lower() in YES:
        return {}, ["「測定なし」の行は速報値にできません。"]
    return {"is_interim": interim, "as_of": as_of}, []


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


def read_results_table(data, filename, *, kind, encoding=None):
    """The file as a table of `kind`'s columns. A file of the other kind (a project file
    chosen as indicators) is refused saying so, rather than by the columns it lacks."""
    spec = RESULT_KINDS[kind]
    try:
        return read_table(
            data, filename, columns=spec.columns, required=spec.required, encoding=encoding
        )
    except SpreadsheetError as refusal:
        [other] = [name for name in RESULT_KINDS if name != kind]
        other_spec = RESULT_KINDS[other]
        try:
            read_table(
                data, filename, columns=other_spec.columns, required=other_spec.required,
                encoding=encoding,
            )  # fmt: skip
        except SpreadsheetError:
            raise refusal from None
        raise SpreadsheetError(
            f"このファイルは{KIND_LABELS[other]}のファイルです(見出しに「{other_spec.key_column}」"
            f"があり、「{spec.key_column}」がありません)。取り込むものを"
            f"「{KIND_LABELS[other]}」にしてください。"
        ) from refusal


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


ERA_YEAR = re.compile("(" + "|".join(name for _, name in ERAS) + r")(元|\d{1,2})年")


def _stated_year(text):
    """The fiscal year a 年度 cell names (2025, 2025年度, 令和7年度...), or None."""
    text = unicodedata.normalize("NFKC", text)
    if western := re.search(r"\d{4}", text):
        return int(western[0])
    if era := ERA_YEAR.search(text):
        first = {name: year for year, name in ERAS}[era[1]]
        return first + (0 if era[2] == "元" else int(era[2]) - 1)
    return None


def _same_department(stated, department):
    """Whether the 所管課 a file states is `department` (None: no department)."""
    return normalize_header(stated) == normalize_header(department.name if department else "")


def _file_identity(table, fiscal_year, department):
    """Refuse a file that says it is another year's, or another department's than the chosen
    `department` (None: not chosen), naming what it is."""
    rows = list(zip(table.row_numbers, table.dataset.dict, strict=True))
    stated = [row[DEPARTMENT_COLUMN] for _, row in rows if row[DEPARTMENT_COLUMN]]
    stated = list(dict.fromkeys(stated))  # each once, in the file's order
    whose = f"{stated[0]}の" if len(stated) == 1 else ""
    for number, row in rows:
        if not row[YEAR_COLUMN]:
            continue
        year = _stated_year(row[YEAR_COLUMN])
        if year is None:
            raise WorkflowError(
                f"{table.place(number)}の「{YEAR_COLUMN}」の「{row[YEAR_COLUMN]}」を年度として"
                "読めません。"
                f"記入用ファイルの灰色の列は変更しないでください。"
            )
        if year != fiscal_year:
            wanted = format_fiscal_year(fiscal_year)
            raise WorkflowError(
                f"このファイルは{whose}{format_fiscal_year(year)}分です({table.place(number)}の"
                f"「{YEAR_COLUMN}」)。{wanted}の実績は、{wanted}の記入用ファイル(確認・承認の画面"
                "から書き出せます)に記入してもらってください。"
            )
    if department is not None:
        others = [name for name in stated if not _same_department(name, department)]
        if others:
            raise WorkflowError(
                f"このファイルは{'・'.join(stated)}の{format_fiscal_year(fiscal_year)}分です"
                f"(「{DEPARTMENT_COLUMN}」の列)。{department}のファイルではありません。"
                f"{department}から届いたファイルを選ぶか、「どの所管課のファイルか」を選び直して"
                "ください。"
            )


def _unknown_columns(table):
    """The file's columns that the import does not know, the fill-in file's own left out."""
    return [
        title
        for title in table.unknown_columns
        if normalize_header(title) not in REFERENCE_COLUMNS
        and not REFERENCE_PATTERN.fullmatch(normalize_header(title))
    ]


def results_import(*, plan, fiscal_year, kind, table, user, dry_run, department=None):
    """Check (and unless `dry_run`, write) one year's results of one kind from `table`.

    `department`: the department whose file the plan office says this is (None: not said).
    """
    require_plan_admin(user)
    result_kind = RESULT_KINDS[kind]
    if fiscal_year not in plan.fiscal_years:
        raise WorkflowError(f"{format_fiscal_year(fiscal_year)}はこの計画の期間ではありません。")
    _file_identity(table, fiscal_year, department)
    targets, seen = _targets(result_kind, plan), {}
    # Each row is decided while reading it (blank, or an error), or becomes a Submission.
    readings = [
        (
            number,
            row[result_kind.key_column],
            _row_read(result_kind, targets, seen, number, row, department, table.found_columns),
        )
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
        unknown_columns=_unknown_columns(table),
        notices=[f"{table.header_place}を見出しとして読みました。"],
        sheet=table.sheet,
    )
    report.written = not (dry_run or report.errors)
    return report


def _department_errors(entry_kind, target, row, department):
    """Why the row's item is not the file's to fill in: another department enters it."""
    current = target.department
    if department is not None and current != department:
        whose = f"{current}の担当" if current else "所管課が設定されていない項目"
        return [f"この{entry_kind.label}は{whose}で、{department}のものではありません。"]
    stated = row[DEPARTMENT_COLUMN]
    if stated and not _same_department(stated, current):
        if current is None:
            return [
                f"この{entry_kind.label}には今は所管課が設定されていません(ファイルでは"
                f"{stated})。所管課を設定してから、その所管課の記入用ファイルで記入してもらって"
                "ください。"
            ]
        return [
            f"この{entry_kind.label}の所管課は{current}です(ファイルでは{stated})。"
            f"{current}の記入用ファイルで記入してもらってください。"
        ]
    return []


def _row_read(result_kind, targets, seen, number, row, department, found_columns):
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
    errors += _department_errors(entry_kind, target, row, department)
    read = _indicator_values if entry_kind is INDICATORS else _project_values
    values, value_errors = read(target, row)
    if entry_kind is INDICATORS:
        interim, interim_errors = _interim_values(row, found_columns)
        values, value_errors = values | interim, value_errors + interim_errors
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

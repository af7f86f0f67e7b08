"""The fill-in files (記入用ファイル) the plan office hands each department, and reads back with
plans.progress.results_import.

One .xlsx per department and kind (成果指標の実績, 事業の進捗), or all of them in one .zip. A
sheet has a title row, a short instruction row, then the table: the fixed columns (year,
department, the item, its unit, baseline and target, the approved values of earlier years)
grey and locked, the columns the department fills in white and unlocked, under sheet
protection without a password (it prevents slips, not a determined person). Values are numbers
with a number format (the unit shown, never typed), choices are drop-down lists of the models'
own choices, free text is text (plans.spreadsheet_cells).

The file says what it is in its own columns: 年度 and 所管課 on every row, locked. The import
refuses a file of another year, or of another department than the one chosen, by naming what
the file says it is. The columns are the identity rather than the workbook's properties or a
hidden cell because they are what a person sees, and they survive what offices do with a file:
saving it again in Excel or LibreOffice, or as CSV.
"""

import io
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from indicators.achievement import format_number
from indicators.models import Indicator
from plans.downloads import safe_filename
from plans.fiscal_years import format_fiscal_year
from plans.models import Department
from plans.numbers import format_input
from plans.progress.kinds import INDICATORS, PROJECTS
from plans.spreadsheet_cells import xlsx_cell
from projects.models import Project, ProjectProgress

KIND_LABELS = {"indicators": "成果指標の実績", "projects": "事業の進捗"}
KINDS = {"indicators": INDICATORS, "projects": PROJECTS}
YEAR_COLUMN, DEPARTMENT_COLUMN, VERSION_COLUMN = "年度", "所管課", "版"
NO_DEPARTMENT = "none"  # in addresses: the items no department is assigned to
NO_DEPARTMENT_LABEL = "所管課未設定"
NOT_MEASURED = "はい"  # what the 測定なし column holds, and offers
INTERIM_COLUMN, AS_OF_COLUMN = "速報値", "速報値の時点"  # はい and the date (2025-12-31)
EARLIER_VALUE = "{year}年度実績"  # the columns of earlier years' approved values
EARLIER_GRADE = "{year}年度自己評価"
# Columns the file carries for the reader's eyes only: the import passes over them.
REFERENCE_COLUMNS = ("単位", "基準値", "目標値")
REFERENCE_PATTERN = re.compile(r"\d{4}年度(実績|自己評価)")

HEADER_ROW = 3  # title, instruction, then the table's header
FIXED, ENTERED, HEADING = "記入用_固定", "記入用_記入欄", "記入用_見出し"
THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
INSTRUCTIONS = {
    "indicators": (
        "白いセルに記入してください(灰色のセルは変更できません)。実績値は数値で入力します"
        "(単位は不要)。測定しなかった年度は「測定なし」で「はい」を選び、要因分析に理由を"
        "書いてください。年度の途中までの値(速報値)は「速報値」で「はい」を選び、"
        "「速報値の時点」にいつまでの値か(例: 2025-12-31)を入力してください。"
        "行や列は増やしたり消したりせず、このファイルのまま協働推進課に返送して"
        "ください。"
    ),
    "projects": (
        "白いセルに記入してください(灰色のセルは変更できません)。自己評価と今後の方向性は"
        "一覧から選び、予算額・決算額は千円単位の数値で入力します。行や列は増やしたり消したり"
        "せず、このファイルのまま協働推進課に返送してください。"
    ),
}


@dataclass(frozen=True)
class Column:
    title: str
    width: int
    entered: bool = False  # filled in by the department: white and unlocked
    choices: tuple = ()  # offered as a drop-down list, and nothing else accepted
    prompt: str = ""  # what the drop-down says
    number: bool = False  # only a number may be typed (within its Figure's range)


@dataclass(frozen=True)
class Figure:
    """A number shown with its number format (the unit, the decimal places); in a column the
    department fills in, the range it may be typed in."""

    value: object
    number_format: str
    minimum: Decimal | None = None
    maximum: Decimal | None = None


@dataclass(frozen=True)
class FillInFile:
    filename: str
    content: bytes


def department_label(department):
    return department.name if department else NO_DEPARTMENT_LABEL


def _number(value):
    # A whole number as int, others as float: Excel keeps doubles, and 4000 stays 4000.
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _quoted(text):
    """`text` as a literal part of a number format: no quote or backslash survives in it."""
    text = re.sub(r'["\\]', "", text)
    return f'"{text}"' if text else ""


def _number_format(places, unit=""):
    digits = "#,##0" if places == 0 else "#,##0." + "0" * places
    return digits + _quoted(unit)


YEAR_FORMAT = '0"年度"'
AMOUNT_FORMAT = _number_format(0, "千円")


@dataclass(frozen=True)
class SheetTable:
    columns: list
    rows: list
    frozen: int  # columns that stay in view when scrolling right


def _entries(kind, targets, fiscal_year):
    """The year's entries of `targets` by target id, and the approved ones of earlier years by
    (target id, year): two queries for any number of targets."""
    model, field = KINDS[kind].entry_model, f"{KINDS[kind].target_field}_id"
    entries = model.objects.for_targets(targets)
    return (
        {getattr(entry, field): entry for entry in entries.for_year(fiscal_year)},
        {
            (getattr(entry, field), entry.fiscal_year): entry
            for entry in entries.approved().before(fiscal_year)
        },
    )


def _indicator_table(fiscal_year, earlier_years, targets, entries, approved):
    columns = [
        Column(YEAR_COLUMN, 10),
        Column(DEPARTMENT_COLUMN, 18),
        Column("指標名", 40),
        Column("単位", 8),
        Column("基準値", 11),
        Column("目標値", 11),
        *(Column(EARLIER_VALUE.format(year=year), 12) for year in earlier_years),
        Column("実績値", 13, entered=True, number=True),
        Column(
            "測定なし",
            9,
            entered=True,
            choices=(NOT_MEASURED,),
            prompt="測定しなかった年度だけ「はい」を選んでください(そのときは実績値を空欄に)。",
        ),
        Column(
            INTERIM_COLUMN,
            9,
            entered=True,
            choices=(NOT_MEASURED,),
            prompt="年度の途中までの値(速報値)なら「はい」を選び、時点を入力してください。",
        ),
        Column(AS_OF_COLUMN, 13, entered=True),
        Column("要因分析", 50, entered=True),
        Column(VERSION_COLUMN, 5),
    ]
    rows = []
    for indicator in targets:
        shown = _number_format(indicator.decimal_places, indicator.unit)
        entry = entries.get(indicator.pk)

        def earlier(year, indicator=indicator, shown=shown):
            result = approved.get((indicator.pk, year))
            if result is None:
                return None
            if result.not_measured:
                return "測定なし"
            if result.is_interim:
                # Text, since it says which kind of value it is: 「47.2%(速報値(…時点))」.
                value = format_number(result.value, indicator.decimal_places) + indicator.unit
                return f"{value}({result.interim_label})"
            return Figure(_number(result.value), shown)

        rows.append(
            [
                Figure(fiscal_year, YEAR_FORMAT),
                indicator.department.name if indicator.department else "",
                indicator.name,
                indicator.unit,
                # In force in the year (計画の見直し); the name stays the plan's, which the
                # import matches on.
                Figure(_number(indicator.terms(fiscal_year).baseline), shown),
                Figure(_number(indicator.terms(fiscal_year).target), shown),
                *(earlier(year) for year in earlier_years),
                Figure(
                    _number(entry.value) if entry else None,
                    shown,
                    indicator.min_value,
                    indicator.max_value,
                ),
                NOT_MEASURED if entry and entry.not_measured else None,
                NOT_MEASURED if entry and entry.is_interim else None,
                entry.as_of.isoformat() if entry and entry.as_of else None,
                entry.analysis if entry else None,
                entry.version if entry else 0,
            ]
        )
    return SheetTable(columns, rows, frozen=3)


def _project_table(fiscal_year, earlier_years, targets, entries, approved):
    grades = dict(ProjectProgress.Grade.choices)
    columns = [
        Column(YEAR_COLUMN, 10),
        Column(DEPARTMENT_COLUMN, 18),
        Column("事業コード", 11),
        Column("事業名", 36),
        *(Column(EARLIER_GRADE.format(year=year), 13) for year in earlier_years),
        Column("実施内容・実績", 50, entered=True),
        Column(
            "自己評価",
            13,
            entered=True,
            choices=tuple(grades.values()),
            prompt="一覧から選んでください(A 達成〜D 遅れ)。",
        ),
        Column("課題", 40, entered=True),
        Column(
            "今後の方向性",
            13,
            entered=True,
            prompt="一覧から選んでください。",
            choices=tuple(label for _, label in ProjectProgress.Outlook.choices),
        ),
        Column("予算額", 15, entered=True, number=True),
        Column("決算額", 15, entered=True, number=True),
        Column(VERSION_COLUMN, 5),
    ]
    rows = []
    for project in targets:
        entry = entries.get(project.pk)

        def earlier(year, project=project):
            progress = approved.get((project.pk, year))
            return grades.get(progress.grade) if progress else None

        rows.append(
            [
                Figure(fiscal_year, YEAR_FORMAT),
                project.department.name if project.department else "",
                project.code,
                project.name,
                *(earlier(year) for year in earlier_years),
                entry.activities if entry else None,
                grades.get(entry.grade) if entry else None,
                entry.issues if entry else None,
                entry.get_outlook_display() if entry and entry.outlook else None,
                Figure(_number(entry.budget_amount) if entry else None, AMOUNT_FORMAT, 0),
                Figure(_number(entry.settlement_amount) if entry else None, AMOUNT_FORMAT, 0),
                entry.version if entry else 0,
            ]
        )
    return SheetTable(columns, rows, frozen=4)


TABLES = {"indicators": _indicator_table, "projects": _project_table}


def _add_styles(workbook):
    for style in (
        NamedStyle(
            name=HEADING,
            font=Font(bold=True),
            fill=PatternFill("solid", fgColor="DDE5F0"),
            border=BORDER,
            alignment=Alignment(wrap_text=True, vertical="center", horizontal="center"),
        ),
        NamedStyle(
            name=FIXED,
            fill=PatternFill("solid", fgColor="E7E6E6"),
            border=BORDER,
            alignment=Alignment(vertical="top", wrap_text=True),
            protection=Protection(locked=True),
        ),
        NamedStyle(
            name=ENTERED,
            border=BORDER,
            alignment=Alignment(vertical="top", wrap_text=True),
            protection=Protection(locked=False),
        ),
    ):
        workbook.add_named_style(style)


def _choice_validation(column):
    """A drop-down of `column`'s choices: nothing else can be typed."""
    return DataValidation(
        type="list",
        formula1='"' + ",".join(column.choices) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="一覧にない値です",
        error=column.prompt,
        showInputMessage=True,
        prompt=column.prompt,
    )


def _number_validation(column, minimum, maximum):
    """Only a number, within the range when there is one (an indicator's 入力できる最小値・最大値,
    an amount's 0): what the import would refuse, Excel refuses while typing."""
    low = "" if minimum is None else format_input(minimum)
    high = "" if maximum is None else format_input(maximum)
    within = f"{low}〜{high}の" if low or high else ""
    return DataValidation(
        type="decimal",
        operator="between",
        formula1=low or "-1E+15",
        formula2=high or "1E+15",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="数値を入力してください",
        error=f"{column.title}は{within}数値で入力してください(単位や「約」は付けません)。",
    )


def _sheet(workbook, *, title, heading, instruction, table):
    columns, rows = table.columns, table.rows
    sheet = workbook.active
    sheet.title = title
    last = get_column_letter(len(columns))
    sheet.append([xlsx_cell(sheet, heading)])
    sheet.append([xlsx_cell(sheet, instruction)])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.merge_cells(f"A1:{last}1")
    sheet.merge_cells(f"A2:{last}2")
    sheet.row_dimensions[2].height = 45
    sheet.append([xlsx_cell(sheet, column.title) for column in columns])
    for index, column in enumerate(columns, start=1):
        sheet.cell(row=HEADER_ROW, column=index).style = HEADING
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    for values in rows:
        cells = []
        for column, value in zip(columns, values, strict=True):
            figure = value if isinstance(value, Figure) else None
            cell = xlsx_cell(sheet, figure.value if figure else value)
            cell.style = ENTERED if column.entered else FIXED
            if figure:
                cell.number_format = figure.number_format
            cells.append(cell)
        sheet.append(cells)
    first, end = HEADER_ROW + 1, HEADER_ROW + len(rows)
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        if column.choices:
            validation = _choice_validation(column)
            validation.add(f"{letter}{first}:{letter}{end}")
            sheet.add_data_validation(validation)
        elif column.number:
            # One validation per range: the rows of indicators allowing the same values.
            ranges = {}
            for number, values in enumerate(rows, start=first):
                figure = values[index - 1]
                ranges.setdefault((figure.minimum, figure.maximum), []).append(number)
            for (minimum, maximum), numbers in ranges.items():
                validation = _number_validation(column, minimum, maximum)
                for number in numbers:
                    validation.add(f"{letter}{number}")
                sheet.add_data_validation(validation)
    # The year, the department and the item stay in view while scrolling to the white cells.
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=table.frozen + 1)
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    # Protected without a password: a slip cannot change a grey cell, and the plan office can
    # still lift it (校閲 → シート保護の解除). Columns and rows may be resized.
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False


def fill_in_targets(plan, kind, department, fiscal_year):
    """The plan's items of `kind` active in the year that `department` enters (None: those
    nobody is assigned)."""
    targets = KINDS[kind].targets(plan, fiscal_year)
    if department is None:
        return targets.filter(department__isnull=True)
    return targets.filter(department=department)


def fill_in_filename(*, department, fiscal_year, kind):
    name = f"{department_label(department)}_{format_fiscal_year(fiscal_year)}_{KIND_LABELS[kind]}"
    return safe_filename(name) + ".xlsx"


def fill_in_workbook(*, plan, fiscal_year, kind, department, targets=None, entries=None):
    """The fill-in .xlsx (bytes) of `department`'s items of `kind` for the year.

    `targets` and `entries` (as `_entries` returns them), when given, are those already read.
    """
    if targets is None:
        targets = list(fill_in_targets(plan, kind, department, fiscal_year))
    entries = entries or _entries(kind, targets, fiscal_year)
    earlier_years = [year for year in plan.fiscal_years if year < fiscal_year]
    table = TABLES[kind](fiscal_year, earlier_years, targets, *entries)
    label = department_label(department)
    heading = (
        f"{label} {format_fiscal_year(fiscal_year)} {KIND_LABELS[kind]} 記入用ファイル"
        f"({plan.title})"
    )
    workbook = Workbook()
    _add_styles(workbook)
    _sheet(
        workbook,
        title=KIND_LABELS[kind],
        heading=heading,
        instruction=INSTRUCTIONS[kind],
        table=table,
    )
    workbook.properties.title = heading
    workbook.properties.creator = "協働推進計画 進捗管理ポータル"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def fill_in_offer(plan):
    """What the review page offers: per department with items (by name; none last), each kind
    with whether it has items of it. Three queries, whatever the plan's size."""
    kinds_of = {}
    for kind, model, plan_field in (
        ("indicators", Indicator, "policy__plan"),
        ("projects", Project, "plan"),
    ):
        for department_id in (
            model.objects.filter(**{plan_field: plan}).values_list("department", flat=True)
        ).distinct():
            kinds_of.setdefault(department_id, []).append(kind)
    departments = Department.objects.in_bulk([pk for pk in kinds_of if pk is not None])
    offer = [
        {
            "department": departments.get(department_id),
            "key": department_id or NO_DEPARTMENT,
            "files": [(kind, label, kind in kinds) for kind, label in KIND_LABELS.items()],
        }
        for department_id, kinds in kinds_of.items()
    ]
    return sorted(offer, key=lambda row: (row["department"] is None, str(row["department"] or "")))


def fill_in_zip(*, plan, fiscal_year):
    """Every department's fill-in files of both kinds, as one .zip (bytes). The targets are
    read once per kind and handed out by department."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for kind in KIND_LABELS:
            targets = list(KINDS[kind].targets(plan, fiscal_year))
            entries = _entries(kind, targets, fiscal_year)
            by_department = {}
            for target in targets:
                by_department.setdefault(target.department, []).append(target)
            for department, department_targets in by_department.items():
                content = fill_in_workbook(
                    plan=plan, fiscal_year=fiscal_year, kind=kind, department=department,
                    targets=department_targets, entries=entries,
                )  # fmt: skip
                name = fill_in_filename(department=department, fiscal_year=fiscal_year, kind=kind)
                archive.writestr(name, content)
    return buffer.getvalue()


def fill_in_zip_filename(*, fiscal_year):
    return f"{format_fiscal_year(fiscal_year)}_記入用ファイル_全所管課.zip"

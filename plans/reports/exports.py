"""The annual report as .xlsx and the open data as CSV and JSON, built from a PlanEvaluation.

Everything is read from the evaluation (approved values only), so building a file runs no
query of its own. JSON carries numbers as strings of their exact decimal value ("45.3",
"4000"): a JSON number would pass through binary floating point in most readers, and published
figures must not change on the way. The CSV is the same data for spreadsheets.
"""

import csv
import io
import json

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter

from indicators.achievement import Grade
from plans.fiscal_years import format_fiscal_year
from plans.spreadsheet_cells import append_row, csv_cell

THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
# Named styles: assigning one by name is far cheaper per cell than separate border and
# alignment objects, which openpyxl hashes one by one (a 2,300-row report took seconds).
HEADER, BODY, WRAPPED = "表の見出し", "表の本文", "表の本文(折り返し)"


def _add_named_styles(workbook):
    # A NamedStyle binds to one workbook, so each workbook gets its own.
    for style in (
        NamedStyle(
            name=HEADER,
            font=Font(bold=True),
            fill=PatternFill("solid", fgColor="DDE5F0"),
            border=BORDER,
            alignment=Alignment(wrap_text=True, vertical="center", horizontal="center"),
        ),
        NamedStyle(name=BODY, border=BORDER, alignment=Alignment(vertical="top")),
        NamedStyle(
            name=WRAPPED, border=BORDER, alignment=Alignment(wrap_text=True, vertical="top")
        ),
    ):
        workbook.add_named_style(style)


def _number_format(places):
    return "#,##0" if places == 0 else "#,##0." + "0" * places


def _grade_text(grade):
    return f"{grade.symbol} {grade.label}"


def _value(number):
    # Whole numbers as int, others as float: Excel stores doubles either way, and an int keeps
    # 4000 from showing as 4000.0 where no format applies.
    if number is None:
        return None
    return int(number) if number == number.to_integral_value() else float(number)


def _sheet(workbook, title, evaluation, headers, widths):
    sheet = workbook.create_sheet(title)
    plan = evaluation.plan
    append_row(sheet, [f"{plan.title} {format_fiscal_year(evaluation.fiscal_year)} 進捗状況報告書"])
    append_row(sheet, [f"{title}(承認済の値のみ)"])
    sheet["A1"].font = Font(bold=True, size=14)
    append_row(sheet, headers)
    for column, width in enumerate(widths, start=1):
        sheet.cell(row=3, column=column).style = HEADER
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "C4"
    sheet.print_title_rows = "3:3"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.oddFooter.center.text = "&P / &N ページ"
    # "&" starts a code in a page header (&P is the page number): a title's own is doubled.
    title_text = plan.title.replace("&", "&&")
    sheet.oddHeader.center.text = f"{title_text} {format_fiscal_year(evaluation.fiscal_year)}"
    return sheet


def _finish(sheet, column_count, wrapped):
    last_row = sheet.max_row
    for row in sheet.iter_rows(min_row=4, max_row=last_row, max_col=column_count):
        for cell in row:
            number_format, quote_prefix = cell.number_format, cell.quotePrefix
            cell.style = WRAPPED if cell.column in wrapped else BODY
            cell.number_format, cell.quotePrefix = number_format, quote_prefix
    sheet.print_area = f"A3:{get_column_letter(column_count)}{last_row}"


def _indicator_sheet(workbook, evaluation):
    plan = evaluation.plan
    years = list(range(plan.first_fiscal_year, evaluation.fiscal_year + 1))
    headers = [
        "基本方針",
        "指標名",
        "単位",
        "基準値",
        "基準年度",
        *[format_fiscal_year(year) for year in years],
        "目標値",
        "目標年度",
        "進捗率",
        "達成率",
        "評価",
        "後退",
        "要因分析",
    ]
    widths = [24, 36, 7, 11, 11, *[11] * len(years), 11, 11, 9, 9, 12, 7, 60]
    sheet = _sheet(workbook, "成果指標", evaluation, headers, widths)
    year_columns = range(6, 6 + len(years))
    row = 3  # the header row; data rows follow
    for policy in evaluation.policies:
        for item in policy.indicators:
            indicator, achievement = item.indicator, item.achievement
            by_year = {result.fiscal_year: result for result in item.results}
            current = by_year.get(evaluation.fiscal_year)
            yearly = []
            for year in years:
                result = by_year.get(year)
                if result is None:
                    yearly.append(None)
                elif result.not_measured:
                    yearly.append("測定なし")
                else:
                    yearly.append(_value(result.value))
            append_row(
                sheet,
                [
                    f"{policy.policy.number} {policy.policy.title}",
                    indicator.name,
                    indicator.unit,
                    _value(indicator.baseline_value),
                    format_fiscal_year(indicator.baseline_year),
                    *yearly,
                    _value(indicator.target_value),
                    format_fiscal_year(indicator.target_year),
                    _value(achievement.progress),
                    _value(achievement.ratio),
                    _grade_text(achievement.grade),
                    "後退" if achievement.regressed else None,
                    current.analysis if current else None,
                ],
            )
            row += 1  # counted here: Worksheet.max_row scans every cell, too slow per row
            value_format = _number_format(indicator.decimal_places)
            for column in (4, *year_columns, 6 + len(years)):
                sheet.cell(row=row, column=column).number_format = value_format
            for column in (8 + len(years), 9 + len(years)):
                sheet.cell(row=row, column=column).number_format = "0%"
    _finish(sheet, len(headers), wrapped={1, 2, len(headers)})


def _project_sheet(workbook, evaluation):
    headers = [
        "基本施策",
        "事業名",
        "所管課",
        "実施内容・実績",
        "評価",
        "課題",
        "今後の方向性",
        "予算額(千円)",
        "決算額(千円)",
    ]
    widths = [28, 30, 16, 50, 12, 36, 12, 12, 12]
    sheet = _sheet(workbook, "事業", evaluation, headers, widths)
    row = 3
    for policy in evaluation.policies:
        for measure in policy.measures:
            for item in measure.projects:
                progress = item.progress
                append_row(
                    sheet,
                    [
                        str(measure.measure),
                        item.project.name,
                        str(item.project.department or ""),
                        progress.activities if progress else None,
                        _grade_text(item.grade) if item.grade is not Grade.NONE else None,
                        progress.issues if progress else None,
                        progress.get_outlook_display() if progress else None,
                        _value(progress.budget_amount) if progress else None,
                        _value(progress.settlement_amount) if progress else None,
                    ],
                )
                row += 1
                for column in (8, 9):
                    sheet.cell(row=row, column=column).number_format = "#,##0"
    _finish(sheet, len(headers), wrapped={1, 2, 3, 4, 6})


def report_workbook(evaluation):
    """The annual report (進捗状況報告書) as .xlsx bytes: one sheet of indicators, one of projects.

    A project listed under two measures appears under each, as in the plan.
    """
    workbook = Workbook()
    workbook.remove(workbook.active)
    _add_named_styles(workbook)
    _indicator_sheet(workbook, evaluation)
    _project_sheet(workbook, evaluation)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _plain(number):
    """45.3000 -> '45.3', 4000.0000 -> '4000': the exact value without padding."""
    if number is None:
        return None
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


OPEN_DATA_COLUMNS = [
    "計画コード",
    "計画名",
    "基本方針番号",
    "指標名",
    "単位",
    "集計方法",
    "基準値",
    "基準年度",
    "目標値",
    "目標年度",
    "年度",
    "実績値",
    "測定なし",
    # はい: a made-up value of the demo command (manage.py create_demo_accounts), never a result.
    "デモ用データ",
]


def open_data_rows(evaluation):
    """One row per indicator and approved year, up to the evaluated year."""
    plan = evaluation.plan
    rows = []
    for policy in evaluation.policies:
        for item in policy.indicators:
            indicator = item.indicator
            for result in item.results:
                if result.value is None and not result.not_measured:
                    continue
                rows.append(
                    dict(
                        zip(
                            OPEN_DATA_COLUMNS,
                            [
                                plan.code,
                                plan.title,
                                policy.policy.number,
                                indicator.name,
                                indicator.unit,
                                indicator.get_aggregation_display(),
                                indicator.baseline_value,
                                indicator.baseline_year,
                                indicator.target_value,
                                indicator.target_year,
                                result.fiscal_year,
                                result.value,
                                "はい" if result.not_measured else "",
                                "はい" if result.is_demo else "",
                            ],
                            strict=True,
                        )
                    )
                )
    return rows


def open_data_csv(evaluation):
    """The open data as CSV: UTF-8 with a BOM (so that Excel reads it), CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=OPEN_DATA_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in open_data_rows(evaluation):
        writer.writerow(
            {
                key: _plain(value) if key in ("基準値", "目標値", "実績値") else csv_cell(value)
                for key, value in row.items()
            }
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def open_data_json(evaluation):
    """The open data as JSON; numbers are exact decimal strings (see the module docstring)."""
    plan = evaluation.plan
    data = {
        "plan": {
            "code": plan.code,
            "title": plan.title,
            "municipality": plan.municipality,
            "first_fiscal_year": plan.first_fiscal_year,
            "last_fiscal_year": plan.last_fiscal_year,
            "baseline_fiscal_year": plan.baseline_fiscal_year,
        },
        "contains_demo_data": any(
            result.is_demo
            for policy in evaluation.policies
            for item in policy.indicators
            for result in item.results
        ),
        "indicators": [
            {
                "name": item.indicator.name,
                "unit": item.indicator.unit,
                "policy_number": policy.policy.number,
                "aggregation": item.indicator.aggregation,
                "direction": item.indicator.direction,
                "baseline": _plain(item.indicator.baseline_value),
                "baseline_year": item.indicator.baseline_year,
                "target": _plain(item.indicator.target_value),
                "target_year": item.indicator.target_year,
                "results": [
                    {
                        "fiscal_year": result.fiscal_year,
                        "value": _plain(result.value),
                        "not_measured": result.not_measured,
                        "demo": result.is_demo,
                    }
                    for result in item.results
                    if result.value is not None or result.not_measured
                ],
            }
            for policy in evaluation.policies
            for item in policy.indicators
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")

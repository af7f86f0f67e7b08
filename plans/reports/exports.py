"""The annual report as .xlsx and the open data as CSV and JSON, built from a PlanEvaluation.

Everything is read from the evaluation (approved values only), so building a file runs no
query of its own. JSON carries numbers as strings of their exact decimal value ("45.3",
"4000"): a JSON number would pass through binary floating point in most readers, and published
figures must not change on the way. The CSV is the same data for spreadsheets.
"""

import csv
import io
import json
from typing import NamedTuple

import xlsxwriter

from indicators.achievement import Grade
from plans.fiscal_years import format_fiscal_year
from plans.spreadsheet_cells import csv_cell, xlsx_style, xlsx_write_row

# Cell formats (XlsxWriter format properties). Thin grey borders on every cell of a table.
BORDER = {"border": 1, "border_color": "#999999"}
HEADER = BORDER | {
    "bold": True,
    "bg_color": "#DDE5F0",
    "text_wrap": True,
    "valign": "vcenter",
    "align": "center",
}
BODY = BORDER | {"valign": "top"}
WRAPPED = BODY | {"text_wrap": True}
TITLE = {"bold": True, "font_size": 14}
PLAIN = {}
PERCENT = "0%"
AMOUNT = "#,##0"


class _Styles:
    """The workbook's cell formats, each made once (XlsxWriter keeps every format it is given)."""

    def __init__(self, workbook):
        self._workbook = workbook
        self._made = {}

    def __call__(self, base, number_format=None):
        key = (tuple(sorted(base.items())), number_format)
        if key not in self._made:
            properties = base | ({"num_format": number_format} if number_format else {})
            self._made[key] = xlsx_style(self._workbook, **properties)
        return self._made[key]


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


def _sheet(workbook, styles, title, plan, fiscal_year, headers, widths):
    """A sheet with the report's title, its table's header on row 3 and its print setup: A4
    landscape, one page wide, the header row on every page, the plan in the page header."""
    sheet = workbook.add_worksheet(title)
    fiscal_year = format_fiscal_year(fiscal_year)
    xlsx_write_row(sheet, 0, [f"{plan.title} {fiscal_year} 進捗状況報告書"], [styles(TITLE)])
    xlsx_write_row(sheet, 1, [f"{title}(承認済の値のみ)"], [styles(PLAIN)])
    xlsx_write_row(sheet, 2, headers, [styles(HEADER)] * len(headers))
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    sheet.freeze_panes(3, 2)  # C4
    sheet.repeat_rows(2)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.set_footer("&C&P / &N ページ")
    # "&" starts a code in a page header (&P is the page number): a title's own is doubled.
    header = f"&C{plan.title.replace('&', '&&')} {fiscal_year}"
    if "&G" in header:
        # XlsxWriter takes "&G" for a picture and refuses the header; here it is a title's "&"
        # (doubled) before a G, plain text, which Excel reads as such.
        sheet.set_header("&C")
        sheet.header = header
    else:
        sheet.set_header(header)
    return sheet


class ReportRows(NamedTuple):
    """One policy's rows of the .xlsx report, as cell values: what the evaluation gives, kept
    per policy (`parts.policy_parts`) so that a change of one policy evaluates only that one."""

    indicators: list  # (decimal places, the row's values)
    projects: list  # the row's values


def report_rows(policy, fiscal_year, years):
    """The rows of `policy` (a PolicyEvaluation) on the sheets 成果指標 and 事業."""
    indicator_rows = []
    for item in policy.indicators:
        indicator, achievement = item.indicator, item.achievement
        by_year = {result.fiscal_year: result for result in item.results}
        current = by_year.get(fiscal_year)
        yearly = []
        for year in years:
            result = by_year.get(year)
            if result is None:
                yearly.append(None)
            elif result.not_measured:
                yearly.append("測定なし")
            else:
                yearly.append(_value(result.value))
        values = [
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
        ]
        indicator_rows.append((indicator.decimal_places, values))
    project_rows = []
    for measure in policy.measures:
        for item in measure.projects:
            progress = item.progress
            project_rows.append(
                [
                    str(measure.measure),
                    item.project.name,
                    item.project.department or "",
                    progress.activities if progress else None,
                    _grade_text(item.grade) if item.grade is not Grade.NONE else None,
                    progress.issues if progress else None,
                    item.outlook,
                    _value(progress.budget_amount) if progress else None,
                    _value(progress.settlement_amount) if progress else None,
                ]
            )
    return ReportRows(indicator_rows, project_rows)


def report_years(plan, fiscal_year):
    return range(plan.first_fiscal_year, fiscal_year + 1)


def _indicator_sheet(workbook, styles, plan, fiscal_year, parts):
    years = report_years(plan, fiscal_year)
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
    sheet = _sheet(workbook, styles, "成果指標", plan, fiscal_year, headers, widths)
    row_styles = {}  # by decimal places: the value columns' format differs

    def styles_for(places):
        if places not in row_styles:
            value = styles(BODY, _number_format(places))
            row_styles[places] = [
                styles(WRAPPED),
                styles(WRAPPED),
                styles(BODY),
                value,
                styles(BODY),
                *[value] * len(years),
                value,
                styles(BODY),
                styles(BODY, PERCENT),
                styles(BODY, PERCENT),
                styles(BODY),
                styles(BODY),
                styles(WRAPPED),
            ]
        return row_styles[places]

    row = 3
    for part in parts:
        for places, values in part.indicators:
            xlsx_write_row(sheet, row, values, styles_for(places))
            row += 1
    sheet.print_area(2, 0, max(row - 1, 2), len(headers) - 1)


def _project_sheet(workbook, styles, plan, fiscal_year, parts):
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
    sheet = _sheet(workbook, styles, "事業", plan, fiscal_year, headers, widths)
    wrapped, body, amount = styles(WRAPPED), styles(BODY), styles(BODY, AMOUNT)
    row_styles = [wrapped, wrapped, wrapped, wrapped, body, wrapped, body, amount, amount]
    row = 3
    for part in parts:
        for values in part.projects:
            xlsx_write_row(sheet, row, values, row_styles)
            row += 1
    sheet.print_area(2, 0, max(row - 1, 2), len(headers) - 1)


def report_workbook(evaluation):
    """The annual report (進捗状況報告書) as .xlsx bytes: one sheet of indicators, one of projects.

    A project listed under two measures appears under each, as in the plan.
    """
    years = report_years(evaluation.plan, evaluation.fiscal_year)
    return report_workbook_of_rows(
        evaluation.plan,
        evaluation.fiscal_year,
        [report_rows(policy, evaluation.fiscal_year, years) for policy in evaluation.policies],
    )


def report_workbook_of_rows(plan, fiscal_year, parts):
    """The annual report from each policy's `ReportRows`, in the plan's order. Written with
    XlsxWriter, several times faster than openpyxl for the thousands of cells of a large plan.
    """
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    styles = _Styles(workbook)
    _indicator_sheet(workbook, styles, plan, fiscal_year, parts)
    _project_sheet(workbook, styles, plan, fiscal_year, parts)
    workbook.close()
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

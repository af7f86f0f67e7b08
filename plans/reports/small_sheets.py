"""What the .xlsx report's small sheets (written whole after the large tables, `extra_sheets` of
`exports.report_workbook_of_parts`) share, and the sheet 計画の見直し.

The sheet 委員会の意見 is in plans/reports/opinions.py.
"""

from plans.dates import format_date
from plans.fiscal_years import format_fiscal_year
from plans.reports.exports import PLAIN, WRAPPED, report_sheet
from plans.spreadsheet_cells import xlsx_write_row


def write_wrapped_rows(sheet, styles, rows, widths):
    """The table's rows from the 4th (after the title, the note and the header), each cell
    text (never a formula) wrapped, each row as tall as its wrapped text."""
    for number, values in enumerate(rows, start=3):
        # The large tables' estimate (`spreadsheet_cells.xlsx_row_height`): one rule per file.
        xlsx_write_row(sheet, number, values, [styles(WRAPPED)] * len(values), widths)


REVISIONS_TITLE = "計画の見直し"
REVISIONS_HEADERS = ["区分", "項目", "見直し", "理由", "決定"]
REVISIONS_WIDTHS = [16, 36, 40, 50, 26]


def revisions_sheet(plan, fiscal_year, revisions):
    """A writer of the sheet 計画の見直し: the revisions taking effect in the year
    (`evaluation.year_revisions`), as the print report and the Word report list them. The
    caller adds it only when the year has revisions."""

    def write(workbook, styles):
        sheet = report_sheet(
            workbook, styles, REVISIONS_TITLE, plan, fiscal_year, REVISIONS_HEADERS,
            REVISIONS_WIDTHS, len(revisions),
        )  # fmt: skip
        note = (
            f"{format_fiscal_year(fiscal_year)}から適用される見直し(見直し前の値は計画策定時の"
            "まま。各年度の評価にはその年度に適用されている基準値・目標値を使用)"
        )
        xlsx_write_row(sheet, 1, [note], [styles(PLAIN)])
        rows = [
            [
                f"{revision.item_kind}\n{revision.policy}",
                revision.item,
                f"{revision.kind}: {revision.changes}" if revision.changes else revision.kind,
                revision.reason,
                f"{revision.decided_by}\n{format_date(revision.decided_on)}",
            ]
            for revision in revisions
        ]
        write_wrapped_rows(sheet, styles, rows, REVISIONS_WIDTHS)

    return write

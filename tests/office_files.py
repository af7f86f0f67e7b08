"""Spreadsheets made the way a plan office makes them, for the import tests.

An office list has a title in merged cells, a blank row, a date line and the header on row 4;
it often sits on a second sheet after an instructions sheet, ends with a total row and a note,
and holds what Excel made of what was typed (a date for 2-1, full-width codes such as Ｋ－０３).
"""

import io
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

TITLE = "令和7年度 主な事業一覧"
AS_OF = "令和7年4月1日現在"
HEADER_ROW = 4


def office_workbook(header, rows, *, sheet="事業一覧", instructions=True, footer=()):
    """A workbook as an office saves its list: an instructions sheet first (unless not
    wanted), then `sheet` with a merged title, a blank row, a date line, the header on row 4,
    the `rows`, and the `footer` rows (a total, a note) below them."""
    workbook = Workbook()
    if instructions:
        notes = workbook.active
        notes.title = "記入方法"
        notes["A1"] = "記入方法"
        notes["A1"].font = Font(bold=True, size=14)
        notes.append([])
        notes.append(["1. 「事業一覧」シートに、事業ごとに1行で記入してください。"])
        notes.append(["2. 事業名は必ず記入してください。基本施策は「1-1」のように記入します。"])
        lines = workbook.create_sheet(sheet)
    else:
        lines = workbook.active
        lines.title = sheet
    lines["A1"] = TITLE
    lines["A1"].font = Font(bold=True, size=14)
    lines["A1"].alignment = Alignment(horizontal="center")
    lines.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    lines["A3"] = AS_OF
    lines.cell(row=HEADER_ROW, column=1)  # row 2 stays blank
    for column, title in enumerate(header, start=1):
        lines.cell(row=HEADER_ROW, column=column, value=title).font = Font(bold=True)
    for row in (*rows, *footer):
        lines.append(list(row))
    for letter, width in zip("ABCDEFGH", (12, 28, 40, 14, 18, 10, 10, 10), strict=False):
        lines.column_dimensions[letter].width = width
    return workbook


def workbook_bytes(workbook):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def office_file(header, rows, **options):
    return workbook_bytes(office_workbook(header, rows, **options))


def typed_as_date(month, day):
    """What Excel stores when 「2-1」 is typed into a cell formatted 標準: a date this year."""
    return datetime(2026, month, day)


OFFICE_HEADER = ["事業コード", "事業名", "事業概要", "基本施策", "所管課"]


def office_list():
    """The office list of the import tests: a full-width code, a new project, a total row.
    tests/data/spreadsheets/office_list_libreoffice.xlsx is this file saved by LibreOffice:
    soffice --headless --convert-to xlsx:"Calc MS Excel 2007 XML" --outdir out <this file>."""
    workbook = office_workbook(
        OFFICE_HEADER,
        [
            ["Ｋ－０３", "区づくり推進事業", "", "1-1", "市民協働企画課"],
            ["", "新しい協働講座", "講座を開きます。", "2-1", "地域づくり支援課"],
        ],
        footer=[["合計", "2事業"]],
    )
    return workbook_bytes(workbook)

"""Text that the portal writes into a spreadsheet stays text, never a formula.

A project named `=HYPERLINK("http://…"&A1,"x")` or an analysis `=前年度比で増加` is written as
that text, is not run by the program that opens the file, and comes back unchanged when the
file is imported again. Every writer of .xlsx and CSV goes through this module:

- .xlsx: every str is a text cell. openpyxl would store a str starting with "=" as a formula
  (and "#N/A" as an error value); a formula written without its result reads back as empty,
  which is how an exported analysis used to be lost. Text that starts like a formula also
  carries Excel's quote prefix (what typing an apostrophe does), so that editing the cell in
  Excel keeps it text. The large annual report is written with XlsxWriter, faster for thousands
  of cells, through `xlsx_write_row`: the same rule (write_string, the quote prefix); its
  tables' rows are kept in the cache as finished SpreadsheetML (`xlsx_row_xml`), the very
  cells XlsxWriter would write, text as inline text cells.
- CSV: a text that starts with = + - @, a tab or a carriage return gets an apostrophe in front
  (OWASP's advice on CSV injection). A plain number ("-5", "+1.5", "-1,200") is left alone:
  spreadsheets read it as that number, never as a formula, so a negative value in open data
  stays a number. Text that already starts with apostrophes before one of those characters
  gets one more, so that `csv_text` gives back exactly what was written.
- Reading a CSV (plans.spreadsheets) removes that one apostrophe with `csv_text`: "'=x" is read
  as "=x", and "'-5" in a numeric column is the number -5. Cells of an .xlsx are read as they
  are: a text cell holds its text exactly.
"""

import csv
import re
from io import BytesIO
from typing import NamedTuple

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from xlsxwriter.utility import xl_col_to_name

FORMULA_START = re.compile(r"'*[=+\-@\t\r]")
PLAIN_NUMBER = re.compile(r"[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?")


def _starts_like_formula(text):
    return FORMULA_START.match(text) is not None and PLAIN_NUMBER.fullmatch(text) is None


def csv_cell(value):
    """`value` as a CSV cell that no spreadsheet takes for a formula (see the module docstring)."""
    if isinstance(value, str) and _starts_like_formula(value):
        return "'" + value
    return value


def csv_text(cell):
    """A CSV cell as it was before `csv_cell`: one apostrophe before = + - @ tab CR removed."""
    if cell.startswith("'") and FORMULA_START.match(cell, 1):
        return cell[1:]
    return cell


class CsvWriter:
    """csv.writer whose rows go through `csv_cell`."""

    def __init__(self, stream, **options):
        self._writer = csv.writer(stream, **options)

    def writerow(self, values):
        return self._writer.writerow([csv_cell(value) for value in values])


def xlsx_text(text):
    """`text` as an .xlsx cell can hold it: XML has no control characters. Word's manual line
    break (vertical tab) and a form feed become line breaks; the others, invisible anyway, go."""
    text = text.replace("\x0b", "\n").replace("\x0c", "\n")
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def xlsx_cell(sheet, value):
    """A cell of `sheet` holding `value`; a str is always a text cell."""
    if isinstance(value, str):
        value = xlsx_text(value)
    cell = WriteOnlyCell(sheet, value)
    if isinstance(value, str):
        cell.data_type = "s"
        if FORMULA_START.match(value):
            cell.quotePrefix = True
    return cell


def append_row(sheet, values):
    """Worksheet.append, with every str as text (openpyxl's own append makes formulas)."""
    sheet.append([xlsx_cell(sheet, value) for value in values])


class TextStyle(NamedTuple):
    """An XlsxWriter cell format, and the same with Excel's quote prefix for text that starts
    like a formula (see `xlsx_style`)."""

    plain: object
    quoted: object


def xlsx_style(workbook, **properties):
    """The TextStyle of an XlsxWriter workbook for these format properties."""
    return TextStyle(
        workbook.add_format(properties), workbook.add_format(properties | {"quote_prefix": True})
    )


# Characters a spreadsheet draws two columns wide (Unicode's East Asian Wide and Fullwidth:
# kana, kanji, hangul, full-width forms, CJK punctuation; emoji), as one regular expression:
# counting them is the cost of a row's height, and the report has thousands of rows.
WIDE = re.compile(
    "[ᄀ-ᅟ⌚-⌛〈-〉⏩-⏬⺀-〾ぁ-㏿㐀-䶿一-꓏ꥠ-꥿가-힣豈-﫿︐-︙︰-﹯＀-｠￠-￦🌀-🙏🤀-🧿𠀀-𿿽]"
)
# What `str.splitlines` breaks at (Word's vertical tab and form feed are breaks in a cell too).
LINE_BREAK = re.compile("[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")
# A row's height per line of wrapped text, in points: 11-point text as Japanese Excel draws it
# (its default row is 18.75 points); Calibri's 15 would cut the last line of Japanese text.
LINE_POINTS = 18


def text_width(text):
    """How many columns of a spreadsheet `text` (one line) takes: wide characters count two."""
    return len(text) if text.isascii() else 2 * len(text) - len(WIDE.sub("", text))


def text_lines(text, width):
    """The lines `text` wraps to in a column `width` characters wide (Excel's unit: a digit),
    each line break starting a new one."""
    usable = max(width - 1, 1)  # the cell's padding
    return sum(max(1, -(-text_width(line) // usable)) for line in text.splitlines() or [""])


def xlsx_row_height(values, widths):
    """The height in points that shows every line of a row's wrapped text, or None where one
    line is enough (the default height). `widths` are the columns' widths in characters, None
    for a column that does not wrap. Excel and LibreOffice size a row only when they edit it:
    a file written by a program must say the height of each row whose text wraps."""
    lines = 1
    for value, width in zip(values, widths, strict=True):
        # A text without line breaks that would fit even if every character were wide needs
        # no count: most cells of a report (thousands of rows) are such.
        if (
            width
            and isinstance(value, str)
            and (2 * len(value) >= width or LINE_BREAK.search(value))
        ):
            lines = max(lines, text_lines(value, width))
    return None if lines == 1 else lines * LINE_POINTS


def xlsx_write_row(sheet, row, values, styles, widths=None):
    """`append_row` for an XlsxWriter worksheet (the fast writer of the large annual report):
    `values` into `row` (0-based), each in its column's TextStyle; a str is always a text cell,
    None an empty cell that keeps the style (its borders). With `widths` (`xlsx_row_height`)
    the row is as high as its wrapped text."""
    height = xlsx_row_height(values, widths) if widths else None
    if height:
        sheet.set_row(row, height)
    for column, (value, style) in enumerate(zip(values, styles, strict=True)):
        if isinstance(value, str):
            text = xlsx_text(value)
            quoted = FORMULA_START.match(text) is not None
            sheet.write_string(row, column, text, style.quoted if quoted else style.plain)
        elif value is None:
            sheet.write_blank(row, column, None, style.plain)
        else:
            sheet.write_number(row, column, value, style.plain)


# Where a row's number goes in `xlsx_row_xml`: a character no cell text keeps (`xlsx_text`).
ROW_NUMBER = "\x00"
SHARED_INDEX = "\x01"  # where the index of a shared string goes
XLSX_MAX_TEXT = 32767  # UTF-16 code units in a cell, as Excel and XlsxWriter allow
XLSX_ESCAPED = re.compile("(_x[0-9a-fA-F]{4}_)")
XLSX_CONTROL = re.compile(r"([\x00-\x08\x0b-\x1f])")
XML_SPECIAL = re.compile("[&<>]")


def _xlsx_escaped_text(text):
    """Text as XlsxWriter writes it into XML: cut to what a cell holds, a literal
    `_xHHHH_` escaped, control characters (a carriage return) as Excel's `_xHHHH_`, &<> as
    XML entities, and whether leading or trailing space must be preserved."""
    if len(text) > XLSX_MAX_TEXT // 2:
        length = 0
        for index, character in enumerate(text):
            length += 2 if ord(character) > 0xFFFF else 1
            if length > XLSX_MAX_TEXT:
                text = text[:index]  # never half a character above U+FFFF
                break
    if "_x" in text:
        text = XLSX_ESCAPED.sub(r"_x005F\1", text)
    text = XLSX_CONTROL.sub(lambda match: f"_x{ord(match.group(1)):04X}_", text)
    text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    preserve = text[:1].isspace() or text[-1:].isspace()
    if XML_SPECIAL.search(text):
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text, preserve


class XlsxRow(NamedTuple):
    """A row of `xlsx_row_xml`: its `<row>` element, and the texts its shared-string cells
    hold, in order (their indices left as SHARED_INDEX, see `xlsx_row_xml`)."""

    xml: str
    shared: tuple


def xlsx_row_xml(values, styles, widths=None):
    """`xlsx_write_row` as finished SpreadsheetML: the `<row>` element of `values`, its number
    left as ROW_NUMBER for whoever places it (`str.replace`). `styles` are TextStyles of cell
    format indices in the workbook the row goes into; `widths`, the row's height as there
    (`xlsx_row_height`). The cells are those XlsxWriter writes:
    a str is a text cell (never a formula), the quote prefix's style when it starts like
    one; None an empty cell keeping its style; a number its shortest exact digits.

    Text is written inline, except text holding what looks like Excel's escape `_xHHHH_`
    (escaped once more, `_x005F_xHHHH_`): openpyxl undoes that only in the shared strings, so
    such a text is a shared string, as XlsxWriter writes every text; its index is left as
    SHARED_INDEX for whoever adds it to the workbook's shared strings (`xlsx_shared_text`).
    """
    cells = []
    shared = []
    for column, (value, style) in enumerate(zip(values, styles, strict=True)):
        where = f'<c r="{xl_col_to_name(column)}{ROW_NUMBER}"'
        if isinstance(value, str):
            text = xlsx_text(value)
            index = style.quoted if FORMULA_START.match(text) is not None else style.plain
            if "_x" in text and XLSX_ESCAPED.search(text):
                shared.append(text)
                cells.append(f'{where} s="{index}" t="s"><v>{SHARED_INDEX}</v></c>')
                continue
            text, preserve = _xlsx_escaped_text(text)
            space = ' xml:space="preserve"' if preserve else ""
            cells.append(f'{where} s="{index}" t="inlineStr"><is><t{space}>{text}</t></is></c>')
        elif value is None:
            cells.append(f'{where} s="{style.plain}"/>')
        else:
            cells.append(f'{where} s="{style.plain}"><v>{value:.16G}</v></c>')
    height = xlsx_row_height(values, widths) if widths else None
    # As XlsxWriter's set_row() writes a height.
    size = f' ht="{height:g}" customHeight="1"' if height else ""
    xml = f'<row r="{ROW_NUMBER}" spans="1:{len(cells)}"{size}>{"".join(cells)}</row>'
    return XlsxRow(xml, tuple(shared))


def xlsx_shared_text(text):
    """A text of `XlsxRow.shared` as the workbook's shared strings hold it: its `<si>`."""
    text, preserve = _xlsx_escaped_text(text)
    space = ' xml:space="preserve"' if preserve else ""
    return f"<si><t{space}>{text}</t></si>"


def _display_width(value):
    """About how many columns wide `value` shows: Japanese characters take two."""
    return max((text_width(line) for line in str(value).splitlines()), default=0)


def dataset_xlsx(dataset):
    """A tablib Dataset as .xlsx bytes: a bold first row that stays in view, text as text.

    tablib's own xlsx export stores a str starting with "=" as a formula.
    """
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = dataset.title or "Sheet1"
    widths = [_display_width(title) for title in dataset.headers or []]
    if dataset.headers:
        append_row(sheet, dataset.headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    wrapped = Alignment(wrap_text=True, vertical="top")
    for row in dataset:
        cells = [xlsx_cell(sheet, value) for value in row]
        for index, cell in enumerate(cells):
            if isinstance(cell.value, str) and "\n" in cell.value:
                cell.alignment = wrapped
            if index >= len(widths):
                widths.append(0)
            widths[index] = max(widths[index], _display_width(cell.value or ""))
        sheet.append(cells)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, 60)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

"""Reading the spreadsheets offices send: .xlsx from Excel or LibreOffice, and .csv in UTF-8
(with or without BOM) or Shift_JIS / CP932, into a tablib Dataset with tidy headers.

Everything that can go wrong with the file itself (not a spreadsheet, empty, too large, an
encoding that cannot be read, a missing column) is a SpreadsheetError with a message in
Japanese. What is wrong with a row is for the importer to say.

The table need not start in row 1 of the first sheet. An office list has a title (often in
merged cells), a date line and blank rows above its header, and may follow an instructions
sheet. So the header is looked for in the first HEADER_SEARCH_ROWS rows of every visible sheet
(a CSV is one sheet): the row holding the most of the expected column titles (or their usual
variants) is the header, and the sheet whose header has all the required columns, and the most
of the others, is the one read. Every message names the sheet and the row
(「シート「事業一覧」の5行目」), and a refusal says what was looked for and where.

An upload of a few kilobytes can claim anything: an .xlsx is a zip of XML, and its
<dimension> may declare every cell Excel has, its sheet may unpack to gigabytes or hold two
million rows; a CSV may have a million columns. So a file is read as a stream, row by row,
and reading stops at the first row past a limit (MAX_ROWS data rows, MAX_COLUMNS columns):
memory and time stay small whatever the file claims. For an .xlsx:

- the sizes its zip declares are checked before anything is unpacked (Python's zipfile never
  unpacks more than a member declares), and the parts read whole (the list of parts, the
  workbook, its relationships, the styles) by their number of XML elements;
- the sheet's XML and the shared strings are parsed with a parser target that keeps only
  the row being read (no element tree), never more than MAX_XML_ELEMENTS elements of them
  together, each cell decoded as openpyxl decodes it. openpyxl's read-only sheet is not
  used: it trusts <dimension> (padding every row to it, and dropping rows beyond a stale
  one) and says nothing of hidden rows or of formulas saved without their result;
- a row hidden (by a filter or by hand) that holds data, and a formula saved without its
  result (a file written by a program, never opened in Excel), are refused with the row:
  the person would import what they do not see, or an empty cell where a value was meant.
"""

import codecs
import csv
import io
import re
import unicodedata
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from xml.etree import ElementTree
from xml.etree.ElementTree import XMLParser

import tablib
from lxml.etree import XMLSyntaxError
from openpyxl.packaging.relationship import get_rels_path
from openpyxl.reader.excel import ExcelReader, _find_workbook_part
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.xml.constants import ARC_CONTENT_TYPES, ARC_STYLE, SHARED_STRINGS, SHEET_MAIN_NS

from plans.spreadsheet_cells import csv_text

HEADER_SEARCH_ROWS = 30  # the header is looked for in these first rows of each sheet
MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
MAX_COLUMNS = 200  # column GR: far beyond any list the portal imports
MAX_RECORD_CHARS = 1_000_000  # a CSV record (a row, with the line breaks inside its cells)
# What an .xlsx under MAX_BYTES may unpack to, as its zip declares (a real 10 MB workbook
# unpacks to 30-60 MB), and how many XML elements of it are read: a cell is two or three
# elements, a shared string two to five.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_XML_ELEMENTS = 3_000_000
MAX_SHARED_STRINGS = 500_000  # ten text columns of MAX_ROWS rows, each text different
MAX_WHOLE_PART_ELEMENTS = 500_000  # a part openpyxl reads whole (see the module docstring)
EXCEL_MAX_COLUMNS = 16_384  # column XFD
EXCEL_MAX_ROWS = 1_048_576
# The order in which an unlabelled CSV is tried: Excel for Japanese Windows writes CP932.
CSV_ENCODINGS = ["utf-8", "cp932"]
ENCODING_CHOICES = [
    ("", "自動判別"),
    ("utf-8", "UTF-8"),
    ("cp932", "Shift_JIS(Windows の Excel の既定)"),
]
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old .xls format
CHUNK_BYTES = 64 * 1024
LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|\Z)")
STRING_TAG, TEXT_TAG, PHONETIC_TAG = (f"{{{SHEET_MAIN_NS}}}{name}" for name in ("si", "t", "rPh"))
DATA_TAG, ROW_TAG, CELL_TAG = (f"{{{SHEET_MAIN_NS}}}{name}" for name in ("sheetData", "row", "c"))
VALUE_TAG, FORMULA_TAG, INLINE_STRING_TAG = (
    f"{{{SHEET_MAIN_NS}}}{name}" for name in ("v", "f", "is")
)


class SpreadsheetError(Exception):
    """The file cannot be read as a table; the message says why, in Japanese."""


def place(sheet, number):
    """Where a row is, as a person finds it: 「シート「事業一覧」の5行目」 (a CSV has no sheet)."""
    return f"シート「{sheet}」の{number}行目" if sheet else f"{number}行目"


@dataclass
class Table:
    dataset: tablib.Dataset  # headers are the expected column names; one row per data row
    row_numbers: list  # the row number a person sees in the spreadsheet, per dataset row
    unknown_columns: list = field(default_factory=list)
    encoding: str | None = None  # for a CSV, the encoding it was read with
    sheet: str | None = None  # the sheet the table was found on (None for a CSV)
    header_row: int = 1  # the row number of the header
    # The expected columns the file has, each with its title as written in the file (a
    # variant such as 担当課 for 所管課): a column absent from the file is not in it.
    found_columns: dict = field(default_factory=dict)

    def place(self, number):
        return place(self.sheet, number)

    @property
    def header_place(self):
        return self.place(self.header_row)


def normalize_header(text):
    """A column title as typed: full-width letters, spaces and stray blanks are tidied."""
    return "".join(unicodedata.normalize("NFKC", str(text or "")).split())


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _trimmed(cells):
    """The row without its empty cells at the end: [] for an empty row."""
    end = len(cells)
    while end and not cells[end - 1]:
        end -= 1
    return cells[:end]


def _too_many_columns(number, column, sheet=None):
    letter = f"{get_column_letter(column)}列" if column <= EXCEL_MAX_COLUMNS else ""
    return SpreadsheetError(
        f"{place(sheet, number)}の{letter}({column:,}列目)に値があります。表は{MAX_COLUMNS}列"
        f"({get_column_letter(MAX_COLUMNS)}列)までにしてください。"
        "表の右側にあるメモなどを削除してから保存し直してください。"
    )


def _decode(data, encoding):
    if encoding:
        # Only the encodings offered on the form: a name from elsewhere could pick any codec
        # Python has (punycode, zlib_codec...), none of which a spreadsheet is written in.
        if encoding not in dict(ENCODING_CHOICES):
            raise SpreadsheetError(
                "文字コードの指定が正しくありません。"
                f"「{'」「'.join(label for _, label in ENCODING_CHOICES)}」から選んでください。"
            )
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as error:
            name = dict(ENCODING_CHOICES)[encoding]
            raise SpreadsheetError(
                f"ファイルを{name}として読めませんでした。"
                "文字コードの指定を「自動判別」にするか、別の文字コードを選んでください。"
            ) from error
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as error:
            raise SpreadsheetError(
                "ファイルの先頭は UTF-8 の印(BOM)ですが、UTF-8 として読めない文字があります。"
                "保存し直すか、.xlsx で保存してください。"
            ) from error
    for candidate in CSV_ENCODINGS:
        try:
            return data.decode(candidate), candidate
        except UnicodeDecodeError:
            continue
    raise SpreadsheetError(
        "文字コードを判別できませんでした。UTF-8 か Shift_JIS の CSV、または .xlsx で保存し直して"
        "ください。"
    )


class _CsvLines:
    """The lines of a CSV text for csv.reader, with their ends (as a file opened with
    newline="" gives them; an io.StringIO would hold the text again, at four bytes a
    character), refusing a record longer than MAX_RECORD_CHARS before csv builds it."""

    def __init__(self, text):
        self.matches = LINE.finditer(text)
        self.record = 1  # the number of the record being read
        self.record_chars = 0

    def __iter__(self):
        return self

    def __next__(self):
        match = next(self.matches)
        start, end = match.span()
        if start == end:
            raise StopIteration
        self.record_chars += end - start
        if self.record_chars > MAX_RECORD_CHARS:
            raise SpreadsheetError(
                f"{self.record}行目が長すぎます({MAX_RECORD_CHARS:,}文字を超えています)。"
                f'表は{MAX_COLUMNS}列までにしてください。閉じていない引用符(")があると、'
                "そこから先が一つのセルとして読まれます。"
            )
        return match.group()

    def next_record(self):
        self.record += 1
        self.record_chars = 0


def _csv_rows(text):
    """(row number, cell texts) per CSV record; see plans.spreadsheet_cells on apostrophes."""
    lines = _CsvLines(text)
    try:
        for cells in csv.reader(lines):
            number = lines.record
            lines.next_record()
            if len(cells) > MAX_COLUMNS:
                beyond = range(MAX_COLUMNS, len(cells))
                if any(cells[index].strip() for index in beyond):
                    raise _too_many_columns(
                        number, next(index + 1 for index in beyond if cells[index].strip())
                    )
                del cells[MAX_COLUMNS:]
            yield number, _trimmed([_cell_text(csv_text(cell)) for cell in cells])
    except csv.Error as error:
        raise SpreadsheetError(f"CSV として読み取れません: {error}") from error


# What openpyxl raises on a damaged file, depending on where the damage is: the zip itself,
# a compressed part, the XML inside, or a part it does not expect.
DAMAGED_XLSX = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    KeyError,
    IndexError,
    OverflowError,
    OSError,
    ValueError,
    TypeError,
    NotImplementedError,
    RuntimeError,
    ElementTree.ParseError,
    # openpyxl parses parts of the workbook (its styles) with lxml wherever lxml is installed,
    # as it is beside python-docx: a damaged part raises lxml's error, not ElementTree's.
    XMLSyntaxError,
)
DAMAGED = (
    "Excel ファイル(.xlsx)として読み取れません。ファイルが壊れていないか確認し、"
    "Excel で開いて保存し直してください。"
)


def _too_big(reason):
    return SpreadsheetError(
        f"Excel ファイルの中身が大きすぎるため読み取れません({reason})。"
        "取り込む表だけを新しいブックに貼り付けて(値の貼り付け)保存し直してください。"
    )


class _Budget:
    """XML elements left to read: the time a reading takes is bounded by the elements."""

    def __init__(self):
        self.left = MAX_XML_ELEMENTS

    def spend(self):
        self.left -= 1
        if self.left < 0:
            raise _too_big(f"セルや文字などの要素が{MAX_XML_ELEMENTS:,}個を超えています")


def _check_whole_part(archive, name):
    """Refuse a part that openpyxl parses whole (a tree in memory) when it is too big."""
    try:
        part = archive.open(name)
    except KeyError:
        return
    elements = 0
    with part:
        while chunk := part.read(CHUNK_BYTES):
            elements += chunk.count(b"<")
            if elements > MAX_WHOLE_PART_ELEMENTS:
                raise _too_big(f"{name} の要素が{MAX_WHOLE_PART_ELEMENTS:,}個を超えています")


def _parse(archive, name, target):
    """Feed a part to an XML parser with `target` (no tree is built); yields after each chunk."""
    parser = XMLParser(target=target)
    with archive.open(name) as part:
        while chunk := part.read(CHUNK_BYTES):
            parser.feed(chunk)
            yield
    parser.close()
    yield


class _SharedStrings:
    """Parser target collecting the shared strings (<si>), as openpyxl reads them: the text
    runs joined, phonetic guides (<rPh>) left out."""

    def __init__(self, budget):
        self.budget = budget
        self.strings = []
        self.texts = None  # the texts of the <si> being read
        self.phonetic = 0  # depth inside <rPh>
        self.in_text = False

    def start(self, tag, attrib):
        self.budget.spend()
        if tag == STRING_TAG:
            self.texts = []
        elif tag == PHONETIC_TAG:
            self.phonetic += 1
        elif tag == TEXT_TAG:
            self.in_text = self.texts is not None and not self.phonetic

    def data(self, text):
        if self.in_text:
            self.texts.append(text)

    def end(self, tag):
        if tag == TEXT_TAG:
            self.in_text = False
        elif tag == PHONETIC_TAG:
            self.phonetic -= 1
        elif tag == STRING_TAG:
            self.strings.append("".join(self.texts).replace("x005F_", ""))
            self.texts = None
            if len(self.strings) > MAX_SHARED_STRINGS:
                raise _too_big(f"文字列が{MAX_SHARED_STRINGS:,}個を超えています")

    def close(self):
        return self.strings


class _SheetRows:
    """Parser target turning a worksheet's <row> elements into (row number, cell texts).

    Only what a row needs is kept, so memory holds the rows of one chunk of XML; <dimension>
    and everything else outside <sheetData> is ignored. A cell's value is decoded as openpyxl
    does with data_only (worksheet/_reader.py, parse_cell): its saved result, never a formula.

    Rows before `data_from` (the title and header while the header is looked for) are read
    leniently: a hidden one is left out, a formula without its result is an empty cell.
    From `data_from` on, those are refused with the sheet and the row.
    """

    def __init__(self, budget, shared_strings, workbook, *, sheet, data_from):
        self.sheet = sheet
        self.data_from = data_from
        self.budget = budget
        self.shared_strings = shared_strings
        self.epoch = workbook.epoch
        self.date_formats = workbook._date_formats
        self.timedelta_formats = workbook._timedelta_formats
        self.rows = []  # rows read and not yet taken: (number, cell texts)
        self.finished = False  # </sheetData> was reached
        self.number = 0
        self.cells = None  # column -> text of the row being read
        self.cell = None  # the attributes of the cell being read
        self.value = self.inline = None  # characters of its <v>, or of its inline string
        self.collecting = None  # the list that characters go to, if any
        self.formula = False
        self.phonetic = 0

    def start(self, tag, attrib):
        self.budget.spend()
        if tag == ROW_TAG:
            self.number = int(float(attrib["r"])) if "r" in attrib else self.number + 1
            self.hidden = attrib.get("hidden") in ("1", "true")
            self.cells, self.column = {}, 0
        elif self.cells is None:
            return
        elif tag == CELL_TAG:
            reference = attrib.get("r")
            if reference:
                self.column = column_index_from_string(reference.rstrip("0123456789"))
            else:
                self.column += 1
            if not 1 <= self.column <= EXCEL_MAX_COLUMNS:
                raise SpreadsheetError(DAMAGED)
            self.cell, self.value, self.inline, self.formula = attrib, None, None, False
        elif tag == VALUE_TAG:
            self.collecting = self.value = []
        elif tag == FORMULA_TAG:
            self.formula = True
        elif tag == INLINE_STRING_TAG:
            self.inline = []
        elif tag == PHONETIC_TAG:
            self.phonetic += 1
        elif tag == TEXT_TAG and self.inline is not None and not self.phonetic:
            self.collecting = self.inline

    def data(self, text):
        if self.collecting is not None:
            self.collecting.append(text)

    def end(self, tag):
        if tag in (VALUE_TAG, TEXT_TAG):
            self.collecting = None
        elif tag == PHONETIC_TAG:
            self.phonetic -= 1
        elif tag == CELL_TAG and self.cell is not None:
            self._end_cell()
        elif tag == ROW_TAG and self.cells is not None:
            if self.cells and self.hidden and self.number < self.data_from:
                self.cells = {}
            if self.cells and self.hidden:
                raise SpreadsheetError(
                    f"{place(self.sheet, self.number)}が非表示になっています"
                    "(フィルターや行の非表示)。"
                    "見えていない行を取り込まないよう、すべての行を表示してから保存し直して"
                    "ください(取り込まない行は削除してください)。"
                )
            if self.cells:
                last = max(self.cells)
                self.rows.append(
                    (self.number, [self.cells.get(column, "") for column in range(1, last + 1)])
                )
            self.cells = None
        elif tag == DATA_TAG:
            self.finished = True

    def _end_cell(self):
        attrib, self.cell = self.cell, None
        kind = attrib.get("t", "n")
        if kind == "inlineStr":
            value = "".join(self.inline) if self.inline is not None else None
        else:
            # openpyxl writes a formula with an empty <v/>; Excel and LibreOffice write the
            # result, an empty one only for text (t="str").
            if self.formula and not self.value and kind != "str":
                if self.number < self.data_from:
                    return
                cell = f"{get_column_letter(self.column)}{self.number}"
                raise SpreadsheetError(
                    f"{place(self.sheet, self.number)}({cell} のセル)は計算式ですが、"
                    "計算結果が保存されていません。Excel で開いて保存し直すか、計算式を値に"
                    "置き換えてください。"
                )
            value = "".join(self.value) if self.value else None  # <v></v> is empty, as in openpyxl
        text = _cell_text(self._decoded(kind, value, int(attrib.get("s", 0))))
        if text:
            if self.column > MAX_COLUMNS:
                if self.number < self.data_from:
                    return
                raise _too_many_columns(self.number, self.column, self.sheet)
            self.cells[self.column] = text

    def _decoded(self, kind, value, style):
        if value is None:
            return None
        if kind == "n":
            number = float(value) if "." in value or "E" in value or "e" in value else int(value)
            if style not in self.date_formats:
                return number
            try:
                return from_excel(number, self.epoch, timedelta=style in self.timedelta_formats)
            except (OverflowError, ValueError):
                return "#VALUE!"
        if kind == "s":
            index = int(value)
            if index < 0:
                raise IndexError(index)
            return self.shared_strings[index]
        if kind == "b":
            return bool(int(value))
        if kind == "d":
            return from_ISO8601(value)
        return value  # str (a formula's text result), e (an error such as #N/A), inlineStr

    def close(self):
        return None


def _open_workbook(data, budget):
    """openpyxl's reader for `data`, with the workbook, its styles and shared strings read,
    and the parts of its worksheets in their order."""
    reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True)
    archive = reader.archive
    unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > MAX_UNPACKED_BYTES:
        raise _too_big(
            f"展開すると{unpacked / 1024 / 1024:,.0f}MB、"
            f"{MAX_UNPACKED_BYTES // 1024 // 1024}MB まで"
        )
    _check_whole_part(archive, ARC_CONTENT_TYPES)
    reader.read_manifest()
    workbook_part = _find_workbook_part(reader.package).PartName[1:]
    for name in (workbook_part, get_rels_path(workbook_part), ARC_STYLE):
        _check_whole_part(archive, name)
    strings = reader.package.find(SHARED_STRINGS)
    if strings is not None:
        target = _SharedStrings(budget)
        for _ in _parse(archive, strings.PartName[1:], target):
            pass
        reader.shared_strings = target.strings
    reader.read_workbook()
    apply_stylesheet(archive, reader.wb)
    worksheets = [
        (sheet.name, relation.target)
        for sheet, relation in reader.parser.find_sheets()
        if relation.target in reader.valid_files
        and "chartsheet" not in relation.Type
        and sheet.state not in ("hidden", "veryHidden")  # lists for dropdowns, not the table
    ]
    return reader, worksheets


@dataclass
class _Sheet:
    """One sheet of a file: its name (None for a CSV) and how to read its rows, each time
    from the start, as (row number, cell texts); rows before `data_from` are read leniently."""

    name: str | None
    read: object  # data_from -> iterator of (number, cells)

    def rows(self, data_from=EXCEL_MAX_ROWS + 1):
        return self.read(data_from)


def _xlsx_sheets(data):
    """The visible worksheets of an .xlsx, in their order, each read as a stream."""
    budget = _Budget()
    try:
        reader, worksheets = _open_workbook(data, budget)
    except DAMAGED_XLSX as error:
        raise SpreadsheetError(DAMAGED) from error
    if not worksheets:
        raise SpreadsheetError("Excel ファイルに(表示されている)シートがありません。")

    def read(name, part, data_from):
        try:
            rows = _SheetRows(
                budget, reader.shared_strings, reader.wb, sheet=name, data_from=data_from
            )
            for _ in _parse(reader.archive, part, rows):
                yield from rows.rows
                rows.rows.clear()
                if rows.finished:
                    return
        except DAMAGED_XLSX as error:
            raise SpreadsheetError(DAMAGED) from error

    return [
        _Sheet(name, lambda data_from, name=name, part=part: read(name, part, data_from))
        for name, part in worksheets
    ]


@dataclass
class _Header:
    sheet: _Sheet
    number: int
    cells: list
    matched: set  # the expected columns its titles name


def _header_of(sheet, wanted):
    """The row among the sheet's first HEADER_SEARCH_ROWS naming the most expected columns
    (the first such row), or None; and whether the sheet has any value in those rows."""
    best, seen = None, False
    rows = sheet.rows()
    try:
        for number, cells in rows:
            if number > HEADER_SEARCH_ROWS:
                break
            seen = seen or bool(cells)
            matched = {wanted[title] for title in map(normalize_header, cells) if title in wanted}
            if matched and (best is None or len(matched) > len(best.matched)):
                best = _Header(sheet, number, cells, matched)
    finally:
        rows.close()
    return best, seen


def _where(sheets):
    if sheets[0].name is None:
        return "ファイル"
    return "シート「" + "」「".join(sheet.name for sheet in sheets) + "」"


def _find_header(sheets, columns, required, wanted):
    """The header to read: on the sheet whose header has every required column and the most
    of the others (the first such sheet). Raises SpreadsheetError saying what was looked for
    and where."""
    headers, seen = [], False
    for sheet in sheets:
        header, sheet_seen = _header_of(sheet, wanted)
        seen = seen or sheet_seen
        if header is not None:
            headers.append(header)
    complete = [header for header in headers if set(required) <= header.matched]
    if complete:
        return max(complete, key=lambda header: len(header.matched))
    looked_for = (
        f"見出しは「{'」「'.join(columns)}」です(「{'」「'.join(required)}」は必ず必要です)。"
    )
    if headers:
        best = max(headers, key=lambda header: len(header.matched))
        missing = [column for column in required if column not in best.matched]
        raise SpreadsheetError(
            f"{place(best.sheet.name, best.number)}の見出しに必要な列がありません: "
            f"{'、'.join(missing)}。{looked_for}"
        )
    if not seen:
        raise SpreadsheetError(
            f"ファイルに表がありません({_where(sheets)}の1〜{HEADER_SEARCH_ROWS}行目の"
            "すべての行が空です)。"
        )
    raise SpreadsheetError(
        f"見出しの行が見つかりません。{_where(sheets)}の1〜{HEADER_SEARCH_ROWS}行目で、"
        f"「{'」「'.join(required)}」を含む見出しの行を探しました。{looked_for}"
        "タイトルや日付の行は見出しの上にあってかまいません。"
    )


def _table(sheets, columns, required, aliases):
    wanted = {normalize_header(column): column for column in columns}
    for column, variants in aliases.items():
        for variant in variants:
            wanted.setdefault(normalize_header(variant), column)
    header = _find_header(sheets, columns, required, wanted)
    sheet, header_number = header.sheet, header.number
    titles = [normalize_header(title) for title in header.cells]
    counts = Counter(title for title in titles if title)
    duplicated = sorted(title for title, count in counts.items() if count > 1)
    if duplicated:
        raise SpreadsheetError(
            f"{place(sheet.name, header_number)}の見出しで、同じ見出しの列が複数あります: "
            f"{'、'.join(duplicated)}"
        )
    positions, found = {}, {}
    for index, title in enumerate(titles):
        column = wanted.get(title)
        if column is None:
            continue
        if column in positions:
            raise SpreadsheetError(
                f"{place(sheet.name, header_number)}の見出しの「{found[column]}」と"
                f"「{header.cells[index]}」は、どちらも「{column}」の列です。"
                "どちらか一方だけにしてください。"
            )
        positions[column], found[column] = index, header.cells[index]
    unknown = [
        header.cells[index] for index, title in enumerate(titles) if title and title not in wanted
    ]
    dataset = tablib.Dataset(headers=list(columns))
    row_numbers = []
    rows = sheet.rows(data_from=header_number + 1)
    try:
        for number, row in rows:
            if number <= header_number or not row:
                continue
            if len(row_numbers) == MAX_ROWS:
                raise SpreadsheetError(
                    f"行が多すぎます({MAX_ROWS:,}行を超えています)。"
                    f"{MAX_ROWS:,}行までにしてください(分けて取り込めます)。"
                )
            dataset.append(
                [
                    row[positions[column]]
                    if column in positions and positions[column] < len(row)
                    else ""
                    for column in columns
                ]
            )
            row_numbers.append(number)
    finally:
        rows.close()
    return Table(
        dataset=dataset,
        row_numbers=row_numbers,
        unknown_columns=unknown,
        sheet=sheet.name,
        header_row=header_number,
        found_columns={column: found[column] for column in columns if column in found},
    )


def read_table(data, filename, *, columns, required, encoding=None, aliases=None):
    """Read `data` (the uploaded bytes) as a table with the given column titles.

    The header is found as the module docstring says; its titles (or a variant of them from
    `aliases`, column -> titles) may come in any order; extra columns are ignored and listed
    in `unknown_columns`; rows above the header and empty rows are skipped. A column the file
    lacks is "" in every row and missing from `found_columns`. Raises SpreadsheetError.
    """
    if not data:
        raise SpreadsheetError("ファイルが空です。")
    if len(data) > MAX_BYTES:
        raise SpreadsheetError(
            f"ファイルが大きすぎます({len(data) / 1024 / 1024:.1f}MB)。"
            f"{MAX_BYTES // 1024 // 1024}MB までのファイルにしてください(分けて取り込めます)。"
        )
    used_encoding = None
    if data.startswith(OLE_MAGIC):
        raise SpreadsheetError(
            "古い Excel 形式(.xls)には対応していません。"
            "Excel で「.xlsx」形式で保存し直してください。"
        )
    if data.startswith(XLSX_MAGIC):
        sheets = _xlsx_sheets(data)
    elif filename.lower().endswith((".csv", ".txt")):
        text, used_encoding = _decode(data, encoding)
        if "\x00" in text:
            raise SpreadsheetError("CSV として読み取れません(文字以外のデータが含まれています)。")
        sheets = [_Sheet(None, lambda data_from: _csv_rows(text))]
    else:
        raise SpreadsheetError(
            f"「{filename}」は表計算のファイルではありません。"
            ".xlsx か .csv のファイルを選んでください。"
        )
    table = _table(sheets, columns, required, aliases or {})
    table.encoding = used_encoding
    return table


def similar_columns(table, aliases=None):
    """(title in the file, column) for each unknown title that looks like an expected column
    the file lacks (所管課名称 for 所管課, 施策No for 基本施策): an importer asks rather than
    guess, or leave the column unchanged while the person meant to change it."""
    aliases = aliases or {}
    missing = [column for column in table.dataset.headers if column not in table.found_columns]
    pairs = []
    for title in table.unknown_columns:
        typed = normalize_header(title)
        for column in missing:
            names = {normalize_header(name) for name in (column, *aliases.get(column, ()))}
            if any(_looks_alike(typed, name) for name in names):
                pairs.append((title, column))
                break
    return pairs


# Titles of the column that numbers the rows, common in office lists: never a missing column.
ROW_NUMBER_TITLES = {"No", "No.", "NO", "NO.", "no", "no.", "#", "番号", "連番", "通し番号", "項番"}


def _looks_alike(typed, name):
    """所管課名称 holds 所管課; 担当係 is close to 担当課. A title of two characters is only
    alike when it holds the name."""
    if typed in ROW_NUMBER_TITLES:
        return False
    if len(name) >= 2 and name in typed:
        return True
    if len(typed) < 3:
        return False
    return typed in name or SequenceMatcher(None, typed, name).ratio() >= 0.6


def similar_columns_question(table, pairs):
    """The question that stops an import when similar_columns found something."""
    asked = "、".join(f"「{title}」は「{column}」の列ですか" for title, column in pairs)
    return (
        f"{table.header_place}の見出しを確かめてください。{asked}? そうであれば、"
        "見出しをその名前に直してください。別の内容の列であれば、その列を削除するか"
        "紛らわしくない見出しに変えてから、もう一度取り込んでください"
        "(ファイルにない列は、今の内容のまま変更しません)。"
    )


# What a spreadsheet made of a code typed as 2-1 or 1/2 (a date), or 1:30 (a time).
TYPED_AS_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?: 00:00:00)?$|^\d{1,2}:\d{2}:\d{2}$")


def date_cell_message(column, text):
    """Why `text` (a cell of `column`) is a date, and how to type it, if it is one; else None."""
    match = TYPED_AS_DATE.match(text)
    if match is None:
        return None
    guess = ""
    if match.group(1):
        month, day = int(match.group(2)), int(match.group(3))
        guess = f"「{month}-{day}」と入力したのであれば、"
    return (
        f"{column}「{text}」は日付(時刻)になっています。表計算ソフトが「2-1」「1/2」のような"
        f"入力を日付に変えたためです。{guess}セルの書式を「文字列」にしてから入力し直すか、"
        "先頭に「'」を付けて「'2-1」のように入力してください。"
    )


# What an import says about each row, whatever it imports.
ERROR = "エラー"
BLANK = "空欄"  # a row left empty: nothing to import
SKIPPED = "読み飛ばし"  # a total or a note below the list: not a row to import


@dataclass(frozen=True)
class RowReport:
    number: int  # the row number a person sees in the spreadsheet
    name: str
    action: str  # 新規 / 変更 / 変更なし / 空欄 / 読み飛ばし / エラー
    messages: tuple = ()
    changes: tuple = ()  # (field, before, after) of what the row changes


@dataclass
class ImportReport:
    rows: list
    unknown_columns: list = field(default_factory=list)
    written: bool = False
    notices: list = field(default_factory=list)  # what the person should know before confirming
    sheet: str | None = None  # the sheet the rows were read from (None for a CSV)

    def place(self, number):
        """Where a row of the report is: 「シート「成果指標の実績」の5行目」."""
        return place(self.sheet, number)

    @property
    def counts(self):
        return Counter(row.action for row in self.rows)

    @property
    def summary(self):
        """(action, count) in reading order, zeros included: a Counter in a template is not."""
        counts = self.counts
        return [
            (action, counts[action])
            for action in ("新規", "変更", "変更なし", BLANK, SKIPPED, ERROR)
            if counts[action] or action not in (BLANK, SKIPPED)
        ]

    @property
    def errors(self):
        return [row for row in self.rows if row.action == ERROR]

    @property
    def unchanged(self):
        return self.counts["変更なし"]

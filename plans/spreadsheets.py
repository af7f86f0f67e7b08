"""Reading the spreadsheets offices send: .xlsx from Excel or LibreOffice, and .csv in UTF-8
(with or without BOM) or Shift_JIS / CP932, into a tablib Dataset with tidy headers.

Everything that can go wrong with the file itself (not a spreadsheet, empty, too large, an
encoding that cannot be read, a missing column) is a SpreadsheetError with a message in
Japanese. What is wrong with a row is for the importer to say.
"""

import codecs
import csv
import io
import unicodedata
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from xml.etree import ElementTree

import tablib
from openpyxl import load_workbook

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
# The order in which an unlabelled CSV is tried: Excel for Japanese Windows writes CP932.
CSV_ENCODINGS = ["utf-8", "cp932"]
ENCODING_CHOICES = [
    ("", "自動判別"),
    ("utf-8", "UTF-8"),
    ("cp932", "Shift_JIS(Windows の Excel の既定)"),
]
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old .xls format


class SpreadsheetError(Exception):
    """The file cannot be read as a table; the message says why, in Japanese."""


@dataclass
class Table:
    dataset: tablib.Dataset  # headers are the expected column names; one row per data row
    row_numbers: list  # the row number a person sees in the spreadsheet, per dataset row
    unknown_columns: list = field(default_factory=list)
    encoding: str | None = None  # for a CSV, the encoding it was read with


def normalize_header(text):
    """A column title as typed: full-width letters, spaces and stray blanks are tidied."""
    return "".join(unicodedata.normalize("NFKC", str(text or "")).split())


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


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


def _csv_rows(data, encoding):
    text, used = _decode(data, encoding)
    if "\x00" in text:
        raise SpreadsheetError("CSV として読み取れません(文字以外のデータが含まれています)。")
    try:
        return list(csv.reader(io.StringIO(text))), used
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
    OSError,
    ValueError,
    TypeError,
    NotImplementedError,
    RuntimeError,
    ElementTree.ParseError,
)


def _xlsx_rows(data):
    damaged = SpreadsheetError(
        "Excel ファイル(.xlsx)として読み取れません。ファイルが壊れていないか確認し、"
        "Excel で開いて保存し直してください。"
    )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except DAMAGED_XLSX as error:
        raise damaged from error
    try:
        if not workbook.worksheets:
            raise SpreadsheetError("Excel ファイルにシートがありません。")
        sheet = workbook.worksheets[0]
        return [[_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    except DAMAGED_XLSX as error:
        raise damaged from error
    finally:
        workbook.close()


def read_table(data, filename, *, columns, required, encoding=None):
    """Read `data` (the uploaded bytes) as a table with the given column titles.

    The first non-empty row holds the titles, in any order; extra columns are ignored and
    listed in `unknown_columns`; empty rows are skipped. Raises SpreadsheetError.
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
        rows = _xlsx_rows(data)
    elif filename.lower().endswith((".csv", ".txt")):
        rows, used_encoding = _csv_rows(data, encoding)
    else:
        raise SpreadsheetError(
            f"「{filename}」は表計算のファイルではありません。"
            ".xlsx か .csv のファイルを選んでください。"
        )

    numbered = [
        (number, [_cell_text(cell) for cell in row])
        for number, row in enumerate(rows, start=1)
        if any(_cell_text(cell) for cell in row)
    ]
    if not numbered:
        raise SpreadsheetError("ファイルに表がありません(すべての行が空です)。")
    header_number, header = numbered[0]
    titles = [normalize_header(title) for title in header]
    wanted = {normalize_header(column): column for column in columns}
    missing = [column for column in required if normalize_header(column) not in titles]
    if missing:
        raise SpreadsheetError(
            f"{header_number}行目の見出しに必要な列がありません: {'、'.join(missing)}。"
            f"見出しは「{'」「'.join(columns)}」です。"
        )
    duplicated = sorted({title for title in titles if title and titles.count(title) > 1})
    if duplicated:
        raise SpreadsheetError(f"同じ見出しの列が複数あります: {'、'.join(duplicated)}")
    positions = {wanted[title]: index for index, title in enumerate(titles) if title in wanted}
    unknown = [header[index] for index, title in enumerate(titles) if title and title not in wanted]
    body = numbered[1:]
    if len(body) > MAX_ROWS:
        raise SpreadsheetError(
            f"行が多すぎます({len(body):,}行)。{MAX_ROWS:,}行までにしてください(分けて取り込めます)。"
        )
    dataset = tablib.Dataset(headers=list(columns))
    for _, row in body:
        dataset.append(
            [
                row[positions[column]]
                if column in positions and positions[column] < len(row)
                else ""
                for column in columns
            ]
        )
    return Table(
        dataset=dataset,
        row_numbers=[number for number, _ in body],
        unknown_columns=unknown,
        encoding=used_encoding,
    )


# What an import says about each row, whatever it imports.
ERROR = "エラー"
BLANK = "空欄"  # a row left empty: nothing to import


@dataclass(frozen=True)
class RowReport:
    number: int  # the row number a person sees in the spreadsheet
    name: str
    action: str  # 新規 / 変更 / 変更なし / エラー
    messages: tuple = ()


@dataclass
class ImportReport:
    rows: list
    unknown_columns: list = field(default_factory=list)
    written: bool = False

    @property
    def counts(self):
        return Counter(row.action for row in self.rows)

    @property
    def summary(self):
        """(action, count) in reading order, zeros included: a Counter in a template is not."""
        counts = self.counts
        return [
            (action, counts[action])
            for action in ("新規", "変更", "変更なし", BLANK, ERROR)
            if counts[action] or action != BLANK
        ]

    @property
    def errors(self):
        return [row for row in self.rows if row.action == ERROR]

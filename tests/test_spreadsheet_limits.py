"""Small uploads that would exhaust a naive reader are read in bounded memory, or refused in
Japanese (issue 14, finding 5). Every file is generated here (tests/upload_bombs.py), never
stored; the memory each reading takes is measured with tracemalloc. Times are in
bench/upload_bombs.py, not here."""

import io
import tracemalloc
from datetime import datetime

import pytest
from openpyxl import Workbook, load_workbook

from plans.spreadsheets import SpreadsheetError, read_table
from tests import upload_bombs as bombs
from tests.upload_bombs import COLUMNS, REQUIRED, row_xml, xlsx

# Bombs are built and read in every test: seconds in all, so outside `make test-fast`.
pytestmark = pytest.mark.slow


def read(data, filename="upload.xlsx"):
    return read_table(data, filename, columns=COLUMNS, required=REQUIRED)


def read_measured(data, filename="upload.xlsx"):
    """What read_table made of `data` (a Table or the SpreadsheetError), and the peak of the
    memory it allocated, in MB."""
    tracemalloc.start()
    try:
        try:
            outcome = read(data, filename)
        except SpreadsheetError as error:
            outcome = error
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return outcome, peak / 1024 / 1024


def workbook_bytes(workbook):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_declared_dimension_of_every_cell_is_not_trusted():
    table, peak = read_measured(bombs.declared_dimension_bomb())
    assert table.row_numbers == [2, 3, 4, 1_048_576]
    assert table.dataset.dict[3]["事業コード"] == "以上"
    assert peak < 5


def test_rows_beyond_a_stale_dimension_are_read():
    table = read(bombs.stale_dimension())
    assert table.row_numbers == [2, 3, 4, 5, 6]
    assert [row["事業名"] for row in table.dataset.dict] == [f"事業{n}" for n in range(2, 7)]


def test_two_million_rows_stop_at_the_row_limit(monkeypatch):
    # A lower limit keeps the test quick; bench/upload_bombs.py reads up to the real one.
    monkeypatch.setattr("plans.spreadsheets.MAX_ROWS", 1_000)
    error, peak = read_measured(bombs.two_million_rows())
    assert isinstance(error, SpreadsheetError)
    assert "行が多すぎます(1,000行を超えています)" in str(error)
    assert peak < 5  # the rows kept before the limit, not two million


def test_a_value_beyond_the_column_limit_is_refused_with_the_limit():
    error, peak = read_measured(bombs.far_column_cells(rows=1_000))
    assert isinstance(error, SpreadsheetError)
    assert str(error).startswith(
        "シート「Sheet1」の2行目のXFD列(16,384列目)に値があります。表は200列(GR列)まで"
    )
    assert peak < 5


def test_a_row_of_endless_empty_cells_is_refused():
    error, peak = read_measured(bombs.endless_empty_cells())
    assert isinstance(error, SpreadsheetError)
    assert "Excel ファイル(.xlsx)として読み取れません" in str(error)
    assert peak < 10


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    error, peak = read_measured(bombs.zip_bomb(megabytes=120))
    assert isinstance(error, SpreadsheetError)
    assert "展開すると120MB、100MB まで" in str(error)
    assert peak < 5


def test_a_flood_of_shared_strings_is_refused(monkeypatch):
    monkeypatch.setattr("plans.spreadsheets.MAX_SHARED_STRINGS", 50_000)
    error, peak = read_measured(bombs.many_shared_strings(count=200_000))
    assert isinstance(error, SpreadsheetError)
    assert "文字列が50,000個を超えています" in str(error)
    assert peak < 10


def test_a_flood_of_styles_is_refused_before_openpyxl_parses_them():
    error, peak = read_measured(bombs.styles_flood())
    assert isinstance(error, SpreadsheetError)
    assert "xl/styles.xml の要素が500,000個を超えています" in str(error)
    assert peak < 5


def test_a_flood_of_elements_outside_the_rows_is_refused(monkeypatch):
    monkeypatch.setattr("plans.spreadsheets.MAX_XML_ELEMENTS", 100_000)
    error, peak = read_measured(bombs.elements_before_data(elements=1_000_000))
    assert isinstance(error, SpreadsheetError)
    assert "要素が100,000個を超えています" in str(error)
    assert peak < 5  # elements read are not kept


def test_a_million_column_csv_is_refused_quickly():
    data = bombs.million_column_csv()
    error, peak = read_measured(data, "upload.csv")
    assert isinstance(error, SpreadsheetError)
    assert str(error).startswith("1行目が長すぎます(1,000,000文字を超えています)")
    assert peak < 30  # the text once decoded (16 MB), not a million cells


def test_a_csv_record_running_over_thousands_of_lines_is_refused():
    error, peak = read_measured(bombs.endless_record_csv(), "upload.csv")
    assert isinstance(error, SpreadsheetError)
    assert str(error).startswith("2行目が長すぎます")
    assert peak < 50  # the text once decoded (18 MB) and the cells of 1,000,000 characters


def test_a_csv_value_beyond_the_column_limit_is_refused_but_empty_cells_are_not():
    header = ",".join(["事業名", *[f"列{n}" for n in range(2, 201)]])
    empty_beyond = f"{header}\r\n講座{',' * 249}\r\n".encode()
    assert read(empty_beyond, "a.csv").dataset.dict[0]["事業名"] == "講座"
    value_beyond = f"事業名\r\n講座{',' * 200}メモ\r\n".encode()
    with pytest.raises(SpreadsheetError, match=r"^2行目のGS列\(201列目\)に値があります"):
        read(value_beyond, "a.csv")


def test_a_row_hidden_by_a_filter_is_reported_not_imported():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(COLUMNS)
    sheet.append(["P-1", "講座", "", "1-1", ""])
    sheet.append(["P-2", "フォーラム", "", "1-1", ""])
    sheet.append([])
    sheet.auto_filter.ref = "A1:E3"
    sheet.row_dimensions[3].hidden = True
    sheet.row_dimensions[4].hidden = True  # empty: nothing unseen would be imported
    with pytest.raises(SpreadsheetError, match=r"^シート「Sheet」の3行目が非表示になっています"):
        read(workbook_bytes(workbook))
    sheet.row_dimensions[3].hidden = False
    assert len(read(workbook_bytes(workbook)).dataset) == 2


def test_a_formula_saved_without_its_result_is_reported_not_taken_as_blank():
    workbook = Workbook()
    workbook.active.append(["事業名", "事業概要"])
    workbook.active.append(["講座", '=CONCAT(A2,"の概要")'])  # openpyxl saves no result
    with pytest.raises(
        SpreadsheetError, match=r"^シート「Sheet」の2行目\(B2 のセル\)は計算式ですが"
    ):
        read(workbook_bytes(workbook))


def test_formulas_saved_with_their_result_give_the_result():
    data = xlsx(
        [
            row_xml(1, ["事業名", "事業コード", "事業概要"]),
            '<row r="2"><c r="A2" t="inlineStr"><is><t>講座</t></is></c>'
            '<c r="B2"><f>100+1</f><v>101</v></c>'
            '<c r="C2" t="str"><f>IF(B2&gt;0,"","x")</f><v></v></c></row>'.encode(),
        ]
    )
    row = read(data).dataset.dict[0]
    assert (row["事業コード"], row["事業概要"]) == ("101", "")


def test_cells_read_as_openpyxl_reads_them():
    """Numbers, dates, booleans, shared and inline strings, as openpyxl itself gives them."""
    workbook = Workbook()
    values = [
        "講座",
        4000,
        45.25,
        datetime(2024, 4, 1, 9, 30),
        True,
        "  前後の空白  ",
        12345678901234567890,
    ]
    workbook.active.append(["事業名", *[f"c{n}" for n in range(len(values) - 1)]])
    workbook.active.append(values)
    data = workbook_bytes(workbook)
    columns = ["事業名", *[f"c{n}" for n in range(len(values) - 1)]]
    table = read_table(data, "a.xlsx", columns=columns, required=["事業名"])
    expected = [cell.value for cell in load_workbook(io.BytesIO(data), data_only=True).active[2]]
    assert list(table.dataset[0]) == [
        str(int(value)) if isinstance(value, float) and value.is_integer() else str(value).strip()
        for value in expected
    ]
    assert list(table.dataset[0])[:4] == ["講座", "4000", "45.25", "2024-04-01 09:30:00"]


def test_shared_strings_leave_out_their_phonetic_guides():
    """Excel for Japanese keeps the reading (furigana) typed with a name beside it."""
    strings = [
        "<si><t>事業名</t></si>".encode(),
        '<si><t>区づくり推進事業</t><rPh sb="0" eb="1"><t>ク</t></rPh>'
        '<phoneticPr fontId="1"/></si>'.encode(),
        "<si><r><t>市民</t></r><r><rPr><b/></rPr><t>協働</t></r></si>".encode(),
    ]
    sheet = [
        b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>',
        b'<row r="2"><c r="A2" t="s"><v>1</v></c></row>',
        b'<row r="3"><c r="A3" t="s"><v>2</v></c></row>',
    ]
    table = read(xlsx(sheet, shared_strings=strings))
    assert [row["事業名"] for row in table.dataset.dict] == ["区づくり推進事業", "市民協働"]

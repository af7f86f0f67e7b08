"""Reading spreadsheets as offices send them, and refusing what cannot be read, in Japanese."""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.http import Http404
from django.utils import timezone
from openpyxl import Workbook

from plans.models import PendingUpload
from plans.spreadsheets import MAX_BYTES, SpreadsheetError, read_table
from plans.uploads import UPLOAD_LIFETIME, discard_upload, keep_upload, stored_upload
from tests.office_files import office_file, office_workbook, workbook_bytes

SAMPLES = Path(__file__).parent / "data" / "spreadsheets"
COLUMNS = ["事業コード", "事業名", "事業概要", "基本施策", "所管課"]
REQUIRED = ["事業名"]


def read(data, filename="projects.csv", **options):
    return read_table(data, filename, columns=COLUMNS, required=REQUIRED, **options)


@pytest.mark.parametrize(
    ("sample", "encoding"),
    [
        ("projects_utf8.csv", "utf-8"),
        ("projects_utf8_bom.csv", "utf-8-sig"),
        ("projects_cp932.csv", "cp932"),
        ("projects.xlsx", None),
        ("projects_libreoffice.xlsx", None),  # saved by LibreOffice Calc 7 from the CSV
    ],
)
def test_samples_read_the_same_whatever_the_format(sample, encoding):
    table = read((SAMPLES / sample).read_bytes(), sample)
    assert table.encoding == encoding
    assert table.dataset.headers == COLUMNS  # columns in the file were in another order
    assert table.dataset.dict[0] == {
        "事業コード": "P-001",
        "事業名": "区づくり推進事業",  # full-width and half-width spaces around are gone
        "事業概要": "地域の特徴をいかし、区民が主体となって企画・運営する事業を支援します。",
        "基本施策": "1-1",
        "所管課": "市民協働企画課",
    }
    assert table.dataset.dict[1]["基本施策"] == "2-1、2-3"
    assert len(table.dataset) == 2  # the empty trailing rows are skipped
    assert table.row_numbers == [2, 3]
    assert table.unknown_columns == ["備考"]


def test_encoding_can_be_chosen_and_a_wrong_choice_is_explained():
    data = (SAMPLES / "projects_cp932.csv").read_bytes()
    assert read(data, encoding="cp932").dataset.dict[0]["事業名"] == "区づくり推進事業"
    with pytest.raises(SpreadsheetError, match="UTF-8として読めませんでした"):
        read(data, encoding="utf-8")


def test_full_width_headers_and_spaces_in_headers_are_understood():
    data = "事業名 ,　事業コード,ＸＹＺ\r\nフォーラムの開催,Ｐ－１,x\r\n".encode()
    table = read(data)
    assert table.dataset.dict[0]["事業名"] == "フォーラムの開催"
    assert table.unknown_columns == ["ＸＹＺ"]


def test_numbers_from_excel_come_as_text_without_float_noise():
    workbook = Workbook()
    workbook.active.append(["事業名", "事業コード"])
    workbook.active.append(["講座", 101.0])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert read(buffer.getvalue(), "a.xlsx").dataset.dict[0]["事業コード"] == "101"


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "a.csv", "ファイルが空です"),
        (b"\n\n,,\n", "a.csv", "すべての行が空です"),
        (b"%PDF-1.7 ...", "report.pdf", "表計算のファイルではありません"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old.xls", "古い Excel 形式(.xls)"),
        (b"PK\x03\x04broken", "broken.xlsx", "Excel ファイル(.xlsx)として読み取れません"),
        ("事業コード,所管課\r\nP-1,x\r\n".encode(), "a.csv", "必要な列がありません: 事業名"),
        ("事業名,事業名\r\na,b\r\n".encode(), "a.csv", "同じ見出しの列が複数あります"),
        (b"\x81\x00\xff\xfe\x00", "a.csv", "文字コードを判別できませんでした"),
    ],
)
def test_files_that_cannot_be_read_are_refused_in_japanese(data, filename, message):
    with pytest.raises(SpreadsheetError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read(data, filename)


def test_huge_files_are_refused_with_the_limit():
    with pytest.raises(SpreadsheetError, match="10MB までのファイル"):
        read(b"x" * (MAX_BYTES + 1))


@pytest.mark.django_db
def test_uploads_wait_in_the_database_and_stale_ones_are_removed():
    token = keep_upload(b"data")
    assert stored_upload(token) == b"data"
    stale = keep_upload(b"old")
    PendingUpload.objects.filter(token=stale).update(
        created_at=timezone.now() - UPLOAD_LIFETIME - timedelta(seconds=10)
    )
    with pytest.raises(Http404):
        stored_upload(stale)  # expired, even before it is cleared
    keep_upload(b"more")
    assert not PendingUpload.objects.filter(token=stale).exists()
    discard_upload(token)
    with pytest.raises(Http404):
        stored_upload(token)
    with pytest.raises(Http404):
        stored_upload("../../etc/passwd")


# --- Finding the table as offices lay it out ---------------------------------------------------

OFFICE_HEADER = ["事業コード", "事業名", "事業概要", "基本施策", "所管課"]
OFFICE_ROWS = [
    ["P-001", "区づくり推進事業", "地域の活動を支援します。", "1-1", "市民協働企画課"],
    ["P-002", "協働フォーラム", "", "2-1", "地域づくり支援課"],
]


def test_the_list_is_found_below_its_title_on_the_sheet_after_the_instructions():
    table = read(office_file(OFFICE_HEADER, OFFICE_ROWS), "一覧.xlsx")
    assert table.sheet == "事業一覧"
    assert table.header_row == 4
    assert table.header_place == "シート「事業一覧」の4行目"
    assert table.row_numbers == [5, 6]
    assert table.place(5) == "シート「事業一覧」の5行目"
    assert table.dataset.dict[1]["事業名"] == "協働フォーラム"
    assert table.unknown_columns == []
    assert table.found_columns == {column: column for column in OFFICE_HEADER}


def test_a_blank_first_sheet_is_not_an_empty_file():
    workbook = office_workbook(OFFICE_HEADER, OFFICE_ROWS, instructions=False)
    blank = workbook.create_sheet("Sheet1", 0)
    assert blank.max_row == 1
    table = read(workbook_bytes(workbook), "一覧.xlsx")
    assert (table.sheet, table.row_numbers) == ("事業一覧", [5, 6])


def test_the_sheet_whose_header_matches_best_is_read_not_the_instructions_naming_a_column():
    workbook = office_workbook(OFFICE_HEADER, OFFICE_ROWS)
    workbook["記入方法"].append(["事業名", "正式な名称を記入します。"])  # names one column
    assert read(workbook_bytes(workbook), "一覧.xlsx").sheet == "事業一覧"


def test_a_csv_may_have_its_title_and_date_above_the_header():
    text = "令和7年度 主な事業一覧,,\r\n\r\n令和7年4月1日現在\r\n事業名,所管課\r\n講座,企画課\r\n"
    table = read(text.encode("cp932"), "一覧.csv")
    assert (table.sheet, table.header_row, table.row_numbers) == (None, 4, [5])
    assert table.place(5) == "5行目"
    assert table.found_columns == {"事業名": "事業名", "所管課": "所管課"}


def test_a_file_without_the_header_says_what_was_looked_for_and_where():
    workbook = office_workbook(["番号", "名称"], [["1", "講座"]])
    with pytest.raises(SpreadsheetError) as refused:
        read(workbook_bytes(workbook), "一覧.xlsx")
    message = str(refused.value)
    assert "見出しの行が見つかりません" in message
    assert "シート「記入方法」「事業一覧」の1〜30行目" in message
    assert "「事業名」を含む見出しの行を探しました" in message
    assert "「事業コード」「事業名」「事業概要」「基本施策」「所管課」" in message


def test_a_header_without_a_required_column_is_named_with_its_sheet_and_row():
    workbook = office_workbook(["事業コード", "名称", "所管課"], [["P-1", "講座", "企画課"]])
    with pytest.raises(SpreadsheetError, match=r"^シート「事業一覧」の4行目の見出しに必要な列"):
        read(workbook_bytes(workbook), "一覧.xlsx")


def test_an_empty_workbook_is_empty_whatever_its_sheets():
    workbook = Workbook()
    workbook.create_sheet("Sheet2")
    with pytest.raises(SpreadsheetError, match=r"ファイルに表がありません.*「Sheet」「Sheet2」"):
        read(workbook_bytes(workbook), "空.xlsx")


def test_a_hidden_title_row_is_fine_but_a_hidden_data_row_is_named_with_its_sheet():
    workbook = office_workbook(OFFICE_HEADER, OFFICE_ROWS)
    lines = workbook["事業一覧"]
    lines.row_dimensions[3].hidden = True  # the date line
    assert len(read(workbook_bytes(workbook), "一覧.xlsx").dataset) == 2
    lines.row_dimensions[6].hidden = True
    with pytest.raises(SpreadsheetError, match=r"^シート「事業一覧」の6行目が非表示"):
        read(workbook_bytes(workbook), "一覧.xlsx")


def test_a_hidden_sheet_is_not_read():
    workbook = office_workbook(OFFICE_HEADER, OFFICE_ROWS)
    hidden = workbook.create_sheet("選択肢", 0)
    hidden.append(OFFICE_HEADER)
    hidden.append(["X-1", "見えない事業", "", "1-1", ""])
    hidden.sheet_state = "hidden"
    assert read(workbook_bytes(workbook), "一覧.xlsx").sheet == "事業一覧"


def test_header_variants_name_the_same_column():
    data = "事業名称,担当課\r\n講座,企画課\r\n".encode()
    table = read_table(
        data,
        "a.csv",
        columns=COLUMNS,
        required=REQUIRED,
        aliases={"事業名": ["事業名称"], "所管課": ["担当課"]},
    )
    assert table.dataset.dict[0]["所管課"] == "企画課"
    assert table.found_columns == {"事業名": "事業名称", "所管課": "担当課"}
    both = "事業名,事業名称\r\n講座,講座\r\n".encode()
    with pytest.raises(SpreadsheetError, match="「事業名」と「事業名称」は、どちらも「事業名」"):
        read_table(
            both, "a.csv", columns=COLUMNS, required=REQUIRED, aliases={"事業名": ["事業名称"]}
        )

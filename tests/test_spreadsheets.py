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

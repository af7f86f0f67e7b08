"""Every download's headers: the name the file is saved under (Japanese included), its content
type, attachment or inline, and whether a cache may keep it (only the public open data)."""

import re
from email.message import Message
from email.utils import collapse_rfc2231_value

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from plans.downloads import download_response
from projects.models import Project
from tests.factories import DepartmentFactory

YEAR = 2025
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
JSON = "application/json; charset=utf-8"
ZIP = "application/zip"


def disposition(response):
    """(type, name saved under, ASCII name) as a mail or HTTP library reads Content-Disposition:
    `filename*` (RFC 5987 / 2231) wins over the plain `filename` when both are there."""
    message = Message()
    message["Content-Disposition"] = response["Content-Disposition"]
    (kind, _), *params = message.get_params(header="content-disposition")
    names = [value for key, value in params if key == "filename"]
    plain = next(name for name in names if isinstance(name, str))
    encoded = [collapse_rfc2231_value(name) for name in names if isinstance(name, tuple)]
    return kind, (encoded or [plain])[0], plain


def assert_download(response, *, content_type, filename, kind="attachment", private=True):
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert disposition(response)[:2] == (kind, filename)
    assert response["Content-Disposition"].isascii()
    directives = {part.strip().split("=")[0] for part in response["Cache-Control"].split(",")}
    if private:  # the admin's own never_cache may add to it
        assert {"private", "no-store"} <= directives
    else:
        assert {"public", "max-age"} <= directives
        assert not directives & {"private", "no-store", "no-cache"}


def test_a_japanese_file_name_survives_the_round_trip():
    name = "2025年度 成果指標の実績(確定・ＡＢ版).xlsx"
    response = download_response(b"PK", filename=name)
    kind, saved_as, fallback = disposition(response)
    assert (kind, saved_as) == ("attachment", name)
    # Software that reads only `filename` gets a plain ASCII name with the right extension.
    assert fallback.isascii() and fallback.endswith(".xlsx") and fallback != ".xlsx"
    # The header goes over the wire as it is: no MIME encoded-word (=?utf-8?...) from Django.
    assert response.serialize_headers().decode("ascii")
    assert "=?utf-8?" not in response["Content-Disposition"]


@pytest.mark.parametrize(
    "name, fallback",
    [
        ("okayama-kyodo-2021-2025-report.xlsx", "okayama-kyodo-2021-2025-report.xlsx"),
        ('say "hi".csv', "say _hi.csv"),
        ("事業一覧.csv", "download.csv"),
        ("ＡＢＣ.json", "ABC.json"),
    ],
)
def test_the_ascii_name_keeps_what_it_can(name, fallback):
    response = download_response(b"", filename=name)
    assert disposition(response)[1:] == (name, fallback)


def test_an_unknown_kind_of_file_is_a_programming_error():
    with pytest.raises(ValueError, match="exe"):
        download_response(b"", filename="setup.exe")


@pytest.fixture
def office(client, personas):
    client.force_login(personas["admin"])
    return client


def test_admin_project_list_export(office, okayama_plan):
    response = office.get(reverse("admin:projects_project_export", args=[okayama_plan.code]))
    assert_download(response, content_type=XLSX, filename="okayama-kyodo-2021-projects.xlsx")
    assert response.content[:2] == b"PK"


def test_admin_project_list_template(office, db):
    response = office.get(reverse("admin:projects_project_template"))
    assert_download(response, content_type=XLSX, filename="projects-template.xlsx")


def errors_link(response):
    html = response.content.decode()
    return re.search(r'href="([^"]*errors\.csv[^"]*)"', html)[1].replace("&amp;", "&")


def test_admin_project_import_errors(office, okayama_plan):
    rows = "事業名,基本施策,所管課\r\n新事業,9-9,\r\n"
    preview = office.post(
        reverse("admin:projects_project_import"),
        {"plan": okayama_plan.pk, "file": SimpleUploadedFile("p.csv", rows.encode("cp932"))},
    )
    response = office.get(errors_link(preview))
    assert_download(response, content_type=CSV, filename="import-errors.csv")
    assert response.content.startswith(b"\xef\xbb\xbf")


def test_results_fill_in_files(office, okayama_plan):
    department = DepartmentFactory(name="協働推進の窓口課")
    Project.objects.filter(plan=okayama_plan).update(department=department)
    url = reverse("plans:fill_in_file", args=[okayama_plan.code, YEAR, "projects", department.pk])
    assert_download(
        office.get(url), content_type=XLSX, filename="協働推進の窓口課_2025年度_事業の進捗.xlsx"
    )
    url = reverse("plans:fill_in_all", args=[okayama_plan.code, YEAR])
    assert_download(
        office.get(url), content_type=ZIP, filename="2025年度_記入用ファイル_全所管課.zip"
    )


def test_results_import_errors(office, okayama_plan):
    rows = "指標名,実績値,測定なし,要因分析\r\nSNSのフォロワー数,約1600,,\r\n"
    preview = office.post(
        reverse("plans:results_import", args=[okayama_plan.code, YEAR]),
        {"kind": "indicators", "file": SimpleUploadedFile("r.csv", rows.encode())},
    )
    response = office.get(errors_link(preview))
    assert_download(
        response, content_type=CSV, filename="okayama-kyodo-2021-2025-indicators-errors.csv"
    )


def test_report_xlsx_has_a_japanese_name_and_an_ascii_one(office, okayama_plan):
    response = office.get(reverse("plans:report_xlsx", args=[okayama_plan.code, YEAR]))
    assert_download(
        response,
        content_type=XLSX,
        filename="岡山市協働推進計画_2025年度_進捗状況報告書(総括).xlsx",
    )
    assert disposition(response)[2] == "okayama-kyodo-2021-2025-report.xlsx"


def test_a_title_windows_refuses_in_a_name_is_saved_with_underscores(office, okayama_plan):
    okayama_plan.title = '計画: "A/B" <改訂>'
    okayama_plan.save()
    response = office.get(reverse("plans:report_xlsx", args=[okayama_plan.code, YEAR]))
    assert disposition(response)[1] == "計画___A_B___改訂__2025年度_進捗状況報告書(総括).xlsx"


def test_open_data_csv_is_public_and_may_be_cached(client, okayama_plan):
    response = client.get(reverse("plans:open_csv", args=[okayama_plan.code]))
    assert_download(response, content_type=CSV, filename="okayama-kyodo-2021.csv", private=False)


def test_open_data_json_opens_in_the_browser_and_may_be_cached(client, okayama_plan):
    response = client.get(reverse("plans:open_json", args=[okayama_plan.code]))
    assert_download(
        response,
        content_type=JSON,
        filename="okayama-kyodo-2021.json",
        kind="inline",
        private=False,
    )
    assert response.json()["plan"]

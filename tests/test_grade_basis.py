"""Issue 16's evaluation rule: a year's grade rests on the latest approved value up to it.

The quoted case: the FY2025 pages, before any FY2025 value, graded with FY2024's value against
FY2025's pace (C on the 2024 page, D on the 2025 page) and said nothing of it. Now the grade is
the FY2024 page's, and every place that shows it says 「2024年度の値による」; indicators and
projects alike.
"""

import csv
import io
import json
import re
from decimal import Decimal
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from indicators.models import Indicator, IndicatorResult
from plans.models import EntryStatus, Measure
from projects.models import Project, ProjectProgress

pytestmark = pytest.mark.django_db
PARTICIPATION = "地域活動への市民の参加割合"  # 48.0 in 2024: (48 − 45.3) ÷ 5.5 = 49%
FOLLOWERS = "SNSのフォロワー数"
PROJECT = "区づくり推進事業"
LABEL = "2024年度の値による"


@pytest.fixture
def committee(personas):
    client = Client()
    client.force_login(personas["committee"])
    return client


@pytest.fixture
def plan(seed_results):
    """Approved values up to FY2024 only; a project with an approved FY2024 grade B only."""
    ProjectProgress.objects.create(
        project=Project.objects.get(name=PROJECT),
        fiscal_year=2024,
        activities="2024年度の実施内容",
        grade="B",
        outlook="continue",
        status=EntryStatus.APPROVED,
    )
    return seed_results


def text(response):
    assert response.status_code == 200
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def after(shown, name):
    """The row of `name` up to its first grade, with what follows the grade on the row."""
    grade = r"(?:[A-D] (?:達成|順調|やや遅れ|遅れ)|− 評価不能)(?: 後退)?(?: \(\d+年度の値による\))?"
    return re.search(re.escape(name) + ".*?" + grade, shown)[0]


def url(name, plan, year, *args):
    return reverse(name, args=[plan.code, year, *args])


def test_overview_grades_the_2025_page_as_the_2024_page_and_says_so(plan, committee):
    on_2024 = text(committee.get(url("plans:overview", plan, 2024)))
    on_2025 = text(committee.get(url("plans:overview", plan, 2025)))
    # 49% against 2024's pace 80%: C (≥ 48%); against 2025's pace 100% it would have been D.
    assert "C やや遅れ" in after(on_2024, PARTICIPATION)
    assert f"C やや遅れ ({LABEL})" in after(on_2025, PARTICIPATION)
    assert "年度の値による" not in on_2024
    assert f"B 順調 ({LABEL})" in after(on_2025, PROJECT)
    assert after(on_2024, PROJECT).endswith("B 順調")


def test_indicator_page_says_which_years_value_and_pace(plan, committee):
    indicator = Indicator.objects.get(name=PARTICIPATION)
    shown = text(committee.get(url("plans:indicator", plan, 2025, indicator.pk)))
    assert f"C やや遅れ ({LABEL})" in shown
    assert "2024年度までに期待される進捗は 80%" in shown
    own = text(committee.get(url("plans:indicator", plan, 2024, indicator.pk)))
    assert "C やや遅れ" in own and "年度の値による" not in own


def test_measure_and_project_pages_say_which_years_grade(plan, committee):
    project = Project.objects.get(name=PROJECT)
    measure = Measure.objects.filter(project_links__project=project).first()
    shown = text(committee.get(url("plans:measure", plan, 2025, measure.pk)))
    assert f"B 順調 ({LABEL})" in after(shown, PROJECT)
    assert "2024年度の実施内容" not in shown  # the grade stands in, not the year's record
    shown = text(committee.get(url("plans:project", plan, 2025, project.pk)))
    assert f"2025年度の評価: B 順調 ({LABEL})" in shown
    own = text(committee.get(url("plans:project", plan, 2024, project.pk)))
    assert "2024年度の評価: B 順調" in own and "年度の値による" not in own


def test_print_report_says_which_years_value(plan, committee):
    shown = text(committee.get(url("plans:report", plan, 2025)))
    assert f"C やや遅れ ({LABEL})" in after(shown, PARTICIPATION)
    assert f"B 順調 ({LABEL})" in after(shown, PROJECT)


def test_xlsx_has_the_year_of_the_value_on_both_sheets(plan, committee):
    response = committee.get(url("plans:report_xlsx", plan, 2025))
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["成果指標"]
    headers = [cell.value for cell in sheet[3]]
    rows = {row[1].value: [cell.value for cell in row] for row in sheet.iter_rows(min_row=4)}
    grade = rows[PARTICIPATION][headers.index("評価")]
    assert (grade, rows[PARTICIPATION][headers.index("評価の根拠年度")]) == (
        "C やや遅れ",
        "2024年度",
    )
    sheet = workbook["事業"]
    headers = [cell.value for cell in sheet[3]]
    project_rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=4)]
    row = next(row for row in project_rows if row[1] == PROJECT)
    assert (row[headers.index("評価")], row[headers.index("評価の根拠年度")]) == (
        "B 順調",
        "2024年度",
    )
    assert row[headers.index("実施内容・実績")] is None  # 2025 has no record of its own


def test_open_data_carry_the_grade_and_the_year_it_rests_on(plan, client):
    # The open data are of the plan's last year, FY2025, which has no value yet.
    csv_text = client.get(reverse("plans:open_csv", args=[plan.code])).content.decode("utf-8-sig")
    rows = [row for row in csv.DictReader(io.StringIO(csv_text)) if row["指標名"] == PARTICIPATION]
    assert {(row["評価対象年度"], row["評価"], row["評価の根拠年度"]) for row in rows} == {
        ("2025", "C", "2024")
    }
    data = json.loads(client.get(reverse("plans:open_json", args=[plan.code])).content)
    evaluations = {item["name"]: item["evaluation"] for item in data["indicators"]}
    assert evaluations[PARTICIPATION] == {"fiscal_year": 2025, "grade": "C", "grade_year": 2024}


def test_a_value_of_the_year_itself_takes_over_without_a_label(plan, committee, client):
    IndicatorResult.objects.create(
        indicator=Indicator.objects.get(name=PARTICIPATION),
        fiscal_year=2025,
        value=Decimal("50.8"),
        status=EntryStatus.APPROVED,
    )
    ProjectProgress.objects.create(
        project=Project.objects.get(name=PROJECT),
        fiscal_year=2025,
        activities="2025年度の実施内容",
        grade="A",
        outlook="continue",
        status=EntryStatus.APPROVED,
    )
    shown = text(committee.get(url("plans:overview", plan, 2025)))
    assert after(shown, PARTICIPATION).endswith("100% A 達成")  # no label after it
    assert after(shown, PROJECT).endswith("A 達成")
    data = json.loads(client.get(reverse("plans:open_json", args=[plan.code])).content)
    evaluations = {item["name"]: item["evaluation"] for item in data["indicators"]}
    assert evaluations[PARTICIPATION] == {"fiscal_year": 2025, "grade": "A", "grade_year": 2025}


def test_not_evaluable_only_without_any_value_up_to_the_year(plan, committee, client):
    IndicatorResult.objects.filter(indicator__name=FOLLOWERS, fiscal_year__lte=2024).delete()
    shown = text(committee.get(url("plans:overview", plan, 2025)))
    assert after(shown, FOLLOWERS).endswith("− 評価不能")  # no label after it
    # A project without any graded record up to the year is 評価不能, without a label.
    other = after(shown, "岡山市地域貢献企業表彰")
    assert other.endswith("− 評価不能")
    data = json.loads(client.get(reverse("plans:open_json", args=[plan.code])).content)
    evaluations = {item["name"]: item["evaluation"] for item in data["indicators"]}
    assert evaluations[FOLLOWERS] == {"fiscal_year": 2025, "grade": None, "grade_year": None}


def test_a_made_up_grade_standing_in_marks_the_page_as_demo(plan, committee):
    ProjectProgress.objects.filter(project__name=PROJECT, fiscal_year=2024).update(is_demo=True)
    project = Project.objects.get(name=PROJECT)
    measure = Measure.objects.filter(project_links__project=project).first()
    for shown in [
        text(committee.get(url("plans:overview", plan, 2025))),
        text(committee.get(url("plans:measure", plan, 2025, measure.pk))),
    ]:
        assert f"B 順調 ({LABEL})" in after(shown, PROJECT)
        assert "デモ用データ: このページには動作確認用の架空の値が含まれています" in shown

"""Which yearly entries each page reads: approved ones for committee pages, reports and exports;
every entry of the right year for the staff's entry pages, work list and reminders.

Each consumer of `YearlyEntryQuerySet` is tested through what a person gets (a page, a file, a
mail), not through the method alone.
"""

import io
import json
import re
from decimal import Decimal
from html import unescape

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from indicators.models import Indicator, IndicatorResult
from plans.models import EntryStatus, Measure, PlanYear
from plans.reports.evaluation import plan_evaluation
from projects.models import Project, ProjectProgress

pytestmark = pytest.mark.django_db
YEAR = 2024
PARTICIPATION = "地域活動への市民の参加割合"  # baseline 45.3% (2020), target 50.8% (2025)
YOUTH = "若者(20歳代)の地域活動への参加割合"
# Measure 1-1's first four projects, one per status.
APPROVED_PROJECT = "区づくり推進事業"
SUBMITTED_PROJECT = "市民活動・地域活動リーダー養成講座"
RETURNED_PROJECT = "NPO法人基盤強化支援事業"
DRAFT_PROJECT = "企業等の地域貢献支援事業"
# Text that only entries that are not approved carry: none of it may reach a committee page.
NOT_APPROVED_TEXT = [
    "12.3",
    "99.9",
    "66.6",
    "提出済の要因分析",
    "差戻しの要因分析",
    "下書きの要因分析",
    "提出済の実施内容",
    "差戻しの実施内容",
    "下書きの実施内容",
]


def page_text(response):
    assert response.status_code == 200
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


@pytest.fixture
def entries(okayama_plan, personas):
    """Policy 1 belongs to department A (bob), whose entries stand at every status."""
    for policy in okayama_plan.policies.all():
        department = personas["department_b" if policy.number == 2 else "department_a"]
        Indicator.objects.filter(policy=policy).update(department=department)
        Project.objects.filter(measure_links__measure__policy=policy).update(department=department)
    participation = Indicator.objects.get(name=PARTICIPATION)
    for year, value, status, analysis in [
        (2022, "47.1", EntryStatus.APPROVED, "承認済の要因分析"),
        (2023, "12.3", EntryStatus.SUBMITTED, "提出済の要因分析"),
        (2024, "99.9", EntryStatus.RETURNED, "差戻しの要因分析"),
        (2025, "11.1", EntryStatus.DRAFT, "来年度の下書き"),
    ]:
        IndicatorResult.objects.create(
            indicator=participation,
            fiscal_year=year,
            value=Decimal(value),
            status=status,
            analysis=analysis,
        )
    IndicatorResult.objects.create(
        indicator=Indicator.objects.get(name=YOUTH),
        fiscal_year=YEAR,
        value=Decimal("66.6"),
        status=EntryStatus.DRAFT,
        analysis="下書きの要因分析",
    )
    for name, status, activities in [
        (APPROVED_PROJECT, EntryStatus.APPROVED, "承認済の実施内容"),
        (SUBMITTED_PROJECT, EntryStatus.SUBMITTED, "提出済の実施内容"),
        (RETURNED_PROJECT, EntryStatus.RETURNED, "差戻しの実施内容"),
        (DRAFT_PROJECT, EntryStatus.DRAFT, "下書きの実施内容"),
    ]:
        ProjectProgress.objects.create(
            project=Project.objects.get(name=name),
            fiscal_year=YEAR,
            activities=activities,
            grade="A",
            outlook="continue",
            budget_amount=1000,
            status=status,
        )
    # An approved record of an earlier year: its grade is the project's until this year's
    # record is approved (labelled 「…年度の値による」), its activities are not this year's.
    ProjectProgress.objects.create(
        project=Project.objects.get(name=SUBMITTED_PROJECT),
        fiscal_year=YEAR - 1,
        activities="前年度の実施内容",
        grade="B",
        status=EntryStatus.APPROVED,
    )
    return okayama_plan


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def page(name, plan, *args):
    return reverse(name, args=[plan.code, YEAR, *args])


def assert_only_approved(shown):
    assert [text for text in NOT_APPROVED_TEXT if text in shown] == []


def test_dashboard_counts_only_approved_values(entries, personas):
    shown = page_text(client_for(personas["committee"]).get(page("plans:overview", entries)))
    assert_only_approved(shown)
    # baseline, 2021 (none), 2022 (approved), 2023 (submitted), 2024 (returned), target
    assert f"{PARTICIPATION} 45.3% − 47.1% − − 50.8%" in shown
    youth = shown[shown.index(YOUTH) :][:120]
    assert "− 評価不能" in youth  # a draft value is not a value yet
    # Of measure 1-1's four records of the year only the approved one has a grade; the
    # submitted project is graded by its previous year's approved record, and says so.
    assert "事業の自己評価 A 達成 1件 B 順調 1件 C やや遅れ 0件 D 遅れ 0件 − 評価不能 26件" in shown
    assert f"{SUBMITTED_PROJECT} 市民協働企画課 B 順調 ({YEAR - 1}年度の値による)" in shown


def test_indicator_page_shows_only_approved_values(entries, personas):
    indicator = Indicator.objects.get(name=PARTICIPATION)
    response = client_for(personas["committee"]).get(page("plans:indicator", entries, indicator.pk))
    shown = page_text(response)
    assert_only_approved(shown)
    assert "2022年度 47.1%" in shown
    assert "承認済の要因分析" in shown


def test_measure_page_shows_only_approved_progress(entries, personas):
    measure = Measure.objects.get(policy__plan=entries, policy__number=1, number=1)
    shown = page_text(
        client_for(personas["committee"]).get(page("plans:measure", entries, measure.pk))
    )
    assert_only_approved(shown)
    assert "承認済の実施内容" in shown
    assert "前年度の実施内容" not in shown


def test_project_page_shows_only_approved_records(entries, personas):
    committee = client_for(personas["committee"])
    submitted = Project.objects.get(name=SUBMITTED_PROJECT)
    shown = page_text(committee.get(page("plans:project", entries, submitted.pk)))
    assert_only_approved(shown)
    assert "前年度の実施内容" in shown  # the earlier year's approved record
    approved = Project.objects.get(name=APPROVED_PROJECT)
    assert "承認済の実施内容" in page_text(
        committee.get(page("plans:project", entries, approved.pk))
    )


def test_print_report_shows_only_approved_values(entries, personas):
    shown = page_text(client_for(personas["committee"]).get(page("plans:report", entries)))
    assert_only_approved(shown)
    assert "承認済の実施内容" in shown


def test_xlsx_report_holds_only_approved_values(entries, personas):
    response = client_for(personas["committee"]).get(page("plans:report_xlsx", entries))
    workbook = load_workbook(io.BytesIO(response.content))
    cells = [
        str(cell.value)
        for sheet in workbook
        for row in sheet.iter_rows(min_row=4)
        for cell in row
        if cell.value is not None
    ]
    assert [cell for cell in cells if any(text in cell for text in NOT_APPROVED_TEXT)] == []
    indicators = {row[1].value: row for row in workbook["成果指標"].iter_rows(min_row=4)}
    # 集計方法, 基準値, 基準年度, then 2021 .. 2024
    assert [cell.value for cell in indicators[PARTICIPATION][6:10]] == [None, 47.1, None, None]
    assert "承認済の実施内容" in cells


def test_open_data_publishes_only_approved_values(entries, client):
    csv_text = client.get(reverse("plans:open_csv", args=[entries.code])).content.decode(
        "utf-8-sig"
    )
    assert_only_approved(csv_text)
    assert "11.1" not in csv_text  # a later year's draft
    rows = [line for line in csv_text.splitlines() if PARTICIPATION in line]
    assert len(rows) == 1 and ",2022,47.1," in rows[0]
    data = json.loads(client.get(reverse("plans:open_json", args=[entries.code])).content)
    results = {item["name"]: item["results"] for item in data["indicators"]}
    assert results[PARTICIPATION] == [
        {
            "fiscal_year": 2022,
            "value": "47.1",
            "baseline_in_force": "45.3",
            "target_in_force": "50.8",
            "not_measured": False,
            "interim": False,
            "as_of": None,
            "demo": False,
        }
    ]
    assert results[YOUTH] == []


def test_evaluation_counts_every_entered_value_only_for_a_preview(entries):
    def participation(evaluation):
        (item,) = [
            item
            for policy in evaluation.policies
            for item in policy.indicators
            if item.indicator.name == PARTICIPATION
        ]
        return item

    approved = participation(plan_evaluation(entries, YEAR))
    assert [(r.fiscal_year, r.value) for r in approved.results] == [(2022, Decimal("47.1"))]
    everything = participation(plan_evaluation(entries, YEAR, approved_only=False))
    assert [r.fiscal_year for r in everything.results] == [2022, 2023, 2024]  # never 2025
    assert everything.achievement.current_value == Decimal("99.9")


def test_entry_page_reads_this_years_entry_and_every_earlier_one(entries, personas):
    indicator = Indicator.objects.get(name=PARTICIPATION)
    staff = client_for(personas["staff_a"])
    response = staff.get(page("plans:entry", entries, "indicators", indicator.pk))
    shown = page_text(response)
    assert response.context["form"].initial["value"] == "99.9"  # 2024's, not 2025's
    assert "差戻しの要因分析" in shown
    # Earlier years as entered, approved or not; never the later year.
    earlier = shown[shown.index("これまでの実績") : shown.index("評価の試算")]
    assert "2022年度 47.1% 承認済 2023年度 12.3% 提出済" in earlier
    assert "11.1" not in earlier
    # The plausibility check compares with the latest earlier year's value, submitted or not.
    assert "2023年度の 12.3% から 99.9% へ大きく変わっています" in shown


def test_work_list_and_review_show_this_years_status(entries, personas):
    shown = page_text(client_for(personas["staff_a"]).get(page("plans:my_work_year", entries)))
    assert "未入力 15件 下書き 2件 差戻し 2件 提出済 1件 承認済 1件" in shown
    assert f"{PARTICIPATION} 差戻し" in shown  # one department: named once, above the list
    assert f"{SUBMITTED_PROJECT} 提出済" in shown
    review = client_for(personas["admin"]).get(page("plans:review", entries) + "?status=all")
    shown = page_text(review)
    assert f"{SUBMITTED_PROJECT} 市民協働企画課 提出済" in shown
    assert f"{APPROVED_PROJECT} 市民協働企画課 承認済" in shown


def test_review_acts_on_this_years_entry(entries, personas):
    project = Project.objects.get(name=SUBMITTED_PROJECT)
    record = ProjectProgress.objects.get(project=project, fiscal_year=YEAR)
    response = client_for(personas["admin"]).post(
        page("plans:entry_approve", entries, "projects", project.pk), {"version": record.version}
    )
    assert response.status_code == 302
    statuses = dict(
        ProjectProgress.objects.filter(project=project).values_list("fiscal_year", "status")
    )
    assert statuses == {YEAR - 1: EntryStatus.APPROVED, YEAR: EntryStatus.APPROVED}


def test_reminders_count_only_this_years_entries(entries, personas):
    personas["staff_a"].email = "bob@city.example.jp"
    personas["staff_a"].save()
    PlanYear.objects.create(plan=entries, fiscal_year=YEAR, entry_deadline="2025-05-31")
    # Submitted for 2024 (nothing to do) and approved for 2023 (says nothing about 2024).
    call_command("send_entry_reminders", "--date", "2025-05-26", stdout=io.StringIO())
    (message,) = mail.outbox
    listed = re.findall(r"・事業「(.+?)」: (\S+?)(?:\(|$)", message.body, flags=re.MULTILINE)
    assert (RETURNED_PROJECT, "差戻し") in listed
    assert (DRAFT_PROJECT, "下書き") in listed
    assert SUBMITTED_PROJECT not in dict(listed)
    assert APPROVED_PROJECT not in dict(listed)
    assert f"成果指標「{PARTICIPATION}」: 差戻し" in message.body

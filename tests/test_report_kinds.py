"""Which report a year is: the annual report (年次報告), the mid-term evaluation (中間評価, a year
the plan chooses, by default its third) or the final summary (総括, the plan's last year, with
the whole period's table per indicator). The overview, the print page and the .xlsx say which;
the kind is part of what the cache keeps."""

import io
import re
from decimal import Decimal
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from indicators.achievement import evaluate
from plans.models import Plan, ReportKind
from plans.plan_file import PlanFileError, plan_load

PERIOD_SHEET = "計画期間の推移"


@pytest.fixture
def committee(personas):
    client = Client()
    client.force_login(personas["committee"])
    return client


def visible(response):
    assert response.status_code == 200
    html = response.content.decode()
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def workbook(client, plan, year):
    response = client.get(reverse("plans:report_xlsx", args=[plan.code, year]))
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))


def unsaved_plan(first=2021, last=2025, midterm=None):
    return Plan(
        title="架空市協働推進計画",
        first_fiscal_year=first,
        last_fiscal_year=last,
        baseline_fiscal_year=first - 1,
        midterm_fiscal_year=midterm,
    )


@pytest.mark.parametrize(
    ("first", "last", "midterm", "kinds"),
    [
        # By default the plan's third year is the mid-term evaluation, its last the final summary.
        (2021, 2025, None, {2021: "annual", 2022: "annual", 2023: "midterm", 2025: "final"}),
        (2021, 2025, 2022, {2022: "midterm", 2023: "annual", 2024: "annual", 2025: "final"}),
        (2026, 2035, None, {2028: "midterm", 2030: "annual", 2035: "final"}),
        # Too short for a third year: the last year is the final summary and nothing else.
        (2021, 2022, None, {2021: "annual", 2022: "final"}),
        (2021, 2021, None, {2021: "final"}),
    ],
)
def test_the_kind_of_each_year(first, last, midterm, kinds):
    plan = unsaved_plan(first, last, midterm)
    assert {year: plan.report_kind(year).value for year in kinds} == kinds
    assert plan.report_kind(last) is ReportKind.FINAL


@pytest.mark.django_db
@pytest.mark.parametrize("midterm", [2020, 2025, 2026])
def test_a_mid_term_year_outside_the_period_or_in_its_last_year_is_refused(midterm):
    plan = unsaved_plan(midterm=midterm)
    plan.code = "kaku-2021"
    plan.municipality = "架空市"
    with pytest.raises(ValidationError) as error:
        plan.full_clean()
    assert "中間評価の年度は計画期間の初年度から最終年度の前年度までにしてください" in str(
        error.value
    )


def test_the_plan_file_sets_the_mid_term_year(okayama_plan, okayama_plan_data):
    assert okayama_plan.midterm_fiscal_year == 2023
    data = {**okayama_plan_data, "plan": {**okayama_plan_data["plan"], "midterm_fiscal_year": 2025}}
    with pytest.raises(PlanFileError, match="中間評価の年度は"):
        plan_load(data=data, update=True)
    data["plan"]["midterm_fiscal_year"] = 2022
    plan_load(data=data, update=True)
    okayama_plan.refresh_from_db()
    assert okayama_plan.report_kind(2022) is ReportKind.MIDTERM


def test_the_admin_sets_the_mid_term_year(okayama_plan, personas):
    client = Client()
    client.force_login(personas["admin"])
    url = reverse("admin:plans_plan_change", args=[okayama_plan.pk])
    page = client.get(url).content.decode()
    assert 'name="midterm_fiscal_year"' in page and "中間評価の年度" in page


@pytest.mark.parametrize(
    ("year", "kind"),
    [
        (2022, "年次報告(計画期間5年のうち2年目)"),
        (2023, "中間評価(計画期間5年のうち3年目)"),
        (2025, "総括(計画期間全体の評価: 2025年度と基準年度2020年度の比較)"),
    ],
)
def test_the_overview_and_the_report_say_their_kind(committee, seed_results, year, kind):
    plan = seed_results
    overview = visible(committee.get(reverse("plans:overview", args=[plan.code, year])))
    assert f"進捗状況 {kind}" in overview
    report = visible(committee.get(reverse("plans:report", args=[plan.code, year])))
    assert f"報告の種類 {kind}" in report
    label = kind.partition("(")[0]
    css = committee.get(reverse("plans:report_css", args=[plan.code, year])).content.decode()
    assert f"進捗状況報告書({label})" in css
    book = workbook(committee, plan, year)
    for sheet in book.worksheets:
        assert sheet["A1"].value == f"{plan.title} {year}年度 進捗状況報告書({label})"


def period_rows(html, number):
    start = html.index(f'id="report-period-{number}"')
    table = html[start : html.index("</table>", start)]
    return [
        unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row))).strip()
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)
    ]


def test_the_final_summary_prints_the_whole_period_per_policy(committee, seed_results):
    plan = seed_results
    html = committee.get(reverse("plans:report", args=[plan.code, 2025])).content.decode()
    for policy in plan.policies.all():
        assert f'id="report-period-{policy.number}"' in html
    header, *rows = period_rows(html, 1)
    assert header == "指標名 基準値 2021 2022 2023 2024 2025 最終値 目標値 達成状況 評価"
    # No FY2025 value: the final value is FY2024's and the grade says so.
    assert rows[0] == (
        "地域活動への市民の参加割合 45.3% 46.0% 47.1% 測定なし 48.0% − 48.0% 50.8% 未達成 "
        "C やや遅れ (2024年度の値による)"
    )
    # The policies' period tables come before their measures, each in its own policy.
    assert html.index('id="report-period-1"') < html.index('id="report-policy-2"')
    assert "・計画期間の推移" in visible(
        committee.get(reverse("plans:report", args=[plan.code, 2025]))
    )


def test_only_the_final_summary_has_the_period_table(committee, seed_results):
    plan = seed_results
    for year in (2023, 2024):
        html = committee.get(reverse("plans:report", args=[plan.code, year])).content.decode()
        assert "report-period-" not in html and "計画期間の推移" not in html
        assert PERIOD_SHEET not in workbook(committee, plan, year).sheetnames


def test_the_final_summary_xlsx_has_the_period_sheet(committee, seed_results):
    plan = seed_results
    book = workbook(committee, plan, 2025)
    # The committee's sheet (委員会の意見) always comes last, after the period's.
    assert book.sheetnames == ["成果指標", "事業", PERIOD_SHEET, "委員会の意見"]
    sheet = book[PERIOD_SHEET]
    header = [cell.value for cell in sheet[3]]
    assert header == [
        "基本方針",
        "指標名",
        "単位",
        "集計方法",
        "基準値",
        "基準年度",
        "2021年度",
        "2022年度",
        "2023年度",
        "2024年度",
        "2025年度",
        "最終値",
        "目標値",
        "目標年度",
        "達成状況",
        "評価",
        "評価の根拠年度",
    ]
    rows = {row[1]: row for row in sheet.iter_rows(min_row=4, values_only=True)}
    indicator_count = sum(policy.indicators.count() for policy in plan.policies.all())
    assert len(rows) == indicator_count == sheet.max_row - 3
    participation = rows["地域活動への市民の参加割合"]
    assert participation[2:] == (
        "%",
        "単年度値",
        45.3,
        "2020年度",
        46,
        47.1,
        "測定なし",
        48,
        None,
        48,
        50.8,
        "2025年度",
        "未達成",
        "C やや遅れ",
        "2024年度",
    )
    # The same arithmetic as everywhere: indicators.achievement, here for a cumulative one.
    network = rows["企業・NPO法人等が参加した安全・安心ネットワーク数"]
    indicator = plan.policies.get(number=network[0].split()[0]).indicators.get(name=network[1])
    achievement = evaluate(
        aggregation=indicator.aggregation,
        direction=indicator.direction,
        baseline=indicator.baseline_value,
        target=indicator.target_value,
        first_year=2021,
        last_year=2025,
        fiscal_year=2025,
        values={2021: Decimal(42), 2022: Decimal(45), 2023: Decimal(50), 2024: Decimal(55)},
        thresholds=plan.thresholds,
    )
    assert network[11] == int(achievement.current_value)
    assert network[14] == achievement.achieved_label
    assert sheet.print_title_rows == "$3:$3"


def test_the_kind_is_part_of_what_the_cache_keeps(committee, seed_results):
    """Another mid-term year, even written where nothing bumps the published version (a shell),
    changes the kind of the pages and files already kept."""
    plan = seed_results
    pages = {
        "overview": lambda: visible(
            committee.get(reverse("plans:overview", args=[plan.code, 2024]))
        ),
        "report": lambda: visible(committee.get(reverse("plans:report", args=[plan.code, 2024]))),
        "xlsx": lambda: workbook(committee, plan, 2024)["成果指標"]["A1"].value,
    }
    before = {name: page() for name, page in pages.items()}
    assert all("年次報告" in text for text in before.values())
    Plan.objects.filter(pk=plan.pk).update(midterm_fiscal_year=2024)
    after = {name: page() for name, page in pages.items()}
    assert all("中間評価" in text and "年次報告" not in text for text in after.values()), after
    # Back again: the annual report's parts, kept under their own kind, are still right.
    Plan.objects.filter(pk=plan.pk).update(midterm_fiscal_year=None)
    assert all("年次報告" in page() for page in pages.values())

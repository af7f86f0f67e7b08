"""What a committee member reads: the numbers, grades and notes on the dashboard pages."""

import re
from decimal import Decimal
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators.models import Indicator, IndicatorResult
from plans.models import EntryStatus, Measure
from plans.publication import plan_published_version_bump
from projects.models import Project
from tests.factories import (
    BasicPolicyFactory,
    IndicatorFactory,
    IndicatorResultFactory,
    MeasureFactory,
    MeasureProjectFactory,
    ProjectProgressFactory,
)

pytestmark = pytest.mark.django_db
YEAR = 2024


def page_text(html):
    """The page's text as a person reads it: every tag a space, spaces folded."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def text(response):
    assert response.status_code == 200
    return page_text(response.content.decode())


@pytest.fixture
def committee(personas):
    client = Client()
    client.force_login(personas["committee"])
    return client


def page(name, plan, *args, year=YEAR):
    return reverse(name, args=[plan.code, year, *args])


def test_overview_shows_each_indicators_numbers_and_grade(committee, seed_results):
    shown = text(committee.get(page("plans:overview", seed_results)))
    assert "承認済の値のみ" in shown
    row = shown[shown.index("地域活動への市民の参加割合") :][:200]
    # baseline, 2021, 2022, 2023 (not measured), 2024, target, progress, ratio, grade
    assert "45.3% 46.0% 47.1% 測定なし 48.0% 50.8% 49% 94% C やや遅れ" in row
    youth = shown[shown.index("若者(20歳代)") :][:200]
    assert "D 遅れ 後退" in youth
    page_views = shown[shown.index("市民協働に関する市ホームページの閲覧数") :][:200]
    assert "120,000 125,000 − 130,000 768,000 49%" in page_views
    assert "A 達成 2件 B 順調 1件 C やや遅れ 3件 D 遅れ 1件 − 評価不能 0件" in shown


def test_values_that_are_not_approved_are_not_shown_or_counted(committee, seed_results):
    indicator = Indicator.objects.get(name="若者(20歳代)の地域活動への参加割合")
    IndicatorResult.objects.create(
        indicator=indicator, fiscal_year=2023, value=Decimal("99.9"), status=EntryStatus.SUBMITTED
    )
    assert "99.9" not in text(committee.get(page("plans:overview", seed_results)))


def test_a_year_without_approved_values_is_not_evaluable_never_zero(committee, okayama_plan):
    visible = text(committee.get(page("plans:overview", okayama_plan, year=2021)))
    assert "− 評価不能 7件" in visible
    assert "平均進捗率: 評価不能" in visible
    # baseline, FY2021 (none), target, then progress, ratio and grade: all "not evaluable".
    assert "地域活動への市民の参加割合 45.3% − 50.8% − − − 評価不能" in visible


def test_final_year_reads_as_the_final_evaluation(committee, seed_results):
    visible = text(committee.get(page("plans:overview", seed_results, year=2025)))
    heading = "2025年度の進捗状況 総括(計画期間全体の評価: 2025年度と基準年度2020年度の比較)"
    assert heading in visible


def test_era_display_setting(committee, seed_results, settings):
    settings.FISCAL_YEAR_STYLE = "era"
    visible = text(committee.get(page("plans:overview", seed_results)))
    assert "令和6年度(2024年度)の進捗状況" in visible


def test_indicator_page_explains_the_computation_and_draws_gaps(committee, seed_results):
    indicator = Indicator.objects.get(name="地域活動への市民の参加割合")
    response = committee.get(page("plans:indicator", seed_results, indicator.pk))
    html = response.content.decode()
    visible = text(response)
    assert "(48.0 − 45.3) ÷ (50.8 − 45.3) = 49%" in visible
    assert (
        'role="img"' in html and '<title id="chart-title">地域活動への市民の参加割合の推移' in html
    )
    # 2023 was not measured: the line breaks there instead of dropping to zero.
    # Two lines of values, besides the expected pace's.
    assert html.count("<polyline") == 2 + html.count('<polyline class="chart-pace"') == 3
    assert "2023年度 測定なし" in visible
    assert "期待される値" in visible


def test_cumulative_indicator_page(committee, seed_results):
    indicator = Indicator.objects.get(name="ESD・市民協働推進センターの相談者数")
    visible = text(committee.get(page("plans:indicator", seed_results, indicator.pk)))
    assert "累計 3,270 ÷ 目標 4,000 = 82%" in visible
    assert "B 順調" in visible


def test_measure_and_project_pages(committee, seed_results):
    project = Project.objects.get(name="市民協働推進事業")
    ProjectProgressFactory(
        project=project,
        fiscal_year=YEAR,
        activities="補助事業を5件採択した",
        grade="B",
        outlook="expand",
        budget_amount=1200,
        settlement_amount=1150,
        status=EntryStatus.APPROVED,
    )
    measure = Measure.objects.get(policy__plan=seed_results, policy__number=2, number=3)
    visible = text(committee.get(page("plans:measure", seed_results, measure.pk)))
    assert "基本施策2-3 市役所の協働化の推進" in visible
    assert "補助事業を5件採択した B 順調 拡充" in visible
    visible = text(committee.get(page("plans:project", seed_results, project.pk)))
    assert "2-1 協働するための環境の提供 、 2-3 市役所の協働化の推進" in visible
    assert "1,200千円 / 1,150千円" in visible


def test_print_report_has_one_section_per_policy(committee, seed_results):
    html = committee.get(page("plans:report", seed_results)).content.decode()
    assert html.count('class="report-policy"') == 3
    assert html.count('class="report-cover"') == 1
    assert "<h1" in html and "岡山市協働推進計画<br>" in html  # the running head is in @page
    assert "承認済の値のみ" in html


def test_demo_data_is_announced(committee, seed_results):
    assert "デモ用データ" not in text(committee.get(page("plans:overview", seed_results)))
    IndicatorResult.objects.filter(fiscal_year=2022).update(is_demo=True)
    plan_published_version_bump(plan=seed_results)  # as every write path past the ORM does
    assert "デモ用データ" in text(committee.get(page("plans:overview", seed_results)))


def test_dashboard_needs_a_login_but_open_data_does_not(client, seed_results):
    response = client.get(page("plans:overview", seed_results))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert client.get(page("plans:report_xlsx", seed_results)).status_code == 302
    csv = client.get(reverse("plans:open_csv", args=[seed_results.code]))
    assert csv.status_code == 200 and csv.content.startswith(b"\xef\xbb\xbf")
    assert client.get(reverse("plans:open_json", args=[seed_results.code])).status_code == 200


def test_xlsx_download(committee, seed_results):
    response = committee.get(page("plans:report_xlsx", seed_results))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response.content[:2] == b"PK"


def double(plan):
    """Add as many policies, indicators (with results), measures and projects as the plan has."""
    for number in range(4, 7):
        policy = BasicPolicyFactory(plan=plan, number=number)
        for position in range(1, 4):
            indicator = IndicatorFactory(policy=policy, position=position)
            for year in range(2021, YEAR + 1):
                IndicatorResultFactory(
                    indicator=indicator, fiscal_year=year, status=EntryStatus.APPROVED
                )
        for measure_number in range(1, 4):
            measure = MeasureFactory(policy=policy, number=measure_number)
            for _ in range(4):
                link = MeasureProjectFactory(measure=measure, project__plan=plan)
                ProjectProgressFactory(
                    project=link.project, fiscal_year=YEAR, grade="A", status=EntryStatus.APPROVED
                )


def query_count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_query_counts_do_not_grow_with_the_plan(committee, seed_results):
    indicator = Indicator.objects.get(name="地域活動への市民の参加割合")
    measure = Measure.objects.get(policy__plan=seed_results, policy__number=2, number=1)
    project = Project.objects.get(name="市民協働推進事業")
    urls = [
        page("plans:overview", seed_results),
        page("plans:indicator", seed_results, indicator.pk),
        page("plans:measure", seed_results, measure.pk),
        page("plans:project", seed_results, project.pk),
        page("plans:report", seed_results),
        page("plans:report_xlsx", seed_results),
        reverse("plans:open_csv", args=[seed_results.code]),
    ]
    before = [query_count(committee, url) for url in urls]
    double(seed_results)
    plan_published_version_bump(plan=seed_results)  # as every write path past the ORM does
    after = [query_count(committee, url) for url in urls]
    assert after == before
    assert Indicator.objects.filter(policy__plan=seed_results).count() == 16

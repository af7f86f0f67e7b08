"""The loaded plan says exactly what the plan text says."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from indicators.models import Indicator
from projects.models import MeasureProject, Project
from tests.seed_text import SEED_FILE, read_seed

SHARED_SEED_FILE = Path(settings.BASE_DIR).parent / "shared" / "seed" / SEED_FILE.name
# The repository keeps a copy of the seed so that the tests run anywhere; where the shared seed is
# beside the checkout (on the team's machines and in CI) the data must match it too.
SEED_FILES = [SEED_FILE, *([SHARED_SEED_FILE] if SHARED_SEED_FILE.exists() else [])]


@pytest.fixture(params=SEED_FILES, ids=lambda path: str(path.parent.name))
def seed(request):
    return read_seed(request.param)


def test_plan_record_names_its_period_and_the_bodies_it_reports_to(okayama_plan, seed):
    assert okayama_plan.municipality == "岡山市"
    assert (okayama_plan.first_fiscal_year, okayama_plan.last_fiscal_year) == (2021, 2025)
    assert okayama_plan.baseline_fiscal_year == 2020
    assert okayama_plan.reporting_body_list == ["岡山市協働推進委員会", "協働推進本部会議"]
    assert okayama_plan.progress_management == seed.progress_management
    assert "岡山市協働推進委員会" in seed.progress_management


def test_every_policy_with_its_bullets(okayama_plan, seed):
    policies = list(okayama_plan.policies.order_by("number"))
    assert [(p.number, p.title) for p in policies] == [(p.number, p.title) for p in seed.policies]
    for policy, expected in zip(policies, seed.policies, strict=True):
        assert policy.bullet_list == expected.bullets
    assert len(policies) == 3
    assert [len(p.bullets) for p in seed.policies] == [1, 4, 2]


def test_every_indicator_with_baseline_target_unit_and_notes(okayama_plan, seed):
    for policy, expected in zip(
        okayama_plan.policies.order_by("number"), seed.policies, strict=True
    ):
        indicators = list(policy.indicators.order_by("position"))
        assert len(indicators) == len(expected.indicators)
        for indicator, row in zip(indicators, expected.indicators, strict=True):
            assert indicator.name == row.name
            assert indicator.baseline_value == row.baseline
            assert indicator.target_value == row.target
            assert (indicator.baseline_year, indicator.target_year) == (
                row.baseline_year,
                row.target_year,
            )
            assert indicator.unit == (row.baseline_unit or row.target_unit)
            assert indicator.baseline_note == row.baseline_note
            assert indicator.target_note == row.target_note
            # The note under the target says how the target is counted.
            if "累計" in row.target_note:
                assert indicator.aggregation == Indicator.Aggregation.CUMULATIVE
            elif "平均" in row.target_note:
                assert indicator.aggregation == Indicator.Aggregation.AVERAGE
            else:
                assert indicator.aggregation == Indicator.Aggregation.LEVEL
            assert indicator.direction == Indicator.Direction.INCREASE


def test_indicator_figures_as_printed_in_the_plan(okayama_plan):
    by_name = {i.name: i for i in Indicator.objects.filter(policy__plan=okayama_plan)}
    assert len(by_name) == 7
    consultations = by_name["ESD・市民協働推進センターの相談者数"]
    assert (consultations.baseline_value, consultations.target_value) == (778, 4000)
    assert consultations.target_note == "累計数"
    rate = by_name["市民協働推進事業の目標達成率"]
    assert rate.baseline_note == "平成28年度から令和元年度の平均"
    assert rate.target_note == "5年平均"
    assert by_name["SNSのフォロワー数"].baseline_note == "12月末"
    assert by_name["地域活動への市民の参加割合"].baseline_value == Decimal("45.3")
    page_views = by_name["市民協働に関する市ホームページの閲覧数"]
    assert (page_views.baseline_value, page_views.target_value) == (118848, 768000)
    assert page_views.unit == ""  # the plan prints these figures without a unit


def test_every_measure_with_its_description(okayama_plan, seed):
    measures = [m for p in okayama_plan.policies.order_by("number") for m in p.measures.all()]
    expected = [m for p in seed.policies for m in p.measures]
    assert [(m.code, m.title) for m in measures] == [
        (f"{m.policy_number}-{m.number}", m.title) for m in expected
    ]
    for measure, row in zip(measures, expected, strict=True):
        assert measure.description == row.description
    assert str(measures[1]) == "1-2 若者の人材育成"


def test_every_project_row_as_the_plan_prints_it(okayama_plan, seed):
    measures = [m for p in okayama_plan.policies.order_by("number") for m in p.measures.all()]
    expected = [m for p in seed.policies for m in p.measures]
    for measure, row in zip(measures, expected, strict=True):
        printed = [
            ("、".join(p.name for p in projects), summary)
            for projects, summary in measure.project_rows()
        ]
        assert printed == row.rows, measure.code


def test_projects_listed_under_two_measures(okayama_plan):
    assert Project.objects.filter(plan=okayama_plan).count() == 28
    assert MeasureProject.objects.filter(project__plan=okayama_plan).count() == 30
    shared = {
        project.name: sorted(m.code for m in project.measures.all())
        for project in Project.objects.filter(plan=okayama_plan)
        if project.measures.count() > 1
    }
    assert shared == {
        "市民協働推進事業": ["2-1", "2-3"],
        "市民協働推進ニーズ調査事業": ["2-1", "2-3"],
    }
    project = Project.objects.get(plan=okayama_plan, name="市民協働推進事業")
    assert project.summary.startswith("市と市民活動団体等の協働によって")
    link = project.measure_links.get(measure__number=3)
    assert (
        link.summary
        == "協働の実践の場として、市民協働推進事業、市民協働推進ニーズ調査事業を行います。"
    )


def test_plan_page_shows_the_whole_plan_text(client, okayama_plan, seed):
    response = client.get(reverse("plans:plan_detail", args=[okayama_plan.code]))
    assert response.status_code == 200
    html = response.content.decode()
    for policy in seed.policies:
        assert f"基本方針{policy.number} {policy.title}" in html
        for bullet in policy.bullets:
            assert bullet in html
        for indicator in policy.indicators:
            assert indicator.name in html
        for measure in policy.measures:
            assert f"基本施策{measure.policy_number}-{measure.number} {measure.title}" in html
            for name, summary in measure.rows:
                assert name in html
                assert summary in html
    assert "4,000人" in html
    assert "45.3%" in html
    assert "118,848" in html


def test_plan_list_links_to_the_plan(client, okayama_plan):
    response = client.get(reverse("plans:plan_list"))
    assert response.status_code == 200
    assert reverse("plans:plan_detail", args=[okayama_plan.code]) in response.content.decode()
    assert "2021年度〜2025年度" in response.content.decode()

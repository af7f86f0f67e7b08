"""The achievement of a whole plan read from the database: the numbers a committee member sees."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from indicators.achievement import Aggregation, Direction, Grade
from indicators.models import Indicator
from plans.models import EntryStatus
from plans.reports.evaluation import plan_evaluation
from projects.models import Project, ProjectProgress
from tests.factories import (
    BasicPolicyFactory,
    IndicatorFactory,
    IndicatorResultFactory,
    MeasureFactory,
    MeasureProjectFactory,
    PlanFactory,
    ProjectProgressFactory,
)

pytestmark = pytest.mark.django_db

# FY2024 is year 4 of 5: expected pace 0.8, grade C from 0.6 × 0.8 = 0.48.
EXPECTED_2024 = {
    # level: (48.0 − 45.3) ÷ (50.8 − 45.3)
    "地域活動への市民の参加割合": (Decimal("2.7") / Decimal("5.5"), Grade.C, False),
    # level: (18.8 − 20.1) ÷ (25.1 − 20.1), below the baseline
    "若者(20歳代)の地域活動への参加割合": (Decimal("-1.3") / Decimal("5"), Grade.D, True),
    # average: mean 81 → (81 − 74) ÷ (80 − 74)
    "市民協働推進事業の目標達成率": (Decimal("7") / Decimal("6"), Grade.A, False),
    # cumulative: (820 + 790 + 900 + 760) ÷ 4000
    "ESD・市民協働推進センターの相談者数": (Decimal("3270") / Decimal("4000"), Grade.B, False),
    # level: (55 − 40) ÷ (65 − 40)
    "企業・NPO法人等が参加した安全・安心ネットワーク数": (
        Decimal("15") / Decimal("25"),
        Grade.C,
        False,
    ),
    # level: (1620 − 880) ÷ (1500 − 880)
    "SNSのフォロワー数": (Decimal("740") / Decimal("620"), Grade.A, False),
    # cumulative, 2023 missing: (120000 + 125000 + 130000) ÷ 768000
    "市民協働に関する市ホームページの閲覧数": (
        Decimal("375000") / Decimal("768000"),
        Grade.C,
        False,
    ),
}


def achievements_by_name(evaluation):
    return {
        item.indicator.name: item.achievement
        for policy in evaluation.policies
        for item in policy.indicators
    }


def test_the_seven_seed_indicators_in_fy2024(seed_results):
    evaluation = plan_evaluation(seed_results, 2024)
    achievements = achievements_by_name(evaluation)
    assert achievements.keys() == EXPECTED_2024.keys()
    for name, (progress, grade, regressed) in EXPECTED_2024.items():
        achievement = achievements[name]
        assert achievement.progress == progress, name
        assert achievement.grade is grade, name
        assert achievement.regressed is regressed, name
    page_views = achievements["市民協働に関する市ホームページの閲覧数"]
    assert page_views.years_missing == (2023,)
    participation = achievements["地域活動への市民の参加割合"]
    assert participation.years_not_measured == (2023,)
    assert participation.ratio == Decimal("48.0") / Decimal("50.8")


def test_plan_and_policy_rollups(seed_results):
    evaluation = plan_evaluation(seed_results, 2024)
    counts = evaluation.rollup.counts
    assert (counts[Grade.A], counts[Grade.B], counts[Grade.C], counts[Grade.D]) == (2, 1, 3, 1)
    assert counts[Grade.NONE] == 0
    assert evaluation.rollup.regressed == 1
    capped = [min(max(p, Decimal(0)), Decimal(1)) for p, _, _ in EXPECTED_2024.values()]
    assert evaluation.rollup.mean_progress == sum(capped) / 7
    policy_2 = evaluation.policies[1]
    assert policy_2.policy.number == 2
    assert [item.achievement.grade for item in policy_2.indicators] == [Grade.A, Grade.B, Grade.C]


def test_a_year_before_any_value_is_not_evaluable_and_never_zero(okayama_plan):
    evaluation = plan_evaluation(okayama_plan, 2021)
    assert evaluation.rollup.counts[Grade.NONE] == 7
    assert evaluation.rollup.evaluated == 0
    assert evaluation.rollup.mean_progress is None


def test_only_approved_values_count_unless_asked(seed_results):
    indicator = Indicator.objects.get(name="若者(20歳代)の地域活動への参加割合")
    IndicatorResultFactory(
        indicator=indicator, fiscal_year=2023, value=Decimal("30"), status=EntryStatus.SUBMITTED
    )
    approved = achievements_by_name(plan_evaluation(seed_results, 2023))
    assert approved[indicator.name].current_value == Decimal("19.0")
    everything = achievements_by_name(plan_evaluation(seed_results, 2023, approved_only=False))
    assert everything[indicator.name].current_value == Decimal("30")
    assert everything[indicator.name].grade is Grade.A


def test_values_after_the_evaluated_year_are_not_used(seed_results):
    achievements = achievements_by_name(plan_evaluation(seed_results, 2022))
    consultations = achievements["ESD・市民協働推進センターの相談者数"]
    assert consultations.current_value == 820 + 790
    assert consultations.years_used == (2021, 2022)


def test_grade_thresholds_come_from_the_plan(seed_results):
    name = "地域活動への市民の参加割合"  # progress 0.49 at expected pace 0.8
    assert achievements_by_name(plan_evaluation(seed_results, 2024))[name].grade is Grade.C
    seed_results.grade_b_ratio = Decimal("0.6")
    seed_results.grade_c_ratio = Decimal("0.3")
    seed_results.save()
    assert achievements_by_name(plan_evaluation(seed_results, 2024))[name].grade is Grade.B
    seed_results.grade_c_ratio = Decimal("0.7")
    seed_results.grade_b_ratio = Decimal("0.6")
    with pytest.raises(IntegrityError), transaction.atomic():
        seed_results.save()


def test_project_grades_count_each_project_once(okayama_plan):
    shared = Project.objects.get(plan=okayama_plan, name="市民協働推進事業")
    ProjectProgressFactory(project=shared, fiscal_year=2024, grade="B", status=EntryStatus.APPROVED)
    forum = Project.objects.get(plan=okayama_plan, name="フォーラムの開催")
    ProjectProgressFactory(project=forum, fiscal_year=2024, grade="D", status=EntryStatus.SUBMITTED)

    evaluation = plan_evaluation(okayama_plan, 2024)

    policy_2 = evaluation.policies[1]
    measure_2_1, _, measure_2_3 = policy_2.measures
    assert measure_2_1.project_grades[Grade.B] == 1
    assert measure_2_3.project_grades[Grade.B] == 1
    assert policy_2.project_grades[Grade.B] == 1  # listed under 2-1 and 2-3, counted once
    assert policy_2.project_grades[Grade.NONE] == 10  # the submitted D does not count yet
    assert sum(evaluation.project_grades.values()) == 28
    assert [p.project.name for p in measure_2_3.projects][2:] == [
        "市民協働推進事業",
        "市民協働推進ニーズ調査事業",
    ]


def make_plan(indicators_per_policy, policies=2, projects_per_measure=2):
    plan = PlanFactory()
    for number in range(1, policies + 1):
        policy = BasicPolicyFactory(plan=plan, number=number)
        for position in range(1, indicators_per_policy + 1):
            indicator = IndicatorFactory(policy=policy, position=position)
            for year in (2021, 2022):
                IndicatorResultFactory(
                    indicator=indicator, fiscal_year=year, status=EntryStatus.APPROVED
                )
        measure = MeasureFactory(policy=policy, number=1)
        for _ in range(projects_per_measure):
            link = MeasureProjectFactory(measure=measure)
            ProjectProgressFactory(
                project=link.project, fiscal_year=2022, grade="A", status=EntryStatus.APPROVED
            )
    return plan


def count_queries(plan):
    with CaptureQueriesContext(connection) as queries:
        evaluation = plan_evaluation(plan, 2022)
    return len(queries), evaluation


def test_query_count_does_not_grow_with_the_plan():
    small, small_evaluation = count_queries(make_plan(1, policies=1, projects_per_measure=1))
    large, large_evaluation = count_queries(make_plan(150, policies=2, projects_per_measure=20))
    assert large_evaluation.rollup.total == 300
    assert sum(large_evaluation.project_grades.values()) == 40
    assert small_evaluation.rollup.total == 1
    # policies, indicators, results, measures, rows, progress, assessments, and the revisions
    # of indicators and projects and the yearly targets (見直し, 年度目標)
    assert large == small == 10


def test_model_choices_and_the_pure_module_use_the_same_strings():
    assert set(Indicator.Aggregation.values) == {kind.value for kind in Aggregation}
    assert set(Indicator.Direction.values) == {direction.value for direction in Direction}
    assert set(ProjectProgress.Grade.values) == {"A", "B", "C", "D"}
    assert all(Grade(letter).label in label for letter, label in ProjectProgress.Grade.choices)

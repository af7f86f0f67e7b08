"""The database itself refuses impossible data, whatever code writes it (CI: PostgreSQL)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from indicators.models import Indicator, IndicatorResult
from plans.models import BasicPolicy, Plan
from projects.models import Project, ProjectProgress
from tests.factories import (
    BasicPolicyFactory,
    IndicatorFactory,
    IndicatorResultFactory,
    MeasureFactory,
    MeasureProjectFactory,
    PlanFactory,
    ProjectFactory,
    ProjectProgressFactory,
)

pytestmark = pytest.mark.django_db


def refused(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_one_result_per_indicator_and_year():
    result = IndicatorResultFactory(fiscal_year=2022)
    refused(lambda: IndicatorResultFactory(indicator=result.indicator, fiscal_year=2022))
    IndicatorResultFactory(indicator=result.indicator, fiscal_year=2023)
    assert result.indicator.results.count() == 2


def test_one_progress_record_per_project_and_year():
    progress = ProjectProgressFactory(fiscal_year=2022)
    refused(lambda: ProjectProgressFactory(project=progress.project, fiscal_year=2022))


def test_not_measured_result_has_no_value():
    refused(lambda: IndicatorResultFactory(not_measured=True, value=Decimal("1")))
    result = IndicatorResultFactory(not_measured=True, value=None)
    assert result.value is None


@pytest.mark.parametrize("year", [1899, 3000])
def test_fiscal_year_out_of_range_is_refused(year):
    refused(lambda: IndicatorResultFactory(fiscal_year=year))


def test_target_year_after_baseline_year():
    refused(lambda: IndicatorFactory(baseline_year=2020, target_year=2020))


def test_cumulative_indicator_must_be_increase_with_positive_target():
    refused(
        lambda: IndicatorFactory(
            aggregation=Indicator.Aggregation.CUMULATIVE, direction=Indicator.Direction.DECREASE
        )
    )
    refused(
        lambda: IndicatorFactory(
            aggregation=Indicator.Aggregation.CUMULATIVE, target_value=Decimal("0")
        )
    )


def test_decrease_level_indicator_is_fine():
    indicator = IndicatorFactory(
        direction=Indicator.Direction.DECREASE,
        baseline_value=Decimal("100"),
        target_value=Decimal("0"),
    )
    assert indicator.pk


def test_plan_period_and_baseline_year():
    refused(lambda: PlanFactory(first_fiscal_year=2025, last_fiscal_year=2021))
    refused(lambda: PlanFactory(baseline_fiscal_year=2021, first_fiscal_year=2021))


def test_plan_codes_are_unique():
    PlanFactory(code="kyodo")
    refused(lambda: PlanFactory(code="kyodo"))


def test_codes_are_unique_within_a_plan_not_across_plans():
    policy = BasicPolicyFactory(number=1)
    refused(lambda: BasicPolicyFactory(plan=policy.plan, number=1))
    assert BasicPolicyFactory(number=1).plan != policy.plan

    measure = MeasureFactory(policy=policy, number=1)
    refused(lambda: MeasureFactory(policy=policy, number=1))
    other_plan_measure = MeasureFactory(policy__number=1, number=1)
    assert other_plan_measure.code == measure.code == "1-1"


def test_project_names_and_codes_are_unique_within_a_plan():
    project = ProjectFactory(name="区づくり推進事業", code="P-001")
    refused(lambda: ProjectFactory(plan=project.plan, name="区づくり推進事業"))
    refused(lambda: ProjectFactory(plan=project.plan, code="P-001"))
    # Projects without a code are many; the same name and code may recur in another plan.
    ProjectFactory(plan=project.plan, code="")
    ProjectFactory(plan=project.plan, code="")
    ProjectFactory(name="区づくり推進事業", code="P-001")
    assert Project.objects.filter(name="区づくり推進事業", code="P-001").count() == 2


def test_a_project_is_listed_once_per_measure():
    link = MeasureProjectFactory()
    refused(lambda: MeasureProjectFactory(measure=link.measure, project=link.project))


def test_amounts_are_not_negative():
    refused(lambda: ProjectProgressFactory(budget_amount=Decimal("-1")))
    refused(lambda: ProjectProgressFactory(settlement_amount=Decimal("-5")))


def test_unknown_status_is_refused():
    refused(lambda: IndicatorResultFactory(status="published"))
    refused(lambda: PlanFactory(status="unknown"))


def test_deleting_a_plan_deletes_its_structure_and_results(okayama_plan):
    result = IndicatorResultFactory()
    plan = result.indicator.policy.plan
    plan_pk, others = plan.pk, BasicPolicy.objects.filter(plan=okayama_plan).count()
    plan.delete()
    assert not IndicatorResult.objects.filter(pk=result.pk).exists()
    assert not BasicPolicy.objects.filter(plan_id=plan_pk).exists()
    assert BasicPolicy.objects.filter(plan=okayama_plan).count() == others > 0


def test_validation_messages_are_in_japanese():
    indicator = IndicatorFactory()
    duplicate = IndicatorResult(indicator=indicator, fiscal_year=2021, value=Decimal("1"))
    IndicatorResultFactory(indicator=indicator, fiscal_year=2021)
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "この成果指標のこの年度の実績はすでにあります。" in str(error.value)

    bad_plan = Plan(
        code="x",
        title="x",
        municipality="x",
        first_fiscal_year=2021,
        last_fiscal_year=2025,
        baseline_fiscal_year=2022,
    )
    with pytest.raises(ValidationError) as error:
        bad_plan.full_clean()
    assert "基準年度は計画期間の初年度より前にしてください。" in str(error.value)


def test_result_year_must_lie_in_the_plan_period():
    result = IndicatorResultFactory.build(indicator=IndicatorFactory(), fiscal_year=2030)
    with pytest.raises(ValidationError) as error:
        result.full_clean()
    assert "計画期間(2021年度〜2025年度)" in str(error.value)


def test_progress_record_year_must_lie_in_the_plan_period():
    progress = ProjectProgress(project=ProjectFactory(), fiscal_year=2019)
    with pytest.raises(ValidationError, match="計画期間"):
        progress.full_clean()


def test_a_measure_cannot_list_another_plans_project():
    link = MeasureProjectFactory.build(measure=MeasureFactory(), project=ProjectFactory())
    with pytest.raises(ValidationError, match="別の計画の基本施策には掲載できません"):
        link.full_clean()

"""The achievement arithmetic fed from the database, a whole plan at a time.

`plan_evaluation()` reads a plan's indicators, results, measures, projects and progress records
in a fixed number of queries, whatever the size of the plan, and hands plain values to
`indicators.achievement`, which alone does the arithmetic.
"""

from collections import defaultdict
from dataclasses import dataclass

from indicators.achievement import Achievement, Grade, Rollup, count_grades, evaluate, rollup
from indicators.models import Indicator, IndicatorResult
from plans.models import BasicPolicy, Measure, Plan
from projects.models import MeasureProject, ProjectProgress


def result_values(results):
    """Results as `evaluate()` takes them: year -> value, or None where it was not measured.

    A result with neither a value nor the not-measured mark (a draft holding only an analysis)
    gives no value for its year.
    """
    values = {}
    for result in results:
        if result.not_measured:
            values[result.fiscal_year] = None
        elif result.value is not None:
            values[result.fiscal_year] = result.value
    return values


def indicator_achievement(indicator, plan, fiscal_year, results):
    """The achievement of one indicator for a fiscal year, from the results given."""
    return evaluate(
        aggregation=indicator.aggregation,
        direction=indicator.direction,
        baseline=indicator.baseline_value,
        target=indicator.target_value,
        first_year=plan.first_fiscal_year,
        last_year=plan.last_fiscal_year,
        fiscal_year=fiscal_year,
        values=result_values(results),
        thresholds=plan.thresholds,
    )


@dataclass(frozen=True)
class IndicatorEvaluation:
    indicator: Indicator
    results: tuple  # the results that count, oldest first
    achievement: Achievement


@dataclass(frozen=True)
class ProjectEvaluation:
    link: MeasureProject
    progress: ProjectProgress | None  # the fiscal year's record, if it counts

    @property
    def project(self):
        return self.link.project

    @property
    def grade(self):
        return Grade(self.progress.grade) if self.progress and self.progress.grade else Grade.NONE


@dataclass(frozen=True)
class MeasureEvaluation:
    measure: Measure
    projects: tuple  # ProjectEvaluation, in the order the plan lists them
    project_grades: dict


@dataclass(frozen=True)
class PolicyEvaluation:
    policy: BasicPolicy
    indicators: tuple  # IndicatorEvaluation
    measures: tuple  # MeasureEvaluation
    rollup: Rollup  # of the indicators
    project_grades: dict  # each project once, even when listed under two measures


@dataclass(frozen=True)
class PlanEvaluation:
    plan: Plan
    fiscal_year: int
    approved_only: bool
    policies: tuple
    rollup: Rollup
    project_grades: dict


ENTRY_FIELDS = ("fiscal_year", "status", "is_demo")
RESULT_FIELDS = ("indicator", "value", "not_measured", "analysis", *ENTRY_FIELDS)
PROGRESS_FIELDS = (
    "project",
    "activities",
    "grade",
    "issues",
    "outlook",
    "budget_amount",
    "settlement_amount",
    *ENTRY_FIELDS,
)
LINK_FIELDS = ("measure", "position", "project__name", "project__department__name")


def plan_evaluation(plan, fiscal_year, *, approved_only=True):
    """Evaluate every indicator and project of `plan` for `fiscal_year`.

    With `approved_only` (committee pages, reports) only approved results and progress records
    count; without it every entered value does (a staff member's preview).
    """
    # Only the fields the pages, reports and open data show: a plan has thousands of these rows.
    counted_results = IndicatorResult.objects.in_plan(plan).up_to(fiscal_year).only(*RESULT_FIELDS)
    counted_progress = (
        ProjectProgress.objects.in_plan(plan).for_year(fiscal_year).only(*PROGRESS_FIELDS)
    )
    if approved_only:
        counted_results, counted_progress = counted_results.approved(), counted_progress.approved()
    policies = list(plan.policies.all())
    indicators = Indicator.objects.filter(policy__plan=plan).select_related("department")
    results = defaultdict(list)
    for result in counted_results:
        results[result.indicator_id].append(result)
    measures = Measure.objects.filter(policy__plan=plan)
    links = (
        MeasureProject.objects.filter(measure__policy__plan=plan)
        .select_related("project__department")
        .only(*LINK_FIELDS)
    )
    progress = {record.project_id: record for record in counted_progress}

    indicators_by_policy = defaultdict(list)
    for indicator in indicators:
        indicator_results = tuple(results[indicator.pk])
        achievement = indicator_achievement(indicator, plan, fiscal_year, indicator_results)
        indicators_by_policy[indicator.policy_id].append(
            IndicatorEvaluation(indicator, indicator_results, achievement)
        )
    links_by_measure = defaultdict(list)
    for link in links:
        links_by_measure[link.measure_id].append(link)
    measures_by_policy = defaultdict(list)
    for measure in measures:
        projects = tuple(
            ProjectEvaluation(link, progress.get(link.project_id))
            for link in links_by_measure[measure.pk]
        )
        measures_by_policy[measure.policy_id].append(
            MeasureEvaluation(measure, projects, _project_grades(projects))
        )

    policy_evaluations = []
    for policy in policies:
        policy_indicators = tuple(indicators_by_policy[policy.pk])
        policy_measures = tuple(measures_by_policy[policy.pk])
        policy_evaluations.append(
            PolicyEvaluation(
                policy=policy,
                indicators=policy_indicators,
                measures=policy_measures,
                rollup=rollup(item.achievement for item in policy_indicators),
                project_grades=_project_grades(
                    project for measure in policy_measures for project in measure.projects
                ),
            )
        )
    return PlanEvaluation(
        plan=plan,
        fiscal_year=fiscal_year,
        approved_only=approved_only,
        policies=tuple(policy_evaluations),
        rollup=rollup(item.achievement for p in policy_evaluations for item in p.indicators),
        project_grades=_project_grades(
            project
            for policy in policy_evaluations
            for measure in policy.measures
            for project in measure.projects
        ),
    )


def _project_grades(project_evaluations):
    """Count each project's grade once; a project without a counted record is 評価不能."""
    grades = {item.link.project_id: item.grade for item in project_evaluations}
    return count_grades(grades.values())

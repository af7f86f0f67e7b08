"""The achievement arithmetic fed from the database, a whole plan at a time.

`plan_evaluation()` reads a plan's indicators, results, measures (with their assessments),
projects and progress records in a fixed number of queries, whatever the size of the plan, and
hands plain values to `indicators.achievement`, which alone does the arithmetic. Indicators,
results, projects, progress records and assessments come as named tuples of the fields shown
(`IndicatorRow`, ...), not model instances: a large plan has about 9,000 of them, the first
view after a change builds them all.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from indicators.achievement import (
    Achievement,
    Grade,
    Rollup,
    basis_note,
    count_grades,
    evaluate,
    rollup,
)
from indicators.models import Aggregation, Indicator, IndicatorResult
from plans.models import BasicPolicy, Measure, MeasureAssessment, Plan
from projects.models import MeasureProject, Outlook, ProjectProgress


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


def indicator_achievement(indicator, plan, fiscal_year, results, thresholds=None):
    """The achievement of one indicator for a fiscal year, from the results given
    (`thresholds`: the plan's, when the caller has them already)."""
    return evaluate(
        aggregation=indicator.aggregation,
        direction=indicator.direction,
        baseline=indicator.baseline_value,
        target=indicator.target_value,
        first_year=plan.first_fiscal_year,
        last_year=plan.last_fiscal_year,
        fiscal_year=fiscal_year,
        values=result_values(results),
        thresholds=thresholds or plan.thresholds,
    )


class IndicatorRow(NamedTuple):
    """The fields of an indicator that the pages, reports and open data show."""

    pk: int
    policy_id: int
    name: str
    unit: str
    aggregation: str
    direction: str
    baseline_value: Decimal
    baseline_year: int
    target_value: Decimal
    target_year: int
    decimal_places: int

    def get_aggregation_display(self):
        return Aggregation(self.aggregation).label


class ResultRow(NamedTuple):
    """A result that counts."""

    indicator_id: int
    fiscal_year: int
    value: Decimal | None
    not_measured: bool
    analysis: str
    is_demo: bool


class ProjectRow(NamedTuple):
    pk: int
    name: str
    department: str | None  # its name


class ProgressRow(NamedTuple):
    """A progress record of a project that counts (of the fiscal year or an earlier one)."""

    project_id: int
    fiscal_year: int
    activities: str
    grade: str
    issues: str
    outlook: str
    budget_amount: Decimal | None
    settlement_amount: Decimal | None
    is_demo: bool


class AssessmentRow(NamedTuple):
    """A measure's assessment for the fiscal year, if it counts."""

    measure_id: int
    assessment: str
    direction: str
    is_demo: bool


@dataclass(frozen=True)
class IndicatorEvaluation:
    indicator: IndicatorRow
    results: tuple  # ResultRow, oldest first
    achievement: Achievement


class ProjectEvaluation(NamedTuple):
    """A project for a year: that year's record, and the grade of the latest graded one.

    Like an indicator's, a project's grade for a year rests on the latest counted record with a
    grade up to that year; `grade_year` is that record's year (None when there is none: 評価不能).
    """

    project: ProjectRow
    progress: ProgressRow | None  # the fiscal year's own counted record
    grade: Grade  # NONE without a counted graded record up to the year
    outlook: str | None  # the record's 今後の方向性 as shown ("" if not given); None without one
    grade_year: int | None
    fiscal_year: int
    graded: ProgressRow | None  # the record the grade rests on (the year's own, or earlier)
    records: tuple = ()  # every counted record up to the year, oldest first (the open data)

    @property
    def basis_note(self):
        """「2024年度の値による」 when the grade rests on an earlier year's record, else ""."""
        return basis_note(self.grade_year, self.fiscal_year)


@dataclass(frozen=True)
class MeasureEvaluation:
    measure: Measure
    projects: tuple  # ProjectEvaluation, in the order the plan lists them
    project_grades: dict
    assessment: AssessmentRow | None = None  # the year's 施策の評価, if it counts


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


# Rows read as tuples (values_list), not model instances: a large plan has thousands of them,
# and building a model instance costs about twenty times as much as a tuple.
INDICATOR_FIELDS = IndicatorRow._fields
RESULT_FIELDS = ResultRow._fields
PROGRESS_FIELDS = ProgressRow._fields
ASSESSMENT_FIELDS = AssessmentRow._fields
LINK_FIELDS = ("measure_id", "project_id", "project__name", "project__department__name")


def plan_evaluation(plan, fiscal_year, *, approved_only=True, policies=None):
    """Evaluate every indicator and project of `plan` for `fiscal_year`.

    With `approved_only` (committee pages, reports) only approved results and progress records
    count; without it every entered value does (a staff member's preview). With `policies`
    (the plan's BasicPolicy instances, in order) only those are read and evaluated, in as many
    queries as the whole plan less one; the totals then cover those policies only.
    """
    # Sorted only where the order shows, and by numbers: the models' default orderings sort by
    # the plan's code and the projects' names, text that PostgreSQL collates slowly.
    counted_results = IndicatorResult.objects.in_plan(plan).up_to(fiscal_year)
    counted_progress = ProjectProgress.objects.in_plan(plan).up_to(fiscal_year)
    assessments = MeasureAssessment.objects.in_plan(plan).for_year(fiscal_year).order_by()
    if approved_only:
        counted_results, counted_progress = counted_results.approved(), counted_progress.approved()
        assessments = assessments.approved()
    indicators = Indicator.objects.filter(policy__plan=plan)
    measures = Measure.objects.filter(policy__plan=plan)
    links = MeasureProject.objects.filter(measure__policy__plan=plan)
    if policies is None:
        policies = list(plan.policies.all())
    else:
        counted_results = counted_results.filter(indicator__policy__in=policies)
        shown_projects = MeasureProject.objects.filter(measure__policy__in=policies)
        counted_progress = counted_progress.filter(project__in=shown_projects.values("project_id"))
        indicators = indicators.filter(policy__in=policies)
        measures = measures.filter(policy__in=policies)
        links = links.filter(measure__policy__in=policies)
        assessments = assessments.filter(measure__policy__in=policies)
    indicators = indicators.order_by("position", "pk").values_list(*INDICATOR_FIELDS)
    results = defaultdict(list)
    for result in map(ResultRow._make, counted_results.values_list(*RESULT_FIELDS)):
        results[result.indicator_id].append(result)
    measures = measures.order_by("number")  # within each policy
    links = links.order_by("position", "pk").values_list(*LINK_FIELDS)  # within each measure
    progress = {}  # the fiscal year's record of each project
    graded = {}  # the latest record with a grade of each project, up to the fiscal year
    records = defaultdict(list)  # every record of each project, oldest first
    for record in map(ProgressRow._make, counted_progress.values_list(*PROGRESS_FIELDS)):
        records[record.project_id].append(record)
        if record.fiscal_year == fiscal_year:
            progress[record.project_id] = record
        if record.grade:  # oldest first, so the latest stays
            graded[record.project_id] = record

    assessments = {
        row.measure_id: row
        for row in map(AssessmentRow._make, assessments.values_list(*ASSESSMENT_FIELDS))
    }

    indicators_by_policy = defaultdict(list)
    thresholds = plan.thresholds
    for indicator in map(IndicatorRow._make, indicators):
        indicator_results = tuple(results[indicator.pk])
        achievement = indicator_achievement(
            indicator, plan, fiscal_year, indicator_results, thresholds
        )
        indicators_by_policy[indicator.policy_id].append(
            IndicatorEvaluation(indicator, indicator_results, achievement)
        )
    projects = {}  # one row per project, however many measures list it
    links_by_measure = defaultdict(list)
    for measure_id, project_id, name, department in links:
        project = projects.get(project_id) or projects.setdefault(
            project_id,
            _project_evaluation(
                ProjectRow(project_id, name, department), fiscal_year, progress, graded, records
            ),
        )
        links_by_measure[measure_id].append(project)
    measures_by_policy = defaultdict(list)
    for measure in measures:
        measure_projects = tuple(links_by_measure[measure.pk])
        measures_by_policy[measure.policy_id].append(
            MeasureEvaluation(
                measure,
                measure_projects,
                _project_grades(measure_projects),
                assessments.get(measure.pk),
            )
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


# By their stored values: looked up for each of a plan's thousands of projects, where calling
# the enumeration costs several times a dictionary's lookup.
GRADES = {grade.value: grade for grade in Grade}
OUTLOOK_LABELS = {outlook.value: outlook.label for outlook in Outlook}


def _project_evaluation(project, fiscal_year, progress, graded, records):
    record = progress.get(project.pk)
    graded_record = graded.get(project.pk)
    grade = GRADES[graded_record.grade] if graded_record else Grade.NONE
    grade_year = graded_record.fiscal_year if graded_record else None
    outlook = None
    if record is not None:
        outlook = OUTLOOK_LABELS[record.outlook] if record.outlook else ""
    return ProjectEvaluation(
        project,
        record,
        grade,
        outlook,
        grade_year,
        fiscal_year,
        graded_record,
        tuple(records[project.pk]),
    )


def _project_grades(project_evaluations):
    """Count each project's grade once; a project without a counted record is 評価不能."""
    grades = {item.project.pk: item.grade for item in project_evaluations}
    return count_grades(grades.values())

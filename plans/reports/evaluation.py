"""The achievement arithmetic fed from the database, a whole plan at a time.

`plan_evaluation()` reads a plan's indicators, results, measures (with their assessments),
projects and progress records in a fixed number of queries, whatever the size of the plan, and
hands plain values to `indicators.achievement`, which alone does the arithmetic. Indicators,
results, projects, progress records and assessments come as named tuples of the fields shown
(`IndicatorRow`, ...), not model instances: a large plan has about 9,000 of them, the first
view after a change builds them all.
"""

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from indicators.achievement import (
    Achievement,
    Grade,
    Revision,
    Rollup,
    basis_note,
    count_grades,
    evaluate,
    revision_note,
    rollup,
    terms_in_force,
)
from indicators.models import (
    SHOWN_FIELDS,
    Aggregation,
    Indicator,
    IndicatorResult,
    IndicatorRevision,
    IndicatorYearTarget,
)
from plans.dates import as_of_label
from plans.models import BasicPolicy, Measure, MeasureAssessment, Plan
from plans.revisions import RevisionKind, is_active
from projects.models import MeasureProject, Outlook, ProjectProgress, ProjectRevision


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


def indicator_achievement(
    indicator, plan, fiscal_year, results, *, revisions=None, yearly_targets=None, thresholds=None
):
    """The achievement of one indicator for a fiscal year, from the results given, under its
    revisions (見直し) and yearly targets (年度目標): those given, or an Indicator's own (read
    through `revisions.all()` and `yearly_targets.all()`, so a prefetch serves them);
    `thresholds`: the plan's, when the caller has them already."""
    if revisions is None:
        revisions = indicator.terms_revisions()
    if yearly_targets is None:
        yearly_targets = indicator.yearly_target_map()
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
        revisions=revisions,
        yearly_targets=yearly_targets,
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
    """A result that counts (as shown: IndicatorResultQuerySet.counted)."""

    indicator_id: int
    fiscal_year: int
    value: Decimal | None
    not_measured: bool
    analysis: str
    is_demo: bool
    is_interim: bool
    as_of: date | None

    @property
    def interim_label(self):
        """「速報値(2025年12月末時点)」 for a 速報値, "" for a 確定値."""
        return f"速報値({as_of_label(self.as_of)})" if self.is_interim else ""


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


def interim_basis(results, achievement):
    """「速報値(2025年12月末時点)による」 when the grade rests on a 速報値 (for a cumulative or
    average indicator, when a value it adds up is one: the latest such), else ""."""
    used = set(achievement.years_used)
    interim = [r for r in results if r.fiscal_year in used and r.is_interim]
    return f"{interim[-1].interim_label}による" if interim else ""


class RevisionRow(NamedTuple):
    """A revision (見直し) of an indicator, as evaluate() and the pages take it."""

    indicator_id: int
    kind: str
    from_year: int
    name: str
    unit: str
    baseline_value: Decimal | None
    target_value: Decimal | None
    reason: str
    decided_by: str
    decided_on: object  # a date


@dataclass(frozen=True)
class IndicatorEvaluation:
    indicator: IndicatorRow  # with the name, unit, baseline and target in force (見直し)
    results: tuple  # ResultRow, oldest first
    achievement: Achievement
    original: IndicatorRow | None = None  # as the plan printed it
    revisions: tuple = ()  # RevisionRow, oldest first
    yearly_targets: Mapping[int, Decimal] = field(default_factory=dict)

    def terms_of(self, fiscal_year):
        """The baseline and target in force in a year (`achievement.Terms`)."""
        original = self.original or self.indicator
        return terms_in_force(
            baseline=original.baseline_value,
            target=original.target_value,
            revisions=_terms_revisions(self.revisions),
            year=fiscal_year,
        )

    @property
    def revision_note(self):
        """「2024年度から目標値を見直し(旧: 50.8%)」 when a revision bears on the evaluation."""
        return revision_note(self.achievement, self.indicator.decimal_places, self.indicator.unit)

    @property
    def interim_basis(self):
        return interim_basis(self.results, self.achievement)


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

    @property
    def shows_demo(self):
        """Whether the policy shows a value made up by the demo command (a result, a project's
        record or the one its grade rests on, an assessment)."""
        projects = [project for measure in self.measures for project in measure.projects]
        return (
            any(result.is_demo for item in self.indicators for result in item.results)
            or any(
                record.is_demo
                for project in projects
                for record in (project.progress, project.graded)
                if record
            )
            or any(measure.assessment.is_demo for measure in self.measures if measure.assessment)
        )


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
# A counted result's fields as the committee pages show them (IndicatorResultQuerySet.counted).
SHOWN_RESULT_FIELDS = tuple(
    f"shown_{name}" if name in SHOWN_FIELDS else name for name in RESULT_FIELDS
)
PROGRESS_FIELDS = ProgressRow._fields
ASSESSMENT_FIELDS = AssessmentRow._fields
LINK_FIELDS = ("measure_id", "project_id", "project__name", "project__department__name")
REVISION_FIELDS = RevisionRow._fields


def indicator_in_force(indicator, revisions, fiscal_year, achievement):
    """The row as the year shows it: name and unit of the revisions up to the year, and the
    baseline and target the achievement used (those in force in the year its grade rests on)."""
    changes = {"baseline_value": achievement.baseline, "target_value": achievement.target}
    for revision in revisions:
        if revision.kind == RevisionKind.CHANGE and revision.from_year <= fiscal_year:
            changes |= {
                field: getattr(revision, field)
                for field in ("name", "unit")
                if getattr(revision, field)
            }
    return indicator._replace(**changes)


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
    result_fields = RESULT_FIELDS
    if approved_only:
        counted_results, counted_progress = counted_results.counted(), counted_progress.approved()
        assessments = assessments.approved()
        result_fields = SHOWN_RESULT_FIELDS
    indicators = Indicator.objects.filter(policy__plan=plan)
    measures = Measure.objects.filter(policy__plan=plan)
    links = MeasureProject.objects.filter(measure__policy__plan=plan)
    whole_plan = policies is None
    if whole_plan:
        policies = list(plan.policies.all())
    else:
        counted_results = counted_results.filter(indicator__policy__in=policies)
        indicators = indicators.filter(policy__in=policies)
        measures = measures.filter(policy__in=policies)
        links = links.filter(measure__policy__in=policies)
        assessments = assessments.filter(measure__policy__in=policies)
    # The indicators and the measures' project lists read first: their ids, not their queries
    # again as subqueries, select what belongs to them (building those queries cost more
    # than running them).
    indicators = list(
        map(
            IndicatorRow._make,
            indicators.order_by("position", "pk").values_list(*INDICATOR_FIELDS),
        )
    )
    indicator_ids = [indicator.pk for indicator in indicators]
    links = list(links.order_by("position", "pk").values_list(*LINK_FIELDS))  # per measure
    project_ids = {project_id for _, project_id, _, _ in links}
    # The whole plan's by the plan (thousands of ids would make long statements), a few
    # policies' by their items' ids.
    of_indicators = (
        {"indicator__policy__plan": plan} if whole_plan else {"indicator_id__in": indicator_ids}
    )
    of_projects = {"project__plan": plan} if whole_plan else {"project_id__in": project_ids}
    if not whole_plan:
        counted_progress = counted_progress.filter(**of_projects)
    revisions = defaultdict(list)
    revision_rows = IndicatorRevision.objects.filter(**of_indicators)
    for revision in map(
        RevisionRow._make, revision_rows.order_by("from_year", "pk").values_list(*REVISION_FIELDS)
    ):
        revisions[revision.indicator_id].append(revision)
    yearly_targets = defaultdict(dict)
    for indicator_id, year, value in IndicatorYearTarget.objects.filter(
        **of_indicators
    ).values_list("indicator_id", "fiscal_year", "target_value"):
        yearly_targets[indicator_id][year] = value
    project_revisions = defaultdict(list)
    for project_id, kind, from_year in ProjectRevision.objects.filter(**of_projects).values_list(
        "project_id", "kind", "from_year"
    ):
        project_revisions[project_id].append((kind, from_year))
    results = defaultdict(list)
    for result in map(ResultRow._make, counted_results.values_list(*result_fields)):
        results[result.indicator_id].append(result)
    measures = measures.order_by("number")  # within each policy
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
    for indicator in indicators:
        indicator_revisions = revisions[indicator.pk]
        if not is_active([(r.kind, r.from_year) for r in indicator_revisions], fiscal_year):
            continue
        indicator_results = tuple(results[indicator.pk])
        achievement = indicator_achievement(
            indicator,
            plan,
            fiscal_year,
            indicator_results,
            revisions=_terms_revisions(indicator_revisions),
            yearly_targets=yearly_targets[indicator.pk],
            thresholds=thresholds,
        )
        indicators_by_policy[indicator.policy_id].append(
            IndicatorEvaluation(
                indicator_in_force(indicator, indicator_revisions, fiscal_year, achievement),
                indicator_results,
                achievement,
                original=indicator,
                revisions=tuple(indicator_revisions),
                yearly_targets=yearly_targets[indicator.pk],
            )
        )
    projects = {}  # one row per project, however many measures list it
    links_by_measure = defaultdict(list)
    for measure_id, project_id, name, department in links:
        if not is_active(project_revisions[project_id], fiscal_year):
            continue
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


def _terms_revisions(revisions):
    return [
        Revision(r.from_year, r.baseline_value, r.target_value)
        for r in revisions
        if r.kind == RevisionKind.CHANGE
    ]


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


@dataclass(frozen=True)
class YearRevision:
    """A revision taking effect in a year, as the report's 計画の見直し lists it."""

    item_kind: str  # 成果指標 or 事業
    item: str  # the indicator's or project's name as the plan printed it
    policy: str  # 基本方針1, or the measures' codes listing a project
    kind: str  # 変更, 追加, 休止, 廃止, 終了
    changes: str  # what a 変更 changes, as a person reads it ("" otherwise)
    reason: str
    decided_by: str
    decided_on: object  # a date


def year_revisions(plan, fiscal_year):
    """The revisions of `plan` taking effect in the year (見直し), indicators first, in plan
    order. A fixed number of queries."""
    indicator_revisions = (
        IndicatorRevision.objects.filter(indicator__policy__plan=plan, from_year=fiscal_year)
        .select_related("indicator__policy")
        .order_by("indicator__policy__number", "indicator__position", "pk")
    )
    project_revisions = (
        ProjectRevision.objects.filter(project__plan=plan, from_year=fiscal_year)
        .select_related("project")
        .prefetch_related("project__measure_links__measure__policy")
        .order_by("project__code", "project__name", "pk")
    )
    rows = [
        YearRevision(
            "成果指標",
            revision.indicator.name,
            f"基本方針{revision.indicator.policy.number}",
            revision.get_kind_display(),
            revision.changes() if revision.kind == RevisionKind.CHANGE else "",
            revision.reason,
            revision.decided_by,
            revision.decided_on,
        )
        for revision in indicator_revisions
    ]
    rows += [
        YearRevision(
            "事業",
            revision.project.name,
            "、".join(link.measure.code for link in revision.project.measure_links.all()),
            revision.get_kind_display(),
            "",
            revision.reason,
            revision.decided_by,
            revision.decided_on,
        )
        for revision in project_revisions
    ]
    return rows

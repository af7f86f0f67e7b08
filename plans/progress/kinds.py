"""The kinds of yearly entry: an indicator's result, a project's progress, a measure's
assessment (施策の評価) and the city's response to a committee opinion (市の対応).

The workflow, the pages and the permission checks are the same for all; what differs (the
model, the form, what a submission needs, how the review queue shows it) is described here once
per kind. A kind's `slug` is its part of the entry pages' addresses; `review_template` shows a
submitted entry on the review page.
"""

from indicators.models import Indicator, IndicatorResult
from indicators.plausibility import plausibility_warnings
from plans.fiscal_years import format_fiscal_year
from plans.models import CommitteeOpinion, Measure, MeasureAssessment, OpinionResponse
from plans.revisions import is_active, status_note
from projects.models import Project, ProjectProgress


class Kind:
    """What every kind shares: its items are the plan's targets, entered by the department each
    names."""

    def targets_for_year(self, plan, fiscal_year):
        """The items that take an entry for `fiscal_year`."""
        return self.targets(plan, fiscal_year)

    def target_for_year(self, plan, fiscal_year, pk):
        """The item `pk` if it is one of `targets_for_year`, else None."""
        return next(iter(self.targets_for_year(plan, fiscal_year).filter(pk=pk)), None)

    def of_departments(self, targets, departments):
        """Those of `targets` that the departments (ids) enter."""
        return targets.filter(department__in=departments)

    def closed_reason(self, target, fiscal_year):
        """Why nobody may enter this item for the year now, or None: a rule of the kind's own,
        judged by workflow.entry_refusal with the others."""
        return None

    def inactive_reason(self, target, fiscal_year):
        """Why the item takes no entry in the year (not in the plan that year), or None."""
        return None

    # Where a target names its plan: on itself, or on the object this attribute names.
    plan_holder = None

    def _plan_holder(self, target):
        return getattr(target, self.plan_holder) if self.plan_holder else target

    def plan_of(self, target):
        return self._plan_holder(target).plan

    def plan_known(self, target, plan):
        """`target`, holding `plan` (its plan, read already): its checks and its entries'
        validation read the plan from there instead of the database."""
        self._plan_holder(target).plan = plan
        return target


class RevisedKind(Kind):
    """A kind whose items can be added mid-plan or ended (見直し): `targets(plan, fiscal_year)`
    lists only the year's active ones, and no door takes an entry of an inactive one."""

    def active(self, targets, fiscal_year):
        if fiscal_year is None:
            return targets.prefetch_related("revisions")
        return targets.active_in(fiscal_year).prefetch_related("revisions")

    def target_for_year(self, plan, fiscal_year, pk):
        # Read by its id among the plan's, then judged active from its revisions (read with it
        # in any case): the year's filter in SQL cost more to build and plan than the row did
        # to read, on every entry page and every save.
        target = next(iter(self.targets(plan).filter(pk=pk)), None)
        if target is None or self.inactive_reason(target, fiscal_year):
            return None
        return target

    def inactive_reason(self, target, fiscal_year):
        """Why the item takes no entry for the year (added later, or ended), or None."""
        revisions = [(revision.kind, revision.from_year) for revision in target.revisions.all()]
        if is_active(revisions, fiscal_year):
            return None
        return (
            f"「{target}」は{status_note(revisions)}のため、"
            f"{format_fiscal_year(fiscal_year)}の入力はありません(計画の見直し)。"
        )


class RequiredFieldsKind(Kind):
    """A kind whose submission needs its `REQUIRED` fields (name -> label) filled in, and whose
    entries carry no plausibility flags."""

    REQUIRED = {}

    def warnings(self, target, fiscal_year, value, earlier=None):
        return []

    def missing_fields(self, entry):
        return [label for name, label in self.REQUIRED.items() if not getattr(entry, name).strip()]

    def submission_problems(self, entry):
        missing = self.missing_fields(entry)
        if missing:
            return [f"提出するには{'、'.join(missing)}を入力してください。"]
        return []


class IndicatorKind(RevisedKind):
    slug = "indicators"
    label = "成果指標"
    target_model = Indicator
    entry_model = IndicatorResult
    target_field = IndicatorResult.target_field
    template_name = "progress/indicator_entry.html"
    review_template = "progress/review/_indicator.html"
    plan_holder = "policy"

    def targets(self, plan, fiscal_year=None):
        """The plan's indicators (those active in `fiscal_year` when given), in plan order."""
        return self.active(
            Indicator.objects.filter(policy__plan=plan)
            .select_related("policy", "department")
            .order_by("policy__number", "position")
            .prefetch_related("yearly_targets"),
            fiscal_year,
        )

    def target_of(self, result):
        return result.indicator

    def form_class(self):
        from indicators.forms import IndicatorResultForm

        return IndicatorResultForm

    def previous_value(self, indicator, fiscal_year, earlier=None):
        """The latest value entered for an earlier year: (year, value), or (None, None).

        `earlier` is the indicator's results before the year, oldest first, when the caller has
        them already (the review queue reads every indicator's results at once).
        """
        if earlier is None:
            latest = indicator.results.before(fiscal_year).filter(value__isnull=False).last()
        else:
            latest = next(
                (result for result in reversed(earlier) if result.value is not None), None
            )
        return (latest.fiscal_year, latest.value) if latest else (None, None)

    def warnings(self, indicator, fiscal_year, value, earlier=None):
        previous_year, previous = self.previous_value(indicator, fiscal_year, earlier)
        terms = indicator.terms(fiscal_year)  # as revised (見直し) for the year
        return plausibility_warnings(
            value=value,
            previous=previous,
            previous_year=previous_year,
            baseline=terms.baseline,
            target=terms.target,
            aggregation=indicator.aggregation,
            unit=indicator.unit,
            places=indicator.decimal_places,
        )

    def missing_fields(self, result):
        missing = []
        if result.value is None and not result.not_measured:
            missing.append("実績値")
        if not result.analysis.strip():
            missing.append("要因分析")
        return missing

    def submission_problems(self, result):
        if result.value is None and not result.not_measured:
            return ["提出するには、実績値を入力するか「今年度は測定なし」を選んでください。"]
        if result.not_measured and not result.analysis.strip():
            return [
                "「今年度は測定なし」で提出するには、要因分析に測定しなかった理由を書いてください。"
            ]
        warnings = self.warnings(result.indicator, result.fiscal_year, result.value)
        if warnings and not result.analysis.strip():
            return [
                "値が前年度や目標から大きく離れています。提出するには要因分析に理由を書いてください。"
            ]
        return []


class ProjectKind(RevisedKind, RequiredFieldsKind):
    slug = "projects"
    label = "事業"
    target_model = Project
    entry_model = ProjectProgress
    target_field = ProjectProgress.target_field
    template_name = "progress/project_entry.html"
    review_template = "progress/review/_project.html"
    REQUIRED = {"activities": "実施内容・実績", "grade": "自己評価", "outlook": "今後の方向性"}

    def targets(self, plan, fiscal_year=None):
        """The plan's projects (those active in `fiscal_year` when given), in plan order."""
        return self.active(
            Project.objects.filter(plan=plan)
            .select_related("department")
            .with_plan_order()
            .order_by("code", "plan_order", "name"),
            fiscal_year,
        )

    def target_of(self, progress):
        return progress.project

    def form_class(self):
        from projects.forms import ProjectProgressForm

        return ProjectProgressForm


class MeasureKind(RequiredFieldsKind):
    """A measure's yearly assessment: written by the department the measure names, or by the
    plan office when it names none (plans.access.can_enter)."""

    slug = "measures"
    label = "施策の評価"
    target_model = Measure
    entry_model = MeasureAssessment
    target_field = MeasureAssessment.target_field
    template_name = "progress/measure_entry.html"
    review_template = "progress/review/_measure.html"
    plan_holder = "policy"
    REQUIRED = {"assessment": "施策の評価", "direction": "今後の取組方針"}

    def targets(self, plan, fiscal_year=None):
        return (
            Measure.objects.filter(policy__plan=plan)
            .select_related("department")
            .order_by("policy__number", "number")
        )

    def target_of(self, assessment):
        return assessment.measure

    def form_class(self):
        from plans.forms import MeasureAssessmentForm

        return MeasureAssessmentForm


class ResponseKind(RequiredFieldsKind):
    """The city's response (市の対応・対応方針) to an item of the committee's published 意見書:
    written by the plan office (an opinion names no department), approved like any entry. An
    opinion takes a response in its own year only, and only once its 意見書 is published."""

    slug = "responses"
    label = "委員会の意見への市の対応"
    target_model = CommitteeOpinion
    entry_model = OpinionResponse
    target_field = OpinionResponse.target_field
    template_name = "progress/response_entry.html"
    review_template = "progress/review/_response.html"
    REQUIRED = {"response": "市の対応・対応方針"}

    def targets(self, plan, fiscal_year=None):
        opinions = (
            CommitteeOpinion.objects.filter(plan=plan)
            .in_letter()
            .select_related("policy", "measure__policy", "indicator")
        )
        return opinions if fiscal_year is None else opinions.filter(fiscal_year=fiscal_year)

    def targets_for_year(self, plan, fiscal_year):
        # Only a published 意見書's items: nothing to respond to before.
        return self.targets(plan, fiscal_year).published()

    def of_departments(self, targets, departments):
        return targets.none()  # the plan office's

    def closed_reason(self, opinion, fiscal_year):
        if opinion.fiscal_year != fiscal_year:
            return f"この意見は{format_fiscal_year(opinion.fiscal_year)}の意見書のものです。"
        if not CommitteeOpinion.objects.filter(pk=opinion.pk).published().exists():
            return "意見書が公表されるまで、市の対応は入力できません。"
        return None

    def target_of(self, response):
        return response.opinion

    def form_class(self):
        from plans.forms import OpinionResponseForm

        return OpinionResponseForm


INDICATORS = IndicatorKind()
PROJECTS = ProjectKind()
MEASURES = MeasureKind()
RESPONSES = ResponseKind()
KINDS = {kind.slug: kind for kind in (INDICATORS, PROJECTS, MEASURES, RESPONSES)}

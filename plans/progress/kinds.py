"""The two kinds of yearly entry: an indicator's result and a project's progress.

The workflow, the pages and the permission checks are the same for both; what differs (the
model, the form, what a submission needs) is described here once per kind.
"""

from indicators.models import Indicator, IndicatorResult
from indicators.plausibility import plausibility_warnings
from projects.models import Project, ProjectProgress


class IndicatorKind:
    slug = "indicators"
    label = "成果指標"
    target_model = Indicator
    entry_model = IndicatorResult
    target_field = IndicatorResult.target_field
    template_name = "progress/indicator_entry.html"

    def targets(self, plan):
        return (
            Indicator.objects.filter(policy__plan=plan)
            .select_related("policy", "department")
            .order_by("policy__number", "position")
        )

    def plan_of(self, indicator):
        return indicator.policy.plan

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
        return plausibility_warnings(
            value=value,
            previous=previous,
            previous_year=previous_year,
            baseline=indicator.baseline_value,
            target=indicator.target_value,
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


class ProjectKind:
    slug = "projects"
    label = "事業"
    target_model = Project
    entry_model = ProjectProgress
    target_field = ProjectProgress.target_field
    template_name = "progress/project_entry.html"

    def targets(self, plan):
        return (
            Project.objects.filter(plan=plan)
            .select_related("department")
            .with_plan_order()
            .order_by("code", "plan_order", "name")
        )

    def plan_of(self, project):
        return project.plan

    def target_of(self, progress):
        return progress.project

    def form_class(self):
        from projects.forms import ProjectProgressForm

        return ProjectProgressForm

    def warnings(self, project, fiscal_year, value, earlier=None):
        return []

    def missing_fields(self, progress):
        return [
            label
            for label, value in [
                ("実施内容・実績", progress.activities.strip()),
                ("自己評価", progress.grade),
                ("今後の方向性", progress.outlook),
            ]
            if not value
        ]

    def submission_problems(self, progress):
        missing = self.missing_fields(progress)
        if missing:
            return [f"提出するには{'、'.join(missing)}を入力してください。"]
        return []


INDICATORS = IndicatorKind()
PROJECTS = ProjectKind()
KINDS = {kind.slug: kind for kind in (INDICATORS, PROJECTS)}

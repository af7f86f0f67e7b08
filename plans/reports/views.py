"""What committee members read: the plan's achievement for a year, indicator, measure and project
pages, the annual report (print and .xlsx) and the open data. Only approved values count."""

import re

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from indicators.achievement import expected_value, format_number
from indicators.models import Indicator
from plans.downloads import download_response
from plans.fiscal_years import format_fiscal_year
from plans.models import Measure, Plan
from plans.reports.charts import progress_chart
from plans.reports.evaluation import indicator_achievement, plan_evaluation, result_values
from plans.reports.exports import open_data_csv, open_data_json, report_workbook
from plans.views.common import get_plan_for_year, redirect_to_default_year
from projects.models import Project, ProjectProgress


def _page_context(plan, year):
    return {
        "plan": plan,
        "year": year,
        "plans": Plan.objects.all(),
        "is_final_year": year == plan.last_fiscal_year,
    }


def _has_demo(evaluation):
    return any(
        result.is_demo
        for policy in evaluation.policies
        for item in policy.indicators
        for result in item.results
    ) or any(
        project.progress.is_demo
        for policy in evaluation.policies
        for measure in policy.measures
        for project in measure.projects
        if project.progress
    )


PLAN_CODE = re.compile(r"[-a-zA-Z0-9_]{1,50}")


@login_required
def dashboard_default(request):
    code = request.GET.get("plan")
    plan = None
    if code:
        # Only a plan code is looked up (PostgreSQL refuses a NUL in a query).
        plan = Plan.objects.filter(code=code).first() if PLAN_CODE.fullmatch(code) else None
        if plan is None:
            raise Http404("指定された計画はありません。計画の一覧から選んでください。")
    return redirect_to_default_year("plans:overview", plan)


@login_required
def overview(request, code, year):
    plan = get_plan_for_year(code, year)
    evaluation = plan_evaluation(plan, year)
    return render(
        request,
        "reports/overview.html",
        _page_context(plan, year)
        | {
            "evaluation": evaluation,
            "years": range(plan.first_fiscal_year, year + 1),
            "demo": _has_demo(evaluation),
        },
    )


@login_required
def indicator_page(request, code, year, pk):
    plan = get_plan_for_year(code, year)
    indicator = get_object_or_404(
        Indicator.objects.select_related("policy", "department"), pk=pk, policy__plan=plan
    )
    results = list(indicator.results.approved().up_to(year))
    achievement = indicator_achievement(indicator, plan, year, results)
    by_year = {result.fiscal_year: result for result in results}
    rows = [
        {
            "year": fiscal_year,
            "result": by_year.get(fiscal_year),
            "expected": expected_value(
                aggregation=indicator.aggregation,
                baseline=indicator.baseline_value,
                target=indicator.target_value,
                first_year=plan.first_fiscal_year,
                last_year=plan.last_fiscal_year,
                fiscal_year=fiscal_year,
            ),
        }
        for fiscal_year in range(plan.first_fiscal_year, year + 1)
    ]
    chart = progress_chart(
        indicator=indicator,
        first_year=plan.first_fiscal_year,
        last_year=plan.last_fiscal_year,
        values=result_values(results),
    )
    return render(
        request,
        "reports/indicator.html",
        _page_context(plan, year)
        | {
            "indicator": indicator,
            "achievement": achievement,
            "rows": rows,
            "chart": chart,
            "chart_summary": _chart_summary(indicator, rows),
            "demo": any(result.is_demo for result in results),
        },
    )


def _chart_summary(indicator, rows):
    """The chart in one sentence, for screen readers (the table beside it has every number)."""
    places = indicator.decimal_places
    shown = [
        f"{format_fiscal_year(row['year'])} {format_number(row['result'].value, places)}"
        for row in rows
        if row["result"] and row["result"].value is not None
    ]
    baseline = format_number(indicator.baseline_value, indicator.decimal_places)
    target = format_number(indicator.target_value, indicator.decimal_places)
    return (
        f"基準値 {baseline}{indicator.unit}({format_fiscal_year(indicator.baseline_year)})、"
        f"目標値 {target}{indicator.unit}({format_fiscal_year(indicator.target_year)})。"
        + ("実績: " + "、".join(shown) + "。" if shown else "承認済の実績はまだありません。")
    )


@login_required
def measure_page(request, code, year, pk):
    plan = get_plan_for_year(code, year)
    measure = get_object_or_404(Measure, pk=pk, policy__plan=plan)
    links = list(measure.project_links.select_related("project__department"))
    records = ProjectProgress.objects.approved().for_year(year)
    progress = {
        record.project_id: record
        for record in records.for_targets([link.project for link in links])
    }
    rows = [(link, progress.get(link.project_id)) for link in links]
    return render(
        request,
        "reports/measure.html",
        _page_context(plan, year)
        | {
            "measure": measure,
            "rows": rows,
            "demo": any(record.is_demo for record in progress.values()),
        },
    )


@login_required
def project_page(request, code, year, pk):
    plan = get_plan_for_year(code, year)
    project = get_object_or_404(Project.objects.select_related("department"), pk=pk, plan=plan)
    records = list(project.progress_records.approved().up_to(year))
    return render(
        request,
        "reports/project.html",
        _page_context(plan, year)
        | {
            "project": project,
            "links": project.measure_links.select_related("measure__policy"),
            "records": records,
            "demo": any(record.is_demo for record in records),
        },
    )


@login_required
def report_page(request, code, year):
    plan = get_plan_for_year(code, year)
    evaluation = plan_evaluation(plan, year)
    return render(
        request,
        "reports/report.html",
        _page_context(plan, year)
        | {
            "evaluation": evaluation,
            "years": range(plan.first_fiscal_year, year + 1),
            "demo": _has_demo(evaluation),
        },
    )


@login_required
def report_xlsx(request, code, year):
    plan = get_plan_for_year(code, year)
    return download_response(
        report_workbook(plan_evaluation(plan, year)), filename=f"{plan.code}-{year}-report.xlsx"
    )


# Open data is published on purpose: approved values only, no login.
def open_data(request, code, extension):
    plan = get_object_or_404(Plan, code=code)
    evaluation = plan_evaluation(plan, plan.last_fiscal_year)
    if extension == "csv":
        return download_response(
            open_data_csv(evaluation), filename=f"{plan.code}.csv", public=True
        )
    return download_response(
        open_data_json(evaluation), filename=f"{plan.code}.json", inline=True, public=True
    )

"""What committee members read: the plan's achievement for a year, indicator, measure and project
pages, the annual report (print and .xlsx) and the open data. Only approved values count."""

import re
import secrets

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, quote_etag
from django.utils.safestring import mark_safe

from indicators.achievement import basis_note, expected_value, format_number
from indicators.models import Indicator
from plans.dates import format_date
from plans.downloads import PUBLIC, download_response, safe_filename
from plans.fiscal_years import format_fiscal_year
from plans.models import Measure, Plan
from plans.publication import plan_published_version
from plans.reports.charts import chart_svg, progress_chart
from plans.reports.evaluation import indicator_achievement, plan_evaluation, result_values
from plans.reports.exports import (
    REPORT_PART_NAME,
    report_part,
    report_workbook_of_parts,
    report_years,
)
from plans.reports.jinja import render_tables, templates_version
from plans.reports.open_data import OPEN_DATA_FILES, OPEN_DATA_FORMAT, OPEN_DATA_WRITERS
from plans.reports.parts import (
    PARTS_FORMAT,
    cache_get_compressed,
    cache_set_compressed,
    parts_digest,
    parts_summary,
    policy_parts,
)
from plans.views.common import get_plan_for_year, redirect_to_default_year
from projects.models import Project, ProjectProgress


def _page_context(plan, year):
    return {
        "plan": plan,
        "year": year,
        "plans": Plan.objects.all(),
        "is_final_year": year == plan.last_fiscal_year,
    }


def _cached(published, name, year, build):
    """What `build()` returns, built once per published version of the plan and kept in the
    cache (settings.CACHES) until the plan changes. Only what is the same for every viewer is
    kept: a table, a file, a flag; never a page with someone's name or links in it."""
    return cache.get_or_set(f"reports.{name}.{year}.{published.key}", build)


def _cached_compressed(published, name, year, build):
    """`_cached`, kept compressed (`parts.cache_set_compressed`): for the tables' HTML."""
    key = f"reports.{name}.{year}.{published.key}"
    value = cache_get_compressed(key)
    if value is None:
        value = build()
        cache_set_compressed(key, value)
    return value


# Jinja2 templates (jinja_templates/): the overview's tables and the print report's body, a
# summary of the plan rendered for each view and a part per policy kept in the cache.
OVERVIEW_TABLES = ("reports/overview_summary.html", "reports/overview_policy.html")
REPORT_BODY = ("reports/report_cover.html", "reports/report_policy.html")

# The kind of report on the cover; the mid-term evaluation and the final summary are to come.
REPORT_KIND = "年次報告"

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


# Where the cached tables go in the page around them: the page is rendered with this in their
# place and the tables' bytes are put there (`_evaluation_page`). Random per process, so no
# text of the page (a name typed by someone) can be taken for it.
TABLES_PLACE = f"<!--tables-{secrets.token_hex(16)}-->"


def _evaluation_page(request, code, year, template_name, tables_templates):
    """The overview and the print report: the plan's evaluation for the year. Their large
    tables, the same for every viewer, are rendered with Jinja2 (several times faster than
    Django's templates on thousands of rows) and kept in the cache until the plan's published
    version changes; the page around them is rendered for each request. After a change, only
    the changed policies' parts are built anew (`_tables`).

    The tables are kept as the page's UTF-8 bytes and put into the rendered page as they are:
    a large report's megabytes are neither decoded, joined into the template's output, nor
    encoded again on each view."""
    plan = get_plan_for_year(code, year)
    published = plan_published_version(plan)  # read before the policies' versions
    context = _page_context(plan, year) | {
        "years": range(plan.first_fiscal_year, year + 1),
        # The report's date of issue is its data's: the same data always prints the same date.
        "issued_on": format_date(published.changed_at),
        "report_kind": REPORT_KIND,
    }
    # The parts' format too: tables kept by older code (as text) are not read as bytes.
    name = f"{tables_templates[1]}.{templates_version()}.{PARTS_FORMAT}"
    tables, demo = _cached_compressed(
        published, name, year, lambda: _tables(plan, year, name, tables_templates, context)
    )
    response = render(
        request, template_name, context | {"tables": mark_safe(TABLES_PLACE), "demo": demo}
    )
    before, place, after = response.content.partition(TABLES_PLACE.encode())
    if not place:
        raise RuntimeError(f"{template_name} does not show the tables")
    # Escaped as it was rendered (autoescape on, Django's entities).
    response.content = b"".join([before, tables, after])
    return response


def _tables(plan, year, name, tables_templates, context):
    """The tables' HTML (UTF-8 bytes) and whether they show demo data: a part per policy, kept
    in the cache until that policy's published version changes (`parts.policy_parts`), after
    the plan's summary added up from the parts."""
    summary_template, policy_template = tables_templates
    parts = policy_parts(
        plan,
        year,
        name,
        lambda policy: render_tables(
            policy_template, context | {"policy_evaluation": policy}
        ).encode(),
    )
    summary = parts_summary(parts)
    summary_html = render_tables(
        summary_template, context | {"summary": summary, "demo": summary.demo}
    )
    return b"".join([summary_html.encode(), *(part.content for part in parts)]), summary.demo


@login_required
def overview(request, code, year):
    return _evaluation_page(request, code, year, "reports/overview.html", OVERVIEW_TABLES)


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
            "chart_svg": chart_svg(
                chart,
                title=f"{indicator.name}の推移",
                title_id="chart-title",
                description=_chart_summary(indicator, rows),
                description_id="chart-desc",
            ),
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
    records = ProjectProgress.objects.approved().up_to(year)
    progress = {}  # each project's record of the year
    graded = {}  # each project's latest record with a grade up to the year: its grade's basis
    for record in records.for_targets([link.project for link in links]):
        if record.fiscal_year == year:
            progress[record.project_id] = record
        if record.grade:
            graded[record.project_id] = record
    rows = [
        (link, progress.get(link.project_id), *_grade_basis(graded.get(link.project_id), year))
        for link in links
    ]
    assessment = measure.assessments.approved().for_year(year).first()
    return render(
        request,
        "reports/measure.html",
        _page_context(plan, year)
        | {
            "measure": measure,
            "rows": rows,
            "assessment": assessment,
            "demo": any(
                record.is_demo
                for record in [*progress.values(), *graded.values(), assessment]
                if record
            ),
        },
    )


def _grade_basis(graded_record, year):
    """A project's grade for `year` from its latest graded record, and the year it rests on."""
    if graded_record is None:
        return "", ""
    return graded_record.grade, basis_note(graded_record.fiscal_year, year)


@login_required
def project_page(request, code, year, pk):
    plan = get_plan_for_year(code, year)
    project = get_object_or_404(Project.objects.select_related("department"), pk=pk, plan=plan)
    records = list(project.progress_records.approved().up_to(year))
    grade, grade_note = _grade_basis(next((r for r in reversed(records) if r.grade), None), year)
    return render(
        request,
        "reports/project.html",
        _page_context(plan, year)
        | {
            "project": project,
            "grade": grade,
            "grade_note": grade_note,
            "links": project.measure_links.select_related("measure__policy"),
            "records": records,
            "demo": any(record.is_demo for record in records),
        },
    )


@login_required
def report_page(request, code, year):
    return _evaluation_page(request, code, year, "reports/report.html", REPORT_BODY)


@login_required
def report_css(request, code, year):
    """The printed report's running head: a stylesheet giving the plan and year to the page
    margin's `content: var(--report-running-head)` (static/css/portal.css). Paged media has no
    way to take text from the page in Chromium (no string-set), and the Content-Security-Policy
    allows no inline style."""
    plan = get_plan_for_year(code, year)
    running_head = f"{plan.title} {format_fiscal_year(year)} 進捗状況報告書"
    css = f":root {{ --report-running-head: {css_string(running_head)}; }}\n"
    return HttpResponse(css, content_type="text/css; charset=utf-8")


def css_string(text):
    """`text` as a CSS string: quotes, backslashes, angle brackets and control characters
    written as escapes, so that a plan's title cannot end the string or the rule. The space
    after each escape ends it (and is not shown), so a space in the title is kept."""
    escaped = "".join(
        f"\\{ord(char):06x} " if char in '"\\<>' or ord(char) < 0x20 or ord(char) == 0x7F else char
        for char in text
    )
    return f'"{escaped}"'


@login_required
def report_xlsx(request, code, year):
    """The .xlsx report: the file is kept under the digest of the parts it is assembled from
    (`_report_workbook`), and each published version of the plan remembers that key, so a
    repeat view reads two entries and a change that altered no part reuses the file."""
    plan = get_plan_for_year(code, year)
    published = plan_published_version(plan)
    version_key = f"reports.{REPORT_PART_NAME}.file-key.{year}.{published.key}"
    file_key = cache.get(version_key)
    workbook = None if file_key is None else cache.get(file_key)
    if workbook is None:  # a new version, or the file culled from the cache
        file_key, workbook = _report_workbook(plan, year)
        cache.set(version_key, file_key)
    return download_response(
        workbook,
        filename=report_filename(plan, year, "xlsx"),
        fallback=f"{plan.code}-{year}-report.xlsx",
    )


def _report_workbook(plan, year):
    """The .xlsx (its cache key and bytes) from each policy's rows, kept per policy as sheet
    XML: after a change of one policy only that one is evaluated and written, and the file is
    assembled anew; after a change that altered no part (a year's lock) the file assembled
    from the same parts is taken again."""
    years = report_years(plan, year)
    parts = policy_parts(
        plan, year, REPORT_PART_NAME, lambda policy: report_part(policy, year, years)
    )
    file_key = f"reports.{REPORT_PART_NAME}.file.{plan.pk}.{year}.{parts_digest(plan, parts)}"
    workbook = cache.get(file_key)
    if workbook is None:
        workbook = report_workbook_of_parts(plan, year, [part.content for part in parts])
        cache.set(file_key, workbook)
    return file_key, workbook


def report_filename(plan, year, extension):
    """The report's file name as an office files it, for any of its formats:
    「岡山市協働推進計画_2024年度_進捗状況報告書.xlsx」."""
    return safe_filename(f"{plan.title}_{format_fiscal_year(year)}_進捗状況報告書.{extension}")


# Open data is published on purpose: approved values only, no login.
def open_data(request, code, kind):
    """The file, or 304 Not Modified to a client that has this published version already
    (If-None-Match with its ETag, or If-Modified-Since the last change)."""
    plan = get_object_or_404(Plan, code=code)
    published = plan_published_version(plan)
    changed_at = int(published.changed_at.timestamp())
    validators = {"ETag": quote_etag(published.key), "Last-Modified": http_date(changed_at)}
    response = get_conditional_response(request, etag=validators["ETag"], last_modified=changed_at)
    if response is None:
        year = plan.last_fiscal_year
        write, filename = OPEN_DATA_WRITERS[kind]
        content = _cached(
            published,
            f"open-{kind}-{OPEN_DATA_FORMAT}",
            year,
            lambda: write(plan_evaluation(plan, year)),
        )
        response = download_response(
            content, filename=filename.format(code=plan.code), inline=kind == "json", public=True
        )
    elif response.status_code == 304:
        response["Cache-Control"] = PUBLIC
    for header, value in validators.items():
        response[header] = value
    return response


def open_data_dictionary(request):
    """The data dictionary (データ定義): every column of every open-data file, public."""
    return render(request, "reports/open_data_dictionary.html", {"files": OPEN_DATA_FILES})

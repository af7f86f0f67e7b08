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

from indicators.achievement import basis_note, expected_value, format_number, terms_in_force
from indicators.models import Indicator
from plans.dates import format_date
from plans.downloads import PUBLIC, download_response, safe_filename
from plans.fiscal_years import format_fiscal_year
from plans.models import Measure, Plan
from plans.publication import plan_published_version
from plans.reports.charts import chart_svg, progress_chart
from plans.reports.evaluation import (
    indicator_achievement,
    interim_basis,
    plan_evaluation,
    result_values,
    year_revisions,
)
from plans.reports.open_data import OPEN_DATA_FILES, OPEN_DATA_WRITERS
from plans.reports.opinions import committee_view, letter_rows, public_letter, published_letter
from plans.reports.pages import (
    evaluation_context,
    evaluation_tables,
    open_data_content,
    page_context,
    report_xlsx_file,
    version_key,
    year_revisions_kept,
)
from plans.reports.series import earlier_parts, successors
from plans.reports.word import WORD_FORMAT, WordReport
from plans.reports.word import report_docx as word_report_docx
from plans.revisions import status_note
from plans.views.common import get_plan_for_year, redirect_to_default_year
from projects.models import Project, ProjectProgress

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


def _evaluation_page(request, code, year, template_name, page, committee, extra=None):
    """The overview and the print report: the plan's evaluation for the year. Their large
    tables, the same for every viewer, come from the cache (`pages.evaluation_tables`); the page
    around them is rendered for each request, and the tables' bytes are put into it as they are:
    a large report's megabytes are neither decoded, joined into the template's output, nor
    encoded again on each view."""
    plan = get_plan_for_year(code, year)
    published = plan_published_version(plan)  # read before the policies' versions
    context = evaluation_context(plan, year, published)
    tables, demo = evaluation_tables(plan, year, page, published=published, context=context)
    # The committee's opinions are rendered for each request: what one sees depends on who
    # reads (plans/reports/opinions.py).
    context |= committee(request.user, plan, year) | (extra(plan, year, published) if extra else {})
    response = render(
        request, template_name, context | {"tables": mark_safe(TABLES_PLACE), "demo": demo}
    )
    before, place, after = response.content.partition(TABLES_PLACE.encode())
    if not place:
        raise RuntimeError(f"{template_name} does not show the tables")
    # Escaped as it was rendered (autoescape on, Django's entities).
    response.content = b"".join([before, tables, after])
    return response


def _opinions_seen(user, plan, year):
    """The year's opinions as this reader may see them (a member: the shared ones too)."""
    view = committee_view(user, plan, year)
    return {"view": view, "opinion_rows": view.rows}


def _opinions_published(user, plan, year):
    """The published 意見書 with the approved responses: what the report prints for everyone."""
    letter = published_letter(plan, year)
    return {"opinion_letter": letter, "letter_rows": letter_rows(plan, year, letter)}


@login_required
def overview(request, code, year):
    return _evaluation_page(
        request, code, year, "reports/overview.html", "overview", _opinions_seen
    )


@login_required
def indicator_page(request, code, year, pk):
    plan = get_plan_for_year(code, year)
    indicator = get_object_or_404(
        Indicator.objects.select_related("policy", "department").prefetch_related(
            "revisions", "yearly_targets"
        ),
        pk=pk,
        policy__plan=plan,
    )
    results = indicator.results.up_to(year).counted_as_shown()
    achievement = indicator_achievement(indicator, plan, year, results)
    revisions = indicator.terms_revisions()
    yearly_targets = indicator.yearly_target_map()
    by_year = {result.fiscal_year: result for result in results}
    rows = []
    for fiscal_year in range(plan.first_fiscal_year, year + 1):
        terms = terms_in_force(
            baseline=indicator.baseline_value,
            target=indicator.target_value,
            revisions=revisions,
            year=fiscal_year,
        )
        expected = expected_value(
            aggregation=indicator.aggregation,
            baseline=terms.baseline,
            target=terms.target,
            first_year=plan.first_fiscal_year,
            last_year=plan.last_fiscal_year,
            fiscal_year=fiscal_year,
            yearly_targets=yearly_targets,
        )
        rows.append(
            {
                "year": fiscal_year,
                "result": by_year.get(fiscal_year),
                "expected": expected,
                "yearly_target": fiscal_year in yearly_targets,
            }
        )
    earlier = earlier_parts(indicator)
    status = status_note([(item.kind, item.from_year) for item in indicator.revisions.all()])
    history = indicator.revisions.all()
    # Shown as the year has it (name, unit, and the baseline and target the grade used).
    indicator = indicator.in_force(year)
    indicator.baseline_value, indicator.target_value = achievement.baseline, achievement.target
    chart = progress_chart(
        indicator=indicator,
        first_year=plan.first_fiscal_year,
        last_year=plan.last_fiscal_year,
        values=result_values(results),
        earlier=[part.span for part in earlier],
        yearly_targets=yearly_targets,
    )
    return render(
        request,
        "reports/indicator.html",
        page_context(plan, year)
        | {
            "indicator": indicator,
            "achievement": achievement,
            "rows": rows,
            "chart": chart,
            "chart_svg": chart_svg(
                chart,
                title=f"{indicator.name}の推移",
                title_id="chart-title",
                description=_earlier_summary(earlier) + _chart_summary(indicator, rows),
                description_id="chart-desc",
                period_label=plan.period_label,
            ),
            "demo": any(result.is_demo for result in results),
            "earlier": earlier,
            "successors": successors(indicator),
            "interim_basis": interim_basis(results, achievement),
            "revisions": history,
            "status_note": status,
            "has_yearly_targets": bool(yearly_targets),
        }
        | _opinions_about(request.user, plan, year, indicator=indicator),
    )


def _chart_summary(indicator, rows):
    """The chart in one sentence, for screen readers (the table beside it has every number)."""
    places = indicator.decimal_places
    shown = [
        f"{format_fiscal_year(row['year'])} {format_number(row['result'].value, places)}"
        + (f"({row['result'].interim_label})" if row["result"].is_interim else "")
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


def _earlier_summary(earlier):
    """The earlier plans' part of the chart in words, before this plan's (screen readers)."""
    sentences = []
    for part in earlier:
        places, unit = part.indicator.decimal_places, part.indicator.unit
        shown = "、".join(
            f"{format_fiscal_year(result.fiscal_year)} {format_number(result.value, places)}"
            for result in part.results
            if result.value is not None
        )
        sentences.append(
            f"前の計画({part.plan.period_label}): 基準値 "
            f"{format_number(part.indicator.baseline_value, places)}{unit}、"
            + (f"実績: {shown}、" if shown else "")
            + f"目標値 {format_number(part.indicator.target_value, places)}{unit}"
            f"({format_fiscal_year(part.indicator.target_year)})。"
        )
    return "".join(sentences) + ("この計画: " if sentences else "")


@login_required
def measure_page(request, code, year, pk):
    plan = get_plan_for_year(code, year)
    measure = get_object_or_404(Measure, pk=pk, policy__plan=plan)
    # The projects active in the year (見直し: added later or ended by then are left out).
    links = list(
        measure.project_links.filter(project__in=Project.objects.active_in(year)).select_related(
            "project__department"
        )
    )
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
        page_context(plan, year)
        | {
            "measure": measure,
            "rows": rows,
            "assessment": assessment,
            "demo": any(
                record.is_demo
                for record in [*progress.values(), *graded.values(), assessment]
                if record
            ),
        }
        | _opinions_about(request.user, plan, year, measure=measure),
    )


def _opinions_about(user, plan, year, *, indicator=None, measure=None):
    """The opinions about one indicator or measure that this reader may see."""
    view = committee_view(user, plan, year)
    rows = view.about_indicator(indicator) if indicator else view.about_measure(measure)
    return {"view": view, "opinion_rows": rows}


def _grade_basis(graded_record, year):
    """A project's grade for `year` from its latest graded record, and the year it rests on."""
    if graded_record is None:
        return "", ""
    return graded_record.grade, basis_note(graded_record.fiscal_year, year)


@login_required
def project_page(request, code, year, pk):
    plan = get_plan_for_year(code, year)
    project = get_object_or_404(
        Project.objects.select_related("department").prefetch_related("revisions"),
        pk=pk,
        plan=plan,
    )
    records = list(project.progress_records.approved().up_to(year))
    grade, grade_note = _grade_basis(next((r for r in reversed(records) if r.grade), None), year)
    return render(
        request,
        "reports/project.html",
        page_context(plan, year)
        | {
            "project": project,
            "grade": grade,
            "grade_note": grade_note,
            "links": project.measure_links.select_related("measure__policy"),
            "records": records,
            "revisions": project.revisions.all(),
            "demo": any(record.is_demo for record in records),
        },
    )


@login_required
def report_page(request, code, year):
    return _evaluation_page(
        request,
        code,
        year,
        "reports/report.html",
        "report",
        _opinions_published,
        extra=lambda plan, year, published: {
            "year_revisions": year_revisions_kept(plan, year, published)
        },
    )


@login_required
def report_css(request, code, year):
    """The printed report's running head: a stylesheet giving the plan and year to the page
    margin's `content: var(--report-running-head)` (static/css/portal.css). Paged media has no
    way to take text from the page in Chromium (no string-set), and the Content-Security-Policy
    allows no inline style."""
    plan = get_plan_for_year(code, year)
    css = f":root {{ --report-running-head: {css_string(plan.report_title(year))}; }}\n"
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
    plan = get_plan_for_year(code, year)
    return download_response(
        report_xlsx_file(plan, year),
        filename=report_filename(plan, year, "xlsx"),
        fallback=f"{plan.code}-{year}-report.xlsx",
    )


# Published on purpose once the year's report is (the year locked): no login.
def public_opinions(request, code, year):
    """The year's 意見書 and the city's approved responses, for anyone, once the chair has
    published it and the plan office the year's report (plans.reports.opinions.public_letter);
    404 before, as if there were none."""
    plan = get_plan_for_year(code, year)
    letter = public_letter(plan, year)
    if letter is None:
        raise Http404("この年度の委員会の意見は、まだ公表されていません。")
    return render(
        request,
        "reports/public_opinions.html",
        {
            "plan": plan,
            "year": year,
            "opinion_letter": letter,
            "letter_rows": letter_rows(plan, year, letter),
        },
    )


def _word_report(plan, year, published):
    letter = published_letter(plan, year)
    return WordReport(
        plan=plan,
        fiscal_year=year,
        issued_on=format_date(published.changed_at),
        evaluation=plan_evaluation(plan, year),
        revisions=tuple(year_revisions(plan, year)),
        opinion_letter=letter,
        letter_rows=tuple(letter_rows(plan, year, letter)),
    )


@login_required
def report_docx(request, code, year):
    """The report as an editable Word document (`reports.word`): who may read the .xlsx may
    read it; built from the whole plan's evaluation once per published version and kind."""
    plan = get_plan_for_year(code, year)
    published = plan_published_version(plan)
    name = f"docx-{WORD_FORMAT}.{plan.report_kind(year).value}"
    document = cache.get_or_set(
        version_key(published, name, year),
        lambda: word_report_docx(_word_report(plan, year, published)),
    )
    return download_response(
        document,
        filename=report_filename(plan, year, "docx"),
        fallback=f"{plan.code}-{year}-report.docx",
    )


def report_filename(plan, year, extension):
    """The report's file name as an office files it, for any of its formats, the kind of report
    included: 「岡山市協働推進計画_2024年度_進捗状況報告書(年次報告).xlsx」."""
    return safe_filename(f"{plan.report_title(year).replace(' ', '_')}.{extension}")


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
        _, filename = OPEN_DATA_WRITERS[kind]
        content = open_data_content(plan, kind, published=published)
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

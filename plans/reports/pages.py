"""The heavy committee pages' content: the overview's and the print report's tables, the .xlsx
report and the open data, kept in the cache per published version of the plan
(plans/publication.py) and built ahead of their next reader after a plan-wide change.

A page's content is built when a reader finds none for the plan's current version: after a
change of one policy that reader builds that policy's part alone (`parts.policy_parts`), a
fraction of the page. After a change of several policies (a plan edited in the admin, a project
list imported, a bulk approval, the plan file loaded) the writer's request, once its transaction
has committed, builds the pages read recently instead (`pages_prebuild`, a hook of
settings.PUBLISHED_CHANGE_HOOKS), so that no reader waits for a whole plan to be evaluated: the
office waits for it, once, at the end of a change it makes a few times a year.

The pages read recently are those built on a reader's request, up to `VIEWED_KEPT` of them per
plan (a page and a year each, the latest first): the year the committee is reading, not every
year of every plan.
"""

import logging

from django.core.cache import cache

from plans.dates import format_date
from plans.models import Plan
from plans.publication import plan_published_version
from plans.reports.evaluation import plan_evaluation, year_revisions
from plans.reports.exports import (
    REPORT_PART_NAME,
    report_has_period,
    report_part,
    report_workbook_of_parts,
    report_years,
)
from plans.reports.jinja import render_tables, templates_version
from plans.reports.open_data import OPEN_DATA_FORMAT, OPEN_DATA_WRITERS
from plans.reports.opinions import (
    letter_digest,
    letter_rows,
    letter_shows_demo,
    opinions_sheet,
    published_letter,
)
from plans.reports.parts import (
    PARTS_FORMAT,
    cache_get_compressed,
    cache_set_compressed,
    parts_digest,
    parts_summary,
    policy_parts,
    value_digest,
)
from plans.reports.small_sheets import revisions_sheet

logger = logging.getLogger(__name__)

# Jinja2 templates (jinja_templates/) of the overview's tables and the print report's body: a
# summary of the plan, and a part per policy kept in the cache.
EVALUATION_TABLES = {
    "overview": ("reports/overview_summary.html", "reports/overview_policy.html"),
    "report": ("reports/report_cover.html", "reports/report_policy.html"),
}

VIEWED_KEPT = 6


def page_context(plan, year):
    """What every committee page of a plan's year is rendered with."""
    return {
        "plan": plan,
        "year": year,
        "plans": Plan.objects.all(),
        "is_final_year": year == plan.last_fiscal_year,
    }


def evaluation_context(plan, year, published):
    """The overview's and the print report's context, their tables' included."""
    kind = plan.report_kind(year)
    return page_context(plan, year) | {
        "years": range(plan.first_fiscal_year, year + 1),
        "plan_years": plan.fiscal_years,
        # The report's date of issue is its data's: the same data always prints the same date.
        "issued_on": format_date(published.changed_at),
        "kind": kind,
        "report_kind": kind.label,
        "kind_description": plan.report_kind_description(year),
    }


def version_key(published, name, year):
    """The cache key of what `name` shows of a year for one published version of the plan.
    Only what is the same for every viewer is kept under it: a table, a file, a flag; never a
    page with someone's name or links in it."""
    return f"reports.{name}.{year}.{published.key}"


def evaluation_tables(plan, year, page, *, published=None, context=None):
    """The tables of the overview or the print report (`page`: "overview", "report") as UTF-8
    bytes, and whether they show demo data. Rendered with Jinja2 (several times faster than
    Django's templates on thousands of rows), kept until the plan's published version changes;
    after a change only the changed policies' parts are built anew (`_tables`)."""
    published = published or plan_published_version(plan)  # before the policies' versions
    context = context or evaluation_context(plan, year, published)
    templates = EVALUATION_TABLES[page]
    # The kind is part of the tables' key: setting another mid-term year changes what a year's
    # tables are, whether or not the change bumped the published version. The parts' format
    # too: tables kept by older code (as text) are not read as bytes.
    name = f"{templates[1]}.{context['kind'].value}.{templates_version()}.{PARTS_FORMAT}"
    key = version_key(published, name, year)
    tables = cache_get_compressed(key)
    if tables is None:
        _viewed(plan, page, year)
        tables = _tables(plan, year, name, templates, context)
        cache_set_compressed(key, tables)
    return tables


def _tables(plan, year, name, templates, context):
    """The tables' HTML (UTF-8 bytes) and whether they show demo data: a part per policy, kept
    in the cache until that policy's published version changes (`parts.policy_parts`), after
    the plan's summary added up from the parts."""
    summary_template, policy_template = templates
    parts = policy_parts(
        plan,
        year,
        name,
        lambda policy: render_tables(
            policy_template, context | {"policy_evaluation": policy}
        ).encode(),
    )
    summary = parts_summary(parts)
    # The published 意見書 and its responses, made up by the demo command, count too.
    letter = published_letter(plan, year)
    demo = summary.demo or letter_shows_demo(letter, letter_rows(plan, year, letter))
    summary_html = render_tables(summary_template, context | {"summary": summary, "demo": demo})
    return b"".join([summary_html.encode(), *(part.content for part in parts)]), demo


def report_xlsx_file(plan, year):
    """The .xlsx report's bytes: the file is kept under the digest of the parts it is assembled
    from (`_report_workbook`), and each published version of the plan remembers that key, so a
    repeat view reads two entries and a change that altered no part reuses the file."""
    published = plan_published_version(plan)
    kind = plan.report_kind(year).value  # another mid-term year changes the file's title
    file_key_key = version_key(published, f"{REPORT_PART_NAME}.file-key.{kind}", year)
    file_key = cache.get(file_key_key)
    workbook = None if file_key is None else cache.get(file_key)
    if workbook is None:  # a new version, or the file culled from the cache
        _viewed(plan, "xlsx", year)
        file_key, workbook = _report_workbook(plan, year, f"{REPORT_PART_NAME}.{kind}")
        cache.set(file_key_key, file_key)
    return workbook


def _report_workbook(plan, year, name):
    """The .xlsx (its cache key and bytes) from each policy's rows, kept per policy as sheet
    XML: after a change of one policy only that one is evaluated and written, and the file is
    assembled anew; after a change that altered no part nor the sheets written whole (a year's
    lock) the file assembled from the same parts is taken again."""
    years = report_years(plan, year)
    period = report_has_period(plan, year)
    parts = policy_parts(
        plan, year, name, lambda policy: report_part(policy, year, years, period=period)
    )
    letter = published_letter(plan, year)
    shown = letter_rows(plan, year, letter)
    committee = opinions_sheet(plan, year, letter, shown)
    # 計画の見直し only in a year with revisions (the print report says "none"; a data file
    # leaves the sheet out rather than carry an empty one).
    revisions = year_revisions(plan, year)
    extra = [revisions_sheet(plan, year, revisions)] if revisions else []
    # The sheets written whole are in the file's key with the parts: the same parts with
    # another 意見書 or another revision make another file.
    sheets = value_digest(revisions)
    digest = f"{parts_digest(plan, parts)}.{letter_digest(letter, shown)}.{sheets}"
    file_key = f"reports.{name}.file.{plan.pk}.{year}.{digest}"
    workbook = cache.get(file_key)
    if workbook is None:
        workbook = report_workbook_of_parts(
            plan, year, [part.content for part in parts], extra_sheets=[*extra, committee]
        )
        cache.set(file_key, workbook)
    return file_key, workbook


def year_revisions_kept(plan, year, published):
    """The revisions taking effect in the year (the print report's last table), kept per
    published version: they change only in the admin, the plan file and the next plan's
    set-up, which all bump it."""
    key = version_key(published, "year-revisions", year)
    rows = cache.get(key)
    if rows is None:
        rows = year_revisions(plan, year)
        cache.set(key, rows)
    return rows


def open_data_content(plan, kind, *, published=None):
    """The open data file `kind` ("csv", "json", ...) of the plan's evaluation for its last
    year, kept per published version."""
    published = published or plan_published_version(plan)
    year = plan.last_fiscal_year
    key = version_key(published, f"open-{kind}-{OPEN_DATA_FORMAT}", year)
    # Compressed: a megabyte of text read from the database cache (base64 in its row) cost
    # more than inflating a tenth of it.
    content = cache_get_compressed(key)
    if content is None:
        _viewed(plan, f"open-{kind}", year)
        write, _ = OPEN_DATA_WRITERS[kind]
        content = write(plan_evaluation(plan, year))
        cache_set_compressed(key, content)
    return content


def _viewed_key(plan_pk):
    return f"reports.viewed.{plan_pk}"


def _viewed(plan, page, year):
    """Note that a reader asked for `page` of the year: it is built ahead after a change."""
    kept = cache.get(_viewed_key(plan.pk), [])
    viewed = ([(page, year)] + [seen for seen in kept if seen != (page, year)])[:VIEWED_KEPT]
    if viewed != kept:  # the page read again after each change: written once
        cache.set(_viewed_key(plan.pk), viewed, timeout=None)


def pages_viewed(plan):
    """The pages (name, year) of the plan read recently, the latest first."""
    return cache.get(_viewed_key(plan.pk), [])


def pages_prebuild(plan_pk):
    """Build the plan's pages read recently for its current published version (a hook of
    settings.PUBLISHED_CHANGE_HOOKS, called after the change committed): what the next reader
    would otherwise wait for. A page that fails is logged and left to its reader."""
    plan = Plan.objects.filter(pk=plan_pk).first()
    if plan is None:  # deleted by the change
        return
    for page, year in reversed(pages_viewed(plan)):  # the latest read stays first
        if year not in plan.fiscal_years:
            continue
        try:
            if page in EVALUATION_TABLES:
                evaluation_tables(plan, year, page)
            elif page == "xlsx":
                report_xlsx_file(plan, year)
            elif page.startswith("open-") and page[5:] in OPEN_DATA_WRITERS:
                open_data_content(plan, page[5:])
        except Exception:
            logger.exception("ページの事前作成に失敗しました: %s %s %s", plan.code, page, year)

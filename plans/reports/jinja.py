"""The Jinja2 environment of the large committee tables (jinja_templates/reports/).

The overview's and the print report's tables have thousands of cells: Jinja2 compiles a
template to Python and renders them several times faster than Django's template language.
Everything else stays in Django templates. Autoescaping is on; `render_tables` writes the two
entities that differ as Django writes them (`&quot;`, `&#x27;`), so a table reads the same
whichever engine wrote it.
"""

import hashlib
import re
from decimal import Decimal
from functools import cache

from django.template import engines
from django.template.loader import render_to_string
from jinja2 import Environment, Undefined
from markupsafe import Markup, escape

from plans.reports.charts import (
    GRADE_FILLS,
    GRADE_INKS,
    SMALL,
    chart_svg,
    grade_bars,
    progress_chart,
)
from plans.reports.evaluation import result_values
from plans.templatetags.plan_tags import (
    GRADE_BADGES,
    RowUrl,
    fiscal_year,
    indicator_value,
    percent,
    yearly,
)

# markupsafe's entity -> Django's. Only escaping writes "&#34;" or "&#39;" into a table: the
# same characters typed into a name come out as "&amp;#34;".
DJANGO_ENTITIES = {"&#34;": "&quot;", "&#39;": "&#x27;"}


# A line break and the indentation after it: the templates' own layout, a fifth of a large
# report's bytes, which the cache stores and every view reads and sends. A browser shows a
# line break as a space either way; no table shows preformatted text.
INDENTATION = re.compile(r"\n\s+")


def render_tables(template_name, context):
    """A Jinja2 template of jinja_templates/ as Django's templates would escape it, without the
    templates' indentation."""
    html = INDENTATION.sub("\n", render_to_string(template_name, context, using="jinja2"))
    for entity, django_entity in DJANGO_ENTITIES.items():
        html = html.replace(entity, django_entity)
    return html


@cache
def templates_version():
    """A digest of every Jinja2 template's source, part of the cached parts' key: tables
    rendered by an older template are not shown after a deployment changes it."""
    env = engines["jinja2"].env
    digest = hashlib.sha256()
    for name in sorted(env.list_templates()):
        digest.update(name.encode() + b"\0" + env.loader.get_source(env, name)[0].encode())
    return digest.hexdigest()[:16]


def amount(value):
    """An amount in thousands of yen (a whole number) with separators, or − where there is none:
    what Django's `intcomma` writes, without its per-call localisation."""
    return f"{value:,}" if isinstance(value, int | Decimal) else "−"


def linebreaksbr(value):
    """Django's `linebreaksbr`: the text escaped, each line break as <br>."""
    text = str(escape(value)).replace("\r\n", "\n").replace("\r", "\n")
    return Markup(text.replace("\n", "<br>"))


def join(values, separator):
    return Markup(escape(separator).join(escape(value) for value in values))


def policy_grade_bars(policies):
    """The summary chart of the report: each policy's indicators by grade."""
    return grade_bars([(f"基本方針{policy.number}", policy.rollup.counts) for policy in policies])


def indicator_chart(item, plan):
    """The progress chart of an indicator evaluation (`evaluation.IndicatorEvaluation`)."""
    return progress_chart(
        indicator=item.indicator,
        first_year=plan.first_fiscal_year,
        last_year=plan.last_fiscal_year,
        values=result_values(item.results),
        yearly_targets=item.yearly_targets,
    )


def indicator_chart_svg(item, plan):
    """The print report's small progress chart of an indicator evaluation, as SVG markup."""
    return chart_svg(
        indicator_chart(item, plan),
        title=f"{item.indicator.name}の推移(表と同じ値)",
        title_id=f"report-chart-{item.indicator.pk}",
        style=SMALL,
    )


def environment(**options):
    # A missing attribute (a project without a record) renders empty even with DEBUG on, as in
    # Django's templates, rather than as Jinja2's debugging placeholder.
    options["undefined"] = Undefined
    env = Environment(**options, keep_trailing_newline=True)
    env.filters.update(
        {
            "fiscal_year": fiscal_year,
            "percent": percent,
            "yearly": yearly,
            "linebreaksbr": linebreaksbr,
            "join": join,
        }
    )
    env.globals.update(
        {
            "indicator_value": indicator_value,
            "grade_badges": GRADE_BADGES,
            "row_url": RowUrl,
            "amount": amount,
            "grade_fills": GRADE_FILLS,
            "grade_inks": GRADE_INKS,
            "policy_grade_bars": policy_grade_bars,
            "indicator_chart_svg": indicator_chart_svg,
        }
    )
    return env

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from indicators.achievement import Grade, explain, format_number, format_percent
from plans.access import department_ids, is_plan_admin
from plans.dates import as_of_label, format_date, format_datetime
from plans.fiscal_years import format_fiscal_year
from plans.people import display_name

register = template.Library()


@register.filter
def fiscal_year(year):
    """2021 -> '2021年度' (or '令和3年度(2021年度)' with FISCAL_YEAR_STYLE = 'era')."""
    return format_fiscal_year(year)


@register.filter
def japanese_date(value, form=""):
    """A date as 2026年3月31日; with "short", 3月31日. Empty when there is none (so that
    `default` applies), as with Django's `date` filter."""
    if value in (None, ""):
        return ""
    return format_date(value, with_year=form != "short")


@register.filter
def japanese_datetime(value, form=""):
    """A date-time as 2026年3月31日 14:05 in local time; with "short", 3月31日 14:05."""
    if value in (None, ""):
        return ""
    return format_datetime(value, with_year=form != "short")


@register.simple_tag
def indicator_value(indicator, value):
    """A value of an indicator with its display precision, thousands separators and unit."""
    if value is None:
        return format_number(None, 0)
    return format_number(value, indicator.decimal_places) + indicator.unit


@register.simple_tag
def portal_roles(user):
    """What the navigation offers this user."""
    admin = is_plan_admin(user)
    return {"admin": admin, "enters": admin or bool(department_ids(user))}


STATUS_STYLES = {
    "not_entered": "text-bg-light border",
    "draft": "text-bg-secondary",
    "returned": "text-bg-danger",
    "submitted": "text-bg-primary",
    "approved": "text-bg-success",
}


@register.simple_tag
def status_badge(status, label):
    """A status as a badge; the text says the status, the colour only repeats it."""
    return format_html(
        '<span class="badge {}">{}</span>', STATUS_STYLES.get(status, "text-bg-light"), label
    )


@register.filter
def percent(fraction):
    """0.4909 -> '49%'; None -> '−'."""
    return format_percent(fraction)


GRADE_STYLES = {
    "A": "text-bg-success",
    "B": "text-bg-primary",
    "C": "text-bg-warning",
    "D": "text-bg-danger",
    "-": "text-bg-light border",
}


# Formatted once: the overview shows a badge on each of its thousands of rows.
GRADE_BADGES = {
    grade: format_html(
        '<span class="badge {}">{} {}</span>', GRADE_STYLES[grade.value], grade.symbol, grade.label
    )
    for grade in Grade
}


@register.simple_tag
def grade_badge(grade):
    """A grade as its letter and its name (A 達成); the colour only repeats them."""
    return GRADE_BADGES[grade]


@register.simple_tag
def letter_grade_badge(letter):
    """A grade stored as its letter (a project's self-evaluation, "" when none) as a badge,
    the same as an indicator's: − 評価不能 when there is none."""
    return GRADE_BADGES[Grade(letter or Grade.NONE.value)]


# Stands for the row's pk in a URL reversed once per table; no page links to such an id.
_ROW_PK = 2_147_483_647


class RowUrl:
    """A view's URL around its last argument, a row's pk: what `{% url %}` would give per row."""

    def __init__(self, name, *args):
        self.before, self.after = reverse(name, args=[*args, _ROW_PK]).rsplit(str(_ROW_PK), 1)

    def with_pk(self, pk):
        return f"{self.before}{pk}{self.after}"


@register.simple_tag
def row_url(name, *args):
    """`{% row_url 'plans:indicator' plan.code year as indicator_url %}` before a table, then
    `{{ indicator_url|with_pk:indicator.pk }}` per row: one reverse() for the whole table."""
    return RowUrl(name, *args)


@register.filter
def with_pk(row_url, pk):
    return row_url.with_pk(pk)


class ItemUrls:
    """A view's URLs of the year's items (entries of every kind), one reverse() per kind."""

    def __init__(self, name, *args):
        self.name, self.args, self.by_kind = name, args, {}

    def of(self, item):
        slug = item.kind.slug
        if slug not in self.by_kind:
            self.by_kind[slug] = RowUrl(self.name, *self.args, slug)
        return self.by_kind[slug].with_pk(item.target.pk)


@register.simple_tag
def item_urls(name, *args):
    """`{% item_urls 'plans:entry' plan.code year as entry_url %}` before a list of the year's
    items, then `{{ entry_url|for_item:item }}` per item, whatever its kind."""
    return ItemUrls(name, *args)


@register.filter
def for_item(urls, item):
    return urls.of(item)


@register.simple_tag
def explain_progress(achievement, indicator):
    return explain(achievement, indicator.decimal_places, indicator.unit)


@register.filter
def as_of(value):
    """A 速報値's date as the plan prints it: 2025年12月末時点."""
    return as_of_label(value)


@register.filter
def person(user):
    """A user's name, family name first."""
    return display_name(user)


@register.filter
def yearly(item, years):
    """An indicator evaluation's counted results lined up with `years`, each as `result_value`
    shows it (one filter per row rather than a tag per cell)."""
    by_year = {result.fiscal_year: result for result in item.results}
    return [result_value(item.indicator, by_year.get(year)) for year in years]


@register.simple_tag
def result_value(indicator, result):
    """A year's result as shown in tables: the value, 測定なし, or − when there is none; a
    速報値 says so under it (「速報値(2025年12月末時点)」)."""
    if result is None or (result.value is None and not result.not_measured):
        return format_number(None, 0)
    if result.not_measured:
        return "測定なし"
    shown = format_number(result.value, indicator.decimal_places) + indicator.unit
    if getattr(result, "is_interim", False):
        return format_html('{}<br><span class="interim">{}</span>', shown, result.interim_label)
    return shown


@register.filter
def minutes(duration):
    """A timedelta as whole minutes, rounded up: 30 for a 30-minute lockout."""
    return -(-int(duration.total_seconds()) // 60)


# --- Entry forms ------------------------------------------------------------------------------
# The entry pages' forms in Bootstrap 5's markup, as crispy-forms' bootstrap5 pack writes it
# (the same classes, ids and structure; Django adds aria-invalid and aria-describedby), built in
# Python: crispy's templates, a dozen per field, were two thirds of an entry page's rendering,
# and the entry page is what department staff open most.

_WIDGET_CLASSES = {
    "checkbox": "checkboxinput form-check-input",
    "select": "select form-select",
    "textarea": "textarea form-control",
}


@register.simple_tag
def entry_form_fields(form):
    errors = [*form.non_field_errors()] + [
        error for field in form.hidden_fields() for error in field.errors
    ]
    parts = []
    if errors:
        parts.append(
            format_html(
                '<div class="alert alert-block alert-danger"><ul class="m-0">{}</ul></div>',
                format_html_join("", "<li>{}</li>", ((error,) for error in errors)),
            )
        )
    parts += [str(field) for field in form.hidden_fields()]
    parts += [_entry_field(field) for field in form.visible_fields()]
    return mark_safe("".join(parts))  # each part escaped above


def _entry_field(field):
    widget_type = field.widget_type
    classes = _WIDGET_CLASSES.get(widget_type, "textinput form-control")
    if own := field.field.widget.attrs.get("class"):
        classes = f"{own} {classes}"
    if field.errors:
        classes += " is-invalid"
    widget = field.as_widget(attrs={"class": classes})
    required = mark_safe('<span class="asteriskField">*</span>') if field.field.required else ""
    errors = ""
    if field.errors:
        errors = format_html(
            '<div id="{}_error" class="invalid-feedback">{}</div>',
            field.auto_id,
            format_html_join(
                "",
                '<p id="error_{}_{}"><strong>{}</strong></p>',
                ((number, field.auto_id, error) for number, error in enumerate(field.errors, 1)),
            ),
        )
    help_text = ""
    if field.help_text:
        help_text = format_html(
            '<div id="{}_helptext" class="form-text">{}</div>', field.auto_id, field.help_text
        )
    if widget_type == "checkbox":
        return format_html(
            '<div class="mb-3"><div id="div_{}" class="form-check">{}'
            '<label for="{}" class="form-check-label">{}{}</label>{}{}</div></div>',
            field.auto_id, widget, field.id_for_label, field.label, required, errors, help_text,
        )  # fmt: skip
    return format_html(
        '<div id="div_{}" class="mb-3"><label for="{}" class="form-label">{}{}</label>{}{}{}</div>',
        field.auto_id, field.id_for_label, field.label, required, widget, errors, help_text,
    )  # fmt: skip

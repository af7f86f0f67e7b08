from django import template

from indicators.achievement import format_number
from plans.fiscal_years import format_fiscal_year

register = template.Library()


@register.filter
def fiscal_year(year):
    """2021 -> '2021年度' (or '令和3年度(2021年度)' with FISCAL_YEAR_STYLE = 'era')."""
    return format_fiscal_year(year)


@register.simple_tag
def indicator_value(indicator, value):
    """A value of an indicator with its display precision, thousands separators and unit."""
    if value is None:
        return format_number(None, 0)
    return format_number(value, indicator.decimal_places) + indicator.unit

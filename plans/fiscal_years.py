"""Fiscal years (年度) as Japanese offices write them.

A fiscal year runs from April to March and is stored as the calendar year it starts in. Offices
name it after the era year of that calendar year, the year an era began counting as its first
(元年): FY2019 = 令和元年度, FY1989 = 平成元年度, FY1988 = 昭和63年度.
"""

from django.conf import settings
from django.utils import timezone

# (first fiscal year of the era, era name), newest first.
ERAS = [(2019, "令和"), (1989, "平成"), (1926, "昭和"), (1912, "大正")]


def era_fiscal_year(year):
    """'令和3年度' for 2021; the first year of an era is 元年度."""
    for first_year, era in ERAS:
        if year >= first_year:
            number = year - first_year + 1
            return f"{era}{'元' if number == 1 else number}年度"
    return f"{year}年度"


def format_fiscal_year(year, style=None):
    """A fiscal year as the portal shows it: '2021年度', or '令和3年度(2021年度)' in era style."""
    if year is None:
        return ""
    style = style or getattr(settings, "FISCAL_YEAR_STYLE", "western")
    if style == "era":
        return f"{era_fiscal_year(year)}({year}年度)"
    return f"{year}年度"


def default_entry_year(plan, today=None):
    """The fiscal year staff enter by default: the last one that has ended, within the plan.

    Values of a fiscal year are known after it ends (in November 2026, FY2025 is entered).
    """
    today = today or timezone.localdate()
    current = today.year if today.month >= 4 else today.year - 1
    return min(max(current - 1, plan.first_fiscal_year), plan.last_fiscal_year)

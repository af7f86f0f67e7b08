"""Dates and times as the portal writes them: 2026年3月31日 and 2026年3月31日 14:05.

Pages, mails and messages all call these, so a date reads the same wherever it appears. A
date-time is shown in the local time zone (Asia/Tokyo), as the template `date` filter would.
"""

from datetime import datetime, timedelta

from django.utils import timezone


def _local(value):
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def format_date(value, *, with_year=True):
    """2026年3月31日, or 3月31日 without the year; '' for None."""
    if value is None:
        return ""
    value = _local(value)
    month_day = f"{value.month}月{value.day}日"
    return f"{value.year}年{month_day}" if with_year else month_day


def format_datetime(value, *, with_year=True):
    """2026年3月31日 14:05 (24-hour clock), or 3月31日 14:05 without the year; '' for None."""
    if value is None:
        return ""
    value = _local(value)
    return f"{format_date(value, with_year=with_year)} {value:%H:%M}"


def as_of_label(value):
    """What a 速報値 is measured up to, as the plan prints it: 2025年12月末時点 for the last day
    of a month, else 2025年12月15日時点; '' for None."""
    if value is None:
        return ""
    next_day = value + timedelta(days=1)
    if next_day.month != value.month:
        return f"{value.year}年{value.month}月末時点"
    return f"{format_date(value)}時点"

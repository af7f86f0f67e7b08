"""Dates and times read the same everywhere: 2026年3月31日, 2026年3月31日 14:05 (Japan time)."""

import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils.html import strip_tags
from hypothesis import given
from hypothesis import strategies as st

from indicators.models import Indicator, IndicatorResult
from plans.dates import format_date, format_datetime
from plans.models import EntryStatus, PlanYear
from plans.templatetags.plan_tags import japanese_date, japanese_datetime

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize(
    ("value", "with_year", "expected"),
    [
        (date(2026, 3, 31), True, "2026年3月31日"),
        (date(2026, 3, 31), False, "3月31日"),
        (date(2025, 12, 1), True, "2025年12月1日"),
        # A date-time is read in Japan time: 20:00 UTC is already the next day in Okayama.
        (datetime(2026, 3, 31, 20, 0, tzinfo=UTC), True, "2026年4月1日"),
        (None, True, ""),
    ],
)
def test_format_date(value, with_year, expected):
    assert format_date(value, with_year=with_year) == expected


@pytest.mark.parametrize(
    ("value", "with_year", "expected"),
    [
        (datetime(2026, 3, 31, 5, 5, tzinfo=UTC), True, "2026年3月31日 14:05"),
        (datetime(2026, 3, 31, 5, 5, tzinfo=UTC), False, "3月31日 14:05"),
        (datetime(2026, 3, 31, 20, 0, tzinfo=UTC), True, "2026年4月1日 05:00"),
        (datetime(2026, 1, 2, 9, 7, tzinfo=TOKYO), True, "2026年1月2日 09:07"),
        (None, True, ""),
    ],
)
def test_format_datetime(value, with_year, expected):
    assert format_datetime(value, with_year=with_year) == expected


@given(
    st.datetimes(
        min_value=datetime(1990, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.sampled_from([UTC, TOKYO, timezone(timedelta(hours=-5))]),
    )
)
def test_a_datetime_reads_back_as_the_same_moment_in_japan_time(moment):
    shown = re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日 (\d\d):(\d\d)", format_datetime(moment))
    assert shown, format_datetime(moment)
    read_back = datetime(*map(int, shown.groups()), tzinfo=TOKYO)
    assert read_back == moment.astimezone(TOKYO).replace(second=0, microsecond=0)


@pytest.mark.parametrize("nothing", [None, ""])
def test_filters_leave_nothing_empty_so_that_default_applies(nothing):
    assert japanese_date(nothing) == "" and japanese_datetime(nothing, "short") == ""


def test_filters_short_form_leaves_out_the_year():
    moment = datetime(2026, 3, 31, 5, 5, tzinfo=UTC)
    assert japanese_datetime(moment, "short") == "3月31日 14:05"
    assert japanese_date(moment) == "2026年3月31日"


def visible(response):
    assert response.status_code == 200
    return " ".join(strip_tags(response.content.decode()).split())


@pytest.mark.django_db
def test_pages_and_mails_write_dates_alike(okayama_plan, personas):
    indicator = Indicator.objects.get(name="地域活動への市民の参加割合")
    Indicator.objects.filter(policy=indicator.policy).update(department=personas["department_a"])
    approved_at = datetime(2025, 6, 2, 1, 30, tzinfo=UTC)  # 10:30 in Okayama
    result = IndicatorResult.objects.create(
        indicator=indicator,
        fiscal_year=2024,
        value=Decimal("48.0"),
        status=EntryStatus.APPROVED,
        approved_by=personas["admin"],
        approved_at=approved_at,
    )
    IndicatorResult.objects.filter(pk=result.pk).update(updated_at=approved_at)
    IndicatorResult.history.filter(id=result.pk).update(history_date=approved_at)
    admin = Client()
    admin.force_login(personas["admin"])
    admin.post(
        reverse("plans:year_deadline", args=[okayama_plan.code, 2024]),
        {"entry_deadline": "2025-05-31"},
    )

    entry = visible(
        admin.get(
            reverse("plans:entry", args=[okayama_plan.code, 2024, "indicators", indicator.pk])
        )
    )
    assert "(承認: alice 2025年6月2日)" in entry
    assert "2025年6月2日 10:30 (不明) 作成" in entry  # recorded without a request

    review = visible(
        admin.get(reverse("plans:review", args=[okayama_plan.code, 2024]) + "?status=all")
    )
    assert "地域活動への市民の参加割合 市民協働企画課 承認済 6月2日 10:30" in review
    # The year's history shows the deadline as every other page does, not as 2025-05-31.
    assert "入力期限: (空欄) → 2025年5月31日" in review

    PlanYear.objects.filter(plan=okayama_plan, fiscal_year=2024).update(
        entry_deadline=date(2025, 5, 31)
    )
    personas["staff_a"].email = "bob@city.example.jp"
    personas["staff_a"].save()
    call_command("send_entry_reminders", "--date", "2025-05-26")
    (message,) = mail.outbox
    assert message.subject.endswith("(締切 5月31日)")
    assert "入力期限: 2025年5月31日(あと5日)" in message.body

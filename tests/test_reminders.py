"""Reminder mails before the deadline, to the right people, with the right items."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from indicators.models import Indicator, IndicatorResult
from plans.models import EntryStatus, PlanYear
from projects.models import Project

pytestmark = pytest.mark.django_db
TODAY = date(2025, 5, 26)


@pytest.fixture
def open_year(okayama_plan, personas):
    for policy in okayama_plan.policies.all():
        department = personas["department_b" if policy.number == 2 else "department_a"]
        Indicator.objects.filter(policy=policy).update(department=department)
        Project.objects.filter(measure_links__measure__policy=policy).update(department=department)
    personas["staff_a"].email = "bob@city.example.jp"
    personas["staff_a"].save()
    return PlanYear.objects.create(
        plan=okayama_plan, fiscal_year=2024, entry_deadline=date(2025, 5, 31)
    )


def remind(*args):
    out = io.StringIO()
    call_command("send_entry_reminders", "--date", TODAY.isoformat(), *args, stdout=out)
    return out.getvalue()


def test_staff_get_their_missing_items_before_the_deadline(open_year, personas):
    done = Indicator.objects.get(name="地域活動への市民の参加割合")
    IndicatorResult.objects.create(
        indicator=done, fiscal_year=2024, value=Decimal("48"), status=EntryStatus.SUBMITTED
    )
    output = remind()

    assert "bob: 未提出 20件" in output
    assert "charlie: メールアドレスが登録されていない" in output
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["bob@city.example.jp"]
    assert message.subject == "[協働推進計画] 2024年度の入力のお願い(締切 5月31日)"
    assert "(あと5日)" in message.body
    assert "若者(20歳代)の地域活動への参加割合" in message.body
    assert "地域活動への市民の参加割合」" not in message.body  # submitted already
    assert "フォーラムの開催" not in message.body  # department B's
    assert "/entry/okayama-kyodo-2021/2024/indicators/" in message.body


def test_no_mail_for_a_locked_year_a_passed_deadline_or_a_far_one(open_year):
    open_year.is_locked = True
    open_year.save()
    assert "お知らせする相手はいません" in remind()
    open_year.is_locked = False
    open_year.entry_deadline = date(2025, 5, 25)
    open_year.save()
    remind()
    open_year.entry_deadline = date(2025, 7, 31)
    open_year.save()
    remind()
    assert mail.outbox == []
    remind("--days", "90")
    assert len(mail.outbox) == 1


def test_dry_run_sends_nothing(open_year):
    assert "送信予定" in remind("--dry-run")
    assert mail.outbox == []


def test_bad_date_is_refused_in_japanese():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_entry_reminders", "--date", "5/31")

"""Reminder mails: each department's staff get the items still to be entered before the deadline."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.urls import reverse

from plans.dates import format_date
from plans.fiscal_years import format_fiscal_year
from plans.models import PlanYear
from plans.people import display_name
from plans.progress.entries import year_items


@dataclass
class ReminderReport:
    sent: list = field(default_factory=list)  # (username, number of items)
    without_address: list = field(default_factory=list)  # usernames


def _mail_body(user, plan_year, items, today):
    deadline = plan_year.entry_deadline
    days = (deadline - today).days
    lines = [
        f"{display_name(user)} 様",
        "",
        f"{plan_year.plan.title} の{format_fiscal_year(plan_year.fiscal_year)}の入力について、"
        f"まだ提出されていない項目が{len(items)}件あります。",
        f"入力期限: {format_date(deadline)}" + (f"(あと{days}日)" if days else "(本日)"),
        "",
    ]
    for item in items:
        path = reverse(
            "plans:entry",
            args=[plan_year.plan.code, plan_year.fiscal_year, item.kind.slug, item.target.pk],
        )
        lines += [
            f"・{item.kind.label}「{item.target}」: {item.status_label}"
            + (f"(不足: {'、'.join(item.missing)})" if item.missing else ""),
            f"  {settings.PORTAL_BASE_URL.rstrip('/')}{path}",
        ]
    lines += ["", "このメールは協働推進計画 進捗管理ポータルから自動で送信しています。"]
    return "\n".join(lines)


def entry_reminders_send(*, today, days_ahead, dry_run=False):
    """Mail every staff member whose departments still have items to do in an open year whose
    deadline falls within `days_ahead` days. Locked years and passed deadlines get no mail."""
    report = ReminderReport()
    plan_years = PlanYear.objects.filter(
        is_locked=False,
        entry_deadline__gte=today,
        entry_deadline__lte=today + timedelta(days=days_ahead),
    ).select_related("plan")
    messages = []
    for plan_year in plan_years:
        to_do = defaultdict(list)
        for item in year_items(plan_year.plan, plan_year.fiscal_year):
            if item.to_do and item.target.department is not None:
                to_do[item.target.department].append(item)
        recipients = defaultdict(list)
        for department, items in to_do.items():
            for user in department.members.filter(is_active=True):
                recipients[user].extend(items)
        for user, items in recipients.items():
            if not user.email:
                report.without_address.append(user.get_username())
                continue
            deadline = plan_year.entry_deadline
            subject = (
                f"[協働推進計画] {format_fiscal_year(plan_year.fiscal_year)}の入力のお願い"
                f"(締切 {format_date(deadline, with_year=False)})"
            )
            messages.append(
                EmailMessage(subject, _mail_body(user, plan_year, items, today), to=[user.email])
            )
            report.sent.append((user.get_username(), len(items)))
    if messages and not dry_run:
        get_connection().send_messages(messages)
    return report

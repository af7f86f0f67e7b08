"""Made-up accounts, departments and results for trying the portal locally. Never for production."""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from indicators.models import Indicator, IndicatorResult
from plans.fiscal_years import default_entry_year
from plans.models import Department, EntryStatus, Measure, MeasureAssessment, Plan
from plans.publication import plan_published_version_bump
from plans.roles import (
    ADMINISTRATORS,
    COMMITTEE_CHAIR,
    COMMITTEE_MEMBERS,
    DEPARTMENT_STAFF,
    role_groups_sync,
)
from projects.models import Project, ProjectProgress

DEMO_PASSWORD = "kyodo-demo-2025"
DEMO_DEPARTMENTS = ["市民協働企画課(デモ)", "地域づくり支援課(デモ)"]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    last_name: str
    first_name: str
    role: str
    department: str | None = None


DEMO_ACCOUNTS = [
    DemoAccount("demo-admin", "協働", "花子(デモ)", ADMINISTRATORS),
    DemoAccount("demo-staff-a", "市民", "一郎(デモ)", DEPARTMENT_STAFF, DEMO_DEPARTMENTS[0]),
    DemoAccount("demo-staff-b", "地域", "二郎(デモ)", DEPARTMENT_STAFF, DEMO_DEPARTMENTS[1]),
    DemoAccount("demo-committee", "委員", "三子(デモ)", COMMITTEE_MEMBERS),
    # The committee's chair compiles the 意見書; a second administrator approves what the
    # first writes (four eyes), such as the city's responses to the committee's opinions.
    DemoAccount("demo-chair", "委員長", "四郎(デモ)", COMMITTEE_CHAIR),
    DemoAccount("demo-admin-b", "協働", "五月(デモ)", ADMINISTRATORS),
]


@transaction.atomic
def demo_accounts_create():
    """Create the demo departments and accounts, and hand the plans' unassigned items to them.

    Existing accounts are left as they are (their passwords included). Items are assigned by
    policy: odd-numbered policies to the first demo department, even ones to the second. Items
    that already have a department keep it.
    """
    groups = role_groups_sync()
    departments = [
        Department.objects.get_or_create(name=name, defaults={"is_demo": True})[0]
        for name in DEMO_DEPARTMENTS
    ]
    by_name = {department.name: department for department in departments}
    user_model = get_user_model()
    created = []
    for account in DEMO_ACCOUNTS:
        user, is_new = user_model.objects.get_or_create(
            username=account.username,
            defaults={
                "last_name": account.last_name,
                "first_name": account.first_name,
                # A reserved domain: reminder mails go to the console in development anyway.
                "email": f"{account.username}@example.jp",
                "is_staff": account.role == ADMINISTRATORS,
            },
        )
        if is_new:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            user.groups.add(groups[account.role])
            if account.department:
                by_name[account.department].members.add(user)
            created.append(user)
    for plan in Plan.objects.all():
        for policy in plan.policies.all():
            department = departments[(policy.number + 1) % 2]
            Indicator.objects.filter(policy=policy, department__isnull=True).update(
                department=department
            )
            Project.objects.filter(
                plan=plan, measure_links__measure__policy=policy, department__isnull=True
            ).update(department=department)
    demo_results_create(approver=user_model.objects.get(username="demo-admin"))
    return created


# How far along each demo indicator is by the end of the plan (1 = exactly on the target line),
# cycled over the plan's indicators so that the dashboard shows every grade.
DEMO_PACES = [Decimal(x) for x in ("1.15", "0.45", "0.9", "1.05", "-0.2", "0.75", "0.6")]
DEMO_GRADES = ["A", "B", "B", "C", "B", "D"]
DEMO_OUTLOOKS = ["continue", "expand", "improve", "continue", "reduce"]


def _demo_value(indicator, index, plan, year):
    pace = DEMO_PACES[index % len(DEMO_PACES)]
    elapsed = Decimal(year - plan.first_fiscal_year + 1) / len(plan.fiscal_years)
    if indicator.aggregation == Indicator.Aggregation.CUMULATIVE:
        # A yearly figure such that the running total keeps to `pace` of the target line.
        value = indicator.target_value / len(plan.fiscal_years) * pace
    else:
        span = indicator.target_value - indicator.baseline_value
        value = indicator.baseline_value + span * pace * elapsed
    return value.quantize(Decimal(1).scaleb(-indicator.decimal_places))


@transaction.atomic
def demo_results_create(*, approver):
    """Approved made-up results, project progress and measure assessments for the plan years
    before the one being entered, marked デモ.

    Years that already have an entry are left alone. The 2nd indicator skips one year as "not
    measured" (a survey that does not run every year), so that gaps can be seen.
    """
    for plan in Plan.objects.all():
        years = range(plan.first_fiscal_year, default_entry_year(plan))
        approved = {"status": EntryStatus.APPROVED, "approved_by": approver, "is_demo": True}
        indicators = Indicator.objects.filter(policy__plan=plan).order_by(
            "policy__number", "position"
        )
        for index, indicator in enumerate(indicators):
            for year in years:
                skip = index == 1 and year == plan.first_fiscal_year + 1
                IndicatorResult.objects.get_or_create(
                    indicator=indicator,
                    fiscal_year=year,
                    defaults={
                        "value": None if skip else _demo_value(indicator, index, plan, year),
                        "not_measured": skip,
                        "analysis": "(デモ)調査を隔年で実施するため測定なし。"
                        if skip
                        else f"(デモ){year}年度の取組の結果です。",
                        **approved,
                    },
                )
        for index, project in enumerate(Project.objects.filter(plan=plan).order_by("pk")):
            for year in years:
                budget = Decimal(800 + 150 * (index % 7))
                ProjectProgress.objects.get_or_create(
                    project=project,
                    fiscal_year=year,
                    defaults={
                        "activities": f"(デモ){year}年度は講座・説明会を{3 + index % 4}回開催し、"
                        f"延べ{40 + 7 * index}人が参加した。",
                        "grade": DEMO_GRADES[(index + year) % len(DEMO_GRADES)],
                        "issues": "(デモ)若い世代の参加が少ない。",
                        "outlook": DEMO_OUTLOOKS[index % len(DEMO_OUTLOOKS)],
                        "budget_amount": budget,
                        "settlement_amount": (budget * Decimal("0.94")).quantize(Decimal(1)),
                        **approved,
                    },
                )
        for measure in Measure.objects.filter(policy__plan=plan):
            for year in years:
                MeasureAssessment.objects.get_or_create(
                    measure=measure,
                    fiscal_year=year,
                    defaults={
                        "assessment": f"(デモ){year}年度は主な事業をおおむね計画どおり実施し、"
                        "成果指標も基準値から改善した。",
                        "direction": "(デモ)若い世代や企業の参加を広げる取組を強める。",
                        **approved,
                    },
                )
        plan_published_version_bump(plan=plan)

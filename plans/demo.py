"""Made-up accounts and departments for trying the portal locally. Never for production."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from indicators.models import Indicator
from plans.models import Department, Plan
from plans.roles import ADMINISTRATORS, COMMITTEE_MEMBERS, DEPARTMENT_STAFF, role_groups_sync
from projects.models import Project

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
    return created

from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from indicators.models import Indicator
from plans.models import EntryStatus
from plans.plan_file import plan_load, read_plan_file
from plans.roles import ADMINISTRATORS, COMMITTEE_MEMBERS, DEPARTMENT_STAFF, role_groups_sync
from tests.factories import DepartmentFactory, IndicatorResultFactory, UserFactory

OKAYAMA_PLAN_FILE = Path(settings.BASE_DIR) / "fixtures" / "plans" / "okayama-kyodo-2021.toml"


@pytest.fixture
def okayama_plan(db):
    """The real FY2021–2025 plan, loaded from its data file as `make run` does."""
    return plan_load(data=read_plan_file(OKAYAMA_PLAN_FILE)).plan


@pytest.fixture
def roles(db):
    return role_groups_sync()


@pytest.fixture
def personas(roles):
    """One user per role: the plan office, two departments' staff, a committee member."""
    department_a = DepartmentFactory(name="市民協働企画課")
    department_b = DepartmentFactory(name="地域づくり支援課")
    admin = UserFactory(username="alice", is_staff=True)
    admin.groups.add(roles[ADMINISTRATORS])
    staff_a = UserFactory(username="bob")
    staff_a.groups.add(roles[DEPARTMENT_STAFF])
    department_a.members.add(staff_a)
    staff_b = UserFactory(username="charlie")
    staff_b.groups.add(roles[DEPARTMENT_STAFF])
    department_b.members.add(staff_b)
    committee = UserFactory(username="dave")
    committee.groups.add(roles[COMMITTEE_MEMBERS])
    return {
        "admin": admin,
        "staff_a": staff_a,
        "staff_b": staff_b,
        "committee": committee,
        "department_a": department_a,
        "department_b": department_b,
    }


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Real hashing is slow on purpose; tests only need passwords to work.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


NOT_MEASURED = "not measured"

# Made-up approved values for FY2021–2024 of the seven seed indicators (none for 2023 where absent).
SEED_VALUES = {
    "地域活動への市民の参加割合": {2021: "46.0", 2022: "47.1", 2023: NOT_MEASURED, 2024: "48.0"},
    "若者(20歳代)の地域活動への参加割合": {2021: "19.5", 2022: "19.0", 2024: "18.8"},
    "市民協働推進事業の目標達成率": {2021: "78", 2022: "80", 2023: "82", 2024: "84"},
    "ESD・市民協働推進センターの相談者数": {2021: "820", 2022: "790", 2023: "900", 2024: "760"},
    "企業・NPO法人等が参加した安全・安心ネットワーク数": {
        2021: "42",
        2022: "45",
        2023: "50",
        2024: "55",
    },
    "SNSのフォロワー数": {2021: "1000", 2022: "1200", 2023: "1450", 2024: "1620"},
    "市民協働に関する市ホームページの閲覧数": {2021: "120000", 2022: "125000", 2024: "130000"},
}


@pytest.fixture
def seed_results(okayama_plan):
    indicators = {i.name: i for i in Indicator.objects.filter(policy__plan=okayama_plan)}
    for name, values in SEED_VALUES.items():
        for year, value in values.items():
            IndicatorResultFactory(
                indicator=indicators[name],
                fiscal_year=year,
                value=None if value == NOT_MEASURED else Decimal(value),
                not_measured=value == NOT_MEASURED,
                status=EntryStatus.APPROVED,
            )
    return okayama_plan

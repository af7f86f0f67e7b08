from pathlib import Path

import pytest
from django.conf import settings

from plans.roles import ADMINISTRATORS, COMMITTEE_MEMBERS, DEPARTMENT_STAFF, role_groups_sync
from plans.services import plan_load, read_plan_file
from tests.factories import DepartmentFactory, UserFactory

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

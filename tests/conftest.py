import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection
from hypothesis import settings as hypothesis_settings
from simple_history.models import HistoricalChanges

from indicators.models import Indicator
from plans.models import EntryStatus, Plan
from plans.plan_file import plan_load, read_plan_file
from plans.roles import (
    ADMINISTRATORS,
    COMMITTEE_CHAIR,
    COMMITTEE_MEMBERS,
    DEPARTMENT_STAFF,
    role_groups_sync,
)
from tests.factories import DepartmentFactory, IndicatorResultFactory, UserFactory

OKAYAMA_PLAN_FILE = Path(settings.BASE_DIR) / "fixtures" / "plans" / "okayama-kyodo-2021.toml"
PLAN_APPS = ("plans", "indicators", "projects")
ROLES = [ADMINISTRATORS, DEPARTMENT_STAFF, COMMITTEE_MEMBERS, COMMITTEE_CHAIR]

# Speed is measured in bench/, never asserted in tests: Hypothesis's per-example deadline failed
# property tests whenever the machine was busy (a fast-loop run beside other work, CI's 2 cores).
hypothesis_settings.register_profile("portal", deadline=None)
hypothesis_settings.load_profile("portal")


@pytest.fixture(scope="session")
def okayama_plan_data():
    """The plan file, read once per run (nothing may change it)."""
    return read_plan_file(OKAYAMA_PLAN_FILE)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, okayama_plan_data):
    """The test database with the role groups and the real plan, made once for the whole run.

    Every test runs in a transaction rolled back at its end, so each one finds the plan as the
    file describes it. Tests that need a database without it ask for `empty_database`.
    """
    with django_db_blocker.unblock():
        role_groups_sync()
        plan_load(data=okayama_plan_data)


@pytest.fixture
def okayama_plan(db, okayama_plan_data):
    """The real FY2021–2025 plan, loaded from its data file as `make run` does.

    Loaded once per test database (see `django_db_setup`); loaded again only after a
    transactional test (live_server, run last) has emptied the database.
    """
    return plan_load(data=okayama_plan_data).plan


@pytest.fixture
def empty_database(db):
    """A database without any plan, as on a new server after `migrate` and `setup_roles`."""
    plan_rows_delete()


def plan_rows_delete():
    """Delete every plan with all it holds, and every history row.

    The key sequences of the tables this empties start again at 1. All of it is part of the
    test's transaction, so the rollback at the test's end brings the loaded plan back, keys
    included (on PostgreSQL `ALTER SEQUENCE ... RESTART` is rolled back, `setval` is not).
    Users, departments and the role groups are left as they are.
    """
    Plan.objects.all().delete()
    models = [model for model in apps.get_models() if model._meta.app_label in PLAN_APPS]
    for model in models:
        if issubclass(model, HistoricalChanges):
            model.objects.all().delete()
    with connection.cursor() as cursor:
        for model in models:
            if model.objects.exists():
                continue
            table = model._meta.db_table
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT pg_get_serial_sequence(%s, %s)", [table, model._meta.pk.column]
                )
                (sequence,) = cursor.fetchone()
                if sequence:
                    cursor.execute(f"ALTER SEQUENCE {sequence} RESTART WITH 1")
            else:
                cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [table])


@pytest.fixture
def roles(db):
    """The role groups by name, made with the test database (again after a transactional test)."""
    groups = Group.objects.in_bulk(ROLES, field_name="name")
    return groups if len(groups) == len(ROLES) else role_groups_sync()


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


# The browser journeys' screenshots and axe results (tests/browser) are this run's only. These
# hooks live here, not in tests/browser/conftest.py, because with pytest-xdist the controlling
# process loads only this conftest; the workers write the files.
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "browser"


def pytest_sessionstart(session):
    if not hasattr(session.config, "workerinput"):
        shutil.rmtree(ARTIFACTS, ignore_errors=True)


def pytest_terminal_summary(terminalreporter):
    # Read back from the files each check wrote: with `-n 2` the checks ran in worker processes.
    checked_pages = [json.loads(path.read_text()) for path in sorted(ARTIFACTS.glob("axe-*.json"))]
    if not checked_pages:
        return
    failing = [page["page"] for page in checked_pages if page["violations"]]
    review = sorted(
        {item.split()[1].rstrip(":") for page in checked_pages for item in page["needs_review"]}
    )
    terminalreporter.write_sep("-", "axe-core (WCAG 2.1 A/AA)")
    terminalreporter.write_line(
        f"{len(checked_pages)} pages checked, {len(failing)} with violations"
        + (f": {', '.join(failing)}" if failing else "")
    )
    if review:
        terminalreporter.write_line(f"left for a person to review: {', '.join(review)}")
    terminalreporter.write_line(f"results and screenshots: {ARTIFACTS}")

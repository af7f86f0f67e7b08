"""Demo accounts: for trying the portal locally, never on a production server."""

import csv
import io

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.urls import reverse

from indicators.models import Indicator, IndicatorResult
from plans.models import Department, EntryStatus, MeasureAssessment
from plans.progress.demo import DEMO_PASSWORD
from plans.reports.evaluation import plan_evaluation
from plans.roles import ADMINISTRATORS, COMMITTEE_CHAIR, COMMITTEE_MEMBERS, DEPARTMENT_STAFF
from projects.models import Project, ProjectProgress

pytestmark = pytest.mark.django_db


def log_in(**credentials):
    # django-axes checks every login against its request (address, lockout).
    return authenticate(RequestFactory().post("/accounts/login/"), **credentials)


def create_demo_accounts():
    out = io.StringIO()
    call_command("create_demo_accounts", stdout=out)
    return out.getvalue()


def roles_of(username):
    user = get_user_model().objects.get(username=username)
    return sorted(user.groups.values_list("name", flat=True))


def test_refuses_to_run_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="開発環境"):
        call_command("create_demo_accounts")
    assert not get_user_model().objects.exists()


def test_creates_one_account_per_role_with_the_documented_password(settings, okayama_plan):
    settings.DEBUG = True
    output = create_demo_accounts()

    assert DEMO_PASSWORD in output
    assert roles_of("demo-admin") == [ADMINISTRATORS]
    assert roles_of("demo-staff-a") == [DEPARTMENT_STAFF]
    assert roles_of("demo-staff-b") == [DEPARTMENT_STAFF]
    assert roles_of("demo-committee") == [COMMITTEE_MEMBERS]
    assert roles_of("demo-chair") == [COMMITTEE_CHAIR]
    assert roles_of("demo-admin-b") == [ADMINISTRATORS]
    admin = log_in(username="demo-admin", password=DEMO_PASSWORD)
    assert admin is not None and admin.is_staff and not admin.is_superuser
    staff = log_in(username="demo-staff-a", password=DEMO_PASSWORD)
    assert staff is not None and not staff.is_staff
    assert staff.email == "demo-staff-a@example.jp"


def test_assigns_the_plan_to_two_demo_departments(settings, okayama_plan):
    settings.DEBUG = True
    create_demo_accounts()

    department_a, department_b = Department.objects.order_by("pk")
    assert department_a.is_demo and department_b.is_demo
    assert list(department_a.members.values_list("username", flat=True)) == ["demo-staff-a"]
    assert list(department_b.members.values_list("username", flat=True)) == ["demo-staff-b"]
    # Policies 1 and 3 go to the first department, policy 2 to the second.
    assert set(
        Indicator.objects.filter(department=department_b).values_list("policy__number", flat=True)
    ) == {2}
    assert Indicator.objects.filter(department=department_a).count() == 4
    assert Project.objects.filter(department=department_b).count() == 11  # 6 + 3 + 2 new in 2-3
    assert not Project.objects.filter(department__isnull=True).exists()


def test_running_twice_changes_nothing_and_keeps_existing_assignments(settings, okayama_plan):
    settings.DEBUG = True
    create_demo_accounts()
    real = Department.objects.create(name="市民協働企画総務課")
    Project.objects.filter(name="フォーラムの開催").update(department=real)
    user = get_user_model().objects.get(username="demo-admin")
    user.set_password("changed-by-the-user")
    user.save()

    output = create_demo_accounts()

    assert "既にあります" in output and "作成しました" not in output
    assert get_user_model().objects.count() == 6
    assert Department.objects.count() == 3
    assert Project.objects.get(name="フォーラムの開催").department == real
    assert log_in(username="demo-admin", password="changed-by-the-user") is not None


def test_setup_roles_is_idempotent(roles):
    call_command("setup_roles", stdout=io.StringIO())
    call_command("setup_roles", stdout=io.StringIO())
    assert roles[ADMINISTRATORS].permissions.filter(codename="change_indicator").exists()
    assert not roles[COMMITTEE_MEMBERS].permissions.exists()


def test_adds_approved_demo_results_before_the_year_being_entered(settings, okayama_plan):
    settings.DEBUG = True
    create_demo_accounts()
    create_demo_accounts()

    results = IndicatorResult.objects.filter(indicator__policy__plan=okayama_plan)
    assert results.count() == 7 * 4  # FY2021–2024, once each despite two runs
    assert set(results.values_list("fiscal_year", flat=True)) == {2021, 2022, 2023, 2024}
    assert all(result.is_demo and result.status == EntryStatus.APPROVED for result in results)
    assert results.filter(not_measured=True).count() == 1
    progress = ProjectProgress.objects.filter(project__plan=okayama_plan)
    assert progress.count() == 28 * 4
    assert progress.filter(is_demo=False).count() == 0
    assessments = MeasureAssessment.objects.filter(measure__policy__plan=okayama_plan)
    assert assessments.count() == 7 * 4  # every measure, FY2021–2024
    assert {(a.is_demo, a.status) for a in assessments} == {(True, EntryStatus.APPROVED)}
    assert all(a.assessment.startswith("(デモ)") for a in assessments)
    grades = {
        item.achievement.grade
        for p in plan_evaluation(okayama_plan, 2024).policies
        for item in p.indicators
    }
    assert len(grades) >= 3  # the demo shows several grades, not one colour


def test_open_data_marks_every_demo_value(settings, okayama_plan, client):
    """Made-up values must never pass for results where open data is harvested (issue 14, #11)."""
    settings.DEBUG = True
    create_demo_accounts()
    demo_rows = IndicatorResult.objects.filter(is_demo=True, value__isnull=False).count()
    assert demo_rows

    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(reverse("plans:open_csv", args=[okayama_plan.code])).content.decode(
                    "utf-8-sig"
                )
            )
        )
    )
    assert rows and all(row["デモ用データ"] == "はい" for row in rows)
    assert len(rows) >= demo_rows

    data = client.get(reverse("plans:open_json", args=[okayama_plan.code])).json()
    results = [result for item in data["indicators"] for result in item["results"]]
    assert data["contains_demo_data"] is True
    assert results and all(result["demo"] is True for result in results)


def test_open_data_without_demo_values_says_so(seed_results, client):
    data = client.get(reverse("plans:open_json", args=[seed_results.code])).json()
    assert data["contains_demo_data"] is False
    assert all(not result["demo"] for item in data["indicators"] for result in item["results"])
    csv_text = client.get(reverse("plans:open_csv", args=[seed_results.code])).content
    rows = list(csv.DictReader(io.StringIO(csv_text.decode("utf-8-sig"))))
    assert rows and all(row["デモ用データ"] == "" for row in rows)

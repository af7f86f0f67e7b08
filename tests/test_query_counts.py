"""Every page reads the database a fixed number of times, however much the plan holds."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from plans.models import EntryStatus, MeasureAssessment
from tests.factories import (
    BasicPolicyFactory,
    IndicatorFactory,
    IndicatorResultFactory,
    MeasureFactory,
    MeasureProjectFactory,
    PlanFactory,
    ProjectFactory,
    ProjectProgressFactory,
)

pytestmark = pytest.mark.django_db
YEAR = 2022


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def query_count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        assert response.status_code == 200, url
        if response.streaming:
            b"".join(response.streaming_content)
    return len(queries)


@pytest.fixture
def plan():
    return PlanFactory(first_fiscal_year=2021, last_fiscal_year=2025, baseline_fiscal_year=2020)


def add_items(plan, *, policies, departments):
    """Policies each with an indicator and a measure of two projects, all with entries (the
    measure's assessment too)."""
    first = plan.policies.count() + 1
    for number in range(first, first + policies):
        policy = BasicPolicyFactory(plan=plan, number=number)
        department = departments[number % len(departments)]
        indicator = IndicatorFactory(policy=policy, position=1, department=department)
        IndicatorResultFactory(indicator=indicator, fiscal_year=YEAR, status=EntryStatus.APPROVED)
        measure = MeasureFactory(policy=policy, number=1, department=department)
        MeasureAssessment.objects.create(
            measure=measure, fiscal_year=YEAR, assessment="評価", status=EntryStatus.SUBMITTED
        )
        for _ in range(2):
            link = MeasureProjectFactory(measure=measure, project__department=department)
            ProjectProgressFactory(
                project=link.project, fiscal_year=YEAR, grade="B", status=EntryStatus.SUBMITTED
            )


def test_project_page_reads_the_same_under_one_measure_or_six(plan, personas):
    """Each measure the project is listed under is named with its policy's number (1-2)."""
    project = ProjectFactory(plan=plan)
    policies = [BasicPolicyFactory(plan=plan, number=number) for number in range(1, 7)]
    MeasureProjectFactory(measure=MeasureFactory(policy=policies[0], number=1), project=project)
    url = reverse("plans:project", args=[plan.code, YEAR, project.pk])
    committee = client_for(personas["committee"])
    one = query_count(committee, url)
    for policy in policies[1:]:
        MeasureProjectFactory(measure=MeasureFactory(policy=policy, number=2), project=project)
    six = query_count(committee, url)
    assert six == one
    assert "6-2" in committee.get(url).content.decode()


def test_progress_pages_read_the_same_for_a_larger_plan(plan, personas):
    """The work lists, the review of every item, the entry pages of every kind, a measure's
    page and the files to fill in."""
    departments = [personas["department_a"], personas["department_b"]]
    add_items(plan, policies=2, departments=departments)
    policy = plan.policies.get(number=1)
    indicator = IndicatorFactory(policy=policy, position=2, department=departments[0])
    project = ProjectFactory(plan=plan, department=departments[0])
    MeasureProjectFactory(measure=policy.measures.get(), project=project)
    for number in (2, 3):
        other = MeasureFactory(policy=plan.policies.get(number=2), number=number)
        MeasureProjectFactory(measure=other, project=project)
    admin, staff = client_for(personas["admin"]), client_for(personas["staff_a"])
    year = [plan.code, YEAR]
    entered = policy.indicators.get(position=1)
    pages = [
        (admin, reverse("plans:review", args=year) + "?status=all"),
        (admin, reverse("plans:my_work_year", args=year)),
        (staff, reverse("plans:my_work_year", args=year)),
        (admin, reverse("plans:entry", args=[*year, "indicators", indicator.pk])),
        (staff, reverse("plans:entry", args=[*year, "indicators", indicator.pk])),
        (staff, reverse("plans:entry", args=[*year, "projects", project.pk])),
        (admin, reverse("plans:entry", args=[*year, "measures", policy.measures.get().pk])),
        (admin, reverse("plans:entry_history", args=[*year, "indicators", entered.pk])),
        (staff, reverse("plans:measure", args=[*year, policy.measures.get().pk])),
        (admin, reverse("plans:results_import", args=year)),
        (admin, reverse("plans:fill_in_file", args=[*year, "indicators", departments[0].pk])),
        (admin, reverse("plans:fill_in_file", args=[*year, "projects", departments[0].pk])),
        (admin, reverse("plans:fill_in_all", args=year)),
    ]
    before = [query_count(client, url) for client, url in pages]
    add_items(plan, policies=4, departments=departments)
    MeasureProjectFactory(
        measure=policy.measures.get(), project__department=departments[1], position=99
    )
    for number in (4, 5, 6):
        other = MeasureFactory(policy=plan.policies.get(number=number), number=9)
        MeasureProjectFactory(measure=other, project=project)
    result = entered.results.get(fiscal_year=YEAR)
    for number in range(60):  # more changes than a page of the history shows
        result.analysis = f"第{number}版"
        result.save()
    after = [query_count(client, url) for client, url in pages]
    assert after == before

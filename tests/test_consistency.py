"""The same things look the same on every page: grades as badges, cumulative values named."""

import pytest
from django.urls import reverse

from indicators.models import Indicator
from plans.models import EntryStatus, Measure
from projects.models import Project
from tests.factories import ProjectProgressFactory
from tests.test_entry_pages import client_for, visible_text

pytestmark = pytest.mark.django_db


def test_a_projects_grade_is_a_badge_on_the_measure_and_project_pages(seed_results, personas):
    measure = Measure.objects.filter(policy__plan=seed_results).first()
    project = Project.objects.filter(measure_links__measure=measure).first()
    ProjectProgressFactory(
        project=project, fiscal_year=2024, grade="B", outlook="continue",
        status=EntryStatus.APPROVED,
    )  # fmt: skip
    client = client_for(personas["committee"])
    for url in (
        reverse("plans:measure", args=[seed_results.code, 2024, measure.pk]),
        reverse("plans:project", args=[seed_results.code, 2024, project.pk]),
    ):
        html = client.get(url).content.decode()
        assert '<span class="badge text-bg-primary">B 順調</span>' in html, url


def test_the_cumulative_indicators_table_says_which_values_are_yearly(seed_results, personas):
    cumulative = Indicator.objects.filter(policy__plan=seed_results, aggregation="cumulative")
    level = Indicator.objects.filter(policy__plan=seed_results, aggregation="level").first()
    client = client_for(personas["committee"])
    url = reverse("plans:indicator", args=[seed_results.code, 2024, cumulative.first().pk])
    text = visible_text(client.get(url).content.decode())
    assert "実績(承認済・各年度の値)" in text and "期待される累計" in text
    assert "累計の指標です。実績は各年度の値" in text
    url = reverse("plans:indicator", args=[seed_results.code, 2024, level.pk])
    assert "期待される累計" not in visible_text(client.get(url).content.decode())

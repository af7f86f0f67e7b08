"""The pages anyone can read without logging in, and the printable report."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from indicators.models import Indicator
from plans.models import Measure
from projects.models import Project
from tests.browser.accessibility import assert_accessible
from tests.browser.helpers import log_in, screenshot

pytestmark = pytest.mark.browser


def test_the_public_plan_pages_are_accessible(page, seed_results):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page, "トップ(計画の一覧)")
    page.get_by_role("link", name=seed_results.title).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(seed_results.title)
    screenshot(page, "0-public-plan")
    assert_accessible(page, "計画の内容(公開)")


def test_the_measure_project_and_report_pages_are_accessible(page, seed_results, personas):
    log_in(page, personas["committee"])
    code = seed_results.code
    measure = Measure.objects.filter(policy__plan=seed_results).first()
    project = Project.objects.filter(plan=seed_results).first()
    indicator = Indicator.objects.filter(
        policy__plan=seed_results, name="市民協働推進事業の目標達成率"
    )
    pages = {
        "基本施策の詳細": reverse("plans:measure", args=[code, 2024, measure.pk]),
        "事業の詳細": reverse("plans:project", args=[code, 2024, project.pk]),
        "成果指標の詳細(最終年度)": reverse(
            "plans:indicator", args=[code, 2025, indicator.get().pk]
        ),
        "報告書(印刷用)": reverse("plans:report", args=[code, 2024]),
    }
    for name, url in pages.items():
        response = page.goto(url)
        assert response.status == 200, name
        assert_accessible(page, name)
    screenshot(page, "3-committee-report")

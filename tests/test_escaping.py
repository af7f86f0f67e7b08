"""Text typed into the plan (an indicator's name and unit, a project's name) is shown as text
on every page, help text and message, never run as markup (issue 14, finding 8)."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from indicators.models import Indicator, IndicatorResult
from plans.models import EntryStatus
from projects.models import Project

YEAR = 2025
UNIT = "<b>人</b>"  # 8 characters: the unit field holds 20
NAME = "<script>alert(1)</script>参加割合"
PROJECT = '<img src=x onerror="alert(2)">事業'
MARKUP = (UNIT, "<script>alert(1)</script>", "<img src=x")


@pytest.fixture
def setup(okayama_plan, personas):
    department = personas["department_a"]
    Indicator.objects.filter(policy__plan=okayama_plan).update(department=department)
    Project.objects.filter(plan=okayama_plan).update(department=department)
    indicator = Indicator.objects.get(policy__plan=okayama_plan, name="地域活動への市民の参加割合")
    Indicator.objects.filter(pk=indicator.pk).update(name=NAME, unit=UNIT)
    project = Project.objects.get(plan=okayama_plan, name="区づくり推進事業")
    Project.objects.filter(pk=project.pk).update(name=PROJECT)
    return {
        "plan": okayama_plan,
        "indicator": Indicator.objects.get(pk=indicator.pk),
        "project": Project.objects.get(pk=project.pk),
        **personas,
    }


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def entry_url(setup, kind, target):
    return reverse("plans:entry", args=[setup["plan"].code, YEAR, kind, target.pk])


def assert_shown_as_text(html, where):
    for markup in MARKUP:
        assert markup not in html, (where, markup)


def test_the_unit_in_the_entry_forms_help_text_is_escaped(setup):
    html = client_for(setup["staff_a"]).get(entry_url(setup, "indicators", setup["indicator"]))
    html = html.content.decode()
    assert "単位: &lt;b&gt;人&lt;/b&gt;。" in html
    assert_shown_as_text(html, "entry page")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("48.0", "下書きを保存しました"),  # the message after a save names the indicator
        ("48.0kg", "単位が違います"),  # the refusal names the unit
        ("100.5", "範囲"),  # the range names the unit
        ("99", "大きく超えています"),  # a plausibility warning names the target and unit
    ],
)
def test_messages_that_quote_the_name_or_the_unit_escape_them(setup, typed, expected):
    client = client_for(setup["staff_a"])
    data = {"value": typed, "analysis": "", "version": "0", "action": "save"}
    if expected == "大きく超えています":
        data["action"] = "preview"
    response = client.post(entry_url(setup, "indicators", setup["indicator"]), data, follow=True)
    html = response.content.decode()
    assert expected in html
    assert "&lt;b&gt;人&lt;/b&gt;" in html or "&lt;script&gt;" in html
    assert_shown_as_text(html, typed)


def test_the_review_pages_and_their_messages_escape_names(setup):
    IndicatorResult.objects.create(
        indicator=setup["indicator"],
        fiscal_year=YEAR,
        value=Decimal("48"),
        status=EntryStatus.SUBMITTED,
        version=1,
        entered_by=setup["staff_a"],
    )
    plan = setup["plan"]
    client = client_for(setup["admin"])
    approve = reverse(
        "plans:entry_approve", args=[plan.code, YEAR, "indicators", setup["indicator"].pk]
    )
    response = client.post(approve, {"version": "1"}, follow=True)
    html = response.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;参加割合」の2025年度分を承認しました" in html
    assert_shown_as_text(html, "approve")

    project_page = client_for(setup["staff_a"]).post(
        entry_url(setup, "projects", setup["project"]),
        {"activities": "講座", "version": "0", "action": "save"},
        follow=True,
    )
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;事業" in project_page.content.decode()
    assert_shown_as_text(project_page.content.decode(), "project saved")

    for url in (
        reverse("plans:review", args=[plan.code, YEAR]),
        reverse("plans:overview", args=[plan.code, YEAR]),
        reverse("plans:indicator", args=[plan.code, YEAR, setup["indicator"].pk]),
        reverse("plans:report", args=[plan.code, YEAR]),
        reverse("plans:plan_detail", args=[plan.code]),
        reverse("admin:indicators_indicator_changelist"),
        reverse("admin:indicators_indicator_change", args=[setup["indicator"].pk]),
        reverse("admin:projects_project_changelist"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_shown_as_text(response.content.decode(), url)

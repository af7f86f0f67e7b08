"""The Django admin is the plan office's editor: every page works for them and no one else."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators.models import Indicator, IndicatorResult, IndicatorRevision, IndicatorYearTarget
from plans.models import Measure, MeasureAssessment, PlanYear
from projects.models import MeasureProject, Project, ProjectProgress, ProjectRevision
from tests.factories import (
    IndicatorResultFactory,
    MeasureProjectFactory,
    ProjectProgressFactory,
)

PLAN_APPS = {"plans", "indicators", "projects"}
PLAN_MODELS = [model for model in admin.site._registry if model._meta.app_label in PLAN_APPS]


@pytest.fixture
def plan_with_entries(okayama_plan, personas):
    indicator = Indicator.objects.filter(policy__plan=okayama_plan).first()
    IndicatorResultFactory(indicator=indicator, fiscal_year=2021, value=Decimal("46.0"))
    project = Project.objects.filter(plan=okayama_plan).first()
    ProjectProgressFactory(project=project, fiscal_year=2021, grade="B", outlook="continue")
    measure = Measure.objects.filter(policy__plan=okayama_plan).first()
    MeasureAssessment.objects.create(measure=measure, fiscal_year=2021, assessment="順調")
    PlanYear.objects.create(plan=okayama_plan, fiscal_year=2021)
    decided = {"reason": "見直し", "decided_by": "協働推進委員会", "decided_on": "2024-02-15"}
    IndicatorRevision.objects.create(
        indicator=indicator, from_year=2024, target_value=Decimal("55"), **decided
    )
    IndicatorYearTarget.objects.create(indicator=indicator, fiscal_year=2022, target_value=47)
    ProjectRevision.objects.create(project=project, kind="ended", from_year=2025, **decided)
    return okayama_plan


def admin_urls(model):
    opts = model._meta
    obj = model.objects.order_by("pk").first()
    base = f"admin:{opts.app_label}_{opts.model_name}"
    return [
        reverse(f"{base}_changelist"),
        reverse(f"{base}_add"),
        reverse(f"{base}_change", args=[obj.pk]),
    ]


def test_every_plan_model_is_in_the_admin():
    names = {model.__name__ for model in PLAN_MODELS}
    assert names == {
        "Plan",
        "Department",
        "BasicPolicy",
        "Measure",
        "MeasureAssessment",
        "Indicator",
        "IndicatorResult",
        "IndicatorRevision",
        "IndicatorYearTarget",
        "Project",
        "ProjectProgress",
        "ProjectRevision",
        "PlanYear",
    }


# Yearly entries and year settings change only through the portal's workflow pages.
READ_ONLY = {"IndicatorResult", "ProjectProgress", "MeasureAssessment", "PlanYear"}


@pytest.mark.parametrize("model", PLAN_MODELS, ids=lambda model: model.__name__)
def test_every_admin_page_renders_for_the_administrator(client, plan_with_entries, personas, model):
    client.force_login(personas["admin"])
    changelist, add, change = admin_urls(model)
    for url in (changelist, change):
        response = client.get(url)
        assert response.status_code == 200, url
        assert model._meta.verbose_name in response.content.decode(), url
    response = client.get(add)
    if model.__name__ in READ_ONLY:
        assert response.status_code == 403
        assert 'name="_save"' not in client.get(change).content.decode()
    else:
        assert response.status_code == 200
        assert 'name="_save"' in client.get(change).content.decode()


@pytest.mark.parametrize("persona", ["staff_a", "committee", None])
@pytest.mark.parametrize("model", PLAN_MODELS, ids=lambda model: model.__name__)
def test_admin_pages_are_refused_to_everyone_else(
    client, plan_with_entries, personas, model, persona
):
    if persona:
        client.force_login(personas[persona])
    for url in admin_urls(model):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("admin:login")), url


def test_the_administrator_can_manage_accounts(client, personas):
    client.force_login(personas["admin"])
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 200
    user = personas["staff_a"]
    assert client.get(reverse("admin:auth_user_change", args=[user.pk])).status_code == 200


def test_admin_is_in_japanese(client, personas):
    client.force_login(personas["admin"])
    html = client.get(reverse("admin:index")).content.decode()
    assert "協働推進計画 進捗管理ポータル 管理画面" in html
    assert "基本施策" in html and "成果指標" in html and "事業の進捗" in html
    assert "ログアウト" in html


def test_measures_are_listed_by_code_and_searchable(client, okayama_plan, personas):
    client.force_login(personas["admin"])
    url = reverse("admin:plans_measure_changelist")
    response = client.get(url)
    codes = [measure.code for measure in response.context["cl"].result_list]
    assert codes == ["1-1", "1-2", "2-1", "2-2", "2-3", "3-1", "3-2"]

    response = client.get(url, {"q": "人材育成"})
    assert [str(m) for m in response.context["cl"].result_list] == ["1-2 若者の人材育成"]


def test_measures_filter_by_policy(client, okayama_plan, personas):
    client.force_login(personas["admin"])
    policy = okayama_plan.policies.get(number=2)
    response = client.get(
        reverse("admin:plans_measure_changelist"), {"policy__id__exact": policy.pk}
    )
    assert [m.code for m in response.context["cl"].result_list] == ["2-1", "2-2", "2-3"]


def test_projects_are_listed_in_plan_order_and_filter_by_department(client, okayama_plan, personas):
    client.force_login(personas["admin"])
    url = reverse("admin:projects_project_changelist")
    names = [p.name for p in client.get(url).context["cl"].result_list]
    assert names[:2] == ["区づくり推進事業", "市民活動・地域活動リーダー養成講座"]
    assert names[-1] == "市民活動・地域活動等の訪問取材"
    assert len(names) == 28

    Project.objects.filter(name="フォーラムの開催").update(department=personas["department_b"])
    response = client.get(url, {"department__id__exact": personas["department_b"].pk})
    assert [p.name for p in response.context["cl"].result_list] == ["フォーラムの開催"]


def test_project_list_shows_every_measure_of_a_project(client, okayama_plan, personas):
    client.force_login(personas["admin"])
    html = client.get(reverse("admin:projects_project_changelist"), {"q": "ニーズ調査"}).content
    assert "2-1、2-3" in html.decode()


def test_indicators_filter_by_policy_and_search(client, okayama_plan, personas):
    client.force_login(personas["admin"])
    url = reverse("admin:indicators_indicator_changelist")
    policy = okayama_plan.policies.get(number=3)
    response = client.get(url, {"policy__id__exact": policy.pk})
    assert [i.name for i in response.context["cl"].result_list] == [
        "SNSのフォロワー数",
        "市民協働に関する市ホームページの閲覧数",
    ]
    response = client.get(url, {"q": "相談者"})
    assert [i.name for i in response.context["cl"].result_list] == [
        "ESD・市民協働推進センターの相談者数"
    ]
    assert "4,000人" in response.content.decode()


def test_policy_page_edits_measures_and_indicators_inline(client, okayama_plan, personas):
    client.force_login(personas["admin"])
    policy = okayama_plan.policies.get(number=2)
    html = client.get(reverse("admin:plans_basicpolicy_change", args=[policy.pk])).content.decode()
    assert "コーディネート機能の向上" in html
    assert "ESD・市民協働推進センターの相談者数" in html


def test_administrator_edits_a_measure_and_its_project_rows(client, okayama_plan, personas):
    client.force_login(personas["admin"])
    measure = Measure.objects.get(policy__plan=okayama_plan, policy__number=3, number=2)
    links = list(measure.project_links.all())
    data = {
        "policy": measure.policy_id,
        "number": 2,
        "title": "市民活動団体等や優れた取組の情報発信(改)",
        "description": measure.description,
        "project_links-TOTAL_FORMS": len(links),
        "project_links-INITIAL_FORMS": len(links),
        "project_links-MIN_NUM_FORMS": 0,
        "project_links-MAX_NUM_FORMS": 1000,
        # The yearly assessments are shown read-only below the rows; their form is empty.
        "assessments-TOTAL_FORMS": 0,
        "assessments-INITIAL_FORMS": 0,
        "assessments-MIN_NUM_FORMS": 0,
        "assessments-MAX_NUM_FORMS": 1000,
        "department": personas["department_b"].pk,
    }
    for index, link in enumerate(links):
        data |= {
            f"project_links-{index}-id": link.pk,
            f"project_links-{index}-measure": measure.pk,
            f"project_links-{index}-project": link.project_id,
            f"project_links-{index}-position": link.position,
            f"project_links-{index}-listed_summary": "",
        }
    response = client.post(reverse("admin:plans_measure_change", args=[measure.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    measure.refresh_from_db()
    assert measure.title.endswith("(改)")
    assert measure.project_links.count() == 3
    assert measure.department == personas["department_b"]  # who writes its assessment


def test_project_changelist_query_count_does_not_grow_with_projects(client, okayama_plan, personas):
    client.force_login(personas["admin"])
    url = reverse("admin:projects_project_changelist")
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for _ in range(20):
        MeasureProjectFactory(
            measure=Measure.objects.filter(policy__plan=okayama_plan).first(),
            project__plan=okayama_plan,
        )
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after) == len(before)


def test_result_and_progress_lists_show_the_year(client, plan_with_entries, personas):
    client.force_login(personas["admin"])
    html = client.get(reverse("admin:indicators_indicatorresult_changelist")).content.decode()
    assert "2021" in html
    assert IndicatorResult.objects.count() == 1
    html = client.get(reverse("admin:projects_projectprogress_changelist")).content.decode()
    assert "B 順調" in html
    assert ProjectProgress.objects.count() == 1
    assert MeasureProject.objects.count() == 30
    assert get_user_model().objects.filter(is_staff=True).count() == 1

"""The staff's work list says what remains, why an item came back and the deadline; the entry
pages show earlier years and speak plainly after a submission."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from indicators.models import Indicator
from plans.access import department_ids, is_plan_admin, user_departments
from plans.models import EntryStatus, PlanYear
from projects.models import Project
from tests.factories import DepartmentFactory, IndicatorResultFactory, ProjectProgressFactory
from tests.test_entry_pages import client_for, visible_text

pytestmark = pytest.mark.django_db

YEAR = 2025


@pytest.fixture
def staff_plan(okayama_plan, personas):
    Indicator.objects.filter(policy__plan=okayama_plan).update(department=personas["department_a"])
    Project.objects.filter(plan=okayama_plan).update(department=personas["department_a"])
    return okayama_plan


def row_of(text, name):
    """The text of a row of the list, from the item's name to the next item's kind."""
    rest = text[text.index(name) + len(name) :]
    ends = [rest.find(word) for word in ("成果指標 ", "事業 ") if rest.find(word) >= 0]
    return rest[: min(ends)] if ends else rest


def my_work(plan, user):
    response = client_for(user).get(reverse("plans:my_work_year", args=[plan.code, YEAR]))
    return visible_text(response.content.decode())


def test_an_item_not_entered_says_what_to_enter_not_again_that_it_is_not_entered(
    staff_plan, personas
):
    row = row_of(my_work(staff_plan, personas["staff_a"]), "地域活動への市民の参加割合")
    assert "未入力" in row
    assert row.count("未入力") == 1
    assert "実績値、要因分析を入力して提出" in row


def test_drafts_and_returned_items_look_unfinished_with_the_reason(staff_plan, personas):
    indicators = {i.name: i for i in Indicator.objects.filter(policy__plan=staff_plan)}
    IndicatorResultFactory(
        indicator=indicators["地域活動への市民の参加割合"],
        fiscal_year=YEAR,
        value=Decimal("48"),
        analysis="増えた。",
        status=EntryStatus.DRAFT,
    )
    IndicatorResultFactory(
        indicator=indicators["SNSのフォロワー数"],
        fiscal_year=YEAR,
        value=Decimal("1700"),
        analysis="増えた。",
        status=EntryStatus.RETURNED,
        return_reason="出典を書いてください。",
    )
    IndicatorResultFactory(
        indicator=indicators["市民協働推進事業の目標達成率"],
        fiscal_year=YEAR,
        value=Decimal("85"),
        analysis="順調。",
        status=EntryStatus.SUBMITTED,
    )
    text = my_work(staff_plan, personas["staff_a"])
    draft = row_of(text, "地域活動への市民の参加割合")
    assert "—" not in draft and "提出してください(下書きのまま)" in draft
    returned = row_of(text, "SNSのフォロワー数")
    assert "差戻し理由: 出典を書いてください。" in returned
    assert "もう一度提出" in returned
    assert "協働推進課の確認待ち" in row_of(text, "市民協働推進事業の目標達成率")


def test_the_list_shows_the_deadline_and_names_one_department_once(staff_plan, personas):
    deadline = timezone.localdate() + timedelta(days=20)
    PlanYear.objects.create(plan=staff_plan, fiscal_year=YEAR, entry_deadline=deadline)
    text = my_work(staff_plan, personas["staff_a"])
    assert f"入力期限: {deadline.year}年{deadline.month}月{deadline.day}日" in text
    # The one department is named above the list, not on every row.
    assert text.count("市民協働企画課") == 1


def test_the_project_page_shows_earlier_years(staff_plan, personas):
    project = Project.objects.get(plan=staff_plan, name="区づくり推進事業")
    ProjectProgressFactory(
        project=project,
        fiscal_year=YEAR - 1,
        activities="区の会議を10回開いた。",
        grade="B",
        outlook="continue",
        status=EntryStatus.APPROVED,
    )
    url = reverse("plans:entry", args=[staff_plan.code, YEAR, "projects", project.pk])
    text = visible_text(client_for(personas["staff_a"]).get(url).content.decode())
    assert "これまでの進捗" in text
    assert "2024年度 B 順調 継続 区の会議を10回開いた。 承認済" in text


def test_after_submitting_the_page_informs_rather_than_warns(staff_plan, personas):
    indicator = Indicator.objects.get(policy__plan=staff_plan, name="地域活動への市民の参加割合")
    url = reverse("plans:entry", args=[staff_plan.code, YEAR, "indicators", indicator.pk])
    client = client_for(personas["staff_a"])
    post = {"value": "48", "not_measured": "", "analysis": "増えた。", "version": "0"}
    saved = client.post(url, post | {"action": "save"}, follow=True).content.decode()
    assert f"「{indicator}」の2025年度分の下書きを保存しました。" in visible_text(saved)
    submitted = client.post(url, post | {"version": "1", "action": "submit"}, follow=True)
    html = submitted.content.decode()
    assert f"「{indicator}」の2025年度分を提出しました。" in visible_text(html)
    assert "入力できません" not in html
    assert "alert-warning" not in html
    assert "確認待ち:" in visible_text(html)


def test_a_person_in_two_departments_sees_both_and_their_items_and_no_other(staff_plan, personas):
    """The groups and departments are read in one statement (plans.access): both departments
    named in order, each one's items listed, the menu as for staff."""
    bob, second = personas["staff_a"], DepartmentFactory(name="あおぞら課", is_demo=True)
    second.members.add(bob)
    project = Project.objects.filter(plan=staff_plan).order_by("pk").first()
    Project.objects.filter(pk=project.pk).update(department=second)
    Indicator.objects.filter(policy__number=2).update(department=personas["department_b"])
    text = my_work(staff_plan, bob)
    assert "担当: あおぞら課、市民協働企画課" in text
    assert project.name in text and "所管課" in text  # two departments: a column says whose
    assert "ESD・市民協働推進センターの相談者数" not in text  # department B's
    assert [department.name for department in user_departments(bob)] == [
        "あおぞら課",
        "市民協働企画課",
    ]
    assert [department.is_demo for department in user_departments(bob)] == [True, False]
    assert not is_plan_admin(bob) and department_ids(bob) == {
        second.pk,
        personas["department_a"].pk,
    }

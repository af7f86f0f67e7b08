"""The next plan started from the current one: a complete, independent copy of the structure,
continued indicators linked to their predecessors, and their series across the plans."""

import re
import shlex
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators.models import Indicator, IndicatorRevision
from plans.backup import plan_backup, plan_restore
from plans.models import BasicPolicy, Measure, Plan, PlanPublication
from plans.progress.next_plan import Carry, NextPlanRequest, next_plan_start
from plans.views.common import active_plans
from projects.models import MeasureProject, Project, ProjectRevision
from tests.factories import IndicatorResultFactory, PlanFactory
from tests.test_dashboard import page_text

pytestmark = pytest.mark.django_db
NEXT = "okayama-kyodo-2026"


def indicator_named(plan, name):
    return Indicator.objects.get(policy__plan=plan, name=name)


def start(*args):
    out = StringIO()
    call_command("start_next_plan", "okayama-kyodo-2021", "--code", NEXT, *args, stdout=out)
    return out.getvalue()


def structure(plan):
    """Everything of a plan's structure as plain values, keyed so two plans can be compared."""
    fields = lambda model, skip: [  # noqa: E731
        f.attname for f in model._meta.concrete_fields if not f.primary_key and f.name not in skip
    ]
    return {
        "policies": sorted(
            tuple(getattr(p, name) for name in fields(BasicPolicy, {"plan"}))
            for p in BasicPolicy.objects.filter(plan=plan)
        ),
        "measures": sorted(
            (m.policy.number, *(getattr(m, name) for name in fields(Measure, {"policy"})))
            for m in Measure.objects.filter(policy__plan=plan)
        ),
        "projects": sorted(
            tuple(str(getattr(p, name)) for name in fields(Project, {"plan"}))
            for p in Project.objects.filter(plan=plan)
        ),
        "links": sorted(
            (link.measure.code, link.project.name, link.position, link.listed_summary)
            for link in MeasureProject.objects.filter(measure__policy__plan=plan).select_related(
                "project"
            )
        ),
    }


def test_the_copy_is_complete_and_points_only_into_the_new_plan(seed_results):
    old = seed_results
    start("--first-year", "2026", "--last-year", "2030")
    new = Plan.objects.get(code=NEXT)
    assert (new.first_fiscal_year, new.last_fiscal_year, new.baseline_fiscal_year) == (
        2026,
        2030,
        2025,
    )
    assert new.predecessor == old and new.status == Plan.Status.DRAFT
    assert (new.municipality, new.reporting_bodies) == (old.municipality, old.reporting_bodies)
    assert structure(new) == structure(old)
    assert Project.objects.filter(plan=new).count() == 28
    # Every link of the new plan joins the new plan's rows, never the old plan's.
    for link in MeasureProject.objects.filter(project__plan=new):
        assert link.measure.policy.plan_id == new.pk
    assert not MeasureProject.objects.filter(measure__policy__plan=new, project__plan=old).exists()
    # Entries are never copied: each plan has its own years.
    assert not Indicator.objects.filter(policy__plan=new, results__isnull=False).exists()


def test_continued_indicators_take_the_last_approved_value_as_their_baseline(seed_results):
    old = seed_results
    start()
    new = Plan.objects.get(code=NEXT)
    copied = Indicator.objects.filter(policy__plan=new)
    assert copied.count() == Indicator.objects.filter(policy__plan=old).count() == 7
    participation = indicator_named(new, "地域活動への市民の参加割合")
    assert participation.predecessor == indicator_named(old, "地域活動への市民の参加割合")
    # FY2024 is the last approved value (48.0); FY2023 was not measured.
    assert (participation.baseline_value, participation.baseline_year) == (Decimal("48.0"), 2024)
    assert participation.baseline_note == "前の計画の2024年度の実績"
    assert participation.target_year == 2030
    assert participation.target_value == participation.predecessor.target_value
    for indicator in copied:
        predecessor = indicator.predecessor
        for name in ("name", "unit", "aggregation", "direction", "department_id", "notes"):
            assert getattr(indicator, name) == getattr(predecessor, name)


def test_an_indicator_can_be_new_or_left_behind(seed_results):
    output = start("--new", "1-2", "--drop", "3-1")
    new = Plan.objects.get(code=NEXT)
    young = indicator_named(new, "若者(20歳代)の地域活動への参加割合")
    assert young.predecessor is None
    assert not Indicator.objects.filter(policy__plan=new, name="SNSのフォロワー数").exists()
    assert Indicator.objects.filter(policy__plan=new).count() == 6
    assert "継続する成果指標 5件" in output


def test_the_next_plan_starts_from_the_terms_the_old_plan_ended_with(seed_results):
    """Revisions (見直し) of the old plan: a continued indicator takes its revised name, unit and
    target; an indicator or a project ended before the plan's last year is not carried; one
    added mid-plan is part of the new plan from its start."""
    old = seed_results
    decided = {
        "reason": "中間見直し",
        "decided_by": "岡山市協働推進委員会",
        "decided_on": "2024-02-15",
    }
    participation = indicator_named(old, "地域活動への市民の参加割合")
    IndicatorRevision.objects.create(
        indicator=participation, from_year=2024, target_value=55, name="地域活動への参加割合",
        **decided,
    )  # fmt: skip
    sns = indicator_named(old, "SNSのフォロワー数")
    IndicatorRevision.objects.create(indicator=sns, kind="abolished", from_year=2025, **decided)
    projects = list(Project.objects.filter(plan=old).order_by("pk")[:2])
    ProjectRevision.objects.create(project=projects[0], kind="ended", from_year=2024, **decided)
    ProjectRevision.objects.create(project=projects[1], kind="added", from_year=2023, **decided)
    output = start()
    new = Plan.objects.get(code=NEXT)
    carried = indicator_named(new, "地域活動への参加割合")
    assert carried.predecessor == participation and carried.target_value == Decimal("55")
    assert not Indicator.objects.filter(policy__plan=new, name="SNSのフォロワー数").exists()
    assert "「SNSのフォロワー数」は前の計画の見直しで終わっているため、引き継ぎません。" in output
    names = set(Project.objects.filter(plan=new).values_list("name", flat=True))
    assert projects[0].name not in names and projects[1].name in names
    assert not ProjectRevision.objects.filter(project__plan=new).exists()
    assert not IndicatorRevision.objects.filter(indicator__policy__plan=new).exists()
    # The old plan keeps its revisions and the item as printed.
    participation.refresh_from_db()
    assert participation.name == "地域活動への市民の参加割合"


def test_unknown_indicator_codes_are_refused_and_nothing_is_written(seed_results):
    with pytest.raises(CommandError, match="成果指標「9-9」はありません"):
        start("--new", "9-9")
    assert not Plan.objects.filter(code=NEXT).exists()


def test_an_indicator_without_approved_values_keeps_its_baseline_and_is_named(okayama_plan):
    output = start()
    new = Plan.objects.get(code=NEXT)
    participation = indicator_named(new, "地域活動への市民の参加割合")
    assert (participation.baseline_value, participation.baseline_year) == (Decimal("45.3"), 2020)
    assert "「地域活動への市民の参加割合」には承認済の値がないため" in output


def test_the_command_twice_creates_the_plan_once(seed_results):
    start("--demo", "--status", "active")
    counts = (Plan.objects.count(), Indicator.objects.count(), Project.objects.count())
    output = start("--demo", "--status", "active")
    assert "すでにあります。何も変更していません" in output
    assert (Plan.objects.count(), Indicator.objects.count(), Project.objects.count()) == counts
    new = Plan.objects.get(code=NEXT)
    assert new.is_demo and new.status == Plan.Status.ACTIVE


def test_a_code_another_plan_has_is_refused(seed_results):
    PlanFactory(code=NEXT)
    with pytest.raises(CommandError, match=f"計画コード「{NEXT}」の計画"):
        start()
    assert Plan.objects.get(code=NEXT).predecessor is None


def test_the_next_plan_must_start_after_the_current_one(seed_results):
    with pytest.raises(CommandError, match="前の計画の最終年度"):
        start("--first-year", "2025")
    assert not Plan.objects.filter(code=NEXT).exists()


def test_editing_the_new_plan_never_changes_the_old_one(seed_results):
    old = seed_results
    before = structure(old)
    old_indicators = {
        i.pk: (i.name, i.target_value) for i in Indicator.objects.filter(policy__plan=old)
    }
    start()
    new = Plan.objects.get(code=NEXT)
    for indicator in Indicator.objects.filter(policy__plan=new):
        indicator.name = f"変更した{indicator.name}"
        indicator.target_value = 99
        indicator.save()
    Project.objects.filter(plan=new).update(summary="変更した概要")
    Measure.objects.filter(policy__plan=new).update(title="変更した施策")
    BasicPolicy.objects.filter(plan=new).update(title="変更した方針")
    MeasureProject.objects.filter(measure__policy__plan=new).delete()
    assert structure(old) == before
    assert {
        i.pk: (i.name, i.target_value) for i in Indicator.objects.filter(policy__plan=old)
    } == old_indicators
    new.delete()
    assert structure(Plan.objects.get(pk=old.pk)) == before


def test_starting_publishes_the_new_plan_and_leaves_the_old_ones_version(seed_results):
    old = seed_results
    before = PlanPublication.objects.filter(plan=old).values_list("version", flat=True).first()
    start()
    new = Plan.objects.get(code=NEXT)
    assert PlanPublication.objects.get(plan=new).version >= 1
    assert PlanPublication.objects.filter(plan=old).values_list("version", flat=True).first() == (
        before
    )


@pytest.fixture
def continued(seed_results):
    """The plan continued into FY2026–2030, with an approved FY2026 value of one indicator."""
    start("--status", "active")
    new = Plan.objects.get(code=NEXT)
    indicator = indicator_named(new, "地域活動への市民の参加割合")
    IndicatorResultFactory(
        indicator=indicator, fiscal_year=2026, value=Decimal("49.2"), status="approved"
    )
    return indicator


def test_a_continued_indicators_page_shows_the_series_across_the_boundary(continued, personas):
    client = Client()
    client.force_login(personas["committee"])
    response = client.get(reverse("plans:indicator", args=[NEXT, 2026, continued.pk]))
    shown = page_text(response.content.decode())
    # The old plan's rows (baseline 2020, 2021–2024, its target 2025), then this plan's.
    old_part = shown.index("前の計画: 岡山市協働推進計画(2021年度〜2025年度)")
    this_part = shown.index("この計画: 岡山市協働推進計画(次期)")
    assert old_part < this_part
    assert re.search(r"基準値 2020年度 45\.3%.*2021年度 46\.0%.*2024年度 48\.0%", shown)
    assert re.search(r"目標値 2025年度 50\.8%.*この計画", shown)
    assert re.search(r"この計画: .*基準値 2024年度 48\.0%.*2026年度 49\.2%.*目標値 2030年度", shown)
    svg = response.content.decode()
    assert "前の計画の目標値 2025年度 50.8%" in svg
    assert "2021年度 46.0%(前の計画)" in svg
    assert "2026年度 49.2%" in svg
    # The chart's words for screen readers start with the old plan.
    assert "前の計画(2021年度〜2025年度): 基準値 45.3%" in shown
    # The old plan's page says where the series goes on.
    old_page = client.get(
        reverse("plans:indicator", args=["okayama-kyodo-2021", 2025, continued.predecessor_id])
    )
    assert "次の計画に引き継がれています" in page_text(old_page.content.decode())


def test_the_chart_draws_the_earlier_plan_before_the_boundary(continued, personas):
    client = Client()
    client.force_login(personas["committee"])
    response = client.get(reverse("plans:indicator", args=[NEXT, 2026, continued.pk]))
    chart = response.context["chart"]
    (earlier,) = chart.earlier
    assert [p.year for p in earlier.points] == [2021, 2022, 2024]  # 2023 not measured
    assert [[p.year for p in s] for s in earlier.segments] == [[2020, 2021, 2022], [2024]]
    assert all(p.x < earlier.boundary_x for p in earlier.points)
    assert earlier.target.year == 2025 and earlier.target.x < earlier.boundary_x
    assert [p.year for p in chart.points] == [2026]
    assert all(p.x > earlier.boundary_x for p in chart.points)
    assert chart.x_ticks[0][1] == 2020 and chart.x_ticks[-1][1] == 2030
    assert f'x1="{earlier.boundary_x}"' in response.content.decode()


def test_an_indicator_that_continues_nothing_draws_no_earlier_plan(okayama_plan, personas):
    client = Client()
    client.force_login(personas["committee"])
    indicator = indicator_named(okayama_plan, "地域活動への市民の参加割合")
    response = client.get(reverse("plans:indicator", args=[okayama_plan.code, 2024, indicator.pk]))
    assert response.context["chart"].earlier == ()
    assert "前の計画" not in page_text(response.content.decode())


def test_the_public_list_shows_current_and_past_plans_and_the_lineage(continued):
    old = Plan.objects.get(code="okayama-kyodo-2021")
    old.status = Plan.Status.CLOSED
    old.save()
    shown = page_text(Client().get(reverse("plans:plan_list")).content.decode())
    assert re.search(r"現在の計画 .*次期.* 過去の計画 .*2021年度〜2025年度", shown)
    detail = page_text(Client().get(reverse("plans:plan_detail", args=[NEXT])).content.decode())
    assert "前の計画: 岡山市協働推進計画(2021年度〜2025年度)" in detail
    old_detail = Client().get(reverse("plans:plan_detail", args=[old.code])).content.decode()
    assert "次の計画:" in page_text(old_detail)


def test_a_demo_next_plan_is_marked_on_its_pages(seed_results, personas):
    start("--demo", "--status", "active")
    client = Client()
    client.force_login(personas["committee"])
    for url in (
        reverse("plans:overview", args=[NEXT, 2026]),
        reverse("plans:report", args=[NEXT, 2026]),
        reverse("plans:plan_detail", args=[NEXT]),
    ):
        assert "この計画は動作確認用に作られた架空の計画です" in page_text(
            client.get(url).content.decode()
        ) or "動作確認用に作られた架空の計画です" in page_text(client.get(url).content.decode())
    assert Client().get(reverse("plans:open_json", args=[NEXT])).json()["contains_demo_data"]
    assert "デモ用データ" in page_text(Client().get(reverse("plans:plan_list")).content.decode())


def test_the_admin_action_opens_the_page_that_starts_the_next_plan(seed_results, personas):
    client = Client()
    client.force_login(personas["admin"])
    old = seed_results
    response = client.post(
        reverse("admin:plans_plan_changelist"),
        {"action": "start_next_plan", "_selected_action": [old.pk]},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("plans:next_plan", args=[old.code])
    form_page = client.get(response["Location"])
    shown = page_text(form_page.content.decode())
    assert "1-2 若者(20歳代)の地域活動への参加割合" in shown
    young = indicator_named(old, "若者(20歳代)の地域活動への参加割合")
    sns = indicator_named(old, "SNSのフォロワー数")
    data = {
        "code": NEXT,
        "title": "第3次岡山市協働推進計画",
        "first_fiscal_year": "2026",
        "last_fiscal_year": "2025",  # wrong: before the first year
        "baseline_fiscal_year": "",
        "status": "draft",
        # As the browser sends the form: every indicator's choice, 継続 unless changed.
        **{f"carry_{i.pk}": Carry.CONTINUE for i in Indicator.objects.filter(policy__plan=old)},
        f"carry_{young.pk}": Carry.NEW,
        f"carry_{sns.pk}": Carry.DROP,
    }
    refused = client.post(reverse("plans:next_plan", args=[old.code]), data)
    assert refused.status_code == 200
    assert "最終年度は初年度以降にしてください。" in refused.content.decode()
    assert 'value="第3次岡山市協働推進計画"' in refused.content.decode()  # nothing typed is lost
    assert not Plan.objects.filter(code=NEXT).exists()
    data["last_fiscal_year"] = "2030"
    done = client.post(reverse("plans:next_plan", args=[old.code]), data)
    assert done.status_code == 302, page_text(done.content.decode())
    new = Plan.objects.get(code=NEXT)
    assert done["Location"] == reverse("admin:plans_plan_change", args=[new.pk])
    assert indicator_named(new, "若者(20歳代)の地域活動への参加割合").predecessor is None
    assert not Indicator.objects.filter(policy__plan=new, name="SNSのフォロワー数").exists()
    assert indicator_named(new, "地域活動への市民の参加割合").predecessor is not None


def test_only_the_plan_office_starts_a_next_plan(seed_results, personas):
    for persona in ("staff_a", "committee"):
        client = Client()
        client.force_login(personas[persona])
        url = reverse("plans:next_plan", args=[seed_results.code])
        assert client.get(url).status_code == 403
        assert client.post(url, {"code": NEXT}).status_code == 403
    assert not Plan.objects.filter(code=NEXT).exists()
    with pytest.raises(Exception, match="協働推進課"):
        next_plan_start(
            source=seed_results,
            request=NextPlanRequest(NEXT, "x", 2026, 2030),
            user=personas["committee"],
        )


def test_a_backup_of_the_next_plan_restores_without_its_links_to_the_old_one(continued):
    document = plan_backup(plan=Plan.objects.get(code=NEXT))
    Plan.objects.get(code=NEXT).delete()
    restored = plan_restore(document=document).plan
    assert restored.predecessor is None
    copied = Indicator.objects.filter(policy__plan=restored)
    assert copied.count() == 7 and not copied.filter(predecessor__isnull=False).exists()
    # The old plan's indicators are untouched (the restored rows never point at them).
    assert Indicator.objects.filter(policy__plan__code="okayama-kyodo-2021").count() == 7


def makefile_demo_commands():
    """The manage.py commands of the Makefile's `demo` target, as `make run` runs them."""
    text = (Path(settings.BASE_DIR) / "Makefile").read_text()
    variables = dict(re.findall(r"^(\w+) \?= (.+)$", text, re.M))
    recipe = re.search(r"^demo: install\n((?:\t.*\n)+)", text, re.M)[1].replace("\\\n", " ")
    commands = []
    for line in recipe.splitlines():
        line = re.sub(r"\$\((\w+)\)", lambda m: variables.get(m[1], ""), line)
        words = shlex.split(line.split("manage.py", 1)[1])
        commands.append(words)
    return commands


def test_make_run_twice_makes_the_demo_next_plan_once(okayama_plan, settings):
    settings.DEBUG = True  # the demo accounts refuse to be made otherwise
    commands = makefile_demo_commands()
    assert [words[0] for words in commands] == ["create_demo_accounts", "start_next_plan"]
    for _ in range(2):
        for name, *args in commands:
            call_command(name, *args, stdout=StringIO())
    demo = Plan.objects.get(predecessor=okayama_plan)
    # 策定中: the dashboards still open on the loaded plan, which has the demo's values.
    assert demo.is_demo and demo.status == Plan.Status.DRAFT
    assert active_plans().first() == okayama_plan
    assert (demo.first_fiscal_year, demo.last_fiscal_year) == (2026, 2030)
    assert Plan.objects.count() == 2
    assert Indicator.objects.filter(policy__plan=demo, predecessor__isnull=False).count() == 7
    # Its made-up targets go on from the new baseline by the old plan's step.
    continued = indicator_named(demo, "地域活動への市民の参加割合")
    old = continued.predecessor
    assert continued.target_value - continued.baseline_value == (
        old.target_value - old.baseline_value
    )


def test_the_continued_indicator_page_reads_a_fixed_number_of_queries(
    continued, personas, django_assert_max_num_queries
):
    client = Client()
    client.force_login(personas["committee"])
    url = reverse("plans:indicator", args=[NEXT, 2026, continued.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    old = continued.predecessor
    IndicatorResultFactory(indicator=old, fiscal_year=2025, value=Decimal("49"), status="approved")
    with django_assert_max_num_queries(len(first)):
        response = client.get(url)
    assert "2025年度 49.0%(前の計画)" in response.content.decode()


def test_a_predecessor_must_be_an_earlier_plan_at_every_door(continued, personas):
    new = continued.policy.plan
    old = continued.predecessor.policy.plan
    # What the admin form runs: an indicator of its own plan as predecessor is refused.
    same_plan = Indicator.objects.filter(policy__plan=new).exclude(pk=continued.pk).first()
    continued.predecessor = same_plan
    with pytest.raises(ValidationError, match="この計画より前の計画の指標"):
        continued.full_clean()
    old.predecessor = new
    with pytest.raises(ValidationError, match="初年度より前に終わる計画"):
        old.full_clean()

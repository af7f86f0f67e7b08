"""Loading a plan file: idempotent, all-or-nothing, and never undoing an administrator's edits."""

import copy
import io

import pytest
from django.core.management import CommandError, call_command

from indicators.models import Indicator
from plans.models import BasicPolicy, Measure, Plan
from plans.plan_file import PlanFileError, plan_load, read_plan_file
from projects.models import MeasureProject, Project
from tests.conftest import OKAYAMA_PLAN_FILE

MODELS = [Plan, BasicPolicy, Measure, Indicator, Project, MeasureProject]


def snapshot():
    """Every row of the plan structure, as plain values."""
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in MODELS}


@pytest.fixture
def plan_data():
    return read_plan_file(OKAYAMA_PLAN_FILE)


def run_load_plan(*args):
    out = io.StringIO()
    call_command("load_plan", str(OKAYAMA_PLAN_FILE), *args, stdout=out)
    return out.getvalue()


def test_loading_the_plan_twice_changes_nothing(empty_database):
    first = run_load_plan()
    assert "計画 1件" in first and "事業 28件" in first
    before = snapshot()

    second = run_load_plan()

    assert "すでに読み込まれています" in second
    assert snapshot() == before


def test_updating_from_an_unchanged_file_changes_nothing(empty_database, plan_data):
    plan_load(data=plan_data)
    before = snapshot()

    report = plan_load(data=plan_data, update=True)

    assert not report.changed_anything
    assert report.unchanged["基本施策"] == 7
    assert snapshot() == before


def test_a_second_load_keeps_what_the_administrator_edited(empty_database, plan_data):
    plan = plan_load(data=plan_data).plan
    Plan.objects.filter(pk=plan.pk).update(title="第2次岡山市協働推進計画")

    run_load_plan()
    assert Plan.objects.get(pk=plan.pk).title == "第2次岡山市協働推進計画"

    output = run_load_plan("--update")
    assert "更新: 計画 1件" in output
    assert Plan.objects.get(pk=plan.pk).title == "岡山市協働推進計画"


def test_update_corrects_a_changed_figure_in_place(empty_database, plan_data):
    plan_load(data=plan_data)
    corrected = copy.deepcopy(plan_data)
    corrected["policies"][1]["indicators"][1]["target"] = "4200"

    report = plan_load(data=corrected, update=True)

    assert report.updated == {"成果指標": 1}
    assert Indicator.objects.get(name="ESD・市民協働推進センターの相談者数").target_value == 4200
    assert Indicator.objects.count() == 7


def test_a_file_with_an_error_writes_nothing(empty_database, plan_data):
    broken = copy.deepcopy(plan_data)
    # The last policy's indicator has its target year before its baseline year.
    broken["policies"][2]["indicators"][0]["target_year"] = 2019

    with pytest.raises(PlanFileError, match="基本方針3 成果指標1"):
        plan_load(data=broken)

    assert snapshot() == {model.__name__: [] for model in MODELS}


def test_unknown_keys_are_refused_with_their_place(empty_database, plan_data):
    typo = copy.deepcopy(plan_data)
    typo["policies"][0]["measures"][0]["titel"] = "x"

    with pytest.raises(PlanFileError, match="基本施策1-1: 知らない項目があります: titel"):
        plan_load(data=typo)


def test_a_row_naming_projects_that_are_not_listed_before_is_refused(empty_database, plan_data):
    broken = copy.deepcopy(plan_data)
    broken["policies"][1]["measures"][2]["projects"][2]["names"] = ["存在しない事業"]

    with pytest.raises(PlanFileError, match="存在しない事業"):
        plan_load(data=broken)
    assert not Plan.objects.exists()


def test_command_reports_a_missing_file_in_japanese(tmp_path):
    with pytest.raises(CommandError, match="計画ファイルが見つかりません"):
        call_command("load_plan", str(tmp_path / "missing.toml"))


def test_command_reports_a_file_that_is_not_toml(tmp_path):
    path = tmp_path / "plan.toml"
    path.write_text("[plan\ncode = ", encoding="utf-8")
    with pytest.raises(CommandError, match="書式が正しくありません"):
        call_command("load_plan", str(path))


def test_the_plan_file_holds_no_demo_data():
    text = OKAYAMA_PLAN_FILE.read_text(encoding="utf-8")
    assert "デモ" not in text
    assert "department" not in text

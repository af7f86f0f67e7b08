"""Backing up a plan and restoring it: the round trip, the refusals, and the plans beside it."""

import json
import re
import stat
from datetime import datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from indicators.models import Indicator, IndicatorResult
from plans.models import (
    BasicPolicy,
    CommitteeOpinion,
    Department,
    EntryStatus,
    Measure,
    MeasureAssessment,
    OpinionLetter,
    OpinionResponse,
    Plan,
    PlanYear,
)
from plans.progress.kinds import INDICATORS, MEASURES, PROJECTS, RESPONSES
from plans.progress.opinions import LetterItem, letter_save, opinion_save
from plans.progress.workflow import (
    entry_approve,
    entry_return,
    entry_save,
    plan_year_lock,
    plan_year_reopen,
    plan_year_set_deadline,
)
from plans.roles import COMMITTEE_CHAIR
from projects.models import MeasureProject, Project, ProjectProgress
from tests.conftest import plan_rows_delete
from tests.factories import IndicatorFactory, MeasureProjectFactory, PlanFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
YEAR = 2025
CODE = "okayama-kyodo-2021"
DEADLINE = timezone.localdate() + timedelta(days=30)
RETURN_REASON = "基準の取り方が昨年度と違います。確認してください。"

PLAN_MODELS = [
    Plan,
    PlanYear,
    BasicPolicy,
    Measure,
    MeasureAssessment,
    Indicator,
    IndicatorResult,
    Project,
    MeasureProject,
    ProjectProgress,
    CommitteeOpinion,
    OpinionLetter,
    OpinionResponse,
]
HISTORY_MODELS = [
    model.history.model
    for model in (
        PlanYear,
        MeasureAssessment,
        Indicator,
        IndicatorResult,
        Project,
        ProjectProgress,
        CommitteeOpinion,
        OpinionLetter,
        OpinionResponse,
    )
]
EVERY_TABLE = [
    *PLAN_MODELS,
    *HISTORY_MODELS,
    User,
    Group,
    Department,
    Department.members.through,
    User.groups.through,
]


# --- the data: a plan used for years, through the real workflow ------------------------------


def indicator_values(value=None, not_measured=False, analysis="前年度より増加した。"):
    return {"value": value, "not_measured": not_measured, "analysis": analysis}


def enter(kind, target, user, values, submit=True):
    return entry_save(
        kind=kind,
        target=target,
        fiscal_year=YEAR,
        user=user,
        values=values,
        version=0,
        submit=submit,
    )


def give_to_department(target, department, admin):
    target.department = department
    target._history_user = admin
    target.save()


def use_the_plan(plan, personas):
    """Four approved years (the seed results) and FY2025 entered, reviewed and partly returned."""
    admin, bob = personas["admin"], personas["staff_a"]
    indicators = list(
        Indicator.objects.filter(policy__plan=plan).order_by("policy__number", "position")
    )
    projects = list(Project.objects.filter(plan=plan).order_by("pk")[:2])
    for target in indicators[:4] + projects:
        give_to_department(target, personas["department_a"], admin)

    approved = enter(INDICATORS, indicators[0], bob, indicator_values(Decimal("49.2")))
    entry_approve(entry=approved, user=admin, version=approved.version)
    returned = enter(INDICATORS, indicators[1], bob, indicator_values(Decimal("20.1")))
    entry_return(entry=returned, user=admin, version=returned.version, reason=RETURN_REASON)
    not_measured = enter(
        INDICATORS,
        indicators[2],
        bob,
        indicator_values(not_measured=True, analysis="今年度は調査を行わないため。"),
    )
    entry_approve(entry=not_measured, user=admin, version=not_measured.version)
    deleted = enter(INDICATORS, indicators[3], bob, indicator_values(Decimal("900")), submit=False)
    deleted.delete()  # e.g. in the admin: its history stays and must be kept too

    progress = enter(
        PROJECTS,
        projects[0],
        bob,
        {
            "activities": "講座を4回開催し、延べ120人が参加した。",
            "grade": "B",
            "issues": "参加者が固定化している。",
            "outlook": "continue",
            "budget_amount": Decimal("1200"),
            "settlement_amount": Decimal("1130"),
        },
    )
    entry_approve(entry=progress, user=admin, version=progress.version)
    enter(PROJECTS, projects[1], bob, {"activities": "準備中"}, submit=False)

    # Measure 1-1 names department A, which writes its assessment; 1-2 is the plan office's.
    measures = list(Measure.objects.filter(policy__plan=plan).order_by("policy__number", "number"))
    give_to_department(measures[0], personas["department_a"], admin)
    assessment = enter(
        MEASURES,
        measures[0],
        bob,
        {"assessment": "指標は順調に伸びている。", "direction": "若い世代への周知を強める。"},
    )
    entry_approve(entry=assessment, user=admin, version=assessment.version)
    enter(MEASURES, measures[1], admin, {"assessment": "集計中"}, submit=False)

    # The committee: two shared opinions (one merged into the other by the chair), a draft,
    # the published 意見書 and the city's submitted response.
    chair = personas["committee"]
    chair.groups.add(Group.objects.get(name=COMMITTEE_CHAIR))
    opinions = [
        opinion_save(
            plan=plan,
            fiscal_year=YEAR,
            user=chair,
            opinion=None,
            subject=subject,
            body=body,
            version=0,
            share=share,
        )
        for subject, body, share in (
            (measures[0], "若い世代の参加を広げること。", True),
            (None, "大学との連携を。", True),
            (indicators[0], "下書き", False),
        )
    ]
    letter_save(
        plan=plan, fiscal_year=YEAR, user=chair, preface="意見を述べる。", version=0,
        items=[
            LetterItem(opinions[0].pk, 1, "若い世代の参加を広げること(整理)。", None),
            LetterItem(opinions[1].pk, None, "", opinions[0].pk),
        ],
        publish=True,
    )  # fmt: skip
    enter(RESPONSES, opinions[0], admin, {"response": "大学と連携した講座を開く。"})

    plan_year_set_deadline(plan=plan, fiscal_year=YEAR, user=admin, deadline=DEADLINE)
    plan_year_lock(plan=plan, fiscal_year=2021, user=admin)
    plan_year_lock(plan=plan, fiscal_year=2022, user=admin)
    plan_year_reopen(plan=plan, fiscal_year=2022, user=admin)
    return plan


@pytest.fixture
def used_plan(seed_results, personas):
    return use_the_plan(seed_results, personas)


@pytest.fixture
def other_plan(personas):
    """A second plan, of department B, with an approved value and its history."""
    admin, charlie = personas["admin"], personas["staff_b"]
    link = MeasureProjectFactory(measure__policy__plan=PlanFactory(code="other-city-2024"))
    plan = link.measure.policy.plan
    indicator = IndicatorFactory(policy=link.measure.policy, name="他市の指標")
    for target in (indicator, link.project):
        give_to_department(target, personas["department_b"], admin)
    result = enter(INDICATORS, indicator, charlie, indicator_values(Decimal("44.0")))
    entry_approve(entry=result, user=admin, version=result.version)
    plan_year_lock(plan=plan, fiscal_year=2021, user=admin)
    return plan


# --- helpers ---------------------------------------------------------------------------------


def backup(code=CODE):
    out = StringIO()
    call_command("backup_plan", code, stdout=out)
    return json.loads(out.getvalue())


def restore(tmp_path, document):
    path = tmp_path / "backup.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    out = StringIO()
    call_command("restore_plan", str(path), stdout=out)
    return out.getvalue()


def without_created_at(document):
    return {key: value for key, value in document.items() if key != "created_at"}


def rows_of(document, model):
    return [row for row in document["objects"] if row["model"] == model._meta.label_lower]


def row_counts():
    return {model._meta.label: model.objects.count() for model in EVERY_TABLE}


def empty_the_database():
    """As on a new server after `migrate` and `setup_roles`: no plan, no history, no users, no
    departments, the role groups kept, and every key sequence of the plan starting again at 1."""
    plan_rows_delete()
    User.objects.all().delete()
    Department.objects.all().delete()


def canonical(document):
    """The document with each plan row's key replaced by its rank among its model's keys.

    Restoring beside other rows renumbers the keys but must keep their order and every link.
    """
    models = {model._meta.label_lower: model for model in PLAN_MODELS + HISTORY_MODELS}
    keys = {model: set() for model in models.values()}
    links = []
    for row in document["objects"]:
        model = models[row["model"]]
        keys[model].add(row["pk"])
        for name, value in row["fields"].items():
            target = model.instance_type if name == "id" and model in HISTORY_MODELS else None
            model_field = model._meta.get_field(name)
            if model_field.many_to_one and model_field.related_model in keys:
                target = model_field.related_model
            if target is not None and value is not None:
                keys[target].add(value)
                links.append(target)
    assert links, "the document links its rows"
    rank = {model: {key: n for n, key in enumerate(sorted(found))} for model, found in keys.items()}

    def ranked(row):
        model = models[row["model"]]
        fields = {}
        for name, value in row["fields"].items():
            model_field = model._meta.get_field(name)
            target = model.instance_type if name == "id" and model in HISTORY_MODELS else None
            if model_field.many_to_one and model_field.related_model in rank:
                target = model_field.related_model
            fields[name] = rank[target][value] if target and value is not None else value
        return {"model": row["model"], "pk": rank[model][row["pk"]], "fields": fields}

    return {**without_created_at(document), "objects": [ranked(r) for r in document["objects"]]}


# --- backup ----------------------------------------------------------------------------------


def test_backup_holds_every_row_of_the_plan_with_its_history(used_plan):
    document = backup()

    assert (document["format"], document["format_version"], document["plan_code"]) == (
        "okayama-kyodo-plan-backup",
        1,
        CODE,
    )
    assert datetime.fromisoformat(document["created_at"]).utcoffset() is not None
    for model in PLAN_MODELS:  # the only plan in the database: every row is the plan's
        assert sorted(row["pk"] for row in rows_of(document, model)) == sorted(
            model.objects.values_list("pk", flat=True)
        ), model
    for model in HISTORY_MODELS:
        assert len(rows_of(document, model)) == model.objects.count() > 0, model


def test_backup_keeps_the_workflow_as_it_happened(used_plan, personas):
    document = backup()
    results = rows_of(document, IndicatorResult)
    statuses = sorted(
        row["fields"]["status"] for row in results if row["fields"]["fiscal_year"] == YEAR
    )
    assert statuses == [EntryStatus.APPROVED, EntryStatus.APPROVED, EntryStatus.RETURNED]
    returned = next(row["fields"] for row in results if row["fields"]["status"] == "returned")
    assert (returned["return_reason"], returned["entered_by"]) == (RETURN_REASON, "bob")
    assert any(r["fields"]["not_measured"] and r["fields"]["value"] is None for r in results)
    progress = rows_of(document, ProjectProgress)
    assert {(p["fields"]["budget_amount"], p["fields"]["settlement_amount"]) for p in progress} >= {
        ("1200", "1130")
    }
    result_history = rows_of(document, IndicatorResult.history.model)
    deleted = [row for row in result_history if row["fields"]["history_type"] == "-"]
    assert len(deleted) == 1 and deleted[0]["fields"]["value"] == "900.0000"
    assert {row["fields"]["history_user"] for row in result_history} >= {"alice", "bob"}
    assessments = {
        row["fields"]["status"]: row["fields"] for row in rows_of(document, MeasureAssessment)
    }
    approved = assessments[EntryStatus.APPROVED]
    assert (approved["direction"], approved["entered_by"], approved["approved_by"]) == (
        "若い世代への周知を強める。",
        "bob",
        "alice",
    )
    assert assessments[EntryStatus.DRAFT]["entered_by"] == "alice"
    (measure,) = [row for row in rows_of(document, Measure) if row["pk"] == approved["measure"]]
    assert measure["fields"]["department"] == "市民協働企画課"  # by name, as every department
    years = {row["fields"]["fiscal_year"]: row["fields"] for row in rows_of(document, PlanYear)}
    assert (years[2021]["is_locked"], years[2021]["locked_by"]) == (True, "alice")
    assert (years[2022]["is_locked"], years[YEAR]["entry_deadline"]) == (
        False,
        DEADLINE.isoformat(),
    )


def test_backup_names_users_and_departments_with_what_a_restore_needs(used_plan, personas):
    document = backup()
    users = {user["username"]: user for user in document["users"]}

    # dave wrote the committee's opinions and published the 意見書 (as chair); charlie touched
    # nothing of the plan. A restored dave is the chair again (his groups are in the file).
    assert set(users) == {"alice", "bob", "dave"}
    assert users["dave"]["groups"] == ["協働推進委員", "委員長"]
    alice = users["alice"]
    assert alice["password"] == User.objects.get(username="alice").password
    assert (alice["is_staff"], alice["is_superuser"], alice["groups"]) == (
        True,
        False,
        ["計画管理者"],
    )
    assert document["departments"] == [
        {"name": "市民協働企画課", "is_demo": False, "members": ["bob"]}
    ]
    department = personas["department_a"].name
    assert {row["fields"]["department"] for row in rows_of(document, Indicator)} == {
        department,
        None,
    }


def test_backup_command_writes_a_file_only_its_owner_can_read(used_plan, tmp_path):
    path = tmp_path / "okayama.json"
    out = StringIO()
    call_command("backup_plan", CODE, output=str(path), stdout=out)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text(encoding="utf-8"))["plan_code"] == CODE
    assert "バックアップしました" in out.getvalue()
    assert [p.name for p in tmp_path.iterdir()] == ["okayama.json"]  # no temporary file left


def test_backup_of_an_unknown_plan_is_refused(db):
    with pytest.raises(CommandError, match="計画コード「no-such-plan」の計画はありません"):
        backup("no-such-plan")


# --- restore ---------------------------------------------------------------------------------


def test_restore_into_an_empty_database_gives_back_the_same_backup(used_plan, tmp_path):
    before = backup()
    empty_the_database()
    assert not IndicatorResult.history.model.objects.exists()

    output = restore(tmp_path, before)

    assert without_created_at(backup()) == without_created_at(before)
    assert "番号(主キー)はバックアップのままです。" in output
    assert f"成果指標の実績 {len(rows_of(before, IndicatorResult))}件" in output
    assert "ユーザー: 新規 3人、既存を使用 0人" in output
    assert User.objects.get(username="bob").check_password("test-password-123")


def test_after_restore_new_entries_get_keys_of_their_own(used_plan, personas, tmp_path):
    before = backup()
    empty_the_database()
    restore(tmp_path, before)
    bob, alice = User.objects.get(username="bob"), User.objects.get(username="alice")
    indicator = Indicator.objects.get(name="SNSのフォロワー数")
    give_to_department(indicator, Department.objects.get(name="市民協働企画課"), alice)

    result = enter(INDICATORS, indicator, bob, indicator_values(Decimal("1800")))
    year = plan_year_lock(plan=indicator.policy.plan, fiscal_year=2023, user=alice)

    history = IndicatorResult.history.model
    assert result.pk > max(row["pk"] for row in rows_of(before, IndicatorResult))
    assert year.pk > max(row["pk"] for row in rows_of(before, PlanYear))
    assert history.objects.filter(id=result.pk).count() == 1
    assert history.objects.latest("history_id").history_id > max(
        row["pk"] for row in rows_of(before, history)
    )


def test_existing_users_and_departments_are_used_as_they_are(used_plan, tmp_path):
    before = backup()
    empty_the_database()
    bob = User.objects.create_user("bob", password="another-password-456", is_staff=True)
    department = Department.objects.create(name="市民協働企画課")

    output = restore(tmp_path, before)

    bob.refresh_from_db()
    assert bob.check_password("another-password-456") and bob.is_staff
    assert not bob.groups.exists()
    assert not department.members.exists()
    assert set(
        IndicatorResult.objects.filter(fiscal_year=YEAR).values_list("entered_by", flat=True)
    ) == {bob.pk}
    assert set(Indicator.objects.exclude(department=None).values_list("department", flat=True)) == {
        department.pk
    }
    assert "ユーザー: 新規 2人、既存を使用 1人" in output
    assert "所管課: 新規 0件、既存を使用 1件" in output


def test_restore_refuses_a_plan_that_exists_and_writes_nothing(used_plan, tmp_path):
    document = backup()
    document["users"].append({"username": "newcomer", "password": "!", "groups": []})
    before = row_counts()

    with pytest.raises(CommandError, match=f"計画コード「{CODE}」の計画はすでにあります"):
        restore(tmp_path, document)

    assert row_counts() == before
    assert not User.objects.filter(username="newcomer").exists()


def broken(text):
    return text[: len(text) // 2]


def other_format(document):
    return json.dumps({**document, "format": "django-dumpdata"})


def next_version(document):
    return json.dumps({**document, "format_version": 2})


def unknown_group(document):
    document["users"][-1]["groups"].append("旧システム管理者")
    return json.dumps(document)


def unknown_row_kind(document):
    document["objects"].append({"model": "auth.permission", "pk": 1, "fields": {}})
    return json.dumps(document)


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda document: broken(json.dumps(document)), "壊れています"),
        (lambda document: "[1, 2, 3]", "計画のバックアップファイルではありません"),
        (other_format, "計画のバックアップファイルではありません"),
        (next_version, "形式の版(2)には対応していません"),
        (unknown_group, "ないグループ(役割)がバックアップにあります: 旧システム管理者"),
        (unknown_row_kind, "知らない種類の行があります: auth.permission"),
    ],
    ids=[
        "broken-json",
        "not-an-object",
        "other-format",
        "next-version",
        "unknown-group",
        "other-rows",
    ],
)
def test_restore_refuses_what_is_not_a_backup_it_reads_and_writes_nothing(
    used_plan, tmp_path, spoil, message
):
    document = backup()
    empty_the_database()
    path = tmp_path / "spoiled.json"
    path.write_text(spoil(document), encoding="utf-8")
    before = row_counts()

    with pytest.raises(CommandError, match=re.escape(message)) as refused:
        call_command("restore_plan", str(path), stdout=StringIO())

    assert "何も書き込んでいません" in str(refused.value)
    assert row_counts() == before


def test_restore_refuses_a_missing_file(db, tmp_path):
    with pytest.raises(CommandError, match="ファイルを開けません"):
        call_command("restore_plan", str(tmp_path / "missing.json"), stdout=StringIO())


def test_a_plan_beside_is_untouched_and_the_restored_plan_renumbered(
    used_plan, other_plan, tmp_path
):
    other_before = backup(other_plan.code)
    before = backup()
    other_names = {"他市の指標", other_plan.title, "charlie", "地域づくり支援課"}
    assert not {name for name in other_names if name in json.dumps(before, ensure_ascii=False)}

    # Deleted by mistake: its history, with the old keys, stays in the database.
    Plan.objects.get(code=CODE).delete()
    output = restore(tmp_path, before)

    assert "番号(主キー)を振り直したもの" in output
    after = backup()
    assert canonical(after) == canonical(before)
    assert {row["pk"] for row in rows_of(after, Indicator)}.isdisjoint(
        row["pk"] for row in rows_of(before, Indicator)
    )
    assert without_created_at(backup(other_plan.code)) == without_created_at(other_before)

"""Backing up one plan with its results and history, and restoring it into another database.

A backup is one JSON document: a header, the users and departments the plan refers to, and every
row of the plan (its text, its years' settings, the entries, and the change history of all of
them) as Django's "python" serializer writes them, in the order they are restored. Users are
written by username and departments by name, because their primary keys differ from server to
server; the plan's own rows keep theirs, and restoring keeps them when it can (see `_key_map`).
"""

import json
import os
import tempfile
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.db import DatabaseError, connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from indicators.models import Indicator, IndicatorResult, IndicatorRevision, IndicatorYearTarget
from plans.models import (
    BasicPolicy,
    CommitteeOpinion,
    Department,
    Measure,
    MeasureAssessment,
    OpinionLetter,
    OpinionResponse,
    Plan,
    PlanYear,
)
from plans.publication import plan_published_version_bump
from projects.models import MeasureProject, Project, ProjectProgress, ProjectRevision

FORMAT = "okayama-kyodo-plan-backup"
FORMAT_VERSION = 1

# A row is restored after the rows it points to.
PLAN_MODELS = [
    Plan,
    PlanYear,
    BasicPolicy,
    Measure,
    MeasureAssessment,
    Indicator,
    IndicatorResult,
    IndicatorRevision,
    IndicatorYearTarget,
    Project,
    MeasureProject,
    ProjectProgress,
    CommitteeOpinion,
    OpinionLetter,
    OpinionResponse,
    ProjectRevision,
]
HISTORY_MODELS = [model.history.model for model in PLAN_MODELS if hasattr(model, "history")]
MODELS_BY_LABEL = {model._meta.label_lower: model for model in PLAN_MODELS + HISTORY_MODELS}

USER_FIELDS = ["first_name", "last_name", "email", "is_active", "is_staff", "is_superuser"]


class BackupError(Exception):
    """A backup that cannot be made or restored; the message says why, in Japanese."""


@dataclass
class RestoreReport:
    plan: Plan
    rows: dict = field(default_factory=dict)  # verbose name -> rows restored
    history: dict = field(default_factory=dict)  # verbose name -> history rows restored
    users_created: int = 0
    users_reused: int = 0
    departments_created: int = 0
    departments_reused: int = 0
    renumbered: list = field(default_factory=list)  # verbose names of the models given new keys


# --- what belongs to a plan ------------------------------------------------------------------


def _is_history(model):
    return model in HISTORY_MODELS


def _label(model):
    if _is_history(model):
        return f"{model.instance_type._meta.verbose_name}の変更履歴"
    return str(model._meta.verbose_name)


def _references(model):
    """The model's fields that hold a key of another row, and the model that key belongs to.

    A history row's `id` is the key of the row it is a version of.
    """
    references = {
        model_field.name: model_field.related_model
        for model_field in model._meta.concrete_fields
        if model_field.many_to_one
    }
    if _is_history(model):
        references["id"] = model.instance_type
    return references


def _plan_querysets(plan):
    """Every row of the plan, model by model in the order of PLAN_MODELS, then HISTORY_MODELS.

    History is found through the plan's current rows and also through the history itself, so
    that the history of an entry, indicator or project deleted since is kept as well.
    """
    policies = BasicPolicy.objects.filter(plan=plan)
    measures = Measure.objects.filter(policy__plan=plan)
    indicators = Indicator.objects.filter(policy__plan=plan)
    projects = Project.objects.filter(plan=plan)
    history = {model.instance_type: model.objects for model in HISTORY_MODELS}
    indicator_history = history[Indicator].filter(
        Q(policy_id__in=policies.values("pk")) | Q(id__in=indicators.values("pk"))
    )
    project_history = history[Project].filter(Q(plan_id=plan.pk) | Q(id__in=projects.values("pk")))
    opinions = CommitteeOpinion.objects.filter(plan=plan)
    return [
        Plan.objects.filter(pk=plan.pk),
        PlanYear.objects.filter(plan=plan),
        policies,
        measures,
        MeasureAssessment.objects.filter(measure__policy__plan=plan),
        indicators,
        IndicatorResult.objects.filter(indicator__policy__plan=plan),
        IndicatorRevision.objects.filter(indicator__policy__plan=plan),
        IndicatorYearTarget.objects.filter(indicator__policy__plan=plan),
        projects,
        MeasureProject.objects.filter(project__plan=plan, measure__policy__plan=plan),
        ProjectProgress.objects.filter(project__plan=plan),
        opinions,
        OpinionLetter.objects.filter(plan=plan),
        OpinionResponse.objects.filter(opinion__plan=plan),
        ProjectRevision.objects.filter(project__plan=plan),
        history[PlanYear].filter(
            Q(plan_id=plan.pk) | Q(id__in=PlanYear.objects.filter(plan=plan).values("pk"))
        ),
        history[MeasureAssessment].filter(measure_id__in=measures.values("pk")),
        indicator_history,
        *(
            history[model].filter(
                Q(indicator_id__in=indicators.values("pk"))
                | Q(indicator_id__in=indicator_history.values("id"))
            )
            for model in (IndicatorResult, IndicatorRevision, IndicatorYearTarget)
        ),
        project_history,
        *(
            history[model].filter(
                Q(project_id__in=projects.values("pk"))
                | Q(project_id__in=project_history.values("id"))
            )
            for model in (ProjectProgress, ProjectRevision)
        ),
        history[CommitteeOpinion].filter(plan_id=plan.pk),
        history[OpinionLetter].filter(plan_id=plan.pk),
        history[OpinionResponse].filter(opinion_id__in=opinions.values("pk")),
    ]


# --- backup ----------------------------------------------------------------------------------


@contextmanager
def _consistent_reads():
    """One read-only transaction that sees the database as it was when the backup began.

    Staff may be saving entries meanwhile; under PostgreSQL's default READ COMMITTED an entry
    and its history rows could be read at different moments and disagree.
    """
    starts_transaction = not connection.in_atomic_block
    with transaction.atomic():
        if starts_transaction and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def plan_backup(*, plan):
    """The backup document of a plan: a dict ready for `backup_dumps`."""
    with _consistent_reads():
        objects = [
            row
            for queryset in _plan_querysets(plan)
            for row in serializers.serialize("python", queryset.order_by("pk"))
        ]
        departments = _referenced(objects, Department).prefetch_related("members")
        users = _referenced(objects, get_user_model()) | get_user_model().objects.filter(
            departments__in=departments
        )
        users = users.distinct().prefetch_related("groups").order_by("username")
        usernames = {user.pk: user.username for user in users}
        department_names = {department.pk: department.name for department in departments}
        for row in objects:
            _replace_keys(row, usernames, department_names)
            # A link to the plan (or an indicator of the plan) this one continues is a row of
            # another plan, not in the file: left out, as if the plan continued none.
            if "predecessor" in row["fields"]:
                row["fields"]["predecessor"] = None
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "plan_code": plan.code,
            "created_at": timezone.localtime().isoformat(),
            "users": [_user_entry(user) for user in users],
            "departments": sorted(
                (_department_entry(department) for department in departments),
                key=lambda entry: entry["name"],
            ),
            "objects": objects,
        }


def _referenced(objects, target):
    """The rows of `target` (users or departments) that the serialized rows point to."""
    keys = {
        row["fields"][name]
        for row in objects
        for name, model in _references(MODELS_BY_LABEL[row["model"]]).items()
        if model is target and row["fields"][name] is not None
    }
    return target.objects.filter(pk__in=keys).order_by("pk")


def _replace_keys(row, usernames, department_names):
    """Write users by username and departments by name; a key whose row is gone becomes null.

    History rows do not hold database constraints, so an old version may name a deleted user.
    """
    for name, model in _references(MODELS_BY_LABEL[row["model"]]).items():
        key = row["fields"][name]
        if model is get_user_model():
            row["fields"][name] = usernames.get(key)
        elif model is Department:
            row["fields"][name] = department_names.get(key)


def _user_entry(user):
    return {
        "username": user.username,
        **{name: getattr(user, name) for name in USER_FIELDS},
        "date_joined": user.date_joined,
        "password": user.password,
        "groups": sorted(group.name for group in user.groups.all()),
    }


def _department_entry(department):
    return {
        "name": department.name,
        "is_demo": department.is_demo,
        "members": sorted(member.username for member in department.members.all()),
    }


class _BackupEncoder(json.JSONEncoder):
    """Decimals as exact strings and times with their microseconds (Django's own JSON encoder
    cuts them to milliseconds, and a restored history would then differ from the original)."""

    def default(self, o):
        if isinstance(o, Decimal):
            return str(o)
        if isinstance(o, date):  # datetimes too
            return o.isoformat()
        return super().default(o)


def backup_dumps(document):
    return json.dumps(document, cls=_BackupEncoder, ensure_ascii=False, indent=1)


def backup_write(document, path):
    """Write the backup readable by its owner only (0600): it holds password hashes.

    The file is written beside its final name and renamed, so a failed backup never leaves a
    half-written file in place of the last good one.
    """
    path = Path(path)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(backup_dumps(document))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# --- restore ---------------------------------------------------------------------------------


def backup_read(data):
    """The backup document in a file's bytes; BackupError when it is not one this version reads."""
    try:
        document = json.loads(data)
    except ValueError as error:
        raise BackupError(
            f"バックアップファイルが壊れています(JSONとして読めません: {error})。"
        ) from error
    _check_header(document)
    return document


def _check_header(document):
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BackupError(
            "計画のバックアップファイルではありません"
            "(backup_plan で作ったファイルを指定してください)。"
        )
    version = document.get("format_version")
    if version != FORMAT_VERSION:
        raise BackupError(
            f"バックアップファイルの形式の版({version})には対応していません。"
            f"このポータルが復元できるのは版{FORMAT_VERSION}です。"
        )
    shape = {"plan_code": str, "users": list, "departments": list, "objects": list}
    missing = [key for key, kind in shape.items() if not isinstance(document.get(key), kind)]
    if missing:
        raise BackupError(f"バックアップファイルの内容が欠けています: {'、'.join(missing)}")


@transaction.atomic
def plan_restore(*, document):
    """Restore a plan from its backup document in one transaction; BackupError writes nothing.

    Users and departments that already exist (same username, same name) are used as they are:
    their passwords, flags, groups and members are this server's, not the backup's.
    """
    _check_header(document)
    objects = _checked_objects(document)
    code = document["plan_code"]
    if Plan.objects.filter(code=code).exists():
        raise BackupError(
            f"計画コード「{code}」の計画はすでにあります。復元は、その計画がないデータベースにだけ行えます。"
        )
    _check_groups(document["users"])
    report = RestoreReport(plan=None)
    user_keys = _restore_users(document["users"], report)
    department_keys = _restore_departments(document["departments"], user_keys, report)
    key_maps = _key_maps(objects, report)
    for model in PLAN_MODELS + HISTORY_MODELS:
        rows = [
            _remapped(row, key_maps, user_keys, department_keys)
            for row in objects
            if MODELS_BY_LABEL[row["model"]] is model
        ]
        _insert(rows)
        if _is_history(model):
            report.history[str(model.instance_type._meta.verbose_name)] = len(rows)
        else:
            report.rows[_label(model)] = len(rows)
    _reset_sequences(key_maps)
    report.plan = Plan.objects.get(code=code)
    plan_published_version_bump(plan=report.plan)
    return report


def _checked_objects(document):
    objects = document["objects"]
    for row in objects:
        if not (
            isinstance(row, dict)
            and isinstance(row.get("pk"), int)
            and isinstance(row.get("fields"), dict)
        ):
            raise BackupError("バックアップファイルの行の形が正しくありません。")
        if row.get("model") not in MODELS_BY_LABEL:
            raise BackupError(f"このポータルが知らない種類の行があります: {row.get('model')}")
    plans = [row for row in objects if row["model"] == "plans.plan"]
    if len(plans) != 1 or plans[0]["fields"].get("code") != document["plan_code"]:
        raise BackupError("バックアップファイルに、見出しの計画コードの計画がありません。")
    return objects


def _check_groups(users):
    """Roles come from `setup_roles`, not from a file: a group this server lacks is refused."""
    names = {name for user in users for name in user.get("groups", [])}
    unknown = names - set(Group.objects.filter(name__in=names).values_list("name", flat=True))
    if unknown:
        raise BackupError(
            "このデータベースにないグループ(役割)がバックアップにあります: "
            f"{'、'.join(sorted(unknown))}。"
            "manage.py setup_roles を実行してから、もう一度復元してください。"
        )


def _restore_users(users, report):
    """Username -> key in this database, creating the users that are missing (with the saved
    password hash); existing users are used unchanged."""
    user_model = get_user_model()
    keys = dict(
        user_model.objects.filter(
            username__in=[user.get("username") for user in users]
        ).values_list("username", "pk")
    )
    report.users_reused = len(keys)
    for entry in users:
        if entry.get("username") in keys:
            continue
        user = user_model(
            username=entry.get("username"),
            password=entry.get("password", ""),
            **{name: entry[name] for name in USER_FIELDS if name in entry},
        )
        try:
            if entry.get("date_joined"):
                user.date_joined = user_model._meta.get_field("date_joined").to_python(
                    entry["date_joined"]
                )
            user.save()
        except (ValidationError, DatabaseError) as error:
            raise BackupError(
                f"ユーザー「{entry.get('username')}」を作れません: {error}"
            ) from error
        user.groups.set(Group.objects.filter(name__in=entry.get("groups", [])))
        keys[user.username] = user.pk
        report.users_created += 1
    return keys


def _restore_departments(departments, user_keys, report):
    """Department name -> key in this database. An existing department is used as it is: its
    members are who may enter on this server, and a file must not add anyone to them."""
    keys = dict(
        Department.objects.filter(
            name__in=[entry.get("name") for entry in departments]
        ).values_list("name", "pk")
    )
    report.departments_reused = len(keys)
    for entry in departments:
        if entry.get("name") in keys:
            continue
        try:
            department = Department.objects.create(
                name=entry.get("name"), is_demo=bool(entry.get("is_demo"))
            )
        except DatabaseError as error:
            raise BackupError(f"所管課「{entry.get('name')}」を作れません: {error}") from error
        members = [_key(user_keys, name, "ユーザー") for name in entry.get("members", [])]
        department.members.set(members)
        keys[department.name] = department.pk
        report.departments_created += 1
    return keys


def _key(keys, name, kind):
    if name not in keys:
        raise BackupError(f"{kind}「{name}」がバックアップファイルの一覧にありません。")
    return keys[name]


def _key_maps(objects, report):
    """Old key -> new key for every plan model, live and historical."""
    mentioned = defaultdict(set)
    for row in objects:
        model = MODELS_BY_LABEL[row["model"]]
        mentioned[model].add(row["pk"])
        for name, target in _references(model).items():
            key = row["fields"].get(name)
            if target in MODELS_BY_LABEL.values() and key is not None:
                if not isinstance(key, int):
                    raise BackupError(
                        f"バックアップファイルの {row['model']} {name} が正しくありません。"
                    )
                mentioned[target].add(key)
    maps = {}
    for model in PLAN_MODELS + HISTORY_MODELS:
        maps[model], renumbered = _key_map(model, mentioned[model])
        if renumbered:
            report.renumbered.append(_label(model))
    return maps


def _key_map(model, keys):
    """Old key -> new key for one model's rows (and for the rows its history and links mention).

    The keys are kept when every key this database already uses for the model, in its table and
    in its history, is lower than all of them: always so in an empty database, so a plan moved
    to a new server keeps its addresses (/indicators/12/...). Otherwise, e.g. next to another
    plan, or where the same plan was deleted and its history still holds its old keys, every
    key is renumbered above all used ones, in the same order (which orders rows sharing a
    position, and history): a kept key must never join a restored row to another row's history.
    """
    if not keys:
        return {}, False
    highest_used = max(
        queryset.aggregate(highest=Max(column))["highest"] or 0
        for queryset, column in _used_keys(model)
    )
    if min(keys) > highest_used:
        return {key: key for key in keys}, False
    return {key: highest_used + 1 + n for n, key in enumerate(sorted(keys))}, True


def _used_keys(model):
    if _is_history(model) or not hasattr(model, "history"):
        return [(model.objects.all(), "pk")]
    return [(model.objects.all(), "pk"), (model.history.model.objects.all(), "id")]


def _remapped(row, key_maps, user_keys, department_keys):
    model = MODELS_BY_LABEL[row["model"]]
    fields = dict(row["fields"])
    for name, target in _references(model).items():
        value = fields.get(name)
        if value is None:
            continue
        if target is get_user_model():
            fields[name] = _key(user_keys, value, "ユーザー")
        elif target is Department:
            fields[name] = _key(department_keys, value, "所管課")
        else:
            fields[name] = key_maps[target][value]
    return {"model": row["model"], "pk": key_maps[model][row["pk"]], "fields": fields}


def _insert(rows):
    """Insert rows with their keys, as saved: raw, so `auto_now` times and history stay as they
    were and no new history row is recorded for the restoring itself."""
    try:
        for restored in serializers.deserialize("python", rows):
            restored.save(force_insert=True)
    except (DeserializationError, ValidationError, DatabaseError) as error:
        raise BackupError(f"バックアップファイルの行を書き込めません: {error}") from error


def _reset_sequences(key_maps):
    """Make new rows get keys above every restored key, so they collide with nothing.

    Django's `sequence_reset_sql` moves PostgreSQL's sequences past each table's highest key.
    That is not enough where an entry was deleted before the backup: its key lives on in its
    history, and a new entry given that key would take the deleted one's history over. So the
    sequence (PostgreSQL) or the AUTOINCREMENT counter (SQLite) is also moved past the highest
    key the backup mentions.
    """
    models = PLAN_MODELS + HISTORY_MODELS
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)
        for model in models:
            if key_maps[model]:
                _counter_at_least(cursor, model, max(key_maps[model].values()))


def _counter_at_least(cursor, model, key):
    table, column = model._meta.db_table, model._meta.pk.column
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, %s), %s) "
            f"WHERE %s > (SELECT COALESCE(MAX({connection.ops.quote_name(column)}), 0) "
            f"FROM {connection.ops.quote_name(table)})",
            [connection.ops.quote_name(table), column, key, key],
        )
    elif connection.vendor == "sqlite":
        cursor.execute(
            "UPDATE sqlite_sequence SET seq = %s WHERE name = %s AND seq < %s", [key, table, key]
        )
        cursor.execute(
            "INSERT INTO sqlite_sequence (name, seq) SELECT %s, %s "
            "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = %s)",
            [table, key, table],
        )

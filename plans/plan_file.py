"""Writes that span several models: loading a plan from its data file."""

import tomllib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from indicators.models import Indicator, IndicatorRevision, IndicatorYearTarget
from plans.models import BasicPolicy, Measure, Plan
from plans.publication import plan_published_version_bump
from plans.revisions import RevisionKind
from projects.models import MeasureProject, Project, ProjectRevision


class PlanFileError(Exception):
    """The plan file cannot be loaded; the message says where and why, in Japanese."""


@dataclass
class PlanLoadReport:
    plan: Plan
    skipped: bool = False
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)

    @property
    def changed_anything(self):
        return bool(self.created or self.updated)


def read_plan_file(path):
    """Parse a plan data file (TOML, see fixtures/plans/) into a dict."""
    try:
        with Path(path).open("rb") as file:
            return tomllib.load(file)
    except FileNotFoundError as error:
        raise PlanFileError(f"計画ファイルが見つかりません: {path}") from error
    except tomllib.TOMLDecodeError as error:
        raise PlanFileError(f"計画ファイルの書式が正しくありません({path}): {error}") from error


def plan_load(*, data, update=False):
    """Create the plan described by `data`; with `update`, bring an existing one in line with it.

    Without `update` an existing plan is left alone, so running the loader again never undoes
    what an administrator changed in the admin. Nothing is ever deleted. Everything happens in
    one transaction: a file with an error leaves the database as it was.
    """
    plan_data = _table(data, "plan", "計画ファイル")
    code = _required(plan_data, "code", "[plan]")
    existing = Plan.objects.filter(code=code).first()
    if existing and not update:
        return PlanLoadReport(plan=existing, skipped=True)
    with transaction.atomic():
        loader = _PlanLoader()
        loader.load(data)
        plan_published_version_bump(plan=loader.report.plan)
        return loader.report


PLAN_KEYS = {
    "code",
    "title",
    "municipality",
    "first_fiscal_year",
    "last_fiscal_year",
    "baseline_fiscal_year",
    "status",
    "reporting_bodies",
    "progress_management",
    "midterm_fiscal_year",
}
POLICY_KEYS = {"number", "title", "bullets", "indicators", "measures"}
INDICATOR_KEYS = {
    "name",
    "unit",
    "baseline",
    "baseline_year",
    "baseline_note",
    "target",
    "target_year",
    "target_note",
    "aggregation",
    "direction",
    "measurement_cycle",
    "data_source",
    "decimal_places",
    "min_value",
    "max_value",
    "notes",
    "yearly_targets",
    "revisions",
}
MEASURE_KEYS = {"number", "title", "description", "projects"}
PROJECT_ROW_KEYS = {"name", "names", "summary", "revisions"}
# A revision (計画の見直し): `kind` 変更 (change, the default) with the new terms, or added / ended
# (added, suspended, abolished, ended) from `from_year`.
REVISION_KEYS = {"kind", "from_year", "reason", "decided_by", "decided_on"}
INDICATOR_REVISION_KEYS = REVISION_KEYS | {"name", "unit", "baseline", "target"}


class _PlanLoader:
    def __init__(self):
        self.report = PlanLoadReport(plan=None)
        self.projects = {}

    def load(self, data):
        _only(data, {"plan", "policies"}, "計画ファイル")
        plan_data = data["plan"]
        _only(plan_data, PLAN_KEYS, "[plan]")
        values = {key: plan_data[key] for key in PLAN_KEYS & plan_data.keys() - {"code"}}
        values["reporting_bodies"] = "\n".join(plan_data.get("reporting_bodies", []))
        plan = self.sync(Plan, "[plan]", {"code": plan_data["code"]}, values)
        self.report.plan = plan
        for policy_data in data.get("policies", []):
            self.load_policy(plan, policy_data)

    def load_policy(self, plan, data):
        where = f"基本方針{data.get('number', '?')}"
        _only(data, POLICY_KEYS, where)
        policy = self.sync(
            BasicPolicy,
            where,
            {"plan": plan, "number": _required(data, "number", where)},
            {"title": data.get("title", ""), "bullets": "\n".join(data.get("bullets", []))},
        )
        for position, indicator_data in enumerate(data.get("indicators", []), start=1):
            self.load_indicator(policy, position, indicator_data, f"{where} 成果指標{position}")
        for measure_data in data.get("measures", []):
            self.load_measure(plan, policy, measure_data)

    def load_indicator(self, policy, position, data, where):
        _only(data, INDICATOR_KEYS, where)
        values = {
            "name": _required(data, "name", where),
            "unit": data.get("unit", ""),
            "baseline_value": _decimal(data, "baseline", where),
            "baseline_year": _required(data, "baseline_year", where),
            "baseline_note": data.get("baseline_note", ""),
            "target_value": _decimal(data, "target", where),
            "target_year": _required(data, "target_year", where),
            "target_note": data.get("target_note", ""),
            "aggregation": _required(data, "aggregation", where),
            "direction": data.get("direction", Indicator.Direction.INCREASE),
            "measurement_cycle": data.get("measurement_cycle", 1),
            "data_source": data.get("data_source", ""),
            "decimal_places": data.get("decimal_places", 0),
            "min_value": _decimal(data, "min_value", where) if "min_value" in data else None,
            "max_value": _decimal(data, "max_value", where) if "max_value" in data else None,
            "notes": data.get("notes", ""),
        }
        indicator = self.sync(Indicator, where, {"policy": policy, "position": position}, values)
        yearly_targets = data.get("yearly_targets", {})
        if not isinstance(yearly_targets, dict):
            raise PlanFileError(
                f'{where}: yearly_targets は {{ 2022 = "46.0" }} の形で書いてください。'
            )
        for year, target in yearly_targets.items():
            if not str(year).isdigit():
                raise PlanFileError(f"{where} 年度目標: 年度が数字ではありません: {year}")
            self.sync(
                IndicatorYearTarget,
                f"{where} {year}年度の年度目標",
                {"indicator": indicator, "fiscal_year": int(year)},
                {"target_value": _decimal({"target": target}, "target", where)},
            )
        for number, revision in enumerate(data.get("revisions", []), start=1):
            place = f"{where} 見直し{number}"
            _only(revision, INDICATOR_REVISION_KEYS, place)
            terms = {
                "name": revision.get("name", ""),
                "unit": revision.get("unit", ""),
                "baseline_value": _decimal(revision, "baseline", place)
                if "baseline" in revision
                else None,
                "target_value": _decimal(revision, "target", place)
                if "target" in revision
                else None,
            }
            self.sync_revision(IndicatorRevision, "indicator", indicator, revision, place, terms)

    def load_measure(self, plan, policy, data):
        where = f"基本施策{policy.number}-{data.get('number', '?')}"
        _only(data, MEASURE_KEYS, where)
        measure = self.sync(
            Measure,
            where,
            {"policy": policy, "number": _required(data, "number", where)},
            {"title": data.get("title", ""), "description": data.get("description", "")},
        )
        for position, row in enumerate(data.get("projects", []), start=1):
            self.load_project_row(plan, measure, position, row, f"{where} 主な事業{position}行目")

    def load_project_row(self, plan, measure, position, row, where):
        _only(row, PROJECT_ROW_KEYS, where)
        summary = row.get("summary", "")
        if "names" in row:
            # A row that names several projects refers to projects listed in full elsewhere.
            names = row["names"]
            for name in names:
                if name not in self.projects:
                    raise PlanFileError(
                        f"{where}: 事業「{name}」は、これより前の基本施策に事業概要とともに"
                        "掲載してください。"
                    )
        else:
            names = [_required(row, "name", where)]
            if names[0] not in self.projects:
                self.projects[names[0]] = self.sync(
                    Project, where, {"plan": plan, "name": names[0]}, {"summary": summary}
                )
        for number, revision in enumerate(row.get("revisions", []), start=1):
            if "names" in row:
                raise PlanFileError(
                    f"{where}: 見直しは事業概要とともに掲載した行に書いてください。"
                )
            place = f"{where} 見直し{number}"
            _only(revision, REVISION_KEYS, place)
            project = self.projects[names[0]]
            self.sync_revision(ProjectRevision, "project", project, revision, place, {})
        for name in names:
            project = self.projects[name]
            self.sync(
                MeasureProject,
                where,
                {"measure": measure, "project": project},
                {
                    "position": position,
                    "listed_summary": "" if summary == project.summary else summary,
                },
            )

    def sync_revision(self, model, target_field, target, data, where, terms):
        """A revision of the file, found by its item, kind and year; its text made to match."""
        lookup = {
            target_field: target,
            "kind": data.get("kind", RevisionKind.CHANGE),
            "from_year": _required(data, "from_year", where),
        }
        values = {
            "reason": _required(data, "reason", where),
            "decided_by": _required(data, "decided_by", where),
            "decided_on": _date(data, "decided_on", where),
            **terms,
        }
        return self.sync(model, where, lookup, values)

    def sync(self, model, where, lookup, values):
        """Create the row, or update the fields that differ; count which happened."""
        label = model._meta.verbose_name
        instance = model.objects.filter(**lookup).first()
        if instance is None:
            instance = model(**lookup, **values)
            outcome = self.report.created
        else:
            changed = [name for name, value in values.items() if getattr(instance, name) != value]
            for name in changed:
                setattr(instance, name, values[name])
            outcome = self.report.updated if changed else self.report.unchanged
        if outcome is not self.report.unchanged:
            try:
                instance.full_clean()
            except ValidationError as error:
                raise PlanFileError(f"{where}: {_describe(error)}") from error
            instance.save()
        outcome[label] += 1
        return instance


def _table(data, key, where):
    value = data.get(key)
    if not isinstance(value, dict):
        raise PlanFileError(f"{where}に [{key}] の表がありません。")
    return value


def _required(data, key, where):
    value = data.get(key)
    if value in (None, ""):
        raise PlanFileError(f"{where}: 「{key}」がありません。")
    return value


def _only(data, allowed, where):
    unknown = sorted(data.keys() - allowed)
    if unknown:
        raise PlanFileError(f"{where}: 知らない項目があります: {', '.join(unknown)}")


def _decimal(data, key, where):
    # Numbers are written as strings in the file so that 45.3 stays exactly 45.3.
    text = _required(data, key, where)
    try:
        return Decimal(str(text))
    except InvalidOperation as error:
        raise PlanFileError(f"{where}: 「{key}」が数値ではありません: {text}") from error


def _date(data, key, where):
    value = _required(data, key, where)
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as error:
        raise PlanFileError(
            f"{where}: 「{key}」は 2024-02-15 の形で書いてください: {value}"
        ) from error


def _describe(error):
    if hasattr(error, "message_dict"):
        return " / ".join(
            f"{field}: {'、'.join(messages)}" for field, messages in error.message_dict.items()
        )
    return "、".join(error.messages)

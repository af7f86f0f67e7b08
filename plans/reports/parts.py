"""The overview's, the print report's and the .xlsx's parts, one per policy, kept in the cache.

A change almost always concerns one policy (an approval, a return of one indicator's or
project's value), and the first view after it rebuilds only that policy's part: the policies'
published versions are read in one query (`policy_published_versions`), the parts kept for the
plan and year in one cache entry, and only the policies whose version moved are evaluated and
rendered anew (`plan_evaluation(..., policies=...)`), in a fixed number of queries however
many policies changed. The totals over the plan are added up from the parts: each part keeps
its indicators' achievements and its projects' grades, and `indicators.achievement` does the
arithmetic.

One cache entry per page, plan and year holds every policy's part, each stamped with the
version of its policy it was built from: the database cache writes each key in several
queries, so a key per policy would make a plan-wide change cost queries per policy. A part
is used only when its stamp is its policy's current version; two requests racing to store
their parts can at worst leave an old part, which the next view sees and builds again.

Most writes that bump every policy change what few of them show, or nothing (a year locked
and reopened, the plan file loaded again unchanged, an admin edit of one measure): each part
also keeps a digest of everything it was built from (the policy's evaluation and the plan's
fields, `_digest`), and a policy whose version moved is evaluated again but built anew only
when that digest differs; otherwise its content is kept under the new stamp.
"""

import hashlib
import pickle
import zlib
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any, NamedTuple

from django.core.cache import cache
from django.core.cache.backends.base import DEFAULT_TIMEOUT

from indicators.achievement import Rollup, count_grades, rollup
from plans.publication import policy_published_versions
from plans.reports.evaluation import (
    IndicatorEvaluation,
    MeasureEvaluation,
    PolicyEvaluation,
    ProjectEvaluation,
    plan_evaluation,
)

# Raised when what a part holds changes shape, so that parts kept by older code are not read.
PARTS_FORMAT = 6
# A month, not the cache's day: the parts are kept per plan, year and page, not per version,
# and a plan nobody read for a day must not be built whole again for the next reader.
PARTS_TIMEOUT = 30 * 24 * 60 * 60


@dataclass(frozen=True)
class PolicyPart:
    key: str  # the policy's published version it was built from (PolicyVersion.key)
    digest: bytes  # of what it was built from (`_digest`)
    number: int  # the policy's, for the report's contents and summary
    title: str
    content: Any  # what the page shows of the policy: its HTML's bytes, or the .xlsx's rows
    achievements: tuple  # Counted, of its indicators, for the plan's totals
    project_grades: dict  # project pk -> grade's value: a project under two policies counts once
    demo: bool  # shows a value made up by the demo command


class Counted(NamedTuple):
    """What the plan's totals take of an indicator's achievement (`achievement.rollup`). Kept
    in the cache with every part, read and written on every first view after a change: plain
    values pickle and unpickle several times faster than an Achievement with its enumerations,
    and a grade is kept as its value for the same reason."""

    grade: str
    capped_progress: Decimal | None
    has_value: bool
    regressed: bool


@dataclass(frozen=True)
class PartsSummary:
    """What the parts add up to: the plan's totals, as `PlanEvaluation` has them."""

    rollup: Rollup
    project_grades: dict  # Grade -> count
    demo: bool
    policies: tuple  # PolicySummary, in the plan's order


@dataclass(frozen=True)
class PolicySummary:
    """A policy's line in the report's summary."""

    number: int
    title: str
    rollup: Rollup  # of its indicators
    project_grades: dict  # Grade -> count


def policy_parts(plan, year, name, build):
    """Every policy's part of the page `name` for `year`, in the plan's order.

    `build(policy_evaluation)` makes a part's content; it is called only for the policies
    changed since their part was kept. `name` must change with whatever else the content
    depends on (a template's version).
    """
    versions = policy_published_versions(plan)  # read before the data they stand for
    cache_key = f"reports.parts.{PARTS_FORMAT}.{name}.{plan.pk}.{year}"
    kept = cache_get_compressed(cache_key) or {}
    stale = [
        version
        for version in versions
        if (part := kept.get(version.policy.pk)) is None or part.key != version.key
    ]
    if stale:
        evaluation = plan_evaluation(plan, year, policies=[version.policy for version in stale])
        for version, policy in zip(stale, evaluation.policies, strict=True):
            digest = _digest(plan, policy)
            part = kept.get(version.policy.pk)
            content = part.content if part and part.digest == digest else build(policy)
            kept[version.policy.pk] = _part(version.key, digest, policy, content)
        kept = {version.policy.pk: kept[version.policy.pk] for version in versions}
        cache_set_compressed(cache_key, kept, timeout=PARTS_TIMEOUT)
    return [kept[version.policy.pk] for version in versions]


def cache_get_compressed(key):
    """What `cache_set_compressed` kept under `key`, or None."""
    stored = cache.get(key)
    return None if stored is None else pickle.loads(zlib.decompress(stored))


def cache_set_compressed(key, value, timeout=DEFAULT_TIMEOUT):
    """Keep `value` compressed: the tables' HTML and the parts shrink about tenfold, and the
    database cache writes and reads (and PostgreSQL stores) a tenth of the bytes."""
    cache.set(key, zlib.compress(pickle.dumps(value, pickle.HIGHEST_PROTOCOL), 1), timeout)


def parts_summary(parts):
    grades = {}
    for part in parts:
        grades.update(part.project_grades)
    return PartsSummary(
        rollup=rollup(achievement for part in parts for achievement in part.achievements),
        project_grades=count_grades(grades.values()),
        demo=any(part.demo for part in parts),
        policies=tuple(
            PolicySummary(
                number=part.number,
                title=part.title,
                rollup=rollup(part.achievements),
                project_grades=count_grades(part.project_grades.values()),
            )
            for part in parts
        ),
    )


def parts_digest(plan, parts):
    """A digest of everything `parts` (of one page, plan and year) were built from: two sets of
    parts with the same digest make the same file (the .xlsx assembled from them)."""
    digest = hashlib.blake2b(pickle.dumps(_fields(plan)), digest_size=16)
    for part in parts:
        digest.update(part.digest)
    return digest.hexdigest()


def value_digest(value):
    """A digest of `value` (plain data: tuples, strings, numbers, dates), for cache keys."""
    return hashlib.blake2b(pickle.dumps(value, pickle.HIGHEST_PROTOCOL), digest_size=16).hexdigest()


def _fields(instance):
    """A model instance's own field values (not what is cached on it, such as its version)."""
    return tuple(getattr(instance, field.attname) for field in instance._meta.concrete_fields)


# The fields of the evaluation that `_digest` reads itself, and those that follow from them
# (achievements and grades, from the rows, the plan's thresholds and the year). Any other
# field (one added later: a committee's opinions, a revision) goes into the digest as it is,
# so that a part showing it is built anew when it changes.
DIGESTED = {
    PolicyEvaluation: {"policy", "indicators", "measures", "rollup", "project_grades"},
    IndicatorEvaluation: {"indicator", "results", "achievement"},
    MeasureEvaluation: {"measure", "projects", "project_grades", "assessment"},
    ProjectEvaluation: {
        "project", "progress", "grade", "outlook", "grade_year", "fiscal_year", "graded",
        "records",
    },
}  # fmt: skip


def _field_names(cls):
    return list(getattr(cls, "_fields", None) or (field.name for field in fields(cls)))


# Per kind of evaluation, the names of its fields that `_digest` does not read itself.
OTHER_FIELDS = {
    cls: [name for name in _field_names(cls) if name not in known]
    for cls, known in DIGESTED.items()
}


def _others(evaluation):
    """The fields of an evaluation (PolicyEvaluation, ...) that `_digest` does not read."""
    names = OTHER_FIELDS[type(evaluation)]
    return tuple(getattr(evaluation, name) for name in names) if names else ()


def _digest(plan, policy):
    """A digest of what a part of `policy` (a PolicyEvaluation) is built from: the plan's and
    the policy's fields, its indicators with their results, its measures (their fields, code
    and assessment) with their projects and the projects' records, and any field of these
    evaluations not known here (`DIGESTED`). The achievements and the projects' grades are
    left out: they follow from these (and the year, in the part's key). The rows go in as
    plain tuples, which pickle several times faster than named tuples and dataclasses. The
    part's name in `policy_parts` stands for the rest (the page, the templates' version, the
    year)."""
    indicators = tuple(
        (tuple(item.indicator), tuple(map(tuple, item.results)), _others(item))
        for item in policy.indicators
    )
    measures = tuple(
        (
            _fields(item.measure),
            item.measure.code,
            item.assessment and tuple(item.assessment),
            tuple(
                (tuple(p.project), tuple(map(tuple, p.records)), _others(p)) for p in item.projects
            ),
            _others(item),
        )
        for item in policy.measures
    )
    built_from = (_fields(plan), _fields(policy.policy), indicators, measures, _others(policy))
    return hashlib.blake2b(
        pickle.dumps(built_from, pickle.HIGHEST_PROTOCOL), digest_size=16
    ).digest()


def _part(key, digest, policy, content):
    projects = [project for measure in policy.measures for project in measure.projects]
    return PolicyPart(
        key=key,
        digest=digest,
        number=policy.policy.number,
        title=policy.policy.title,
        content=content,
        achievements=tuple(
            Counted(a.grade.value, a.capped_progress, a.has_value, a.regressed)
            for a in (item.achievement for item in policy.indicators)
        ),
        project_grades={project.project.pk: project.grade.value for project in projects},
        demo=policy.shows_demo,
    )

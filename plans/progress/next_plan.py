"""Starting the next plan from the current one (次期計画の作成).

The plan office copies the structure of the plan that is ending (policies, measures,
indicators, projects and the measures' project rows, with their departments) under a new
plan code and period, to edit it there. For each indicator it chooses whether it continues
(linked to its predecessor: the series runs on across the plans) or is new (not linked), or is
not carried over at all. Nothing of the old plan changes; entries (yearly values) are never
copied: each plan has its own years.

Fields are copied from the models' `_meta`, every concrete field but the key and the links
that point into the old plan, so a field added to a model later is carried over as well.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from indicators.models import Indicator
from plans.access import require_plan_admin
from plans.audit import audit
from plans.fiscal_years import format_fiscal_year
from plans.models import Measure, Plan, PlanStatus
from plans.publication import plan_published_version_bump
from projects.models import MeasureProject, Project


class Carry:
    """What happens to an indicator of the old plan in the next one."""

    CONTINUE = "continue"  # 継続: linked to its predecessor, the series runs on
    NEW = "new"  # 新規扱い: copied, but not linked; its series starts anew
    DROP = "drop"  # 引き継がない

    CHOICES = [
        (CONTINUE, "継続(前の計画の指標とつなげる)"),
        (NEW, "新しい指標として扱う(つなげない)"),
        (DROP, "次の計画には引き継がない"),
    ]


class NextPlanError(Exception):
    """A refused start of the next plan; the message says why, in Japanese."""


@dataclass(frozen=True)
class NextPlanRequest:
    code: str
    title: str
    first_fiscal_year: int
    last_fiscal_year: int
    baseline_fiscal_year: int | None = None  # the year before the first, when left out
    status: str = PlanStatus.DRAFT
    carry: dict = field(default_factory=dict)  # indicator pk -> Carry.*; CONTINUE when absent
    is_demo: bool = False


@dataclass(frozen=True)
class NextPlanOutcome:
    plan: Plan
    created: bool  # False: the same next plan existed already and nothing was written
    notes: tuple = ()  # what the plan office should check (indicators without an approved value)


def last_approved_value(indicator, up_to):
    """The indicator's latest approved value up to the year `up_to`: (year, value) or None."""
    result = (
        indicator.results.approved()
        .filter(fiscal_year__lte=up_to, value__isnull=False)
        .order_by("-fiscal_year")
        .first()
    )
    return (result.fiscal_year, result.value) if result else None


def _copy(instance, **changes):
    """A new, unsaved instance with every concrete field of `instance` but its key, and
    `changes` applied (the links to the new plan's rows)."""
    model = type(instance)
    values = {
        model_field.attname: getattr(instance, model_field.attname)
        for model_field in model._meta.concrete_fields
        if not model_field.primary_key
    }
    copied = model(**values)
    for name, value in changes.items():
        setattr(copied, name, value)
    return copied


def _saved(instance, user):
    instance._history_user = user
    try:
        instance.full_clean()
    except ValidationError as error:
        raise NextPlanError(f"{instance}: {' '.join(error.messages)}") from error
    instance.save()
    return instance


def _midterm_year(source, request):
    """The mid-term evaluation's year in the next plan: the same year of its period as the
    source plan chose (its third year stays the third), or the default when the source set none
    or the new period is too short for it."""
    if source.midterm_fiscal_year is None:
        return None
    year = request.first_fiscal_year + (source.midterm_fiscal_year - source.first_fiscal_year)
    return year if year < request.last_fiscal_year else None


@transaction.atomic
def next_plan_start(*, source, request, user=None):
    """Create the plan that follows `source` as `request` says; see the module's docstring.

    Asking again for the same code from the same plan changes nothing (outcome.created is
    False), so a script may run it twice; a code another plan already has is refused. `user`
    is the plan office's member (None from a command without --user): checked, and named in
    the history and the audit line.
    """
    if user is not None:
        require_plan_admin(user)
    existing = Plan.objects.filter(code=request.code).first()
    if existing is not None:
        if existing.predecessor_id == source.pk:
            return NextPlanOutcome(existing, created=False)
        raise NextPlanError(
            f"計画コード「{request.code}」の計画({existing})がすでにあります。"
            "別の計画コードを指定してください。"
        )
    if request.first_fiscal_year <= source.last_fiscal_year:
        raise NextPlanError(
            f"次の計画の初年度は、前の計画の最終年度({format_fiscal_year(source.last_fiscal_year)})"
            "より後にしてください。"
        )
    baseline_year = request.baseline_fiscal_year or request.first_fiscal_year - 1
    plan = _copy(
        source,
        code=request.code,
        title=request.title,
        first_fiscal_year=request.first_fiscal_year,
        last_fiscal_year=request.last_fiscal_year,
        baseline_fiscal_year=baseline_year,
        status=request.status,
        predecessor=source,
        is_demo=request.is_demo or source.is_demo,
        midterm_fiscal_year=_midterm_year(source, request),
    )
    _saved(plan, user)
    notes = []
    policies = {}
    for policy in source.policies.all():
        policies[policy.pk] = _saved(_copy(policy, plan=plan), user)
    measures = {}
    for measure in Measure.objects.filter(policy__plan=source):
        measures[measure.pk] = _saved(_copy(measure, policy=policies[measure.policy_id]), user)
    last_year = source.last_fiscal_year
    indicators = Indicator.objects.filter(policy__plan=source).prefetch_related("revisions")
    active = set(indicators.active_in(last_year).values_list("pk", flat=True))
    for indicator in indicators.order_by("pk"):
        carry = request.carry.get(indicator.pk, Carry.CONTINUE)
        if carry == Carry.DROP:
            continue
        if indicator.pk not in active:
            notes.append(
                f"「{indicator.name}」は前の計画の見直しで終わっているため、引き継ぎません。"
            )
            continue
        # As the old plan left it: the name, unit and target of its revisions (見直し).
        current = indicator.in_force(last_year)
        copied = _copy(
            current,
            policy=policies[indicator.policy_id],
            predecessor=indicator if carry == Carry.CONTINUE else None,
            target_year=request.last_fiscal_year,
        )
        last = last_approved_value(indicator, last_year)
        if last is None:
            notes.append(
                f"「{current.name}」には承認済の値がないため、基準値は前の計画のまま"
                f"({format_fiscal_year(current.baseline_year)})です。管理画面で確認してください。"
            )
        else:
            year, value = last
            copied.baseline_year, copied.baseline_value = year, value
            copied.baseline_note = f"前の計画の{format_fiscal_year(year)}の実績"
            if request.is_demo and indicator.aggregation != indicator.Aggregation.CUMULATIVE:
                # A made-up target for the demo: the same improvement as the old plan asked.
                copied.target_value = value + current.target_value - current.baseline_value
        _saved(copied, user)
    projects = {}
    # Projects ended in the old plan (休止・廃止・終了) are not carried; one added mid-plan is
    # simply part of the new plan from its start.
    for project in Project.objects.filter(plan=source).active_in(last_year).order_by("pk"):
        projects[project.pk] = _saved(_copy(project, plan=plan), user)
    links = MeasureProject.objects.filter(measure__policy__plan=source, project__in=projects)
    for link in links.order_by("pk"):
        _saved(
            _copy(link, measure=measures[link.measure_id], project=projects[link.project_id]),
            user,
        )
    plan_published_version_bump(plan=plan)
    audit(
        "plan.next_start",
        user=user,
        plan=plan,
        predecessor=source.code,
        dropped=sum(1 for choice in request.carry.values() if choice == Carry.DROP),
    )
    return NextPlanOutcome(plan, created=True, notes=tuple(notes))

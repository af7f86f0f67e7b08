"""Check constraints judged in Python (plans/constraints.py) give the database's answer.

Every check constraint of the project is judged both ways on instances whose fields hold values
chosen around the constraint's edges (NULL among them); wherever Python decides, it must agree
with the database. The yearly entries, saved at every value typed, must be decided in Python
entirely, so that a save asks the database nothing to validate them.
"""

import datetime
import random
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import CheckConstraint, F, Q
from django.test.utils import CaptureQueriesContext

from indicators.models import Indicator, IndicatorResult
from plans.constraints import ConstraintsJudgedInPython, holds, judge
from plans.models import EntryStatus, YearlyEntry
from plans.progress.kinds import INDICATORS, PROJECTS
from plans.progress.workflow import entry_save
from tests.conftest import PLAN_APPS

pytestmark = pytest.mark.django_db
SAMPLES = 60


def check_constraints():
    for app in PLAN_APPS:
        for model in apps.get_app_config(app).get_models():
            for constraint in model._meta.constraints:
                if isinstance(constraint, CheckConstraint):
                    yield pytest.param(model, constraint, id=constraint.name)


def field_names(condition):
    """The fields a condition reads, its F() references included."""
    for child in condition.children:
        if isinstance(child, Q):
            yield from field_names(child)
        else:
            lookup, value = child
            yield lookup.split("__")[0]
            for item in value if isinstance(value, list | tuple) else [value]:
                if isinstance(item, F):
                    yield item.name


def candidates(field):
    """Values around the edges a constraint on this field draws, and NULL."""
    if field.choices:
        return [None, "", "unknown", *[value for value, _ in field.flatchoices]]
    if isinstance(field, models.BooleanField):
        return [None, True, False]
    if isinstance(field, models.ForeignKey):
        return [None, 1, 2]
    if isinstance(field, models.DecimalField):
        return [None, Decimal("-1"), Decimal("0"), Decimal("0.5"), Decimal("1"), Decimal("1E+3")]
    if isinstance(field, models.DateTimeField):
        return [None, datetime.datetime(2024, 4, 1, tzinfo=datetime.UTC)]
    if isinstance(field, models.DateField):
        return [None, datetime.date(2024, 4, 1), datetime.date(2025, 3, 31)]
    if isinstance(field, models.IntegerField):
        return [None, -1, 0, 1, 2, 3, 9, 10, 11, 1899, 1900, 2021, 2025, 2999, 3000]
    if isinstance(field, models.CharField | models.TextField):
        return [None, "", "a", "名前"]
    raise AssertionError(f"no candidates for {field!r}")


@pytest.mark.parametrize(("model", "constraint"), list(check_constraints()))
def test_python_and_the_database_agree_on_every_check_constraint(model, constraint):
    fields = {name: model._meta.get_field(name) for name in set(field_names(constraint.condition))}
    chooser = random.Random(constraint.name)
    decided = 0
    for _ in range(SAMPLES):
        instance = model()
        for field in fields.values():
            setattr(instance, field.attname, chooser.choice(candidates(field)))
        in_python = holds(constraint, model, instance)
        against = instance._get_field_expression_map(meta=model._meta)
        in_database = Q(constraint.condition).check(against, using=connection.alias)
        if in_python is not None:
            decided += 1
            values = {name: getattr(instance, field.attname) for name, field in fields.items()}
            assert in_python == in_database, values
    if issubclass(model, YearlyEntry):
        assert decided == SAMPLES, "a yearly entry's constraint went to the database"


def test_unknown_holds_and_not_unknown_is_unknown():
    # SQL: NULL > 1 is unknown, NOT unknown is unknown; a check whose condition is unknown holds.
    assert judge(Q(value__gt=1), {"value": None}) is None
    assert judge(~Q(value__gt=1), {"value": None}) is None
    assert judge(Q(value__gt=1) | Q(flag=True), {"value": None, "flag": True}) is True
    assert judge(Q(value__gt=1) & Q(flag=True), {"value": None, "flag": False}) is False
    assert judge(Q(value=None), {"value": None}) is True  # the ORM's field=None is IS NULL


def test_what_only_the_database_can_judge_goes_to_it(okayama_plan):
    indicator = Indicator.objects.filter(policy__plan=okayama_plan).first()
    text_order = CheckConstraint(condition=Q(name__gt="あ"), name="text_order")
    function = CheckConstraint(condition=Q(name__startswith="x"), name="lookup_unknown")
    mixed = CheckConstraint(condition=Q(target_value__gt="1"), name="value_not_yet_cleaned")
    for constraint in (text_order, function, mixed):
        assert holds(constraint, Indicator, indicator) is None


def test_a_left_out_field_is_not_judged():
    result = IndicatorResult(not_measured=True, value=Decimal("1"))
    constraint = next(
        c for c in IndicatorResult._meta.constraints if c.name == "result_not_measured_has_no_value"
    )
    assert holds(constraint, IndicatorResult, result) is False
    assert holds(constraint, IndicatorResult, result, exclude={"value"}) is True


def test_a_violation_is_refused_with_its_japanese_message_without_asking_the_database(
    okayama_plan,
):
    indicator = INDICATORS.targets(okayama_plan).first()
    result = IndicatorResult(
        indicator=indicator, fiscal_year=2024, not_measured=True, value=Decimal("3")
    )
    assert isinstance(result, ConstraintsJudgedInPython)
    with CaptureQueriesContext(connection) as queries, pytest.raises(ValidationError) as refused:
        result.validate_constraints(exclude={"indicator"})
    assert refused.value.messages == ["「今年度は測定なし」のときは実績値を空にしてください。"]
    assert len(queries) == 0


@pytest.mark.parametrize("kind", [INDICATORS, PROJECTS], ids=lambda kind: kind.slug)
def test_saving_an_entry_checks_no_constraint_in_the_database(okayama_plan, personas, kind):
    target = kind.targets(okayama_plan, 2024).first()
    type(target).objects.filter(pk=target.pk).update(department=personas["department_a"])
    target.refresh_from_db()
    values = (
        {"value": Decimal("47.1"), "analysis": "増えた"}
        if kind is INDICATORS
        else {"activities": "講座を3回", "grade": "B"}
    )
    with CaptureQueriesContext(connection) as queries:
        entry = entry_save(
            kind=kind, target=target, fiscal_year=2024, user=personas["staff_a"],
            values=values, version=0,
        )  # fmt: skip
    statements = [query["sql"] for query in queries]
    assert entry.status == EntryStatus.DRAFT and entry.version == 1
    assert not [sql for sql in statements if '"_check"' in sql], statements

"""Check constraints judged in Python when an instance is validated (`full_clean`).

Django's `CheckConstraint.validate` asks the database: a `SELECT ... WHERE <condition>`, inside a
savepoint when a transaction is open, for every check constraint of the model on every
`full_clean`. A yearly entry has four, so each save of a value cost twelve statements before it
wrote anything. Nearly all of ours compare a field with a constant or with another field, or
test for NULL: those are judged here, with the database's three-valued logic (a comparison with
NULL is unknown, and a constraint whose condition is unknown holds), so the answer is the
database's (tests/test_constraint_judging.py compares the two on every check constraint of the
project). Whatever this module does not know (a function, a join, a text compared by order,
whose answer depends on the collation, a value not yet of its field's type) goes to the
database as before. The database's own constraint stays the last word at every door.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import router
from django.db.models import CheckConstraint, F, Q

_ORDERING = {"gt", "gte", "lt", "lte"}
LOOKUPS = {"exact", "in", "isnull"} | _ORDERING


class Undecided(Exception):
    """The condition needs the database to judge it."""


class _FieldLeftOut(Exception):
    """The condition reads a field left out of the validation: the constraint is not judged
    (Django's `CheckConstraint.validate` does the same)."""


def _kind(value):
    """Which values compare like SQL's: numbers with numbers, texts with texts, and so on."""
    if isinstance(value, bool):
        return bool
    if isinstance(value, int | float | Decimal):
        return Decimal
    if isinstance(value, datetime.datetime):
        return datetime.datetime
    if isinstance(value, datetime.date):
        return datetime.date
    if isinstance(value, str):
        return str
    raise Undecided(type(value))


def _compare(lookup, left, right):
    if left is None or right is None:
        return None  # NULL compared is unknown
    if _kind(left) is not _kind(right):
        raise Undecided(f"{left!r} {lookup} {right!r}")
    if lookup in _ORDERING and _kind(left) in (str, bool):
        raise Undecided(lookup)  # a text's order is the collation's
    return {
        "exact": left == right,
        "gt": left > right,
        "gte": left >= right,
        "lt": left < right,
        "lte": left <= right,
    }[lookup]


def _operand(value, values):
    if isinstance(value, F):
        if value.name not in values:
            raise _FieldLeftOut(value.name)
        return values[value.name]
    if hasattr(value, "resolve_expression"):
        raise Undecided(value)
    return value


def _leaf(lookup_path, right, values):
    name, _, lookup = lookup_path.partition("__")
    lookup = lookup or "exact"
    if lookup not in LOOKUPS:
        raise Undecided(lookup_path)  # a transform or a join
    if name not in values:
        raise _FieldLeftOut(name)
    left = values[name]
    if lookup == "exact" and right is None:
        lookup, right = "isnull", True  # as the ORM reads field=None
    if lookup == "isnull":
        if not isinstance(right, bool):
            raise Undecided(lookup_path)
        return (left is None) == right
    if lookup == "in":
        if isinstance(right, str) or not hasattr(right, "__iter__"):
            raise Undecided(lookup_path)
        if left is None:
            return None
        choices = [_operand(choice, values) for choice in right if choice is not None]
        if not choices:
            raise Undecided(lookup_path)  # the ORM makes an empty IN no query at all
        outcomes = [_compare("exact", left, choice) for choice in choices]
        return any(outcomes)
    return _compare(lookup, left, _operand(right, values))


def judge(condition, values):
    """True, False or None (unknown) for a Q condition over `values` (field name -> value).

    Raises Undecided when only the database can tell, _FieldLeftOut when it reads a field
    that is not in `values`.
    """
    if isinstance(condition, Q):
        outcomes = [judge(child, values) for child in condition.children]
        if condition.connector == Q.AND:
            outcome = False if False in outcomes else (None if None in outcomes else True)
        elif condition.connector == Q.OR:
            outcome = True if True in outcomes else (None if None in outcomes else False)
        else:
            raise Undecided(condition.connector)
        if condition.negated:
            return None if outcome is None else not outcome
        return outcome
    if isinstance(condition, tuple) and len(condition) == 2:
        return _leaf(*condition, values)
    raise Undecided(condition)


def field_values(instance, meta, exclude):
    """The instance's values by field name, as `CheckConstraint.validate` reads them."""
    values = {
        field.name: getattr(instance, field.attname)
        for field in meta.local_concrete_fields
        if field.name not in exclude and not field.generated
    }
    if "pk" not in exclude:
        values["pk"] = instance.pk
    return values


def holds(constraint, model, instance, exclude=()):
    """Whether `instance` satisfies the check constraint, judged without the database when
    this module can; None when only the database can tell."""
    try:
        outcome = judge(Q(constraint.condition), field_values(instance, model._meta, exclude))
    except _FieldLeftOut:
        return True
    except Undecided:
        return None
    return outcome is not False


class ConstraintsJudgedInPython:
    """A model mixin: `validate_constraints` judges its check constraints in Python (see the
    module's docstring) and leaves the others (unique constraints, the undecided) to Django."""

    def validate_constraints(self, exclude=None):
        exclude = set(exclude or ())
        using = router.db_for_write(type(self), instance=self)
        errors = {}
        for model, constraints in self.get_constraints():
            for constraint in constraints:
                try:
                    if isinstance(constraint, CheckConstraint):
                        outcome = holds(constraint, model, self, exclude)
                        if outcome is False:
                            raise ValidationError(
                                constraint.get_violation_error_message(),
                                code=constraint.violation_error_code,
                            )
                        if outcome is True:
                            continue
                    constraint.validate(model, self, exclude=exclude, using=using)
                except ValidationError as error:
                    # As Model.validate_constraints files them.
                    fields = getattr(constraint, "fields", ())
                    if getattr(error, "code", None) == "unique" and len(fields) == 1:
                        errors.setdefault(fields[0], []).append(error)
                    else:
                        errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

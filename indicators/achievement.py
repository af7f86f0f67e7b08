"""Achievement of a plan's outcome indicators (成果指標の達成度), in pure Decimal arithmetic.

An indicator has a baseline B (its value in the baseline year), a target T, the plan's first
year f and last year l (N = l - f + 1 plan years), a direction (increase or decrease is better)
and an aggregation kind. It is evaluated for a fiscal year k as of the evaluated year
min(k, l), from the actual values a_j of the plan years f <= j <= min(k, l). Years without a
value (absent, or marked not measured) are skipped; values outside those years are ignored.

    kind        current value V_k                  progress p_k
    level       latest available a_j               (V_k - B) / (T - B)
    cumulative  S_k = sum of the available a_j     S_k / T
    average     mean of the available a_j          (V_k - B) / (T - B)

For a decrease target both T - B and V - B are negative, so no special case is needed. When
T == B (a "maintain" target) p is 1 if V is on the right side of T (V >= T for increase,
V <= T for decrease), else 0. A cumulative indicator must increase and have a target above 0.

The grade of year k rests on the year g of the latest available value (g <= min(k, l)): V and p
are as of g (for cumulative and average, over the years up to g, which are all the years with a
value up to k), and they are graded against the expected pace of g, not of k, so the same data
gives the same grade on every later year's page until a later value exists. When g != k every
place that shows the grade says so (basis_note: 「2024年度の値による」).

Expected pace e_g = (g - f + 1) / N, clamped to [0, 1].
Grade: A (達成) p >= 1; B (順調) p >= b_ratio * e_g; C (やや遅れ) p >= c_ratio * e_g;
D (遅れ) below; NONE (評価不能) only when there is no value at all up to k, and then
expected_pace is e_k. Defaults: b_ratio 1, c_ratio 0.6.
Achieved (達成, the final summary's verdict): p >= 1, the same as grade A; 未達成 below.
Regressed (後退): V strictly on the wrong side of B; for cumulative the mean annual value
S_k / (number of years used) is compared with B. Plain ratio (達成率) = V / T (S_k / T for
cumulative), None when T == 0.

Revisions (見直し): the plan office may revise B and T from a fiscal year on. A value is graded
against the terms in force in its own year, the year g the grade rests on (or k without a
value): `terms_in_force()` applies, in order of their years, every revision with from_year <= g.
The Achievement carries the terms used and, when a revision changed them, its year and the
terms before it (revision_note: 「2024年度から目標値を見直し(旧: 50.8%)」); a revision taking
effect after g and up to k is carried too (「2025年度から目標値を見直し(新: 55.0%)」), since the
page of year k shows the new target while the grade still rests on g's value.

Yearly targets (年度目標): an indicator may set the value expected at the end of some years,
Y_g, instead of the straight line. The expected pace is then e_g = (Y_g - B) / (T - B) for level
and average (the straight line when T == B) and Y_g / T for cumulative (Y_g a running total),
clamped to [0, 1]; a year without a yearly target keeps the straight line.

Progress is not capped per indicator; rollups cap it to [0, 1]. Nothing is rounded here
except by format_number() and format_percent(), which alone decide display precision.
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

MINUS = "\u2212"
NO_VALUE_EXPLANATION = "実績値がないため評価できません"


class Aggregation(StrEnum):
    """How the yearly values make the current value (same strings as the model's choices)."""

    LEVEL = "level"
    CUMULATIVE = "cumulative"
    AVERAGE = "average"


class Direction(StrEnum):
    """Which way the indicator should move (same strings as the model's choices)."""

    INCREASE = "increase"
    DECREASE = "decrease"


class Grade(StrEnum):
    """The achievement grade; NONE (評価不能) when there is no value yet."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    NONE = "-"

    @property
    def label(self) -> str:
        """The Japanese name of the grade: 達成, 順調, やや遅れ, 遅れ or 評価不能."""
        return _GRADE_LABELS[self]

    @property
    def symbol(self) -> str:
        """The letter to display: "A" to "D", or "−" (U+2212) for NONE."""
        return MINUS if self is Grade.NONE else self.value


_GRADE_LABELS = {
    Grade.A: "達成",
    Grade.B: "順調",
    Grade.C: "やや遅れ",
    Grade.D: "遅れ",
    Grade.NONE: "評価不能",
}


def _decimal(value: Decimal | int, name: str) -> Decimal:
    # Floats would bring binary rounding into figures that are published to the decimal place.
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{name} must be a Decimal or an int, not {type(value).__name__}")
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError(f"{name} must be a finite number, not {number}")
    return number


def _year(value: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int fiscal year, not {type(value).__name__}")
    return value


@dataclass(frozen=True)
class Thresholds:
    """Grade B needs progress >= b_ratio * expected pace, grade C >= c_ratio * expected pace."""

    b_ratio: Decimal = Decimal("1")
    c_ratio: Decimal = Decimal("0.6")

    def __post_init__(self) -> None:
        b_ratio = _decimal(self.b_ratio, "b_ratio")
        c_ratio = _decimal(self.c_ratio, "c_ratio")
        if not 0 <= c_ratio <= b_ratio:
            raise ValueError(
                f"thresholds must satisfy 0 <= c_ratio <= b_ratio, got c_ratio={c_ratio} "
                f"and b_ratio={b_ratio}"
            )
        object.__setattr__(self, "b_ratio", b_ratio)
        object.__setattr__(self, "c_ratio", c_ratio)


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class Achievement:
    """An indicator's achievement for one fiscal year, as computed by evaluate()."""

    fiscal_year: int
    evaluated_year: int
    aggregation: Aggregation
    direction: Direction
    baseline: Decimal
    target: Decimal
    current_value: Decimal | None
    progress: Decimal | None
    ratio: Decimal | None
    expected_pace: Decimal
    grade: Grade
    regressed: bool
    years_used: tuple[int, ...]
    years_not_measured: tuple[int, ...]
    years_missing: tuple[int, ...]
    grade_year: int | None  # the year of the latest value the grade rests on; None without one
    revised_in: int | None = None  # the year of the revision whose terms are used; None: original
    previous_baseline: Decimal | None = None  # the terms before that revision
    previous_target: Decimal | None = None
    upcoming_revision: "Revision | None" = None  # in force after the grade's year, up to k
    yearly_target: Decimal | None = None  # Y_g, when the pace rests on a yearly target

    @property
    def rests_on_earlier_year(self) -> bool:
        """Whether the grade rests on an earlier year's value than the year evaluated."""
        return self.grade_year is not None and self.grade_year != self.fiscal_year

    @property
    def basis_note(self) -> str:
        """「2024年度の値による」 when the grade rests on an earlier year's value, else ""."""
        return basis_note(self.grade_year, self.fiscal_year)

    @property
    def achieved(self) -> bool | None:
        """Whether the target is reached (progress >= 1, grade A); None without a value."""
        return None if self.progress is None else self.progress >= 1

    @property
    def achieved_label(self) -> str:
        """達成, 未達成, or 評価不能 without a value: the final summary's (総括) verdict."""
        return {True: "達成", False: "未達成", None: Grade.NONE.label}[self.achieved]

    @property
    def has_value(self) -> bool:
        """Whether any actual value went into the evaluation."""
        return self.current_value is not None

    @property
    def capped_progress(self) -> Decimal | None:
        """Progress clamped to [0, 1], as used by rollups and progress bars."""
        if self.progress is None:
            return None
        return min(max(self.progress, Decimal(0)), Decimal(1))

    @property
    def is_maintain_target(self) -> bool:
        """Whether the target is to keep the baseline level (T == B) rather than move it."""
        return self.aggregation is not Aggregation.CUMULATIVE and self.target == self.baseline


@dataclass(frozen=True)
class Revision:
    """New terms from from_year on: a baseline and/or a target (None leaves it as it was)."""

    from_year: int
    baseline: Decimal | None = None
    target: Decimal | None = None

    def __post_init__(self) -> None:
        _year(self.from_year, "from_year")
        for name in ("baseline", "target"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, _decimal(value, name))

    @property
    def changes_terms(self) -> bool:
        return self.baseline is not None or self.target is not None


@dataclass(frozen=True)
class Terms:
    """The baseline and target in force in a year, and the revision they come from."""

    baseline: Decimal
    target: Decimal
    revision: Revision | None = None  # None: the original terms
    previous_baseline: Decimal | None = None
    previous_target: Decimal | None = None


def terms_in_force(
    *, baseline: Decimal | int, target: Decimal | int, revisions: Iterable[Revision], year: int
) -> Terms:
    """The terms in force in `year`: the original ones with every revision up to it applied."""
    terms = Terms(_decimal(baseline, "baseline"), _decimal(target, "target"))
    for revision in sorted(revisions, key=lambda item: item.from_year):
        if revision.from_year > year or not revision.changes_terms:
            continue
        terms = Terms(
            baseline=terms.baseline if revision.baseline is None else revision.baseline,
            target=terms.target if revision.target is None else revision.target,
            revision=revision,
            previous_baseline=terms.baseline,
            previous_target=terms.target,
        )
    return terms


def basis_note(grade_year: int | None, fiscal_year: int) -> str:
    """「2024年度の値による」 when a grade for fiscal_year rests on grade_year's value, else "".

    Indicators and projects alike: the one wording of the year a grade rests on.
    """
    if grade_year is None or grade_year == fiscal_year:
        return ""
    return f"{grade_year}年度の値による"


def expected_pace(*, first_year: int, last_year: int, fiscal_year: int) -> Decimal:
    """The share of the plan period elapsed by the end of fiscal_year, clamped to [0, 1]."""
    first_year = _year(first_year, "first_year")
    last_year = _year(last_year, "last_year")
    fiscal_year = _year(fiscal_year, "fiscal_year")
    if first_year > last_year:
        raise ValueError(f"first_year {first_year} is after last_year {last_year}")
    plan_years = last_year - first_year + 1
    elapsed = min(max(fiscal_year - first_year + 1, 0), plan_years)
    return Decimal(elapsed) / Decimal(plan_years)


def yearly_pace(
    *,
    aggregation: Aggregation | str,
    baseline: Decimal | int,
    target: Decimal | int,
    yearly_target: Decimal | int,
) -> Decimal | None:
    """The expected pace a yearly target Y sets, clamped to [0, 1]: (Y - B) / (T - B), or
    Y / T for a cumulative indicator; None where it sets none (T == B, or a cumulative T of 0)."""
    baseline = _decimal(baseline, "baseline")
    target = _decimal(target, "target")
    yearly = _decimal(yearly_target, "yearly_target")
    if Aggregation(aggregation) is Aggregation.CUMULATIVE:
        if target == 0:
            return None
        pace = yearly / target
    elif target == baseline:
        return None
    else:
        pace = (yearly - baseline) / (target - baseline)
    return min(max(pace, Decimal(0)), Decimal(1))


def expected_value(
    *,
    aggregation: Aggregation | str,
    baseline: Decimal | int,
    target: Decimal | int,
    first_year: int,
    last_year: int,
    fiscal_year: int,
    yearly_targets: Mapping[int, Decimal | int] | None = None,
) -> Decimal:
    """The value expected by the end of fiscal_year: its yearly target when it has one, else
    the straight line from baseline to target.

    For a cumulative indicator the line runs from zero: the running total expected so far.
    """
    if yearly_targets and fiscal_year in yearly_targets:
        return _decimal(yearly_targets[fiscal_year], "yearly target")
    pace = expected_pace(first_year=first_year, last_year=last_year, fiscal_year=fiscal_year)
    baseline = _decimal(baseline, "baseline")
    target = _decimal(target, "target")
    if Aggregation(aggregation) is Aggregation.CUMULATIVE:
        return target * pace
    return baseline + (target - baseline) * pace


def grade_for(
    progress: Decimal | None, expected: Decimal, thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> Grade:
    """The grade for a progress against the expected pace; NONE when progress is None."""
    if progress is None:
        return Grade.NONE
    progress = _decimal(progress, "progress")
    expected = _decimal(expected, "expected")
    if progress >= 1:
        return Grade.A
    if progress >= thresholds.b_ratio * expected:
        return Grade.B
    if progress >= thresholds.c_ratio * expected:
        return Grade.C
    return Grade.D


def _is_worse(value: Decimal, reference: Decimal, direction: Direction) -> bool:
    """Whether value is strictly on the wrong side of reference."""
    if direction is Direction.INCREASE:
        return value < reference
    return value > reference


def _progress_between(
    value: Decimal, baseline: Decimal, target: Decimal, direction: Direction
) -> Decimal:
    if target == baseline:
        return Decimal(0) if _is_worse(value, target, direction) else Decimal(1)
    return (value - baseline) / (target - baseline)


def _checked_values(values: Mapping[int, Decimal | int | None]) -> dict[int, Decimal | None]:
    return {
        _year(year, "a year in values"): None
        if value is None
        else _decimal(value, f"the value for {year}")
        for year, value in values.items()
    }


def evaluate(
    *,
    aggregation: Aggregation | str,
    direction: Direction | str,
    baseline: Decimal | int,
    target: Decimal | int,
    first_year: int,
    last_year: int,
    fiscal_year: int,
    values: Mapping[int, Decimal | int | None],
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    revisions: Iterable[Revision] = (),
    yearly_targets: Mapping[int, Decimal | int] | None = None,
) -> Achievement:
    """Evaluate an indicator for fiscal_year from its actual values.

    values maps fiscal years to actual values; None means "not measured that year" and an
    absent year has no entry at all. Both are skipped. baseline and target are the original
    terms; revisions change them from their years on, and yearly_targets (year -> expected
    value) set the pace of the years they name. Raises TypeError for floats and ValueError
    for a cumulative indicator that decreases or whose target in force is not above zero.
    """
    aggregation = Aggregation(aggregation)
    direction = Direction(direction)
    revisions = tuple(revisions)
    actuals = _checked_values(values)

    evaluated_year = min(fiscal_year, last_year)
    plan_years = range(first_year, evaluated_year + 1)
    available = tuple(year for year in plan_years if actuals.get(year) is not None)
    not_measured = tuple(year for year in plan_years if year in actuals and actuals[year] is None)
    missing = tuple(year for year in plan_years if year not in actuals)
    years_used = available[-1:] if aggregation is Aggregation.LEVEL else available
    grade_year = years_used[-1] if years_used else None
    terms_year = fiscal_year if grade_year is None else grade_year

    terms = terms_in_force(baseline=baseline, target=target, revisions=revisions, year=terms_year)
    baseline, target = terms.baseline, terms.target
    upcoming = next(
        (
            revision
            for revision in sorted(revisions, key=lambda item: -item.from_year)
            if revision.changes_terms and terms_year < revision.from_year <= evaluated_year
        ),
        None,
    )
    if aggregation is Aggregation.CUMULATIVE:
        if direction is Direction.DECREASE:
            raise ValueError(
                "a cumulative indicator must have direction 'increase': a running total of "
                "yearly figures cannot be brought down to a target"
            )
        if target <= 0:
            raise ValueError(f"a cumulative indicator needs a target above zero, not {target}")

    current = progress = ratio = None
    regressed = False
    pace = expected_pace(first_year=first_year, last_year=last_year, fiscal_year=terms_year)
    yearly_target = None
    if yearly_targets and terms_year in yearly_targets:
        yearly = yearly_pace(
            aggregation=aggregation,
            baseline=baseline,
            target=target,
            yearly_target=yearly_targets[terms_year],
        )
        if yearly is not None:
            pace, yearly_target = yearly, _decimal(yearly_targets[terms_year], "yearly target")
    if years_used:
        total = sum((actuals[year] for year in years_used), Decimal(0))
        if aggregation is Aggregation.CUMULATIVE:
            current = total
            progress = total / target
            # B is one year's figure, so the total is compared through its yearly mean.
            regressed = _is_worse(total / len(years_used), baseline, direction)
        else:
            # For level, years_used holds only the latest year, so the mean is its value.
            current = total / len(years_used)
            progress = _progress_between(current, baseline, target, direction)
            regressed = _is_worse(current, baseline, direction)
        ratio = None if target == 0 else current / target

    return Achievement(
        fiscal_year=fiscal_year,
        evaluated_year=evaluated_year,
        aggregation=aggregation,
        direction=direction,
        baseline=baseline,
        target=target,
        current_value=current,
        progress=progress,
        ratio=ratio,
        expected_pace=pace,
        grade=grade_for(progress, pace, thresholds),
        regressed=regressed,
        years_used=years_used,
        years_not_measured=not_measured,
        years_missing=missing,
        grade_year=grade_year,
        revised_in=terms.revision.from_year if terms.revision else None,
        previous_baseline=terms.previous_baseline,
        previous_target=terms.previous_target,
        upcoming_revision=upcoming,
        yearly_target=yearly_target,
    )


@dataclass(frozen=True)
class Rollup:
    """Grade counts and mean capped progress over a group of indicators."""

    counts: dict[Grade, int]
    total: int
    evaluated: int
    not_evaluable: int
    regressed: int
    mean_progress: Decimal | None


def _as_grade(grade: Grade | str | None) -> Grade:
    if isinstance(grade, Grade):
        return grade
    text = (grade or "").strip()
    return Grade.NONE if text in ("", MINUS) else Grade(text)


def count_grades(grades: Iterable[Grade | str | None]) -> dict[Grade, int]:
    """Count grades, all five included; None, "" and "-" count as NONE."""
    counts = dict.fromkeys(Grade, 0)
    # Counted as they come, then each distinct one read as a grade: a report counts thousands
    # of projects' grades, and reading each as a Grade cost more than all the rest.
    for grade, number in Counter(grades).items():
        counts[_as_grade(grade)] += number
    return counts


def rollup(achievements: Iterable[Achievement]) -> Rollup:
    """Summarise achievements; indicators without a value are left out of mean_progress."""
    items = list(achievements)
    counts = count_grades(item.grade for item in items)
    capped = [item.capped_progress for item in items if item.has_value]
    return Rollup(
        counts=counts,
        total=len(items),
        evaluated=len(capped),
        not_evaluable=counts[Grade.NONE],
        regressed=sum(item.regressed for item in items),
        mean_progress=sum(capped, Decimal(0)) / len(capped) if capped else None,
    )


def format_number(value: Decimal | int | None, places: int) -> str:
    """Round half up to places decimals with "," thousands separators; None gives "−"."""
    if value is None:
        return MINUS
    if places < 0:
        raise ValueError(f"places must not be negative, got {places}")
    rounded = _decimal(value, "value").quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{abs(rounded):,.{places}f}"
    # A value that rounds to zero is shown without a sign.
    return MINUS + text if rounded < 0 else text


def format_percent(fraction: Decimal | int | None, places: int = 0) -> str:
    """Show a fraction as a percentage, e.g. 0.4909 as "49%"; None gives "−"."""
    if fraction is None:
        return MINUS
    return format_number(_decimal(fraction, "fraction") * 100, places) + "%"


def revision_note(a: Achievement, places: int, unit: str = "") -> str:
    """What a revision changed for this evaluation, said beside the formula: 「2024年度から目標値を
    見直し(旧: 50.8%)」 for the terms used, 「2025年度から目標値を見直し(新: 55.0%)」 for a revision
    after the grade's year; "" when the original terms stand and none is upcoming."""
    notes = []
    if a.revised_in is not None:
        changed = _changed_terms(
            (a.previous_baseline, a.baseline), (a.previous_target, a.target), places, unit, "旧"
        )
        if changed:
            notes.append(f"{a.revised_in}年度から{changed}")
    upcoming = a.upcoming_revision
    if upcoming is not None:
        changed = _changed_terms(
            (None, upcoming.baseline), (None, upcoming.target), places, unit, "新"
        )
        notes.append(f"{upcoming.from_year}年度から{changed}")
    return "。".join(notes)


def _changed_terms(baseline, target, places, unit, label):
    parts = []
    for name, (before, after) in (("基準値", baseline), ("目標値", target)):
        if after is None or (label == "旧" and before == after):
            continue
        shown = before if label == "旧" else after
        parts.append(f"{name}を見直し({label}: {format_number(shown, places)}{unit})")
    return "、".join(parts)


def explain(a: Achievement, places: int, unit: str = "") -> str:
    """The progress calculation written out in Japanese, values shown with places decimals,
    followed by what a revision changed (revision_note)."""
    note = revision_note(a, places, unit)
    formula = _formula(a, places)
    return f"{formula} ※{note}" if note else formula


def _formula(a: Achievement, places: int) -> str:
    if not a.has_value:
        return NO_VALUE_EXPLANATION
    value = format_number(a.current_value, places)
    target = format_number(a.target, places)
    baseline = format_number(a.baseline, places)
    percent = format_percent(a.progress)
    if a.aggregation is Aggregation.CUMULATIVE:
        return f"累計 {value} ÷ 目標 {target} = {percent}"
    average = a.aggregation is Aggregation.AVERAGE
    if a.is_maintain_target:
        met = a.progress == 1
        if a.direction is Direction.INCREASE:
            relation = "以上の" if met else "を下回る"
        else:
            relation = "以下の" if met else "を上回る"
        subject = "平均" if average else "実績"
        return f"現状維持の目標: {subject} {value} が目標 {target} {relation}ため {percent}"
    formula = f"({value} {MINUS} {baseline}) ÷ ({target} {MINUS} {baseline}) = {percent}"
    return f"平均 {value} → {formula}" if average else formula

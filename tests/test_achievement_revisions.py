"""indicators.achievement with revisions (見直し) and yearly targets (年度目標): worked examples
and properties. A revision changes the terms only from its year on; a yearly target drives the
expected pace of its year."""

from decimal import Decimal as D

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from indicators.achievement import (
    Aggregation,
    Direction,
    Grade,
    Revision,
    evaluate,
    expected_pace,
    expected_value,
    explain,
    revision_note,
    terms_in_force,
    yearly_pace,
)

LEVEL, CUMULATIVE, AVERAGE = Aggregation.LEVEL, Aggregation.CUMULATIVE, Aggregation.AVERAGE
INCREASE, DECREASE = Direction.INCREASE, Direction.DECREASE
PLAN = {"first_year": 2021, "last_year": 2025}
PARTICIPATION = {
    "aggregation": LEVEL,
    "direction": INCREASE,
    "baseline": D("45.3"),
    "target": D("50.8"),
}
CONSULTATIONS = {
    "aggregation": CUMULATIVE,
    "direction": INCREASE,
    "baseline": D("778"),
    "target": D("4000"),
}


def ev(indicator, fiscal_year, values, **overrides):
    return evaluate(**{**PLAN, **indicator, **overrides}, fiscal_year=fiscal_year, values=values)


RAISED_FROM_2024 = Revision(from_year=2024, target=D("55.0"))


# --- revisions: worked examples -------------------------------------------------------------


def test_a_revised_target_changes_the_grade_only_from_its_year():
    values = {2023: D("49.0"), 2024: D("49.0")}
    # 2023: (49.0 - 45.3) / (50.8 - 45.3) = 67% against a pace of 3/5 = 60%: B 順調.
    before = ev(PARTICIPATION, 2023, values, revisions=[RAISED_FROM_2024])
    assert before == ev(PARTICIPATION, 2023, values)
    assert before.grade is Grade.B and before.target == D("50.8") and before.revised_in is None
    # 2024 under the revised target 55.0: 3.7 / 9.7 = 38% against 80%: D 遅れ (C needs 48%).
    after = ev(PARTICIPATION, 2024, values, revisions=[RAISED_FROM_2024])
    assert after.target == D("55.0") and after.revised_in == 2024
    assert after.previous_target == D("50.8")
    assert after.grade is Grade.D
    # Without the revision the same 2024 value is 67% against 80%: C やや遅れ.
    assert ev(PARTICIPATION, 2024, values).grade is Grade.C


def test_the_formula_says_the_target_was_revised():
    a = ev(PARTICIPATION, 2024, {2024: D("49.0")}, revisions=[RAISED_FROM_2024])
    assert explain(a, 1, "%") == (
        "(49.0 \u2212 45.3) ÷ (55.0 \u2212 45.3) = 38% ※2024年度から目標値を見直し(旧: 50.8%)"
    )


def test_a_later_year_page_resting_on_an_earlier_value_keeps_that_years_terms_and_says_what_comes():
    # FY2025's page before a 2025 value: graded as 2023 was, on 2023's terms; the revision of
    # 2024 is named as upcoming, with the new target.
    a = ev(PARTICIPATION, 2025, {2023: D("49.0")}, revisions=[RAISED_FROM_2024])
    assert a.grade_year == 2023 and a.target == D("50.8") and a.grade is Grade.B
    assert a.upcoming_revision == RAISED_FROM_2024
    assert revision_note(a, 1, "%") == "2024年度から目標値を見直し(新: 55.0%)"


def test_a_revised_baseline_and_several_revisions_apply_in_order():
    revisions = [
        Revision(from_year=2025, target=D("60")),
        Revision(from_year=2023, baseline=D("40"), target=D("52")),
    ]
    terms = terms_in_force(baseline=D("45.3"), target=D("50.8"), revisions=revisions, year=2024)
    assert (terms.baseline, terms.target, terms.revision.from_year) == (D(40), D(52), 2023)
    terms = terms_in_force(baseline=D("45.3"), target=D("50.8"), revisions=revisions, year=2025)
    assert (terms.baseline, terms.target) == (D(40), D(60))
    assert (terms.previous_baseline, terms.previous_target) == (D(40), D(52))
    a = ev(PARTICIPATION, 2023, {2023: D("46")}, revisions=revisions)
    assert a.progress == (D(46) - 40) / (52 - 40)
    assert revision_note(a, 1, "%") == (
        "2023年度から基準値を見直し(旧: 45.3%)、目標値を見直し(旧: 50.8%)"
    )


def test_a_revision_without_new_terms_changes_nothing():
    values = {2024: D("49.0")}
    assert ev(PARTICIPATION, 2024, values, revisions=[Revision(from_year=2022)]) == ev(
        PARTICIPATION, 2024, values
    )


def test_a_cumulative_revision_to_zero_is_refused():
    with pytest.raises(ValueError, match="above zero"):
        ev(CONSULTATIONS, 2024, {2024: D(1)}, revisions=[Revision(from_year=2024, target=D(0))])


# --- yearly targets: worked examples --------------------------------------------------------


def test_yearly_targets_drive_the_pace():
    # A slow start: 46.0% expected by 2022 instead of the straight line's 47.5%.
    yearly = {2022: D("46.0"), 2023: D("47.0")}
    values = {2022: D("46.2")}
    straight = ev(PARTICIPATION, 2022, values)
    assert straight.expected_pace == D("0.4") and straight.grade is Grade.D  # 16% < 0.6 × 40%
    a = ev(PARTICIPATION, 2022, values, yearly_targets=yearly)
    # (46.0 - 45.3) / (50.8 - 45.3) = 13%; progress (46.2 - 45.3) / 5.5 = 16%: B 順調.
    assert a.expected_pace == (D("46.0") - D("45.3")) / (D("50.8") - D("45.3"))
    assert a.yearly_target == D("46.0") and a.grade is Grade.B


def test_a_cumulative_yearly_target_is_a_running_total():
    a = ev(CONSULTATIONS, 2022, {2021: D(300), 2022: D(300)}, yearly_targets={2022: D(500)})
    assert a.expected_pace == D(500) / D(4000)
    assert a.grade is Grade.B  # 600 / 4000 = 15% against 12.5%


def test_a_year_without_a_yearly_target_keeps_the_straight_line():
    a = ev(PARTICIPATION, 2023, {2023: D(47)}, yearly_targets={2022: D(46)})
    assert a.expected_pace == D("0.6") and a.yearly_target is None


def test_expected_value_takes_the_yearly_target():
    args = {**PLAN, "aggregation": LEVEL, "baseline": D("45.3"), "target": D("50.8")}
    assert expected_value(**args, fiscal_year=2022, yearly_targets={2022: D(46)}) == D(46)
    assert expected_value(**args, fiscal_year=2023, yearly_targets={2022: D(46)}) == D("48.6")


def test_yearly_pace_of_a_maintain_target_is_none_and_the_straight_line_stays():
    assert yearly_pace(aggregation=LEVEL, baseline=5, target=5, yearly_target=5) is None
    maintain = {"aggregation": LEVEL, "direction": INCREASE, "baseline": D(5), "target": D(5)}
    a = ev(maintain, 2022, {2022: D(5)}, yearly_targets={2022: D(5)})
    assert a.expected_pace == D("0.4") and a.yearly_target is None


# --- properties -----------------------------------------------------------------------------


def decimals(low="-100000", high="100000"):
    return st.decimals(
        min_value=D(low), max_value=D(high), places=2, allow_nan=False, allow_infinity=False
    )


years = st.integers(2021, 2025)
yearly_values = st.dictionaries(years, st.one_of(st.none(), decimals("0", "100000")), max_size=5)


@st.composite
def indicators(draw):
    kind = draw(st.sampled_from(Aggregation))
    if kind is CUMULATIVE:
        return {
            "aggregation": kind,
            "direction": INCREASE,
            "baseline": draw(decimals("0", "1000")),
            "target": draw(decimals("1", "100000")),
        }
    return {
        "aggregation": kind,
        "direction": draw(st.sampled_from(Direction)),
        "baseline": draw(decimals()),
        "target": draw(decimals()),
    }


@given(
    indicator=indicators(),
    values=yearly_values,
    fiscal_year=st.integers(2021, 2027),
    from_year=years,
    new_target=decimals("1", "100000"),
)
def test_a_revision_changes_nothing_before_its_year_and_is_the_new_target_from_it(
    indicator, values, fiscal_year, from_year, new_target
):
    revision = Revision(from_year=from_year, target=new_target)
    revised = ev(indicator, fiscal_year, values, revisions=[revision])
    plain = ev(indicator, fiscal_year, values)
    terms_year = plain.grade_year or fiscal_year
    if terms_year < from_year:
        assert (revised.grade, revised.progress, revised.target) == (
            plain.grade,
            plain.progress,
            plain.target,
        )
    else:
        as_if_original = ev(indicator | {"target": new_target}, fiscal_year, values)
        assert (revised.grade, revised.progress, revised.expected_pace) == (
            as_if_original.grade,
            as_if_original.progress,
            as_if_original.expected_pace,
        )
        assert revised.revised_in == from_year


@given(indicator=indicators(), values=yearly_values, fiscal_year=st.integers(2021, 2027))
def test_yearly_targets_on_the_straight_line_change_nothing(indicator, values, fiscal_year):
    assume(indicator["aggregation"] is CUMULATIVE or indicator["target"] != indicator["baseline"])
    terms = {key: indicator[key] for key in ("aggregation", "baseline", "target")}
    line = {year: expected_value(**PLAN, **terms, fiscal_year=year) for year in range(2021, 2026)}
    plain = ev(indicator, fiscal_year, values)
    with_targets = ev(indicator, fiscal_year, values, yearly_targets=line)
    assert with_targets.expected_pace == plain.expected_pace
    assert with_targets.grade is plain.grade


@given(
    indicator=indicators(),
    value=decimals(),
    year=years,
    low=decimals(),
    high=decimals(),
)
def test_a_more_demanding_yearly_target_never_gives_a_better_grade(
    indicator, value, year, low, high
):
    # "More demanding" is further from the baseline towards the target.
    if indicator["aggregation"] is CUMULATIVE:
        value = abs(value)
    assume(indicator["aggregation"] is CUMULATIVE or indicator["target"] != indicator["baseline"])
    low, high = sorted([low, high])
    towards_higher = indicator["aggregation"] is CUMULATIVE or (
        indicator["target"] > indicator["baseline"]
    )
    easy, hard = (low, high) if towards_higher else (high, low)
    order = "ABCD-"
    graded = [
        ev(indicator, year, {year: value}, yearly_targets={year: target}) for target in (easy, hard)
    ]
    assert graded[0].expected_pace <= graded[1].expected_pace
    assert order.index(graded[0].grade.value) <= order.index(graded[1].grade.value)


@given(indicator=indicators(), target=decimals(), year=years)
def test_yearly_pace_is_a_fraction(indicator, target, year):
    pace = yearly_pace(
        aggregation=indicator["aggregation"],
        baseline=indicator["baseline"],
        target=indicator["target"],
        yearly_target=target,
    )
    assert pace is None or 0 <= pace <= 1
    assert expected_pace(**PLAN, fiscal_year=year) <= 1

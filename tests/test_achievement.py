"""Tests of indicators.achievement: worked examples computed by hand, edge cases, properties."""

from decimal import Decimal as D
from typing import NamedTuple

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from indicators.achievement import (
    DEFAULT_THRESHOLDS,
    Achievement,
    Aggregation,
    Direction,
    Grade,
    Thresholds,
    count_grades,
    evaluate,
    expected_pace,
    explain,
    format_number,
    format_percent,
    grade_for,
    rollup,
)

LEVEL, CUMULATIVE, AVERAGE = Aggregation.LEVEL, Aggregation.CUMULATIVE, Aggregation.AVERAGE
INCREASE, DECREASE = Direction.INCREASE, Direction.DECREASE
MINUS = "\u2212"

# The plan runs FY2021-2025 with baseline year 2020, so N = 5.
PLAN = {"first_year": 2021, "last_year": 2025}


def indicator(aggregation, direction, baseline, target):
    return {
        "aggregation": aggregation,
        "direction": direction,
        "baseline": D(baseline),
        "target": D(target),
    }


# The plan's real indicators (with invented actual values), and two made-up decrease ones.
PARTICIPATION = indicator(LEVEL, INCREASE, "45.3", "50.8")  # 地域活動への市民の参加割合 (%)
PROJECT_RATE = indicator(AVERAGE, INCREASE, "74", "80")  # 市民協働推進事業の目標達成率 (%)
CONSULTATIONS = indicator(CUMULATIVE, INCREASE, "778", "4000")  # センターの相談者数 (人)
PAGE_VIEWS = indicator(CUMULATIVE, INCREASE, "118848", "768000")  # 市ホームページの閲覧数
WAITING_CHILDREN = indicator(LEVEL, DECREASE, "100", "0")  # 待機児童数 (人)
ACCIDENTS = indicator(AVERAGE, DECREASE, "1200", "1000")  # 交通事故件数 (件/年)


def ev(indicator, fiscal_year, values, **overrides):
    return evaluate(**{**PLAN, **indicator, **overrides}, fiscal_year=fiscal_year, values=values)


# --- worked examples -------------------------------------------------------------------------


class Example(NamedTuple):
    """An indicator evaluated for fiscal year k, with the result worked out by hand."""

    name: str
    indicator: dict
    k: int
    values: dict
    value: D
    progress: D
    ratio: D | None
    pace: D
    grade: Grade
    regressed: bool
    used: tuple[int, ...]


WORKED_EXAMPLES = [
    Example(
        "participation level on pace",
        PARTICIPATION,
        k=2021,
        values={2021: D("48.0")},
        value=D("48.0"),
        progress=D("2.7") / D("5.5"),
        ratio=D("48.0") / D("50.8"),
        pace=D("0.2"),
        grade=Grade.B,
        regressed=False,
        used=(2021,),
    ),
    Example(
        "participation level below baseline",
        PARTICIPATION,
        k=2022,
        values={2021: D("46.0"), 2022: D("44.0")},
        value=D("44.0"),
        progress=D("-1.3") / D("5.5"),
        ratio=D("44.0") / D("50.8"),
        pace=D("0.4"),
        grade=Grade.D,
        regressed=True,
        used=(2022,),
    ),
    Example(
        # 0.6 * e = 0.6 * 0.6 = 0.36 <= 2.2 / 5.5 = 0.4 < 0.6
        "participation level slightly behind",
        PARTICIPATION,
        k=2023,
        values={2021: D("46.0"), 2022: D("47.0"), 2023: D("47.5")},
        value=D("47.5"),
        progress=D("2.2") / D("5.5"),
        ratio=D("47.5") / D("50.8"),
        pace=D("0.6"),
        grade=Grade.C,
        regressed=False,
        used=(2023,),
    ),
    Example(
        "participation level beyond target is not capped",
        PARTICIPATION,
        k=2022,
        values={2022: D("52.0")},
        value=D("52.0"),
        progress=D("6.7") / D("5.5"),
        ratio=D("52.0") / D("50.8"),
        pace=D("0.4"),
        grade=Grade.A,
        regressed=False,
        used=(2022,),
    ),
    Example(
        # mean (75 + 78) / 2 = 76.5; (76.5 - 74) / (80 - 74) = 2.5 / 6 = 0.4166... >= 0.4
        "project rate average of two years",
        PROJECT_RATE,
        k=2022,
        values={2021: D("75"), 2022: D("78")},
        value=D("76.5"),
        progress=D("2.5") / D("6"),
        ratio=D("76.5") / D("80"),
        pace=D("0.4"),
        grade=Grade.B,
        regressed=False,
        used=(2021, 2022),
    ),
    Example(
        # (75 + 78 + 80 + 82 + 85) / 5 = 400 / 5 = 80
        "project rate five-year average reaches target",
        PROJECT_RATE,
        k=2025,
        values={2021: 75, 2022: 78, 2023: 80, 2024: 82, 2025: 85},
        value=D("80"),
        progress=D("1"),
        ratio=D("1"),
        pace=D("1"),
        grade=Grade.A,
        regressed=False,
        used=(2021, 2022, 2023, 2024, 2025),
    ),
    Example(
        # mean (70 + 73) / 2 = 71.5 < 74
        "project rate average below baseline",
        PROJECT_RATE,
        k=2022,
        values={2021: D("70"), 2022: D("73")},
        value=D("71.5"),
        progress=D("-2.5") / D("6"),
        ratio=D("71.5") / D("80"),
        pace=D("0.4"),
        grade=Grade.D,
        regressed=True,
        used=(2021, 2022),
    ),
    Example(
        # S = 800 + 900 = 1700; 1700 / 4000 = 0.425 >= 0.4; mean 850 > 778
        "consultations cumulative on pace",
        CONSULTATIONS,
        k=2022,
        values={2021: D("800"), 2022: D("900")},
        value=D("1700"),
        progress=D("0.425"),
        ratio=D("0.425"),
        pace=D("0.4"),
        grade=Grade.B,
        regressed=False,
        used=(2021, 2022),
    ),
    Example(
        # 700 / 4000 = 0.175: 0.12 <= 0.175 < 0.2; 700 a year < 778
        "consultations cumulative first year below baseline",
        CONSULTATIONS,
        k=2021,
        values={2021: D("700")},
        value=D("700"),
        progress=D("0.175"),
        ratio=D("0.175"),
        pace=D("0.2"),
        grade=Grade.C,
        regressed=True,
        used=(2021,),
    ),
    Example(
        # 800 + 800 + 800 + 800 + 800 = 4000
        "consultations cumulative reaches target",
        CONSULTATIONS,
        k=2025,
        values={y: D("800") for y in range(2021, 2026)},
        value=D("4000"),
        progress=D("1"),
        ratio=D("1"),
        pace=D("1"),
        grade=Grade.A,
        regressed=False,
        used=(2021, 2022, 2023, 2024, 2025),
    ),
    Example(
        # S = 120000 + 95000 + 160000 = 375000; 375000 / 768000 = 0.48828125
        # 0.36 <= 0.488 < 0.6; mean 125000 > 118848 although 2022 alone was lower
        "page views cumulative slightly behind",
        PAGE_VIEWS,
        k=2023,
        values={2021: D("120000"), 2022: D("95000"), 2023: D("160000")},
        value=D("375000"),
        progress=D("0.48828125"),
        ratio=D("0.48828125"),
        pace=D("0.6"),
        grade=Grade.C,
        regressed=False,
        used=(2021, 2022, 2023),
    ),
    Example(
        # S = 100000 + 90000 = 190000; 0.24 <= 190000 / 768000 = 0.2473... < 0.4
        # mean 95000 a year < 118848
        "page views cumulative slightly behind and regressed",
        PAGE_VIEWS,
        k=2022,
        values={2021: D("100000"), 2022: D("90000")},
        value=D("190000"),
        progress=D("190000") / D("768000"),
        ratio=D("190000") / D("768000"),
        pace=D("0.4"),
        grade=Grade.C,
        regressed=True,
        used=(2021, 2022),
    ),
    Example(
        # (60 - 100) / (0 - 100) = 0.4 >= 0.2; ratio 60 / 0 is undefined
        "waiting children level decrease on pace",
        WAITING_CHILDREN,
        k=2021,
        values={2021: D("60")},
        value=D("60"),
        progress=D("0.4"),
        ratio=None,
        pace=D("0.2"),
        grade=Grade.B,
        regressed=False,
        used=(2021,),
    ),
    Example(
        # (120 - 100) / (0 - 100) = -0.2
        "waiting children level decrease got worse",
        WAITING_CHILDREN,
        k=2022,
        values={2021: D("80"), 2022: D("120")},
        value=D("120"),
        progress=D("-0.2"),
        ratio=None,
        pace=D("0.4"),
        grade=Grade.D,
        regressed=True,
        used=(2022,),
    ),
    Example(
        "waiting children level decrease reaches zero",
        WAITING_CHILDREN,
        k=2024,
        values={2024: D("0")},
        value=D("0"),
        progress=D("1"),
        ratio=None,
        pace=D("0.8"),
        grade=Grade.A,
        regressed=False,
        used=(2024,),
    ),
    Example(
        # mean (1150 + 1090) / 2 = 1120; (1120 - 1200) / (1000 - 1200) = -80 / -200 = 0.4
        "accidents average decrease on pace",
        ACCIDENTS,
        k=2022,
        values={2021: D("1150"), 2022: D("1090")},
        value=D("1120"),
        progress=D("0.4"),
        ratio=D("1120") / D("1000"),
        pace=D("0.4"),
        grade=Grade.B,
        regressed=False,
        used=(2021, 2022),
    ),
    Example(
        # mean (1250 + 1190) / 2 = 1220 > 1200; (1220 - 1200) / (1000 - 1200) = -0.1
        "accidents average decrease above baseline",
        ACCIDENTS,
        k=2022,
        values={2021: D("1250"), 2022: D("1190")},
        value=D("1220"),
        progress=D("-0.1"),
        ratio=D("1220") / D("1000"),
        pace=D("0.4"),
        grade=Grade.D,
        regressed=True,
        used=(2021, 2022),
    ),
]


@pytest.mark.parametrize("example", WORKED_EXAMPLES, ids=[e.name for e in WORKED_EXAMPLES])
def test_worked_example(example):
    a = ev(example.indicator, example.k, example.values)
    assert (a.current_value, a.progress, a.ratio) == (
        example.value,
        example.progress,
        example.ratio,
    )
    assert a.expected_pace == example.pace
    assert (a.grade, a.regressed) == (example.grade, example.regressed)
    assert a.years_used == example.used
    assert (a.fiscal_year, a.evaluated_year) == (example.k, example.k)
    assert a.has_value
    assert isinstance(a.current_value, D) and isinstance(a.progress, D)


def test_result_carries_its_inputs():
    a = ev(PARTICIPATION, 2021, {2021: D("48.0")})
    assert (a.aggregation, a.direction) == (LEVEL, INCREASE)
    assert (a.baseline, a.target) == (D("45.3"), D("50.8"))


# --- edge cases ------------------------------------------------------------------------------


def test_no_value_yet():
    a = ev(PARTICIPATION, 2021, {})
    assert not a.has_value
    assert (a.current_value, a.progress, a.ratio, a.capped_progress) == (None, None, None, None)
    assert (a.grade, a.regressed) == (Grade.NONE, False)
    assert a.expected_pace == D("0.2")
    assert (a.years_used, a.years_not_measured, a.years_missing) == ((), (), (2021,))


def test_only_not_measured_years_is_no_value():
    a = ev(CONSULTATIONS, 2022, {2021: None, 2022: None})
    assert a.grade is Grade.NONE and a.current_value is None
    assert (a.years_not_measured, a.years_missing) == ((2021, 2022), ())


def test_level_takes_latest_available_value_skipping_not_measured_and_missing_years():
    # A survey held every other year: 2023 not measured, 2025 not yet entered.
    a = ev(PARTICIPATION, 2025, {2021: D("46.0"), 2022: D("47.1"), 2023: None, 2024: D("49.0")})
    assert a.current_value == D("49.0")
    assert a.progress == D("3.7") / D("5.5")
    assert a.years_used == (2024,)
    assert (a.years_not_measured, a.years_missing) == ((2023,), (2025,))
    # The grade rests on 2024's value and 2024's pace (0.8), not 2025's (1).
    assert (a.grade_year, a.basis_note) == (2024, "2024年度の値による")
    assert a.expected_pace == D("0.8")
    assert a.grade is Grade.C  # 0.48 <= 0.672... < 0.8


def test_average_uses_only_available_years():
    # mean (76 + 79) / 2 = 77.5, not (76 + 0 + 79) / 3
    a = ev(PROJECT_RATE, 2023, {2021: D("76"), 2022: None, 2023: D("79")})
    assert a.current_value == D("77.5")
    assert a.progress == D("3.5") / D("6")
    assert (a.years_used, a.years_not_measured) == ((2021, 2023), (2022,))


def test_cumulative_missing_year_is_skipped_but_counts_for_the_pace():
    a = ev(CONSULTATIONS, 2023, {2021: D("800"), 2023: D("900")})
    assert a.current_value == D("1700")
    assert a.progress == D("0.425")
    assert (a.years_used, a.years_missing) == ((2021, 2023), (2022,))
    assert a.expected_pace == D("0.6")
    assert (a.grade_year, a.basis_note) == (2023, "")
    assert a.grade is Grade.C  # 0.36 <= 0.425 < 0.6
    assert not a.regressed  # mean of the two years used: 850 > 778


def test_fiscal_year_before_the_plan():
    # The baseline year's own value is not an actual of the plan.
    a = ev(PARTICIPATION, 2020, {2020: D("45.3"), 2021: D("48.0")})
    assert (a.fiscal_year, a.evaluated_year) == (2020, 2020)
    assert a.expected_pace == 0
    assert a.grade is Grade.NONE and a.current_value is None
    assert (a.years_used, a.years_not_measured, a.years_missing) == ((), (), ())


def test_baseline_year_value_is_not_an_actual():
    a = ev(PARTICIPATION, 2021, {2020: D("50.8")})
    assert a.grade is Grade.NONE
    assert a.years_missing == (2021,)


def test_fiscal_year_after_the_plan_is_evaluated_as_of_the_last_year():
    values = {2021: D("700"), 2025: D("800"), 2026: D("5000")}
    a = ev(CONSULTATIONS, 2027, values)
    assert (a.fiscal_year, a.evaluated_year) == (2027, 2025)
    assert a.current_value == D("1500")  # 2026 is ignored
    assert a.expected_pace == 1
    assert a.years_missing == (2022, 2023, 2024)
    assert a.grade is Grade.D  # 1500 / 4000 = 0.375 < 0.6


def test_values_after_the_fiscal_year_are_ignored():
    a = ev(PARTICIPATION, 2022, {2022: D("47.0"), 2023: D("50.0"), 2024: None})
    assert a.current_value == D("47.0")
    assert (a.years_not_measured, a.years_missing) == ((), (2021,))


MAINTAIN_CASES = {
    # (direction, value, progress, grade, regressed) for T == B == 50 in 2022 (e = 0.4)
    "increase above": (INCREASE, D("52"), D("1"), Grade.A, False),
    "increase equal": (INCREASE, D("50"), D("1"), Grade.A, False),
    "increase below": (INCREASE, D("49.9"), D("0"), Grade.D, True),
    "decrease below": (DECREASE, D("45"), D("1"), Grade.A, False),
    "decrease equal": (DECREASE, D("50"), D("1"), Grade.A, False),
    "decrease above": (DECREASE, D("50.1"), D("0"), Grade.D, True),
}


@pytest.mark.parametrize("aggregation", [LEVEL, AVERAGE])
@pytest.mark.parametrize(
    ("direction", "value", "progress", "grade", "regressed"),
    list(MAINTAIN_CASES.values()),
    ids=list(MAINTAIN_CASES),
)
def test_maintain_target(aggregation, direction, value, progress, grade, regressed):
    a = ev(indicator(aggregation, direction, "50", "50"), 2022, {2022: value})
    assert (a.progress, a.grade, a.regressed) == (progress, grade, regressed)
    assert a.ratio == value / D("50")
    assert a.is_maintain_target


def test_maintain_target_of_zero_has_no_ratio():
    a = ev(indicator(LEVEL, DECREASE, 0, 0), 2021, {2021: 0})
    assert (a.progress, a.ratio, a.grade) == (D("1"), None, Grade.A)


def test_zero_and_negative_values():
    # A net migration indicator: -10 people (baseline) to +10 (target).
    migration = indicator(LEVEL, INCREASE, -10, 10)
    assert ev(migration, 2021, {2021: 0}).progress == D("0.5")  # (0 + 10) / (10 + 10)
    worse = ev(migration, 2021, {2021: D("-20")})
    assert (worse.progress, worse.regressed, worse.grade) == (D("-0.5"), True, Grade.D)
    assert worse.ratio == D("-2")


def test_cumulative_zero_year_and_a_negative_correction():
    zero = ev(CONSULTATIONS, 2021, {2021: D("0")})
    assert (zero.current_value, zero.progress, zero.grade, zero.regressed) == (
        D("0"),
        D("0"),
        Grade.D,
        True,
    )
    # A later correction entered as a negative figure lowers the total.
    corrected = ev(CONSULTATIONS, 2022, {2021: D("900"), 2022: D("-100")})
    assert corrected.current_value == D("800")
    assert corrected.progress == D("0.2")
    assert corrected.regressed  # mean 400 < 778


def test_ints_are_converted_to_decimal():
    a = ev({**PROJECT_RATE, "baseline": 74, "target": 80}, 2021, {2021: 77})
    assert isinstance(a.baseline, D) and isinstance(a.target, D)
    assert isinstance(a.current_value, D)
    assert a.progress == D("0.5")


def test_enum_string_values_are_accepted():
    a = ev({**WAITING_CHILDREN, "aggregation": "level", "direction": "decrease"}, 2021, {2021: 60})
    assert (a.aggregation, a.direction) == (LEVEL, DECREASE)
    assert a.progress == D("0.4")


@pytest.mark.parametrize(
    "overrides", [{"aggregation": "sum"}, {"direction": "up"}], ids=["aggregation", "direction"]
)
def test_unknown_enum_string_is_refused(overrides):
    with pytest.raises(ValueError):
        ev({**PARTICIPATION, **overrides}, 2021, {})


def test_cumulative_decrease_is_refused():
    with pytest.raises(ValueError, match=r"cumulative.*increase"):
        ev({**CONSULTATIONS, "direction": DECREASE, "target": D("100")}, 2021, {})


@pytest.mark.parametrize("target", [D("0"), D("-5")])
def test_cumulative_target_must_be_above_zero(target):
    with pytest.raises(ValueError, match=r"cumulative.*target"):
        ev({**CONSULTATIONS, "target": target}, 2021, {2021: D("10")})


FLOAT_INPUTS = {
    "baseline": ({**PARTICIPATION, "baseline": 45.3}, {}),
    "target": ({**PARTICIPATION, "target": 50.8}, {}),
    "value": (PARTICIPATION, {2021: 48.0}),
    "value outside the period": (PARTICIPATION, {2030: 48.0}),
    "bool value": (PARTICIPATION, {2021: True}),
    "string value": (PARTICIPATION, {2021: "48.0"}),
    "string year": (PARTICIPATION, {"2021": D("48.0")}),
}


@pytest.mark.parametrize(("indicator", "values"), FLOAT_INPUTS.values(), ids=list(FLOAT_INPUTS))
def test_non_decimal_input_is_refused(indicator, values):
    with pytest.raises(TypeError):
        ev(indicator, 2021, values)


@pytest.mark.parametrize("bad", [D("NaN"), D("Infinity"), D("-Infinity")])
def test_non_finite_value_is_refused(bad):
    with pytest.raises(ValueError, match="finite"):
        ev(PARTICIPATION, 2021, {2021: bad})


def test_first_year_after_last_year_is_refused():
    with pytest.raises(ValueError):
        ev(PARTICIPATION, 2021, {}, first_year=2026)


def test_float_fiscal_year_is_refused():
    with pytest.raises(TypeError):
        ev(PARTICIPATION, 2021.0, {})


def test_custom_thresholds_change_the_grade():
    # p = 0.35 at e = 0.4: C by default (0.24 <= p < 0.4), B with b_ratio 0.8 (0.32 <= p).
    values = {2021: D("700"), 2022: D("700")}
    assert ev(CONSULTATIONS, 2022, values).grade is Grade.C
    lenient = Thresholds(b_ratio=D("0.8"), c_ratio=D("0.5"))
    assert ev(CONSULTATIONS, 2022, values, thresholds=lenient).grade is Grade.B
    strict = Thresholds(b_ratio=D("1"), c_ratio=D("0.9"))
    assert ev(CONSULTATIONS, 2022, values, thresholds=strict).grade is Grade.D


def test_thresholds_defaults_and_validation():
    assert (DEFAULT_THRESHOLDS.b_ratio, DEFAULT_THRESHOLDS.c_ratio) == (D("1"), D("0.6"))
    assert Thresholds(b_ratio=1, c_ratio=0).c_ratio == D("0")
    for b_ratio, c_ratio in [(D("0.5"), D("0.6")), (D("1"), D("-0.1")), (D("-1"), D("-2"))]:
        with pytest.raises(ValueError, match="c_ratio"):
            Thresholds(b_ratio=b_ratio, c_ratio=c_ratio)
    with pytest.raises(TypeError):
        Thresholds(c_ratio=0.6)


@pytest.mark.parametrize(
    ("k", "pace"),
    [
        (2019, D("0")),
        (2020, D("0")),
        (2021, D("0.2")),
        (2023, D("0.6")),
        (2025, D("1")),
        (2026, D("1")),
        (2040, D("1")),
    ],
)
def test_expected_pace(k, pace):
    assert expected_pace(first_year=2021, last_year=2025, fiscal_year=k) == pace


def test_expected_pace_of_a_one_year_plan_and_thirds():
    assert expected_pace(first_year=2021, last_year=2021, fiscal_year=2021) == 1
    assert expected_pace(first_year=2021, last_year=2023, fiscal_year=2021) == D(1) / D(3)


@pytest.mark.parametrize(
    ("progress", "expected", "grade"),
    [
        (None, D("0.4"), Grade.NONE),
        (D("1"), D("1"), Grade.A),
        (D("1.5"), D("0.2"), Grade.A),
        (D("0.4"), D("0.4"), Grade.B),  # exactly on pace
        (D("0.9999"), D("0.4"), Grade.B),
        (D("0.3999"), D("0.4"), Grade.C),
        (D("0.24"), D("0.4"), Grade.C),  # exactly 0.6 * pace
        (D("0.2399"), D("0.4"), Grade.D),
        (D("-0.5"), D("0.2"), Grade.D),
        (D("0.9999"), D("1"), Grade.C),  # in the last year only A means on pace
        (D("0"), D("0"), Grade.B),  # a value before any pace is due
    ],
)
def test_grade_for(progress, expected, grade):
    assert grade_for(progress, expected, DEFAULT_THRESHOLDS) is grade


def test_grade_labels_and_symbols():
    assert [g.value for g in Grade] == ["A", "B", "C", "D", "-"]
    assert [g.label for g in Grade] == ["達成", "順調", "やや遅れ", "遅れ", "評価不能"]
    assert [g.symbol for g in Grade] == ["A", "B", "C", "D", MINUS]


def test_enums_match_model_choice_strings():
    assert [a.value for a in Aggregation] == ["level", "cumulative", "average"]
    assert [d.value for d in Direction] == ["increase", "decrease"]
    assert Aggregation("cumulative") is CUMULATIVE
    assert str(Grade.NONE) == "-" and f"{Direction.DECREASE}" == "decrease"


# --- properties ------------------------------------------------------------------------------


def decimals(low="-1000000", high="1000000", places=4):
    return st.decimals(
        min_value=D(low), max_value=D(high), places=places, allow_nan=False, allow_infinity=False
    )


plan_years = st.integers(min_value=2000, max_value=2100)
plan_lengths = st.integers(min_value=1, max_value=10)
directions = st.sampled_from(Direction)
directed_kinds = st.sampled_from([LEVEL, AVERAGE])


def directed_target(baseline, gap, direction):
    return baseline + gap if direction is INCREASE else baseline - gap


@given(
    kind=directed_kinds,
    direction=directions,
    baseline=decimals(),
    gap=decimals("0", "1000000"),
    other=decimals(),
    values=st.lists(decimals(), min_size=2, max_size=2),
)
def test_progress_is_monotone_in_the_value(kind, direction, baseline, gap, other, values):
    low, high = sorted(values)
    monitored = indicator(kind, direction, baseline, directed_target(baseline, gap, direction))

    def progress(value):
        # For average, another year's value is part of the mean.
        return ev(monitored, 2022, {2021: other, 2022: value}).progress

    if direction is INCREASE:
        assert progress(low) <= progress(high)
    else:
        assert progress(low) >= progress(high)


@given(
    kind=st.sampled_from(Aggregation),
    direction=directions,
    baseline=decimals(),
    target=decimals(),
    first_year=plan_years,
    length=plan_lengths,
    offset=st.integers(min_value=0, max_value=12),
)
def test_reaching_the_target_exactly_is_progress_one_and_grade_a(
    kind, direction, baseline, target, first_year, length, offset
):
    if kind is CUMULATIVE:
        assume(target > 0)
        direction = INCREASE
    last_year = first_year + length - 1
    fiscal_year = first_year + offset
    # Every year at the target for level and average; the whole target in one year for cumulative.
    years = range(first_year, min(fiscal_year, last_year) + 1)
    values = {first_year: target} if kind is CUMULATIVE else dict.fromkeys(years, target)
    a = evaluate(
        aggregation=kind,
        direction=direction,
        baseline=baseline,
        target=target,
        first_year=first_year,
        last_year=last_year,
        fiscal_year=fiscal_year,
        values=values,
    )
    assert a.progress == 1
    assert a.grade is Grade.A


@given(
    kind=directed_kinds,
    direction=directions,
    baseline=decimals(),
    gap=decimals("0.0001", "1000000"),
    years=st.integers(min_value=1, max_value=5),
)
def test_the_baseline_is_progress_zero(kind, direction, baseline, gap, years):
    target = directed_target(baseline, gap, direction)
    values = dict.fromkeys(range(2021, 2021 + years), baseline)
    a = ev(indicator(kind, direction, baseline, target), 2025, values)
    assert a.progress == 0
    assert not a.regressed


@given(
    target=decimals("0.0001", "1000000"),
    values=st.dictionaries(
        st.integers(min_value=2021, max_value=2025), st.none() | decimals("-1000", "1000000")
    ),
    year=st.integers(min_value=2021, max_value=2025),
    added=decimals("0", "1000000"),
    k=st.integers(min_value=2021, max_value=2026),
)
def test_adding_a_non_negative_year_never_lowers_cumulative_progress(
    target, values, year, added, k
):
    assume(values.get(year) is None)
    consultations = {**CONSULTATIONS, "target": target}
    before = ev(consultations, k, values)
    after = ev(consultations, k, {**values, year: added})
    if before.has_value:
        assert after.progress >= before.progress
    if year <= k:
        assert after.has_value and year in after.years_used


achievements = st.builds(
    evaluate,
    aggregation=directed_kinds,
    direction=directions,
    baseline=decimals(),
    target=decimals(),
    first_year=st.just(2021),
    last_year=st.just(2025),
    fiscal_year=st.integers(min_value=2019, max_value=2027),
    values=st.dictionaries(st.integers(min_value=2019, max_value=2027), st.none() | decimals()),
)


@given(st.lists(achievements, max_size=8))
def test_rollup_mean_progress_is_a_fraction_or_none(items):
    r = rollup(items)
    assert r.total == len(items) == sum(r.counts.values())
    assert r.evaluated + r.not_evaluable == r.total
    if r.evaluated:
        assert 0 <= r.mean_progress <= 1
    else:
        assert r.mean_progress is None


@given(achievements)
def test_grade_none_exactly_when_there_is_no_value(a):
    assert (a.grade is Grade.NONE) == (not a.has_value) == (a.grade_year is None)
    assert a.grade_year is None or a.grade_year == a.years_used[-1]
    assert (a.basis_note != "") == a.rests_on_earlier_year
    assert (a.progress is None) == (a.current_value is None)
    assert a.years_used == tuple(sorted(a.years_used))
    assert set(a.years_used).isdisjoint(a.years_not_measured + a.years_missing)


# --- rollups ---------------------------------------------------------------------------------


def made(progress, grade=Grade.B, regressed=False):
    """An Achievement with only the fields that rollups read set meaningfully."""
    return Achievement(
        fiscal_year=2022,
        evaluated_year=2022,
        aggregation=LEVEL,
        direction=INCREASE,
        baseline=D("0"),
        target=D("1"),
        current_value=progress,
        progress=progress,
        ratio=progress,
        expected_pace=D("0.4"),
        grade=Grade.NONE if progress is None else grade,
        regressed=regressed,
        years_used=() if progress is None else (2022,),
        years_not_measured=(),
        years_missing=(),
        grade_year=None if progress is None else 2022,
    )


def test_rollup_counts_include_zeros():
    r = rollup([made(D("1.2"), Grade.A), made(None)])
    assert r.counts == {Grade.A: 1, Grade.B: 0, Grade.C: 0, Grade.D: 0, Grade.NONE: 1}
    assert list(r.counts) == list(Grade)


def test_rollup_leaves_missing_values_out_of_the_mean():
    r = rollup([made(D("0.5")), made(None), made(None)])
    assert r.mean_progress == D("0.5")  # not (0.5 + 0 + 0) / 3
    assert (r.total, r.evaluated, r.not_evaluable) == (3, 1, 2)


def test_rollup_caps_progress_before_averaging():
    r = rollup([made(D("1.6"), Grade.A), made(D("-0.4"), Grade.D, regressed=True)])
    assert r.mean_progress == D("0.5")  # (1 + 0) / 2, not (1.6 - 0.4) / 2 = 0.6
    assert r.regressed == 1


def test_rollup_of_real_evaluations():
    items = [
        ev(PARTICIPATION, 2022, {2021: D("48.0")}),  # 2.7 / 5.5, B
        ev(CONSULTATIONS, 2022, {}),  # no value
        ev(WAITING_CHILDREN, 2022, {2022: D("120")}),  # -0.2 capped to 0, D, regressed
    ]
    r = rollup(items)
    assert r.counts[Grade.B] == 1 and r.counts[Grade.D] == 1 and r.counts[Grade.NONE] == 1
    assert r.mean_progress == (D("2.7") / D("5.5") + 0) / 2
    assert r.regressed == 1


def test_rollup_with_nothing_evaluated():
    assert rollup([made(None), made(None)]).mean_progress is None
    empty = rollup([])
    assert (empty.total, empty.evaluated, empty.mean_progress) == (0, 0, None)
    assert empty.counts == dict.fromkeys(Grade, 0)


def test_count_grades_of_project_self_evaluations():
    counts = count_grades(["A", "B", None, "", "A", Grade.D, "-", MINUS, " C "])
    assert counts == {Grade.A: 2, Grade.B: 1, Grade.C: 1, Grade.D: 1, Grade.NONE: 4}
    assert count_grades([]) == dict.fromkeys(Grade, 0)
    with pytest.raises(ValueError):
        count_grades(["E"])


# --- display ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "places", "text"),
    [
        (D("4000"), 0, "4,000"),
        (D("45.3"), 1, "45.3"),
        (D("45.3"), 2, "45.30"),
        (D("45.25"), 1, "45.3"),  # half up, where half even would give 45.2
        (D("2.5"), 0, "3"),
        (D("118848"), 0, "118,848"),
        (D("1234567.891"), 2, "1,234,567.89"),
        (D("-1234.5"), 0, MINUS + "1,235"),
        (D("-0.04"), 1, "0.0"),  # no sign on a zero
        (D("0"), 0, "0"),
        (D("999.96"), 1, "1,000.0"),
        (77, 1, "77.0"),
        (None, 2, MINUS),
    ],
)
def test_format_number(value, places, text):
    assert format_number(value, places) == text


def test_format_number_refuses_floats_and_negative_places():
    with pytest.raises(TypeError):
        format_number(45.3, 1)
    with pytest.raises(ValueError):
        format_number(D("1"), -1)


@pytest.mark.parametrize(
    ("fraction", "places", "text"),
    [
        (D("0.4909"), 0, "49%"),
        (D("0.425"), 0, "43%"),
        (D("0.005"), 0, "1%"),
        (D("1.23456"), 1, "123.5%"),
        (D("12.5"), 0, "1,250%"),
        (D("-0.2"), 0, MINUS + "20%"),
        (D("1"), 0, "100%"),
        (None, 0, MINUS),
    ],
)
def test_format_percent(fraction, places, text):
    assert format_percent(fraction, places) == text


@pytest.mark.parametrize(
    ("a", "places", "text"),
    [
        (
            ev(PARTICIPATION, 2021, {2021: D("48.0")}),
            1,
            "(48.0 − 45.3) ÷ (50.8 − 45.3) = 49%",
        ),
        (
            ev(CONSULTATIONS, 2022, {2021: D("800"), 2022: D("900")}),
            0,
            "累計 1,700 ÷ 目標 4,000 = 43%",
        ),
        (
            ev(PROJECT_RATE, 2022, {2021: D("75"), 2022: D("78")}),
            1,
            "平均 76.5 → (76.5 − 74.0) ÷ (80.0 − 74.0) = 42%",
        ),
        (
            ev(WAITING_CHILDREN, 2022, {2022: D("120")}),
            0,
            "(120 − 100) ÷ (0 − 100) = −20%",
        ),
        (
            ev({**PARTICIPATION, "baseline": D("-3")}, 2021, {2021: D("-5")}),
            0,
            "(−5 − −3) ÷ (51 − −3) = −4%",
        ),
        (
            ev({**PARTICIPATION, "target": D("45.3")}, 2021, {2021: D("46")}),
            1,
            "現状維持の目標: 実績 46.0 が目標 45.3 以上のため 100%",
        ),
        (
            ev({**PROJECT_RATE, "target": D("74")}, 2022, {2021: D("73"), 2022: D("74")}),
            1,
            "現状維持の目標: 平均 73.5 が目標 74.0 を下回るため 0%",
        ),
        (
            ev({**WAITING_CHILDREN, "target": D("100")}, 2021, {2021: D("90")}),
            0,
            "現状維持の目標: 実績 90 が目標 100 以下のため 100%",
        ),
        (
            ev({**WAITING_CHILDREN, "target": D("100")}, 2021, {2021: D("101")}),
            0,
            "現状維持の目標: 実績 101 が目標 100 を上回るため 0%",
        ),
        (ev(PAGE_VIEWS, 2021, {2021: None}), 0, "実績値がないため評価できません"),
    ],
    ids=[
        "level",
        "cumulative",
        "average",
        "level decrease",
        "negative numbers",
        "maintain met",
        "maintain average missed",
        "maintain decrease met",
        "maintain decrease missed",
        "no value",
    ],
)
def test_explain(a, places, text):
    assert explain(a, places) == text


# --- the year a grade rests on ---------------------------------------------------------------


def test_the_quoted_case_a_later_page_without_its_own_value_grades_as_the_last_value_year():
    # FY2025 page before any FY2025 value: B on the 2024 page, and B (not C) on the 2025 page.
    values = {2021: D("46.5"), 2022: D("47.6"), 2023: D("48.6"), 2024: D("49.8")}
    on_2024, on_2025 = ev(PARTICIPATION, 2024, values), ev(PARTICIPATION, 2025, values)
    assert on_2024.grade is on_2025.grade is Grade.B
    assert (on_2024.basis_note, on_2025.basis_note) == ("", "2024年度の値による")
    assert on_2025.expected_pace == on_2024.expected_pace == D("0.8")


def test_no_value_up_to_the_year_is_not_evaluable_whatever_comes_later():
    a = ev(PARTICIPATION, 2022, {2023: D("50")})
    assert (a.grade, a.grade_year, a.basis_note) == (Grade.NONE, None, "")


yearly_values = st.dictionaries(
    st.integers(min_value=2021, max_value=2025), st.none() | decimals("0", "10000"), max_size=5
)


@given(kind=st.sampled_from(Aggregation), values=yearly_values, later=st.integers(0, 4))
def test_grade_of_a_year_without_a_later_value_equals_the_grade_of_the_last_value_year(
    kind, values, later
):
    monitored = CONSULTATIONS if kind is CUMULATIVE else indicator(kind, INCREASE, "45", "50")
    a = ev(monitored, 2021 + later, values)
    assume(a.has_value)
    own = ev(monitored, a.grade_year, values)
    assert (a.grade, a.progress, a.expected_pace) == (own.grade, own.progress, own.expected_pace)
    assert own.basis_note == ""
    assert a.rests_on_earlier_year == (a.grade_year != 2021 + later)


@given(kind=st.sampled_from(Aggregation), value=decimals("0", "10000"))
def test_a_later_value_changes_the_year_the_grade_rests_on(kind, value):
    monitored = CONSULTATIONS if kind is CUMULATIVE else indicator(kind, INCREASE, "45", "50")
    before = ev(monitored, 2025, {2022: D("46")})
    after = ev(monitored, 2025, {2022: D("46"), 2025: value})
    assert (before.grade_year, after.grade_year) == (2022, 2025)
    assert after.basis_note == "" and before.basis_note == "2022年度の値による"
    assert after.expected_pace == 1 and before.expected_pace == D("0.4")

"""Implausible values are flagged, ordinary moves are not."""

from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from indicators.achievement import format_number
from indicators.plausibility import plausibility_warnings

D = Decimal
CHECK = "入力に誤りがないか確認し、要因分析に理由を書いてください。"

# The plan's real indicators (fixtures/plans/okayama-kyodo-2021.toml) and a few made-up shapes.
PARTICIPATION = {"baseline": D("45.3"), "target": D("50.8"), "aggregation": "level", "unit": "%"}
GOAL_RATE = {"baseline": D("74"), "target": D("80"), "aggregation": "average", "unit": "%"}
CONSULTATIONS = {"baseline": D("778"), "target": D("4000"), "aggregation": "cumulative"}
NETWORKS = {"baseline": D("40"), "target": D("65"), "aggregation": "level"}
FOLLOWERS = {"baseline": D("880"), "target": D("1500"), "aggregation": "level"}
PAGE_VIEWS = {"baseline": D("118848"), "target": D("768000"), "aggregation": "cumulative"}
WAITING_LIST = {"baseline": D("100"), "target": D("0"), "aggregation": "level"}
SMOKERS = {"baseline": D("30"), "target": D("20"), "aggregation": "level"}
SMALL = {"baseline": D("2"), "target": D("10"), "aggregation": "level"}
MAINTAIN = {"baseline": D("50"), "target": D("50"), "aggregation": "average"}
STAY_AT_ZERO = {"baseline": D("0"), "target": D("0"), "aggregation": "level"}
NEW_SERVICE = {"baseline": D("0"), "target": D("100"), "aggregation": "cumulative"}


def codes(indicator, previous, value):
    warnings = plausibility_warnings(
        value=value,
        previous=previous,
        previous_year=None if previous is None else 2024,
        **indicator,
    )
    return [warning.code for warning in warnings]


@pytest.mark.parametrize(
    ("indicator", "previous", "value", "expected"),
    [
        # Ordinary years of the real indicators.
        (PARTICIPATION, D("47.1"), D("48.0"), []),
        (PARTICIPATION, D("47.1"), D("44.0"), []),
        (GOAL_RATE, D("78"), D("82"), []),
        (CONSULTATIONS, D("820"), D("790"), []),
        (NETWORKS, D("45"), D("50"), []),
        (FOLLOWERS, D("1200"), D("1620"), []),
        (PAGE_VIEWS, D("120000"), D("160000"), []),
        # A digit too many or too few.
        (PARTICIPATION, D("47.1"), D("4.8"), ["jump"]),
        (PARTICIPATION, D("47.1"), D("480"), ["jump", "beyond_target"]),
        (GOAL_RATE, D("78"), D("8"), ["jump"]),
        (CONSULTATIONS, D("820"), D("82"), ["jump"]),
        (CONSULTATIONS, D("820"), D("8200"), ["jump", "beyond_target"]),
        (NETWORKS, D("45"), D("4"), ["jump"]),
        (NETWORKS, D("45"), D("450"), ["jump", "beyond_target"]),
        (FOLLOWERS, D("1200"), D("120"), ["jump"]),
        (FOLLOWERS, D("1200"), D("12000"), ["jump", "beyond_target"]),
        (PAGE_VIEWS, D("120000"), D("12000"), ["jump"]),
        (PAGE_VIEWS, D("120000"), D("1200000"), ["jump", "beyond_target"]),
        # JUMP_RATIO's edge: half of max(|previous|, scale), exactly, is still ordinary.
        (FOLLOWERS, D("1200"), D("1800"), []),
        (FOLLOWERS, D("1200"), D("1801"), ["jump"]),
        (MAINTAIN, D("50"), D("75"), []),
        (MAINTAIN, D("50"), D("75.1"), ["jump"]),
        (SMALL, D("2"), D("6"), []),  # the span (8), not last year's 2, sets the limit
        (SMALL, D("2"), D("7"), ["jump"]),
        (SMALL, D("2"), D("30"), ["jump", "beyond_target"]),
        # BEYOND_RATIO's edge: twice the planned change, exactly, is still ordinary.
        (PARTICIPATION, None, D("56.3"), []),
        (PARTICIPATION, None, D("56.4"), ["beyond_target"]),
        (GOAL_RATE, None, D("86"), []),
        (GOAL_RATE, None, D("87"), ["beyond_target"]),
        (CONSULTATIONS, None, D("4000"), []),
        (CONSULTATIONS, None, D("4001"), ["beyond_target"]),
        # Decrease targets: a dropped digit looks like great progress, so it warns.
        (WAITING_LIST, D("80"), D("60"), []),
        (WAITING_LIST, D("80"), D("30"), []),
        (WAITING_LIST, D("80"), D("29"), ["jump"]),
        (WAITING_LIST, D("80"), D("8"), ["jump"]),
        (WAITING_LIST, D("80"), D("800"), ["jump"]),  # the wrong side is no beyond_target
        (SMOKERS, None, D("10"), []),
        (SMOKERS, None, D("9.9"), ["beyond_target"]),
        # A target equal to the baseline: no progress to compute, no division by zero.
        (MAINTAIN, D("50"), D("51"), []),
        (MAINTAIN, None, D("500"), []),
        (MAINTAIN, D("50"), D("500"), ["jump"]),
        # Zero last year.
        (SMALL, D("0"), D("3"), []),
        (PARTICIPATION, D("0"), D("48.0"), ["jump"]),
        (STAY_AT_ZERO, D("0"), D("0"), []),
        (STAY_AT_ZERO, D("0"), D("1"), ["jump"]),  # every scale is zero: any change is asked about
        (NEW_SERVICE, D("0"), D("20"), ["jump"]),
        # No earlier year: no jump, however far the value.
        (PARTICIPATION, None, D("4.8"), []),
        (FOLLOWERS, None, D("120"), []),
    ],
)
def test_warnings(indicator, previous, value, expected):
    assert codes(indicator, previous, value) == expected


def test_no_value_no_warning():
    assert codes(PARTICIPATION, D("47.1"), None) == []
    assert codes(CONSULTATIONS, None, None) == []


def test_messages_say_what_moved_in_japanese():
    [jump, beyond] = plausibility_warnings(
        value=D("480"), previous=D("47.1"), previous_year=2024, places=1, **PARTICIPATION
    )
    assert jump.message == f"2024年度の 47.1% から 480.0% へ大きく変わっています。{CHECK}"
    assert beyond.message == f"目標値(50.8%)を大きく超えています。{CHECK}"


def test_cumulative_message_says_one_year_passed_the_whole_target():
    [beyond] = plausibility_warnings(
        value=D("4200"), previous=None, previous_year=None, places=0, unit="人", **CONSULTATIONS
    )
    expected = "1年度分の値が、計画期間の累計の目標値(4,000人)を超えています。"
    assert beyond.message == expected + CHECK


def test_a_previous_value_without_its_year_is_the_previous_one():
    [jump] = plausibility_warnings(
        value=D("120"), previous=D("1200"), previous_year=None, places=0, **CONSULTATIONS
    )
    assert jump.message.startswith("前回の 1,200 から 120 へ")


def test_unknown_aggregation_is_a_programming_error():
    with pytest.raises(ValueError, match="'total'"):
        plausibility_warnings(
            value=D(1),
            previous=None,
            previous_year=None,
            baseline=D(0),
            target=D(1),
            aggregation="total",
        )


# The range the model stores for values, baselines and targets: 18 digits, 4 of them decimals.
sane = st.decimals(
    min_value=D("-99999999999999.9999"),
    max_value=D("99999999999999.9999"),
    places=4,
    allow_nan=False,
    allow_infinity=False,
)
aggregations = st.sampled_from(["level", "cumulative", "average"])


@given(
    value=sane,
    previous=st.none() | sane,
    baseline=sane,
    target=sane,
    aggregation=aggregations,
    unit=st.sampled_from(["", "%", "人"]),
    places=st.integers(0, 4),
)
def test_never_raises(value, previous, baseline, target, aggregation, unit, places):
    warnings = plausibility_warnings(
        value=value,
        previous=previous,
        previous_year=2024,
        baseline=baseline,
        target=target,
        aggregation=aggregation,
        unit=unit,
        places=places,
    )
    found = [warning.code for warning in warnings]
    assert found in ([], ["jump"], ["beyond_target"], ["jump", "beyond_target"])
    assert previous is not None or "jump" not in found
    assert all(warning.message.endswith(CHECK) for warning in warnings)


@given(previous=sane, baseline=sane, target=sane, aggregation=aggregations)
def test_a_slip_of_one_digit_warns_when_last_year_sets_the_scale(
    previous, baseline, target, aggregation
):
    scale = abs(baseline) if aggregation == "cumulative" else abs(target - baseline)
    assume(previous != 0 and abs(previous) >= scale)
    for typo in (previous * 10, previous / 10):
        warnings = plausibility_warnings(
            value=typo,
            previous=previous,
            previous_year=2024,
            baseline=baseline,
            target=target,
            aggregation=aggregation,
        )
        assert "jump" in [warning.code for warning in warnings]


@given(previous=sane, places=st.integers(0, 4))
def test_numbers_are_shown_as_everywhere_else_in_the_portal(previous, places):
    value = previous * 10 + (1 if previous >= 0 else -1)
    [jump] = plausibility_warnings(
        value=value,
        previous=previous,
        previous_year=2024,
        unit="人",
        places=places,
        **MAINTAIN | {"baseline": D(0), "target": D(0)},
    )
    shown = f"{format_number(previous, places)}人 から {format_number(value, places)}人 へ"
    assert jump.message == f"2024年度の {shown}大きく変わっています。{CHECK}"

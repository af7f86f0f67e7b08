"""Implausible values are flagged, ordinary moves are not."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indicators.plausibility import plausibility_warnings

D = Decimal
PARTICIPATION = {"baseline": D("45.3"), "target": D("50.8"), "aggregation": "level", "unit": "%"}
FOLLOWERS = {"baseline": D("880"), "target": D("1500"), "aggregation": "level", "unit": "人"}
CONSULTATIONS = {"baseline": D("778"), "target": D("4000"), "aggregation": "cumulative"}
PAGE_VIEWS = {"baseline": D("118848"), "target": D("768000"), "aggregation": "cumulative"}
WAITING_LIST = {"baseline": D("100"), "target": D("0"), "aggregation": "level"}
SMALL = {"baseline": D("2"), "target": D("10"), "aggregation": "level"}
MAINTAIN = {"baseline": D("50"), "target": D("50"), "aggregation": "average"}


def codes(indicator, value, previous=None):
    warnings = plausibility_warnings(
        value=value, previous=previous, previous_year=2023 if previous else None, **indicator
    )
    return [warning.code for warning in warnings]


@pytest.mark.parametrize(
    ("indicator", "previous", "value", "expected"),
    [
        (PARTICIPATION, D("47.1"), D("48.0"), []),
        (PARTICIPATION, D("47.1"), D("44.0"), []),
        (PARTICIPATION, D("47.1"), D("4.8"), ["jump"]),
        (PARTICIPATION, D("47.1"), D("480"), ["jump", "beyond_target"]),
        (PARTICIPATION, None, D("48.0"), []),
        (PARTICIPATION, None, D("57.0"), ["beyond_target"]),  # 2.1 × the way to the target
        (FOLLOWERS, D("1200"), D("1620"), []),
        (FOLLOWERS, D("1200"), D("12000"), ["jump", "beyond_target"]),
        (CONSULTATIONS, D("820"), D("790"), []),
        (CONSULTATIONS, D("820"), D("8200"), ["jump", "beyond_target"]),
        (CONSULTATIONS, D("820"), D("82"), ["jump"]),
        (PAGE_VIEWS, D("120000"), D("125000"), []),
        (PAGE_VIEWS, D("120000"), D("1250000"), ["jump", "beyond_target"]),
        (WAITING_LIST, D("80"), D("60"), []),
        (WAITING_LIST, D("80"), D("8"), ["jump"]),
        (WAITING_LIST, D("80"), D("800"), ["jump"]),
        (SMALL, D("2"), D("5"), []),
        (SMALL, D("0"), D("3"), []),
        (SMALL, D("0"), D("30"), ["jump", "beyond_target"]),
        (MAINTAIN, D("50"), D("51"), []),
        (MAINTAIN, D("50"), D("500"), ["jump"]),
    ],
)
def test_warnings(indicator, previous, value, expected):
    assert codes(indicator, value, previous) == expected


def test_no_value_no_warning():
    assert codes(PARTICIPATION, None, D("47.1")) == []


def test_messages_say_what_moved_in_japanese():
    [jump, beyond] = plausibility_warnings(
        value=D("480"), previous=D("47.1"), previous_year=2023, places=1, **PARTICIPATION
    )
    assert jump.message.startswith("前年度(2023年度)の 47.1% から 480.0% へ大きく変わっています")
    assert "目標値(50.8%)を大きく超えています" in beyond.message


sane = st.decimals(
    min_value=D("-1000000"), max_value=D("1000000"), places=4, allow_nan=False, allow_infinity=False
)


@given(sane, st.none() | sane, sane, sane, st.sampled_from(["level", "cumulative", "average"]))
def test_never_raises(value, previous, baseline, target, aggregation):
    warnings = plausibility_warnings(
        value=value,
        previous=previous,
        previous_year=2023,
        baseline=baseline,
        target=target,
        aggregation=aggregation,
    )
    assert {warning.code for warning in warnings} <= {"jump", "beyond_target"}

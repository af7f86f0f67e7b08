"""Numbers as Japanese offices type them: accepted and normalised, or refused in Japanese."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from plans.numbers import format_input, parse_number

D = Decimal


@pytest.mark.parametrize(
    ("typed", "unit", "expected"),
    [
        ("45.3", "%", D("45.3")),
        ("４５．３", "%", D("45.3")),
        ("4,000", "人", D("4000")),
        ("４，０００", "人", D("4000")),
        ("1,234,567.5", "", D("1234567.5")),
        ("118,848", "", D("118848")),
        (" 45.3 ", "%", D("45.3")),
        ("\u3000４５．３\u3000", "%", D("45.3")),
        ("45.3%", "%", D("45.3")),
        ("45.3％", "%", D("45.3")),
        ("４５．３％", "%", D("45.3")),
        ("45.3 %", "%", D("45.3")),
        ("778人", "人", D("778")),
        ("７７８人", "人", D("778")),
        ("40 団体", "団体", D("40")),
        ("4,000人", "人", D("4000")),
        ("+5", "", D("5")),
        ("＋5", "", D("5")),
        ("-5", "", D("-5")),
        ("－5", "", D("-5")),
        ("\u22125", "", D("-5")),
        ("△5", "", D("-5")),
        ("▲1,200", "", D("-1200")),
        ("△ 0.5", "", D("-0.5")),
        ("0", "", D("0")),
        ("0.0001", "", D("0.0001")),
        ("007", "", D("7")),
        ("１，２００千円", "千円", D("1200")),
        ("", "%", None),
        ("   ", "%", None),
        ("\u3000", "", None),
    ],
)
def test_accepted(typed, unit, expected):
    assert parse_number(typed, unit=unit) == expected


@pytest.mark.parametrize(
    ("typed", "unit", "code", "fragment"),
    [
        ("約50", "%", "invalid", "「約50」は数値として読み取れません"),
        ("45.3.1", "", "invalid", "数値として読み取れません"),
        ("1e5", "", "invalid", "数値として読み取れません"),
        ("四十五", "", "invalid", "数字だけを入力してください"),
        ("40,00", "", "comma", "カンマの位置が正しくありません"),
        ("4,0000", "", "comma", "カンマの位置"),
        (",400", "", "comma", "カンマの位置"),
        ("50人", "%", "unit", "この指標の単位は「%」です"),
        ("45%", "人", "unit", "この指標の単位は「人」です"),
        ("45%", "", "unit", "単位を付けずに"),
        ("0.00001", "", "places", "小数点以下は4桁まで"),
        ("ー5", "", "invalid", "数値として読み取れません"),
        ("5-", "", "invalid", "数値として読み取れません"),
        ("--5", "", "invalid", "数値として読み取れません"),
        ("△-5", "", "invalid", "数値として読み取れません"),
        ("NaN", "", "invalid", "数値として読み取れません"),
        ("Infinity", "", "invalid", "数値として読み取れません"),
        ("∞", "", "invalid", "数値として読み取れません"),
        ("1/2", "", "invalid", "数値として読み取れません"),
        ("45、3", "", "invalid", "数値として読み取れません"),
        ("不明", "", "invalid", "数値として読み取れません"),
    ],
)
def test_refused(typed, unit, code, fragment):
    with pytest.raises(ValidationError) as error:
        parse_number(typed, unit=unit)
    assert error.value.code == code
    assert fragment in error.value.messages[0]


def test_whole_numbers_only_where_places_is_zero():
    assert parse_number("1,200", places=0) == 1200
    with pytest.raises(ValidationError, match="整数で入力してください"):
        parse_number("1200.5", places=0)


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        (D("45.3000"), "45.3"),
        (D("4000.0000"), "4000"),
        (D("0.0000"), "0"),
        (D("-1200"), "-1200"),
        (D("0.0500"), "0.05"),
        (None, ""),
    ],
)
def test_format_input(stored, shown):
    assert format_input(stored) == shown


FULL_WIDTH = str.maketrans("0123456789.-,", "０１２３４５６７８９．－，")
sane = st.decimals(
    min_value=D("-1000000000"),
    max_value=D("1000000000"),
    places=4,
    allow_nan=False,
    allow_infinity=False,
)


@given(sane)
def test_what_is_shown_in_a_field_reads_back_the_same(value):
    assert parse_number(format_input(value)) == value


@given(sane)
def test_thousands_separators_and_full_width_digits_read_back_the_same(value):
    assert parse_number(f"{value:,f}") == value
    assert parse_number(f"{value:,f}".translate(FULL_WIDTH)) == value

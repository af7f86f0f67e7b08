"""Numbers as Japanese offices type them: accepted and normalised, or refused in Japanese."""

import re
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
        ("45.3%", "％", D("45.3")),
        ("４５．３％", "%", D("45.3")),
        ("45.3 %", "%", D("45.3")),
        ("778人", "人", D("778")),
        ("７７８人", "人", D("778")),
        ("４５.３ 人", "人", D("45.3")),
        ("40 団体", "団体", D("40")),
        ("4,000人", "人", D("4000")),
        ("１，２００千円", "千円", D("1200")),
        ("100㎡", "㎡", D("100")),
        ("100m2", "㎡", D("100")),
        ("100m²", "m²", D("100")),
        ("+5", "", D("5")),
        ("＋5", "", D("5")),
        ("-5", "", D("-5")),
        ("－5", "", D("-5")),
        ("\u22125", "", D("-5")),  # MINUS SIGN
        ("\u20105", "", D("-5")),  # HYPHEN
        ("△5", "", D("-5")),
        ("▲1,200", "", D("-1200")),
        ("△ 0.5", "", D("-0.5")),
        ("△5%", "%", D("-5")),
        ("0", "", D("0")),
        ("-0", "", D("0")),
        ("0.0001", "", D("0.0001")),
        ("45.30000", "", D("45.3")),  # trailing zeros are not decimal places
        ("007", "", D("7")),
        ("9" * 30, "", D("9" * 30)),  # exact beyond the 28 digits of Decimal arithmetic
        ("", "%", None),
        ("   ", "%", None),
        ("\u3000", "", None),
    ],
)
def test_accepted(typed, unit, expected):
    parsed = parse_number(typed, unit=unit)
    assert parsed == expected
    if expected is not None:
        assert str(parsed) == str(expected)  # no stray exponent or "-0"


@pytest.mark.parametrize(
    ("typed", "unit", "code", "fragment"),
    [
        ("約50", "%", "invalid", "「約50」は数値として読み取れません。数字だけを入力してください"),
        ("45.3.1", "", "invalid", "「45.3.1」は数値として読み取れません"),
        ("1e5", "", "invalid", "「1e5」は数値として読み取れません"),
        ("四十五", "", "invalid", "漢数字ではなく算用数字で入力してください"),
        ("50万", "人", "invalid", "漢数字ではなく算用数字"),
        ("40,00", "", "comma", "「40,00」はカンマの位置が正しくありません"),
        ("4,0000", "", "comma", "カンマの位置が正しくありません"),
        (",400", "", "comma", "カンマの位置が正しくありません"),
        ("4,,000", "", "comma", "カンマの位置が正しくありません"),
        ("50人", "%", "unit", "「50人」は単位が違います: この項目の単位は「%」です。"),
        ("45%", "人", "unit", "この項目の単位は「人」です"),
        ("1,200円", "千円", "unit", "この項目の単位は「千円」です"),
        ("45%", "", "unit", "単位を付けずに数字だけを入力してください"),
        ("0.00001", "", "places", "「0.00001」: 小数点以下は4桁までにしてください。"),
        ("ー5", "", "invalid", "数値として読み取れません"),  # a long vowel mark, not a minus
        ("5-", "", "invalid", "数値として読み取れません"),
        ("--5", "", "invalid", "数値として読み取れません"),
        ("△-5", "", "invalid", "数値として読み取れません"),
        ("NaN", "", "invalid", "数値として読み取れません"),
        ("Infinity", "", "invalid", "数値として読み取れません"),
        ("∞", "", "invalid", "数値として読み取れません"),
        ("1/2", "", "invalid", "数値として読み取れません"),
        ("45、3", "", "invalid", "数値として読み取れません"),
        ("4、000", "", "invalid", "数値として読み取れません"),
        ("①50", "", "invalid", "数値として読み取れません"),  # NFKC would make it 150
        ("10²", "", "invalid", "数値として読み取れません"),  # NFKC would make it 102
        ("٤٥", "", "invalid", "数値として読み取れません"),
        (".5", "", "invalid", "数値として読み取れません"),
        ("人", "人", "invalid", "数値として読み取れません"),
        (",", "", "invalid", "数値として読み取れません"),
        ("不明", "", "invalid", "数値として読み取れません"),
        ("1,2OO", "千円", "invalid", "英字の O や l が入っていないか"),  # letter O for zero
        ("l00", "人", "invalid", "英字の O や l が入っていないか"),
    ],
)
def test_refused(typed, unit, code, fragment):
    with pytest.raises(ValidationError) as error:
        parse_number(typed, unit=unit)
    assert error.value.code == code
    assert fragment in error.value.messages[0]


def test_places_is_the_number_of_decimals_allowed():
    assert parse_number("1,200", places=0) == 1200
    assert parse_number("1200.0", places=0) == 1200
    assert parse_number("45.25", places=2) == D("45.25")
    with pytest.raises(ValidationError, match=re.escape("「1200.5」: 整数で入力してください。")):
        parse_number("1200.5", places=0)
    with pytest.raises(ValidationError, match="小数点以下は2桁まで"):
        parse_number("45.255", places=2)


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        (D("45.3000"), "45.3"),
        (D("4000.0000"), "4000"),
        (D("4E+3"), "4000"),
        (D("0.0000"), "0"),
        (D("-0.0"), "0"),
        (D("-1200"), "-1200"),
        (D("0.0500"), "0.05"),
        (D("1234567.5"), "1234567.5"),
        (None, ""),
    ],
)
def test_format_input(stored, shown):
    assert format_input(stored) == shown


FULL_WIDTH = str.maketrans("0123456789.-,", "０１２３４５６７８９．－，")
sane = st.decimals(
    min_value=D("-1e13"), max_value=D("1e13"), places=4, allow_nan=False, allow_infinity=False
)


@given(sane)
def test_what_is_shown_in_a_field_reads_back_the_same(value):
    assert parse_number(format_input(value)) == value


@given(sane)
def test_thousands_separators_and_full_width_digits_read_back_the_same(value):
    assert parse_number(f"{value:,}") == value
    assert parse_number(str(value).translate(FULL_WIDTH)) == value
    assert parse_number(f"{value:,}".translate(FULL_WIDTH)) == value


@given(sane, st.sampled_from(["%", "人", "団体", "千円"]), st.sampled_from(["", " ", "\u3000"]))
def test_a_value_with_its_unit_or_a_triangle_reads_back(value, unit, space):
    assert parse_number(f"{value}{space}{unit}", unit=unit) == value
    assert parse_number(f"△{abs(value)}") == -abs(value)


TYPED = "0123456789０１２３４５６７８９,，.．+-－−ー△%％人 　eE①²、約"


@given(st.text(TYPED, max_size=12) | st.text(max_size=12), st.sampled_from(["", "%", "人"]))
def test_anything_typed_gives_a_number_none_or_a_validation_error(typed, unit):
    try:
        parsed = parse_number(typed, unit=unit)
    except ValidationError as error:
        assert error.code in {"invalid", "unit", "places", "comma"}
        assert f"「{typed.strip()}」" in error.messages[0]
    else:
        assert parsed is None or (parsed.is_finite() and -parsed.as_tuple().exponent <= 4)

"""Numbers as Japanese offices type them: ４５．３, 4,000, ４，０００, 45.3%, 778人, △5.

`parse_number()` accepts those and returns a Decimal; anything else is refused with a message in
Japanese that echoes what was typed and says what is wrong.
"""

import re
import unicodedata
from decimal import Decimal

from django.core.exceptions import ValidationError

# Minus signs that survive NFKC (which already turns the full-width "－" into "-").
_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2010": "-", "\u2011": "-", "\u2012": "-"})
# Japanese accounts write a negative number with a triangle in front: △5 is −5.
_TRIANGLES = "△▲"
_NUMBER = re.compile(r"^(?P<sign>[+-]?)(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<fraction>\d+))?$")
_NUMBER_WITH_COMMAS = re.compile(r"^[+-]?[\d,]+(?:\.\d+)?$")
_NUMBER_THEN_WORD = re.compile(r"^[+-]?[\d,]+(?:\.\d+)?\s*(?P<word>[^\d\s.,+-]+)$")


def _invalid(raw):
    return ValidationError(
        f"「{raw}」は数値として読み取れません。数字だけを入力してください(例: 45.3、4,000)。",
        code="invalid",
    )


def _unit_error(raw, unit):
    if unit:
        message = f"「{raw}」は単位が違います: この指標の単位は「{unit}」です。"
    else:
        message = f"「{raw}」: この項目には単位を付けずに数字だけを入力してください。"
    return ValidationError(message, code="unit")


def parse_number(text, *, unit="", places=4):
    """The Decimal typed in `text`, or None when nothing was typed.

    Accepted: full-width digits and punctuation, thousands commas in their right places, spaces
    around, a leading + or a minus sign or △/▲, and a trailing unit equal to `unit` (or % when
    the unit is %). At most `places` decimal places.
    """
    raw = "" if text is None else str(text).strip()
    normalised = unicodedata.normalize("NFKC", raw).strip()
    if not normalised:
        return None
    negative = normalised[0] in _TRIANGLES
    if negative:
        normalised = normalised[1:].strip()
    wanted_unit = unicodedata.normalize("NFKC", unit or "").strip()
    if wanted_unit and normalised.endswith(wanted_unit):
        normalised = normalised[: -len(wanted_unit)].strip()
    elif normalised.endswith("%"):
        raise _unit_error(raw, wanted_unit)
    normalised = normalised.translate(_MINUS_SIGNS)

    match = _NUMBER.match(normalised)
    if match is None:
        if _NUMBER_WITH_COMMAS.match(normalised) and "," in normalised:
            raise ValidationError(
                f"「{raw}」はカンマの位置が正しくありません。3桁ごとに区切るか、カンマなしで"
                "入力してください(例: 4,000 または 4000)。",
                code="comma",
            )
        if _NUMBER_THEN_WORD.match(normalised):
            raise _unit_error(raw, wanted_unit)
        raise _invalid(raw)
    if negative and match["sign"]:
        raise _invalid(raw)
    fraction = match["fraction"] or ""
    if len(fraction) > places:
        message = (
            "整数で入力してください。"
            if places == 0
            else f"小数点以下は{places}桁までにしてください。"
        )
        raise ValidationError(f"「{raw}」: {message}", code="places")
    value = Decimal(f"{match['sign']}{match['whole'].replace(',', '')}.{fraction or '0'}")
    if fraction == "":
        value = value.quantize(Decimal(1))
    return -value if negative else value


def format_input(value):
    """A stored value as it is put back into an input: 45.3000 -> '45.3', 4000.0000 -> '4000'."""
    if value is None:
        return ""
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text

"""Numbers as Japanese offices type them: ４５．３, 4,000, ４，０００, 45.3%, 778人, △5.

`parse_number()` accepts those and returns a Decimal; anything else is refused with a message in
Japanese that echoes what was typed and says what is wrong. `format_input()` puts a stored value
back into an input field.
"""

import re
import unicodedata
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError

_DIGITS = "0123456789"
_TYPED_DIGITS = frozenset(_DIGITS + "０１２３４５６７８９")
# Minus signs that survive NFKC (which already turns "－" into "-"). "ー", the long vowel mark,
# is left out on purpose: it is not a minus.
_MINUS_SIGNS = str.maketrans(dict.fromkeys("\u2212\u2010\u2011\u2012", "-"))
# Japanese accounts write a negative number with a triangle in front: △5 is −5.
_TRIANGLES = "△▲"
_DIGITS_ONLY = "数字だけを入力してください(例: 45.3、4,000)"
_KANJI_NUMERALS = frozenset("〇零一二三四五六七八九十百千万億兆壱弐参拾")
_NUMBER = re.compile(
    r"(?P<sign>[+-]?)(?P<whole>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.(?P<fraction>[0-9]+))?"
)
_COMMA_NUMBER = re.compile(r"[+-]?(?=[0-9,]*[0-9])[0-9,]*,[0-9,]*(?:\.[0-9]+)?")
_NUMBER_THEN_WORD = re.compile(r"[+-]?[0-9][0-9,]*(?:\.[0-9]+)?\s*(?P<word>.+)")


def _normalise(text: str) -> str:
    """NFKC, except for characters it would silently turn into digits (① into 1, ² into 2)."""
    kept = []
    for char in text:
        folded = unicodedata.normalize("NFKC", char)
        lookalike = char not in _TYPED_DIGITS and any(c in _DIGITS for c in folded)
        kept.append(char if lookalike else folded)
    # Composes what NFKC per character leaves apart, such as half-width ｶﾞ.
    return unicodedata.normalize("NFC", "".join(kept)).strip()


# Letters typed for digits that look the same: O for 0, l or I for 1.
_DIGIT_LOOKALIKES = frozenset("OoIl")


def _is_unit(word: str) -> bool:
    """Whether a word typed after a number reads as a unit: no digit (1e5, 10²), no punctuation."""
    return not any(char.isdigit() or char in ".,+-、。/" for char in word)


def _invalid(raw: str, hint: str = _DIGITS_ONLY) -> ValidationError:
    return ValidationError(f"「{raw}」は数値として読み取れません。{hint}。", code="invalid")


def _refusal(raw: str, number: str, unit: str) -> ValidationError:
    """Why `number` (what is left once the sign and the unit are taken off) is not a number."""
    if _COMMA_NUMBER.fullmatch(number):
        return ValidationError(
            f"「{raw}」はカンマの位置が正しくありません。3桁ごとに区切るか、カンマなしで"
            "入力してください(例: 4,000 または 4000)。",
            code="comma",
        )
    letters = set(number) - set(_DIGITS + ",.+- ")
    if letters and letters <= _KANJI_NUMERALS:
        return _invalid(raw, "漢数字ではなく算用数字で入力してください(例: 四十五 は 45)")
    if letters and letters <= _DIGIT_LOOKALIKES and any(c in _DIGITS for c in number):
        return _invalid(
            raw, "数字の 0 や 1 の代わりに英字の O や l が入っていないか確かめてください"
        )
    word = _NUMBER_THEN_WORD.fullmatch(number)
    if word and _is_unit(word["word"]):
        if unit:
            message = f"「{raw}」は単位が違います: この項目の単位は「{unit}」です。"
        else:
            message = f"「{raw}」: この項目には単位を付けずに数字だけを入力してください。"
        return ValidationError(message, code="unit")
    return _invalid(raw)


def parse_number(text: str, *, unit: str = "", places: int = 4) -> Decimal | None:
    """The Decimal typed in `text`, or None when nothing was typed.

    Accepted: full-width digits and punctuation, thousands commas in their right places, spaces
    around, a leading + or minus sign or △/▲, and a trailing `unit` (compared after NFKC, so %
    and ％ are the same). At most `places` significant decimal places: 45.30000 is 45.3.
    Anything else raises ValidationError with code "invalid", "unit", "places" or "comma".
    """
    raw = (text or "").strip()
    number = _normalise(raw)
    if not number:
        return None
    negative = number[0] in _TRIANGLES
    if negative:
        number = number[1:].lstrip()
    # The unit as typed may keep a ² that _normalise() leaves alone, or spell it out as 2.
    suffixes = dict.fromkeys([_normalise(unit), unicodedata.normalize("NFKC", unit).strip()])
    for suffix in filter(None, suffixes):
        if number.endswith(suffix):
            number = number.removesuffix(suffix).rstrip()
            break
    number = number.translate(_MINUS_SIGNS)

    match = _NUMBER.fullmatch(number)
    if match is None or (negative and match["sign"]):
        raise _refusal(raw, number, unit.strip())
    fraction = (match["fraction"] or "").rstrip("0")
    if len(fraction) > places:
        hint = f"小数点以下は{places}桁までにしてください" if places else "整数で入力してください"
        raise ValidationError(f"「{raw}」: {hint}。", code="places")
    # Built from the digits, not by arithmetic, which would round beyond 28 digits.
    value = Decimal(match["sign"] + match["whole"].replace(",", "") + (fraction and f".{fraction}"))
    if not value:
        return Decimal(0)
    return value.copy_negate() if negative else value


def format_input(value: Decimal | None) -> str:
    """A stored value as it is put back into an input: 45.3000 -> '45.3', 4000.0000 -> '4000'."""
    if value is None:
        return ""
    if not value:
        return "0"
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


DATE_INPUT = re.compile(r"(\d{4})(?:[-/]|年)(\d{1,2})(?:[-/]|月)(\d{1,2})日?")


def parse_date_input(text):
    """A date as a date field sends it (2026-05-31) or an office types it (２０２６/5/31,
    2026年5月31日);
    None for an empty field. Anything else (a week like 2026-W01, a NUL, a date that does not
    exist) is a ValueError whose message says, in Japanese, what to type."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    if not text:
        return None
    example = "例: 2026-05-31"
    match = DATE_INPUT.fullmatch(text)
    if match is None:
        shown = text.replace("\x00", "")[:20]
        raise ValueError(
            f"「{shown}」は日付として読み取れません。年-月-日の形で入力してください({example})。"
        )
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        raise ValueError(f"「{text}」という日付はありません({example})。") from None

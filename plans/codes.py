"""Codes as people type them: 事業コード, 基本施策 numbers.

A code typed in Excel on a Japanese keyboard comes full-width (Ｋ－０３), with any of a dozen
dashes (‐ − – — ー －...) and stray spaces. Matching and storing go through normalize_code, at
every door (the admin form, the import, the plan file), so K-03 typed later finds Ｋ－０３.
"""

import re
import unicodedata

# Every character an office types for the hyphen in a code: hyphens, dashes, minus signs, box
# lines, and the long vowel mark ー (ｰ after NFKC) unless it follows katakana (コード).
HYPHENS = re.compile(
    r"\s*(?:[\u002d\u00ad\u2010-\u2015\u2212\u2500\u2501\ufe58\ufe63\uff0d]"
    r"|(?<![\u30a1-\u30fa])\u30fc)\s*"
)


def normalize_code(text):
    """'Ｋ－０３ ' -> 'K-03': NFKC, every hyphen variant as '-', no blanks around it or at the
    ends. Letters keep their case."""
    text = unicodedata.normalize("NFKC", str(text or ""))
    return HYPHENS.sub("-", text).strip()


_CODE_SEPARATORS = re.compile(r"[、,，;；/／\s]+")


def measure_codes(text):
    """'２－１、2-3' -> ['2-1', '2-3']: full-width digits and spaces inside a code allowed."""
    return [code for code in _CODE_SEPARATORS.split(normalize_code(text)) if code]

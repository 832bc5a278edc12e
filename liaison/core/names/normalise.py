"""Search normalisation (``fold``) and script detection. Pure functions."""

from __future__ import annotations

import re
import unicodedata
from typing import Final, Literal

from liaison.core.names import rules

type Script = Literal["Latn", "Arab", "Mixed", "Other", "Zyyy"]

# Combining marks of the Latin and Arabic blocks (Vietnamese tone and vowel marks, harakat,
# tanwin, shadda, sukun, superscript alef, Quranic marks). Marks of other scripts are kept.
_MARKS: Final = re.compile(
    "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
    "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8\u06ea-\u06ed"
    "\u08d3-\u08e1\u08e3-\u08ff]"
)
# Invisible format characters (zero-width space/joiners, bidi marks, BOM): removed, not spaced.
_INVISIBLE: Final = re.compile("[\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_SEPARATORS: Final = re.compile(r"[\W_]+")

_TABLE: Final = str.maketrans(
    {
        **rules.LATIN_FOLD,
        **rules.ARABIC_FOLD,
        **{d: str(i) for i, d in enumerate(rules.ARABIC_INDIC_DIGITS)},
        **{d: str(i) for i, d in enumerate(rules.PERSIAN_DIGITS)},
    }
)


def fold(text: str) -> str:
    """Return the search form of ``text``, used identically at index and query time.

    NFKC, casefold, Latin diacritics stripped (đ → d), Arabic harakat and tatweel removed,
    alef/hamza/ya/ta-marbuta forms unified, Arabic-Indic digits made ASCII, and runs of
    whitespace and punctuation collapsed to one space.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = unicodedata.normalize("NFD", folded)
    folded = _MARKS.sub("", folded)
    folded = _INVISIBLE.sub("", folded)
    folded = folded.translate(_TABLE)
    folded = unicodedata.normalize("NFC", folded)
    return _SEPARATORS.sub(" ", folded).strip()


def _char_script(char: str) -> Script:
    code = ord(char)
    if (
        code < 0x0250
        or 0x1E00 <= code <= 0x1EFF
        or 0x2C60 <= code <= 0x2C7F
        or 0xA720 <= code <= 0xA7FF
        or 0xFF21 <= code <= 0xFF5A
    ):
        return "Latn"
    if (
        0x0600 <= code <= 0x06FF
        or 0x0750 <= code <= 0x077F
        or 0x08A0 <= code <= 0x08FF
        or 0xFB50 <= code <= 0xFDFF
        or 0xFE70 <= code <= 0xFEFF
    ):
        return "Arab"
    return "Other"


def detect_script(text: str) -> Script:
    """Return the ISO 15924 code of the letters in ``text``.

    "Latn" or "Arab" when every letter is of that script, "Other" for any other single
    script, "Mixed" when letters of several scripts occur, and "Zyyy" (common) when the
    text has no letters at all (digits, punctuation, empty).
    """
    found: set[Script] = set()
    for char in text:
        if char.isalpha():
            found.add(_char_script(char))
            if len(found) > 1:
                return "Mixed"
    if not found:
        return "Zyyy"
    return found.pop()

"""Search normalisation (``fold``) and script detection. Pure functions."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Final

from liaison.core.names import rules

# ISO 15924 codes. "Zyyy" (common): no letters; "Zzzz" (unknown): letters of a script not listed.
type Script = str

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


# Unicode character-name prefixes of the scripts met in external-affairs records.
_SCRIPT_PREFIXES: Final = (
    ("LATIN", "Latn"),
    ("ARABIC", "Arab"),
    ("CYRILLIC", "Cyrl"),
    ("GREEK", "Grek"),
    ("LAO", "Laoo"),
    ("KHMER", "Khmr"),
    ("THAI", "Thai"),
    ("MYANMAR", "Mymr"),
    ("HANGUL", "Hang"),
    ("CJK", "Hani"),
    ("HIRAGANA", "Hira"),
    ("KATAKANA", "Kana"),
    ("HEBREW", "Hebr"),
    ("DEVANAGARI", "Deva"),
    ("FULLWIDTH LATIN", "Latn"),
)


@lru_cache(maxsize=8192)
def char_script(char: str) -> Script:
    """The ISO 15924 code of one letter's script ("Zzzz" for a script not listed above)."""
    name = unicodedata.name(char, "")
    for prefix, code in _SCRIPT_PREFIXES:
        if name.startswith(prefix):
            return code
    return "Zzzz"


def detect_script(text: str) -> Script:
    """Return the ISO 15924 code of the script most of the letters in ``text`` are written in.

    "Zyyy" (common) when the text has no letters at all (digits, punctuation, empty); "Zzzz"
    when its letters belong to a script not listed above. Ties go to the script met first.
    """
    if text.isascii():  # most folded names: no need to look characters up one by one
        return "Latn" if any(c.isalpha() for c in text) else "Zyyy"
    counts: dict[Script, int] = {}
    for char in text:
        if char.isalpha():
            script = char_script(char)
            counts[script] = counts.get(script, 0) + 1
    if not counts:
        return "Zyyy"
    return max(counts, key=lambda s: counts[s])

"""The matching form of a text, with a map back to the original's offsets.

Stored text is never changed: extractors search the matching form and report spans in the
original through the offset map. Arabic: harakat and tatweel removed, alef/hamza forms unified,
ya/alef maqsura and ta marbuta folded, Arabic-Indic digits made ASCII. Latin: lower case.
Every other character is kept one for one, so the map is a list of original indices.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Final

_REMOVED: Final = frozenset(
    [chr(c) for c in range(0x064B, 0x0660)]
    + ["\u0670", "\u0640", "\u0610", "\u0611", "\u0612", "\u0613", "\u0614", "\u0615"]
    + ["\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u061c", "\ufeff", "\u00ad"]
)
# Arabic harakat, tanwin, shadda, sukun and the superscript alef: part of the letter before them.
_MARKS: Final = frozenset([chr(c) for c in range(0x064B, 0x0660)] + ["\u0670"])
_FOLDED: Final = {
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ى": "ي",
    "ئ": "ي",
    "ؤ": "و",
    "ة": "ه",
    "ی": "ي",
    "ک": "ك",
    "٪": "%",
    "،": ",",
    "؛": ";",
    "؟": "?",
    "\u00a0": " ",
    **{d: str(i) for i, d in enumerate("٠١٢٣٤٥٦٧٨٩")},
    **{d: str(i) for i, d in enumerate("۰۱۲۳۴۵۶۷۸۹")},
    "٫": ".",
    "٬": ",",
}


@lru_cache(maxsize=65536)
def _char(c: str) -> str:
    if c in _REMOVED:
        return ""
    folded = _FOLDED.get(c)
    if folded is not None:
        return folded
    lower = c.lower()
    return lower if len(lower) == 1 else c


@dataclass(frozen=True, slots=True)
class MatchText:
    """``norm`` is the matching form; ``offsets[i]`` is the original index of ``norm[i]``."""

    original: str
    norm: str
    offsets: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of ``norm[start:end]`` (end exclusive), with the marks written on
        its last letter (وفداً keeps its tanwin)."""
        if end <= start:
            position = self.offsets[start] if start < len(self.offsets) else len(self.original)
            return position, position
        stop = self.offsets[end - 1] + 1
        while stop < len(self.original) and self.original[stop] in _MARKS:
            stop += 1
        return self.offsets[start], stop


def match_text(text: str) -> MatchText:
    """Build the matching form of ``text`` and its offset map."""
    chars: list[str] = []
    offsets: list[int] = []
    for index, c in enumerate(text):
        mapped = _char(c)
        if mapped:
            chars.append(mapped)
            offsets.append(index)
    return MatchText(original=text, norm="".join(chars), offsets=tuple(offsets))


def normalise(text: str) -> str:
    """The matching form alone (for gazetteer entries and comparisons)."""
    return "".join(_char(c) for c in text)

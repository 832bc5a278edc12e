"""A document ready for the extractors: its text, segments, language, date and tokens."""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Final

from liaison.intake.extraction.cleaning import CAPTION, CleanText, Segment, clean
from liaison.intake.extraction.normalise import MatchText, match_text

_TOKEN: Final = re.compile(r"[^\W_]+", re.UNICODE)
# A character of the matching text that was furniture, or between segments: a hard boundary.
BOUNDARY: Final = "\n"


@dataclass(frozen=True, slots=True)
class Token:
    index: int
    start: int  # in the matching text
    end: int
    text: str


@dataclass
class Document:
    """What every extractor reads. Offsets named ``start``/``end`` index the matching text
    ``norm`` unless said otherwise; ``span()`` turns them into offsets of the original ``text``."""

    text: str
    language: str
    date: dt.date | None
    segments: tuple[Segment, ...]
    matched: MatchText
    norm: str
    tokens: list[Token]
    _segment_starts: list[int] = field(default_factory=list)

    def span(self, start: int, end: int) -> tuple[int, int]:
        return self.matched.span(start, end)

    def original(self, start: int, end: int) -> str:
        s, e = self.span(start, end)
        return self.text[s:e]

    def segment_of(self, original_start: int) -> Segment | None:
        i = bisect_right(self._segment_starts, original_start) - 1
        if i >= 0 and self.segments[i].start <= original_start < self.segments[i].end:
            return self.segments[i]
        return None

    def in_caption(self, original_start: int) -> bool:
        segment = self.segment_of(original_start)
        return segment is not None and segment.kind == CAPTION

    def gap(self, left: Token, right: Token) -> str:
        """The matching text between two tokens (punctuation, spaces, boundaries)."""
        return self.norm[left.end : right.start]

    def token_at(self, start: int) -> int | None:
        """Index of the first token starting at or after ``start`` in the matching text."""
        lo, hi = 0, len(self.tokens)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.tokens[mid].start < start:
                lo = mid + 1
            else:
                hi = mid
        return lo if lo < len(self.tokens) else None


def prepare(text: str, *, date: dt.date | None = None, language: str | None = None) -> Document:
    """Clean ``text`` and build its matching form, with furniture blanked out as boundaries."""
    cleaned: CleanText = clean(text, language=language)
    kept = [False] * len(text)
    for segment in cleaned.segments:
        for i in range(segment.start, segment.end):
            kept[i] = True
    matched = match_text(text)
    norm = "".join(c if kept[matched.offsets[i]] else BOUNDARY for i, c in enumerate(matched.norm))
    tokens = [Token(i, m.start(), m.end(), m.group()) for i, m in enumerate(_TOKEN.finditer(norm))]
    return Document(
        text=text,
        language=cleaned.language,
        date=date,
        segments=cleaned.segments,
        matched=matched,
        norm=norm,
        tokens=tokens,
        _segment_starts=[s.start for s in cleaned.segments],
    )

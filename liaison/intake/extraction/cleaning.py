"""Cleaning: page furniture found and set apart, captions told from body text, the language detected.

Nothing is deleted from the text: cleaning returns the ranges to read (body and caption
segments) and the ranges that are furniture (share buttons, "Source", "Comment (0)", embedded
media, photo credits, advertisement markers, bylines), so that every proposal's span indexes
the original text. The matching form (Arabic normalised) is in ``normalise.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Final

from liaison.intake.extraction.data import load
from liaison.intake.extraction.errors import BinaryDocument, EmptyDocument
from liaison.intake.extraction.language import detect_language
from liaison.intake.extraction.normalise import normalise

BODY: Final = "body"
CAPTION: Final = "caption"
_EDGE: Final = " \t\r|\u00a0\u200f\u200e"
_PUNCTUATION: Final = re.compile(r"[\s\W_]+")


@dataclass(frozen=True, slots=True)
class Segment:
    start: int
    end: int
    kind: str


@dataclass(frozen=True, slots=True)
class Furniture:
    start: int
    end: int
    reason: str


@dataclass(frozen=True, slots=True)
class CleanText:
    text: str
    language: str
    segments: tuple[Segment, ...]
    furniture: tuple[Furniture, ...]


def decode(data: bytes) -> str:
    """Text from bytes: UTF-8 (with or without BOM) or UTF-16 with a BOM; binary data refused."""
    if not data.strip():
        raise EmptyDocument()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise BinaryDocument("it is not valid UTF-16") from error
    if b"\x00" in data[:8192]:
        raise BinaryDocument("it contains NUL bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BinaryDocument("it is not valid UTF-8") from error
    controls = sum(1 for c in text[:8192] if ord(c) < 32 and c not in "\n\r\t\f")
    if controls > max(3, len(text[:8192]) // 100):
        raise BinaryDocument("it is full of control characters")
    return text


def _squash(text: str) -> str:
    return _PUNCTUATION.sub("", normalise(text))


@cache
def _rules() -> tuple[
    frozenset[str], tuple[re.Pattern[str], ...], re.Pattern[str], re.Pattern[str], re.Pattern[str]
]:
    rules = load("furniture")
    lines = frozenset(_squash(line) for line in rules["lines"])
    line_patterns = tuple(re.compile(p, re.IGNORECASE) for p in rules["line_patterns"])
    inline = re.compile("|".join(f"(?:{p})" for p in rules["inline"]), re.IGNORECASE | re.DOTALL)
    labels = "|".join(re.escape(label) for label in rules["credit_labels"])
    credit = re.compile(
        rf"(?:[(\[]\s*(?:{labels})\s*[:：][^)\]\n]*[)\]]?|[-–—]\s*(?:{labels})\s*[:：][^\n]*$)\s*\.?"
    )
    prefixes = "|".join(re.escape(p) for p in rules["attribution_prefixes"])
    attribution = re.compile(rf"^(?:{prefixes})", re.IGNORECASE)
    return lines, line_patterns, inline, credit, attribution


@cache
def _share_words() -> tuple[str, ...]:
    words = {_squash(w) for w in load("furniture")["share_words"]}
    return tuple(sorted(words, key=len, reverse=True))


def _is_share_line(core: str) -> bool:
    rest = _squash(core)
    if not rest:
        return False
    found = 0
    for word in _share_words():
        if word and word in rest:
            found += rest.count(word)
            rest = rest.replace(word, "")
    return found >= 2 and not rest


def _line_furniture(core: str) -> str | None:
    rules = load("furniture")
    if len(core.split()) > rules["byline_max_words"] + 8:
        return None  # furniture lines are short
    lines, line_patterns, _, _, attribution = _rules()
    if _squash(core) in lines:
        return "source or comment label"
    if any(p.search(core) for p in line_patterns):
        return "source, comment or advertisement line"
    if _is_share_line(core):
        return "share buttons"
    if attribution.search(core) and len(core.split()) <= rules["byline_max_words"] + 4:
        return "attribution"
    return None


def _lines(text: str) -> list[tuple[int, int]]:
    out, start = [], 0
    for match in re.finditer(r"\n", text):
        out.append((start, match.start()))
        start = match.end()
    out.append((start, len(text)))
    return out


def clean(text: str, *, language: str | None = None) -> CleanText:
    """Find furniture, captions and the language of ``text`` (which is returned unchanged)."""
    if not text.strip():
        raise EmptyDocument()
    _, _, inline, credit, _ = _rules()
    rules = load("furniture")
    segments: list[Segment] = []
    furniture: list[Furniture] = []
    for line_start, line_end in _lines(text):
        line = text[line_start:line_end]
        core = line.strip(_EDGE)
        if not core:
            continue
        start = line_start + line.index(core)
        end = start + len(core)
        reason = _line_furniture(core)
        if reason:
            furniture.append(Furniture(start, end, reason))
            continue
        piped = line.lstrip().startswith("|") or line.rstrip().endswith("|")
        removed: list[tuple[int, int, str]] = [
            (start + m.start(), start + m.end(), "embedded media or advertisement")
            for m in inline.finditer(core)
        ]
        credits = [(start + m.start(), start + m.end(), "photo credit") for m in credit.finditer(core)]
        removed.extend(credits)
        removed.sort()
        short = len(core.split()) <= rules["caption_line_max_words"]
        kind = CAPTION if (piped and short) or credits else BODY
        cursor = start
        for r_start, r_end, r_reason in removed:
            furniture.append(Furniture(r_start, r_end, r_reason))
            if text[cursor:r_start].strip(_EDGE):
                segments.append(Segment(cursor, r_start, kind))
            cursor = max(cursor, r_end)
        if text[cursor:end].strip(_EDGE):
            segments.append(Segment(cursor, end, kind))
    _mark_byline(text, segments, furniture, rules["byline_max_words"])
    if not segments:
        raise EmptyDocument()
    kept = "\n".join(text[s.start : s.end] for s in segments)
    detected = language or detect_language(kept)
    return CleanText(
        text=text,
        language=detected,
        segments=tuple(segments),
        furniture=tuple(sorted(furniture, key=lambda f: f.start)),
    )


def _mark_byline(text: str, segments: list[Segment], furniture: list[Furniture], max_words: int) -> None:
    """A short line with no sentence punctuation, followed only by furniture, is a byline."""
    if len(segments) < 2 or not furniture:
        return
    last = segments[-1]
    if not any(f.start >= last.end for f in furniture):
        return
    words = text[last.start : last.end].split()
    if len(words) <= max_words and not re.search(r"[.,،:;!?؟]", text[last.start : last.end]):
        segments.pop()
        furniture.append(Furniture(last.start, last.end, "byline"))

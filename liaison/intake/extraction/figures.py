"""Figures: counts ("45 زيارة"), approximations ("ما يقرب من 50 وفداً" -> about 50), money
("69.7 مليون دولار أمريكي"), percentages, number words ("خمس نتائج") and the Arabic dual of a
counted noun ("مشروعين" -> 2 projects). Years, dates and document numbers are left to their
extractors; ordinals and definite duals ("الجانبين", the two sides) are not figures."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any, Final

from liaison.intake.extraction.data import load
from liaison.intake.extraction.document import Document, Token
from liaison.intake.extraction.gazetteer import PhraseIndex, phrase_tokens
from liaison.intake.extraction.normalise import normalise
from liaison.intake.extraction.numbers import NUMBER, as_number, number_words, parse_digits, scale_words
from liaison.intake.extraction.pipeline import Context
from liaison.intake.extraction.proposals import Proposal, ProposalType

_SKIP: Final = (ProposalType.DATE, ProposalType.DOCUMENT_REF)
# How far before a money figure the word naming what it measures may stand (tokens).
MEASURE_WINDOW: Final = 8


@dataclass(frozen=True, slots=True)
class _Unit:
    kind: str  # count | money | percent
    label: str


@cache
def _units(language: str) -> PhraseIndex[_Unit]:
    units = load("units")
    index: PhraseIndex[_Unit] = PhraseIndex()
    for label, forms in units["counted"].items():
        for form in forms.get(language, []):
            index.add(form, _Unit("count", label))
            if language == "ar":
                index.add(form + "ا", _Unit("count", label))  # accusative: وفداً, موقعاً
    for code, forms in units["currencies"].items():
        for form in forms.get(language, []):
            index.add(form, _Unit("money", code))
    return index


@cache
def _duals() -> dict[str, str]:
    """Arabic dual forms of the counted nouns' singulars (not when a listed form looks the same)."""
    counted = load("units")["counted"]
    listed = {normalise(f) for forms in counted.values() for f in forms.get("ar", [])}
    duals: dict[str, str] = {}
    for label, forms in counted.items():
        for singular in forms.get("ar", [])[:1]:
            stem = normalise(singular)
            if " " in stem or len(stem) < 3:
                continue
            base = stem[:-1] + "ت" if stem.endswith("ه") else stem
            for ending in ("ين", "ان"):
                if base + ending not in listed:
                    duals[base + ending] = label
    return duals


@cache
def _phrases(kind: str, language: str) -> list[tuple[str, str]]:
    """(normalised phrase, label) for qualifiers or measures, longest first."""
    out = [
        (normalise(form), label)
        for label, forms in load("units")[kind].items()
        for form in forms.get(language, [])
    ]
    return sorted(out, key=lambda item: len(item[0]), reverse=True)


@cache
def _percent(language: str) -> re.Pattern[str]:
    forms = sorted({normalise(f) for f in load("units")["percent"].get(language, [])}, key=len, reverse=True)
    return re.compile(r"\s*(?:" + "|".join(re.escape(f) for f in forms) + r")")


def _qualifier(doc: Document, start: int) -> tuple[str | None, int]:
    before = doc.norm[max(0, start - 24) : start].rstrip()
    for phrase, label in _phrases("qualifiers", doc.language):
        if not before.endswith(phrase):
            continue
        at = len(before) - len(phrase)
        head = before[:at]
        if (
            not head
            or not head[-1].isalnum()
            or (head[-1] in "وف" and (len(head) == 1 or not head[-2].isalnum()))
        ):
            return label, start - (len(doc.norm[max(0, start - 24) : start]) - at)
    return None, start


def _measure(doc: Document, token_index: int) -> str | None:
    window = " ".join(t.text for t in doc.tokens[max(0, token_index - MEASURE_WINDOW) : token_index])
    for phrase, label in _phrases("measures", doc.language):
        if re.search(rf"(?<!\w)[وفبل]{{0,2}}{re.escape(phrase)}(?!\w)", window):
            return label
    return None


class FigureExtractor:
    name = "figures"

    def extract(self, ctx: Context) -> list[Proposal]:
        doc = ctx.doc
        proposals: list[Proposal] = []
        used: set[int] = set()
        for match in NUMBER.finditer(doc.norm):
            if ctx.taken(match.start(), match.end(), _SKIP):
                continue
            value = parse_digits(match.group(), doc.language)
            index = doc.token_at(match.start())
            if value is None or index is None:
                continue
            found = self._after_number(ctx, match.start(), match.end(), value, index, digits=True)
            if found:
                used.update(
                    t.index for t in doc.tokens[index : (doc.token_at(found.norm_end) or len(doc.tokens))]
                )
                proposals.append(found)
        for token in doc.tokens:
            if token.index in used:
                continue
            words = number_words(doc.language)
            if token.text in words:
                found = self._after_number(
                    ctx, token.start, token.end, Decimal(words[token.text]), token.index, digits=False
                )
                if found:
                    proposals.append(found)
            elif doc.language == "ar" and token.text in _duals():
                proposals.append(self._dual(ctx, token))
        return [p for p in proposals if p is not None]

    def _after_number(
        self, ctx: Context, start: int, end: int, value: Decimal, index: int, *, digits: bool
    ) -> Proposal | None:
        doc = ctx.doc
        tokens = doc.tokens
        next_index = doc.token_at(end)
        if next_index is None:
            next_index = len(tokens)
        last = tokens[next_index - 1]
        scales = scale_words(doc.language)
        if (
            next_index < len(tokens)
            and tokens[next_index].text in scales
            and _close(doc, last, tokens[next_index])
        ):
            value *= scales[tokens[next_index].text]
            end = tokens[next_index].end
            last = tokens[next_index]
            next_index += 1
        unit: _Unit | None = None
        percent = _percent(doc.language).match(doc.norm, end)
        if percent:
            unit, end = _Unit("percent", "%"), percent.end()
        elif next_index < len(tokens) and _close(doc, last, tokens[next_index]):
            found = _units(doc.language).match_at(doc, next_index, clitics=False)
            if found:
                unit, end = found.payloads[0], found.end
        if unit is None and digits:
            unit, start = _currency_before(doc, start)
        if unit is None or (not digits and unit.kind != "count"):
            return None
        if (
            digits
            and 1900 <= value <= 2100
            and unit.kind == "count"
            and unit.label in {"year", "month", "day"}
        ):
            return None
        qualifier, start = _qualifier(doc, start)
        result: dict[str, Any] = {
            "number": as_number(value),
            "unit": unit.label,
            "kind": unit.kind,
            "approximate": qualifier is not None,
            "qualifier": qualifier,
        }
        if unit.kind == "money":
            result["measure"] = _measure(doc, index)
        confidence = 0.9 if digits else 0.75
        return ctx.make(ProposalType.FIGURE, start, end, result, confidence)

    def _dual(self, ctx: Context, token: Token) -> Proposal:
        value = {
            "number": 2,
            "unit": _duals()[token.text],
            "kind": "count",
            "approximate": False,
            "qualifier": None,
        }
        return ctx.make(ProposalType.FIGURE, token.start, token.end, value, 0.6)


def _currency_before(doc: Document, start: int) -> tuple[_Unit | None, int]:
    """A currency written before the number (USD 69.7 million, $2.4 billion)."""
    before = doc.norm[max(0, start - 6) : start]
    for code, forms in load("units")["currencies"].items():
        for form in load("units")["currency_before_number"].get(doc.language, []):
            if form not in forms.get(doc.language, []):
                continue
            written = normalise(form)
            stripped = before.rstrip()
            if stripped.endswith(written):
                return _Unit("money", code), start - (len(before) - len(stripped)) - len(written)
    return None, start


def _close(doc: Document, left: Token, right: Token) -> bool:
    return not doc.gap(left, right).strip()


__all__ = ["FigureExtractor", "phrase_tokens"]

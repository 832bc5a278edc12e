"""Places: countries, provinces and cities, foreign localities from the Directory (the unit valid
on the document's date), regions, and unknown places after a kind word (مقاطعة X, X Province)."""

from __future__ import annotations

from functools import cache
from typing import Any

from liaison.intake.extraction.data import load
from liaison.intake.extraction.document import Document
from liaison.intake.extraction.gazetteer import PhraseIndex, phrase_tokens, proclitic_variants
from liaison.intake.extraction.normalise import normalise
from liaison.intake.extraction.pipeline import Context
from liaison.intake.extraction.proposals import Proposal, ProposalType
from liaison.intake.extraction.resolver import PLACE, Entry, Resolver

_INDEXES: dict[int, tuple[Resolver, PhraseIndex[Entry | str]]] = {}


def place_index(resolver: Resolver) -> PhraseIndex[Entry | str]:
    """Directory places (entries) and regions (their English name)."""
    cached = _INDEXES.get(id(resolver))
    if cached is not None and cached[0] is resolver:
        return cached[1]
    rules = load("places")
    ambiguous = {phrase_tokens(n) for n in rules["ambiguous_country_aliases"]}
    index: PhraseIndex[Entry | str] = PhraseIndex()
    for name, entry in resolver.names(PLACE):
        if phrase_tokens(name) not in ambiguous:
            index.add(name, entry)
    for region, forms in rules["regions"].items():
        for form in forms:
            index.add(form, region)
    _INDEXES[id(resolver)] = (resolver, index)
    return index


def choose(entries: tuple[Entry | str, ...], doc: Document) -> Entry | str:
    """The entry valid on the document's date; else the current one; else the first."""
    for entry in entries:
        if isinstance(entry, Entry) and doc.date is not None and entry.valid_on(doc.date):
            return entry
    for entry in entries:
        if isinstance(entry, Entry) and entry.valid_to is None:
            return entry
    return entries[0]


def place_value(entry: Entry | str | None, surface: str, kind: str = "") -> dict[str, Any]:
    if isinstance(entry, Entry):
        return {
            "entry": entry.key,
            "id": entry.id,
            "name": entry.name,
            "kind": entry.place_kind,
            "new": False,
        }
    if isinstance(entry, str):
        return {"entry": None, "id": None, "name": entry, "kind": "region", "new": False}
    return {"entry": None, "id": None, "name": surface, "kind": kind, "new": True}


@cache
def _kinds(language: str) -> PhraseIndex[str]:
    return PhraseIndex(load("places")["kinds"].get(language, {}).items())


class PlaceExtractor:
    name = "places"

    def extract(self, ctx: Context) -> list[Proposal]:
        doc = ctx.doc
        orgs = [ProposalType.ORGANISATION]
        proposals = []
        for found in place_index(ctx.resolver).find_all(doc):
            if ctx.taken(found.start, found.end, orgs):
                continue
            entry = choose(found.payloads, doc)
            start = self._with_kind_word(doc, found.first, found.start)
            proposals.append(ctx.make(ProposalType.PLACE, start, found.end, place_value(entry, ""), 0.9))
        taken = [(p.norm_start, p.norm_end) for p in proposals]
        for start, end, kind in self._unknown(ctx, taken):
            surface = doc.original(start, end)
            proposals.append(ctx.make(ProposalType.PLACE, start, end, place_value(None, surface, kind), 0.5))
        return proposals

    @staticmethod
    def _with_kind_word(doc: Document, first: int, start: int) -> int:
        """مقاطعة خاموان: a kind word right before a known place belongs to its mention."""
        if first == 0 or doc.gap(doc.tokens[first - 1], doc.tokens[first]).strip():
            return start
        words = {normalise(w) for w in load("places")["kinds"].get(doc.language, {})}
        for stem, stripped in proclitic_variants(doc.tokens[first - 1].text):
            if stem in words:
                return doc.tokens[first - 1].start + stripped
        return start

    def _unknown(self, ctx: Context, taken: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
        doc = ctx.doc
        rules = load("places")
        suffixes = {normalise(k): v for k, v in rules["kind_suffixes"].get(doc.language, {}).items()}
        generic = {normalise(w) for w in rules["generic_after_kind"]}
        stops = {normalise(w) for w in load("organisations")["stop_words"].get(doc.language, [])}
        out = []
        for found in _kinds(doc.language).find_all(doc):
            kind = found.payloads[0]
            if any(s < found.end and found.start < e for s, e in taken) or ctx.taken(found.start, found.end):
                continue
            last = found.last
            suffix_kind = None
            while last < len(doc.tokens) and last - found.last < 4:
                token = doc.tokens[last]
                if (
                    doc.gap(doc.tokens[last - 1], token).strip()
                    or token.text in stops
                    or token.text in generic
                ):
                    break
                if token.text in suffixes:
                    suffix_kind = suffixes[token.text]
                    last += 1
                    break
                if doc.language == "ar" and token.text.startswith("ال"):
                    break
                if doc.language != "ar" and not doc.original(token.start, token.end)[:1].isupper():
                    break
                last += 1
            if last == found.last or (kind == "area" and suffix_kind is None):
                continue
            end = doc.tokens[last - 1].end
            if not any(s < end and found.start < e for s, e in taken):
                out.append((found.start, end, suffix_kind or kind))
        return out

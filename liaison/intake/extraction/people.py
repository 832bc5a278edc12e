"""People with their titles, resolved against the Directory.

A mention is a Directory name found verbatim, or the words after a title or an honorific
(السيد, Mr, ông). Titles before the name (joined by commas and "و"), or after it following a
comma, are attached. Resolution goes through the shared name matcher (so كوانغ and كوانج are the
same person) and uses the titles, the gender the title shows (رئيسة) and the people already
resolved in the document to tell apart different people written alike; an unknown name after a
title is proposed as a new person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any, Final

from liaison.core.names import name_keys
from liaison.intake.extraction.data import load
from liaison.intake.extraction.document import Document
from liaison.intake.extraction.gazetteer import PhraseIndex
from liaison.intake.extraction.normalise import normalise
from liaison.intake.extraction.pipeline import Context
from liaison.intake.extraction.proposals import Proposal, ProposalType
from liaison.intake.extraction.resolver import PERSON, Entry, Resolver
from liaison.intake.extraction.titles import Title, chains, find_titles

# The matcher's score above which a spelling is taken for a Directory name.
MATCH_THRESHOLD: Final = 0.85
# How much a title held in the Directory, or a person already named in the document, counts.
ORGANISATION_EVIDENCE: Final = 0.05
ROLE_EVIDENCE: Final = 0.03
DOCUMENT_EVIDENCE: Final = 0.02
GENDER_PENALTY: Final = 0.3

_INDEXES: dict[int, tuple[Resolver, PhraseIndex[Entry]]] = {}


@dataclass
class _Mention:
    start: int
    end: int
    entries: tuple[Entry, ...] = ()
    titles: list[Title] = field(default_factory=list)
    gender: str = ""
    anchored: bool = False


def person_index(resolver: Resolver) -> PhraseIndex[Entry]:
    cached = _INDEXES.get(id(resolver))
    if cached is not None and cached[0] is resolver:
        return cached[1]
    index: PhraseIndex[Entry] = PhraseIndex()
    for name, entry in resolver.names(PERSON):
        index.add(name, entry)
    _INDEXES[id(resolver)] = (resolver, index)
    return index


@cache
def _syllable_keys() -> frozenset[str]:
    rules = load("people")
    return frozenset(name_keys(s).skeleton for s in rules["syllables"] + rules["family_names"])


@cache
def _family_keys() -> frozenset[str]:
    return frozenset(name_keys(s).skeleton for s in load("people")["family_names"])


@cache
def _stops(language: str) -> frozenset[str]:
    rules = load("people")
    words = rules["name_stop"] + load("organisations")["stop_words"].get(language, [])
    return frozenset(normalise(w) for w in words)


@cache
def _honorifics(language: str) -> PhraseIndex[str]:
    rules = load("titles")
    feminine = set(rules["feminine_honorifics"])
    return PhraseIndex((h, "f" if h in feminine else "") for h in rules["honorifics"].get(language, []))


def _name_like(doc: Document, index: int) -> bool:
    token = doc.tokens[index]
    if token.text in _stops(doc.language) or token.text.isdigit():
        return False
    if doc.language == "ar":
        return not token.text.startswith("ال")
    return doc.original(token.start, token.end)[:1].isupper()


def _looks_vietnamese(doc: Document, first: int, last: int) -> bool:
    words = [doc.tokens[i].text for i in range(first, last)]
    not_names = {normalise(w) for w in load("people")["not_names"]}
    if any(w in not_names for w in words):
        return False
    keys = [name_keys(w).skeleton for w in words]
    return keys[0] in _family_keys() and all(k in _syllable_keys() for k in keys)


class PersonExtractor:
    name = "people"

    def extract(self, ctx: Context) -> list[Proposal]:
        doc = ctx.doc
        blocked = (ProposalType.ORGANISATION, ProposalType.PLACE)
        mentions: list[_Mention] = []
        for found in person_index(ctx.resolver).find_all(doc):
            if not ctx.taken(found.start, found.end, blocked):
                mentions.append(_Mention(found.start, found.end, found.payloads))
        title_chains = chains(doc, find_titles(ctx))
        used: set[int] = set()
        for number, chain in enumerate(title_chains):
            mention = self._after(ctx, mentions, chain[-1].end)
            if mention is not None:
                mention.titles = chain + mention.titles
                mention.anchored = True
                used.add(number)
        for number, chain in enumerate(title_chains):
            if number in used:
                continue
            before = self._before(doc, mentions, chain[0].start)
            if before is not None and not self._after(ctx, mentions, chain[-1].end, create=False):
                before.titles.extend(chain)
        for honorific in _honorifics(doc.language).find_all(doc):
            mention = self._after(ctx, mentions, honorific.end)
            if mention is not None:
                mention.anchored = True
                mention.gender = mention.gender or honorific.payloads[0]
        proposals: list[Proposal] = []
        resolved: dict[str, int] = {}
        for mention in sorted(mentions, key=lambda m: m.start):
            if ctx.taken(mention.start, mention.end, blocked):
                continue
            proposal = self._resolve(ctx, mention, resolved)
            if proposal is not None:
                proposals.append(proposal)
        return proposals

    def _after(
        self, ctx: Context, mentions: list[_Mention], end: int, *, create: bool = True
    ) -> _Mention | None:
        """The mention starting right after ``end`` (a comma between allowed), made if needed."""
        doc = ctx.doc
        index = doc.token_at(end)
        if index is None or doc.norm[end : doc.tokens[index].start].strip(" ,") != "":
            return None
        start = doc.tokens[index].start
        for mention in mentions:
            if mention.start == start:
                return mention
        if not create:
            return None
        last = index
        max_tokens = load("people")["max_name_tokens"]
        while last < len(doc.tokens) and last - index < max_tokens and _name_like(doc, last):
            if last > index and doc.gap(doc.tokens[last - 1], doc.tokens[last]).strip():
                break
            last += 1
        if last == index:
            return None
        entries, end = self._candidates(ctx, index, last)
        if not entries and not _new_person_ok(doc, index, last):
            return None
        mention = _Mention(start, end, entries, anchored=True)
        mentions.append(mention)
        return mention

    def _candidates(self, ctx: Context, first: int, last: int) -> tuple[tuple[Entry, ...], int]:
        """Directory people for the longest run of words whose spelling the matcher accepts, and
        where that run ends (the whole run when nobody matches)."""
        doc = ctx.doc
        for stop in range(last, first, -1):
            surface = doc.original(doc.tokens[first].start, doc.tokens[stop - 1].end)
            matches = ctx.resolver.lookup(PERSON, surface, limit=5)
            good = [m for m in matches if m.score >= MATCH_THRESHOLD]
            if good and (stop - first >= 2 or good[0].score >= 0.99):
                top = good[0].score
                return tuple(m.entry for m in good if m.score >= top - 0.05), doc.tokens[stop - 1].end
        return (), doc.tokens[last - 1].end

    def _before(self, doc: Document, mentions: list[_Mention], start: int) -> _Mention | None:
        """The mention ending right before ``start`` with a comma between."""
        for mention in mentions:
            if mention.end <= start and doc.norm[mention.end : start].strip() == ",":
                return mention
        return None

    def _resolve(self, ctx: Context, mention: _Mention, resolved: dict[str, int]) -> Proposal | None:
        gender = mention.gender or next((t.gender for t in mention.titles if t.gender), "")
        best: Entry | None = None
        if mention.entries:
            scored = sorted(
                ((self._evidence(e, mention.titles, gender, resolved), e.key, e) for e in mention.entries),
                key=lambda item: (-item[0], item[1]),
            )
            best = scored[0][2]
            ambiguous = len(scored) > 1 and scored[1][0] == scored[0][0]
            confidence = 0.6 if ambiguous else 0.95
        elif not mention.anchored:
            return None
        else:
            confidence = 0.5
        surface = ctx.doc.original(mention.start, mention.end)
        value: dict[str, Any] = {
            "entry": best.key if best else None,
            "id": best.id if best else None,
            "name": best.name if best else surface,
            "titles": [t.as_json() for t in mention.titles],
            "gender": gender or (best.gender if best else ""),
            "new": best is None,
        }
        if best is not None:
            resolved[best.key] = resolved.get(best.key, 0) + 1
        return ctx.make(ProposalType.PERSON, mention.start, mention.end, value, confidence)

    @staticmethod
    def _evidence(entry: Entry, titles: list[Title], gender: str, resolved: dict[str, int]) -> float:
        score = 0.0
        for title in titles:
            if title.organisation and any(p.organisation == title.organisation for p in entry.positions):
                score += ORGANISATION_EVIDENCE
            label = load("titles")["roles"][title.role]["label"].lower()
            if any(label in p.title_en.lower() for p in entry.positions):
                score += ROLE_EVIDENCE
        if gender and entry.gender and gender != entry.gender:
            score -= GENDER_PENALTY
        if entry.key in resolved:
            score += DOCUMENT_EVIDENCE
        return score


def _new_person_ok(doc: Document, first: int, last: int) -> bool:
    """An unknown name after a title: two words or more, shaped like a Vietnamese name (or, in
    Latin script, capitalised words)."""
    if last - first < 2:
        return False
    if doc.language == "ar":
        return _looks_vietnamese(doc, first, last)
    return True

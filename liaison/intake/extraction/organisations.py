"""Organisations: Directory names found verbatim (with Arabic clitics), then unknown organisations
found by their head noun (وزارة, اتحاد, Ministry, Bộ …) when the phrase is specific enough."""

from __future__ import annotations

from functools import cache
from typing import Any

from liaison.intake.extraction.data import load
from liaison.intake.extraction.gazetteer import PhraseIndex, phrase_tokens
from liaison.intake.extraction.normalise import normalise
from liaison.intake.extraction.pipeline import Context
from liaison.intake.extraction.proposals import Proposal, ProposalType
from liaison.intake.extraction.resolver import ORGANISATION, PLACE, Entry, Resolver

# The matcher's score above which an unknown phrase is taken for a Directory organisation.
FUZZY_THRESHOLD = 0.88
# Resolved names are cached per resolver: building the trie is the costly part.
_INDEXES: dict[int, tuple[Resolver, PhraseIndex[Entry | None]]] = {}


def organisation_index(resolver: Resolver) -> PhraseIndex[Entry | None]:
    cached = _INDEXES.get(id(resolver))
    if cached is not None and cached[0] is resolver:
        return cached[1]
    ignored = {phrase_tokens(n) for n in load("organisations")["bare_names_ignored"]}
    places = {phrase_tokens(name) for name, _ in resolver.names(PLACE)}
    kinds = {t for language in load("places")["kinds"].values() for k in language for t in phrase_tokens(k)}
    index: PhraseIndex[Entry | None] = PhraseIndex()
    # Generic names block their longer match (الأمانة الدائمة is not الأمانة): payload None.
    for name in load("organisations")["bare_names_ignored"]:
        index.add(name, None)
    for name, entry in resolver.names(ORGANISATION):
        tokens = phrase_tokens(name)
        if tokens and tokens[0] in kinds and tokens[1:] in places:
            continue
        if tokens and tokens not in ignored and tokens not in places:
            index.add(name, entry)
    _INDEXES[id(resolver)] = (resolver, index)
    return index


def organisation_value(entry: Entry | None, surface: str) -> dict[str, Any]:
    if entry is None:
        return {"entry": None, "id": None, "name": surface, "new": True}
    return {"entry": entry.key, "id": entry.id, "name": entry.name, "new": False}


class OrganisationExtractor:
    name = "organisations"

    def extract(self, ctx: Context) -> list[Proposal]:
        doc = ctx.doc
        proposals = []
        for found in organisation_index(ctx.resolver).find_all(doc):
            entry = found.payloads[0]
            if entry is None:
                continue
            confidence = 0.95 if len(found.payloads) == 1 else 0.6
            proposals.append(
                ctx.make(
                    ProposalType.ORGANISATION,
                    found.start,
                    found.end,
                    organisation_value(entry, ""),
                    confidence,
                )
            )
        covered = [(p.norm_start, p.norm_end) for p in proposals]
        for start, end in unknown_organisations(ctx, covered):
            surface = doc.original(start, end)
            match = next(iter(ctx.resolver.lookup(ORGANISATION, surface, limit=1)), None)
            entry = match.entry if match and match.score >= FUZZY_THRESHOLD else None
            if entry is None and not _specific(ctx, start, end):
                continue
            value = organisation_value(entry, surface)
            proposals.append(ctx.make(ProposalType.ORGANISATION, start, end, value, 0.7 if entry else 0.5))
        return proposals


def unknown_organisations(ctx: Context, covered: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Phrases headed by an organisation noun, not overlapping ``covered`` (matching-text ranges)."""
    if "organisation_phrases" not in ctx.memo:
        ctx.memo["organisation_phrases"] = _organisation_phrases(ctx)
    phrases: list[tuple[int, int]] = ctx.memo["organisation_phrases"]
    return [(s, e) for s, e in phrases if not any(a < e and s < b for a, b in covered)]


def _organisation_phrases(ctx: Context) -> list[tuple[int, int]]:
    doc = ctx.doc
    rules = load("organisations")
    heads, heads_ar, stops = _head_rules(doc.language)
    out = []
    for found in heads.find_all(doc):
        last = found.last
        definite = found.payloads[0].startswith("ال")
        while last < len(doc.tokens) and last - found.first < rules["max_tokens"]:
            token = doc.tokens[last]
            if doc.gap(doc.tokens[last - 1], token).strip() or token.text in stops:
                break
            if doc.language == "ar":
                # A name is a construct chain (head + nouns) then definite words; a bare word after
                # a definite one, or a conjunction (وإدارات), starts the rest of the sentence.
                attached = token.text.startswith(("ال", "لل", "بال")) or _heads_attached(token.text, heads_ar)
                if (definite and not attached) or (token.text.startswith("و") and last > found.last):
                    break
                definite = definite or attached
            elif not doc.original(token.start, token.end)[:1].isupper():
                break
            last += 1
        if last - found.first >= 2:
            out.append((found.start, doc.tokens[last - 1].end))
    return out


@cache
def _head_rules(language: str) -> tuple[PhraseIndex[str], frozenset[str], frozenset[str]]:
    rules = load("organisations")
    heads = PhraseIndex((h, h) for h in rules["heads"].get(language, []))
    heads_ar = frozenset(normalise(h) for h in rules["heads"].get("ar", []))
    return heads, heads_ar, frozenset(normalise(w) for w in rules["stop_words"].get(language, []))


def _heads_attached(token: str, heads: frozenset[str]) -> bool:
    """بوزارة, لاتحاد: a preposition attached to an organisation noun continues the name."""
    return token[:1] in "بل" and token[1:] in heads


def _specific(ctx: Context, start: int, end: int) -> bool:
    """Worth proposing as a new organisation: names a nationality or place, or has Latin letters."""
    text = ctx.doc.norm[start:end]
    tokens = text.split()
    nationality = {normalise(n) for n in load("places")["nationality"]}
    if any(t in nationality for t in tokens) or any(n in text for n in nationality if " " in n):
        return True
    return ctx.doc.language == "ar" and any(t.isascii() and t.isalpha() for t in tokens)

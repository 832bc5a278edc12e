"""Titles of office before or after a name: a role (data/titles.json) and the organisation that
follows it (a proposal already made, a ministry named by its field, or an unknown phrase)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from typing import Any, Final

from liaison.intake.extraction.data import load
from liaison.intake.extraction.document import Document
from liaison.intake.extraction.gazetteer import PhraseIndex
from liaison.intake.extraction.normalise import normalise
from liaison.intake.extraction.organisations import organisation_index, unknown_organisations
from liaison.intake.extraction.pipeline import Context
from liaison.intake.extraction.proposals import Proposal, ProposalType
from liaison.intake.extraction.resolver import ORGANISATION

# Titles of one chain are separated by commas (the "and" is a proclitic of the next title).
_CHAIN_GAP: Final = re.compile(r"^\s*,?\s*(?:و|and\s+|và\s+)?$")
# A title's fixed organisation ("Foreign Minister": Ministry of Foreign Affairs) found by the
# matcher when the Directory words it a little differently.
FIXED_ORGANISATION_THRESHOLD: Final = 0.85


@dataclass
class Title:
    start: int  # matching-text offsets
    end: int
    role: str
    label: str
    gender: str
    organisation: str | None
    organisation_name: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "label": self.label,
            "organisation": self.organisation,
            "organisation_name": self.organisation_name,
        }


@cache
def _forms(language: str) -> PhraseIndex[dict[str, Any]]:
    return PhraseIndex((f["form"], f) for f in load("titles")["forms"].get(language, []))


@cache
def _connectors(language: str) -> tuple[str, ...]:
    return tuple(normalise(c) for c in load("titles")["connectors"].get(language, []))


def _label(role: str, organisation_name: str | None) -> str:
    label: str = load("titles")["roles"][role]["label"]
    return f"{label}, {organisation_name}" if organisation_name else label


def find_titles(ctx: Context) -> list[Title]:
    """Every title in the document, left to right."""
    doc = ctx.doc
    orgs = sorted(ctx.of(ProposalType.ORGANISATION), key=lambda p: p.norm_start)
    titles = []
    for found in _forms(doc.language).find_all(doc):
        form = found.payloads[0]
        title = _complete(ctx, doc, found.start, found.end, found.last, form, orgs)
        if title is not None:
            titles.append(title)
    return titles


def _complete(
    ctx: Context, doc: Document, start: int, end: int, last: int, form: dict[str, Any], orgs: list[Proposal]
) -> Title | None:
    role = form["role"]
    mode = form.get("organisation")
    organisation: str | None = None
    organisation_name: str | None = None
    if form.get("organisation_name"):
        match = organisation_index(ctx.resolver).match_at(_phrase_doc(form["organisation_name"]), 0)
        organisation_name = form["organisation_name"]
        entry = match.payloads[0] if match is not None else None
        if (
            entry is not None
            and match is not None
            and match.last == len(_phrase_doc(form["organisation_name"]).tokens)
        ):
            organisation, organisation_name = entry.key, entry.name
        else:
            found = next(iter(ctx.resolver.lookup(ORGANISATION, form["organisation_name"], limit=1)), None)
            if found is not None and found.score >= FIXED_ORGANISATION_THRESHOLD:
                organisation, organisation_name = found.entry.key, found.entry.name
        # The written organisation may run past the form (العضو الدائم في الأمانة العامة).
        end = max([end, *(o.norm_end for o in orgs if o.norm_start < end < o.norm_end)])
    elif mode == "ministry":
        end, last, organisation, organisation_name = _ministry(ctx, doc, end, last)
    elif mode in {"required", "optional"}:
        following = _following_organisation(doc, end, orgs)
        if following is not None:
            organisation, organisation_name, end = (
                following.value["entry"],
                following.value["name"],
                following.norm_end,
            )
        elif mode == "required":
            phrase = _unknown_after(ctx, doc, end)
            if phrase is None:
                return None
            end = phrase
    role, end = _permanent(doc, role, end)
    gender = form.get("gender", "")
    return Title(start, end, role, _label(role, organisation_name), gender, organisation, organisation_name)


@cache
def _phrase_doc(phrase: str) -> Document:
    from liaison.intake.extraction.document import prepare

    return prepare(phrase, language="ar" if any("\u0600" <= c <= "\u06ff" for c in phrase) else "en")


def _following_organisation(doc: Document, end: int, orgs: list[Proposal]) -> Proposal | None:
    for org in orgs:
        if org.norm_start < end:
            continue
        gap = doc.norm[end : org.norm_start].strip()
        for connector in _connectors(doc.language):
            if gap == connector:
                gap = ""
        # A proclitic (بالأمانة) leaves one letter between the title and the organisation.
        if not gap or (len(gap) == 1 and gap in "بل" and doc.norm[org.norm_start - 1] == gap):
            return org
        return None
    return None


def _unknown_after(ctx: Context, doc: Document, end: int) -> int | None:
    index = doc.token_at(end)
    if index is None or doc.norm[end : doc.tokens[index].start].strip():
        return None
    for start, phrase_end in unknown_organisations(ctx, []):
        if start == doc.tokens[index].start:
            return phrase_end
    return None


def _ministry(ctx: Context, doc: Document, end: int, last: int) -> tuple[int, int, str | None, str | None]:
    """وزير الخارجية: the words after the role name the ministry (وزارة الخارجية)."""
    prefix = load("titles")["ministry_prefix"].get(doc.language, "")
    best: tuple[int, int, str | None, str | None] = (end, last, None, None)
    for count in (1, 2, 3):
        if last + count > len(doc.tokens):
            break
        words = doc.tokens[last : last + count]
        if doc.norm[end : words[0].start].strip() or any(doc.gap(a, b).strip() for a, b in pairwise(words)):
            break
        if doc.language == "ar" and not words[0].text.startswith("ال"):
            break
        phrase = f"{prefix} {doc.original(words[0].start, words[-1].end)}"
        found = next(iter(ctx.resolver.lookup(ORGANISATION, phrase, limit=1)), None)
        if found is not None and found.score >= 0.95:
            best = (words[-1].end, last + count, found.entry.key, found.entry.name)
        elif best[2] is None and count == 1 and doc.language == "ar":
            best = (words[-1].end, last + count, None, phrase)
    return best


def _permanent(doc: Document, role: str, end: int) -> tuple[str, int]:
    rules = load("titles")
    upgraded = rules["permanent_roles"].get(role)
    if not upgraded:
        return role, end
    index = doc.token_at(end)
    words = {normalise(w) for w in rules["permanent"].get(doc.language, [])}
    if (
        index is not None
        and not doc.norm[end : doc.tokens[index].start].strip()
        and doc.tokens[index].text in words
    ):
        return upgraded, doc.tokens[index].end
    return role, end


def chains(doc: Document, titles: list[Title]) -> list[list[Title]]:
    """Titles joined by commas or "and" into one chain (one person's titles)."""
    out: list[list[Title]] = []
    for title in titles:
        if out and _CHAIN_GAP.match(doc.norm[out[-1][-1].end : title.start]):
            out[-1].append(title)
        else:
            out.append([title])
    return out

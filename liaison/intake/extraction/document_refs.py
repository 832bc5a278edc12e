"""References to documents: codes (01-DA/TW, 12-CT/TW, 15/2008/QH12) and numbered mentions
("القرار رقم 209", "Directive No. 12"). A short mention with the number and kind of a coded one in
the same document ("التوجيه 12" after "12-CT/TW") gets its code."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any, Final

from liaison.intake.extraction.data import load
from liaison.intake.extraction.gazetteer import PhraseIndex
from liaison.intake.extraction.normalise import normalise
from liaison.intake.extraction.pipeline import Context
from liaison.intake.extraction.proposals import Proposal, ProposalType

_CODE: Final = re.compile(
    r"(?<![\w/])(?P<n>\d{1,4})\s*[-–]\s*(?P<k>[a-zđ]{1,4})\s*/\s*(?P<i>[a-zđ]{1,6}\d{0,3})(?![\w/])"
    r"|(?<![\w/])(?P<n2>\d{1,4})/(?P<y>\d{4})/(?P<k2>[a-zđ]{1,6})(?P<i2>\d{0,3})(?![\w/])"
)
_NUMBER: Final = re.compile(r"\d{1,4}")


@dataclass
class _Ref:
    start: int
    end: int
    code: str | None
    kind: str
    number: str


@cache
def _kind_words(language: str) -> PhraseIndex[str]:
    return PhraseIndex(load("documents")["kind_words"].get(language, {}).items())


@cache
def _number_words(language: str) -> frozenset[str]:
    return frozenset(normalise(w).rstrip(":.") for w in load("documents")["number_words"].get(language, []))


def _code_kind(abbreviation: str) -> str:
    kinds: dict[str, str] = load("documents")["code_kinds"]
    return kinds.get(abbreviation.upper(), kinds.get(abbreviation.upper().replace("Đ", "D"), "document"))


def _compatible(a: str, b: str) -> bool:
    return a == b or any({a, b} <= set(group) for group in load("documents")["interchangeable_kinds"])


class DocumentRefExtractor:
    name = "document_refs"

    def extract(self, ctx: Context) -> list[Proposal]:
        doc = ctx.doc
        refs: list[_Ref] = []
        for m in _CODE.finditer(doc.norm):
            if m.group("n"):
                code = f"{m.group('n')}-{m.group('k')}/{m.group('i')}".upper()
                refs.append(_Ref(m.start(), m.end(), code, _code_kind(m.group("k")), m.group("n")))
            else:
                code = f"{m.group('n2')}/{m.group('y')}/{m.group('k2')}{m.group('i2')}".upper()
                refs.append(_Ref(m.start(), m.end(), code, _code_kind(m.group("k2")), m.group("n2")))
        numbers = _number_words(doc.language)
        for found in _kind_words(doc.language).find_all(doc):
            i = found.last
            if i < len(doc.tokens) and doc.tokens[i].text in numbers:
                i += 1
            if i >= len(doc.tokens) or doc.gap(doc.tokens[i - 1], doc.tokens[i]).strip(" .:"):
                continue
            token = doc.tokens[i]
            if not _NUMBER.fullmatch(token.text) or any(r.start <= token.start < r.end for r in refs):
                continue
            if (
                doc.norm[token.end : token.end + 1] in {".", ","}
                and doc.norm[token.end + 1 : token.end + 2].isdigit()
            ):
                continue
            refs.append(_Ref(found.start, token.end, None, found.payloads[0], token.text))
        coded = [r for r in refs if r.code]
        proposals = []
        for ref in sorted(refs, key=lambda r: r.start):
            if ref.code is None:
                same = [
                    c for c in coded if int(c.number) == int(ref.number) and _compatible(c.kind, ref.kind)
                ]
                if same:
                    ref.code, ref.kind, ref.number = same[0].code, same[0].kind, same[0].number
            value: dict[str, Any] = {"code": ref.code, "kind": ref.kind, "number": ref.number}
            confidence = 0.95 if ref.code and ref.start in {c.start for c in coded} else 0.8
            proposals.append(ctx.make(ProposalType.DOCUMENT_REF, ref.start, ref.end, value, confidence))
        return proposals

"""Extractors behind one interface, composed into a pipeline.

An ``Extractor`` reads a ``Context`` (the prepared document, the resolver, and the proposals of
the extractors before it) and returns proposals. Rule-based extractors run first; a statistical
model is added as one more ``Extractor`` (see docs/intake.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from liaison.intake.extraction.document import Document, prepare
from liaison.intake.extraction.proposals import Proposal, ProposalType
from liaison.intake.extraction.resolver import Resolver


@dataclass
class Context:
    doc: Document
    resolver: Resolver
    found: list[Proposal] = field(default_factory=list)
    # Results extractors share within one document (e.g. unknown organisation phrases).
    memo: dict[str, Any] = field(default_factory=dict)

    def of(self, kind: ProposalType) -> list[Proposal]:
        return [p for p in self.found if p.type == kind]

    def make(
        self, kind: ProposalType, start: int, end: int, value: dict[str, Any], confidence: float
    ) -> Proposal:
        """A proposal for the matching-text range ``start:end``."""
        s, e = self.doc.span(start, end)
        return Proposal(
            type=kind,
            start=s,
            end=e,
            surface=self.doc.text[s:e],
            value=value,
            confidence=confidence,
            caption=self.doc.in_caption(s),
            norm_start=start,
            norm_end=end,
        )

    def taken(self, start: int, end: int, kinds: Sequence[ProposalType] | None = None) -> bool:
        """Whether the matching-text range overlaps a proposal already made (of ``kinds``)."""
        return any(
            p.norm_start < end and start < p.norm_end and (kinds is None or p.type in kinds)
            for p in self.found
        )


class Extractor(Protocol):
    name: str

    def extract(self, ctx: Context) -> list[Proposal]: ...


@dataclass
class Extraction:
    document: Document
    proposals: list[Proposal]

    def as_json(self) -> dict[str, Any]:
        return {
            "language": self.document.language,
            "document_date": self.document.date.isoformat() if self.document.date else None,
            "proposals": [p.as_json() for p in self.proposals],
        }


class Pipeline:
    """Runs its extractors in order; each sees what the previous ones proposed."""

    def __init__(self, extractors: Sequence[Extractor], resolver: Resolver) -> None:
        self.extractors = list(extractors)
        self.resolver = resolver

    def run(self, text: str, *, date: dt.date | None = None, language: str | None = None) -> Extraction:
        doc = prepare(text, date=date, language=language)
        ctx = Context(doc=doc, resolver=self.resolver)
        for extractor in self.extractors:
            ctx.found.extend(extractor.extract(ctx))
        proposals = sorted(ctx.found, key=lambda p: (p.start, p.end, str(p.type)))
        return Extraction(document=doc, proposals=proposals)

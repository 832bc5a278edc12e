"""What extraction proposes: a typed value with the exact span of the original text it comes from."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class ProposalType(StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"
    PLACE = "place"
    DATE = "date"
    FIGURE = "figure"
    DOCUMENT_REF = "document_ref"
    EVENT = "event"


@dataclass(slots=True)
class Proposal:
    """One proposed record. ``start``/``end`` index the original text (end exclusive) and
    ``surface == text[start:end]``; ``norm_start``/``norm_end`` index the matching text and are
    for extractors only."""

    type: ProposalType
    start: int
    end: int
    surface: str
    value: dict[str, Any]
    confidence: float
    caption: bool = False
    norm_start: int = field(default=0, repr=False)
    norm_end: int = field(default=0, repr=False)

    def as_json(self) -> dict[str, Any]:
        return {
            "type": str(self.type),
            "span": [self.start, self.end],
            "surface": self.surface,
            "value": self.value,
            "confidence": round(self.confidence, 3),
            "caption": self.caption,
        }

    def overlaps(self, other: Proposal) -> bool:
        return self.start < other.end and other.start < self.end

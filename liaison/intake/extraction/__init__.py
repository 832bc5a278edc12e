"""Reading a document and proposing the records it implies (pure Python; no Django).

    from liaison.intake.extraction import default_pipeline
    from liaison.intake.extraction.resolve_memory import MemoryResolver

    extraction = default_pipeline(MemoryResolver.from_seed_data()).run(text, date=published)
    for proposal in extraction.proposals: ...

``resolve_db.DirectoryResolver`` resolves against the database instead (the only Django-aware
module). See docs/intake.md.
"""

from __future__ import annotations

from liaison.intake.extraction.dates import DateExtractor
from liaison.intake.extraction.document_refs import DocumentRefExtractor
from liaison.intake.extraction.errors import (
    BinaryDocument,
    EmptyDocument,
    ExtractionError,
    UnsupportedLanguage,
)
from liaison.intake.extraction.events import EventExtractor
from liaison.intake.extraction.figures import FigureExtractor
from liaison.intake.extraction.organisations import OrganisationExtractor
from liaison.intake.extraction.people import PersonExtractor
from liaison.intake.extraction.pipeline import Context, Extraction, Extractor, Pipeline
from liaison.intake.extraction.places import PlaceExtractor
from liaison.intake.extraction.proposals import Proposal, ProposalType
from liaison.intake.extraction.resolver import Candidate, Entry, Resolver


def default_extractors() -> list[Extractor]:
    """The rule-based extractors, in the order they depend on each other."""
    return [
        DateExtractor(),
        DocumentRefExtractor(),
        FigureExtractor(),
        OrganisationExtractor(),
        PlaceExtractor(),
        PersonExtractor(),
        EventExtractor(),
    ]


def default_pipeline(resolver: Resolver) -> Pipeline:
    return Pipeline(default_extractors(), resolver)


__all__ = [
    "BinaryDocument",
    "Candidate",
    "Context",
    "EmptyDocument",
    "Entry",
    "Extraction",
    "ExtractionError",
    "Extractor",
    "Pipeline",
    "Proposal",
    "ProposalType",
    "Resolver",
    "UnsupportedLanguage",
    "default_extractors",
    "default_pipeline",
]

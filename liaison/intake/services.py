"""Every write of document intake: ingest a document, re-run extraction, reject a proposal, delete.

A document is read, cleaned and its language detected before anything is written; a file that
cannot be read is refused with a `ValidationError` on `content` and leaves nothing behind (no
row, no stored file, no search entry). Extraction runs with the Directory as its resolver.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable, Set
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from liaison.core import access, audit, search
from liaison.core.models import Classification
from liaison.intake.extraction import ExtractionError, Resolver, default_pipeline
from liaison.intake.extraction import Proposal as Proposed
from liaison.intake.extraction.cleaning import CAPTION, clean
from liaison.intake.extraction.normalise import normalise
from liaison.intake.models import Document, DocumentStatus, Proposal, ProposalState, Rejection
from liaison.intake.reading import ReadingError, read

logger = logging.getLogger(__name__)

# The kind of the documents' rows in the shared full-text index (core.search).
SEARCH_KIND = "document"


@dataclass(frozen=True)
class IngestResult:
    document: Document
    created: bool


def _directory_resolver() -> Resolver:
    from liaison.intake.extraction.resolve_db import DirectoryResolver

    return DirectoryResolver()


def _check_create(by: Any, *, owner: Any, classification: int) -> None:
    if classification not in Classification.values:
        raise ValidationError({"classification": ["Unknown classification."]})
    # `by=None` is a trusted caller with no user (the command line without --as, the demo).
    if by is not None and not access.can_create(by, owner=owner, classification=classification):
        raise PermissionDenied("You may not add documents for this organisation at this classification.")


def ingest(
    by: Any,
    *,
    owner: Any,
    classification: int,
    name: str,
    content: bytes,
    published_on: dt.date | None = None,
    resolver: Resolver | None = None,
) -> IngestResult:
    """Store a document and its extraction proposals; the same content again returns the stored one."""
    _check_create(by, owner=owner, classification=classification)
    digest = hashlib.sha256(content).hexdigest()
    existing = Document.objects.filter(owner=owner, sha256=digest).first()
    if existing is not None:
        return IngestResult(_known(by, existing), created=False)
    try:
        read_document = read(content, name=name)
        cleaned = clean(read_document.text)
    except (ReadingError, ExtractionError) as error:
        raise ValidationError({"content": [str(error)]}) from error
    published = published_on or read_document.published_on
    document = Document(
        owner=owner,
        classification=classification,
        sha256=digest,
        original_name=name[-255:],
        media_type=read_document.media_type,
        size=len(content),
        text=read_document.text,
        body="\n".join(cleaned.text[s.start : s.end] for s in cleaned.segments if s.kind != CAPTION),
        captions="\n".join(cleaned.text[s.start : s.end] for s in cleaned.segments if s.kind == CAPTION),
        language=cleaned.language,
        title=read_document.title[:500],
        published_on=published,
        ingested_by=by if getattr(by, "pk", None) else None,
        ingested_at=timezone.now(),
    )
    proposals, failure = _extract(document, resolver)
    document.status = DocumentStatus.FAILED if failure else DocumentStatus.EXTRACTED
    document.error = failure
    try:
        with transaction.atomic():
            document.file.save(document.sha256, ContentFile(content), save=False)
            document.save()
            _index(document)
            _store(document, proposals)
    except IntegrityError:
        # The same content, stored for the same owner by a concurrent ingest a moment ago.
        _discard_file(document)
        existing = Document.objects.filter(owner=owner, sha256=digest).first()
        if existing is None:
            raise
        return IngestResult(_known(by, existing), created=False)
    except BaseException:
        _discard_file(document)
        raise
    return IngestResult(document, created=True)


def _known(by: Any, document: Document) -> Document:
    if by is not None and not access.can_read(by, document):
        # The same answer whether the content is held at a level the user may not read or not:
        # they hold the content, but learn nothing about the stored record.
        raise ValidationError(
            {
                "content": [
                    "This content is already held by its owner, under a classification you may not read."
                ]
            }
        )
    return document


def _discard_file(document: Document) -> None:
    if document.file and document.file.name:
        try:
            document.file.storage.delete(document.file.name)
        except OSError:
            logger.exception("Could not remove the stored file %s", document.file.name)


def _extract(document: Document, resolver: Resolver | None) -> tuple[list[Proposed], str]:
    """The proposals, or none and the error when extraction itself fails (a bug, not bad input)."""
    try:
        extraction = default_pipeline(resolver or _directory_resolver()).run(
            document.text, date=document.published_on, language=document.language
        )
    except Exception as error:  # the document is kept; `reextract` can try again
        logger.exception("Extraction failed for document %s", document.sha256)
        return [], f"{type(error).__name__}: {error}"
    return extraction.proposals, ""


def _index(document: Document) -> None:
    search.index_record(
        kind=SEARCH_KIND, entity_id=document.pk, parts=[document.title, document.body, document.captions]
    )


def _remembered(document: Document) -> tuple[set[tuple[str, int, int]], set[tuple[str, str]]]:
    """Rejections of this content at a span, and of a surface anywhere in the owner's documents."""
    spans: set[tuple[str, int, int]] = set()
    surfaces: set[tuple[str, str]] = set()
    for rejection in Rejection.objects.filter(owner_id=document.owner_id, sha256__in=[document.sha256, ""]):
        if rejection.sha256 and rejection.start is not None and rejection.end is not None:
            spans.add((rejection.type, rejection.start, rejection.end))
        else:
            surfaces.add((rejection.type, rejection.surface_key))
    return spans, surfaces


def _store(
    document: Document, proposals: Iterable[Proposed], *, skip: Set[tuple[str, int, int]] = frozenset()
) -> int:
    spans, surfaces = _remembered(document)
    rows = [
        Proposal(
            document=document,
            type=str(p.type),
            start=p.start,
            end=p.end,
            surface=p.surface[:1000],
            value=p.value,
            confidence=p.confidence,
            caption=p.caption,
        )
        for p in proposals
        if (str(p.type), p.start, p.end) not in spans
        and (str(p.type), p.start, p.end) not in skip
        and (str(p.type), normalise(p.surface)) not in surfaces
    ]
    Proposal.objects.bulk_create(rows)
    return len(rows)


@transaction.atomic
def reextract(by: Any, document: Document, *, resolver: Resolver | None = None) -> int:
    """Run extraction again: pending proposals are replaced, decided ones kept, rejections skipped."""
    if by is not None and not access.can_change(by, document):
        raise PermissionDenied("You may not change this document.")
    proposals, error = _extract(document, resolver)
    document.proposals.pending().delete()
    decided = {(p.type, p.start, p.end) for p in document.proposals.decided()}
    created = _store(document, proposals, skip=decided)
    document.status = DocumentStatus.FAILED if error else DocumentStatus.EXTRACTED
    document.error = error
    document.save()
    return created


@transaction.atomic
def reject(by: Any, proposal: Proposal, *, everywhere: bool = False) -> Rejection:
    """Reject a proposal and remember it: at this span of this content, or (`everywhere`) the
    same surface of the same type in every document of the owner."""
    document = proposal.document
    if by is not None and not access.can_change(by, document):
        raise PermissionDenied("You may not change this document.")
    if proposal.state == ProposalState.REJECTED and not everywhere:
        raise ValidationError({"state": ["This proposal is already rejected."]})
    before = proposal.state
    proposal.state = ProposalState.REJECTED
    proposal.decided_by = by if getattr(by, "pk", None) else None
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["state", "decided_by", "decided_at"])
    rejection = Rejection.objects.create(
        owner_id=document.owner_id,
        type=proposal.type,
        sha256="" if everywhere else document.sha256,
        start=None if everywhere else proposal.start,
        end=None if everywhere else proposal.end,
        surface_key=normalise(proposal.surface)[:1000],
        rejected_by=proposal.decided_by,
    )
    if everywhere:
        # The other pending proposals of the same surface in this document go too.
        document.proposals.pending().filter(type=proposal.type, surface=proposal.surface).update(
            state=ProposalState.REJECTED, decided_by=proposal.decided_by, decided_at=proposal.decided_at
        )
    audit.record_note(
        document,
        {f"proposal {proposal.pk} ({proposal.type} {proposal.surface!r})": [before, ProposalState.REJECTED]},
    )
    return rejection


@transaction.atomic
def delete_document(by: Any, document: Document) -> None:
    """Delete a document, its proposals and its search entry; the stored file goes on commit."""
    if by is not None and not access.can_delete(by, document):
        raise PermissionDenied("You may not delete this document.")
    storage, name = document.file.storage, document.file.name
    search.remove_record(kind=SEARCH_KIND, entity_id=document.pk)
    document.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))

"""Documents taken in, what extraction proposes from them, and the proposals people rejected.

A `Document` is an owned record (the access policy decides who reads it) holding the file
exactly as it arrived, its text and its cleaned body. `Proposal` rows are extraction's output
for one document; they are derived data until someone decides on them (decisions are audited on
the document). A `Rejection` remembers a rejected proposal so that re-running extraction does
not propose it again. See docs/intake.md.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liaison.core.models import AuditedQuerySet, OwnedRecord


class MediaType(models.TextChoices):
    TEXT = "text/plain", _("Text")
    HTML = "text/html", _("Web page")
    DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document", _("Word document")
    PDF = "application/pdf", _("PDF")


class DocumentStatus(models.TextChoices):
    # Stored and searchable; extraction has not run yet (documents stored in bulk).
    PENDING = "pending", _("Waiting for extraction")
    EXTRACTED = "extracted", _("Proposals ready for review")
    # Stored and searchable, but extraction raised an unexpected error (kept in `error`);
    # `reextract` tries again. Documents that cannot be read are refused, never stored.
    FAILED = "failed", _("Extraction failed")


def stored_name(instance: Document, filename: str) -> str:
    """intake/<year>/<sha256><extension>: the original name is kept in a field, not in the path."""
    when = instance.ingested_at or timezone.now()
    return f"intake/{when:%Y}/{instance.sha256}{MEDIA_SUFFIXES.get(instance.media_type, '')}"


MEDIA_SUFFIXES: dict[str, str] = {
    MediaType.TEXT: ".txt",
    MediaType.HTML: ".html",
    MediaType.DOCX: ".docx",
    MediaType.PDF: ".pdf",
}


class DocumentQuerySet(AuditedQuerySet):
    def for_owner(self, owner: Any) -> DocumentQuerySet:
        return self.filter(owner=owner)


class Document(OwnedRecord):
    """One document as it arrived (file unchanged, with its SHA-256) and the text read from it.

    The hash is unique per owning organisation: the same content ingested again for the same
    owner is that document; another organisation gets its own copy, with its own classification
    (a global key would tell an organisation that content exists in another's restricted files).
    """

    file = models.FileField(_("file"), upload_to=stored_name, max_length=300)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    media_type = models.CharField(_("type"), max_length=80, choices=MediaType.choices)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    # The text read from the file (HTML without tags, a PDF's text layer); spans index it.
    text = models.TextField(_("text"))
    # The body without page furniture, and the captions, from `extraction.cleaning`.
    body = models.TextField(_("body text"), blank=True)
    captions = models.TextField(_("captions"), blank=True)
    language = models.CharField(_("language"), max_length=8)
    title = models.CharField(_("title"), max_length=500, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    ingested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ingested_at = models.DateTimeField(_("ingested at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=DocumentStatus.choices, default=DocumentStatus.PENDING
    )
    error = models.TextField(_("error"), blank=True)

    objects: ClassVar[Any] = DocumentQuerySet.as_manager()

    # The texts are large and derived from the file, whose hash is audited.
    audit_exclude: ClassVar[frozenset[str]] = OwnedRecord.audit_exclude | {"text", "body", "captions"}

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        constraints = [
            models.UniqueConstraint(fields=["owner", "sha256"], name="intake_document_unique_content"),
        ]
        indexes = [models.Index(fields=["-published_on", "-id"], name="intake_document_recent")]

    def __str__(self) -> str:
        return self.title or self.original_name or self.sha256[:12]


class ProposalState(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    CORRECTED = "corrected", _("Corrected")


class ProposalQuerySet(models.QuerySet["Proposal"]):
    def pending(self) -> ProposalQuerySet:
        return self.filter(state=ProposalState.PENDING)

    def decided(self) -> ProposalQuerySet:
        return self.exclude(state=ProposalState.PENDING)


class Proposal(models.Model):
    """One record extraction proposes from a document: `document.text[start:end] == surface`."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="proposals")
    type = models.CharField(_("type"), max_length=16)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    surface = models.CharField(_("text"), max_length=1000)
    # The normalised value: ISO date, number and unit, Directory entry and canonical name, ...
    value = models.JSONField(_("value"), default=dict)
    confidence = models.FloatField(_("confidence"))
    caption = models.BooleanField(_("in a caption"), default=False)
    state = models.CharField(
        _("state"), max_length=10, choices=ProposalState.choices, default=ProposalState.PENDING
    )
    # What the reviewer corrected the value to (state CORRECTED).
    corrected_value = models.JSONField(_("corrected value"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[Any] = ProposalQuerySet.as_manager()

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["document_id", "start", "end", "type"]
        indexes = [models.Index(fields=["document", "state"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")), name="intake_proposal_span"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.surface!r} [{self.start}:{self.end}]"


class Rejection(models.Model):
    """A rejected proposal, remembered so that extraction does not propose it again.

    With `sha256`, it holds for that content only, at that span; without, for every document of
    the owner whose proposal of that type has the same normalised surface (`surface_key`).
    """

    owner = models.ForeignKey("directory.Organisation", on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=16)
    sha256 = models.CharField(max_length=64, blank=True)
    start = models.PositiveIntegerField(null=True, blank=True)
    end = models.PositiveIntegerField(null=True, blank=True)
    surface_key = models.CharField(max_length=1000)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rejected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("remembered rejection")
        verbose_name_plural = _("remembered rejections")
        indexes = [models.Index(fields=["owner", "sha256"]), models.Index(fields=["owner", "surface_key"])]

    def __str__(self) -> str:
        return f"{self.type} {self.surface_key!r}"


class Provenance(models.Model):
    """Where an accepted record came from: the document, the span and the sentence around it.

    Written by `review.accept` for every record an accepted proposal created or changed (a
    Directory person or organisation, an activity). The record's own module shows it too: a
    name record's and a position's `source`, an activity's `SourceLink`.
    """

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="provenance")
    proposal = models.ForeignKey(
        Proposal, null=True, blank=True, on_delete=models.SET_NULL, related_name="provenance"
    )
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    # The sentence the span sits in, as written.
    quote = models.TextField(_("quote"))
    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("provenance")
        verbose_name_plural = _("provenance")
        ordering = ["id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="intake_provenance_record")]

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id} ← {self.document_id} [{self.start}:{self.end}]"

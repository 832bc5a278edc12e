"""Writes to what came of an activity and what it rests on: outcomes, attachments, sources."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import filetype  # type: ignore[import-untyped]
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from liaison.activities.models import Activity, Attachment, AttachmentKind, Outcome, OutcomeKind, SourceLink
from liaison.activities.validation import require
from liaison.core import access
from liaison.core.versioning import check_version
from liaison.directory.models import Organisation

# What an attachment may be, recognised from its content (not from its name).
ALLOWED_TYPES = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WebP",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint",
    "application/vnd.oasis.opendocument.text": "OpenDocument text",
    "application/vnd.oasis.opendocument.spreadsheet": "OpenDocument spreadsheet",
    "text/plain": "text",
}
TEXT_SUFFIXES = (".txt", ".csv", ".md")


@dataclass
class OutcomeInput:
    kind: str
    title_en: str = ""
    title_vi: str = ""
    title_ar: str = ""
    code: str = ""
    signed_on: dt.date | None = None
    responsible: Organisation | None = None
    due_on: dt.date | None = None
    description: str = ""
    parties: Sequence[Organisation] = field(default_factory=list)


def _check_outcome(by: Any, data: OutcomeInput, *, current: Outcome | None = None) -> None:
    errors: dict[str, list[str]] = {}
    if data.kind not in OutcomeKind.values:
        errors["kind"] = [_("Unknown kind of outcome.")]
    if not (data.title_en.strip() or data.title_vi.strip() or data.title_ar.strip() or data.code.strip()):
        errors["title_en"] = [_("Give a title in at least one language, or its code.")]
    if data.kind == OutcomeKind.FOLLOW_UP and data.signed_on is not None:
        errors["signed_on"] = [_("A follow-up action is not signed; give its due date instead.")]
    if errors:
        raise ValidationError(errors)
    # Organisations already on the outcome may stay even if this editor cannot read them.
    kept = set(current.parties.values_list("pk", flat=True)) if current is not None else set()
    if current is not None and current.responsible_id is not None:
        kept.add(current.responsible_id)
    for org in [*data.parties, *([data.responsible] if data.responsible else [])]:
        if org.pk not in kept and not access.can_read(by, org):
            raise ValidationError({"parties": [_("You may not refer to an organisation you cannot see.")]})


@transaction.atomic
def add_outcome(*, by: Any, activity: Activity, data: OutcomeInput) -> Outcome:
    require(access.can_change(by, activity))
    _check_outcome(by, data)
    values = {k: v for k, v in vars(data).items() if k != "parties"}
    outcome = Outcome.objects.create(activity=activity, **values)
    outcome.parties.set(data.parties)
    return outcome


@transaction.atomic
def update_outcome(*, by: Any, outcome: Outcome, data: OutcomeInput, version: int | None) -> Outcome:
    require(access.can_change(by, outcome.activity))
    check_version(outcome, version)
    _check_outcome(by, data, current=outcome)
    for key, value in vars(data).items():
        if key != "parties":
            setattr(outcome, key, value)
    outcome.save()
    outcome.parties.set(data.parties)
    return outcome


@transaction.atomic
def delete_outcome(*, by: Any, outcome: Outcome) -> None:
    require(access.can_change(by, outcome.activity))
    outcome.delete()


# --- Attachments -------------------------------------------------------------------------------


def sniff(upload: UploadedFile[Any]) -> str:
    """The content type of an upload, from its first bytes; refused types raise on `file`."""
    limit: int = settings.LIAISON_ATTACHMENT_MAX_BYTES
    if upload.size is None or upload.size == 0:
        raise ValidationError({"file": [_("The file is empty.")]})
    if upload.size > limit:
        raise ValidationError(
            {
                "file": [
                    _("The file is %(size)s; the largest accepted is %(limit)s.")
                    % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
                ]
            }
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    mime = kind.mime if kind is not None else ""
    name = (upload.name or "").lower()
    if not mime and name.endswith(TEXT_SUFFIXES) and b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            # A multi-byte character cut at the 8 KiB boundary is still text.
            head[:-4].decode("utf-8", errors="strict")
        mime = "text/plain"
    if mime not in ALLOWED_TYPES:
        accepted = ", ".join(sorted(set(ALLOWED_TYPES.values())))
        raise ValidationError(
            {"file": [_("This type of file is not accepted. Accepted: %(types)s.") % {"types": accepted}]}
        )
    return mime


@transaction.atomic
def add_attachment(
    *,
    by: Any,
    activity: Activity,
    upload: UploadedFile[Any],
    kind: str = AttachmentKind.OTHER,
    title: str = "",
) -> Attachment:
    require(access.can_change(by, activity))
    if kind not in AttachmentKind.values:
        raise ValidationError({"kind": [_("Unknown kind of attachment.")]})
    try:
        mime = sniff(upload)
    except UnicodeDecodeError:
        raise ValidationError({"file": [_("This text file is not UTF-8 encoded.")]}) from None
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = Attachment(
        activity=activity,
        kind=kind,
        title=title.strip()[:300],
        original_name=(upload.name or "file")[-255:],
        content_type=mime,
        size=upload.size or 0,
        sha256=digest.hexdigest(),
    )
    attachment.file.save(upload.name or "file", upload, save=False)
    try:
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)
        raise
    return attachment


@transaction.atomic
def delete_attachment(*, by: Any, attachment: Attachment) -> None:
    require(access.can_change(by, attachment.activity))
    stored = attachment.file
    attachment.delete()
    transaction.on_commit(lambda: stored.delete(save=False))


# --- Sources -----------------------------------------------------------------------------------


@transaction.atomic
def add_source(*, by: Any, activity: Activity, title: str, url: str = "", reference: str = "") -> SourceLink:
    require(access.can_change(by, activity))
    if not title.strip():
        raise ValidationError({"title": [_("Give the source's title.")]})
    link = SourceLink(activity=activity, title=title.strip(), url=url.strip(), reference=reference.strip())
    link.full_clean(exclude=["activity", "version"])
    link.save()
    return link


@transaction.atomic
def delete_source(*, by: Any, source: SourceLink) -> None:
    require(access.can_change(by, source.activity))
    source.delete()

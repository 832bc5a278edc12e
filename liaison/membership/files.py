"""Checking uploaded scans: a PDF or an image (told by its first bytes, not its name), within the
size limit, with its checksum and page count."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# First bytes → (kind, content type).
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "pdf", "application/pdf"),
    (b"\xff\xd8\xff", "image", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image", "image/png"),
    (b"II*\x00", "image", "image/tiff"),
    (b"MM\x00*", "image", "image/tiff"),
)


@dataclass(frozen=True)
class StoredUpload:
    name: str
    content: ContentFile  # type: ignore[type-arg]
    content_type: str
    size: int
    sha256: str
    pages: int


def _read(upload: Any) -> bytes:
    if hasattr(upload, "chunks"):
        return b"".join(upload.chunks())
    data: bytes = upload.read()
    return data


def check_upload(upload: Any, *, allowed: tuple[str, ...], field: str) -> StoredUpload:
    """The upload as it will be stored, or a field error saying what is wrong with it."""
    limit = settings.LIAISON_DOSSIER_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ValidationError({field: [_too_large(size, limit)]})
    data = _read(upload)
    if len(data) > limit:
        raise ValidationError({field: [_too_large(len(data), limit)]})
    if not data:
        raise ValidationError({field: [_("The file is empty.")]})
    kind, content_type = next(((k, t) for sig, k, t in SIGNATURES if data.startswith(sig)), ("", ""))
    if kind not in allowed:
        raise ValidationError(
            {field: [_("Upload a PDF or an image (JPEG, PNG or TIFF); this file is neither.")]}
        )
    pages = _pdf_pages(data, field) if kind == "pdf" else 1
    name = (getattr(upload, "name", "") or "scan").rsplit("/", 1)[-1][:200] or "scan"
    return StoredUpload(
        name=name,
        content=ContentFile(data),
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        pages=pages,
    )


def _too_large(size: int, limit: int) -> str:
    return _("The file is %(size)s; the limit is %(limit)s.") % {
        "size": filesizeformat(size),
        "limit": filesizeformat(limit),
    }


def _pdf_pages(data: bytes, field: str) -> int:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        return max(1, len(PdfReader(io.BytesIO(data)).pages))
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as error:
        raise ValidationError({field: [_("This PDF cannot be read: it may be damaged.")]}) from error

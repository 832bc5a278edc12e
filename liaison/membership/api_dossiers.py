"""Dossiers in the membership API: the scans of a member's paper record and their digitisation.
Every read of a dossier or of one of its files is written to the audit trail (who, when, which
file); a file's download is written to the security log as an export too."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404, HttpRequest
from django.utils import timezone
from ninja import File, Status
from ninja.files import UploadedFile

from liaison.core.api_support import AUTH
from liaison.core.models import SecurityEventKind
from liaison.core.security_log import log_security_event
from liaison.membership import dossiers
from liaison.membership.api_common import ERRORS, READ_ERRORS, MembershipRouter
from liaison.membership.models import Dossier, DossierFile, Member
from liaison.membership.permissions import get_dossier_file_for_user, get_member_for_user
from liaison.membership.schemas import DayIn, DossierFileOut, DossierOut, DossierSummaryOut

router = MembershipRouter(auth=AUTH)

_FILE_TYPES = {
    kind: {"schema": {"type": "string", "format": "binary"}}
    for kind in ("application/pdf", "image/jpeg", "image/png", "image/tiff")
}


def _dossier_summary(dossier: Dossier) -> dict[str, Any]:
    return {
        "member": dossier.member_id,
        "status": dossier.status,
        "digitised_on": dossier.digitised_on,
        "page_count": dossier.page_count,
        "file_count": dossier.files.count(),
        "version": dossier.version,
    }


def _file_out(item: DossierFile) -> dict[str, Any]:
    return {
        "id": item.pk,
        "name": item.original_name,
        "content_type": item.content_type,
        "size": item.size,
        "sha256": item.sha256,
        "pages": item.pages,
        "uploaded_at": item.created_at,
    }


def _member(request: HttpRequest, member_id: int) -> Member:
    return get_member_for_user(request.user, member_id, request=request)


@router.get("/members/{int:member_id}/dossier", response={200: DossierOut, **READ_ERRORS})
def get_dossier(request: HttpRequest, member_id: int) -> dict[str, Any]:
    """The dossier's digitisation and its files. Each read is audited (shown in the member's
    history)."""
    member = _member(request, member_id)
    dossier = dossiers.dossier_of(member)
    dossiers.record_view(user=request.user, member=member)
    files = list(dossier.files.order_by("id"))
    return _dossier_summary(dossier) | {"file_count": len(files), "files": [_file_out(f) for f in files]}


@router.post("/members/{int:member_id}/dossier/files", response={201: DossierFileOut, **ERRORS})
def add_dossier_file(
    request: HttpRequest, member_id: int, file: File[UploadedFile]
) -> Status[dict[str, Any]]:
    """A multipart upload (`file`): a PDF or an image (JPEG, PNG, TIFF, told by its content), within
    the size limit, not already in the dossier. The dossier is then being digitised."""
    member = _member(request, member_id)
    item = dossiers.add_file(by=request.user, member=member, upload=file)
    return Status(201, _file_out(item))


@router.get(
    "/dossier-files/{int:file_id}/content",
    response=READ_ERRORS,
    summary="Download a dossier file",
    openapi_extra={"responses": {200: {"description": "The file", "content": _FILE_TYPES}}},
)
def get_dossier_file_content(request: HttpRequest, file_id: int) -> Any:
    """The scan as stored, as a download. Audited as a view of the dossier naming the file, and
    logged as an export."""
    item = get_dossier_file_for_user(request.user, file_id, request=request)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    member = item.dossier.member
    dossiers.record_view(user=request.user, member=member, file=item)
    log_security_event(
        kind=SecurityEventKind.EXPORT,
        request=request,
        user=request.user,
        detail={"kind": "dossier_file", "member": member.pk, "file": item.pk, "via": "api"},
    )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=item.original_name or "scan",
        content_type=item.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@router.delete("/dossier-files/{int:file_id}", response={204: None, **ERRORS})
def delete_dossier_file(request: HttpRequest, file_id: int) -> Status[None]:
    """Removing the last file sets the dossier back to not digitised."""
    item = get_dossier_file_for_user(request.user, file_id, request=request)
    dossiers.remove_file(by=request.user, item=item)
    return Status(204, None)


@router.post("/members/{int:member_id}/dossier/digitised", response={200: DossierSummaryOut, **ERRORS})
def mark_dossier_digitised(request: HttpRequest, member_id: int, payload: DayIn) -> dict[str, Any]:
    """Every page is scanned and checked: digitised on `on` (today if not given)."""
    member = _member(request, member_id)
    dossier = dossiers.mark_digitised(by=request.user, member=member, on=payload.on or timezone.localdate())
    return _dossier_summary(dossier)


@router.post("/members/{int:member_id}/dossier/reopen", response={200: DossierSummaryOut, **ERRORS})
def reopen_dossier(request: HttpRequest, member_id: int) -> dict[str, Any]:
    """Pages were missing after all: back to being digitised."""
    member = _member(request, member_id)
    return _dossier_summary(dossiers.reopen(by=request.user, member=member))

"""Transfers in the membership API: released by the sending branch, received by the receiving one
(whose officers read the member while the transfer is pending), cancelled, with their documents."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404, HttpRequest
from django.utils import timezone
from ninja import File, Status
from ninja.files import UploadedFile

from liaison.core.api_support import AUTH, ErrorOut, check_if_match, clamp
from liaison.core.htmx import capped_count
from liaison.core.models import SecurityEventKind
from liaison.core.security_log import log_security_event
from liaison.membership import selectors, transfers
from liaison.membership.api_common import (
    ERRORS,
    READ_ERRORS,
    MembershipRouter,
    _branch_ref,
    _document_out,
    _names,
    _page,
    _transfer_out,
)
from liaison.membership.models import Transfer
from liaison.membership.permissions import (
    get_member_for_user,
    get_transfer_document_for_user,
    get_transfer_for_user,
)
from liaison.membership.schemas import (
    CancelIn,
    DocumentOut,
    ReceiveIn,
    ReleaseIn,
    TransferListOut,
    TransferOut,
)

router = MembershipRouter(auth=AUTH)


def _transfer(request: HttpRequest, transfer_id: int) -> Transfer:
    return get_transfer_for_user(request.user, transfer_id, request=request)


def _transfer_detail(user: Any, transfer_id: int) -> dict[str, Any]:
    transfer = Transfer.objects.select_related("member").prefetch_related("documents").get(pk=transfer_id)
    return _transfer_out(transfer, _names(user, [transfer.from_branch_id, transfer.to_branch_id]))


@router.get("/transfers", response={200: TransferListOut, 400: ErrorOut}, summary="Transfers")
def list_transfers(
    request: HttpRequest, pending: bool | None = None, limit: int = 50, offset: int = 0
) -> Any:
    """Transfers of the members you may read, latest first (the receiving branch's officers read
    those coming to them); `pending=true` keeps those awaiting receipt."""
    user = request.user
    limit, offset = clamp(limit, offset)
    rows = selectors.transfers(user, pending=pending)
    count, exact = capped_count(rows)
    page = list(rows.prefetch_related("documents")[offset : offset + limit])
    names = _names(user, [pk for t in page for pk in (t.from_branch_id, t.to_branch_id)])
    items = [_transfer_out(t, names) for t in page]
    return _page(count=count, exact=exact, limit=limit, offset=offset, items=items)


@router.post("/members/{int:member_id}/transfers", response={201: TransferOut, **ERRORS})
def release_member(request: HttpRequest, member_id: int, payload: ReleaseIn) -> Status[dict[str, Any]]:
    """Step one: the sending branch releases the member to `to_branch` (permanent: in transit
    until received; temporary: to a branch abroad while posted there). Documents are added
    afterwards at /transfers/{id}/documents. Editors of the member's branch (or above it)."""
    user = request.user
    member = get_member_for_user(user, member_id, request=request)
    values = payload.dict()
    values["to_branch"] = _branch_ref(user, values["to_branch"], "to_branch")
    transfer = transfers.release(by=user, member=member, data=transfers.ReleaseInput(**values))
    return Status(201, _transfer_detail(user, transfer.pk))


@router.post("/transfers/{int:transfer_id}/receive", response={200: TransferOut, **ERRORS})
def receive_transfer(request: HttpRequest, transfer_id: int, payload: ReceiveIn) -> dict[str, Any]:
    """Step two: the receiving branch receives the member (editors of the receiving branch, or
    above it); from then on it keeps the record. Send `If-Match` with the transfer's version to
    refuse acting on a changed transfer."""
    transfer = _transfer(request, transfer_id)
    check_if_match(request, transfer)
    received_on = payload.received_on or timezone.localdate()
    transfers.receive(by=request.user, transfer=transfer, received_on=received_on)
    return _transfer_detail(request.user, transfer_id)


@router.post("/transfers/{int:transfer_id}/cancel", response={200: TransferOut, **ERRORS})
def cancel_transfer(request: HttpRequest, transfer_id: int, payload: CancelIn) -> dict[str, Any]:
    """Withdraw a transfer awaiting receipt (the sending side): the member is back where they were."""
    transfer = _transfer(request, transfer_id)
    check_if_match(request, transfer)
    transfers.cancel(by=request.user, transfer=transfer, note=payload.note)
    return _transfer_detail(request.user, transfer_id)


@router.post("/transfers/{int:transfer_id}/documents", response={201: DocumentOut, **ERRORS})
def add_transfer_document(
    request: HttpRequest, transfer_id: int, file: File[UploadedFile]
) -> Status[dict[str, Any]]:
    """A multipart upload (`file`): a PDF or an image (told by its content), within the size
    limit. Either side of the transfer."""
    transfer = _transfer(request, transfer_id)
    document = transfers.add_document(by=request.user, transfer=transfer, upload=file)
    return Status(201, _document_out(document))


@router.get(
    "/transfer-documents/{int:document_id}/content",
    response=READ_ERRORS,
    summary="Download a transfer's document",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def get_transfer_document_content(request: HttpRequest, document_id: int) -> Any:
    """The document as stored, as a download, to whoever reads the member; logged as an export."""
    document = get_transfer_document_for_user(request.user, document_id, request=request)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    log_security_event(
        kind=SecurityEventKind.EXPORT,
        request=request,
        user=request.user,
        detail={
            "kind": "transfer_document",
            "member": document.transfer.member_id,
            "document": document.pk,
            "via": "api",
        },
    )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document.original_name or "document",
        content_type=document.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response

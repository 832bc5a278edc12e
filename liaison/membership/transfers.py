"""Transfers in two steps — released by the sending branch, received by the receiving one — and
the end of a temporary attachment.

A permanent transfer ends the member's regular stretch at the sending branch on the day of
release and puts them in transit until the receiving branch receives them; they then belong to
the receiving branch (whose organisation owns the record from then on). A temporary transfer,
while the member is posted abroad, leaves the home branch as it is and attaches the member to the
receiving branch until the attachment ends. While a transfer is pending, the receiving branch's
officers read the member (so they can receive them); nobody else gains sight of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from liaison.activities.validation import require
from liaison.core import access
from liaison.membership import placements, statuses
from liaison.membership.files import StoredUpload, check_upload
from liaison.membership.models import (
    Branch,
    EventKind,
    Member,
    MemberEvent,
    Placement,
    PlacementKind,
    StatusCause,
    Transfer,
    TransferDocument,
    TransferKind,
    TransferState,
)
from liaison.membership.services import GONE, check_day

TRANSFER_DOCUMENT_TYPES = ("pdf", "image")


@dataclass
class ReleaseInput:
    kind: str
    to_branch: Branch
    letter_number: str
    letter_date: dt.date
    released_on: dt.date
    note: str = ""
    documents: Sequence[Any] = field(default_factory=list)


def may_receive(user: Any, branch: Branch, member: Member) -> bool:
    """Receiving makes the branch's organisation keep the record: the same right as creating one there."""
    return access.can_create(user, owner=branch.organisation, classification=member.classification)


def _validate_release(member: Member, data: ReleaseInput) -> list[StoredUpload]:
    errors: dict[str, list[str]] = {}
    if data.kind not in TransferKind.values:
        errors["kind"] = [_("Choose permanent or temporary.")]
    if data.to_branch is None:
        errors["to_branch"] = [_("Choose the receiving branch.")]
    elif data.to_branch.pk == member.branch_id:
        errors["to_branch"] = [_("The member is already in this branch.")]
    elif data.to_branch.pk == member.attached_to_id:
        errors["to_branch"] = [_("The member is already attached to this branch.")]
    elif data.kind == TransferKind.TEMPORARY and not data.to_branch.abroad:
        errors["to_branch"] = [
            _("A temporary transfer goes to a branch abroad, while the member is posted there.")
        ]
    if not (data.letter_number or "").strip():
        errors["letter_number"] = [_("Give the number of the official letter.")]
    if data.letter_date is None:
        errors["letter_date"] = [_("Give the date of the official letter.")]
    if errors:
        raise ValidationError(errors)
    if member.status in GONE:
        raise ValidationError({"kind": [_("This member has left or died and cannot be transferred.")]})
    if member.branch_id is None:
        raise ValidationError(
            {"kind": [_("This member is in transit already; receive or cancel that transfer first.")]}
        )
    if Transfer.objects.filter(member=member, state=TransferState.RELEASED).exists():
        raise ValidationError(
            {"kind": [_("This member has a pending transfer; receive or cancel it first.")]}
        )
    line = placements.open_line(member)
    check_day(
        data.released_on,
        "released_on",
        not_before=line.start if line else member.joined_on,
        label=_("the member's current placement"),
    )
    check_day(data.letter_date, "letter_date")
    if data.kind == TransferKind.TEMPORARY:
        attachment = placements.open_attachment(member)
        if attachment is not None and data.released_on < attachment.start:
            raise ValidationError(
                {"released_on": [_("This date is before the member's current attachment.")]}
            )
    return [
        check_upload(upload, allowed=TRANSFER_DOCUMENT_TYPES, field="documents") for upload in data.documents
    ]


@transaction.atomic
def release(*, by: Any, member: Member, data: ReleaseInput) -> Transfer:
    """The sending branch releases the member (step one)."""
    require(access.can_change(by, member))
    member = Member.objects.select_for_update().get(pk=member.pk)
    uploads = _validate_release(member, data)
    transfer = Transfer(
        member=member,
        kind=data.kind,
        from_branch_id=member.branch_id,
        to_branch=data.to_branch,
        letter_number=data.letter_number.strip()[:100],
        letter_date=data.letter_date,
        released_on=data.released_on,
        note=data.note,
    )
    transfer.save()
    for upload in uploads:
        _attach(transfer, upload)
    if data.kind == TransferKind.PERMANENT:
        line = placements.open_line(member)
        assert line is not None
        line.end = data.released_on
        line.save()
        Placement(member=member, kind=PlacementKind.TRANSIT, start=data.released_on, transfer=transfer).save()
        MemberEvent(member=member, kind=EventKind.RELEASED, on=data.released_on, transfer=transfer).save()
    else:
        MemberEvent(
            member=member, kind=EventKind.TEMPORARY_RELEASE, on=data.released_on, transfer=transfer
        ).save()
    placements.check_history(member)
    placements.sync(member)
    statuses.refresh([member.pk], cause=StatusCause.EVENT)
    return transfer


def _attach(transfer: Transfer, upload: StoredUpload) -> TransferDocument:
    document = TransferDocument(
        transfer=transfer,
        original_name=upload.name,
        content_type=upload.content_type,
        size=upload.size,
        sha256=upload.sha256,
    )
    document.file.save(upload.name, upload.content, save=False)
    document.save()
    return document


@transaction.atomic
def add_document(*, by: Any, transfer: Transfer, upload: Any) -> TransferDocument:
    """A document that goes with the transfer, added by either side while it is pending."""
    member = transfer.member
    require(access.can_change(by, member) or may_receive(by, transfer.to_branch, member))
    if transfer.state != TransferState.RELEASED:
        raise ValidationError({"file": [_("Documents go with a transfer while it awaits receipt.")]})
    return _attach(transfer, check_upload(upload, allowed=TRANSFER_DOCUMENT_TYPES, field="file"))


@transaction.atomic
def receive(*, by: Any, transfer: Transfer, received_on: dt.date) -> Transfer:
    """The receiving branch receives the member (step two)."""
    transfer = (
        Transfer.objects.select_for_update()
        .select_related("member", "to_branch__organisation")
        .get(pk=transfer.pk)
    )
    member = transfer.member
    require(may_receive(by, transfer.to_branch, member))
    if transfer.state != TransferState.RELEASED:
        raise ValidationError({"received_on": [_("This transfer is not awaiting receipt.")]})
    check_day(received_on, "received_on", not_before=transfer.released_on, label=_("the release"))
    if transfer.kind == TransferKind.PERMANENT:
        transit = placements.open_line(member)
        assert transit is not None and transit.kind == PlacementKind.TRANSIT
        transit.end = received_on
        transit.save()
        Placement(
            member=member,
            kind=PlacementKind.REGULAR,
            branch=transfer.to_branch,
            start=received_on,
            transfer=transfer,
        ).save()
        kind = EventKind.RECEIVED
    else:
        previous = placements.open_attachment(member)
        if previous is not None:
            if received_on < previous.start:
                raise ValidationError(
                    {"received_on": [_("This date is before the member's current attachment.")]}
                )
            previous.end = received_on
            previous.save()
        Placement(
            member=member,
            kind=PlacementKind.TEMPORARY,
            branch=transfer.to_branch,
            start=received_on,
            transfer=transfer,
        ).save()
        kind = EventKind.ATTACHED
    transfer.state, transfer.received_on = TransferState.RECEIVED, received_on
    transfer.save()
    MemberEvent(member=member, kind=kind, on=received_on, transfer=transfer).save()
    placements.check_history(member)
    placements.sync(member)
    statuses.refresh([member.pk], cause=StatusCause.EVENT)
    transfer.refresh_from_db()
    return transfer


@transaction.atomic
def cancel(*, by: Any, transfer: Transfer, note: str = "") -> Transfer:
    """Withdraw a pending transfer: the member is back where they were, the history unbroken."""
    transfer = Transfer.objects.select_for_update().select_related("member").get(pk=transfer.pk)
    member = transfer.member
    require(access.can_change(by, member))
    if transfer.state != TransferState.RELEASED:
        raise ValidationError({"state": [_("Only a transfer awaiting receipt can be cancelled.")]})
    if transfer.kind == TransferKind.PERMANENT:
        transit = member.placements.get(transfer=transfer, kind=PlacementKind.TRANSIT)
        transit.delete()
        line = member.placements.filter(kind=PlacementKind.REGULAR).order_by("-start", "-id").first()
        if line is not None:
            line.end = None
            line.save()
    member.events.filter(transfer=transfer).delete()
    transfer.state = TransferState.CANCELLED
    if note:
        transfer.note = f"{transfer.note}\n{note}".strip()
    transfer.save()
    placements.check_history(member)
    placements.sync(member)
    statuses.refresh([member.pk], cause=StatusCause.EVENT)
    return transfer


@transaction.atomic
def end_attachment(*, by: Any, member: Member, on: dt.date) -> Placement:
    """The temporary attachment ends (the posting is over, the member is back home)."""
    require(
        access.can_change(by, member)
        or (member.attached_to is not None and may_receive(by, member.attached_to, member))
    )
    attachment = placements.open_attachment(member)
    if attachment is None:
        raise ValidationError({"on": [_("This member is not temporarily attached anywhere.")]})
    check_day(on, "on", not_before=attachment.start, label=_("the start of the attachment"))
    attachment.end = on
    attachment.save()
    MemberEvent(member=member, kind=EventKind.DETACHED, on=on).save()
    placements.sync(member)
    statuses.refresh([member.pk], cause=StatusCause.EVENT)
    return attachment

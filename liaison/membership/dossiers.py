"""Digitised dossiers: scans uploaded as PDF or images, their pages counted and checksummed, the
digitisation status per member; every view of a dossier is written to the audit trail (who
looked, when), shown in the member's history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from liaison.activities.validation import require
from liaison.core import access, audit
from liaison.membership import counters
from liaison.membership.files import check_upload
from liaison.membership.models import Dossier, DossierFile, DossierStatus, Member
from liaison.membership.services import check_day

DOSSIER_TYPES = ("pdf", "image")


def dossier_of(member: Member) -> Dossier:
    dossier, _created = Dossier.objects.get_or_create(member=member)
    dossier.member = member
    return dossier


def record_view(*, user: Any, member: Member, file: DossierFile | None = None) -> Dossier:
    """Someone opened the dossier (or one of its files): the audit keeps who and when."""
    detail = {"file": [None, file.original_name]} if file is not None else {}
    dossier = dossier_of(member)
    audit.record_view(dossier, actor=user, detail=detail)
    return dossier


@transaction.atomic
def add_file(*, by: Any, member: Member, upload: Any) -> DossierFile:
    require(access.can_change(by, member))
    stored = check_upload(upload, allowed=DOSSIER_TYPES, field="file")
    dossier = dossier_of(member)
    if dossier.files.filter(sha256=stored.sha256).exists():
        raise ValidationError({"file": [_("This file is in the dossier already.")]})
    item = DossierFile(
        dossier=dossier,
        original_name=stored.name,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        pages=stored.pages,
    )
    item.file.save(stored.name, stored.content, save=False)
    item.save()
    _recount(dossier)
    if dossier.status == DossierStatus.NOT_STARTED:
        dossier.status = DossierStatus.IN_PROGRESS
        dossier.save()
    return item


@transaction.atomic
def remove_file(*, by: Any, item: DossierFile) -> None:
    dossier = item.dossier
    require(access.can_change(by, dossier.member))
    storage, name = item.file.storage, item.file.name or ""
    item.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))
    _recount(dossier)
    if not dossier.files.exists() and dossier.status != DossierStatus.NOT_STARTED:
        set_state(dossier, DossierStatus.NOT_STARTED, None)


def _recount(dossier: Dossier) -> None:
    pages = dossier.files.aggregate(n=Sum("pages"))["n"] or 0
    audit.update_derived(Dossier, dossier.pk, page_count=pages)
    dossier.page_count = pages


@transaction.atomic
def mark_digitised(*, by: Any, member: Member, on: dt.date) -> Dossier:
    """Every page is scanned and checked: the dossier counts as digitised from that day."""
    require(access.can_change(by, member))
    dossier = dossier_of(member)
    if not dossier.files.exists():
        raise ValidationError({"on": [_("Upload the scanned pages first.")]})
    check_day(on, "on")
    set_state(dossier, DossierStatus.DIGITISED, on)
    return dossier


@transaction.atomic
def reopen(*, by: Any, member: Member) -> Dossier:
    """Pages were missing after all: back to being digitised."""
    require(access.can_change(by, member))
    dossier = dossier_of(member)
    if dossier.status != DossierStatus.DIGITISED:
        raise ValidationError({"status": [_("This dossier is not marked digitised.")]})
    set_state(dossier, DossierStatus.IN_PROGRESS, None)
    return dossier


def set_state(dossier: Dossier, status: str, on: dt.date | None) -> None:
    """Store the dossier's digitisation; the branch's counters follow (the caller checked access)."""
    was_counted = dossier.status == DossierStatus.DIGITISED, dossier.digitised_on
    dossier.status, dossier.digitised_on = status, on
    dossier.save()
    if (dossier.status == DossierStatus.DIGITISED, dossier.digitised_on) != was_counted:
        counters.refresh_members([dossier.member_id])

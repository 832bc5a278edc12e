"""A member's branch history and what is derived from it.

Placements are half-open stretches [start, end): a stretch ending on a day is followed by the next
starting that same day, so "no gap and no overlap" means each regular or in-transit stretch starts
where the previous one ended. Temporary attachments lie beside that line, never two at once.

`sync` derives the member's current branch, temporary attachment, owner (the current branch's
organisation, or the sending one while in transit) and who else reads the record (the branch
they are attached to, the branch a pending transfer goes to), and refreshes the branches' counters.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from liaison.core import audit
from liaison.membership import counters
from liaison.membership.models import (
    Branch,
    Member,
    Placement,
    PlacementKind,
    Posting,
    Transfer,
    TransferState,
)

LINE = (PlacementKind.REGULAR, PlacementKind.TRANSIT)


def check_history(member: Member) -> None:
    """Raise if the member's line has a gap or an overlap, or two attachments overlap."""
    line = list(member.placements.filter(kind__in=LINE).order_by("start", "id"))
    for before, after in itertools.pairwise(line):
        if before.end is None or before.end != after.start:
            raise ValidationError(_("The branch history would have a gap or an overlap."))
    attachments = list(member.placements.filter(kind=PlacementKind.TEMPORARY).order_by("start", "id"))
    for before, after in itertools.pairwise(attachments):
        if before.end is None or before.end > after.start:
            raise ValidationError(_("Two temporary attachments would overlap."))


def open_line(member: Member) -> Placement | None:
    placement: Placement | None = (
        member.placements.filter(kind__in=LINE, end__isnull=True).order_by("-start", "-id").first()
    )
    return placement


def open_attachment(member: Member) -> Placement | None:
    placement: Placement | None = member.placements.filter(
        kind=PlacementKind.TEMPORARY, end__isnull=True
    ).first()
    return placement


def sync(member: Member) -> None:
    """Derive the member's branch, attachment, owner and readers from their history; save them."""
    line = open_line(member)
    attachment = open_attachment(member)
    old_branches = {member.branch_id, member.attached_to_id}
    member.branch = line.branch if line and line.kind == PlacementKind.REGULAR else None
    member.attached_to = attachment.branch if attachment else None
    if member.branch is not None:
        member.owner_id = member.branch.pk
    member.save()
    readers = {member.attached_to_id} if member.attached_to_id else set()
    pending = Transfer.objects.filter(member=member, state=TransferState.RELEASED).values_list(
        "to_branch", flat=True
    )
    readers.update(pending)
    readers.discard(member.owner_id)
    current = set(member.shared_with.values_list("pk", flat=True))
    if current != readers:
        member.shared_with.set(sorted(readers))
        audit.record_note(member, {"shared_with": [sorted(current), sorted(readers)]})
    counters.refresh(old_branches | {member.branch_id, member.attached_to_id})
    mark_postings([member.pk])


def mark_postings(member_ids: Iterable[int]) -> None:
    """Note on each of these members' postings whether they were placed in a branch abroad (in any
    way) at some time during its term; write what changed."""
    ids = sorted(set(member_ids))
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        abroad: dict[int, list[tuple[dt.date, dt.date | None]]] = {}
        for member_id, begun, ended in Placement.objects.filter(
            member_id__in=chunk, branch__abroad=True
        ).values_list("member_id", "start", "end"):
            abroad.setdefault(member_id, []).append((begun, ended))
        postings = Posting.objects.filter(member_id__in=chunk).values_list(
            "pk", "member_id", "start", "end", "attached_abroad"
        )
        for pk, member_id, term_start, term_end, marked in postings:
            during = any(
                (term_end is None or begun <= term_end) and (ended is None or ended > term_start)
                for begun, ended in abroad.get(member_id, ())
            )
            if during != marked:
                audit.update_derived(Posting, pk, attached_abroad=during)


def placed_in_q(branch: Branch) -> Q:
    """Members placed in the branch now: regular or temporarily attached."""
    return Q(branch=branch) | Q(attached_to=branch)

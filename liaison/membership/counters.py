"""The counters a branch keeps about its members, derived from the members themselves.

- `member_count`: members placed in the branch now, regular or temporarily attached (the
  undersized check reads it);
- `present_count` and `digitised_count`: present members placed in it (regular or attached, like
  `member_count`), and of them those whose dossier is digitised (the "not digitised, by branch"
  table reads them: a member attached abroad shows under both branches, each answering for them);
- `kept_count` and `DigitisedMonth`: the present members whose regular branch it is (the branch
  that keeps their record: every member once in the tree), and of their digitised dossiers how
  many per month of digitisation (the digitisation progress reads them).

A committee of half a million members reads these in a few milliseconds, where counting the
members each time took seconds. `refresh` recounts the given branches from their members (a
branch's members are few, so recounting is cheaper and safer than adjusting); everything that
moves a member, changes a status or a dossier's digitisation calls it for the branches concerned,
including the bulk paths (import, demo, benchmark).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth

from liaison.core import audit
from liaison.membership.models import PRESENT, Branch, DigitisedMonth, DossierStatus, Member

DIGITISED = Q(dossier__status=DossierStatus.DIGITISED)
CHUNK = 500

# The branches to recount when the current `deferred()` block ends (None: none open).
_pending: ContextVar[set[int] | None] = ContextVar("membership_counters_pending", default=None)


@contextmanager
def deferred() -> Iterator[None]:
    """Within the block, `refresh` notes the branches and recounts each once, when the block ends.

    For many changes in one transaction (an import's updated rows): each row's status refresh
    and dossier change would otherwise recount its branch, twice a row. Until the block ends the
    counters lag behind the members; nothing within it reads them. Nested blocks join the outer."""
    if _pending.get() is not None:
        yield
        return
    pending: set[int] = set()
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    refresh(pending)


def refresh(branch_ids: Iterable[int | None]) -> None:
    """Recount these branches' counters and monthly tallies from their members; write what changed
    (within a `deferred()` block, when it ends)."""
    ids = sorted({pk for pk in branch_ids if pk is not None})
    pending = _pending.get()
    if pending is not None:
        pending.update(ids)
        return
    for start in range(0, len(ids), CHUNK):
        with transaction.atomic():
            _refresh_chunk(ids[start : start + CHUNK])


def _refresh_chunk(chunk: list[int]) -> None:
    # Per branch, over the members placed there (regular, then attached: a member attached abroad
    # counts with both branches): all of them, the present ones, and of those the digitised ones.
    # The present regular members are also the ones the branch keeps (each member once in the tree).
    counted: dict[int, tuple[int, int, int]] = {}
    kept: dict[int, int] = {}
    for field in ("branch_id", "attached_to_id"):
        rows = (
            Member.objects.filter(**{f"{field}__in": chunk})
            .values(field)
            .annotate(
                members=Count("pk"),
                n=Count("pk", filter=Q(status__in=PRESENT)),
                digitised=Count("pk", filter=Q(status__in=PRESENT) & DIGITISED),
            )
            .order_by()
        )
        for row in rows:
            members, n, digitised = counted.get(row[field], (0, 0, 0))
            counted[row[field]] = (members + row["members"], n + row["n"], digitised + row["digitised"])
            if field == "branch_id":
                kept[row[field]] = row["n"]
    stored = {
        pk: (members, n, digitised, own)
        for pk, members, n, digitised, own in Branch.objects.filter(pk__in=chunk).values_list(
            "pk", "member_count", "present_count", "digitised_count", "kept_count"
        )
    }
    for pk, old in stored.items():
        new = (*counted.get(pk, (0, 0, 0)), kept.get(pk, 0))
        if new != old:
            members, n, digitised, own = new
            audit.update_derived(
                Branch, pk, member_count=members, present_count=n, digitised_count=digitised, kept_count=own
            )
    present = Member.objects.filter(branch_id__in=chunk, status__in=PRESENT)
    # The dossier's status is tested in the count, not in the WHERE clause: given it there, SQLite
    # walks every digitised dossier of the register by the (status, digitised_on) index to find
    # the few of these branches (100,000 members: 200 ms for one branch, 2 ms from its members).
    months = (
        present.filter(dossier__digitised_on__isnull=False)
        .annotate(month=TruncMonth("dossier__digitised_on"))
        .values_list("branch_id", "month")
        .annotate(n=Count("pk", filter=DIGITISED))
        .order_by()
    )
    wanted = {(branch_id, month): n for branch_id, month, n in months if n}
    have = {
        (branch_id, month): (pk, n)
        for pk, branch_id, month, n in DigitisedMonth.objects.filter(branch_id__in=chunk).values_list(
            "pk", "branch_id", "month", "dossiers"
        )
    }
    stale = [pk for key, (pk, n) in have.items() if wanted.get(key) != n]
    DigitisedMonth.objects.filter(pk__in=stale).delete()
    DigitisedMonth.objects.bulk_create(
        DigitisedMonth(branch_id=branch_id, month=month, dossiers=n)
        for (branch_id, month), n in wanted.items()
        if have.get((branch_id, month), (None, None))[1] != n
    )


def refresh_members(member_ids: Iterable[int]) -> None:
    """Recount the branches these members are placed in now (regular or attached)."""
    ids = sorted(set(member_ids))
    branches: set[int | None] = set()
    for start in range(0, len(ids), CHUNK):
        for regular, attached in Member.objects.filter(pk__in=ids[start : start + CHUNK]).values_list(
            "branch_id", "attached_to_id"
        ):
            branches.update((regular, attached))
    refresh(branches)


def refresh_all() -> None:
    """Recount every branch (after a bulk load, or to repair counters)."""
    refresh(Branch.objects.values_list("pk", flat=True))

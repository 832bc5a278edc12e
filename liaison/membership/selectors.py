"""Reads for the pages, the API, the exports and the benchmark: members and branches through the
access policy, filtered, in a constant number of queries per page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from liaison.core import access, name_index
from liaison.directory.models import Organisation
from liaison.membership.checks import responsible_branches
from liaison.membership.models import (
    Branch,
    Dossier,
    DossierStatus,
    Member,
    MemberEvent,
    MemberName,
    MemberStatus,
    Placement,
    Posting,
    StatusChange,
    Transfer,
    TransferState,
)
from liaison.membership.services import NAME_KIND

# Columns a member list needs, read as rows (no model instances, no per-row queries).
MEMBER_ROW = (
    "pk",
    "name",
    "register_number",
    "status",
    "status_since",
    "joined_on",
    "branch_id",
    "attached_to_id",
    "posting__country__code",
    "posting__start",
    "posting__end",
    "dossier__status",
)


NOT_DIGITISED = "not_digitised"


@dataclass
class MemberFilters:
    q: str = ""
    branch: Branch | None = None  # this branch and the branches below it
    status: str = ""
    abroad: bool | None = None  # placed (or attached) in a branch abroad
    posted: bool | None = None  # posted abroad on `day`
    dossier: str = ""  # a DossierStatus, or NOT_DIGITISED (not started or in progress)
    day: dt.date | None = None


def members(user: Any, filters: MemberFilters | None = None, *, sharing: bool = True) -> QuerySet[Member]:
    """The members the user may read, filtered, in list order (`sharing`: see `access.visible_q`)."""
    return _readable(user, _matching(filters or MemberFilters()), sharing=sharing)


class MemberList(NamedTuple):
    """A member list's rows and what its capped count reads (`htmx.capped_count`)."""

    rows: QuerySet[Member]
    count_from: QuerySet[Member]
    count_first: QuerySet[Member] | None


def member_list(user: Any, filters: MemberFilters) -> MemberList:
    """`members(user, filters)`, and for its count the same members with the policy in its form for
    counts and, when cheaper, a part to count first; the filters (the matcher's lookup of a name
    among them) are read once for all three. For a reader whose filter tests no owner path (a
    superuser; a narrow scope, read by ids), the policy has one form: the rows are counted.

    The part: the members the user reads through their roles, not through shares. Only for the
    lists that hold a large part of the register, where that part alone is likely to reach the cap:
    for a name (at most 200 matches), a branch or a status other than active (a few per cent of a
    register each), the first count would come short and the whole be counted as well."""
    matching = _matching(filters)
    rows = _readable(user, matching)
    if not access.sharing_widens(user, Member):
        return MemberList(rows, rows, None)
    broad = not filters.q.strip() and filters.branch is None and filters.status in ("", MemberStatus.ACTIVE)
    first = _readable(user, matching, sharing=False, counting=True) if broad else None
    return MemberList(rows, _readable(user, matching, counting=True), first)


def _readable(
    user: Any, rows: QuerySet[Member], *, sharing: bool = True, counting: bool = False
) -> QuerySet[Member]:
    return access.visible(user, rows, sharing=sharing, counting=counting).order_by("sort_name", "id")


def _matching(f: MemberFilters) -> QuerySet[Member]:
    """The members the filters select, before the access policy."""
    rows = Member.objects.all()
    if f.branch is not None:
        rows = rows.filter(_placed_below(f.branch))
    if f.status:
        rows = rows.filter(status=f.status)
    if f.abroad is not None:
        inside = Q(branch__abroad=True) | Q(attached_to__abroad=True)
        rows = rows.filter(inside) if f.abroad else rows.exclude(inside)
    if f.posted is not None:
        day = f.day or timezone.localdate()
        now = Q(posting__start__lte=day) & (Q(posting__end__isnull=True) | Q(posting__end__gte=day))
        rows = rows.filter(now) if f.posted else rows.exclude(now)
    if f.dossier == NOT_DIGITISED:
        rows = rows.exclude(dossier__status=DossierStatus.DIGITISED)
    elif f.dossier:
        rows = rows.filter(dossier__status=f.dossier)
    if f.q.strip():
        ids = [match.key for match in name_index.lookup(kind=NAME_KIND, query=f.q, limit=200)]
        rows = rows.filter(pk__in=ids)
    return rows


# A branch with at most this many branches below it filters the list by their ids (the database
# reads the members of each from the (branch, sort name) and attachment indexes); a larger subtree
# by its path, walking the list in order (most members then pass).
SUBTREE_IDS = 1000


def _placed_below(branch: Branch) -> Q:
    """Members placed (regular or attached) in the branch or a branch below it."""
    path = branch.organisation.path
    ids = list(
        Branch.objects.filter(organisation__path__startswith=path).values_list("pk", flat=True)[
            : SUBTREE_IDS + 1
        ]
    )
    if len(ids) <= SUBTREE_IDS:
        return Q(branch_id__in=ids) | Q(attached_to_id__in=ids)
    return Q(branch__organisation__path__startswith=path) | Q(
        attached_to__organisation__path__startswith=path
    )


def member_rows(queryset: QuerySet[Member]) -> QuerySet[Any]:
    """The list's columns (MEMBER_ROW, and `branch_name`, `attached_to_name`) as dicts.

    The two branch names are read by subqueries rather than joins: four more joins (the branch
    and its organisation, twice) took PostgreSQL's planner longer than running the page (1 M
    members: planning 4.6 ms → 0.9 ms, for the same 50 rows)."""
    rows: QuerySet[Any] = queryset.annotate(
        branch_name=_organisation_name("branch_id"), attached_to_name=_organisation_name("attached_to_id")
    ).values(*MEMBER_ROW, "branch_name", "attached_to_name")
    return rows


def _organisation_name(field: str) -> Subquery:
    return Subquery(Organisation._base_manager.filter(pk=OuterRef(field)).values("sort_name")[:1])


def member_detail(member: Member) -> dict[str, Any]:
    """Everything the member's page shows, each part one query."""
    return {
        "names": list(MemberName.objects.filter(member=member).order_by("id")),
        "placements": list(
            Placement.objects.filter(member=member)
            .select_related("branch__organisation")
            .order_by("start", "id")
        ),
        "postings": list(
            Posting.objects.filter(member=member)
            .select_related("country", "mission")
            .order_by("-start", "-id")
        ),
        "transfers": list(
            Transfer.objects.filter(member=member)
            .select_related("from_branch__organisation", "to_branch__organisation")
            .prefetch_related("documents")
            .order_by("-released_on", "-id")
        ),
        "events": list(MemberEvent.objects.filter(member=member).order_by("-on", "-id")),
        "status_changes": list(StatusChange.objects.filter(member=member).select_related("actor")[:50]),
        "dossier": Dossier.objects.filter(member=member).first(),
    }


def branches(user: Any, *, q: str = "", abroad: bool | None = None) -> QuerySet[Branch]:
    """Branches the user answers for, by name."""
    rows = responsible_branches(user).select_related("organisation", "organisation__country", "mission")
    if abroad is not None:
        rows = rows.filter(abroad=abroad)
    if q.strip():
        rows = rows.filter(organisation__sort_name__icontains=q.strip())
    return rows.order_by("organisation__path")


def branch_members(user: Any, branch: Branch) -> QuerySet[Member]:
    """The members placed in the branch now (regular or attached) that the user may read."""
    return access.visible(user, Member.objects.filter(Q(branch=branch) | Q(attached_to=branch))).order_by(
        "sort_name", "id"
    )


def transfers(user: Any, *, pending: bool | None = None) -> QuerySet[Transfer]:
    """Transfers of members the user may read (the receiving side reads those coming to it)."""
    rows = Transfer.objects.filter(member__in=access.visible(user, Member.objects.all()))
    if pending is not None:
        rows = (
            rows.filter(state=TransferState.RELEASED)
            if pending
            else rows.exclude(state=TransferState.RELEASED)
        )
    return rows.select_related("member", "from_branch__organisation", "to_branch__organisation").order_by(
        "-released_on", "-id"
    )

"""The checks users need: counts with the list behind each, over the members and branches the
user may read (the access policy's filter first, then the check's own).

Every check is one queryset, so the page counts it (capped, like every list) and the drill-down
pages through it; the API answers the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import F, Q, QuerySet, Sum
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from liaison.core import access
from liaison.membership.models import (
    PRESENT,
    Branch,
    BranchLevel,
    DigitisedMonth,
    DossierStatus,
    Member,
    Transfer,
    TransferState,
)


def visible_members(user: Any) -> QuerySet[Member]:
    return access.visible(user, Member.objects.all())


def responsible_branches(user: Any, *, near: bool = False) -> QuerySet[Branch]:
    """Branches the user answers for: those of their organisations and below (all, for a superuser),
    that they may read. With `near`, only their organisations' own branches and those directly below
    (a superuser's: the committees), found through the parent index rather than by testing the path
    of every organisation below (for a committee officer, tens of thousands)."""
    from liaison.directory.models import Organisation

    p = access.principal_for(user)
    branches = Branch.objects.filter(access.visible_q(user, Organisation, prefix="organisation__"))
    if p.is_superuser:
        # Branch trees start below ministries and committees of the directory, several levels
        # down: the top of the organisation tree holds none. The committees head them.
        return branches.filter(level=BranchLevel.COMMITTEE) if near else branches
    if not near:
        return branches.filter(access.paths_q("organisation__path", [s.path for s in p.scopes]))
    tops = [s.organisation_id for s in p.scopes]
    # The units' ids are read first (a few hundred): as a subquery, PostgreSQL walked every
    # organisation in path order to find them (50,000 organisations: 65 ms → 1 ms).
    units = (
        Organisation._base_manager.order_by()
        .filter(Q(pk__in=tops) | Q(parent_id__in=tops))
        .values_list("pk", flat=True)
    )
    return branches.filter(organisation_id__in=list(units))


def _posted_now(day: dt.date) -> Q:
    return Q(posting__start__lte=day) & (Q(posting__end__isnull=True) | Q(posting__end__gte=day))


def _live_q(prefix: str, day: dt.date) -> Q:
    return Q(**{f"{prefix}organisation__valid_to__isnull": True}) | Q(
        **{f"{prefix}organisation__valid_to__gt": day}
    )


def _in_branch_abroad(day: dt.date) -> Q:
    """Placed now (regular or attached) in a branch abroad that still exists.

    As ids of the (few) live branches abroad rather than joins: the member's own columns are tested
    against one small set, and no outer join to branches and organisations is needed for each row."""
    abroad = Branch.objects.filter(abroad=True).filter(_live_q("", day)).values("pk")
    return Q(branch_id__in=abroad) | Q(attached_to_id__in=abroad)


# The posting checks find a few thousand members among a million. Their conditions are first
# answered alone (no access policy, no order: the database starts from the postings and the
# branches abroad), then the members the user may read are taken among those ids in list order.
# Ordered and filtered by the policy in one statement, the database walks the whole list by name
# testing every member (seconds at a million). Beyond FEW candidates, the one statement.
FEW = 20_000


def _among(user: Any, candidates: QuerySet[Member]) -> QuerySet[Member]:
    ids = list(candidates.order_by().values_list("pk", flat=True)[: FEW + 1])
    if len(ids) > FEW:
        return visible_members(user).filter(pk__in=candidates.values("pk"))
    return visible_members(user).filter(pk__in=ids)


def abroad_without_branch(user: Any, day: dt.date) -> QuerySet[Member]:
    """Posted abroad now, present, and not placed in any branch abroad (in transit, never attached,
    or their branch there was dissolved)."""
    posted = Member.objects.filter(_posted_now(day), status__in=PRESENT)
    return _among(user, posted.exclude(_in_branch_abroad(day)))


def posting_ended_still_abroad(user: Any, day: dt.date) -> QuerySet[Member]:
    """Their latest posting has ended, yet they are still placed in a branch abroad."""
    ended = Member.objects.filter(posting__end__lt=day, status__in=PRESENT)
    return _among(user, ended.filter(_in_branch_abroad(day)))


def posted_never_attached(user: Any, day: dt.date) -> QuerySet[Member]:
    """Their latest posting has started, and at no time during it were they placed in a branch abroad
    (`Posting.attached_abroad`, kept by `placements.mark_postings` as placements and postings change)."""
    posted = Member.objects.filter(posting__start__lte=day, status__in=PRESENT)
    return _among(user, posted.filter(posting__attached_abroad=False))


def undersized_branches(user: Any, day: dt.date) -> QuerySet[Branch]:
    return _live(responsible_branches(user), day).filter(member_count__lt=F("minimum_size"))


def branches_without_secretary(user: Any, day: dt.date) -> QuerySet[Branch]:
    return _live(responsible_branches(user), day).filter(secretary__isnull=True)


def _live(branches: QuerySet[Branch], day: dt.date) -> QuerySet[Branch]:
    return branches.filter(_live_q("", day))


def pending_transfers(user: Any, day: dt.date) -> QuerySet[Transfer]:
    """Released and not received for longer than LIAISON_TRANSFER_PENDING_DAYS."""
    limit = day - dt.timedelta(days=settings.LIAISON_TRANSFER_PENDING_DAYS)
    # The policy through the join from the (few) pending transfers to their members: a subquery of
    # every visible member would be hashed whole first.
    readable = access.visible_q(user, Member, prefix="member__")
    return Transfer.objects.filter(readable, state=TransferState.RELEASED, released_on__lt=limit)


def not_digitised(user: Any, day: dt.date) -> QuerySet[Member]:
    return visible_members(user).filter(status__in=PRESENT).exclude(dossier__status=DossierStatus.DIGITISED)


@dataclass(frozen=True)
class Check:
    slug: str
    title: Promise
    help: Promise
    subject: str  # "member", "branch" or "transfer"
    rows: Callable[[Any, dt.date], QuerySet[Any]]


CHECKS: tuple[Check, ...] = (
    Check(
        "abroad-without-branch",
        _("Members abroad with no active branch"),
        _(
            "Posted abroad now, but not placed in any branch abroad: in transit, never attached, "
            "or their branch was dissolved."
        ),
        "member",
        abroad_without_branch,
    ),
    Check(
        "posting-ended",
        _("Posting ended, still attached abroad"),
        _("Their posting is over, yet they are still placed in a branch abroad."),
        "member",
        posting_ended_still_abroad,
    ),
    Check(
        "never-attached",
        _("Posted abroad, never attached there"),
        _("No placement in a branch abroad at any time during their latest posting."),
        "member",
        posted_never_attached,
    ),
    Check(
        "undersized",
        _("Branches below their minimum size"),
        _("Fewer members placed in them than their minimum size."),
        "branch",
        undersized_branches,
    ),
    Check(
        "no-secretary",
        _("Branches with no secretary"),
        _("No secretary recorded."),
        "branch",
        branches_without_secretary,
    ),
    Check(
        "transfers-pending",
        _("Transfers pending too long"),
        _("Released by the sending branch and not received for longer than the allowed time."),
        "transfer",
        pending_transfers,
    ),
    Check(
        "not-digitised",
        _("Dossiers not digitised yet"),
        _("Present members whose dossier is not marked digitised."),
        "member",
        not_digitised,
    ),
)
BY_SLUG = {check.slug: check for check in CHECKS}


# The two tables under the counts read the branches' counters (`counters`), kept as members move and
# dossiers are digitised: over the branches the user answers for, whatever their size. A member
# counts with their regular branch (in transit: with none, until received).


def not_digitised_by_branch(user: Any, *, limit: int = 50) -> list[dict[str, Any]]:
    """Per branch: present members, of which not digitised; the branches with most left first."""
    rows = (
        responsible_branches(user)
        .annotate(left=F("present_count") - F("digitised_count"))
        .filter(left__gt=0)
        .order_by("-left", "organisation__sort_name")
        .values("pk", "organisation__sort_name", "present_count", "left")[:limit]
    )
    return [
        {
            "branch_id": r["pk"],
            "branch": r["organisation__sort_name"],
            "members": r["present_count"],
            "left": r["left"],
        }
        for r in rows
    ]


def digitisation_progress(user: Any) -> list[dict[str, Any]]:
    """Dossiers digitised per month and the running total, with the share of the present members
    kept by the branches the user answers for (each member once, with their regular branch)."""
    branches = responsible_branches(user)
    total = branches.aggregate(n=Sum("kept_count"))["n"] or 0
    months = (
        DigitisedMonth.objects.filter(branch__in=branches.values("pk"))
        .values("month")
        .annotate(n=Sum("dossiers"))
        .order_by("month")
    )
    running = 0
    out = []
    for row in months:
        running += row["n"]
        out.append(
            {
                "month": row["month"],
                "digitised": row["n"],
                "total": running,
                "share": round(100 * running / total, 1) if total else 0.0,
            }
        )
    return out

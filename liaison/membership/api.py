"""The membership endpoints: members, their postings and events; transfers, dossiers, branches,
checks and status rules are mounted on the same router.

The same services, selectors and policy as the pages. Membership records are restricted: a
member the caller may not read answers 404 exactly like a missing one; a change the caller may
not make to a record they may read answers 403. Refused input answers 400 naming the field (input
the schemas refuse too), a stale `If-Match` 412. Detail responses carry an `ETag`. An
organisation the caller may not see is never named: it is `null`.

This module holds members, postings and events, and the one `router` that config/api.py mounts
at /membership; the rest is mounted on it from `api_transfers` (transfers and their documents),
`api_dossiers` (dossiers, every read audited), `api_branches` (branches and status rules) and
`api_checks` (the checks and digitisation progress); `api_common` holds what they share.
Operation ids are `liaison_membership_api_<function>` wherever the function lives.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from ninja import Status

from liaison.core import access
from liaison.core.api_support import AUTH, ErrorOut, check_if_match, clamp, refuse_nulls
from liaison.core.htmx import capped_count
from liaison.core.models import classification_name
from liaison.directory.api_refs import country, organisation
from liaison.membership import selectors, services, transfers
from liaison.membership.api_branches import router as branches_router
from liaison.membership.api_checks import router as checks_router
from liaison.membership.api_common import (
    ERRORS,
    READ_ERRORS,
    MembershipRouter,
    Names,
    _branch_ref,
    _member_rows,
    _names,
    _page,
    _ref,
    _resolved,
    _transfer_out,
    _with_etag,
)
from liaison.membership.api_dossiers import _dossier_summary
from liaison.membership.api_dossiers import router as dossiers_router
from liaison.membership.api_transfers import router as transfers_router
from liaison.membership.models import DossierStatus, Member, MemberStatus, Placement, Posting
from liaison.membership.permissions import get_member_for_user, get_posting_for_user
from liaison.membership.schemas import (
    DayIn,
    EventIn,
    EventOut,
    MemberIn,
    MemberListOut,
    MemberOut,
    MemberPatch,
    PlacementOut,
    PostingIn,
    PostingOut,
    PostingPatch,
)

router = MembershipRouter(auth=AUTH, tags=["membership"])
router.add_router("", transfers_router)
router.add_router("", dossiers_router)
router.add_router("", branches_router)
router.add_router("", checks_router)


# --- output -----------------------------------------------------------------------------------


def _posting_out(posting: Posting, names: Names) -> dict[str, Any]:
    return {
        "id": posting.pk,
        "member": posting.member_id,
        "country": posting.country.code,
        "mission": _ref(names, posting.mission_id),
        "start": posting.start,
        "end": posting.end,
        "letter_number": posting.letter_number,
        "version": posting.version,
    }


def _placement_out(placement: Placement, names: Names) -> dict[str, Any]:
    return {
        "id": placement.pk,
        "kind": placement.kind,
        "branch": _ref(names, placement.branch_id),
        "start": placement.start,
        "end": placement.end,
        "transfer": placement.transfer_id,
    }


def _member_detail(user: Any, member: Member) -> dict[str, Any]:
    """The member with their names, history, postings, transfers, events and status log."""
    parts = selectors.member_detail(member)
    names = _names(
        user,
        [
            member.owner_id,
            member.branch_id,
            member.attached_to_id,
            *(p.branch_id for p in parts["placements"]),
            *(p.mission_id for p in parts["postings"]),
            *(pk for t in parts["transfers"] for pk in (t.from_branch_id, t.to_branch_id)),
        ],
    )
    for transfer in parts["transfers"]:
        transfer.member = member
    dossier = parts["dossier"]
    return {
        "id": member.pk,
        "name": member.name,
        "names": [{"id": n.pk, "value": n.value, "language": n.language} for n in parts["names"]],
        "register_number": member.register_number,
        "gender": member.gender,
        "birth_date": member.birth_date,
        "joined_on": member.joined_on,
        "languages": member.languages,
        "notes": member.notes,
        "classification": classification_name(member.classification),
        "status": member.status or None,
        "status_since": member.status_since,
        "owner": _ref(names, member.owner_id),
        "branch": _ref(names, member.branch_id),
        "attached_to": _ref(names, member.attached_to_id),
        "placements": [_placement_out(p, names) for p in parts["placements"]],
        "postings": [_posting_out(p, names) for p in parts["postings"]],
        "transfers": [_transfer_out(t, names) for t in parts["transfers"]],
        "events": [
            {"id": e.pk, "kind": e.kind, "on": e.on, "note": e.note, "transfer": e.transfer_id}
            for e in parts["events"]
        ],
        "status_changes": [
            {
                "old_status": c.old_status,
                "new_status": c.new_status,
                "effective_on": c.effective_on,
                "cause": c.cause,
                "at": c.at,
                "by": c.actor.get_username() if c.actor else None,
            }
            for c in parts["status_changes"]
        ],
        "dossier": _dossier_summary(dossier) if dossier is not None else None,
        "is_demo": member.is_demo,
        "can_change": access.can_change(user, member),
        "version": member.version,
    }


def _member(request: HttpRequest, member_id: int) -> Member:
    return get_member_for_user(request.user, member_id, request=request)


# --- members ----------------------------------------------------------------------------------


@router.get("/members", response={200: MemberListOut, 400: ErrorOut}, summary="Members")
def list_members(
    request: HttpRequest,
    q: str = "",
    branch: int | None = None,
    status: MemberStatus | None = None,
    abroad: bool | None = None,
    posted: bool | None = None,
    dossier: DossierStatus | None = None,
    limit: int = 50,
    offset: int = 0,
) -> HttpResponse:
    """The members you may read, by name: a branch's officers see their branch, a committee's its
    subtree. `q` matches any spelling of a name; `branch` keeps the members placed in it or in the
    branches below it (regular or attached); `abroad` those placed in a branch abroad; `posted`
    those posted abroad today; `dossier` a digitisation status."""
    user = request.user
    limit, offset = clamp(limit, offset)
    filters = selectors.MemberFilters(
        q=q,
        branch=_branch_ref(user, branch, "branch") if branch is not None else None,
        status=status or "",
        abroad=abroad,
        posted=posted,
        dossier=dossier or "",
        day=timezone.localdate(),
    )
    listed = selectors.member_list(user, filters)
    count, exact = capped_count(listed.count_from, first=listed.count_first)
    rows = list(selectors.member_rows(listed.rows)[offset : offset + limit])
    return _page(count=count, exact=exact, limit=limit, offset=offset, items=_member_rows(user, rows))


@router.post("/members", response={201: MemberOut, **ERRORS}, summary="Record a member")
def create_member(request: HttpRequest, payload: MemberIn, response: HttpResponse) -> Status[dict[str, Any]]:
    """A new member of a branch, placed there from the joining day, with a dossier to digitise.
    Editors of the branch (or above it), cleared for the classification."""
    user = request.user
    values = payload.dict()
    values["branch"] = _branch_ref(user, values["branch"], "branch")
    values["names"] = [services.NameInput(**n) for n in values["names"]]
    member = services.create_member(by=user, data=services.MemberInput(**values))
    member = _member(request, member.pk)
    _with_etag(response, member)
    response["Location"] = reverse("api:member", args=[member.pk])
    return Status(201, _member_detail(user, member))


@router.get("/members/{int:member_id}", response={200: MemberOut, **READ_ERRORS}, url_name="member")
def get_member(request: HttpRequest, member_id: int, response: HttpResponse) -> dict[str, Any]:
    """With names, branch history, postings, transfers, events and status log."""
    member = _member(request, member_id)
    _with_etag(response, member)
    return _member_detail(request.user, member)


@router.patch("/members/{int:member_id}", response={200: MemberOut, **ERRORS})
def patch_member(
    request: HttpRequest, member_id: int, payload: MemberPatch, response: HttpResponse
) -> dict[str, Any]:
    """Send `If-Match` with the ETag you read; only the fields sent change (`names` replaces
    every spelling). The joining date cannot move past the member's first later event."""
    user = request.user
    member = _member(request, member_id)
    check_if_match(request, member)
    sent = payload.dict(exclude_unset=True)
    refuse_nulls(sent, ("birth_date",))
    if "names" in sent:
        sent["names"] = [services.NameInput(**n) for n in sent["names"]]
    services.update_member(by=user, member=member, version=member.version, changes=sent)
    member = _member(request, member_id)
    _with_etag(response, member)
    return _member_detail(user, member)


@router.post("/members/{int:member_id}/events", response={201: EventOut, **ERRORS})
def record_event(request: HttpRequest, member_id: int, payload: EventIn) -> Status[dict[str, Any]]:
    """Suspended, reinstated, left or died, on a day not before the latest event; the status
    follows by the rules."""
    member = _member(request, member_id)
    event = services.record_event(
        by=request.user, member=member, kind=payload.kind, on=payload.on, note=payload.note
    )
    return Status(
        201, {"id": event.pk, "kind": event.kind, "on": event.on, "note": event.note, "transfer": None}
    )


@router.post("/members/{int:member_id}/attachment/end", response={200: PlacementOut, **ERRORS})
def end_attachment(request: HttpRequest, member_id: int, payload: DayIn) -> dict[str, Any]:
    """The member's temporary attachment ends (by either side); the ended stretch is returned."""
    user = request.user
    member = _member(request, member_id)
    placement = transfers.end_attachment(by=user, member=member, on=payload.on or timezone.localdate())
    return _placement_out(placement, _names(user, [placement.branch_id]))


# --- postings ---------------------------------------------------------------------------------


def _posting_values(user: Any, sent: dict[str, Any]) -> dict[str, Any]:
    def resolve(key: str, value: Any) -> Any:
        if key == "country":
            return country(value, key)
        if key == "mission" and value is not None:
            return organisation(user, value, key)
        return value

    return _resolved(sent, resolve)


@router.post("/members/{int:member_id}/postings", response={201: PostingOut, **ERRORS})
def add_posting(
    request: HttpRequest, member_id: int, payload: PostingIn, response: HttpResponse
) -> Status[dict[str, Any]]:
    """A term abroad; a member's postings never overlap."""
    user = request.user
    member = _member(request, member_id)
    data = services.PostingInput(**_posting_values(user, payload.dict()))
    posting = services.add_posting(by=user, member=member, data=data)
    _with_etag(response, posting)
    return Status(201, _posting_out(posting, _names(user, [posting.mission_id])))


@router.patch("/postings/{int:posting_id}", response={200: PostingOut, **ERRORS})
def patch_posting(
    request: HttpRequest, posting_id: int, payload: PostingPatch, response: HttpResponse
) -> dict[str, Any]:
    """Send `If-Match` with the posting's ETag; only the fields sent change."""
    user = request.user
    posting = get_posting_for_user(user, posting_id, request=request)
    check_if_match(request, posting)
    sent = payload.dict(exclude_unset=True)
    refuse_nulls(sent, ("end", "mission"))
    current: dict[str, Any] = {
        "country": posting.country,
        "start": posting.start,
        "end": posting.end,
        "mission": posting.mission,
        "letter_number": posting.letter_number,
    }
    data = services.PostingInput(**(current | _posting_values(user, sent)))
    posting = services.update_posting(by=user, posting=posting, version=posting.version, data=data)
    _with_etag(response, posting)
    return _posting_out(posting, _names(user, [posting.mission_id]))


@router.delete("/postings/{int:posting_id}", response={204: None, **ERRORS})
def delete_posting(request: HttpRequest, posting_id: int) -> Status[None]:
    posting = get_posting_for_user(request.user, posting_id, request=request)
    check_if_match(request, posting)
    services.delete_posting(by=request.user, posting=posting)
    return Status(204, None)

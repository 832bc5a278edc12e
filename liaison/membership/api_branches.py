"""Branches and status rules in the membership API.

A branch is the membership side of a Directory organisation (its id is the organisation's): read
by whoever reads the organisation, changed by its editors. Status rules are read by everyone
signed in and changed by administrators (superusers) only: 403 for anyone else.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Status

from liaison.core.access import visible
from liaison.core.api_support import AUTH, ErrorOut, check_if_match, clamp, refuse_nulls
from liaison.core.htmx import capped_count
from liaison.directory.api_refs import organisation
from liaison.membership import selectors, services
from liaison.membership.api_common import (
    ERRORS,
    READ_ERRORS,
    MembershipRouter,
    Names,
    _member_ref,
    _names,
    _page,
    _ref,
    _resolved,
    _with_etag,
)
from liaison.membership.models import Branch, Member, StatusRule
from liaison.membership.permissions import get_branch_for_user
from liaison.membership.schemas import (
    BranchIn,
    BranchListOut,
    BranchOut,
    BranchPatch,
    RuleIn,
    RuleOut,
    RulePatch,
)

router = MembershipRouter(auth=AUTH)


# --- branches ---------------------------------------------------------------------------------


def _branch_out(branch: Branch, names: Names, secretaries: Names) -> dict[str, Any]:
    """A branch whose organisation (with its country) is loaded."""
    org = branch.organisation
    return {
        "id": branch.pk,
        "name": org.sort_name,
        "level": branch.level,
        "abroad": branch.abroad,
        "country": org.country.code if org.country is not None else None,
        "parent": org.parent_id,
        "mission": _ref(names, branch.mission_id),
        "secretary": _ref(secretaries, branch.secretary_id),
        "minimum_size": branch.minimum_size,
        "member_count": branch.member_count,
        "present_count": branch.present_count,
        "digitised_count": branch.digitised_count,
        "kept_count": branch.kept_count,
        "valid_to": org.valid_to,
        "version": branch.version,
    }


def _secretaries(user: Any, ids: list[int | None]) -> Names:
    """Names of the secretaries the reader may read (members are personal data)."""
    wanted = {pk for pk in ids if pk is not None}
    if not wanted:
        return {}
    return dict(visible(user, Member.objects.filter(pk__in=wanted)).values_list("pk", "name"))


def _branch_rows(user: Any, branches: list[Branch]) -> list[dict[str, Any]]:
    names = _names(user, [b.mission_id for b in branches])
    secretaries = _secretaries(user, [b.secretary_id for b in branches])
    return [_branch_out(b, names, secretaries) for b in branches]


def _branch(request: HttpRequest, branch_id: int) -> Branch:
    return get_branch_for_user(request.user, branch_id, request=request)


def _branch_values(user: Any, sent: dict[str, Any]) -> dict[str, Any]:
    def resolve(key: str, value: Any) -> Any:
        if value is None:
            return None
        if key in ("organisation", "mission"):
            return organisation(user, value, key)
        if key == "secretary":
            return _member_ref(user, value, key)
        return value

    return _resolved(sent, resolve)


@router.get("/branches", response={200: BranchListOut, 400: ErrorOut}, summary="Branches")
def list_branches(
    request: HttpRequest, q: str = "", abroad: bool | None = None, limit: int = 50, offset: int = 0
) -> HttpResponse:
    """The branches you answer for (those of your organisations and below; all for an
    administrator), in tree order; `q` searches names, `abroad` keeps those abroad or at home."""
    limit, offset = clamp(limit, offset)
    rows = selectors.branches(request.user, q=q, abroad=abroad)
    count, exact = capped_count(rows)
    items = _branch_rows(request.user, list(rows[offset : offset + limit]))
    return _page(count=count, exact=exact, limit=limit, offset=offset, items=items)


@router.post("/branches", response={201: BranchOut, **ERRORS}, summary="Make an organisation keep members")
def create_branch(request: HttpRequest, payload: BranchIn, response: HttpResponse) -> Status[dict[str, Any]]:
    """Its officers are then the users with a role in the organisation. Editors of the
    organisation (or above it)."""
    user = request.user
    values = _branch_values(user, payload.dict())
    org = values.pop("organisation")
    branch = services.create_branch(by=user, organisation=org, data=services.BranchInput(**values))
    branch = _branch(request, branch.pk)
    _with_etag(response, branch)
    response["Location"] = reverse("api:branch", args=[branch.pk])
    return Status(201, _branch_rows(user, [branch])[0])


@router.get("/branches/{int:branch_id}", response={200: BranchOut, **READ_ERRORS}, url_name="branch")
def get_branch(request: HttpRequest, branch_id: int, response: HttpResponse) -> dict[str, Any]:
    branch = _branch(request, branch_id)
    _with_etag(response, branch)
    return _branch_rows(request.user, [branch])[0]


@router.patch("/branches/{int:branch_id}", response={200: BranchOut, **ERRORS})
def patch_branch(
    request: HttpRequest, branch_id: int, payload: BranchPatch, response: HttpResponse
) -> dict[str, Any]:
    """Send `If-Match` with the ETag you read; only the fields sent change. The secretary must be
    a member placed in the branch (null: none)."""
    user = request.user
    branch = _branch(request, branch_id)
    check_if_match(request, branch)
    sent = payload.dict(exclude_unset=True)
    refuse_nulls(sent, ("mission", "secretary"))
    services.update_branch(by=user, branch=branch, version=branch.version, changes=_branch_values(user, sent))
    branch = _branch(request, branch_id)
    _with_etag(response, branch)
    return _branch_rows(user, [branch])[0]


# --- status rules -----------------------------------------------------------------------------


def _rule_out(rule: StatusRule) -> dict[str, Any]:
    return {
        "id": rule.pk,
        "event_kind": rule.event_kind,
        "after_days": rule.after_days,
        "status": rule.status,
        "is_active": rule.is_active,
        "description": rule.description,
        "version": rule.version,
    }


def _rule(rule_id: int) -> StatusRule:
    rule: StatusRule | None = StatusRule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise Http404
    return rule


@router.get("/status-rules", response=list[RuleOut], summary="Status rules")
def list_status_rules(request: HttpRequest) -> list[dict[str, Any]]:
    """ "An event of this kind sets this status, so many days after the event", by event and delay."""
    return [_rule_out(r) for r in StatusRule.objects.order_by("event_kind", "after_days", "id")]


@router.post("/status-rules", response={201: RuleOut, **ERRORS})
def create_status_rule(
    request: HttpRequest, payload: RuleIn, response: HttpResponse
) -> Status[dict[str, Any]]:
    """Administrators only. Every member's status is then recomputed in the background."""
    services.require_rule_admin(request.user)
    rule = services.save_rule(by=request.user, rule=None, **payload.dict())
    _with_etag(response, rule)
    return Status(201, _rule_out(rule))


@router.patch("/status-rules/{int:rule_id}", response={200: RuleOut, **ERRORS})
def patch_status_rule(
    request: HttpRequest, rule_id: int, payload: RulePatch, response: HttpResponse
) -> dict[str, Any]:
    """Administrators only; send `If-Match` with the rule's ETag."""
    services.require_rule_admin(request.user)
    rule = _rule(rule_id)
    check_if_match(request, rule)
    sent = payload.dict(exclude_unset=True)
    refuse_nulls(sent, ())
    current: dict[str, Any] = {
        "event_kind": rule.event_kind,
        "after_days": rule.after_days,
        "status": rule.status,
        "is_active": rule.is_active,
        "description": rule.description,
    }
    rule = services.save_rule(by=request.user, rule=rule, **(current | sent))
    _with_etag(response, rule)
    return _rule_out(rule)


@router.delete("/status-rules/{int:rule_id}", response={204: None, **ERRORS})
def delete_status_rule(request: HttpRequest, rule_id: int) -> Status[None]:
    """Administrators only."""
    services.require_rule_admin(request.user)
    rule = _rule(rule_id)
    check_if_match(request, rule)
    services.delete_rule(by=request.user, rule=rule)
    return Status(204, None)

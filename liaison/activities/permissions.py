"""Lookups of activities for a user, and the composition rules of delegations, over `core.access`.

An activity's parts (delegations, sessions, sites, outcomes, attachments) follow the activity:
who may read the activity reads them, who may change it changes them. Delegations add one rule
of their own, decided here from the same facts: until the sending organisation's focal point
approves a composition, its members are seen only by the sending side (members of the sending
organisation, its focal points, and those who may change the activity); the hosting side and
other readers see that a delegation exists, not who is in it.
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import Q, QuerySet
from django.http import Http404

from liaison.activities.models import Activity, CompositionStatus, Delegation, FocalPoint
from liaison.core.access import Action, can, can_change, get_for_user, principal_for


def _action(write: bool, delete: bool) -> Action:
    return Action.DELETE if delete else Action.CHANGE if write else Action.READ


def activity_queryset() -> QuerySet[Activity]:
    return Activity.objects.select_related("owner", "lead_organisation", "leader", "city", "country")


def get_activity_for_user(
    user: Any, pk: Any, *, write: bool = False, delete: bool = False, request: Any = None
) -> Activity:
    qs = activity_queryset()
    return get_for_user(user, qs, pk, action=_action(write, delete), request=request)


def get_part_for_user[M](user: Any, model: type[M], pk: Any, *, activity: Activity) -> M:
    """A part (delegation, session, site, …) of an activity the user may change, or 404."""
    part = model.objects.filter(pk=pk, activity=activity).first()  # type: ignore[attr-defined]
    if part is None or not can_change(user, activity):
        raise Http404
    return cast(M, part)


def _focal_point_paths(user: Any) -> list[str]:
    """The paths of the organisations the user is a focal point of: read once per user object (a
    request's), like the rest of the user's access facts."""
    p = principal_for(user)
    if p.user_id is None:
        return []
    cached: list[str] | None = p.cache.get("focal_point_paths")
    if cached is None:
        focal = FocalPoint.objects.filter(user_id=p.user_id)
        cached = list(focal.values_list("organisation__path", flat=True))
        p.cache["focal_point_paths"] = cached
    return cached


def focal_point_organisations_q(user: Any, *, field: str = "path") -> Q:
    """Organisations (by `field` path) for which the user is a designated focal point, or below."""
    q = Q(pk__in=[])
    for path in _focal_point_paths(user):
        q |= Q(**{f"{field}__startswith": path})
    return q


def is_focal_point_for(user: Any, organisation: Any) -> bool:
    p = principal_for(user)
    if p.user_id is None:
        return False
    paths = FocalPoint.objects.filter(user_id=p.user_id).values_list("organisation__path", flat=True)
    return any(organisation.path.startswith(path) for path in paths)


def can_decide_composition(user: Any, delegation: Delegation) -> bool:
    """Approve or return a submitted composition: a focal point of the sending organisation."""
    activity = delegation.activity
    if not can(user, Action.READ, activity):
        return False
    if principal_for(user).is_superuser:
        return True
    return is_focal_point_for(user, delegation.organisation)


def can_see_composition(user: Any, delegation: Delegation) -> bool:
    """May the user see who is in this delegation (see the module's docstring)?"""
    if delegation.composition_status == CompositionStatus.APPROVED:
        return True
    p = principal_for(user)
    if p.is_superuser or can_change(user, delegation.activity):
        return True
    return p.covers(delegation.organisation.path) or is_focal_point_for(user, delegation.organisation)


def approved_or_sending_side_q(user: Any, *, prefix: str = "") -> Q:
    """The same rule as `can_see_composition`, as a filter on delegations (or, with a prefix,
    on records joined to one), given that the user may read the activity; changing the activity
    is checked by the caller, which knows the activity."""
    p = principal_for(user)
    if p.is_superuser:
        return Q()
    q = Q(**{f"{prefix}composition_status": CompositionStatus.APPROVED})
    for s in p.scopes:
        q |= Q(**{f"{prefix}organisation__path__startswith": s.path})
    return q | focal_point_organisations_q(user, field=f"{prefix}organisation__path")


def sees_composition(user: Any, composition_status: str, organisation_path: str) -> bool:
    """`approved_or_sending_side_q` for one delegation, from its status and its sending
    organisation's path (no query beyond the user's focal points, read once per request)."""
    p = principal_for(user)
    if p.is_superuser or composition_status == CompositionStatus.APPROVED:
        return True
    paths = [s.path for s in p.scopes] + _focal_point_paths(user)
    return any(organisation_path.startswith(path) for path in paths)

"""The activities' REST endpoints: the same selectors, services and policy as the pages.

Reads go through `selectors` (the access policy, embargo included) and lookups through
`permissions`: an activity, or a part of one, that the caller may not see answers 404 exactly like
a missing one, and so does a change the caller may not make (as in the Directory API). Every
write is one service call; a refused value answers 400 naming its field (input the schemas
refuse too), a stale `If-Match` 412. Detail responses carry an `ETag`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import File, Form, P, QueryEx, Router, Status
from ninja.files import UploadedFile

from liaison.activities import delegations, programme, records, rows, selectors, services
from liaison.activities.models import (
    Activity,
    Attachment,
    ConferenceSession,
    ConnectedSite,
    Delegation,
    DelegationMember,
    ItineraryStop,
    Outcome,
    SessionParticipant,
    SessionRole,
    SourceLink,
)
from liaison.activities.permissions import get_activity_for_user, get_part_for_user
from liaison.activities.schemas import (
    ActivityDetailOut,
    ActivityIn,
    ActivityListOut,
    ActivityPatch,
    AttachmentOut,
    DecisionIn,
    DelegationIn,
    DelegationOut,
    DelegationPatch,
    MemberIn,
    MemberPatch,
    OutcomeIn,
    OutcomeOut,
    OutcomePatch,
    SessionIn,
    SessionOut,
    SessionPatch,
    SessionPersonIn,
    SiteIn,
    SiteOut,
    SitePatch,
    SourceIn,
    SourceOut,
    StopIn,
    TransitionIn,
)
from liaison.activities.validation import zone
from liaison.core.access import can_change, readable_ids
from liaison.core.api_support import AUTH, ErrorOut, check_if_match, clamp, etag, list_response, refuse_nulls
from liaison.core.htmx import capped_count
from liaison.core.listed_names import names_of
from liaison.core.models import AuditedModel, Classification
from liaison.directory.api_refs import countries as _countries
from liaison.directory.api_refs import country as _country
from liaison.directory.api_refs import organisation as _organisation
from liaison.directory.api_refs import organisations as _organisations
from liaison.directory.models import Country, Locality, Organisation, Person, display_name
from liaison.directory.permissions import get_person_for_user

router = Router(auth=AUTH, tags=["activities"])
ERRORS: dict[int, Any] = {400: ErrorOut, 404: ErrorOut, 412: ErrorOut}
READ_ERRORS: dict[int, Any] = {404: ErrorOut}


# --- output -----------------------------------------------------------------------------------


def _name(record: Organisation | Person, lang: str) -> str:
    return display_name(names_of(record), lang) or record.sort_name


def _ref(record: Organisation | Person | None, lang: str, *, shown: bool = True) -> dict[str, Any] | None:
    """A named reference, or None when there is none or the reader may not see it."""
    if record is None or not shown:
        return None
    return {"id": record.pk, "name": _name(record, lang)}


def _place(locality: Locality | None, lang: str) -> dict[str, Any] | None:
    if locality is None:
        return None
    return {"id": locality.pk, "code": locality.code, "name": locality.name_in(lang)}


def _code(country: Country | None) -> str | None:
    return country.code if country is not None else None


def _username(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def _activity_out(a: Activity, lang: str, *, lead_visible: bool, leader_visible: bool) -> dict[str, Any]:
    return {
        "id": a.pk,
        "kind": a.kind,
        "pillars": a.pillar_list,
        "title": a.title_in(lang),
        "title_en": a.title_en,
        "title_vi": a.title_vi,
        "title_ar": a.title_ar,
        "starts_at": a.starts_at,
        "ends_at": a.ends_at,
        "time_zone": a.time_zone,
        "city": _place(a.city, lang),
        "country": _code(a.country),
        "venue": a.venue,
        "format": a.format,
        "status": a.status,
        "high_level": a.high_level,
        "leader_rank": a.leader_rank,
        "lead_organisation": _ref(a.lead_organisation, lang, shown=lead_visible),
        "leader": _ref(a.leader, lang, shown=leader_visible),
        "classification": Classification(a.classification).name.lower(),
        "embargo_until": a.embargo_until,
        "is_demo": a.is_demo,
        "version": a.version,
        "url": a.get_absolute_url(),
    }


def _member_out(m: DelegationMember, lang: str) -> dict[str, Any]:
    return {
        "id": m.pk,
        "person": _ref(m.person, lang),
        "role": m.role,
        "title": m.title,
        "protocol_order": m.protocol_order,
        "version": m.version,
    }


def _stop_out(s: ItineraryStop, lang: str) -> dict[str, Any]:
    return {
        "id": s.pk,
        "order": s.order,
        "city": _place(s.city, lang),
        "place": s.place,
        "country": _code(s.country),
        "arrives_on": s.arrives_on,
        "leaves_on": s.leaves_on,
        "programme": s.programme,
        "version": s.version,
    }


def _delegation_out(d: Delegation, lang: str, *, may_change: bool) -> dict[str, Any]:
    """Members only for those who may see the composition (approved, or the sending side)."""
    shown = may_change or bool(getattr(d, "members_visible", False))
    return {
        "id": d.pk,
        "side": d.side,
        "organisation": _ref(d.organisation, lang, shown=bool(getattr(d, "organisation_visible", False))),
        "name": d.name,
        "size": d.size,
        "composition_status": d.composition_status,
        "submitted_by": _username(d.submitted_by),
        "submitted_at": d.submitted_at,
        "decided_by": _username(d.decided_by),
        "decided_at": d.decided_at,
        "decision_note": d.decision_note,
        "members": [_member_out(m, lang) for m in d.shown_members] if shown else None,  # type: ignore[attr-defined]
        "members_hidden": not shown,
        "stops": [_stop_out(s, lang) for s in d.stops.all()],
        "version": d.version,
    }


def _session_person_out(p: SessionParticipant, lang: str) -> dict[str, Any]:
    return {"id": p.pk, "person": _ref(p.person, lang), "role": p.role, "order": p.order, "topic": p.topic}


def _session_out(s: ConferenceSession, lang: str) -> dict[str, Any]:
    people = list(s.participants.all())
    return {
        "id": s.pk,
        "kind": s.kind,
        "theme": s.theme_in(lang),
        "theme_en": s.theme_en,
        "theme_vi": s.theme_vi,
        "theme_ar": s.theme_ar,
        "starts_at": s.starts_at,
        "ends_at": s.ends_at,
        "room": s.room,
        "chairs": [_session_person_out(p, lang) for p in people if p.role == SessionRole.CHAIR],
        "speakers": [_session_person_out(p, lang) for p in people if p.role == SessionRole.SPEAKER],
        "version": s.version,
    }


def _site_out(s: ConnectedSite, lang: str) -> dict[str, Any]:
    return {
        "id": s.pk,
        "locality": _place(s.locality, lang),
        "host_organisation": _ref(s.host_organisation, lang, shown=bool(getattr(s, "host_visible", False))),
        "room": s.room,
        "chair": _ref(s.chair, lang, shown=bool(getattr(s, "chair_visible", False))),
        "connection_checked_at": s.connection_checked_at,
        "connection_status": s.connection_status,
        "interpretation": s.interpretation,
        "expected_attendance": s.expected_attendance,
        "attendance": s.attendance,
        "notes": s.notes,
        "version": s.version,
    }


def _outcome_out(o: Outcome, lang: str, *, readable_orgs: set[int]) -> dict[str, Any]:
    return {
        "id": o.pk,
        "kind": o.kind,
        "title": o.title_in(lang),
        "title_en": o.title_en,
        "title_vi": o.title_vi,
        "title_ar": o.title_ar,
        "code": o.code,
        "signed_on": o.signed_on,
        "parties": [_ref(p, lang) for p in o.parties.all()],
        "responsible": _ref(o.responsible, lang, shown=o.responsible_id in readable_orgs),
        "due_on": o.due_on,
        "description": o.description,
        "version": o.version,
    }


def _readable_responsible(user: Any, outcomes: list[Outcome]) -> set[int]:
    """The responsible organisations of these outcomes that the reader may see (one query)."""
    return readable_ids(user, Organisation, (o.responsible_id for o in outcomes))


def _download_url(attachment: Attachment) -> str | None:
    try:
        return reverse("activities:attachment-download", args=[attachment.activity_id, attachment.pk])
    except NoReverseMatch:
        return None


def _attachment_out(a: Attachment) -> dict[str, Any]:
    return {
        "id": a.pk,
        "kind": a.kind,
        "title": a.title,
        "original_name": a.original_name,
        "content_type": a.content_type,
        "size": a.size,
        "sha256": a.sha256,
        "created_at": a.created_at,
        "download_url": _download_url(a),
    }


def _source_out(s: SourceLink) -> dict[str, Any]:
    return {"id": s.pk, "title": s.title, "url": s.url, "reference": s.reference}


def _detail_out(user: Any, activity: Activity) -> dict[str, Any]:
    lang = get_language()
    detail = selectors.activity_detail(user, activity)
    may_change = can_change(user, activity)
    changes = activity.status_changes.select_related("by").order_by("at", "id")
    responsible = _readable_responsible(user, detail.outcomes)
    return _activity_out(
        activity, lang, lead_visible=detail.lead_visible, leader_visible=detail.leader_visible
    ) | {
        "owner_id": activity.owner_id,
        "summary": activity.summary_in(lang),
        "summary_en": activity.summary_en,
        "summary_vi": activity.summary_vi,
        "summary_ar": activity.summary_ar,
        "co_organisers": [_ref(o, lang) for o in detail.co_organisers],
        "counterpart_organisations": [_ref(o, lang) for o in detail.counterparts],
        "counterpart_countries": [
            {"code": c.code, "name": c.name_in(lang)} for c in activity.counterpart_countries.order_by("code")
        ],
        "shared_with": sorted(activity.shared_with.values_list("pk", flat=True)),
        "external_key": activity.external_key,
        "delegations": [_delegation_out(d, lang, may_change=may_change) for d in detail.delegations],
        "sessions": [_session_out(s, lang) for s in detail.sessions],
        "sites": [_site_out(s, lang) for s in detail.sites],
        "outcomes": [_outcome_out(o, lang, readable_orgs=responsible) for o in detail.outcomes],
        "attachments": [_attachment_out(a) for a in activity.attachments.all()],
        "sources": [_source_out(s) for s in activity.sources.all()],
        "status_history": [
            {
                "from_status": c.from_status,
                "to_status": c.to_status,
                "by": _username(c.by),
                "at": c.at,
                "note": c.note,
            }
            for c in changes
        ],
        "allowed_transitions": services.allowed_transitions(user, activity),
        "can_change": may_change,
        "created_at": activity.created_at,
        "updated_at": activity.updated_at,
    }


def _part_out(user: Any, activity: Activity, kind: str, pk: int) -> dict[str, Any]:
    """One part of an activity as the detail shows it to this reader (same filters, same names)."""
    lang = get_language()
    detail = selectors.activity_detail(user, activity)
    if kind == "delegations":
        found = [d for d in detail.delegations if d.pk == pk]
        if found:
            return _delegation_out(found[0], lang, may_change=can_change(user, activity))
    elif kind == "sessions":
        sessions = [s for s in detail.sessions if s.pk == pk]
        if sessions:
            return _session_out(sessions[0], lang)
    elif kind == "sites":
        sites = [s for s in detail.sites if s.pk == pk]
        if sites:
            return _site_out(sites[0], lang)
    elif kind == "outcomes":
        outcomes = [o for o in detail.outcomes if o.pk == pk]
        if outcomes:
            return _outcome_out(outcomes[0], lang, readable_orgs=_readable_responsible(user, outcomes))
    raise Http404


def _with_etag(response: HttpResponse, record: AuditedModel) -> None:
    response["ETag"] = etag(record)


# --- input: ids and codes to records ----------------------------------------------------------


def _person(user: Any, pk: int, field: str) -> Person:
    try:
        return get_person_for_user(user, pk)
    except Http404:
        raise ValidationError({field: [_("No person %(id)s.") % {"id": pk}]}) from None


def _locality(ref: int | str, field: str) -> Locality:
    """A locality by id (a JSON number) or code (a JSON string)."""
    found = (
        Locality.objects.filter(pk=ref).first()
        if isinstance(ref, int)
        else Locality.objects.filter(code=ref).first()
    )
    if found is None:
        raise ValidationError({field: [_("No locality %(ref)s.") % {"ref": ref}]})
    return found


# Any offset is less than a day, so a moment this far from the calendar's ends converts safely.
_EDGE = dt.timedelta(days=2)


def _aware(value: dt.datetime | None, time_zone: str, field: str) -> dt.datetime | None:
    """A date-time sent without a UTC offset is read in the activity's time zone."""
    if value is None:
        return None
    if not dt.datetime.min + _EDGE <= value.replace(tzinfo=None) <= dt.datetime.max - _EDGE:
        raise ValidationError({field: [_("This date is out of range.")]})
    if value.utcoffset() is not None:
        return value
    return value.replace(tzinfo=zone(time_zone))


def _resolved(values: dict[str, Any], resolve: Callable[[str, Any], Any]) -> dict[str, Any]:
    """Each value through `resolve`, every field's errors reported together."""
    out: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for key, value in values.items():
        try:
            out[key] = resolve(key, value)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return out


_ACTIVITY_NULLABLE = (
    "city",
    "country",
    "leader",
    "leader_rank",
    "embargo_until",
    "co_organisers",
    "counterpart_organisations",
    "counterpart_countries",
    "shared_with",
)


def _activity_values(user: Any, values: dict[str, Any], time_zone: str) -> dict[str, Any]:
    """API values as `services.ActivityInput` takes them."""

    def resolve(key: str, value: Any) -> Any:
        if key in ("lead_organisation", "owner"):
            return None if value is None else _organisation(user, value, key)
        if key in ("co_organisers", "counterpart_organisations", "shared_with"):
            return _organisations(user, value or [], key)
        if key == "counterpart_countries":
            return _countries(value or [], key)
        if key == "country":
            return _country(value, key) if value else None
        if key == "city":
            return None if value is None else _locality(value, key)
        if key == "leader":
            return None if value is None else _person(user, value, key)
        if key in ("starts_at", "ends_at", "embargo_until"):
            return _aware(value, time_zone, key)
        if key == "leader_rank":
            return value or ""
        if key == "pillars":
            return list(value)
        return value

    return _resolved(values, resolve)


# --- activities -------------------------------------------------------------------------------


@router.get("", response={200: ActivityListOut, 400: ErrorOut}, summary="List and search activities")
def list_activities(
    request: HttpRequest,
    q: str = "",
    pillar: str = "",
    kind: QueryEx[list[str], P(description="Repeat, or separate with commas.")] = [],  # noqa: B006
    organisation: QueryEx[str, P(description="An organisation id: led or co-organised by it or below.")] = "",
    country: QueryEx[str, P(description="ISO 3166 code: where, or a counterpart country.")] = "",
    level: QueryEx[str, P(description="`high` for high-level activities only.")] = "",
    status: str = "",
    date_from: QueryEx[str, P(alias="from", description="YYYY-MM-DD, a day of the site's time zone.")] = "",
    date_to: QueryEx[str, P(alias="to", description="YYYY-MM-DD, a day of the site's time zone.")] = "",
    group: QueryEx[str, P(description=", ".join(selectors.GROUPS))] = "",
    person: QueryEx[str, P(description="A person id: taking part in any capacity.")] = "",
    sort: QueryEx[str, P(description=", ".join(selectors.SORTS))] = "-start",
    limit: int = 50,
    offset: int = 0,
) -> HttpResponse:
    """The same filters as the list page (unknown values are ignored, not refused); `q` goes
    through the shared name matcher (people and organisations, any spelling) and the text."""
    limit, offset = clamp(limit, offset)
    filters = selectors.filters_from(request.GET)
    values, counted, first = rows.activity_values(request.user, filters)
    count, exact = capped_count(counted, first=first)
    items = rows.activity_rows(request.user, values[offset : offset + limit], get_language())
    return list_response(count=count, exact=exact, limit=limit, offset=offset, items=items)


@router.post("", response={201: ActivityDetailOut, **ERRORS}, summary="Create an activity")
def create_activity(
    request: HttpRequest, payload: ActivityIn, response: HttpResponse
) -> Status[dict[str, Any]]:
    """A date-time without a UTC offset is read in `time_zone`."""
    user = request.user
    values = _activity_values(user, payload.dict(), payload.time_zone)
    activity = services.create_activity(by=user, data=services.ActivityInput(**values))
    activity = get_activity_for_user(user, activity.pk, request=request)  # as stored, like a read
    _with_etag(response, activity)
    response["Location"] = reverse("api:activity", args=[activity.pk])
    return Status(201, _detail_out(user, activity))


@router.get("/{int:activity_id}", response={200: ActivityDetailOut, **READ_ERRORS}, url_name="activity")
def get_activity(request: HttpRequest, activity_id: int, response: HttpResponse) -> dict[str, Any]:
    """Delegations' members show only to those who may see the composition (`members_hidden`)."""
    activity = get_activity_for_user(request.user, activity_id, request=request)
    _with_etag(response, activity)
    return _detail_out(request.user, activity)


@router.patch("/{int:activity_id}", response={200: ActivityDetailOut, **ERRORS})
def patch_activity(
    request: HttpRequest, activity_id: int, payload: ActivityPatch, response: HttpResponse
) -> dict[str, Any]:
    """Send `If-Match` with the ETag you read; a stale one answers 412. Only the fields sent change."""
    user = request.user
    activity = get_activity_for_user(user, activity_id, write=True, request=request)
    check_if_match(request, activity)
    sent = payload.dict(exclude_unset=True)
    refuse_nulls(sent, _ACTIVITY_NULLABLE)
    changes = _activity_values(user, sent, sent.get("time_zone") or activity.time_zone)
    activity = services.update_activity(by=user, activity=activity, version=activity.version, changes=changes)
    activity = get_activity_for_user(user, activity.pk, request=request)  # as stored, like a read
    _with_etag(response, activity)
    return _detail_out(user, activity)


@router.delete("/{int:activity_id}", response={204: None, **ERRORS})
def delete_activity(request: HttpRequest, activity_id: int) -> Status[None]:
    activity = get_activity_for_user(request.user, activity_id, delete=True, request=request)
    check_if_match(request, activity)
    services.delete_activity(by=request.user, activity=activity)
    return Status(204, None)


@router.post("/{int:activity_id}/status", response={200: ActivityDetailOut, **ERRORS})
def transition(
    request: HttpRequest, activity_id: int, payload: TransitionIn, response: HttpResponse
) -> dict[str, Any]:
    """Move the activity to another status (see `allowed_transitions` in its detail); approving
    or cancelling needs a coordinator, other moves an editor."""
    user = request.user
    activity = get_activity_for_user(user, activity_id, request=request)
    check_if_match(request, activity)
    try:
        activity = services.transition(by=user, activity=activity, to_status=payload.to, note=payload.note)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        raise ValidationError({"to" if k == "status" else k: v for k, v in errors.items()}) from None
    _with_etag(response, activity)
    return _detail_out(user, activity)


# --- parts: lookups ---------------------------------------------------------------------------


def _writable(request: HttpRequest, activity_id: int) -> Activity:
    return get_activity_for_user(request.user, activity_id, write=True, request=request)


def _part[M: (Delegation, ConferenceSession, ConnectedSite, Outcome, Attachment, SourceLink)](
    request: HttpRequest, model: type[M], activity_id: int, pk: int
) -> M:
    """A part of an activity the user may change; a part of a hidden activity is 404 too."""
    activity = _writable(request, activity_id)
    part = get_part_for_user(request.user, model, pk, activity=activity)
    part.activity = activity
    return part


def _delegation(request: HttpRequest, activity_id: int, delegation_id: int) -> Delegation:
    return _part(request, Delegation, activity_id, delegation_id)


def _member(request: HttpRequest, activity_id: int, delegation_id: int, member_id: int) -> DelegationMember:
    delegation = _delegation(request, activity_id, delegation_id)
    member: DelegationMember | None = DelegationMember.objects.filter(
        pk=member_id, delegation=delegation
    ).first()
    if member is None:
        raise Http404
    member.delegation = delegation
    return member


def _session(request: HttpRequest, activity_id: int, session_id: int) -> ConferenceSession:
    return _part(request, ConferenceSession, activity_id, session_id)


# --- delegations ------------------------------------------------------------------------------


def _delegation_input(user: Any, values: dict[str, Any]) -> delegations.DelegationInput:
    values = _resolved(values, lambda k, v: _organisation(user, v, k) if k == "organisation" else v)
    return delegations.DelegationInput(**values)


@router.post("/{int:activity_id}/delegations", response={201: DelegationOut, **ERRORS})
def add_delegation(
    request: HttpRequest, activity_id: int, payload: DelegationIn, response: HttpResponse
) -> Status[dict[str, Any]]:
    user = request.user
    activity = _writable(request, activity_id)
    delegation = delegations.add_delegation(
        by=user, activity=activity, data=_delegation_input(user, payload.dict())
    )
    _with_etag(response, delegation)
    return Status(201, _part_out(user, activity, "delegations", delegation.pk))


@router.patch("/{int:activity_id}/delegations/{int:delegation_id}", response={200: DelegationOut, **ERRORS})
def patch_delegation(
    request: HttpRequest,
    activity_id: int,
    delegation_id: int,
    payload: DelegationPatch,
    response: HttpResponse,
) -> dict[str, Any]:
    """Send `If-Match` with the delegation's ETag; changing the sending organisation puts an
    approved composition back to draft."""
    user = request.user
    delegation = _delegation(request, activity_id, delegation_id)
    check_if_match(request, delegation)
    sent = payload.dict(exclude_unset=True)
    refuse_nulls(sent, ("size",))
    current = {"organisation": delegation.organisation_id, "side": delegation.side, "name": delegation.name}
    current["size"] = delegation.size
    data = _delegation_input(user, current | sent)
    delegation = delegations.update_delegation(
        by=user, delegation=delegation, data=data, version=delegation.version
    )
    _with_etag(response, delegation)
    return _part_out(user, delegation.activity, "delegations", delegation.pk)


@router.delete("/{int:activity_id}/delegations/{int:delegation_id}", response={204: None, **ERRORS})
def delete_delegation(request: HttpRequest, activity_id: int, delegation_id: int) -> Status[None]:
    delegation = _delegation(request, activity_id, delegation_id)
    check_if_match(request, delegation)
    delegations.delete_delegation(by=request.user, delegation=delegation)
    return Status(204, None)


def _member_input(user: Any, values: dict[str, Any]) -> delegations.MemberInput:
    def resolve(key: str, value: Any) -> Any:
        if key == "person" and not isinstance(value, Person):
            return _person(user, value, key)
        return value

    return delegations.MemberInput(**_resolved(values, resolve))


@router.post(
    "/{int:activity_id}/delegations/{int:delegation_id}/members", response={201: DelegationOut, **ERRORS}
)
def add_member(
    request: HttpRequest, activity_id: int, delegation_id: int, payload: MemberIn, response: HttpResponse
) -> Status[dict[str, Any]]:
    """Adding a member puts a submitted or approved composition back to draft."""
    user = request.user
    delegation = _delegation(request, activity_id, delegation_id)
    delegations.add_member(by=user, delegation=delegation, data=_member_input(user, payload.dict()))
    _with_etag(response, delegation)
    return Status(201, _part_out(user, delegation.activity, "delegations", delegation.pk))


@router.patch(
    "/{int:activity_id}/delegations/{int:delegation_id}/members/{int:member_id}",
    response={200: DelegationOut, **ERRORS},
)
def patch_member(
    request: HttpRequest,
    activity_id: int,
    delegation_id: int,
    member_id: int,
    payload: MemberPatch,
    response: HttpResponse,
) -> dict[str, Any]:
    """Send `If-Match` with the member's version (`"N"`) to refuse a stale change."""
    user = request.user
    member = _member(request, activity_id, delegation_id, member_id)
    check_if_match(request, member)
    sent = payload.dict(exclude_unset=True)
    refuse_nulls(sent, ("protocol_order",))
    current = {
        "person": member.person,
        "role": member.role,
        "title": member.title,
        "protocol_order": member.protocol_order,
    }
    delegations.update_member(by=user, member=member, data=_member_input(user, current | sent))
    delegation = member.delegation
    _with_etag(response, delegation)
    return _part_out(user, delegation.activity, "delegations", delegation.pk)


@router.delete(
    "/{int:activity_id}/delegations/{int:delegation_id}/members/{int:member_id}",
    response={204: None, **ERRORS},
)
def remove_member(request: HttpRequest, activity_id: int, delegation_id: int, member_id: int) -> Status[None]:
    member = _member(request, activity_id, delegation_id, member_id)
    check_if_match(request, member)
    delegations.remove_member(by=request.user, member=member)
    return Status(204, None)


@router.post(
    "/{int:activity_id}/delegations/{int:delegation_id}/submit", response={200: DelegationOut, **ERRORS}
)
def submit_composition(
    request: HttpRequest, activity_id: int, delegation_id: int, response: HttpResponse
) -> dict[str, Any]:
    """Submit the composition to the sending organisation's focal points for approval."""
    user = request.user
    delegation = _delegation(request, activity_id, delegation_id)
    delegation = delegations.submit_composition(by=user, delegation=delegation)
    _with_etag(response, delegation)
    return _part_out(user, delegation.activity, "delegations", delegation.pk)


@router.post(
    "/{int:activity_id}/delegations/{int:delegation_id}/decision", response={200: DelegationOut, **ERRORS}
)
def decide_composition(
    request: HttpRequest, activity_id: int, delegation_id: int, payload: DecisionIn, response: HttpResponse
) -> dict[str, Any]:
    """A focal point of the sending organisation approves the submitted composition, or returns
    it with a note saying what must change. Others answer 404."""
    user = request.user
    activity = get_activity_for_user(user, activity_id, request=request)
    delegation = Delegation.objects.filter(pk=delegation_id, activity=activity).first()
    if delegation is None:
        raise Http404
    delegation.activity = activity
    delegation = delegations.decide_composition(
        by=user, delegation=delegation, approve=payload.approve, note=payload.note
    )
    _with_etag(response, delegation)
    return _part_out(user, activity, "delegations", delegation.pk)


@router.post(
    "/{int:activity_id}/delegations/{int:delegation_id}/stops", response={201: DelegationOut, **ERRORS}
)
def add_stop(
    request: HttpRequest, activity_id: int, delegation_id: int, payload: StopIn, response: HttpResponse
) -> Status[dict[str, Any]]:
    """`city` is a locality id (number) or code (string); or name the `place`."""
    user = request.user
    delegation = _delegation(request, activity_id, delegation_id)

    def resolve(key: str, value: Any) -> Any:
        if key == "city":
            return None if value is None else _locality(value, key)
        if key == "country":
            return _country(value, key) if value else None
        return value

    data = delegations.StopInput(**_resolved(payload.dict(), resolve))
    delegations.add_stop(by=user, delegation=delegation, data=data)
    _with_etag(response, delegation)
    return Status(201, _part_out(user, delegation.activity, "delegations", delegation.pk))


@router.delete(
    "/{int:activity_id}/delegations/{int:delegation_id}/stops/{int:stop_id}",
    response={204: None, **ERRORS},
)
def remove_stop(request: HttpRequest, activity_id: int, delegation_id: int, stop_id: int) -> Status[None]:
    delegation = _delegation(request, activity_id, delegation_id)
    stop = delegation.stops.filter(pk=stop_id).first()
    if stop is None:
        raise Http404
    stop.delegation = delegation
    delegations.remove_stop(by=request.user, stop=stop)
    return Status(204, None)


# --- conference programme ---------------------------------------------------------------------


def _session_input(activity: Activity, values: dict[str, Any]) -> programme.SessionInput:
    for key in ("starts_at", "ends_at"):
        values[key] = _aware(values[key], activity.time_zone, key)
    return programme.SessionInput(**values)


@router.post("/{int:activity_id}/sessions", response={201: SessionOut, **ERRORS})
def add_session(
    request: HttpRequest, activity_id: int, payload: SessionIn, response: HttpResponse
) -> Status[dict[str, Any]]:
    """A session must take place within the conference; a date-time without a UTC offset is
    read in the activity's time zone."""
    user = request.user
    activity = _writable(request, activity_id)
    session = programme.add_session(by=user, activity=activity, data=_session_input(activity, payload.dict()))
    _with_etag(response, session)
    return Status(201, _part_out(user, activity, "sessions", session.pk))


@router.patch("/{int:activity_id}/sessions/{int:session_id}", response={200: SessionOut, **ERRORS})
def patch_session(
    request: HttpRequest, activity_id: int, session_id: int, payload: SessionPatch, response: HttpResponse
) -> dict[str, Any]:
    """Send `If-Match` with the session's ETag."""
    user = request.user
    session = _session(request, activity_id, session_id)
    check_if_match(request, session)
    sent = payload.dict(exclude_unset=True)
    refuse_nulls(sent, ())
    current = {
        name: getattr(session, name)
        for name in ("starts_at", "ends_at", "kind", "theme_en", "theme_vi", "theme_ar", "room")
    }
    data = _session_input(session.activity, current | sent)
    session = programme.update_session(by=user, session=session, data=data, version=session.version)
    _with_etag(response, session)
    return _part_out(user, session.activity, "sessions", session.pk)


@router.delete("/{int:activity_id}/sessions/{int:session_id}", response={204: None, **ERRORS})
def delete_session(request: HttpRequest, activity_id: int, session_id: int) -> Status[None]:
    session = _session(request, activity_id, session_id)
    check_if_match(request, session)
    programme.delete_session(by=request.user, session=session)
    return Status(204, None)


@router.post("/{int:activity_id}/sessions/{int:session_id}/people", response={201: SessionOut, **ERRORS})
def add_session_person(
    request: HttpRequest, activity_id: int, session_id: int, payload: SessionPersonIn
) -> Status[dict[str, Any]]:
    """A chair or a speaker of the session."""
    user = request.user
    session = _session(request, activity_id, session_id)
    values = _resolved(payload.dict(), lambda k, v: _person(user, v, k) if k == "person" else v)
    programme.add_session_person(by=user, session=session, data=programme.SessionPersonInput(**values))
    return Status(201, _part_out(user, session.activity, "sessions", session.pk))


@router.delete(
    "/{int:activity_id}/sessions/{int:session_id}/people/{int:participant_id}", response={204: None, **ERRORS}
)
def remove_session_person(
    request: HttpRequest, activity_id: int, session_id: int, participant_id: int
) -> Status[None]:
    session = _session(request, activity_id, session_id)
    participant = session.participants.filter(pk=participant_id).first()
    if participant is None:
        raise Http404
    participant.session = session
    programme.remove_session_person(by=request.user, participant=participant)
    return Status(204, None)


_SITE_FIELDS = (
    "locality",
    "host_organisation",
    "room",
    "chair",
    "connection_checked_at",
    "connection_status",
    "interpretation",
    "expected_attendance",
    "attendance",
    "notes",
)


def _site_input(user: Any, activity: Activity, values: dict[str, Any]) -> programme.SiteInput:
    def resolve(key: str, value: Any) -> Any:
        if key == "locality":
            return value if isinstance(value, Locality) else _locality(value, key)
        if key == "host_organisation":
            return None if value is None else _organisation(user, value, key)
        if key == "chair":
            return None if value is None else _person(user, value, key)
        if key == "connection_checked_at":
            return _aware(value, activity.time_zone, key)
        return value

    return programme.SiteInput(**_resolved(values, resolve))


@router.post("/{int:activity_id}/sites", response={201: SiteOut, **ERRORS})
def add_site(
    request: HttpRequest, activity_id: int, payload: SiteIn, response: HttpResponse
) -> Status[dict[str, Any]]:
    """A bridge point of an online or hybrid activity; `locality` is an id (number) or code
    (string) of a locality that existed on the activity's date."""
    user = request.user
    activity = _writable(request, activity_id)
    site = programme.add_site(by=user, activity=activity, data=_site_input(user, activity, payload.dict()))
    _with_etag(response, site)
    return Status(201, _part_out(user, activity, "sites", site.pk))


@router.patch("/{int:activity_id}/sites/{int:site_id}", response={200: SiteOut, **ERRORS})
def patch_site(
    request: HttpRequest, activity_id: int, site_id: int, payload: SitePatch, response: HttpResponse
) -> dict[str, Any]:
    """Send `If-Match` with the site's ETag."""
    user = request.user
    site = _part(request, ConnectedSite, activity_id, site_id)
    check_if_match(request, site)
    sent = payload.dict(exclude_unset=True)
    refuse_nulls(
        sent, ("host_organisation", "chair", "connection_checked_at", "expected_attendance", "attendance")
    )
    current: dict[str, Any] = {name: getattr(site, name) for name in _SITE_FIELDS}
    for key in ("host_organisation", "chair"):
        current[key] = getattr(site, f"{key}_id")
    data = _site_input(user, site.activity, current | sent)
    site = programme.update_site(by=user, site=site, data=data, version=site.version)
    _with_etag(response, site)
    return _part_out(user, site.activity, "sites", site.pk)


@router.delete("/{int:activity_id}/sites/{int:site_id}", response={204: None, **ERRORS})
def delete_site(request: HttpRequest, activity_id: int, site_id: int) -> Status[None]:
    site = _part(request, ConnectedSite, activity_id, site_id)
    check_if_match(request, site)
    programme.delete_site(by=request.user, site=site)
    return Status(204, None)


# --- outcomes, attachments, sources -----------------------------------------------------------

_OUTCOME_FIELDS = (
    "kind",
    "title_en",
    "title_vi",
    "title_ar",
    "code",
    "signed_on",
    "responsible",
    "due_on",
    "description",
)


def _outcome_input(user: Any, values: dict[str, Any]) -> records.OutcomeInput:
    def resolve(key: str, value: Any) -> Any:
        if key == "responsible":
            return None if value is None else _organisation(user, value, key)
        if key == "parties":
            return _organisations(user, value or [], key)
        return value

    return records.OutcomeInput(**_resolved(values, resolve))


@router.post("/{int:activity_id}/outcomes", response={201: OutcomeOut, **ERRORS})
def add_outcome(
    request: HttpRequest, activity_id: int, payload: OutcomeIn, response: HttpResponse
) -> Status[dict[str, Any]]:
    user = request.user
    activity = _writable(request, activity_id)
    outcome = records.add_outcome(by=user, activity=activity, data=_outcome_input(user, payload.dict()))
    _with_etag(response, outcome)
    return Status(201, _part_out(user, activity, "outcomes", outcome.pk))


@router.patch("/{int:activity_id}/outcomes/{int:outcome_id}", response={200: OutcomeOut, **ERRORS})
def patch_outcome(
    request: HttpRequest, activity_id: int, outcome_id: int, payload: OutcomePatch, response: HttpResponse
) -> dict[str, Any]:
    """Send `If-Match` with the outcome's ETag."""
    user = request.user
    outcome = _part(request, Outcome, activity_id, outcome_id)
    check_if_match(request, outcome)
    sent = payload.dict(exclude_unset=True)
    refuse_nulls(sent, ("signed_on", "responsible", "due_on", "parties"))
    current: dict[str, Any] = {name: getattr(outcome, name) for name in _OUTCOME_FIELDS}
    current["responsible"] = outcome.responsible_id
    current["parties"] = list(outcome.parties.values_list("pk", flat=True))
    data = _outcome_input(user, current | sent)
    outcome = records.update_outcome(by=user, outcome=outcome, data=data, version=outcome.version)
    _with_etag(response, outcome)
    return _part_out(user, outcome.activity, "outcomes", outcome.pk)


@router.delete("/{int:activity_id}/outcomes/{int:outcome_id}", response={204: None, **ERRORS})
def delete_outcome(request: HttpRequest, activity_id: int, outcome_id: int) -> Status[None]:
    outcome = _part(request, Outcome, activity_id, outcome_id)
    check_if_match(request, outcome)
    records.delete_outcome(by=request.user, outcome=outcome)
    return Status(204, None)


@router.post("/{int:activity_id}/attachments", response={201: AttachmentOut, **ERRORS})
def add_attachment(
    request: HttpRequest,
    activity_id: int,
    file: File[UploadedFile],
    kind: Form[str] = "other",
    title: Form[str] = "",
) -> Status[dict[str, Any]]:
    """A multipart upload (`file`, `kind`, `title`); the type is recognised from the content
    (PDF, images, office documents, UTF-8 text) and the size is limited."""
    activity = _writable(request, activity_id)
    attachment = records.add_attachment(
        by=request.user, activity=activity, upload=file, kind=kind, title=title
    )
    return Status(201, _attachment_out(attachment))


@router.delete("/{int:activity_id}/attachments/{int:attachment_id}", response={204: None, **ERRORS})
def delete_attachment(request: HttpRequest, activity_id: int, attachment_id: int) -> Status[None]:
    attachment = _part(request, Attachment, activity_id, attachment_id)
    records.delete_attachment(by=request.user, attachment=attachment)
    return Status(204, None)


@router.post("/{int:activity_id}/sources", response={201: SourceOut, **ERRORS})
def add_source(request: HttpRequest, activity_id: int, payload: SourceIn) -> Status[dict[str, Any]]:
    activity = _writable(request, activity_id)
    source = records.add_source(by=request.user, activity=activity, **payload.dict())
    return Status(201, _source_out(source))


@router.delete("/{int:activity_id}/sources/{int:source_id}", response={204: None, **ERRORS})
def delete_source(request: HttpRequest, activity_id: int, source_id: int) -> Status[None]:
    source = _part(request, SourceLink, activity_id, source_id)
    records.delete_source(by=request.user, source=source)
    return Status(204, None)


# Counts, warnings and calendar (api_reports); exports (api_feeds). Mounted last so their fixed
# paths ("/counts", "/export") are not taken for an activity id.
from liaison.activities.api_feeds import router as feeds_router  # noqa: E402
from liaison.activities.api_reports import router as reports_router  # noqa: E402

router.add_router("", reports_router)
router.add_router("", feeds_router)

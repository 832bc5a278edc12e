"""The Directory's REST endpoints: the same selectors, services and policy as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import get_language
from ninja import Router, Status
from ninja.errors import HttpError

from liaison.core import name_index
from liaison.core.access import can_read, visible
from liaison.core.api_support import AUTH, ErrorOut, check_if_match, clamp, etag, list_response
from liaison.core.htmx import capped_count
from liaison.core.listed_names import names_of
from liaison.core.models import Classification
from liaison.directory import rows, selectors, services
from liaison.directory.models import (
    Country,
    Locality,
    Organisation,
    Person,
    Position,
    display_name,
)
from liaison.directory.permissions import (
    get_organisation_for_user,
    get_person_for_user,
    get_position_for_user,
)
from liaison.directory.schemas import (
    CountryOut,
    HistoryOut,
    LocalityOut,
    MandateIn,
    MatchOut,
    NameIn,
    OrganisationDetailOut,
    OrganisationIn,
    OrganisationListOut,
    OrganisationPatch,
    PersonDetailOut,
    PersonIn,
    PersonListOut,
    PersonNameIn,
    PersonPatch,
    PositionIn,
)

router = Router(auth=AUTH, tags=["directory"])
ERRORS: dict[int, Any] = {400: ErrorOut, 404: ErrorOut, 412: ErrorOut}


# --- output -----------------------------------------------------------------------------------


def _org_ref(org: Organisation | None, lang: str) -> dict[str, Any] | None:
    if org is None:
        return None
    return {"id": org.pk, "name": display_name(names_of(org), lang) or org.sort_name}


def _parent_visible(org: Organisation) -> bool:
    """Lists annotate `parent_visible`; a detail response sets it from the policy."""
    return org.parent_id is not None and bool(getattr(org, "parent_visible", False))


def _org_out(org: Organisation, lang: str) -> dict[str, Any]:
    return {
        "id": org.pk,
        "name": display_name(names_of(org), lang) or org.sort_name,
        "parent": {"id": org.parent.pk, "name": org.parent.sort_name}
        if org.parent is not None and _parent_visible(org)
        else None,
        "pillar": org.pillar,
        "kind": org.kind,
        "country": org.country.code if org.country else None,
        "locality": org.locality.code if org.locality_id and org.locality else None,
        "valid_from": org.valid_from,
        "valid_to": org.valid_to,
        "classification": Classification(org.classification).name.lower(),
        "version": org.version,
        "url": reverse("directory:organisation-detail", args=[org.pk]),
    }


def _name_out(n: Any) -> dict[str, Any]:
    out = {
        "id": n.pk,
        "value": n.value,
        "language": n.language,
        "script": n.script,
        "kind": n.kind,
        "valid_from": n.valid_from,
        "valid_to": n.valid_to,
        "source": n.source,
    }
    if hasattr(n, "family"):
        out |= {"family": n.family, "given": n.given}
    return out


def _org_detail(org: Organisation, lang: str, user: Any) -> dict[str, Any]:
    org.parent_visible = org.parent is not None and can_read(user, org.parent)  # type: ignore[attr-defined]
    return _org_out(org, lang) | {
        "owner_id": org.owner_id,
        "names": [_name_out(n) for n in org.names.all()],
        "mandates": [
            {"id": m.pk, "field": m.field, "role": m.role, "start": m.start, "end": m.end, "source": m.source}
            for m in org.mandates.all()
        ],
        "email": org.email,
        "phone": org.phone,
        "website": org.website,
        "address": org.address,
        "notes": org.notes,
        "shared_with": [o.pk for o in org.shared_with.all()],
        "updated_at": org.updated_at,
    }


def _position_out(p: Position, lang: str) -> dict[str, Any]:
    return {
        "id": p.pk,
        "organisation": _org_ref(p.organisation, lang),
        "title": p.title_in(lang),
        "title_en": p.title_en,
        "title_vi": p.title_vi,
        "title_ar": p.title_ar,
        "start": p.start,
        "end": p.end,
        "source": p.source,
    }


def _person_out(person: Person, lang: str, current: list[Position]) -> dict[str, Any]:
    """`current`: the person's current positions the reader may see (the selectors filter them)."""
    return {
        "id": person.pk,
        "name": display_name(names_of(person), lang) or person.sort_name,
        "nationality": person.nationality.code if person.nationality else None,
        "classification": Classification(person.classification).name.lower(),
        "version": person.version,
        "url": reverse("directory:person-detail", args=[person.pk]),
        "current_positions": [_position_out(p, lang) for p in current],
    }


def _person_detail(person: Person, lang: str, user: Any) -> dict[str, Any]:
    positions = list(selectors.person_positions(user, person))
    return _person_out(person, lang, [p for p in positions if p.end is None]) | {
        "owner_id": person.owner_id,
        "names": [_name_out(n) for n in person.names.all()],
        "positions": [_position_out(p, lang) for p in positions],
        "gender": person.gender,
        "birth_date": person.birth_date,
        "death_date": person.death_date,
        "languages": person.languages,
        "notes": person.notes,
        "shared_with": [o.pk for o in person.shared_with.all()],
        "updated_at": person.updated_at,
    }


def _with_etag(response: HttpResponse, record: Any) -> None:
    response["ETag"] = etag(record)


# --- input helpers ----------------------------------------------------------------------------


def _country(code: str | None) -> Country | None:
    if not code:
        return None
    country = Country.objects.filter(code=code.upper()).first()
    if country is None:
        raise ValidationError({"country": [f"Unknown ISO 3166 country code “{code}”."]})
    return country


def _locality(code: str | None) -> Locality | None:
    if not code:
        return None
    locality = Locality.objects.filter(code=code).first()
    if locality is None:
        raise ValidationError({"locality": [f"Unknown locality code “{code}”."]})
    return locality


def _organisation(user: Any, pk: int | None, field: str) -> Organisation | None:
    if pk is None:
        return None
    try:
        return get_organisation_for_user(user, pk)
    except Http404:
        raise ValidationError({field: [f"No organisation {pk}."]}) from None


def _organisations(user: Any, ids: list[int], field: str) -> list[Organisation]:
    found = list(visible(user, Organisation.objects.filter(pk__in=ids)))
    missing = sorted(set(ids) - {o.pk for o in found})
    if missing:
        raise ValidationError({field: [f"No organisation {pk}." for pk in missing]})
    return found


def _names(items: list[Any]) -> list[services.NameInput]:
    return [services.NameInput(**item.dict()) for item in items]


# --- organisations ----------------------------------------------------------------------------


@router.get("/organisations", response=OrganisationListOut, summary="List and search organisations")
def list_organisations(
    request: HttpRequest,
    q: str = "",
    text: str = "",
    pillar: str = "",
    kind: str = "",
    country: str = "",
    parent: int | None = None,
    on: dt.date | None = None,
    sort: str = "name",
    limit: int = 50,
    offset: int = 0,
) -> HttpResponse:
    """`q` goes through the shared name matcher: any spelling, any script."""
    limit, offset = clamp(limit, offset)
    filters = selectors.OrganisationFilters(
        q=q[:200],
        text=text[:200],
        pillar=pillar,
        kind=kind,
        country=country[:2],
        parent=parent,
        valid_on=on,
        sort=sort,
    )
    listed = rows.organisation_list(request.user, filters)
    count, exact = capped_count(listed)
    items = rows.organisation_rows(request.user, listed[offset : offset + limit], get_language())
    return list_response(count=count, exact=exact, limit=limit, offset=offset, items=items)


@router.post("/organisations", response={201: OrganisationDetailOut, **ERRORS})
def create_organisation(request: HttpRequest, payload: OrganisationIn) -> Status[dict[str, Any]]:
    user = request.user
    org = services.create_organisation(
        by=user,
        data=services.OrganisationInput(
            parent=_organisation(user, payload.parent_id, "parent_id"),
            pillar=payload.pillar,
            kind=payload.kind,
            country=_country(payload.country),
            locality=_locality(payload.locality),
            valid_from=payload.valid_from,
            valid_to=payload.valid_to,
            email=payload.email,
            phone=payload.phone,
            website=payload.website,
            address=payload.address,
            notes=payload.notes,
            classification=payload.classification,
            shared_with=_organisations(user, payload.shared_with, "shared_with"),
        ),
        names=_names(payload.names),
    )
    return Status(201, _org_detail(org, get_language(), request.user))


@router.get("/organisations/{organisation_id}", response={200: OrganisationDetailOut, 404: ErrorOut})
def get_organisation(request: HttpRequest, organisation_id: int, response: HttpResponse) -> dict[str, Any]:
    org = get_organisation_for_user(request.user, organisation_id, request=request)
    _with_etag(response, org)
    return _org_detail(org, get_language(), request.user)


@router.patch("/organisations/{organisation_id}", response={200: OrganisationDetailOut, **ERRORS})
def patch_organisation(
    request: HttpRequest, organisation_id: int, payload: OrganisationPatch, response: HttpResponse
) -> dict[str, Any]:
    """Send `If-Match` with the ETag you read; a stale one answers 412."""
    user = request.user
    org = get_organisation_for_user(user, organisation_id, write=True, request=request)
    check_if_match(request, org)
    sent = payload.dict(exclude_unset=True)
    changes: dict[str, Any] = {}
    for key, value in sent.items():
        if key == "parent_id":
            changes["parent"] = _organisation(user, value, "parent_id")
        elif key == "country":
            changes["country"] = _country(value)
        elif key == "locality":
            changes["locality"] = _locality(value)
        elif key == "shared_with":
            changes["shared_with"] = _organisations(user, value or [], "shared_with")
        elif value is None and key in {
            "pillar",
            "kind",
            "classification",
            "email",
            "phone",
            "website",
            "address",
            "notes",
        }:
            raise ValidationError({key: ["This field cannot be empty."]})
        else:
            changes[key] = value
    org = services.update_organisation(by=user, organisation=org, version=org.version, changes=changes)
    _with_etag(response, org)
    return _org_detail(org, get_language(), request.user)


@router.delete("/organisations/{organisation_id}", response={204: None, **ERRORS})
def delete_organisation(request: HttpRequest, organisation_id: int) -> Status[None]:
    org = get_organisation_for_user(request.user, organisation_id, delete=True, request=request)
    check_if_match(request, org)
    services.delete_organisation(by=request.user, organisation=org)
    return Status(204, None)


@router.post("/organisations/{organisation_id}/names", response={201: OrganisationDetailOut, **ERRORS})
def add_organisation_name(
    request: HttpRequest, organisation_id: int, payload: NameIn
) -> Status[dict[str, Any]]:
    org = get_organisation_for_user(request.user, organisation_id, write=True, request=request)
    services.add_organisation_name(
        by=request.user, organisation=org, name=services.NameInput(**payload.dict())
    )
    org.refresh_from_db()
    return Status(201, _org_detail(org, get_language(), request.user))


@router.delete("/organisations/{organisation_id}/names/{name_id}", response={204: None, **ERRORS})
def remove_organisation_name(request: HttpRequest, organisation_id: int, name_id: int) -> Status[None]:
    org = get_organisation_for_user(request.user, organisation_id, write=True, request=request)
    if not org.names.filter(pk=name_id).exists():
        raise Http404
    services.remove_organisation_name(by=request.user, organisation=org, name_id=name_id)
    return Status(204, None)


@router.post("/organisations/{organisation_id}/mandates", response={201: OrganisationDetailOut, **ERRORS})
def add_mandate(request: HttpRequest, organisation_id: int, payload: MandateIn) -> Status[dict[str, Any]]:
    org = get_organisation_for_user(request.user, organisation_id, write=True, request=request)
    services.add_mandate(by=request.user, organisation=org, data=services.MandateInput(**payload.dict()))
    return Status(201, _org_detail(org, get_language(), request.user))


@router.delete("/organisations/{organisation_id}/mandates/{mandate_id}", response={204: None, **ERRORS})
def remove_mandate(request: HttpRequest, organisation_id: int, mandate_id: int) -> Status[None]:
    org = get_organisation_for_user(request.user, organisation_id, write=True, request=request)
    mandate = org.mandates.filter(pk=mandate_id).first()
    if mandate is None:
        raise Http404
    services.remove_mandate(by=request.user, mandate=mandate)
    return Status(204, None)


@router.get("/organisations/{organisation_id}/history", response={200: list[HistoryOut], 404: ErrorOut})
def organisation_history(request: HttpRequest, organisation_id: int) -> list[dict[str, Any]]:
    org = get_organisation_for_user(request.user, organisation_id, request=request)
    return [_history_out(e) for e in selectors.history(org)]


def _history_out(e: Any) -> dict[str, Any]:
    return {
        "at": e.at,
        "actor": e.actor.username if e.actor else None,
        "via": e.via,
        "action": e.action,
        "record": f"{e.content_type.model}:{e.object_id} {e.object_repr}",
        "changes": e.changes,
    }


# --- people -----------------------------------------------------------------------------------


@router.get("/people", response=PersonListOut, summary="List and search people")
def list_people(
    request: HttpRequest,
    q: str = "",
    text: str = "",
    nationality: str = "",
    organisation: int | None = None,
    sort: str = "name",
    limit: int = 50,
    offset: int = 0,
) -> HttpResponse:
    """`q` goes through the shared name matcher: any spelling, any script."""
    limit, offset = clamp(limit, offset)
    filters = selectors.PersonFilters(
        q=q[:200], text=text[:200], nationality=nationality[:2], organisation=organisation, sort=sort
    )
    listed = rows.person_list(request.user, filters)
    count, exact = capped_count(listed)
    items = rows.person_rows(request.user, listed[offset : offset + limit], get_language())
    return list_response(count=count, exact=exact, limit=limit, offset=offset, items=items)


@router.post("/people", response={201: PersonDetailOut, **ERRORS})
def create_person(request: HttpRequest, payload: PersonIn) -> Status[dict[str, Any]]:
    user = request.user
    owner = _organisation(user, payload.owner_id, "owner_id")
    assert owner is not None
    person = services.create_person(
        by=user,
        data=services.PersonInput(
            owner=owner,
            nationality=_country(payload.nationality),
            gender=payload.gender or "",
            birth_date=payload.birth_date,
            death_date=payload.death_date,
            languages=payload.languages,
            notes=payload.notes,
            classification=payload.classification,
            shared_with=_organisations(user, payload.shared_with, "shared_with"),
        ),
        names=_names(payload.names),
    )
    return Status(201, _person_detail(person, get_language(), request.user))


@router.get("/people/{person_id}", response={200: PersonDetailOut, 404: ErrorOut})
def get_person(request: HttpRequest, person_id: int, response: HttpResponse) -> dict[str, Any]:
    person = get_person_for_user(request.user, person_id, request=request)
    _with_etag(response, person)
    return _person_detail(person, get_language(), request.user)


@router.patch("/people/{person_id}", response={200: PersonDetailOut, **ERRORS})
def patch_person(
    request: HttpRequest, person_id: int, payload: PersonPatch, response: HttpResponse
) -> dict[str, Any]:
    """Send `If-Match` with the ETag you read; a stale one answers 412."""
    user = request.user
    person = get_person_for_user(user, person_id, write=True, request=request)
    check_if_match(request, person)
    changes: dict[str, Any] = {}
    for key, value in payload.dict(exclude_unset=True).items():
        if key == "owner_id":
            changes["owner"] = _organisation(user, value, "owner_id")
            if changes["owner"] is None:
                raise ValidationError({"owner_id": ["This field cannot be empty."]})
        elif key == "nationality":
            changes["nationality"] = _country(value)
        elif key == "shared_with":
            changes["shared_with"] = _organisations(user, value or [], "shared_with")
        elif key == "gender":
            changes["gender"] = value or ""
        elif value is None and key in {"classification", "languages", "notes"}:
            raise ValidationError({key: ["This field cannot be empty."]})
        else:
            changes[key] = value
    person = services.update_person(by=user, person=person, version=person.version, changes=changes)
    _with_etag(response, person)
    return _person_detail(person, get_language(), request.user)


@router.delete("/people/{person_id}", response={204: None, **ERRORS})
def delete_person(request: HttpRequest, person_id: int) -> Status[None]:
    person = get_person_for_user(request.user, person_id, delete=True, request=request)
    check_if_match(request, person)
    services.delete_person(by=request.user, person=person)
    return Status(204, None)


@router.post("/people/{person_id}/names", response={201: PersonDetailOut, **ERRORS})
def add_person_name(request: HttpRequest, person_id: int, payload: PersonNameIn) -> Status[dict[str, Any]]:
    person = get_person_for_user(request.user, person_id, write=True, request=request)
    services.add_person_name(by=request.user, person=person, name=services.NameInput(**payload.dict()))
    person.refresh_from_db()
    return Status(201, _person_detail(person, get_language(), request.user))


@router.delete("/people/{person_id}/names/{name_id}", response={204: None, **ERRORS})
def remove_person_name(request: HttpRequest, person_id: int, name_id: int) -> Status[None]:
    person = get_person_for_user(request.user, person_id, write=True, request=request)
    if not person.names.filter(pk=name_id).exists():
        raise Http404
    services.remove_person_name(by=request.user, person=person, name_id=name_id)
    return Status(204, None)


@router.post("/people/{person_id}/positions", response={201: PersonDetailOut, **ERRORS})
def add_position(request: HttpRequest, person_id: int, payload: PositionIn) -> Status[dict[str, Any]]:
    user = request.user
    person = get_person_for_user(user, person_id, write=True, request=request)
    org = _organisation(user, payload.organisation_id, "organisation_id")
    assert org is not None
    data = payload.dict()
    data.pop("organisation_id")
    services.add_position(by=user, person=person, data=services.PositionInput(organisation=org, **data))
    person.refresh_from_db()
    return Status(201, _person_detail(person, get_language(), request.user))


@router.delete("/people/{person_id}/positions/{position_id}", response={204: None, **ERRORS})
def remove_position(request: HttpRequest, person_id: int, position_id: int) -> Status[None]:
    person = get_person_for_user(request.user, person_id, write=True, request=request)
    position = get_position_for_user(request.user, position_id, person=person)
    services.remove_position(by=request.user, position=position)
    return Status(204, None)


@router.get("/people/{person_id}/history", response={200: list[HistoryOut], 404: ErrorOut})
def person_history(request: HttpRequest, person_id: int) -> list[dict[str, Any]]:
    person = get_person_for_user(request.user, person_id, request=request)
    return [_history_out(e) for e in selectors.history(person)]


@router.get("/holders", response=list[dict[str, Any]], summary="Who held a title on a day")
def holders(
    request: HttpRequest, on: dt.date, title: str = "", organisation: int | None = None
) -> list[dict[str, Any]]:
    org = _organisation(request.user, organisation, "organisation") if organisation else None
    lang = get_language()
    return [
        {
            "person": {"id": p.person.pk, "name": display_name(names_of(p.person), lang)},
            "position": _position_out(p, lang),
        }
        for p in selectors.holders_on(request.user, day=on, organisation=org, title=title)[:100]
    ]


@router.get("/match/{kind}", response=list[MatchOut], summary="Rank names from any spelling")
def match(request: HttpRequest, kind: str, q: str, limit: int = 10) -> list[dict[str, Any]]:
    """The shared name matcher, as the pages and imports use it; only visible records answer."""
    if kind not in {"person", "organisation"}:
        raise HttpError(400, "kind must be person or organisation")
    limit, _ = clamp(limit, 0)
    model = Person if kind == "person" else Organisation
    matches = name_index.lookup(kind=kind, query=q[:200], limit=selectors.SEARCH_LIMIT)
    allowed = set(
        visible(request.user, model.objects.filter(pk__in=[m.key for m in matches])).values_list(
            "pk", flat=True
        )
    )
    names = dict(model.objects.filter(pk__in=allowed).values_list("pk", "sort_name"))
    return [
        {"id": m.key, "name": names[m.key], "matched": m.value, "score": round(m.score, 4)}
        for m in matches
        if m.key in allowed
    ][:limit]


# --- reference data ---------------------------------------------------------------------------


@router.get("/countries", response=list[CountryOut])
def list_countries(request: HttpRequest) -> list[dict[str, Any]]:
    lang = get_language()
    return [
        {
            "code": c.code,
            "alpha3": c.alpha3,
            "name": c.name_in(lang),
            "name_en": c.name_en,
            "name_vi": c.name_vi,
            "name_ar": c.name_ar,
        }
        for c in selectors.countries()
    ]


@router.get("/localities", response=list[LocalityOut])
def list_localities(
    request: HttpRequest, country: str = "VN", on: dt.date | None = None
) -> list[dict[str, Any]]:
    lang = get_language()
    return [
        {
            "code": loc.code,
            "kind": loc.kind,
            "country": country.upper(),
            "name": loc.name_in(lang),
            "name_en": loc.name_en,
            "name_vi": loc.name_vi,
            "name_ar": loc.name_ar,
            "valid_from": loc.valid_from,
            "valid_to": loc.valid_to,
            "predecessors": [p.code for p in loc.predecessors.all()],
            "successors": [s.code for s in loc.successors.all()],
        }
        for loc in selectors.localities(country=country.upper()[:2], valid_on=on)
    ]

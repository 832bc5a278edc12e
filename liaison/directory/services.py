"""Every write to the Directory: one transaction each, validated, versioned and audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from liaison.core import access, audit, name_index, search
from liaison.core.models import Classification
from liaison.core.names import detect_script
from liaison.core.versioning import check_version
from liaison.directory import indexing
from liaison.directory.models import (
    Country,
    Locality,
    Mandate,
    NameKind,
    Organisation,
    OrganisationName,
    Person,
    PersonName,
    Position,
    display_name,
)

ORGANISATION = indexing.ORGANISATION
PERSON = indexing.PERSON


@dataclass(frozen=True)
class NameInput:
    value: str
    language: str
    kind: str = NameKind.OFFICIAL
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    source: str = ""
    family: str = ""
    given: str = ""


@dataclass
class OrganisationInput:
    pillar: str
    kind: str
    parent: Organisation | None = None
    country: Country | None = None
    locality: Locality | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    email: str = ""
    phone: str = ""
    website: str = ""
    address: str = ""
    notes: str = ""
    classification: int = Classification.PUBLIC
    shared_with: Sequence[Organisation] = field(default_factory=list)
    external_key: str = ""


def _check_dates(start: dt.date | None, end: dt.date | None, *, start_field: str, end_field: str) -> None:
    if start and end and end < start:
        raise ValidationError({end_field: [_("The end date must not be before the start date.")]})


def _check_names(names: Sequence[NameInput]) -> None:
    errors: list[str] = []
    if not any(n.value.strip() for n in names):
        errors.append(_("Give at least one name."))
    for n in names:
        if n.valid_from and n.valid_to and n.valid_to < n.valid_from:
            errors.append(_("The name “%(name)s” ends before it starts.") % {"name": n.value})
    if errors:
        raise ValidationError({"names": errors})


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("You may not make this change."))


# --- Organisations -------------------------------------------------------------------------


def _set_path(org: Organisation) -> None:
    parent = org.parent
    org.path = f"{parent.path if parent else '/'}{org.pk}/"
    org.depth = (parent.depth + 1) if parent else 0


def _check_parent(org: Organisation | None, parent: Organisation | None) -> None:
    if parent is None or org is None or org.pk is None:
        return
    if parent.pk == org.pk or parent.path.startswith(org.path):
        raise ValidationError({"parent": [_("An organisation cannot sit below itself.")]})


def _refresh_organisation_names(org: Organisation) -> None:
    names = list(org.names.all())
    org.sort_name = display_name(names, "en")[:300]
    audit.update_derived(Organisation, org.pk, sort_name=org.sort_name)
    name_index.index_entity(kind=ORGANISATION, entity_id=org.pk, names=[n.value for n in names])
    indexing.index_organisation_text(org, names)


def _add_names(target: Any, model: type[Any], link: str, names: Iterable[NameInput]) -> None:
    for n in names:
        if not n.value.strip():
            continue
        extra = {"family": n.family, "given": n.given} if model is PersonName else {}
        model.objects.create(
            **{link: target},
            value=n.value.strip(),
            language=n.language,
            script=detect_script(n.value),
            kind=n.kind,
            valid_from=n.valid_from,
            valid_to=n.valid_to,
            source=n.source,
            **extra,
        )


@transaction.atomic
def create_organisation(*, by: Any, data: OrganisationInput, names: Sequence[NameInput]) -> Organisation:
    """Create an organisation with its names; it is owned by its parent (or by itself at the top)."""
    _check_names(names)
    _check_dates(data.valid_from, data.valid_to, start_field="valid_from", end_field="valid_to")
    if data.parent is not None:
        _require(access.can_create(by, owner=data.parent, classification=data.classification))
    else:
        _require(access.principal_for(by).is_superuser)
    org = Organisation(
        sort_name=display_name(names, "en")[:300],
        parent=data.parent,
        pillar=data.pillar,
        kind=data.kind,
        country=data.country,
        locality=data.locality,
        valid_from=data.valid_from,
        valid_to=data.valid_to,
        email=data.email,
        phone=data.phone,
        website=data.website,
        address=data.address,
        notes=data.notes,
        classification=data.classification,
        external_key=data.external_key,
        owner_id=data.parent.pk if data.parent else 0,
    )
    with audit.assembling():
        if data.parent is None:
            # A top-level organisation owns its own record. Foreign keys are checked at commit
            # (Django creates them deferred on SQLite and PostgreSQL), so a placeholder is fine.
            org.owner_id = 0
            org.save()
            org.owner_id = org.pk
        else:
            org.save()
        _set_path(org)
        Organisation.objects.filter(pk=org.pk).update(owner_id=org.owner_id, path=org.path, depth=org.depth)
    org.refresh_from_db()
    audit.record_save(org, before=None)
    if data.shared_with:
        org.shared_with.set(data.shared_with)
        audit.record_note(org, {"shared_with": [[], sorted(o.pk for o in data.shared_with)]})
    _add_names(org, OrganisationName, "organisation", names)
    _refresh_organisation_names(org)
    return org


_ORG_FIELDS = (
    "parent",
    "pillar",
    "kind",
    "country",
    "locality",
    "valid_from",
    "valid_to",
    "email",
    "phone",
    "website",
    "address",
    "notes",
    "classification",
)


@transaction.atomic
def update_organisation(
    *, by: Any, organisation: Organisation, version: int | None, changes: dict[str, Any]
) -> Organisation:
    """Change an organisation's fields; refused when the record moved on since `version`."""
    _require(access.can_change(by, organisation))
    check_version(organisation, version)
    unknown = set(changes) - set(_ORG_FIELDS) - {"shared_with"}
    if unknown:
        raise ValidationError({k: [_("This field cannot be changed here.")] for k in sorted(unknown)})
    p = access.principal_for(by)
    if changes.get("classification", organisation.classification) > p.clearance and not p.is_superuser:
        raise ValidationError({"classification": [_("You may not classify above your own clearance.")]})
    new_parent = changes.get("parent", organisation.parent)
    _check_parent(organisation, new_parent)
    if "parent" in changes and new_parent != organisation.parent:
        if new_parent is None:
            # Only a superuser creates top-level organisations, so only one may move one there.
            _require(access.principal_for(by).is_superuser)
        else:
            _require(access.can_create(by, owner=new_parent, classification=organisation.classification))
    _check_dates(
        changes.get("valid_from", organisation.valid_from),
        changes.get("valid_to", organisation.valid_to),
        start_field="valid_from",
        end_field="valid_to",
    )
    shared = changes.pop("shared_with", None)
    old_path, old_depth = organisation.path, organisation.depth
    for key, value in changes.items():
        setattr(organisation, key, value)
    if "parent" in changes:
        _set_path(organisation)
        # Units are owned by their parent; a top-level organisation owns itself.
        organisation.owner = organisation.parent if organisation.parent is not None else organisation
    organisation.save()
    indexing.index_organisation_text(organisation)
    if organisation.path != old_path:
        _move_subtree(old_path, organisation.path, organisation.depth - old_depth)
    if shared is not None:
        before = sorted(organisation.shared_with.values_list("pk", flat=True))
        organisation.shared_with.set(shared)
        audit.record_note(organisation, {"shared_with": [before, sorted(o.pk for o in shared)]})
    return organisation


def _move_subtree(old_path: str, new_path: str, depth_delta: int) -> None:
    for child in Organisation.objects.filter(path__startswith=old_path).exclude(path=old_path):
        audit.update_derived(
            Organisation,
            child.pk,
            path=new_path + child.path[len(old_path) :],
            depth=child.depth + depth_delta,
        )


@transaction.atomic
def delete_organisation(*, by: Any, organisation: Organisation) -> None:
    _require(access.can_delete(by, organisation))
    if organisation.children.exists():
        raise ValidationError(_("This organisation has units below it; move or delete them first."))
    if organisation.positions.exists():
        raise ValidationError(_("People hold positions in this organisation; end or move them first."))
    if access.owns_records(organisation):
        raise ValidationError(_("This organisation keeps records; move them to another organisation first."))
    organisation.names.all().delete()
    organisation.mandates.all().delete()
    name_index.index_entity(kind=ORGANISATION, entity_id=organisation.pk, names=[])
    search.remove_record(kind=ORGANISATION, entity_id=organisation.pk)
    organisation.delete()


@transaction.atomic
def add_organisation_name(*, by: Any, organisation: Organisation, name: NameInput) -> OrganisationName:
    _require(access.can_change(by, organisation))
    _check_names([name])
    _add_names(organisation, OrganisationName, "organisation", [name])
    _refresh_organisation_names(organisation)
    return organisation.names.order_by("-id").first()  # type: ignore[return-value]


@transaction.atomic
def remove_organisation_name(*, by: Any, organisation: Organisation, name_id: int) -> None:
    _require(access.can_change(by, organisation))
    names = organisation.names.all()
    if names.count() <= 1:
        raise ValidationError({"names": [_("An organisation keeps at least one name.")]})
    names.filter(pk=name_id).delete()
    _refresh_organisation_names(organisation)


# --- People --------------------------------------------------------------------------------


@dataclass
class PersonInput:
    owner: Organisation
    nationality: Country | None = None
    gender: str = ""
    birth_date: dt.date | None = None
    death_date: dt.date | None = None
    languages: str = ""
    notes: str = ""
    classification: int = Classification.PUBLIC
    shared_with: Sequence[Organisation] = field(default_factory=list)
    external_key: str = ""


def _refresh_person_names(person: Person) -> None:
    names = list(person.names.all())
    person.sort_name = display_name(names, "vi")[:300] or display_name(names, "en")[:300]
    audit.update_derived(Person, person.pk, sort_name=person.sort_name)
    name_index.index_entity(kind=PERSON, entity_id=person.pk, names=[n.value for n in names])
    indexing.index_person_text(person, names)


@transaction.atomic
def create_person(*, by: Any, data: PersonInput, names: Sequence[NameInput]) -> Person:
    """Create a person with their names."""
    _check_names(names)
    _check_dates(data.birth_date, data.death_date, start_field="birth_date", end_field="death_date")
    _require(access.can_create(by, owner=data.owner, classification=data.classification))
    person = Person.objects.create(
        sort_name=(display_name(names, "vi") or display_name(names, "en"))[:300],
        owner=data.owner,
        nationality=data.nationality,
        gender=data.gender,
        birth_date=data.birth_date,
        death_date=data.death_date,
        languages=data.languages,
        notes=data.notes,
        classification=data.classification,
        external_key=data.external_key,
    )
    if data.shared_with:
        person.shared_with.set(data.shared_with)
        audit.record_note(person, {"shared_with": [[], sorted(o.pk for o in data.shared_with)]})
    _add_names(person, PersonName, "person", names)
    _refresh_person_names(person)
    return person


_PERSON_FIELDS = (
    "owner",
    "nationality",
    "gender",
    "birth_date",
    "death_date",
    "languages",
    "notes",
    "classification",
)


@transaction.atomic
def update_person(*, by: Any, person: Person, version: int | None, changes: dict[str, Any]) -> Person:
    _require(access.can_change(by, person))
    check_version(person, version)
    unknown = set(changes) - set(_PERSON_FIELDS) - {"shared_with"}
    if unknown:
        raise ValidationError({k: [_("This field cannot be changed here.")] for k in sorted(unknown)})
    p = access.principal_for(by)
    if changes.get("classification", person.classification) > p.clearance and not p.is_superuser:
        raise ValidationError({"classification": [_("You may not classify above your own clearance.")]})
    if "owner" in changes and changes["owner"] != person.owner:
        _require(access.can_create(by, owner=changes["owner"], classification=person.classification))
    _check_dates(
        changes.get("birth_date", person.birth_date),
        changes.get("death_date", person.death_date),
        start_field="birth_date",
        end_field="death_date",
    )
    shared = changes.pop("shared_with", None)
    for key, value in changes.items():
        setattr(person, key, value)
    person.save()
    indexing.index_person_text(person)
    if shared is not None:
        before = sorted(person.shared_with.values_list("pk", flat=True))
        person.shared_with.set(shared)
        audit.record_note(person, {"shared_with": [before, sorted(o.pk for o in shared)]})
    return person


@transaction.atomic
def delete_person(*, by: Any, person: Person) -> None:
    _require(access.can_delete(by, person))
    person.positions.all().delete()
    person.names.all().delete()
    name_index.index_entity(kind=PERSON, entity_id=person.pk, names=[])
    search.remove_record(kind=PERSON, entity_id=person.pk)
    person.delete()


@transaction.atomic
def add_person_name(*, by: Any, person: Person, name: NameInput) -> PersonName:
    _require(access.can_change(by, person))
    _check_names([name])
    _add_names(person, PersonName, "person", [name])
    _refresh_person_names(person)
    return person.names.order_by("-id").first()  # type: ignore[return-value]


@transaction.atomic
def remove_person_name(*, by: Any, person: Person, name_id: int) -> None:
    _require(access.can_change(by, person))
    names = person.names.all()
    if names.count() <= 1:
        raise ValidationError({"names": [_("A person keeps at least one name.")]})
    names.filter(pk=name_id).delete()
    _refresh_person_names(person)


@dataclass(frozen=True)
class PositionInput:
    organisation: Organisation
    title_en: str
    title_vi: str = ""
    title_ar: str = ""
    start: dt.date | None = None
    end: dt.date | None = None
    source: str = ""


@transaction.atomic
def add_position(*, by: Any, person: Person, data: PositionInput) -> Position:
    """Record that the person held a title in an organisation over a period."""
    _require(access.can_change(by, person))
    if not access.can_read(by, data.organisation):
        raise ValidationError({"organisation": [_("Choose an organisation from the list.")]})
    if not data.title_en.strip():
        raise ValidationError({"title_en": [_("Give the title in English.")]})
    _check_dates(data.start, data.end, start_field="start", end_field="end")
    position = Position.objects.create(
        person=person,
        organisation=data.organisation,
        title_en=data.title_en.strip(),
        title_vi=data.title_vi.strip(),
        title_ar=data.title_ar.strip(),
        start=data.start,
        end=data.end,
        source=data.source,
    )
    indexing.index_person_text(person)
    return position


@transaction.atomic
def end_position(*, by: Any, position: Position, end: dt.date) -> Position:
    _require(access.can_change(by, position.person))
    _check_dates(position.start, end, start_field="start", end_field="end")
    position.end = end
    position.save()
    return position


@transaction.atomic
def remove_position(*, by: Any, position: Position) -> None:
    _require(access.can_change(by, position.person))
    position.delete()
    indexing.index_person_text(position.person)


@dataclass(frozen=True)
class MandateInput:
    field: str
    role: str
    start: dt.date | None = None
    end: dt.date | None = None
    source: str = ""


@transaction.atomic
def add_mandate(*, by: Any, organisation: Organisation, data: MandateInput) -> Mandate:
    """Record that the organisation leads, coordinates or takes part in a field, from when to when."""
    _require(access.can_change(by, organisation))
    _check_dates(data.start, data.end, start_field="start", end_field="end")
    return Mandate.objects.create(
        organisation=organisation,
        field=data.field,
        role=data.role,
        start=data.start,
        end=data.end,
        source=data.source,
    )


@transaction.atomic
def remove_mandate(*, by: Any, mandate: Mandate) -> None:
    _require(access.can_change(by, mandate.organisation))
    mandate.delete()

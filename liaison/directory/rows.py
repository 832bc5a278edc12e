"""The rows of the Directory's lists as plain dicts, shared by the list pages and the list API.

A list reads only the columns it shows (`QuerySet.values`), then each related table once: the
names of the records on the page, their current positions, the names of those positions'
organisations. No model instances are built: at 50 rows a page that way spends its time in the
database, not in the ORM. A row holds exactly the fields of the API's list schemas; with
`display=True` it also holds what a page shows besides (names in the reader's language, labels).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from functools import partial
from typing import Any

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.urls import reverse

from liaison.core.access import policy_key, visible_q
from liaison.core.listed_names import ListedName, names_by_owner, names_in_slot
from liaison.core.models import Pillar, classification_name
from liaison.core.prepared import Binding, IdsIn, Prepared, PreparedList, Shapes, prepared_list
from liaison.directory import selectors
from liaison.directory.models import (
    Organisation,
    OrganisationKind,
    Person,
    Position,
    display_name,
)
from liaison.directory.selectors import LIST_POSITION_FIELDS, country_names

ORGANISATION_COLUMNS = (
    "id",
    "sort_name",
    "classification",
    "version",
    "pillar",
    "kind",
    "valid_from",
    "valid_to",
    "parent_id",
    "parent__sort_name",
    "country__code",
    "locality__code",
)
PERSON_COLUMNS = ("id", "sort_name", "classification", "version", "nationality__code")
POSITION_COLUMNS = tuple(f for f in LIST_POSITION_FIELDS if f not in ("version", "organisation"))

_PLACEHOLDER = 987654321


def url_maker(view: str, *args: int) -> Callable[[int], str]:
    """`pk -> reverse(view, args=[*args, pk])`, reversing once instead of once per row."""
    pattern = reverse(view, args=[*args, _PLACEHOLDER])
    before, after = pattern.rsplit(str(_PLACEHOLDER), 1)
    return lambda pk: f"{before}{pk}{after}"


def _name(names: dict[int, list[Any]], pk: int, language: str, fallback: str) -> str:
    return display_name(names.get(pk, ()), language) or fallback


def organisation_rows(
    user: Any, qs: Iterable[dict[str, Any]], language: str, *, display: bool = False
) -> list[dict[str, Any]]:
    """The rows of `qs`: `organisation_values` of a queryset the access policy filtered, sliced.
    A row names its parent only if the user may read the parent (`parent_visible`)."""
    records = list(qs)
    wanted = {r["id"] for r in records}
    if display:
        wanted |= {r["parent_id"] for r in records if r["parent_visible"]}
    names = names_by_owner(Organisation, wanted)
    url = url_maker("directory:organisation-detail")
    countries = country_names(language) if display else {}
    pillars = dict(Pillar.choices) if display else {}
    kinds = dict(OrganisationKind.choices) if display else {}
    rows = []
    for r in records:
        parent = None
        if r["parent_id"] is not None and r["parent_visible"]:
            parent = {"id": r["parent_id"], "name": r["parent__sort_name"]}
            if display:
                parent["name"] = _name(names, r["parent_id"], language, r["parent__sort_name"])
        row = {
            "id": r["id"],
            "name": _name(names, r["id"], language, r["sort_name"]),
            "parent": parent,
            "pillar": r["pillar"],
            "kind": r["kind"],
            "country": r["country__code"],
            "locality": r["locality__code"],
            "valid_from": r["valid_from"],
            "valid_to": r["valid_to"],
            "classification": classification_name(r["classification"]),
            "version": r["version"],
            "url": url(r["id"]),
        }
        if display:
            row |= {
                "has_parent": r["parent_id"] is not None,
                "country_name": countries.get(r["country__code"], ""),
                "pillar_label": pillars.get(r["pillar"], r["pillar"]),
                "kind_label": kinds.get(r["kind"], r["kind"]),
                "classification_value": r["classification"],
            }
        rows.append(row)
    return rows


def _parent_visible(user: Any) -> Case | Value:
    """Whether the user may read a row's parent: the access policy's filter on the parent, read
    in the same statement as the row (the parent is joined for its name anyway)."""
    readable = visible_q(user, Organisation, prefix="parent__")
    if readable == Q():  # everything is readable (a superuser)
        return Case(When(parent_id__isnull=False, then=Value(True)), default=Value(False))
    return Case(When(readable, then=Value(True)), default=Value(False), output_field=BooleanField())


def organisation_values(user: Any, qs: QuerySet[Organisation]) -> QuerySet[Any]:
    """What `organisation_rows` reads: the list's columns, without the instances' prefetches, and
    whether the user may read each row's parent."""
    values: QuerySet[Any] = (
        qs.prefetch_related(None)
        .annotate(parent_visible=_parent_visible(user))
        .values(*ORGANISATION_COLUMNS, "parent_visible")
    )
    return values


def person_values(qs: QuerySet[Person]) -> QuerySet[Any]:
    """What `person_rows` reads: the list's columns, without the instances' prefetches."""
    values: QuerySet[Any] = qs.prefetch_related(None).values(*PERSON_COLUMNS)
    return values


# A list's statements, per shape: the filters given, the sort, the facts of the reader the access
# policy's filter is made of (`core.prepared.Shapes`). Built and compiled, the statements of a list
# cost more than the database takes to run them.
_LISTS: Shapes[tuple[Prepared, Prepared]] = Shapes()


def _policy_key(user: Any) -> Hashable:
    key = policy_key(user, Organisation, Person)
    assert key is not None, "The Directory's records have no embargo and are not read by ids."
    return key


def organisation_list(user: Any, filters: selectors.OrganisationFilters) -> PreparedList:
    """The rows of a list of organisations, for `organisation_rows`: sliced for a page, counted
    with `core.htmx.capped_count`."""
    values = selectors.organisation_filter_values(filters)
    sort = filters.sort if filters.sort in selectors.ORGANISATION_SORTS else "name"
    project = partial(organisation_values, user)
    return _listed(user, Organisation, values, sort, selectors.organisations_filtered, project)


def person_list(user: Any, filters: selectors.PersonFilters) -> PreparedList:
    """The rows of a list of people, for `person_rows` (see `organisation_list`)."""
    values = selectors.person_filter_values(filters)
    sort = filters.sort if filters.sort in selectors.PERSON_SORTS else "name"
    return _listed(user, Person, values, sort, selectors.people_filtered, person_values)


def _listed(
    user: Any,
    model: type[Any],
    values: dict[str, Any],
    sort: str,
    filtered: Callable[[Any, Binding, str], QuerySet[Any]],
    project: Callable[[QuerySet[Any]], QuerySet[Any]],
) -> PreparedList:
    """The list `filtered` selects and `project` reads, through its shape's statements (made the
    first time the shape is asked for), with these values."""
    statements = _LISTS.get(
        (model, _policy_key(user), frozenset(values), sort),
        lambda: prepared_list(lambda: filtered(user, Binding(values, slots=True), sort), project),
    )
    return PreparedList(*statements, values)


def _current_positions_of(user: Any) -> QuerySet[Any]:
    return (
        Position.objects.filter(
            visible_q(user, Organisation, prefix="organisation__"),
            IdsIn("person_id", "people"),
            end__isnull=True,
        )
        .order_by("-start", "id")
        .values(*POSITION_COLUMNS, "organisation__sort_name")
    )


_CURRENT_POSITIONS: Shapes[Prepared] = Shapes()


def _current_positions(user: Any, person_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """Current positions of these people in organisations the user may read, newest first."""
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    people = list(person_ids)
    if not people:
        return found
    key = _policy_key(user)
    statement = _CURRENT_POSITIONS.get(key, lambda: Prepared(lambda: _current_positions_of(user)))
    for row in statement.dicts(people=people):
        found[row["person_id"]].append(row)
    return found


def _both_names() -> QuerySet[Any]:
    person_names = names_in_slot(Person, "people", Value(True))
    return person_names.union(names_in_slot(Organisation, "organisations", Value(False)), all=True).order_by(
        "id"
    )


# A list of people reads their names and their organisations' on every request: compiled once.
_BOTH_NAMES = Prepared(_both_names)


def _people_and_organisation_names(
    people: set[int], organisations: set[int]
) -> tuple[dict[int, list[ListedName]], dict[int, list[ListedName]]]:
    """`names_by_owner` of these people and of these organisations, in one statement."""
    if not people or not organisations:
        return names_by_owner(Person, people), names_by_owner(Organisation, organisations)
    found: tuple[dict[int, list[ListedName]], dict[int, list[ListedName]]] = (
        defaultdict(list),
        defaultdict(list),
    )
    # Each owner's names in id order, as `names_by_owner` gives them.
    for is_person, owner_id, *fields in _BOTH_NAMES.rows(people=people, organisations=organisations):
        found[0 if is_person else 1][owner_id].append(ListedName(*fields))
    return found


def person_rows(
    user: Any, qs: Iterable[dict[str, Any]], language: str, *, display: bool = False
) -> list[dict[str, Any]]:
    records = list(qs)
    positions = _current_positions(user, (r["id"] for r in records))
    people_names, org_names = _people_and_organisation_names(
        {r["id"] for r in records}, {p["organisation_id"] for held in positions.values() for p in held}
    )
    url = url_maker("directory:person-detail")
    countries = country_names(language) if display else {}
    rows = []
    for r in records:
        current = [
            {
                "id": p["id"],
                "organisation": {
                    "id": p["organisation_id"],
                    "name": _name(org_names, p["organisation_id"], language, p["organisation__sort_name"]),
                },
                "title": p.get(f"title_{language}") or p["title_en"],
                "title_en": p["title_en"],
                "title_vi": p["title_vi"],
                "title_ar": p["title_ar"],
                "start": p["start"],
                "end": p["end"],
                "source": p["source"],
            }
            for p in positions.get(r["id"], ())
        ]
        row = {
            "id": r["id"],
            "name": _name(people_names, r["id"], language, r["sort_name"]),
            "nationality": r["nationality__code"],
            "classification": classification_name(r["classification"]),
            "version": r["version"],
            "url": url(r["id"]),
            "current_positions": current,
        }
        if display:
            row |= {
                "nationality_name": countries.get(r["nationality__code"], ""),
                "classification_value": r["classification"],
            }
        rows.append(row)
    return rows

"""Reads of the Directory for pages and the API; every list is filtered by the access policy."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import CharField, DateField, Exists, F, IntegerField, OuterRef, Prefetch, Q, QuerySet

from liaison.core import name_index, search
from liaison.core.access import visible, visible_q
from liaison.core.audit import history_for
from liaison.core.listed_names import with_names
from liaison.core.models import AuditEvent
from liaison.core.names.normalise import fold
from liaison.core.prepared import Binding
from liaison.directory.models import (
    Country,
    Locality,
    Organisation,
    Person,
    Position,
    valid_on_q,
)

# The matcher ranks at most this many entities for a search box or `?q=`.
SEARCH_LIMIT = 200

ORGANISATION_SORTS = {
    "name": ("sort_name", "id"),
    "-name": ("-sort_name", "-id"),
    "updated": ("updated_at", "id"),
    "-updated": ("-updated_at", "-id"),
    "kind": ("kind", "sort_name", "id"),
    "pillar": ("pillar", "sort_name", "id"),
}
PERSON_SORTS = {
    "name": ("sort_name", "id"),
    "-name": ("-sort_name", "-id"),
    "updated": ("updated_at", "id"),
    "-updated": ("-updated_at", "-id"),
}


@dataclass(frozen=True)
class OrganisationFilters:
    q: str = ""
    text: str = ""
    pillar: str = ""
    kind: str = ""
    country: str = ""
    parent: int | None = None
    valid_on: dt.date | None = None
    sort: str = "name"


@dataclass(frozen=True)
class PersonFilters:
    q: str = ""
    text: str = ""
    nationality: str = ""
    organisation: int | None = None
    sort: str = "name"


# Lists load only what they show: fewer columns to convert on every row.
LIST_NAME_FIELDS = ("id", "version", "value", "language", "kind", "script")
LIST_POSITION_FIELDS = (
    "id",
    "version",
    "person_id",
    "organisation_id",
    "title_en",
    "title_vi",
    "title_ar",
    "start",
    "end",
    "source",
    "organisation",
)


def _in_visible_organisation(user: Any) -> Q:
    """A filter on positions: only those in organisations the user may read (a join, no subquery)."""
    return visible_q(user, Organisation, prefix="organisation__")


def _with_visible_parent(user: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
    """Annotate `parent_visible`: a row may name its parent only if the user may read the parent."""
    parent = visible(user, Organisation.objects.filter(pk=OuterRef("parent_id")))
    annotated: QuerySet[Any] = qs.annotate(parent_visible=Exists(parent))
    return annotated


def organisation_filter_values(filters: OrganisationFilters) -> dict[str, Any]:
    """The values of the filters given, by name, as `organisations_filtered` takes them (the text
    search's and the matcher's ids read now)."""
    values: dict[str, Any] = {}
    if filters.text.strip():
        values["text"] = search.matching_ids(kind="organisation", query=filters.text)
    if filters.pillar:
        values["pillar"] = filters.pillar
    if filters.kind:
        values["kind"] = filters.kind
    if filters.country:
        values["country"] = country_id(filters.country)
    if filters.parent is not None:
        values["parent"] = filters.parent
    if filters.valid_on is not None:
        values["valid_on"] = filters.valid_on
    if filters.q.strip():
        values["ranked"] = _matched(kind="organisation", q=filters.q)
    return values


def _matched(*, kind: str, q: str) -> list[int]:
    """The entities whose names match `q`, best match first."""
    return [m.key for m in name_index.lookup(kind=kind, query=q, limit=SEARCH_LIMIT)]


def _with_text(qs: QuerySet[Any], bound: Binding) -> QuerySet[Any]:
    """Keep the entities the text search found (`text`), if it was asked."""
    return qs.filter(bound.ids_in("pk", "text")) if "text" in bound else qs


def _ordered(
    qs: QuerySet[Any], bound: Binding, sorts: Mapping[str, tuple[str, ...]], sort: str
) -> QuerySet[Any]:
    """Keep the entities the matcher found (`ranked`), best match first; without a name search,
    every entity, in the order `sort` names (by name if it names none)."""
    if "ranked" not in bound:
        return qs.order_by(*sorts.get(sort, sorts["name"]))
    ranked: QuerySet[Any] = (
        qs.filter(bound.ids_in("pk", "ranked"))
        .annotate(match_rank=bound.position_in(F("pk"), "ranked"))
        .order_by("match_rank", "pk")
    )
    return ranked


def organisations_filtered(user: Any, bound: Binding, sort: str) -> QuerySet[Organisation]:
    """The organisations of a list, filtered (`organisation_filter_values`) and ordered."""
    qs = _with_text(visible(user, Organisation.objects.all()), bound)
    if "pillar" in bound:
        qs = qs.filter(pillar=bound.value("pillar", CharField()))
    if "kind" in bound:
        qs = qs.filter(kind=bound.value("kind", CharField()))
    if "country" in bound:
        qs = qs.filter(country_id=bound.value("country", IntegerField()))
    if "parent" in bound:
        qs = qs.filter(parent_id=bound.value("parent", IntegerField()))
    if "valid_on" in bound:
        qs = qs.filter(valid_on_q(bound.value("valid_on", DateField())))
    return _ordered(qs, bound, ORGANISATION_SORTS, sort)


def organisation_rows_for_user(user: Any, filters: OrganisationFilters) -> QuerySet[Organisation]:
    """The organisations of a list, filtered and ordered, and nothing more (no related records
    selected, no names attached). Lists read them with `rows.organisation_list`."""
    return organisations_filtered(user, Binding(organisation_filter_values(filters)), filters.sort)


def organisation_list_for_user(user: Any, filters: OrganisationFilters) -> QuerySet[Organisation]:
    """The same list as instances, with what a row shows (exports, pickers, autocomplete)."""
    qs = _with_visible_parent(user, organisation_rows_for_user(user, filters))
    return with_names(qs.select_related("country", "parent", "locality"), "", "parent")


def person_filter_values(filters: PersonFilters) -> dict[str, Any]:
    """The values of the filters given, by name, as `people_filtered` takes them."""
    values: dict[str, Any] = {}
    if filters.text.strip():
        values["text"] = search.matching_ids(kind="person", query=filters.text)
    if filters.nationality:
        values["nationality"] = country_id(filters.nationality)
    if filters.organisation is not None:
        values["organisation"] = filters.organisation
    if filters.q.strip():
        values["ranked"] = _matched(kind="person", q=filters.q)
    return values


def people_filtered(user: Any, bound: Binding, sort: str) -> QuerySet[Person]:
    """The people of a list, filtered (`person_filter_values`) and ordered."""
    qs = _with_text(visible(user, Person.objects.all()), bound)
    if "nationality" in bound:
        qs = qs.filter(nationality_id=bound.value("nationality", IntegerField()))
    if "organisation" in bound:
        qs = qs.filter(positions__organisation_id=bound.value("organisation", IntegerField())).distinct()
    return _ordered(qs, bound, PERSON_SORTS, sort)


def person_rows_for_user(user: Any, filters: PersonFilters) -> QuerySet[Person]:
    """The people of a list, filtered and ordered, and nothing more. Lists read them with
    `rows.person_list` (their positions and names too)."""
    return people_filtered(user, Binding(person_filter_values(filters)), filters.sort)


def person_list_for_user(user: Any, filters: PersonFilters) -> QuerySet[Person]:
    """The same list as instances, with their current positions and names (exports, pickers)."""
    current = Prefetch(
        "positions",
        # Positions in organisations the user may not read are not shown at all.
        queryset=Position.objects.filter(_in_visible_organisation(user), end__isnull=True)
        .only(*LIST_POSITION_FIELDS)
        .select_related("organisation")
        .order_by("-start"),
        to_attr="current_positions",
    )
    qs = person_rows_for_user(user, filters).select_related("nationality").prefetch_related(current)
    return with_names(qs, "", "current_positions.organisation")


def organisation_children_for_user(user: Any, organisation: Organisation) -> QuerySet[Organisation]:
    return visible(user, organisation.children.all()).prefetch_related("names").order_by("sort_name")


def organisation_ancestors(user: Any, organisation: Organisation) -> list[Organisation]:
    """The organisations above this one that the user may read, top first."""
    ids = [int(part) for part in organisation.path.strip("/").split("/") if part][:-1]
    by_id = {
        o.pk: o for o in visible(user, Organisation.objects.filter(pk__in=ids)).prefetch_related("names")
    }
    return [by_id[i] for i in ids if i in by_id]


def organisation_tree_for_user(
    user: Any, *, root: Organisation | None = None, max_depth: int = 3
) -> list[Organisation]:
    """Visible organisations down to `max_depth` levels, in tree (path) order."""
    qs = visible(user, Organisation.objects.all())
    if root is not None:
        qs = qs.filter(path__startswith=root.path, depth__lte=root.depth + max_depth)
    else:
        qs = qs.filter(depth__lte=max_depth)
    return list(qs.prefetch_related("names").order_by("path"))


def positions_in_organisation_for_user(user: Any, organisation: Organisation) -> QuerySet[Position]:
    people = visible(user, Person.objects.all()).values("pk")
    return (
        organisation.positions.filter(person__in=people)
        .select_related("person")
        .prefetch_related("person__names")
        .order_by("end", "-start")
    )


def person_positions(user: Any, person: Person) -> QuerySet[Position]:
    """The person's positions in organisations the user may read."""
    return (
        person.positions.filter(_in_visible_organisation(user))
        .select_related("organisation")
        .prefetch_related("organisation__names")
        .order_by("-start", "-id")
    )


def holders_on(
    user: Any, *, day: dt.date, organisation: Organisation | None = None, title: str = ""
) -> QuerySet[Position]:
    """Who held which title on a given day: “who was Minister of Foreign Affairs on 19 Dec 2023”."""
    people = visible(user, Person.objects.all()).values("pk")
    qs = Position.objects.held_on(day).filter(_in_visible_organisation(user), person__in=people)
    if organisation is not None:
        qs = qs.filter(organisation=organisation)
    if title.strip():
        t = title.strip()
        qs = qs.filter(Q(title_en__icontains=t) | Q(title_vi__icontains=t) | Q(title_ar__icontains=t))
    return qs.select_related("person", "organisation").prefetch_related(
        "person__names", "organisation__names"
    )


def history(record: Any) -> QuerySet[AuditEvent]:
    return history_for(record)[:200]


def countries() -> QuerySet[Country]:
    return Country.objects.order_by("name_en")


# Countries are reference data (`liaison manage load_reference`): a process keeps them this long.
COUNTRY_CHOICES_SECONDS = 300


def country_choices(language: str) -> list[tuple[str, str]]:
    """(code, name in `language`) of every country, in the order of their names; what a filter's
    country menu lists. Cached: a list page renders it on every request."""
    key = f"country-choices:{language}"
    found: list[tuple[str, str]] | None = cache.get(key)
    if found is None:
        rows = [
            (c.code, c.name_in(language))
            for c in Country.objects.only("code", "name_en", "name_vi", "name_ar")
        ]
        found = sorted(rows, key=lambda r: (fold(r[1]), r[0]))
        cache.set(key, found, COUNTRY_CHOICES_SECONDS)
    return found


def forget_countries() -> None:
    """Drop the cached country lists (after reference data changed)."""
    languages = [code for code, _ in settings.LANGUAGES]
    cache.delete_many(
        ["country-ids"]
        + [f"country-choices:{lang}" for lang in languages]
        + [f"country-options:{lang}" for lang in languages]
    )


def country_id(code: str) -> int:
    """The id of the country with this ISO code (0, which no row has, for an unknown code).

    Filters use the id, not a join on the code: the planner then knows how many rows a country
    has (PostgreSQL guessed 400 of 92,000 Vietnamese and sorted them all for a page of 50)."""
    ids: dict[str, int] | None = cache.get("country-ids")
    if ids is None:
        ids = dict(Country.objects.values_list("code", "id"))
        cache.set("country-ids", ids, COUNTRY_CHOICES_SECONDS)
    return ids.get(code.strip().upper(), 0)


def country_names(language: str) -> dict[str, str]:
    """Country code -> name in `language` (from the cached menu list)."""
    return dict(country_choices(language))


def localities(*, country: str = "VN", valid_on: dt.date | None = None) -> QuerySet[Locality]:
    qs = Locality.objects.filter(country__code=country).prefetch_related("successors", "predecessors")
    if valid_on is not None:
        qs = qs.valid_on(valid_on)
    return qs.order_by("name_en")


def locality_on(locality: Locality, day: dt.date) -> list[Locality]:
    """The unit(s) that `locality` had become by `day`, following predecessor → successor links.

    A 2023 task assigned to Hà Giang province is followed to Tuyên Quang after the 2025 merger.
    """
    current = [locality]
    for _ in range(10):  # successions are short chains; the bound guards against cycles
        moved = False
        following: list[Locality] = []
        for loc in current:
            if loc.valid_to is not None and loc.valid_to < day:
                successors = list(loc.successors.all())
                if successors:
                    following.extend(successors)
                    moved = True
                    continue
            following.append(loc)
        current = list(dict.fromkeys(following))
        if not moved:
            break
    return current

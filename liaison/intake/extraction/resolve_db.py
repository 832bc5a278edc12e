"""A resolver over the database: the Directory's people and organisations through the shared
name index (``core.name_index.lookup``), countries and localities from the reference tables.

The only Django-aware module of extraction. Entries' keys match the in-memory resolver's: an
external key without its "seed:" prefix (else "person:<id>" / "organisation:<id>"),
"country:<ISO code>", "locality:<code>". No access filtering happens here: the review pages
that show proposals apply the access policy.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from functools import cached_property

from liaison.core.name_index import lookup as name_lookup
from liaison.core.names import rank
from liaison.directory.indexing import ORGANISATION as ORGANISATION_KIND
from liaison.directory.indexing import PERSON as PERSON_KIND
from liaison.directory.models import (
    Country,
    Locality,
    Organisation,
    OrganisationName,
    Person,
    PersonName,
    Position,
)
from liaison.intake.extraction.data import load
from liaison.intake.extraction.resolver import ORGANISATION, PERSON, PLACE, Candidate, Entry
from liaison.intake.extraction.resolver import Position as EntryPosition

SEED_PREFIX = "seed:"


def _key(external_key: str, kind: str, pk: int) -> str:
    return external_key.removeprefix(SEED_PREFIX) if external_key else f"{kind}:{pk}"


class DirectoryResolver:
    """Reads the Directory once per instance (make one per document batch)."""

    @cached_property
    def _organisations(self) -> dict[int, Entry]:
        rows = Organisation.objects.values_list("pk", "external_key", "sort_name")
        return {pk: Entry(ORGANISATION, _key(ek, ORGANISATION, pk), pk, name) for pk, ek, name in rows}

    @cached_property
    def _people(self) -> dict[int, Entry]:
        positions: dict[int, list[EntryPosition]] = defaultdict(list)
        for person_id, title_en, title_ar, org_id in Position.objects.values_list(
            "person_id", "title_en", "title_ar", "organisation_id"
        ):
            org = self._organisations.get(org_id)
            positions[person_id].append(EntryPosition(title_en, title_ar, org.key if org else None))
        rows = Person.objects.values_list("pk", "external_key", "sort_name", "gender")
        return {
            pk: Entry(PERSON, _key(ek, PERSON, pk), pk, name, gender=gender, positions=tuple(positions[pk]))
            for pk, ek, name, gender in rows
        }

    @cached_property
    def _places(self) -> list[tuple[str, Entry]]:
        aliases: dict[str, list[str]] = load("places")["country_aliases"]
        out: list[tuple[str, Entry]] = []
        for code, en, vi, ar in Country.objects.values_list("code", "name_en", "name_vi", "name_ar"):
            entry = Entry(PLACE, f"country:{code}", code, en, place_kind="country")
            out.extend((name, entry) for name in (en, vi, ar, *aliases.get(code, [])) if name)
        for loc in Locality.objects.all():
            entry = Entry(
                PLACE,
                f"locality:{loc.code}",
                loc.code,
                loc.name_en,
                place_kind=loc.kind,
                valid_from=loc.valid_from,
                valid_to=loc.valid_to,
            )
            out.extend((name, entry) for name in (loc.name_en, loc.name_vi, loc.name_ar) if name)
        return out

    def names(self, kind: str) -> Iterable[tuple[str, Entry]]:
        if kind == PLACE:
            return self._places
        if kind == ORGANISATION:
            org_names = OrganisationName.objects.values_list("value", "organisation_id")
            return [(value, self._organisations[pk]) for value, pk in org_names if pk in self._organisations]
        if kind == PERSON:
            person_names = PersonName.objects.values_list("value", "person_id")
            return [(value, self._people[pk]) for value, pk in person_names if pk in self._people]
        return []

    def lookup(self, kind: str, query: str, *, limit: int = 5) -> list[Candidate]:
        if kind == PLACE:
            places = self._places
            matches = rank(query, [(i, name) for i, (name, _) in enumerate(places)], limit=limit)
            return [Candidate(places[m.key][1], m.score, m.value) for m in matches]
        table = self._people if kind == PERSON else self._organisations
        index_kind = PERSON_KIND if kind == PERSON else ORGANISATION_KIND
        return [
            Candidate(table[m.key], m.score, m.value)
            for m in name_lookup(kind=index_kind, query=query, limit=limit)
            if m.key in table
        ]

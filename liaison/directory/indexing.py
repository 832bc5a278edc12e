"""Derived search data of the Directory: matcher keys and full-text entries.

Services keep them current on every write; `reindex_all` rebuilds them (after an upgrade that
changes the matcher's rules, or for data loaded in bulk).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from liaison.core import name_index, search
from liaison.directory.models import Organisation, OrganisationName, Person, PersonName

ORGANISATION = "organisation"
PERSON = "person"


def index_organisation_text(org: Organisation, names: list[OrganisationName] | None = None) -> None:
    names = names if names is not None else list(org.names.all())
    search.index_record(
        kind=ORGANISATION,
        entity_id=org.pk,
        parts=[*(n.value for n in names), org.notes, org.address, org.email, org.website, org.phone],
    )


def index_person_text(person: Person, names: list[PersonName] | None = None) -> None:
    names = names if names is not None else list(person.names.all())
    titles = [(p.title_en, p.title_vi, p.title_ar) for p in person.positions.all()]
    search.index_record(
        kind=PERSON,
        entity_id=person.pk,
        parts=[
            *(n.value for n in names),
            person.notes,
            person.languages,
            *(t for row in titles for t in row),
        ],
    )


def _batches(qs: Any, size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for row in qs.iterator(chunk_size=size):
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def reindex_all(*, batch_size: int = 1000) -> dict[str, int]:
    """Rebuild matcher keys and full-text entries for every organisation and person."""
    counts = {ORGANISATION: 0, PERSON: 0}
    for batch in _batches(Organisation.objects.prefetch_related("names").order_by("pk"), batch_size):
        name_index.index_many(
            kind=ORGANISATION, entities=[(o.pk, [n.value for n in o.names.all()]) for o in batch]
        )
        for org in batch:
            index_organisation_text(org, list(org.names.all()))
        counts[ORGANISATION] += len(batch)
    people = Person.objects.prefetch_related("names", "positions").order_by("pk")
    for batch in _batches(people, batch_size):
        name_index.index_many(kind=PERSON, entities=[(p.pk, [n.value for n in p.names.all()]) for p in batch])
        for person in batch:
            index_person_text(person, list(person.names.all()))
        counts[PERSON] += len(batch)
    return counts

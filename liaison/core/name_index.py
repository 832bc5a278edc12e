"""Stored retrieval keys for the shared name matcher, and lookups through them.

Every place that finds a person, organisation or place by name calls `lookup` (search boxes,
the API's `?q=`, duplicate detection, imports, later the document intake).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db.models import Count

from liaison.core.models import NameKey
from liaison.core.names import Match, name_keys, rank, retrieval_keys, token_keys_for_query

# A query whose keys match more names than this ranks only this many (most keys shared first).
CANDIDATE_LIMIT = 2000


def _keys_for(value: str) -> set[str]:
    return set(retrieval_keys(name_keys(value)))


def index_entity(*, kind: str, entity_id: int, names: Iterable[str]) -> None:
    """Replace the keys stored for one entity with those of its current names."""
    NameKey.objects.filter(kind=kind, entity_id=entity_id).delete()
    NameKey.objects.bulk_create(_rows(kind, entity_id, names))


def index_many(*, kind: str, entities: Sequence[tuple[int, Iterable[str]]], batch_size: int = 5000) -> None:
    """Index many entities at once (imports, demo data, benchmarks)."""
    ids = [entity_id for entity_id, _ in entities]
    for start in range(0, len(ids), 900):
        NameKey.objects.filter(kind=kind, entity_id__in=ids[start : start + 900]).delete()
    rows: list[NameKey] = []
    for entity_id, names in entities:
        rows.extend(_rows(kind, entity_id, names))
        if len(rows) >= batch_size:
            NameKey.objects.bulk_create(rows, batch_size=batch_size)
            rows = []
    NameKey.objects.bulk_create(rows, batch_size=batch_size)


def _rows(kind: str, entity_id: int, names: Iterable[str]) -> list[NameKey]:
    rows = []
    for value in dict.fromkeys(n.strip() for n in names if n and n.strip()):
        for key in _keys_for(value):
            rows.append(NameKey(kind=kind, entity_id=entity_id, value=value[:300], key=key[:64]))
    return rows


def lookup(*, kind: str, query: str, limit: int = 20) -> list[Match[int]]:
    """Entities of `kind` whose names match `query`, best first; ambiguous spellings give all.

    Candidates come from the rarest shared keys first (a key like Nguyễn's is shared by a large
    part of a national directory), at most CANDIDATE_LIMIT of them; at most three queries.
    """
    keys = list(dict.fromkeys(token_keys_for_query(query)))
    if not keys:
        return []
    base = NameKey.objects.filter(kind=kind)
    frequency = dict(base.filter(key__in=keys).values("key").annotate(n=Count("id")).values_list("key", "n"))
    present = sorted((k for k in keys if frequency.get(k)), key=lambda k: frequency[k])
    if not present:
        return []
    rare: list[str] = []
    total = 0
    for key in present:
        if rare and total + frequency[key] > CANDIDATE_LIMIT:
            break
        rare.append(key)
        total += frequency[key]
    candidates = list(base.filter(key__in=rare).values_list("entity_id", "value")[:CANDIDATE_LIMIT])
    common = present[len(rare) :]
    if common and len(candidates) < CANDIDATE_LIMIT:
        candidates += list(
            base.filter(key=common[0]).values_list("entity_id", "value")[: CANDIDATE_LIMIT - len(candidates)]
        )
    return rank(query, candidates, limit=limit)

"""Stored retrieval keys for the shared name matcher, and lookups through them.

Every place that finds a person, organisation or place by name calls `lookup` (search boxes,
the API's `?q=`, duplicate detection, imports, later the document intake).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from django.core.cache import cache
from django.db import connection

from liaison.core.models import NameKey
from liaison.core.names import Match, name_keys, rank, retrieval_keys, token_keys_for_query

# A key shared by more names than this is "common" (a family name like Nguyễn's): it is not
# used to gather candidates while rarer keys of the query can do it.
RARE_KEY_LIMIT = 2000
# At most this many candidates, those sharing most keys with the query, are ranked in Python.
CANDIDATE_LIMIT = 300
# Key frequencies change slowly and are only compared with RARE_KEY_LIMIT: cache them briefly.
FREQUENCY_TTL_SECONDS = 600


def _keys_for(value: str) -> set[str]:
    return set(retrieval_keys(name_keys(value)))


def index_entity(*, kind: str, entity_id: int, names: Iterable[str]) -> None:
    """Replace the keys stored for one entity with those of its current names."""
    old = set(NameKey.objects.filter(kind=kind, entity_id=entity_id).values_list("key", flat=True))
    NameKey.objects.filter(kind=kind, entity_id=entity_id).delete()
    rows = _rows(kind, entity_id, names)
    NameKey.objects.bulk_create(rows)
    _forget_frequencies(kind, old | {row.key for row in rows})


def _cache_key(kind: str, key: str) -> str:
    return f"liaison:namekey:{kind}:{key}"


def _forget_frequencies(kind: str, keys: Iterable[str]) -> None:
    cache.delete_many([_cache_key(kind, key) for key in keys])


def index_many(*, kind: str, entities: Sequence[tuple[int, Iterable[str]]], batch_size: int = 5000) -> None:
    """Index many entities at once (imports, demo data, benchmarks)."""
    ids = [entity_id for entity_id, _ in entities]
    for start in range(0, len(ids), 900):
        NameKey.objects.filter(kind=kind, entity_id__in=ids[start : start + 900]).delete()
    rows: list[NameKey] = []
    touched: set[str] = set()
    for entity_id, names in entities:
        rows.extend(_rows(kind, entity_id, names))
        if len(rows) >= batch_size:
            touched.update(row.key for row in rows)
            NameKey.objects.bulk_create(rows, batch_size=batch_size)
            rows = []
    touched.update(row.key for row in rows)
    NameKey.objects.bulk_create(rows, batch_size=batch_size)
    _forget_frequencies(kind, touched)


def _rows(kind: str, entity_id: int, names: Iterable[str]) -> list[NameKey]:
    rows = []
    for value in dict.fromkeys(n.strip() for n in names if n and n.strip()):
        for key in _keys_for(value):
            rows.append(NameKey(kind=kind, entity_id=entity_id, value=value[:300], key=key[:64]))
    return rows


def key_frequencies(*, kind: str, keys: Sequence[str]) -> dict[str, int]:
    """How many names share each key, counted up to RARE_KEY_LIMIT + 1 (enough to tell rare keys)."""
    cache_keys = {key: _cache_key(kind, key) for key in keys}
    cached = cache.get_many(list(cache_keys.values()))
    found = {key: cached[ck] for key, ck in cache_keys.items() if ck in cached}
    missing = [key for key in keys if key not in found]
    if missing:
        found |= _count_bounded(kind, missing)
        cache.set_many({cache_keys[key]: found[key] for key in missing}, FREQUENCY_TTL_SECONDS)
    return found


def _count_bounded(kind: str, keys: Sequence[str]) -> dict[str, int]:
    """Each key's count up to RARE_KEY_LIMIT + 1, in one statement: one bounded index-only range
    scan per key, however common the key is (a GROUP BY would count every row of a common key)."""
    quote = connection.ops.quote_name
    table = quote(NameKey._meta.db_table)
    kind_col, key_col = quote(str(NameKey.kind.field.column)), quote(str(NameKey.key.field.column))
    cap = RARE_KEY_LIMIT + 1
    # Only integers and quoted identifiers are interpolated; the values are parameters.
    parts = [
        f"SELECT {i} AS i, COUNT(*) AS n FROM "  # noqa: S608
        f"(SELECT 1 AS one FROM {table} WHERE {kind_col} = %s AND {key_col} = %s LIMIT {cap}) AS s{i}"
        for i in range(len(keys))
    ]
    params = [value for key in keys for value in (kind, key)]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        counts = dict(cursor.fetchall())
    return {key: counts.get(i, 0) for i, key in enumerate(keys)}


def lookup(*, kind: str, query: str, limit: int = 20) -> list[Match[int]]:
    """Entities of `kind` whose names match `query`, best first; ambiguous spellings give all.

    Candidates are the names sharing the most of the query's rare keys (the whole-name key, word
    pairs, uncommon words), at most CANDIDATE_LIMIT; when every key is common, names sharing the
    least common one. Then the matcher ranks them.
    """
    keys = list(dict.fromkeys(token_keys_for_query(query)))
    if not keys:
        return []
    frequency = key_frequencies(kind=kind, keys=keys)
    # A cached count may be a little old; it only decides which keys gather candidates.
    rare = [k for k in keys if frequency[k] <= RARE_KEY_LIMIT]
    base = NameKey.objects.filter(kind=kind)
    if rare:
        # Counted in Python: a GROUP BY here leads SQLite to scan the (kind, entity_id) index
        # instead of fetching the few rows of the rare keys (and on PostgreSQL, grouping the
        # names costs more than counting them here). Read on a raw cursor: thousands of rows
        # that need no conversion.
        sql, params = base.filter(key__in=rare).values_list("entity_id", "value").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            shared = Counter(cursor.fetchall())
        candidates = [pair for pair, _ in shared.most_common(CANDIDATE_LIMIT)]
    else:
        least_common = min(keys, key=lambda k: frequency[k])
        candidates = list(base.filter(key=least_common).values_list("entity_id", "value")[:CANDIDATE_LIMIT])
    return rank(query, candidates, limit=limit)

"""Full-text search over records, with one normalisation at index and at query time.

Text is folded in Python (`liaison.core.names.fold`) before it reaches the database, because
SQLite FTS5's tokenizer splits Arabic words at vowel marks and folds no Arabic letter forms, and
no tokenizer folds Vietnamese "đ". SQLite uses an FTS5 table kept in step by triggers;
PostgreSQL a stored `simple` tsvector column (`tsv`, generated from the text) with a GIN index,
plus a trigram index for fuzzy name look-ups.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import connection
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from liaison.core.models import SearchEntry
from liaison.core.names import fold

_TOKEN = re.compile(r"\w+", re.UNICODE)
_OPEN, _CLOSE = "\x02", "\x03"


def index_record(*, kind: str, entity_id: int, parts: Iterable[str | None]) -> None:
    """Store (or replace) the searchable text of one record."""
    text = fold(" ".join(p for p in parts if p))
    SearchEntry.objects.update_or_create(kind=kind, entity_id=entity_id, defaults={"text": text})


def remove_record(*, kind: str, entity_id: int) -> None:
    SearchEntry.objects.filter(kind=kind, entity_id=entity_id).delete()


def _tokens(query: str) -> list[str]:
    return _TOKEN.findall(fold(query))[:12]


def matching_ids(*, kind: str, query: str, limit: int = 500) -> list[int]:
    """Records of `kind` containing every word of `query` (as a prefix), best first."""
    tokens = _tokens(query)
    if not tokens:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            tsquery = " & ".join(f"{t}:*" for t in tokens)
            cursor.execute(
                "SELECT entity_id FROM core_searchentry WHERE kind = %s "
                "AND tsv @@ to_tsquery('simple', %s) "
                "ORDER BY ts_rank(tsv, to_tsquery('simple', %s)) DESC, entity_id "
                "LIMIT %s",
                [kind, tsquery, tsquery, limit],
            )
        else:
            match = " ".join(f'"{t}"*' for t in tokens)
            cursor.execute(
                "SELECT e.entity_id FROM core_search_fts f JOIN core_searchentry e ON e.id = f.rowid "
                "WHERE core_search_fts MATCH %s AND e.kind = %s ORDER BY f.rank, e.entity_id LIMIT %s",
                [match, kind, limit],
            )
        return [row[0] for row in cursor.fetchall()]


def snippets(*, kind: str, query: str, ids: list[int]) -> dict[int, SafeString]:
    """A highlighted extract of each record's folded text around the query's words."""
    tokens = _tokens(query)
    if not tokens or not ids:
        return {}
    placeholders = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            tsquery = " & ".join(f"{t}:*" for t in tokens)
            # Only "%s" placeholders are interpolated; every value is a bound parameter.
            sql = (
                "SELECT entity_id, ts_headline('simple', text, to_tsquery('simple', %s), "
                "'StartSel=\x02, StopSel=\x03, MaxWords=18, MinWords=6') "
                f"FROM core_searchentry WHERE kind = %s AND entity_id IN ({placeholders})"
            )
            cursor.execute(sql, [tsquery, kind, *ids])
        else:
            match = " ".join(f'"{t}"*' for t in tokens)
            sql = (
                "SELECT e.entity_id, snippet(core_search_fts, 0, char(2), char(3), '…', 14) "
                "FROM core_search_fts f JOIN core_searchentry e ON e.id = f.rowid "
                f"WHERE core_search_fts MATCH %s AND e.kind = %s AND e.entity_id IN ({placeholders})"
            )
            cursor.execute(sql, [match, kind, *ids])
        rows = cursor.fetchall()
    return {
        entity_id: mark_safe(  # noqa: S308 - the text is escaped; only our own markers become tags
            escape(text).replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>")
        )
        for entity_id, text in rows
    }

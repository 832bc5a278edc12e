"""Full-text search across documents, through the access policy, with snippets in the original text.

Documents are indexed in the shared full-text index (`liaison.core.search`: FTS5 on SQLite, a
stored `simple` tsvector with a GIN index on PostgreSQL) as the `fold()` of their title, body and captions, so
أ/إ/آ/ا, ى/ي, ة/ه, harakat, tatweel and Vietnamese diacritics match whichever way they are
written. A document matches when it holds every word of the query (each as a word prefix).
Only documents the user may read are matched and counted. Results come newest first (published
date, then ingestion order): the same order on both databases. The work per search is bounded
whatever the words (see `search`): a count up to COUNT_CAP, exact unless the words are common.

Snippets are cut from the document's *original* body (not the folded index text): each query
word is turned into a pattern that accepts every spelling `fold()` equates, so the highlight
falls on the characters as written, marks and all.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, Final

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from liaison.core import access
from liaison.core.names import fold
from liaison.intake.models import Document
from liaison.intake.services import SEARCH_KIND

MAX_WORDS: Final = 12
# Index matches examined for the count (see `search`).
PROBE: Final = 2000
# Readable matches counted up to this many; beyond it the total reads "at least".
COUNT_CAP: Final = 1000
SNIPPET_CHARS: Final = 240
_TOKEN: Final = re.compile(r"\w+", re.UNICODE)
# The scripts whose characters fold() rewrites or drops: Latin with its diacritics, Arabic.
_RANGES: Final = ((0x20, 0x24F), (0x300, 0x36F), (0x1E00, 0x1EFF), (0x600, 0x6FF), (0x750, 0x77F))
_INVISIBLE: Final = "\u00ad\u061c\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"


@dataclass(frozen=True)
class Hit:
    document_id: int
    title: str
    language: str
    published_on: Any
    snippet: SafeString


@dataclass(frozen=True)
class SearchResults:
    query: str
    total: int
    hits: list[Hit]
    # False when `total` is a lower bound ("at least"): the words are in too many documents to count.
    exact: bool = True


def words(query: str) -> list[str]:
    """The query's words in the index's form (at most MAX_WORDS)."""
    return _TOKEN.findall(fold(query))[:MAX_WORDS]


# One search is one statement (see `search`), in parts:
# m        the index's matches: on SQLite the FTS5 rowids of every match, read once (FTS5 merges
#          the whole posting list of a prefix on every MATCH: 1-60 ms for a common word, so the
#          statement matches once and the walk looks documents up in this list); on PostgreSQL
#          the ids of at most PROBE + 1 matching documents, read through the GIN index by
#          `intake_document_matches` (migration intake 0004).
# found    the readable documents among the first PROBE matches, up to COUNT_CAP + 1.
# counts   how many matches (up to PROBE + 1) and how many found: the total. `found` holds every
#          readable match when the first is at most PROBE and the second at most COUNT_CAP.
# sorted   then: the page is cut from `found`, sorted.
# walked   otherwise (a common word): the readable documents newest first, each tested (SQLite:
#          looked up in m; PostgreSQL: its stored tsvector, one row read) until the page is full.
#          A word in a share s of the documents reads about (offset + limit) / s of them.
# The page's documents are then read by id (in no order: sorted in Python).
_STATEMENT = """
WITH m(r) AS MATERIALIZED ({matches}),
readable AS NOT MATERIALIZED ({readable}),
found(pk, published_on) AS MATERIALIZED (
  SELECT d.pk, d.published_on FROM (SELECT r FROM m LIMIT {probe}) AS p {found_join} LIMIT {cap_1}
),
counts(matched, readable) AS MATERIALIZED (
  SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM m LIMIT {probe_1}) AS x), (SELECT COUNT(*) FROM found)
),
walked(pk) AS (
  SELECT d.pk FROM readable d
  WHERE {walk_guard} EXISTS (
    SELECT 1 FROM core_searchentry e WHERE e.kind = %s AND e.entity_id = d.pk AND {holds}
  )
  ORDER BY d.published_on DESC NULLS LAST, d.pk DESC LIMIT {walk_limit} OFFSET %s
),
sorted(pk) AS (
  SELECT d.pk FROM found d
  WHERE {sort_guard} TRUE ORDER BY d.published_on DESC NULLS LAST, d.pk DESC LIMIT {sort_limit} OFFSET %s
)
SELECT readable, matched, NULL, NULL, NULL, NULL, NULL, NULL FROM counts
UNION ALL
SELECT NULL, NULL, doc.id, doc.title, doc.language, doc.published_on, doc.body, doc.captions
FROM {documents} doc
WHERE doc.id IN (SELECT pk FROM walked UNION ALL SELECT pk FROM sorted)
"""
# Whether `found` holds every readable match (then the page is sorted from it, else walked).
_COMPLETE = "(SELECT matched <= {probe} AND readable <= {cap} FROM counts)"
# PostgreSQL: constant LIMITs for the planner; the part not taken is skipped by a one-time filter.
# OFFSET 0 keeps the walk's test a test of each document walked: the planner would otherwise join
# all the matches (it underestimates how many documents hold a prefix) and sort them.
_POSTGRES = {
    "matches": "SELECT * FROM intake_document_matches(%s, to_tsquery('simple', %s), %s)",
    "found_join": "JOIN readable d ON d.pk = p.r",
    "holds": "e.tsv @@ to_tsquery('simple', %s) OFFSET 0",
    "walk_guard": f"NOT {_COMPLETE} AND",
    "walk_limit": "{limit}",
    "sort_guard": f"{_COMPLETE} AND",
    "sort_limit": "{limit}",
}
# SQLite: joins in the order written (CROSS JOIN); a LIMIT is evaluated once, before any row is
# read, so the part not taken (LIMIT 0) reads none (a WHERE test would be made on every row).
_SQLITE = {
    "matches": "SELECT rowid FROM core_search_fts WHERE core_search_fts MATCH %s",
    "found_join": "CROSS JOIN core_searchentry e ON e.id = p.r CROSS JOIN readable d ON d.pk = e.entity_id "
    "WHERE e.kind = %s",
    "holds": "e.id IN (SELECT r FROM m)",
    "walk_guard": "",
    "walk_limit": f"(SELECT CASE WHEN {_COMPLETE} THEN 0 ELSE {{limit}} END)",
    "sort_guard": "",
    "sort_limit": f"(SELECT CASE WHEN {_COMPLETE} THEN {{limit}} ELSE 0 END)",
}


def _statement(
    tokens: list[str], readable: str, readable_params: tuple[Any, ...], *, limit: int, offset: int
) -> tuple[str, list[Any]]:
    """The statement (see _STATEMENT) and its parameters. Its SQL is made of constant parts and
    integers; the words, the kind and the access policy's values are bound parameters."""
    sizes = {
        "probe": int(PROBE),
        "probe_1": int(PROBE) + 1,
        "cap": int(COUNT_CAP),
        "cap_1": int(COUNT_CAP) + 1,
    }
    postgres = connection.vendor == "postgresql"
    parts = {
        key: part.format(limit=int(limit), **sizes)
        for key, part in (_POSTGRES if postgres else _SQLITE).items()
    }
    sql = _STATEMENT.format(
        readable=readable, documents=connection.ops.quote_name(Document._meta.db_table), **parts, **sizes
    )
    if postgres:
        tsquery = " & ".join(f"{t}:*" for t in tokens)
        params = [SEARCH_KIND, tsquery, int(PROBE) + 1, *readable_params, SEARCH_KIND, tsquery]
    else:
        params = [_fts_match(tokens), *readable_params, SEARCH_KIND, SEARCH_KIND]
    return sql, [*params, int(offset), int(offset)]


def _fts_match(tokens: list[str]) -> str:
    return " ".join(f'"{t}"*' for t in tokens)


def _readable(user: Any) -> tuple[str, tuple[Any, ...]] | None:
    """The documents the user may read, as SQL selecting `pk` and `published_on` (the access
    policy's own filter); None when the user may read none."""
    readable = access.visible(user, Document.objects.all()).order_by().values("pk", "published_on")
    try:
        sql, params = readable.query.sql_with_params()
    except EmptyResultSet:
        return None
    return sql, tuple(params)


def search(user: Any, query: str, *, limit: int = 20, offset: int = 0) -> SearchResults:
    """The documents the user may read that hold every word of `query`, newest first, with snippets.

    One statement (see _STATEMENT), whose work is bounded by the page, not by how common the
    words are:
    - the count: the readable documents among the first PROBE index matches, up to COUNT_CAP
      (exact when the index matched at most PROBE and the count stayed under the cap);
    - the page: when the count is exact, cut from those documents sorted; otherwise the
      readable documents are walked newest first, each tested against the index, until the page
      is full (a word in a share s of the documents: about (offset + limit) / s of them read).
    """
    tokens = words(query)
    readable = _readable(user) if tokens else None
    if not tokens or readable is None:
        return SearchResults(query=query, total=0, hits=[])
    sql, params = _statement(tokens, *readable, limit=limit, offset=offset)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    # The counts' row is the one without a document.
    ((counted, matched, *_),) = [row for row in rows if row[2] is None]
    total = min(counted, COUNT_CAP)
    exact = counted <= COUNT_CAP and matched <= PROBE
    page = sorted((row for row in rows if row[2] is not None), key=_newest_first, reverse=True)
    hits = [
        Hit(
            document_id=pk,
            title=title,
            language=language,
            published_on=published_on,
            snippet=snippet(tokens, body, captions, title),
        )
        for _, _, pk, title, language, published_on, body, captions in page
    ]
    return SearchResults(query=query, total=total, hits=hits, exact=exact)


def _newest_first(row: tuple[Any, ...]) -> tuple[bool, Any, int]:
    """The list's order (published date, undated last, then newest ingested), for sorting reversed."""
    published_on = row[5]
    return (published_on is not None, published_on or dt.date.min, row[2])


@cache
def _spellings() -> dict[str, str]:
    """For each character fold() produces, a regex class of the characters that fold to it."""
    groups: dict[str, set[str]] = {}
    for low, high in _RANGES:
        for code in range(low, high + 1):
            c = chr(code)
            folded = fold(f"a{c}b")
            if len(folded) == 3 and folded[1] != " ":
                groups.setdefault(folded[1], set()).add(c)
    return {k: "[" + "".join(re.escape(c) for c in sorted(v | {k})) + "]" for k, v in groups.items()}


@cache
def _ignorable() -> str:
    """Characters fold() drops inside a word: combining marks, harakat, tatweel, invisible marks."""
    dropped = {
        chr(code) for low, high in _RANGES for code in range(low, high + 1) if fold(f"a{chr(code)}b") == "ab"
    }
    return "[" + "".join(re.escape(c) for c in sorted(dropped | set(_INVISIBLE))) + "]"


@lru_cache(maxsize=256)
def _pattern(tokens: tuple[str, ...]) -> re.Pattern[str]:
    """Any spelling of a query word at the start of a word, with the rest of the word.

    The "not after a word character" test comes after the word's first letter (as a look-behind
    over two characters), so the pattern starts with a character class: the regex engine then
    skips to the candidate letters instead of trying the test at every position."""
    spellings, marks = _spellings(), _ignorable()
    alternatives = []
    for token in sorted(set(tokens), key=len, reverse=True):
        first, *rest = (spellings.get(c, re.escape(c)) for c in token)
        letters = "".join(f"{c}{marks}*" for c in rest)
        alternatives.append(rf"{first}(?<!\w.)(?<!{marks}.){marks}*{letters}")
    word_char = rf"(?:\w|{marks})"
    return re.compile(rf"(?:{'|'.join(alternatives)}){word_char}*", re.IGNORECASE)


def snippet(tokens: list[str], *texts: str) -> SafeString:
    """An extract of the first of `texts` holding a query word, the words marked; else its start."""
    pattern = _pattern(tuple(tokens))
    for text in texts:
        matches = list(pattern.finditer(text)) if text else []
        if matches:
            return _cut(text, matches)
    first = next((t for t in texts if t), "")
    return _cut(first, [])


def _cut(text: str, matches: list[re.Match[str]]) -> SafeString:
    start = 0
    if matches:
        # The window holding the most distinct words, from the first match on.
        folded: dict[str, str] = {}
        keys = [folded.setdefault(m.group(), fold(m.group())) for m in matches]
        best, best_count, most = matches[0].start(), 0, len(set(keys))
        for i, m in enumerate(matches):
            limit = m.start() + SNIPPET_CHARS
            inside = set()
            for x, key in zip(matches[i:], keys[i:], strict=True):
                if x.end() > limit:
                    break
                inside.add(key)
            if len(inside) > best_count:
                best, best_count = m.start(), len(inside)
                if best_count == most:
                    break
        start = max(0, best - SNIPPET_CHARS // 4)
        space = text.rfind(" ", 0, start + 1)
        start = space + 1 if space > 0 and start - space < 20 else start
    end = min(len(text), start + SNIPPET_CHARS)
    space = text.find(" ", end)
    end = space if 0 < space - end < 20 else end
    parts = ["…" if start > 0 else ""]
    cursor = start
    for m in matches:
        if m.start() < cursor or m.end() > end:
            continue
        parts += [escape(text[cursor : m.start()]), "<mark>", escape(m.group()), "</mark>"]
        cursor = m.end()
    parts += [escape(text[cursor:end]), "…" if end < len(text) else ""]
    return mark_safe("".join(parts).replace("\n", " "))  # noqa: S308 - every piece of text is escaped

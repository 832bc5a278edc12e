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

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, Final

from django.db import connection
from django.db.models import BooleanField, F
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from liaison.core import access
from liaison.core.htmx import capped_count
from liaison.core.names import fold
from liaison.intake.models import Document
from liaison.intake.services import SEARCH_KIND

MAX_WORDS: Final = 12
# Matching ids read from the full-text index before choosing how to page (see `search`).
PROBE: Final = 5000
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


def _index_sql(tokens: list[str]) -> tuple[str, list[Any]]:
    """SQL selecting the ids of the documents holding every token (as a word prefix), any order."""
    if connection.vendor == "postgresql":
        tsquery = " & ".join(f"{t}:*" for t in tokens)
        return (
            "SELECT e.entity_id FROM core_searchentry e "
            "WHERE e.kind = %s AND e.tsv @@ to_tsquery('simple', %s)",
            [SEARCH_KIND, tsquery],
        )
    return (
        "SELECT e.entity_id FROM core_search_fts f JOIN core_searchentry e ON e.id = f.rowid "
        "WHERE core_search_fts MATCH %s AND e.kind = %s",
        [_fts_match(tokens), SEARCH_KIND],
    )


def _fts_match(tokens: list[str]) -> str:
    return " ".join(f'"{t}"*' for t in tokens)


def _holds_every_word(tokens: list[str]) -> RawSQL:
    """A condition on a document: it holds every token. Checked row by row, for walking the
    documents newest first when the words are common (one index look-up per document)."""
    table = connection.ops.quote_name(Document._meta.db_table)
    if connection.vendor == "postgresql":
        tsquery = " & ".join(f"{t}:*" for t in tokens)
        sql = (
            "EXISTS (SELECT 1 FROM core_searchentry e WHERE e.kind = %s "  # noqa: S608 - a quoted table name
            f"AND e.entity_id = {table}.id AND e.tsv @@ to_tsquery('simple', %s))"
        )
        return RawSQL(sql, [SEARCH_KIND, tsquery], output_field=BooleanField())  # noqa: S611
    sql = (
        "EXISTS (SELECT 1 FROM core_searchentry e JOIN core_search_fts f ON f.rowid = e.id "  # noqa: S608
        f"WHERE e.kind = %s AND e.entity_id = {table}.id AND core_search_fts MATCH %s)"
    )
    return RawSQL(sql, [SEARCH_KIND, _fts_match(tokens)], output_field=BooleanField())  # noqa: S611


def _index_matches(tokens: list[str], limit: int) -> tuple[int, RawSQL]:
    """How many documents the index matches (up to `limit`), and those ids as a subquery."""
    sql, params = _index_sql(tokens)
    # The SQL is constant; the words are bound parameters; `limit` is an int.
    bounded = f"{sql} LIMIT {int(limit)}"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({bounded}) AS m", params)  # noqa: S608
        (count,) = cursor.fetchone()
    return count, RawSQL(bounded, params)  # noqa: S611


def search(user: Any, query: str, *, limit: int = 20, offset: int = 0) -> SearchResults:
    """The documents the user may read that hold every word of `query`, newest first, with snippets.

    The work is bounded whatever the words. The full-text index gives at most PROBE matching ids
    (any order). Fewer than that: the readable ones among them are counted exactly (up to
    COUNT_CAP) and the newest are read from them. More (a word in most documents): the readable
    documents are walked newest first, each checked against the index, until the page is full;
    the total is then a lower bound (the readable matches among those PROBE, up to COUNT_CAP).
    """
    tokens = words(query)
    if not tokens:
        return SearchResults(query=query, total=0, hits=[])
    matched, candidates = _index_matches(tokens, PROBE + 1)
    readable = access.visible(user, Document.objects.all())
    sample = readable.filter(pk__in=candidates)
    total, exact = capped_count(sample, COUNT_CAP)
    if matched > PROBE:
        found = readable.filter(_holds_every_word(tokens))
        exact = False
    else:
        found = sample
    rows = (
        found.order_by(F("published_on").desc(nulls_last=True), "-pk").values(
            "pk", "title", "language", "published_on", "body", "captions"
        )[offset : offset + limit]
        if total > offset or not exact
        else []
    )
    hits = [
        Hit(
            document_id=row["pk"],
            title=row["title"],
            language=row["language"],
            published_on=row["published_on"],
            snippet=snippet(tokens, row["body"], row["captions"], row["title"]),
        )
        for row in rows
    ]
    return SearchResults(query=query, total=total, hits=hits, exact=exact)


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
    spellings, marks = _spellings(), _ignorable()
    alternatives = []
    for token in sorted(set(tokens), key=len, reverse=True):
        letters = "".join(f"{spellings.get(c, re.escape(c))}{marks}*" for c in token)
        alternatives.append(letters)
    word_char = rf"(?:\w|{marks})"
    return re.compile(rf"(?<!\w)(?<!{marks})(?:{'|'.join(alternatives)}){word_char}*", re.IGNORECASE)


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
        best, best_count = matches[0].start(), 0
        for i, m in enumerate(matches):
            inside = {fold(x.group()) for x in matches[i:] if x.end() <= m.start() + SNIPPET_CHARS}
            if len(inside) > best_count:
                best, best_count = m.start(), len(inside)
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

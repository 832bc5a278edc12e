"""PostgreSQL: `intake_document_matches(kind, query, most)`, the ids of at most `most` records of
`kind` whose stored tsvector matches `query`, read through the GIN index.

Reading them through the index is what makes a document search's count cheap: the index says
which rows match without opening their tsvectors (the `simple` configuration's match needs no
recheck). The planner does not know that reading a stored tsvector means fetching and
decompressing it (tens of microseconds a row), so for a word in most documents it prefers to scan
the table and test every row, which is ten times slower; the function turns off the plain and
index scans for its own query only (SET on the function), leaving the bitmap scan of the GIN index.
The function is PARALLEL UNSAFE on purpose: a search statement calling it is then planned without
parallel workers, which the planner would otherwise start to walk the documents newest first
(it underestimates how many match a prefix); starting them costs more than the walk of a page.
ROWS 100 (fewer than it may return) keeps the planner reading the documents of the matches by
primary key (a thousand look-ups) rather than hashing the whole document table to join them.
SQLite: nothing (FTS5 answers a match from its own index).
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION intake_document_matches(kind text, query tsquery, most integer)
RETURNS SETOF bigint
LANGUAGE sql STABLE PARALLEL UNSAFE ROWS 100
SET enable_seqscan = off
SET enable_indexscan = off
AS $$
    SELECT e.entity_id FROM core_searchentry e WHERE e.kind = $1 AND e.tsv @@ $2 LIMIT $3
$$
"""
BACKWARD = "DROP FUNCTION IF EXISTS intake_document_matches(text, tsquery, integer)"


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("intake", "0003_document_newest_index"), ("core", "0007_search_stored_tsvector")]
    operations = [migrations.RunPython(forward, backward)]

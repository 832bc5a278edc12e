"""PostgreSQL: the searchable text's tsvector stored in a generated column (and indexed), so a
match never parses the text again; the expression index it replaces is dropped. SQLite: nothing
(FTS5 keeps its own index)."""

from django.db import migrations

POSTGRES_FORWARD = [
    "ALTER TABLE core_searchentry ADD COLUMN tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED",
    "CREATE INDEX core_search_tsv_stored ON core_searchentry USING gin (tsv)",
    "DROP INDEX IF EXISTS core_search_tsv",
]
POSTGRES_BACKWARD = [
    "CREATE INDEX IF NOT EXISTS core_search_tsv ON core_searchentry USING gin (to_tsvector('simple', text))",
    "DROP INDEX IF EXISTS core_search_tsv_stored",
    "ALTER TABLE core_searchentry DROP COLUMN IF EXISTS tsv",
]


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES_FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES_BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("core", "0006_alter_auditevent_action")]
    operations = [migrations.RunPython(forward, backward)]

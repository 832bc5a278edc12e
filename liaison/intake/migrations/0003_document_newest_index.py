"""PostgreSQL: an index in the order lists and searches read documents (newest published first,
undated last, then newest ingested), so a search walking documents newest first stops after a page.
The model's index sorts undated documents first on PostgreSQL (DESC means NULLS FIRST there);
SQLite sorts NULL lowest, so its DESC index already has undated documents last."""

from django.db import migrations

FORWARD = "CREATE INDEX intake_document_newest ON intake_document (published_on DESC NULLS LAST, id DESC)"
BACKWARD = "DROP INDEX IF EXISTS intake_document_newest"


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("intake", "0002_provenance")]
    operations = [migrations.RunPython(forward, backward)]

"""After migrations, SQLite's planner statistics are refreshed (a rebuilt table has none)."""

import pytest
from django.db import connection

from liaison.core.apps import refresh_statistics
from liaison.core.testing import make_org

pytestmark = pytest.mark.django_db


def _stats() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tbl FROM sqlite_stat1")
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite keeps its statistics in sqlite_stat1")
def test_migrations_that_ran_refresh_the_statistics():
    for n in range(3):
        make_org(f"Organisation {n}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("DELETE FROM sqlite_stat1 WHERE tbl = 'directory_organisation'")
    refresh_statistics(sender=None, plan=[])  # nothing migrated: nothing done
    assert "directory_organisation" not in _stats()
    refresh_statistics(sender=None, plan=[("a migration", False)])
    assert "directory_organisation" in _stats()

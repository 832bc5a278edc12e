from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


def refresh_statistics(sender: Any, using: str = "default", plan: Any = None, **kwargs: Any) -> None:
    """After migrations ran, let SQLite's query planner know the tables again.

    SQLite rebuilds a table to alter a column, and the rebuilt table has no statistics until the
    next ANALYZE: the planner then guesses, and at a hundred thousand members a list page went
    from milliseconds to most of a second. PostgreSQL's autovacuum analyses on its own."""
    connection = connections[using]
    if plan and connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


class CoreConfig(AppConfig):
    name = "liaison.core"
    label = "core"
    verbose_name = "Liaison core"

    def ready(self) -> None:
        post_migrate.connect(refresh_statistics, sender=self, dispatch_uid="liaison.core.refresh_statistics")

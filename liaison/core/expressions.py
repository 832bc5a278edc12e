"""Query expressions the ORM lacks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection as default_connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, F, Func, IntegerField, Q
from django.db.models.sql.compiler import SQLCompiler


class PositionIn(Func):
    """Where a row's value stands in a list of ids computed in Python (smaller is earlier), to
    order rows by that list: a relevance ranking, say. One parameter whatever the list's length,
    where `Case(When(...), ...)` builds and compiles one expression per id.

    PostgreSQL: `array_position(ids, value)`. SQLite: the offset of ",value," in ",id1,id2,…,",
    which grows with the position in the list. Rows whose value is not in the list come last
    on PostgreSQL (NULL) and first on SQLite (0): filter them out.
    """

    output_field = IntegerField()

    def __init__(self, expression: Any, ids: Iterable[int]) -> None:
        super().__init__(expression)
        self.ids = [int(i) for i in ids]

    def ids_param(self, vendor: str) -> Any:
        """The list as the statement's one parameter (`core.prepared.PositionInSlot`: a slot)."""
        return int_array(self.ids) if vendor == "postgresql" else listed_ids(self.ids)

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        column, params = compiler.compile(self.source_expressions[0])
        ids = self.ids_param(connection.vendor)
        if connection.vendor == "postgresql":
            return f"array_position(%s::bigint[], {column})", [ids, *params]
        return f"instr(%s, ',' || {column} || ',')", [ids, *params]


def listed_ids(ids: Iterable[int]) -> str:
    """Ids as SQLite's `PositionIn` searches them: ",id1,id2,…,"."""
    return "," + ",".join(str(int(i)) for i in ids) + ","


def int_array(ids: Iterable[int]) -> str:
    """A PostgreSQL array of ints as its text, one parameter (psycopg writes a list of ints as
    slowly as one parameter each)."""
    return "{" + ",".join(str(int(i)) for i in ids) + "}"


class AnyOf(Func):
    """`column = ANY(ids)` on PostgreSQL, the ids as one array parameter: the planner reads it
    as the list `column__in=ids` writes, without a placeholder per id (a thousand ids cost
    Django and psycopg some 10 ms to prepare one by one)."""

    output_field = BooleanField()

    def __init__(self, column: str, ids: Iterable[int]) -> None:
        super().__init__(F(column))
        self.ids = int_array(sorted(ids))

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[str | int, ...]]:
        if connection.vendor != "postgresql":
            raise NotImplementedError("AnyOf is for PostgreSQL; use column__in elsewhere.")
        column, params = compiler.compile(self.get_source_expressions()[0])
        return f"{column} = ANY(%s::bigint[])", (*params, self.ids)


def in_ids(column: str, ids: Iterable[int]) -> Q:
    """`column__in=ids`, written `column = ANY(array)` on PostgreSQL (`AnyOf`), for the default
    database."""
    if default_connection.vendor == "postgresql":
        return Q(AnyOf(column, ids))
    return Q(**{f"{column}__in": ids})

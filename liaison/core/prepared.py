"""Reads of a fixed shape, written with the ORM, compiled once per database and run many times.

Every request makes a few short reads whose shape never changes: the API token, the user's
memberships, the names of the records a page shows. The ORM builds and compiles such a queryset
again on every call, which costs more than the database takes to answer it (a token lookup:
0.3 ms in PostgreSQL, 1 ms in all). A `Prepared` read is the same queryset written once with
`Slot`s where the values go; it is compiled on first use for each database, then run on a cursor
with the values in the slots, and its rows are converted as the ORM converts them (dates and
booleans on SQLite, a field's `from_db_value`). The statement is the ORM's own, so what it reads,
its query plan and the query counts the tests assert are those of the queryset.

    _TOKEN = Prepared(lambda: ApiToken.objects.filter(prefix=Slot("prefix", CharField()))
                      .values_list("key_hash", "user_id"))
    rows = _TOKEN.rows(prefix="abc123")   # [("…", 7)]

Only `values_list()` querysets (rows as tuples). `IdsIn(column, slot)` is a list of ids in one
slot, whatever its length: `= ANY(array)` on PostgreSQL, `IN (SELECT value FROM json_each(…))`
on SQLite (both read the column's index as a list of placeholders would).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Expression, F, Field, Lookup, QuerySet
from django.db.models.sql.compiler import SQLCompiler

from liaison.core.expressions import int_array


@dataclass(frozen=True)
class _Marker:
    """Stands in a compiled statement's parameters for the value of a slot."""

    name: str
    encode: Callable[[Any], Any] | None = None


def _json_ids(ids: Iterable[int]) -> str:
    return json.dumps([int(i) for i in ids])


class Slot(Expression):
    """Where a prepared read takes one value (`rows(name=value)`), as one parameter."""

    def __init__(self, name: str, output_field: Field[Any, Any]) -> None:
        super().__init__(output_field=output_field)
        self.name = name

    def as_sql(self, compiler: SQLCompiler, connection: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        return "%s", [_Marker(self.name)]


class IdsIn(Lookup):  # type: ignore[type-arg]
    """`column IN ids` with the ids of slot `name` (a collection of ints) as one parameter. A
    lookup, so that SQLite's WHERE takes it as it is (an expression would be compared to true,
    which no index serves)."""

    lookup_name = "in_slot"
    prepare_rhs = False

    def __init__(self, column: str, name: str) -> None:
        super().__init__(F(column), name)

    def get_prep_lookup(self) -> Any:
        return self.rhs  # the slot's name, not a value

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        column, params = self.process_lhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{column} = ANY(%s::bigint[])", [*params, _Marker(self.rhs, int_array)]
        json_list = f"{column} IN (SELECT value FROM json_each(%s))"  # noqa: S608 (a column name)
        return json_list, [*params, _Marker(self.rhs, _json_ids)]


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    # Per column of the row that needs it: (its converters, its expression), as the ORM applies them.
    converters: tuple[tuple[int, tuple[Any, ...], Any], ...]


class Prepared:
    """A `values_list()` queryset with `Slot`s, compiled once per database alias."""

    def __init__(self, build: Callable[[], QuerySet[Any]]) -> None:
        self._build = build
        self._compiled: dict[tuple[str, str], _Compiled] = {}
        self._lock = threading.Lock()

    def _compile(self, alias: str) -> _Compiled:
        key = (alias, connections[alias].vendor)
        found = self._compiled.get(key)
        if found is not None:
            return found
        with self._lock:
            found = self._compiled.get(key)  # another thread may have compiled it meanwhile
            if found is not None:
                return found
            qs = self._build()
            compiler = qs.query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            fields = [s[0] for s in compiler.select[: compiler.col_count]]
            converters = tuple(
                (pos, tuple(convs), expression)
                for pos, (convs, expression) in compiler.get_converters(fields).items()
            )
            found = _Compiled(sql, tuple(params), converters)
            self._compiled[key] = found
        return found

    def compile(self, alias: str = "default") -> None:
        """Compile now (else on first use)."""
        self._compile(alias)

    def sql(self, alias: str = "default") -> str:
        """The statement as compiled for this database (placeholders for the values)."""
        return self._compile(alias).sql

    def rows(self, alias: str = "default", **values: Any) -> list[tuple[Any, ...]]:
        """Run the statement with these values in its slots; the rows as the ORM converts them."""
        compiled = self._compile(alias)
        params = [
            (p.encode(values[p.name]) if p.encode else values[p.name]) if isinstance(p, _Marker) else p
            for p in compiled.params
        ]
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            fetched = cursor.fetchall()
        if not compiled.converters:
            return [tuple(r) for r in fetched]
        converted = []
        for fetched_row in fetched:
            row = list(fetched_row)
            for pos, convs, expression in compiled.converters:
                value = row[pos]
                for convert in convs:
                    value = convert(value, expression, connection)
                row[pos] = value
            converted.append(tuple(row))
        return converted

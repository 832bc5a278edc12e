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
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Expression, F, Field, Lookup, Q, QuerySet
from django.db.models.sql.compiler import SQLCompiler

from liaison.core.expressions import PositionIn, in_ids, int_array, listed_ids


@dataclass(frozen=True)
class _Marker:
    """Stands in a compiled statement's parameters for the value of a slot."""

    name: str
    # (value, connection) -> the parameter; None: the value as it is.
    encode: Callable[[Any, Any], Any] | None = None


def _json_ids(ids: Iterable[int], connection: Any = None) -> str:
    return json.dumps([int(i) for i in ids])


def _int_array(ids: Iterable[int], connection: Any = None) -> str:
    return int_array(ids)


def _listed_ids(ids: Iterable[int], connection: Any = None) -> str:
    return listed_ids(ids)


class Slot(Expression):
    """Where a prepared read takes one value (`rows(name=value)`), as one parameter."""

    def __init__(self, name: str, output_field: Field[Any, Any]) -> None:
        super().__init__(output_field=output_field)
        self.name = name

    def as_sql(self, compiler: SQLCompiler, connection: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        return "%s", [_Marker(self.name, self._encode)]

    def _encode(self, value: Any, connection: Any) -> Any:
        # As the ORM writes a value for its field (a date as SQLite's text, say).
        return self.output_field.get_db_prep_value(value, connection, prepared=False)


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
            return f"{column} = ANY(%s::bigint[])", [*params, _Marker(self.rhs, _int_array)]
        json_list = f"{column} IN (SELECT value FROM json_each(%s))"  # noqa: S608 (a column name)
        return json_list, [*params, _Marker(self.rhs, _json_ids)]


class PositionInSlot(PositionIn):
    """`PositionIn` with the ids of slot `name`: rows ordered by a list given at run time."""

    def __init__(self, expression: Any, name: str) -> None:
        super().__init__(expression, [])
        self.name = name

    def ids_param(self, vendor: str) -> Any:
        return _Marker(self.name, _int_array if vendor == "postgresql" else _listed_ids)


@dataclass(frozen=True)
class _Compiled:
    sql: str | None  # None: the queryset can match nothing (e.g. `pk__in=[]`), nothing to run
    params: tuple[Any, ...]
    # Per column of the row that needs it: (its converters, its expression), as the ORM applies them.
    converters: tuple[tuple[int, tuple[Any, ...], Any], ...]
    # The columns' names, as `values()` names them.
    names: tuple[str, ...]


_PAGE = " LIMIT %s OFFSET %s"


def _value(marker: _Marker, values: dict[str, Any], connection: Any) -> Any:
    value = values[marker.name]
    return marker.encode(value, connection) if marker.encode else value


class Prepared:
    """A `values()` or `values_list()` queryset with `Slot`s, compiled once per database alias.

    `paged`: the statement takes its page as two more values, `limit` and `offset` (the queryset
    is not sliced). `counted`: it answers the number of the queryset's rows (of its page, if
    paged), as `[(n,)]`."""

    def __init__(
        self, build: Callable[[], QuerySet[Any]], *, paged: bool = False, counted: bool = False
    ) -> None:
        self._build = build
        self._paged = paged
        self._counted = counted
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
            found = self._compile_now(alias)
            self._compiled[key] = found
        return found

    def _compile_now(self, alias: str) -> _Compiled:
        query = self._build().query
        if self._paged and query.is_sliced:
            raise ValueError("A paged prepared read takes its page as values: do not slice the queryset.")
        compiler = query.get_compiler(using=alias)
        names = (*query.extra_select, *query.values_select, *query.annotation_select)
        if self._counted:
            names = ("count",)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return _Compiled(None, (), (), names)
        fields = [s[0] for s in compiler.select[: compiler.col_count]]
        converters = tuple(
            (pos, tuple(convs), expression)
            for pos, (convs, expression) in compiler.get_converters(fields).items()
        )
        if self._paged:
            sql, params = sql + _PAGE, [*params, _Marker("limit"), _Marker("offset")]
        if self._counted:
            sql, converters = f"SELECT COUNT(*) FROM ({sql}) counted", ()  # noqa: S608
        return _Compiled(sql, tuple(params), converters, names)

    def compile(self, alias: str = "default") -> None:
        """Compile now (else on first use)."""
        self._compile(alias)

    def sql(self, alias: str = "default") -> str | None:
        """The statement as compiled for this database (placeholders for the values); None when
        the queryset can match nothing."""
        return self._compile(alias).sql

    def rows(self, alias: str = "default", **values: Any) -> list[tuple[Any, ...]]:
        """Run the statement with these values in its slots; the rows as the ORM converts them."""
        compiled = self._compile(alias)
        if compiled.sql is None:
            return [(0,)] if self._counted else []
        connection = connections[alias]
        params = [_value(p, values, connection) if isinstance(p, _Marker) else p for p in compiled.params]
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

    def dicts(self, alias: str = "default", **values: Any) -> list[dict[str, Any]]:
        """`rows`, each as a dict by column name, as `values()` gives them."""
        names = self._compile(alias).names
        return [dict(zip(names, row, strict=True)) for row in self.rows(alias, **values)]


class Shapes[T]:
    """Prepared reads of one kind, one per shape: what varies from one request to the next apart
    from the values in the slots (the filters given, the facts of the reader the access policy's
    filter is made of). `get(key, make)` makes a shape's reads the first time it is asked for;
    the cache is emptied when it grows past `bound`."""

    def __init__(self, bound: int = 1000) -> None:
        self._made: dict[Hashable, T] = {}
        self._bound = bound

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        found = self._made.get(key)
        if found is None:
            if len(self._made) >= self._bound:
                self._made.clear()
            found = make()
            self._made[key] = found
        return found

    def __len__(self) -> int:
        return len(self._made)


class Binding:
    """Where a queryset written once for both ways takes its values: the values themselves (an
    ordinary queryset) or, with `slots`, slots for them (the queryset of a prepared read, whose
    shape is then the set of names given).

        def people(bound):
            qs = Person.objects.all()
            if "nationality" in bound:
                qs = qs.filter(nationality_id=bound.value("nationality", IntegerField()))
            return qs
    """

    def __init__(self, values: Mapping[str, Any], *, slots: bool = False) -> None:
        self.values = values
        self.slots = slots

    def __contains__(self, name: str) -> bool:
        return name in self.values

    def value(self, name: str, output_field: Field[Any, Any]) -> Any:
        return Slot(name, output_field) if self.slots else self.values[name]

    def ids_in(self, column: str, name: str) -> Q:
        """`column` is one of the ids `name` holds."""
        return Q(IdsIn(column, name)) if self.slots else in_ids(column, self.values[name])

    def position_in(self, expression: Any, name: str) -> PositionIn:
        """Where `expression` stands in the list `name` holds (to order by it)."""
        return PositionInSlot(expression, name) if self.slots else PositionIn(expression, self.values[name])


class PreparedList:
    """The rows of a list through two prepared reads, a capped count and a page, with the values
    of one request: sliced like the `values()` queryset it stands for (`rows[a:b]`, its rows as
    dicts) and counted like `core.htmx.capped_count` counts one (`capped_count(cap)`), so that
    the API and `core.htmx.paginate` take either."""

    def __init__(self, count: Prepared, page: Prepared, values: dict[str, Any]) -> None:
        self._count, self._page, self._values = count, page, values

    def capped_count(self, cap: int) -> tuple[int, bool]:
        ((count,),) = self._count.rows(**self._values, limit=cap + 1, offset=0)
        return min(count, cap), count <= cap

    def __getitem__(self, page: slice) -> list[dict[str, Any]]:
        if not isinstance(page, slice) or page.step is not None:
            raise TypeError("A prepared list is read a page at a time: rows[start:stop].")
        start = page.start or 0
        if page.stop is None or page.stop <= start:
            return []
        return self._page.dicts(**self._values, limit=page.stop - start, offset=start)


def prepared_list(
    filtered: Callable[[], QuerySet[Any]], project: Callable[[QuerySet[Any]], QuerySet[Any]]
) -> tuple[Prepared, Prepared]:
    """A list's two reads (see `PreparedList`), compiled now: the capped count of `filtered()`'s
    rows (their keys only, as `core.htmx.capped_count` counts), and the page of
    `project(filtered())` (the `values()` the list shows)."""
    count = Prepared(lambda: filtered().order_by().values("pk"), paged=True, counted=True)
    page = Prepared(lambda: project(filtered()), paged=True)
    count.compile()
    page.compile()
    return count, page

"""Query expressions the ORM lacks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Func, IntegerField


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

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        column, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "postgresql":
            return f"array_position(%s::bigint[], {column})", [self.ids, *params]
        listed = "," + ",".join(map(str, self.ids)) + ","
        return f"instr(%s, ',' || {column} || ',')", [listed, *params]

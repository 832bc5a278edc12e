"""Writing a large import fast: rows with their ids reserved beforehand, sent with COPY on
PostgreSQL and one `executemany` on SQLite, and the audit events the audited bulk create would
record (`core.audit`'s own `snapshot` and `diff`, the same event fields) written the same way.

The ORM's bulk create spends most of a 100,000-member import building SQL and model instances
(about 700,000 rows with their audit events); this writes the same rows in a fraction of it. It is
for new records only, inside the import's transaction; foreign keys are checked at commit (both
databases create them deferred), so a row may name one written later in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, connections, models
from django.utils import timezone

from liaison.core import audit
from liaison.core.models import AuditAction, AuditedModel, AuditEvent

# Values `audit.plain` returns as they are.
_PLAIN = frozenset({str, int, float, bool})


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` new primary keys of `model`'s table, nobody else's.

    PostgreSQL: drawn from the table's identity sequence. SQLite: the ones after the highest
    ever given (its AUTOINCREMENT counter); the import's transaction holds SQLite's only write
    lock once it has written, and a writer that committed since it began makes its first write
    fail rather than collide."""
    if count <= 0:
        return []
    table = model._meta.db_table
    column = str(model._meta.pk.column)  # type: ignore[union-attr]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [quote(table), column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT max({quote(column)}) FROM {quote(table)}")  # noqa: S608 (quoted names)
        highest = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(highest, row[0] if row else 0) + 1
        return list(range(start, start + count))


def _write(table: str, columns: Sequence[str], rows: list[list[Any]]) -> None:
    if not rows:
        return
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    # COPY runs on the driver's cursor: its errors become Django's (IntegrityError, …) here too.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})", rows)  # noqa: S608


def _database() -> Any:
    """The connection itself (not the per-thread proxy, which costs a look-up per use)."""
    return connections[connection.alias]


def _preparer(field: models.Field[Any, Any], database: Any) -> Callable[[Any], Any]:
    """How a field's value goes to the database. PostgreSQL's COPY adapts Python's strings,
    numbers, dates and aware datetimes itself (as the backend's own preparation would leave
    them); JSON, and everything on SQLite, goes through the field's preparation."""
    if database.vendor == "postgresql" and not isinstance(field, models.JSONField):
        return lambda value: value
    return lambda value: field.get_db_prep_save(value, database)


def insert(model: type[models.Model], objs: Sequence[models.Model], *, with_pk: bool = True) -> None:
    """Write new records as they are (their `pre_save`, e.g. timestamps, applied first).
    With `with_pk`, each has its id already (`reserve_ids`); else the database gives it."""
    database = _database()
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    steps = [(f.pre_save, _preparer(f, database)) for f in fields]
    rows = [[prepare(pre_save(obj, True)) for pre_save, prepare in steps] for obj in objs]
    _write(model._meta.db_table, [str(f.column) for f in fields], rows)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def insert_values(model: type[models.Model], columns: Sequence[str], rows: list[list[Any]]) -> None:
    """Write rows of plain values (already as the database takes them) into `model`'s table."""
    fields = [model._meta.get_field(name) for name in columns]
    _write(model._meta.db_table, [str(f.column) for f in fields], rows)  # type: ignore[union-attr]


def audit_creates(objs: Iterable[AuditedModel]) -> int:
    """The create events `AuditedQuerySet.bulk_create` records for these new records: the same
    actor, channel, subject and changes (`audit.diff(None, audit.snapshot(obj))`). Returns how many."""
    actor = audit.current_actor()
    via = audit._via.get()
    database = _database()
    field = AuditEvent._meta.get_field
    at = field("at").get_db_prep_save(timezone.now(), database)  # type: ignore[union-attr]
    changes = _preparer(field("changes"), database)  # type: ignore[arg-type]
    audited: dict[type[Any], list[tuple[str, str]]] = {}
    plain = audit.plain
    types: dict[type[Any], int] = {}

    def type_id(model: type[Any]) -> int:
        if model not in types:
            types[model] = ContentType.objects.get_for_model(model).pk
        return types[model]

    columns = [
        "at",
        "actor",
        "via",
        "action",
        "content_type",
        "object_id",
        "object_repr",
        "subject_type",
        "subject_id",
        "changes",
    ]
    rows = []
    for obj in objs:
        subject = obj.audit_subject()
        model = type(obj)
        if model not in audited:
            # audit.snapshot's fields: the concrete fields not in the model's audit_exclude.
            excluded = model.audit_exclude
            audited[model] = [
                (f.name, f.attname) for f in model._meta.concrete_fields if f.name not in excluded
            ]
        # audit.diff(None, audit.snapshot(obj)): every field whose plain value is not None.
        created = {}
        for name, attname in audited[model]:
            value = getattr(obj, attname)
            if value is not None:
                created[name] = [None, value if type(value) in _PLAIN else plain(value)]
        rows.append(
            [
                at,
                actor.pk if getattr(actor, "pk", None) else None,
                via,
                AuditAction.CREATE.value,
                type_id(type(obj)),
                str(obj.pk),
                str(obj)[:300],
                type_id(type(subject)),
                str(subject.pk),
                changes(created),
            ]
        )
    insert_values(AuditEvent, columns, rows)
    return len(rows)

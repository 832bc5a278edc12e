"""What the branch and member imports share: the plan of a row, the report, look-ups in batches."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _

from liaison.core import access
from liaison.directory.models import Organisation
from liaison.directory.tabular import Cells, RowError

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"
# Called as progress(stage, done, total): "read", "check", "write".
Progress = Callable[[str, int, int], None]


def no_progress(stage: str, done: int, total: int) -> None:
    return None


def batch_size() -> int:
    """Ids per `IN (...)`: SQLite binds at most 999 parameters by default."""
    return 900 if connection.vendor == "sqlite" else 5000


def chunks[T](items: list[T], size: int | None = None) -> Iterator[list[T]]:
    size = size or batch_size()
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(eq=False)
class RowPlan:
    """What one row will do: create a record, update one, or nothing."""

    row: int
    key: str
    label: str = ""
    action: str = CREATE
    changes: list[str] = field(default_factory=list)
    done: Any = None  # the record once written


@dataclass
class ImportReport:
    kind: str
    plans: list[Any] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    # Probable duplicates (also in `errors`): a new row that looks like a member already recorded.
    duplicates: list[RowError] = field(default_factory=list)
    committed: bool = False
    rows: int = 0
    # What the check computed that the write reuses (the member import's name keys).
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def counts(self) -> dict[str, int]:
        counts = {CREATE: 0, UPDATE: 0, UNCHANGED: 0}
        for plan in self.plans:
            counts[plan.action] += 1
        return counts

    @property
    def other_errors(self) -> list[RowError]:
        duplicates = {id(e) for e in self.duplicates}
        return [e for e in self.errors if id(e) not in duplicates]

    def sort_errors(self) -> None:
        """By row, keeping each row's errors in the order they were found."""
        self.errors.sort(key=lambda e: e.row)
        self.duplicates.sort(key=lambda e: e.row)


def fail_from(row: Cells, error: ValidationError, columns: dict[str, str]) -> None:
    """A service's validation error as errors of the row, on the columns its fields come from."""
    by_field = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
    for name, texts in by_field.items():
        for text in texts:
            row.fail(columns.get(name, name if name != "__all__" else ""), text)


def errors_from(number: int, error: ValidationError, columns: dict[str, str], errors: list[RowError]) -> None:
    by_field = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
    for name, texts in by_field.items():
        errors.extend(
            RowError(number, columns.get(name, name if name != "__all__" else ""), t) for t in texts
        )


class Organisations:
    """Organisations by key (external key or ``id:<pk>``) that the user may read, in batches; and
    the external keys taken by organisations the user cannot see."""

    def __init__(self, user: Any, keys: set[str], *, related: tuple[str, ...] = ()) -> None:
        queryset = Organisation.objects.select_related("owner", "country", *related).prefetch_related(
            "shared_with"
        )
        visible = access.visible(user, queryset)
        external = sorted(k for k in keys if k and not k.startswith("id:"))
        ids = sorted({int(k[3:]) for k in keys if k.startswith("id:") and k[3:].isdigit()})
        self.by_key: dict[str, Organisation] = {}
        for chunk in chunks(external):
            self.by_key |= {o.external_key: o for o in visible.filter(external_key__in=chunk)}
        for id_chunk in chunks(ids):
            self.by_key |= {f"id:{o.pk}": o for o in visible.filter(pk__in=id_chunk)}
        self.taken: set[str] = set()
        for chunk in chunks([k for k in external if k not in self.by_key]):
            found = Organisation._base_manager.filter(external_key__in=chunk)
            self.taken |= set(found.values_list("external_key", flat=True))

    def get(self, key: str) -> Organisation | None:
        return self.by_key.get(key)


def record_key(organisation: Organisation) -> str:
    return str(organisation.external_key or f"id:{organisation.pk}")


def unknown_key(row: Cells, column: str, key: str) -> None:
    row.fail(column, _("unknown organisation key “%(key)s”") % {"key": key})

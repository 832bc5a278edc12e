"""Names for list pages and list endpoints, read as plain rows instead of model instances.

A list shows one name per record (in the reader's language) but its records have three or more
names each. Prefetching them as model instances costs more than everything else on the page, so
lists ask their queryset for `.with_names(...)`: when the queryset is evaluated, the names of the
records (and of related records along the given paths) are read in one query per name table as
tuples and attached to each record as `listed_names`. `names_of(record)` returns those rows, or
the record's own `names` when nothing was attached, so every reader works with both.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple

from django.db import models

from liaison.core.prepared import IdsIn, Prepared

ATTRIBUTE = "listed_names"


class ListedName(NamedTuple):
    """The fields `display_name` and the list templates read; the same names as on the model."""

    id: int
    value: str
    language: str
    kind: str
    script: str

    @property
    def pk(self) -> int:
        return self.id

    def __str__(self) -> str:
        return self.value


def names_of(record: Any) -> Sequence[Any]:
    """The record's names: attached rows when a list read them, else its (prefetched) relation."""
    attached = record.__dict__.get(ATTRIBUTE)
    if attached is not None:
        return attached  # type: ignore[no-any-return]
    return list(record.names.all())


def _follow(records: Iterable[Any], path: str) -> Iterator[models.Model]:
    """The records reached from `records` along a dotted path of attributes (lists and
    prefetched relations are walked; missing links skipped)."""
    current: list[Any] = list(records)
    for part in [p for p in path.split(".") if p]:
        reached: list[Any] = []
        for record in current:
            value = getattr(record, part, None)
            if value is None:
                continue
            if isinstance(value, models.Model):
                reached.append(value)
            elif isinstance(value, list | tuple):
                reached.extend(value)
            elif hasattr(value, "all"):  # a related manager, served from the prefetch cache
                reached.extend(value.all())
        current = reached
    yield from current


def names_by_owner(model: type[models.Model], ids: Iterable[int]) -> dict[int, list[ListedName]]:
    """The names of the `model` records with these ids, as rows grouped by record (one query)."""
    wanted = [pk for pk in set(ids) if pk is not None]
    if not wanted:
        return {}
    grouped: dict[int, list[ListedName]] = defaultdict(list)
    for owner_id, *fields in _names_read(model).rows(ids=wanted):
        grouped[owner_id].append(ListedName(*fields))
    return grouped


NAME_FIELDS = ("id", "value", "language", "kind", "script")
_NAME_READS: dict[type[models.Model], Prepared] = {}


def names_in_slot(model: type[models.Model], slot: str, *first: Any) -> models.QuerySet[Any]:
    """For a `Prepared` read: the names of the `model` records whose ids are in `slot` (`IdsIn`),
    each row (*first, owner id, *NAME_FIELDS), unordered."""
    relation = model._meta.get_field("names")
    fk = relation.field.attname  # type: ignore[union-attr]
    names = relation.related_model._default_manager  # type: ignore[union-attr]
    return names.filter(IdsIn(fk, slot)).order_by().values_list(*first, fk, *NAME_FIELDS)  # type: ignore[no-any-return]


def _names_read(model: type[models.Model]) -> Prepared:
    """The names of some `model` records in id order, compiled once: lists read them on every request."""
    found = _NAME_READS.get(model)
    if found is None:
        found = _NAME_READS.setdefault(model, Prepared(lambda: names_in_slot(model, "ids").order_by("id")))
    return found


def attach_names(records: Iterable[Any], paths: Sequence[str] = ("",)) -> None:
    """Attach `listed_names` to `records` and to the records along `paths` ("" is the records
    themselves): one query per kind of record, whatever the number of records."""
    by_model: dict[type[models.Model], dict[int, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for path in paths:
        for record in _follow(records, path):
            if ATTRIBUTE not in record.__dict__:
                by_model[type(record)][record.pk].append(record)
    for model, wanted in by_model.items():
        grouped = names_by_owner(model, wanted)
        for owner_id, owners in wanted.items():
            names = grouped.get(owner_id, [])
            for owner in owners:
                owner.__dict__[ATTRIBUTE] = names


class WithNamesQuerySet(models.QuerySet[Any]):
    """`.with_names(*paths)`: attach `listed_names` when the queryset is evaluated."""

    _name_paths: tuple[str, ...] = ()

    def with_names(self, *paths: str) -> Any:
        clone = self._chain()  # type: ignore[attr-defined]
        clone._name_paths = tuple(dict.fromkeys(paths or ("",)))
        return clone

    def _clone(self) -> Any:
        clone = super()._clone()  # type: ignore[misc]
        clone._name_paths = self._name_paths
        return clone

    def _fetch_all(self) -> None:
        fresh = self._result_cache is None  # type: ignore[has-type]
        super()._fetch_all()  # type: ignore[misc]
        cache = self._result_cache
        if fresh and self._name_paths and cache and isinstance(cache[0], models.Model):
            attach_names(cache, self._name_paths)


def with_names[Q: models.QuerySet[Any]](qs: Q, *paths: str) -> Q:
    """`qs.with_names(*paths)` for a queryset typed as a plain QuerySet (its model's queryset must
    derive from WithNamesQuerySet, as every audited model's does)."""
    if not isinstance(qs, WithNamesQuerySet):
        raise TypeError(f"{qs.model.__name__}'s queryset cannot attach listed names")
    return qs.with_names(*paths)  # type: ignore[no-any-return]

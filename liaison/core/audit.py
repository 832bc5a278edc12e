"""Who changed what, from what to what.

Every save, delete and bulk write of an `AuditedModel` passes through here. The actor and the
channel (web, api, cli, import) come from `acting_as`, which middleware, the CLI and services
enter; a write outside any `acting_as` is still recorded, with no actor.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import decimal
import uuid
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import F

from liaison.core.models import AuditAction, AuditEvent

if TYPE_CHECKING:
    from liaison.core.models import AuditedModel

_actor: contextvars.ContextVar[Any] = contextvars.ContextVar("liaison_audit_actor", default=None)
_via: contextvars.ContextVar[str] = contextvars.ContextVar("liaison_audit_via", default="")
_quiet: contextvars.ContextVar[bool] = contextvars.ContextVar("liaison_audit_quiet", default=False)


@contextlib.contextmanager
def assembling() -> Iterator[None]:
    """Build a new record in several writes; the caller records one create event afterwards."""
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


@contextlib.contextmanager
def acting_as(user: Any, *, via: str) -> Iterator[None]:
    """Attribute every audited write inside the block to `user`, arriving through `via`.

    `user` may be a zero-argument callable, read at write time: a request's user can be
    known only after authentication inside the view (API tokens).
    """
    token_actor = _actor.set(user)
    token_via = _via.set(via)
    try:
        yield
    finally:
        _actor.reset(token_actor)
        _via.reset(token_via)


def current_actor() -> Any:
    actor = _actor.get()
    if callable(actor):
        actor = actor()
    return actor if getattr(actor, "is_authenticated", False) else None


def plain(value: Any) -> Any:
    """A JSON-safe form of a field value for the history."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return str(value)


def _audited_fields(instance: AuditedModel) -> list[models.Field[Any, Any]]:
    return [f for f in instance._meta.concrete_fields if f.name not in instance.audit_exclude]


def snapshot(instance: AuditedModel) -> dict[str, Any]:
    return {f.name: plain(getattr(instance, f.attname)) for f in _audited_fields(instance)}


def loaded_snapshot(instance: AuditedModel) -> dict[str, Any]:
    """The values as they were loaded from the database (re-read when not known)."""
    loaded: dict[str, Any] | None = getattr(instance, "_loaded_values", None)
    fields = _audited_fields(instance)
    if loaded is None or any(f.attname not in loaded for f in fields):
        row = type(instance)._base_manager.filter(pk=instance.pk).values(*[f.attname for f in fields]).first()
        loaded = row or {}
    return {f.name: plain(loaded.get(f.attname)) for f in fields}


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, list[Any]]:
    before = before or {}
    after = after or {}
    keys = list(dict.fromkeys([*before, *after]))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def _event(instance: AuditedModel, action: str, changes: dict[str, Any], *, actor: Any = None) -> AuditEvent:
    subject = instance.audit_subject()
    actor = actor if actor is not None else current_actor()
    return AuditEvent(
        actor=actor if getattr(actor, "pk", None) else None,
        via=_via.get(),
        action=action,
        content_type=ContentType.objects.get_for_model(type(instance)),
        object_id=str(instance.pk),
        object_repr=str(instance)[:300],
        subject_type=ContentType.objects.get_for_model(type(subject)),
        subject_id=str(subject.pk),
        changes=changes,
    )


def record_save(instance: AuditedModel, *, before: dict[str, Any] | None) -> None:
    if _quiet.get():
        return
    after = snapshot(instance)
    changes = diff(before, after)
    if before is None:
        _event(instance, AuditAction.CREATE, changes).save()
    elif changes:
        _event(instance, AuditAction.UPDATE, changes).save()


def record_delete(instance: AuditedModel) -> None:
    _event(instance, AuditAction.DELETE, diff(loaded_snapshot(instance), None)).save()


def record_note(instance: AuditedModel, changes: dict[str, Any]) -> None:
    """Record a change that is not a column of the row (e.g. a many-to-many set)."""
    if changes:
        _event(instance, AuditAction.UPDATE, changes).save()


def record_view(instance: AuditedModel, *, actor: Any = None, detail: dict[str, Any] | None = None) -> None:
    """Record that someone looked at a record whose every reading is accounted for (dossiers)."""
    _event(instance, AuditAction.VIEW, detail or {}, actor=actor).save()


def record_bulk_create(objs: Iterable[AuditedModel]) -> None:
    AuditEvent.objects.bulk_create(
        [_event(obj, AuditAction.CREATE, diff(None, snapshot(obj))) for obj in objs]
    )


def audited_bulk_update(qs: models.QuerySet[Any], values: dict[str, Any]) -> int:
    model = qs.model
    if _quiet.get():
        return models.QuerySet.update(qs, **values)
    with transaction.atomic(using=qs.db):
        rows = list(qs)
        if not rows:
            return 0
        before = {obj.pk: loaded_snapshot(obj) for obj in rows}
        values = {**values}
        values.setdefault("version", F("version") + 1)
        target = model._base_manager.using(qs.db).filter(pk__in=list(before))
        count = models.QuerySet.update(target, **values)
        events = []
        for obj in model._base_manager.using(qs.db).filter(pk__in=list(before)):
            changes = diff(before[obj.pk], snapshot(obj))
            if changes:
                events.append(_event(obj, AuditAction.UPDATE, changes))
        AuditEvent.objects.bulk_create(events)
        return count


def audited_bulk_update_objects(
    qs: models.QuerySet[Any], objs: list[AuditedModel], fields: list[str], *args: Any, **kwargs: Any
) -> int:
    with transaction.atomic(using=qs.db):
        before = {
            obj.pk: loaded_snapshot(obj)
            for obj in qs.model._base_manager.using(qs.db).filter(pk__in=[o.pk for o in objs])
        }
        for obj in objs:
            obj.version = obj.version + 1
        # Django's bulk_update writes through the queryset's update(), which audits on its own:
        # quiet here, so each change is recorded once (below).
        with assembling():
            count = models.QuerySet.bulk_update(qs, objs, [*fields, "version"], *args, **kwargs)
        events = []
        for obj in objs:
            changes = diff(before.get(obj.pk), snapshot(obj))
            if changes:
                events.append(_event(obj, AuditAction.UPDATE, changes))
        AuditEvent.objects.bulk_create(events)
        return count


def audited_bulk_delete(qs: models.QuerySet[Any]) -> tuple[int, dict[str, int]]:
    with transaction.atomic(using=qs.db):
        rows = list(qs)
        AuditEvent.objects.bulk_create(
            [_event(obj, AuditAction.DELETE, diff(loaded_snapshot(obj), None)) for obj in rows]
        )
        return models.QuerySet.delete(qs.model._base_manager.filter(pk__in=[o.pk for o in rows]))


def update_derived(model: type[models.Model], pk: Any, **values: Any) -> None:
    """Refresh columns derived from other audited data (sort names, paths): no event, no new version.

    Only for fields listed in the model's `audit_exclude`; the data they derive from is audited.
    """
    excluded: frozenset[str] = getattr(model, "audit_exclude", frozenset())
    stray = set(values) - set(excluded)
    if stray:
        raise ValueError(f"{sorted(stray)} are audited fields; change them through save()")
    models.QuerySet.update(model._base_manager.filter(pk=pk), **values)


def history_for(instance: AuditedModel) -> models.QuerySet[AuditEvent]:
    """Every event shown on a record's page: its own changes and those of its child records."""
    return AuditEvent.objects.filter(
        subject_type=ContentType.objects.get_for_model(type(instance)),
        subject_id=str(instance.pk),
    ).select_related("actor", "content_type")

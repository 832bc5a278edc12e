"""Optimistic locking for edits that started from a version the user saw."""

from __future__ import annotations

from typing import Any

from liaison.core.audit import diff, loaded_snapshot
from liaison.core.models import AuditedModel, StaleRecordError


def check_version(instance: AuditedModel, expected: int | None) -> None:
    """Refuse the write when the record moved on since the version the editor started from."""
    if expected is not None and int(expected) != instance.version:
        raise StaleRecordError(instance, int(expected), instance.version)


def changes_since(instance: AuditedModel, submitted: dict[str, Any]) -> dict[str, list[Any]]:
    """What differs between the stored record and what the editor submitted (for the conflict view)."""
    stored = loaded_snapshot(instance)
    return diff(
        {k: stored.get(k) for k in submitted if k in stored},
        {k: v for k, v in submitted.items() if k in stored},
    )

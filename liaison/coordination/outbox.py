"""The engine's outbox: every change of an activity becomes an `ActivityChange` row in the
change's own transaction, and a task to process it once that transaction commits.

A change that rolls back leaves no row and no task; a task lost on the way (a process that died,
a broker that dropped a message) leaves its row pending, and the periodic sweep processes it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from liaison.activities.signals import activity_changed
from liaison.coordination.models import ActivityChange


@receiver(activity_changed, dispatch_uid="coordination-outbox")
def record_change(sender: Any, activity: Any, kind: str, fields: Iterable[str], **kwargs: Any) -> None:
    change = ActivityChange.objects.create(
        activity_id=activity.pk, kind=kind, fields=sorted(set(fields)), at=timezone.now()
    )
    _enqueue_on_commit([change.pk])


def record_many(
    activity_ids: Iterable[int], *, kind: str, at: dt.datetime, rule_ids: list[int] | None = None
) -> list[int]:
    """One change per activity, written together (e.g. rules applied to existing activities)."""
    with transaction.atomic():
        changes = ActivityChange.objects.bulk_create(
            [
                ActivityChange(activity_id=pk, kind=kind, fields=[], at=at, rule_ids=rule_ids)
                for pk in activity_ids
            ],
            batch_size=1000,
        )
        ids = [c.pk for c in changes]
        _enqueue_on_commit(ids)
    return ids


def _enqueue_on_commit(change_ids: list[int]) -> None:
    from liaison.coordination import tasks

    def enqueue() -> None:
        for change_id in change_ids:
            tasks.process_change.enqueue(change_id)

    transaction.on_commit(enqueue)

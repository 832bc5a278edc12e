"""Membership records' background work, through the product's one task interface
(docs/tasks.md): in-process by default, on Celery workers when scaled out."""

from __future__ import annotations

from django.tasks import task

from liaison.core.tasks import periodic


@task()
def reapply_status_rules() -> dict[str, int]:
    """Every member's status under the rules as they stand now (after an administrator changed
    them); each change is logged with the cause "the status rules changed"."""
    from liaison.membership import statuses
    from liaison.membership.models import StatusCause

    changed = statuses.refresh(statuses.all_member_ids(), cause=StatusCause.RULES)
    return {"changed": changed}


@periodic(6 * 3600)
@task()
def sweep_statuses() -> dict[str, int]:
    """Statuses that change with time (e.g. probationary → active a year after joining)."""
    from django.utils import timezone

    from liaison.membership import statuses
    from liaison.membership.models import StatusCause

    day = timezone.localdate()
    changed = statuses.refresh(statuses.members_due(day), cause=StatusCause.TIME, day=day)
    return {"changed": changed}

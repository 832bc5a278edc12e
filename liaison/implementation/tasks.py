"""Implementation tracking's background work, through the product's one task interface
(docs/tasks.md): in-process by default, on Celery workers when scaled out."""

from __future__ import annotations

from django.tasks import task

from liaison.core.tasks import periodic


@periodic(3600)
@task()
def sweep_reporting() -> dict[str, int]:
    """Remind organisations of reports due soon; tell those late, and escalate to the plan's
    coordinators (idempotent: each notice is written once)."""
    from liaison.implementation import reminders

    result = reminders.sweep()
    return {"reminders": result.reminders, "overdue": result.overdue, "escalated": result.escalated}

"""The coordination engine's background work, through the product's one task interface
(docs/tasks.md): in-process by default, on Celery workers when scaled out."""

from __future__ import annotations

from django.tasks import task

from liaison.core.tasks import periodic


@task()
def process_change(change_id: int) -> int:
    """Write the notices one recorded change of an activity calls for."""
    from liaison.coordination import engine

    return len(engine.process_change(change_id).notices)


@task()
def deliver(delivery_id: int) -> str:
    """Try one email or webhook delivery of a notice."""
    from liaison.coordination import delivery

    return delivery.deliver(delivery_id)


@task()
def mail_escalations(escalation_ids: list[int]) -> int:
    """Email the coordinators the escalations addressed to them."""
    from liaison.coordination import escalation

    return escalation.mail_escalations(escalation_ids)


@periodic(60)
@task()
def sweep() -> dict[str, int]:
    """Catch up: pending changes a lost task left behind, deliveries due for another try, notices
    left unacknowledged too long."""
    from liaison.coordination import delivery, engine, escalation
    from liaison.coordination.models import Escalation

    unmailed = list(
        Escalation.objects.filter(mailed_at__isnull=True, coordinators__email__gt="")
        .values_list("pk", flat=True)
        .distinct()[:500]
    )
    return {
        "changes": engine.process_pending(),
        "deliveries": delivery.retry_due(),
        "escalated": escalation.escalate_unacknowledged(),
        "escalations_mailed": escalation.mail_escalations(unmailed) if unmailed else 0,
    }

"""Reminders before each reporting deadline and escalation after it, through the coordination
notices (inbox, email, webhooks) — the same channel agencies already watch.

- A *reminder* goes to each organisation that owes a report for a period and has not submitted
  it, once the deadline is `plan.remind_days_before` days away or less.
- An *overdue* notice goes to each organisation still without a report once the deadline has
  passed, and is escalated to the plan's coordinators (their escalated box, and by email).
- Submitting the report settles both: they are marked acknowledged.

Each notice is written once: its `subject` ("report:<assignment>:<period>:<kind>") is unique, so
the periodic sweep (`tasks.sweep_reporting`) can run as often as it likes. Deadlines more than
`LOOK_BACK` days old are left alone (a plan loaded with years of history does not flood inboxes).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from liaison.coordination.escalation import escalate
from liaison.coordination.models import EscalationReason, Notice, NoticeKind, NoticeStatus
from liaison.implementation.completeness import runs_in
from liaison.implementation.models import Assignment, Plan, ProgressReport, ReportingPeriod

LOOK_BACK = dt.timedelta(days=45)
BATCH = 2000


def subject(assignment_id: int, period_id: int, kind: str) -> str:
    return f"report:{assignment_id}:{period_id}:{kind}"


@dataclass
class SweepResult:
    reminders: int = 0
    overdue: int = 0
    escalated: int = 0


def _deadline(period: ReportingPeriod) -> dt.datetime:
    """The end of the deadline day, in the server's zone."""
    return timezone.make_aware(dt.datetime.combine(period.due_on, dt.time(23, 59)))


def _owing(plan: Plan, period: ReportingPeriod, kind: str) -> list[Assignment]:
    """Assignments that owe a report for the period, have none submitted, and were not yet told."""
    submitted = ProgressReport.objects.filter(
        assignment=OuterRef("pk"), period=period, submitted_at__isnull=False
    )
    owing = list(
        Assignment.objects.filter(task__plan=plan)
        .filter(runs_in(period))
        .filter(~Exists(submitted))
        .select_related("task")
        .order_by("pk")
    )
    told: set[str] = set()
    for start in range(0, len(owing), BATCH):
        wanted = [subject(a.pk, period.pk, kind) for a in owing[start : start + BATCH]]
        told |= set(Notice.objects.filter(subject__in=wanted).values_list("subject", flat=True))
    return [a for a in owing if subject(a.pk, period.pk, kind) not in told]


def _notice(
    plan: Plan, period: ReportingPeriod, assignment: Assignment, kind: str, now: dt.datetime
) -> Notice:
    task = assignment.task
    deadline = _deadline(period)
    title = task.title_en or task.title_vi or task.title_ar
    return Notice(
        agreement=None,
        rule=None,
        activity_ref=None,
        subject=subject(assignment.pk, period.pk, kind),
        link=reverse("implementation:report-write", args=[assignment.pk]) + f"?period={period.label}",
        source_id=plan.owner_id,
        recipient_id=assignment.organisation_id,
        kind=kind,
        fingerprint=subject(assignment.pk, period.pk, kind),
        payload={
            "topic": "reporting",
            "plan": {"en": plan.title_en, "vi": plan.title_vi, "ar": plan.title_ar},
            "task": {"en": task.title_en, "vi": task.title_vi, "ar": task.title_ar},
            "period": period.label,
            "due_on": period.due_on.isoformat(),
        },
        title=f"{period.label} · {title}"[:300],
        starts_at=deadline,
        due_at=now,
        sent_at=now,
        late=False,
        status=NoticeStatus.OPEN,
        status_at=now,
        acknowledge_by=deadline,
    )


def _write(notices: list[Notice]) -> list[int]:
    """Write the notices (a subject already written is skipped) and queue their deliveries."""
    written: list[int] = []
    for start in range(0, len(notices), BATCH):
        chunk = notices[start : start + BATCH]
        Notice.objects.bulk_create(chunk, ignore_conflicts=True)
        written += list(
            Notice.objects.filter(
                subject__in=[n.subject for n in chunk], sent_at=chunk[0].sent_at
            ).values_list("pk", flat=True)
        )
    if written:
        from liaison.coordination.delivery import notices_written

        transaction.on_commit(lambda: notices_written(written))
    return written


@transaction.atomic
def sweep(*, today: dt.date | None = None, now: dt.datetime | None = None) -> SweepResult:
    """Send the reminders and overdue notices due today (idempotent)."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    result = SweepResult()
    periods = (
        ReportingPeriod.objects.filter(due_on__gte=today - LOOK_BACK, starts_on__lte=today)
        .select_related("plan")
        .order_by("due_on", "pk")
    )
    for period in periods:
        plan = period.plan
        if period.due_on >= today:
            if (period.due_on - today).days > plan.remind_days_before:
                continue
            owing = _owing(plan, period, NoticeKind.REMINDER)
            result.reminders += len(
                _write([_notice(plan, period, a, NoticeKind.REMINDER, now) for a in owing])
            )
            continue
        owing = _owing(plan, period, NoticeKind.OVERDUE)
        written = _write([_notice(plan, period, a, NoticeKind.OVERDUE, now) for a in owing])
        result.overdue += len(written)
        if written:
            coordinators = list(plan.coordinators.values_list("pk", flat=True))
            escalations = escalate(
                Notice.objects.filter(pk__in=written),
                EscalationReason.REPORT_MISSING,
                at=now,
                coordinators=dict.fromkeys(written, coordinators),
            )
            result.escalated += len(escalations)
    return result


def settle(report: ProgressReport, *, now: dt.datetime | None = None) -> int:
    """The report is in: its reminder and overdue notices are acknowledged (how many)."""
    now = now or timezone.now()
    subjects = [
        subject(report.assignment_id, report.period_id, kind)
        for kind in (NoticeKind.REMINDER, NoticeKind.OVERDUE)
    ]
    return Notice.objects.filter(
        subject__in=subjects, status__in=[NoticeStatus.OPEN, NoticeStatus.INFO_REQUESTED]
    ).update(status=NoticeStatus.ACKNOWLEDGED, status_at=now, acknowledged_at=now)

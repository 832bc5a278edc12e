"""Coordination health: is the agreed information shared in time, and answered?

Figures over the first notices about activities starting in a period (later updates and
cancellations are due within hours and say nothing of lead time):
- share notified on time (sent by the due date), and the late ones, worst first;
- median lead time, in whole days between the notice and the activity's start;
- a trend by month of the activities' start;
- acknowledgements still awaited, and those overdue; escalations; deliveries given up; changes
  the engine could not process.
Counts, months and lead times come from `NoticeTally` (see `tallies`), kept by month: a period
is whole months. The page, the API and the XLSX export read the same `Health`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from liaison.coordination.models import (
    WAITING,
    ActivityChange,
    Agreement,
    Delivery,
    DeliveryStatus,
    Escalation,
    Notice,
    NoticeKind,
    NoticeTally,
)
from liaison.core.access import readable_ids, visible
from liaison.core.listed_names import names_by_owner
from liaison.directory.models import Organisation, display_name

LATE_ROWS = 50


@dataclass
class Month:
    month: dt.date
    total: int
    on_time: int
    late: int

    @property
    def share_on_time(self) -> float | None:
        return self.on_time / self.total if self.total else None


@dataclass
class LateRow:
    uid: str
    title: str
    activity: int | None
    source: str
    recipient: str
    starts_at: dt.datetime
    due_at: dt.datetime
    sent_at: dt.datetime
    late_by: dt.timedelta
    escalated: bool


@dataclass
class Health:
    start: dt.date
    end: dt.date
    total: int = 0
    on_time: int = 0
    late: int = 0
    median_lead_days: int | None = None
    waiting: int = 0
    overdue: int = 0
    escalations: int = 0
    failed_deliveries: int = 0
    stuck_changes: int = 0
    months: list[Month] = field(default_factory=list)
    late_rows: list[LateRow] = field(default_factory=list)

    @property
    def share_on_time(self) -> float | None:
        return self.on_time / self.total if self.total else None


@dataclass(frozen=True)
class Scope:
    """Which notices a health view covers, as filters usable from notices or from rows joined to
    them (`prefix`, e.g. "notice__")."""

    agreement_ids: tuple[int, ...] | None  # None: every agreement (a superuser)
    organisation_ids: tuple[int, ...] | None = None
    side: str = "source"

    def q(self, prefix: str = "") -> Q:
        q = Q()
        if self.agreement_ids is not None:
            q &= Q(**{f"{prefix}agreement_id__in": self.agreement_ids})
        if self.organisation_ids is not None:
            q &= Q(**{f"{prefix}{self.side}_id__in": self.organisation_ids})
        return q


def scope(
    user: Any, *, agreement: int | None = None, organisation: int | None = None, side: str = "source"
) -> Scope:
    """The notices of one agreement, or sent by (`side`="source") or to (`side`="recipient") an
    organisation and those below it; only ever of agreements the user reads."""
    readable = visible(user, Agreement.objects.all())
    if agreement is not None:
        readable = readable.filter(pk=agreement)
    agreement_ids = tuple(readable.values_list("pk", flat=True))
    organisation_ids = None
    if organisation is not None:
        # One the user may not see counts like a missing one: nothing.
        org = visible(user, Organisation.objects.filter(pk=organisation)).only("path").first()
        path = org.path if org is not None else "-"
        organisation_ids = tuple(
            Organisation.objects.filter(path__startswith=path).values_list("pk", flat=True)
        )
    return Scope(
        agreement_ids=agreement_ids,
        organisation_ids=organisation_ids,
        side="recipient" if side == "recipient" else "source",
    )


def _median(histogram: list[tuple[int, int]]) -> int | None:
    total = sum(n for _days, n in histogram)
    if not total:
        return None
    middle, seen = (total + 1) // 2, 0
    for days, n in sorted(histogram):
        seen += n
        if seen >= middle:
            return days
    return None


def measure(
    where: Scope, start: dt.date, end: dt.date, *, language: str, now: Any = None, reader: Any = None
) -> Health:
    """The figures of the notices `where` covers, about activities starting from `start` up to
    `end` (exclusive)."""
    now = now or timezone.now()
    zone = timezone.get_current_timezone()
    lower = dt.datetime.combine(start, dt.time.min, tzinfo=zone)
    upper = dt.datetime.combine(end, dt.time.min, tzinfo=zone)
    notices = Notice.objects.filter(where.q())
    period = notices.filter(starts_at__gte=lower, starts_at__lt=upper)
    first = period.filter(kind=NoticeKind.NEW)
    health = Health(start=start, end=end)
    # The totals, the months and the lead-time histogram come from the running tallies: a few
    # hundred rows for a year, however many notices it had.
    groups = (
        NoticeTally.objects.filter(where.q(), month__gte=start, month__lt=end)
        .values("month", "lead_days", "late")
        .annotate(n=Sum("count"))
        .order_by()
    )
    by_month: dict[dt.date, list[int]] = {}
    histogram: dict[int, int] = {}
    for row in groups:
        month = by_month.setdefault(row["month"], [0, 0])
        month[0] += row["n"]
        month[1] += row["n"] if row["late"] else 0
        histogram[row["lead_days"]] = histogram.get(row["lead_days"], 0) + row["n"]
    health.months = [
        Month(month=month, total=total, on_time=total - late, late=late)
        for month, (total, late) in sorted(by_month.items())
    ]
    health.total = sum(m.total for m in health.months)
    health.late = sum(m.late for m in health.months)
    health.on_time = health.total - health.late
    health.median_lead_days = _median(list(histogram.items()))
    # Counting a column of the partial index `notice_agreement_waiting` (never null), not the id:
    # the index alone answers.
    waiting = period.filter(current=True, status__in=WAITING).aggregate(
        waiting=Count("acknowledge_by"), overdue=Count("acknowledge_by", filter=Q(acknowledge_by__lt=now))
    )
    health.waiting, health.overdue = waiting["waiting"], waiting["overdue"]
    # Escalations and failed deliveries are few: read from their side, joined to their notices.
    in_period = where.q("notice__") & Q(notice__starts_at__gte=lower, notice__starts_at__lt=upper)
    health.escalations = Escalation.objects.filter(in_period).count()
    health.failed_deliveries = Delivery.objects.filter(in_period, status=DeliveryStatus.FAILED).count()
    health.stuck_changes = ActivityChange.objects.filter(processed_at__isnull=True).exclude(error="").count()
    health.late_rows = _late_rows(first, language, reader)
    return health


def _late_rows(first: QuerySet[Notice], language: str, reader: Any) -> list[LateRow]:
    """The worst late first notices; an organisation `reader` may not see is not named."""
    lateness = ExpressionWrapper(F("sent_at") - F("due_at"), output_field=DurationField())
    # The worst ids first, from the partial index `notice_agreement_late` alone; then their rows.
    worst = list(
        first.filter(late=True)
        .annotate(late_by=lateness)
        .order_by("-late_by", "-id")
        .values_list("pk", flat=True)[:LATE_ROWS]
    )
    rows = list(
        Notice.objects.filter(pk__in=worst)
        .annotate(late_by=lateness)
        .order_by("-late_by", "-id")
        .values(
            "uid",
            "title",
            "activity_ref",
            "source_id",
            "recipient_id",
            "starts_at",
            "due_at",
            "sent_at",
            "late_by",
            "payload__kind",
        )
    )
    org_ids = {r["source_id"] for r in rows} | {r["recipient_id"] for r in rows}
    shown = readable_ids(reader, Organisation, org_ids) if reader is not None else org_ids
    names = names_by_owner(Organisation, shown)
    hidden = _("an organisation you cannot see")

    def name(pk: int) -> str:
        return display_name(names.get(pk, ()), language) if pk in shown else hidden

    escalated = set(
        Escalation.objects.filter(notice__uid__in=[r["uid"] for r in rows]).values_list(
            "notice__uid", flat=True
        )
    )
    from liaison.activities.models import ActivityKind

    kinds = dict(ActivityKind.choices)
    return [
        LateRow(
            uid=str(r["uid"]),
            title=r["title"] or str(kinds.get(r["payload__kind"], "")),
            activity=r["activity_ref"],
            source=name(r["source_id"]),
            recipient=name(r["recipient_id"]),
            starts_at=r["starts_at"],
            due_at=r["due_at"],
            sent_at=r["sent_at"],
            late_by=r["late_by"] if isinstance(r["late_by"], dt.timedelta) else r["sent_at"] - r["due_at"],
            escalated=r["uid"] in escalated,
        )
        for r in rows
    ]


def year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year + 1, 1, 1)


def as_dict(health: Health) -> dict[str, Any]:
    """The figures as plain JSON (the API's shape)."""
    return {
        "start": health.start,
        "end": health.end,
        "total": health.total,
        "on_time": health.on_time,
        "late": health.late,
        "share_on_time": health.share_on_time,
        "median_lead_days": health.median_lead_days,
        "waiting": health.waiting,
        "overdue": health.overdue,
        "escalations": health.escalations,
        "failed_deliveries": health.failed_deliveries,
        "stuck_changes": health.stuck_changes,
        "months": [
            {"month": m.month, "total": m.total, "on_time": m.on_time, "late": m.late} for m in health.months
        ],
        "late_notices": [
            {
                "notice": row.uid,
                "title": row.title,
                "activity": row.activity,
                "source": row.source,
                "recipient": row.recipient,
                "starts_at": row.starts_at,
                "due_at": row.due_at,
                "sent_at": row.sent_at,
                "late_by_hours": round(row.late_by.total_seconds() / 3600, 1),
                "escalated": row.escalated,
            }
            for row in health.late_rows
        ],
    }

"""Reporting completeness and timeliness, in the manner of DHIS2's reporting rate summary.

For each reporting period of a plan and each organisation:
- *expected*: its assignments that run in the period (assigned before the period ended, and not
  due before it began);
- *actual*: those with a report submitted for the period (whatever became of it afterwards);
- *on time*: those first submitted by the period's deadline;
- *reporting rate* = actual / expected, *on-time rate* = on time / expected.

Two aggregate queries per plan whatever its size: one over assignments, one over reports.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q

from liaison.implementation.models import Assignment, Plan, ProgressReport, ReportingPeriod


@dataclass
class Rates:
    expected: int = 0
    actual: int = 0
    on_time: int = 0

    @property
    def rate(self) -> Decimal | None:
        return (
            None
            if not self.expected
            else (Decimal(100) * self.actual / self.expected).quantize(Decimal("0.1"))
        )

    @property
    def on_time_rate(self) -> Decimal | None:
        return (
            None
            if not self.expected
            else (Decimal(100) * self.on_time / self.expected).quantize(Decimal("0.1"))
        )

    @property
    def missing(self) -> int:
        return max(0, self.expected - self.actual)

    def add(self, other: Rates) -> None:
        self.expected += other.expected
        self.actual += other.actual
        self.on_time += other.on_time


@dataclass
class Completeness:
    periods: list[ReportingPeriod]
    # organisation id → period id → rates
    cells: dict[int, dict[int, Rates]] = field(default_factory=dict)
    by_period: dict[int, Rates] = field(default_factory=dict)
    by_organisation: dict[int, Rates] = field(default_factory=dict)
    total: Rates = field(default_factory=Rates)


def runs_in(period: ReportingPeriod) -> Q:
    """Assignments that owe a report for the period."""
    return Q(assigned_on__lte=period.ends_on) & (
        Q(task__due_on__isnull=True) | Q(task__due_on__gte=period.starts_on)
    )


def completeness(
    plan: Plan, *, until: dt.date | None = None, organisations: list[int] | None = None
) -> Completeness:
    """Rates for the plan's periods that began by `until` (all when None)."""
    periods = [p for p in plan.periods.all() if until is None or p.starts_on <= until]
    result = Completeness(periods=periods)
    if not periods:
        return result
    assignments = Assignment.objects.filter(task__plan=plan)
    reports = ProgressReport.objects.filter(period__in=[p.pk for p in periods], submitted_at__isnull=False)
    if organisations is not None:
        assignments = assignments.filter(organisation_id__in=organisations)
        reports = reports.filter(assignment__organisation_id__in=organisations)
    expected = (
        assignments.values("organisation_id")
        .annotate(**{f"p{p.pk}": Count("id", filter=runs_in(p)) for p in periods})
        .order_by()
    )
    cells: dict[int, dict[int, Rates]] = defaultdict(dict)
    for row in expected:
        for p in periods:
            cells[row["organisation_id"]][p.pk] = Rates(expected=row[f"p{p.pk}"])
    actual = (
        reports.values("period_id", "assignment__organisation_id")
        .annotate(n=Count("id"), on_time=Count("id", filter=Q(late=False)))
        .order_by()
    )
    for row in actual:
        cell = cells[row["assignment__organisation_id"]].setdefault(row["period_id"], Rates())
        cell.actual += row["n"]
        cell.on_time += row["on_time"]
    result.cells = dict(cells)
    for org_id, per_period in cells.items():
        org_rates = result.by_organisation.setdefault(org_id, Rates())
        for period_id, rates in per_period.items():
            org_rates.add(rates)
            result.by_period.setdefault(period_id, Rates()).add(rates)
            result.total.add(rates)
    return result


def not_reported(plan: Plan, period: ReportingPeriod) -> list[Assignment]:
    """Assignments that owe a report for the period and have not submitted one."""
    return list(
        Assignment.objects.filter(task__plan=plan)
        .filter(runs_in(period))
        .filter(
            ~Exists(
                ProgressReport.objects.filter(
                    assignment=OuterRef("pk"), period=period, submitted_at__isnull=False
                )
            )
        )
        .select_related("task", "organisation")
        .order_by("organisation__sort_name", "task__path")
    )

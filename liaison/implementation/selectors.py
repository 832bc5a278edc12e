"""Reads for the pages and the API, filtered by the access policy, in a constant number of
queries whatever the size of the plan."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from liaison.core import access
from liaison.core.names.normalise import fold
from liaison.directory.models import Organisation
from liaison.implementation.models import (
    Assignment,
    GuidingDocument,
    Plan,
    ProgressReport,
    ProgressStatus,
    ReportingPeriod,
    ReportStatus,
    Task,
    tree_order,
)

HIDDEN = "an organisation you cannot see"


@dataclass
class PlanFilters:
    q: str = ""
    document: int | None = None
    active_on: dt.date | None = None


def documents_for(user: Any, q: str = "", kind: str = "") -> QuerySet[GuidingDocument]:
    documents = access.visible(user, GuidingDocument.objects.all())
    if q.strip():
        term = q.strip()
        documents = documents.filter(
            Q(code__icontains=term)
            | Q(title_en__icontains=term)
            | Q(title_vi__icontains=term)
            | Q(title_ar__icontains=term)
        )
    if kind:
        documents = documents.filter(kind=kind)
    return documents.select_related("issuer").order_by("-issued_on", "id")


def _count(model: type[Any], **filters: Any) -> Any:
    return Coalesce(
        Subquery(
            model.objects.filter(**filters)
            .order_by()
            .values(next(iter(filters)))
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
        0,
    )


def plans_for(user: Any, filters: PlanFilters) -> QuerySet[Plan]:
    plans = access.visible(user, Plan.objects.all())
    if filters.q.strip():
        term = filters.q.strip()
        plans = plans.filter(
            Q(code__icontains=term)
            | Q(title_en__icontains=term)
            | Q(title_vi__icontains=term)
            | Q(title_ar__icontains=term)
            | Q(document__code__icontains=term)
        )
    if filters.document is not None:
        plans = plans.filter(document_id=filters.document)
    if filters.active_on is not None:
        plans = plans.filter(starts_on__lte=filters.active_on, ends_on__gte=filters.active_on)
    listed: QuerySet[Plan] = (
        plans.select_related("document", "owner")
        .annotate(
            task_count=_count(Task, plan=OuterRef("pk")),
            # The organisations assigned read the plan (`shared_with`): a few rows per plan, where
            # counting its assignments would read thousands.
            organisation_count=_count(Plan.shared_with.through, plan_id=OuterRef("pk")),
        )
        .order_by("-starts_on", "id")
    )
    return listed


def organisation_names(user: Any, ids: set[int], language: str) -> dict[int, str]:
    """Display names of the organisations the user may read (others are left out)."""
    from liaison.activities.forms_parts import organisation_label

    if not ids:
        return {}
    readable = access.visible(user, Organisation.objects.filter(pk__in=ids)).prefetch_related("names")
    return {org.pk: organisation_label(org, language) for org in readable}


def name_or_hidden(names: dict[int, str], pk: int | None) -> str:
    if pk is None:
        return ""
    return names.get(pk) or _(HIDDEN)


@dataclass
class Cell:
    assignment_id: int
    status: str
    computed: Any
    reported: Any
    overdue: bool
    last_period: str


@dataclass
class Heatmap:
    tasks: list[Task]
    rows: list[tuple[int, str, list[Cell | None]]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def heatmap(user: Any, plan: Plan, *, language: str, today: dt.date) -> Heatmap:
    """Organisations × leaf tasks, each cell the assignment's status (three queries)."""
    tasks = sorted(Task.objects.filter(plan=plan, children__isnull=True), key=lambda t: tree_order(t.path))
    columns = {task.pk: i for i, task in enumerate(tasks)}
    labels = dict(ReportingPeriod.objects.filter(plan=plan).values_list("pk", "label"))
    due = {t.pk: t.due_on for t in tasks}
    by_org: dict[int, list[Cell | None]] = defaultdict(lambda: [None] * len(tasks))
    counts: dict[str, int] = defaultdict(int)
    rows = Assignment.objects.filter(task__plan=plan).values_list(
        "pk", "task_id", "organisation_id", "status", "computed_percent", "reported_percent", "last_period_id"
    )
    for pk, task_id, org_id, status, computed, reported, period_id in rows:
        if task_id not in columns:
            continue
        task_due = due[task_id]
        overdue = task_due is not None and task_due < today and status != ProgressStatus.DONE
        by_org[org_id][columns[task_id]] = Cell(
            pk, status, computed, reported, overdue, labels.get(period_id, "") if period_id else ""
        )
        counts["overdue" if overdue else status] += 1
    names = organisation_names(user, set(by_org), language)
    # Folded, so that Hà Nội sorts before Huế and Đà Nẵng among the Ds.
    ordered = sorted(
        by_org.items(), key=lambda item: (item[0] not in names, fold(names.get(item[0], "")), item[0])
    )
    return Heatmap(
        tasks=tasks,
        rows=[(org_id, name_or_hidden(names, org_id), cells) for org_id, cells in ordered],
        counts=dict(counts),
    )


def current_period(plan: Plan, today: dt.date) -> ReportingPeriod | None:
    """The period whose reports are due next (or the last one, once the plan is over)."""
    periods = list(plan.periods.all())
    started = [p for p in periods if p.starts_on <= today]
    if not started:
        return None
    waiting = [p for p in started if p.due_on >= today]
    return waiting[0] if waiting else started[-1]


def overdue_assignments(plan: Plan, today: dt.date) -> QuerySet[Assignment]:
    """Assignments of tasks past their due date that are not done."""
    return (
        Assignment.objects.filter(task__plan=plan, task__due_on__lt=today)
        .exclude(status=ProgressStatus.DONE)
        .select_related("task", "organisation")
        .order_by("task__due_on", "task__path", "organisation__sort_name")
    )


def awaiting_review(user: Any, limit: int = 50) -> list[ProgressReport]:
    """Submitted reports the user may decide on (plans whose reviewers include the user's units)."""
    from liaison.implementation.reporting import can_review

    reports = (
        ProgressReport.objects.filter(
            status=ReportStatus.SUBMITTED, assignment__task__plan__in=access.visible(user, Plan.objects.all())
        )
        .select_related("period", "assignment__organisation", "assignment__task__plan__owner")
        .prefetch_related("assignment__task__plan__approval_levels__organisation")
        .order_by("submitted_at")[: limit * 4]
    )
    return [r for r in reports if can_review(user, r)][:limit]

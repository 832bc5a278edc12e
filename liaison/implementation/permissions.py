"""Looking records up for a user, through the one access policy.

Documents and plans are owned records; everything below a plan (tasks, assignments, reports,
visits) is read by whoever reads the plan and changed as `tree`, `reporting` and `supervision`
say. A record the user may not see raises the same 404 as a missing one.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from liaison.core import access
from liaison.core.access import Action
from liaison.implementation.models import (
    Assignment,
    GuidingDocument,
    Inspection,
    Plan,
    ProgressReport,
    Task,
)


def get_document_for_user(
    user: Any, pk: Any, *, action: Action = Action.READ, request: Any = None
) -> GuidingDocument:
    queryset = GuidingDocument.objects.select_related("owner", "issuer")
    document: GuidingDocument = access.get_for_user(user, queryset, pk, action=action, request=request)
    return document


def get_plan_for_user(user: Any, pk: Any, *, action: Action = Action.READ, request: Any = None) -> Plan:
    queryset = Plan.objects.select_related("owner", "document")
    plan: Plan = access.get_for_user(user, queryset, pk, action=action, request=request)
    return plan


def _within_readable_plan(user: Any, plan_id: int, request: Any) -> None:
    """Everything below a plan is read by whoever reads the plan (404 otherwise)."""
    get_plan_for_user(user, plan_id, request=request)


def get_task_for_user(user: Any, pk: Any, *, request: Any = None) -> Task:
    task = (
        Task.objects.select_related("plan", "plan__owner", "responsible", "objective", "parent")
        .filter(pk=_int(pk))
        .first()
    )
    if task is None:
        raise Http404
    _within_readable_plan(user, task.plan_id, request)
    found: Task = task
    return found


def get_assignment_for_user(user: Any, pk: Any, *, request: Any = None) -> Assignment:
    assignment = (
        Assignment.objects.select_related("task", "task__plan", "task__plan__owner", "organisation")
        .filter(pk=_int(pk))
        .first()
    )
    if assignment is None:
        raise Http404
    _within_readable_plan(user, assignment.task.plan_id, request)
    found: Assignment = assignment
    return found


def get_report_for_user(user: Any, pk: Any, *, request: Any = None) -> ProgressReport:
    report = (
        ProgressReport.objects.select_related(
            "period",
            "assignment",
            "assignment__organisation",
            "assignment__task",
            "assignment__task__plan",
            "assignment__task__plan__owner",
        )
        .filter(pk=_int(pk))
        .first()
    )
    if report is None:
        raise Http404
    _within_readable_plan(user, report.assignment.task.plan_id, request)
    found: ProgressReport = report
    return found


def get_inspection_for_user(user: Any, pk: Any, *, request: Any = None) -> Inspection:
    inspection = (
        Inspection.objects.select_related("plan", "plan__owner", "organisation", "led_by")
        .filter(pk=_int(pk))
        .first()
    )
    if inspection is None:
        raise Http404
    _within_readable_plan(user, inspection.plan_id, request)
    found: Inspection = inspection
    return found


def _int(pk: Any) -> int:
    try:
        return int(pk)
    except (TypeError, ValueError):
        raise Http404 from None

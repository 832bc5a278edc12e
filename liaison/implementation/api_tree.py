"""A plan's tree in the implementation API: objectives, tasks and their assignments to
organisations."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Status

from liaison.core.access import Action
from liaison.core.api_support import AUTH, check_if_match, refuse_nulls
from liaison.directory.api_refs import organisation, organisations
from liaison.implementation import reporting, tree
from liaison.implementation.api_common import (
    ERRORS,
    READ_ERRORS,
    ImplementationRouter,
    Names,
    _by_name,
    _labels,
    _names,
    _num,
    _ordered_organisations,
    _org,
    _plan,
    _resolved,
    _task_ref,
    _titles,
    _with_etag,
)
from liaison.implementation.models import Assignment, Objective, Plan, ProgressReport, Task
from liaison.implementation.permissions import get_assignment_for_user, get_task_for_user
from liaison.implementation.schemas import (
    AssignedOut,
    AssignIn,
    AssignmentDetailOut,
    ObjectiveIn,
    ObjectiveOut,
    ObjectivePatch,
    TaskIn,
    TaskOut,
    TaskPatch,
)

router = ImplementationRouter(auth=AUTH)


# --- objectives -------------------------------------------------------------------------------


def _objective_out(objective: Objective) -> dict[str, Any]:
    return {
        "id": objective.pk,
        "code": objective.code,
        **_titles(objective),
        "weight": float(objective.weight),
        "version": objective.version,
    }


def _objective(request: HttpRequest, objective_id: int) -> Objective:
    """An objective of a plan the user may change (404 otherwise, like a missing one)."""
    objective: Objective | None = Objective.objects.filter(pk=objective_id).first()
    if objective is None:
        raise Http404
    objective.plan = _plan(request, objective.plan_id, Action.CHANGE)
    return objective


@router.post("/plans/{int:plan_id}/objectives", response={201: ObjectiveOut, **ERRORS})
def add_objective(
    request: HttpRequest, plan_id: int, payload: ObjectiveIn, response: HttpResponse
) -> Status[dict[str, Any]]:
    plan = _plan(request, plan_id, Action.CHANGE)
    objective = tree.add_objective(by=request.user, plan=plan, data=tree.ObjectiveInput(**payload.dict()))
    _with_etag(response, objective)
    return Status(201, _objective_out(objective))


@router.patch("/objectives/{int:objective_id}", response={200: ObjectiveOut, **ERRORS})
def patch_objective(
    request: HttpRequest, objective_id: int, payload: ObjectivePatch, response: HttpResponse
) -> dict[str, Any]:
    """Send `If-Match` with the objective's ETag."""
    objective = _objective(request, objective_id)
    check_if_match(request, objective)
    sent = payload.dict(exclude_unset=True)
    refuse_nulls(sent, ())
    objective = tree.update_objective(
        by=request.user, objective=objective, version=objective.version, changes=sent
    )
    _with_etag(response, objective)
    return _objective_out(objective)


@router.delete("/objectives/{int:objective_id}", response={204: None, **ERRORS})
def delete_objective(request: HttpRequest, objective_id: int) -> Status[None]:
    """Its tasks stay in the plan, without an objective."""
    objective = _objective(request, objective_id)
    check_if_match(request, objective)
    tree.delete_objective(by=request.user, objective=objective)
    return Status(204, None)


# --- tasks ------------------------------------------------------------------------------------


def _assignment_out(a: Assignment, names: Names, labels: dict[int, str]) -> dict[str, Any]:
    return {
        "id": a.pk,
        "organisation": _org(names, a.organisation_id),
        "assigned_on": a.assigned_on,
        "status": a.status,
        "reported_percent": _num(a.reported_percent),
        "computed_percent": _num(a.computed_percent),
        "value": _num(a.value),
        "last_period": labels.get(a.last_period_id) if a.last_period_id else None,
        "version": a.version,
    }


def _task_out(user: Any, task: Task) -> dict[str, Any]:
    assignments = list(task.assignments.select_related("last_period"))
    cooperating = list(task.cooperating.values_list("pk", flat=True))
    names = _names(user, [task.responsible_id, *cooperating, *(a.organisation_id for a in assignments)])
    labels = {a.last_period_id: a.last_period.label for a in assignments if a.last_period is not None}
    assignments.sort(key=lambda a: _by_name(names, a.organisation_id))
    return {
        "id": task.pk,
        "plan": task.plan_id,
        "code": task.code,
        **_titles(task),
        "objective": task.objective_id,
        "parent": task.parent_id,
        "children": list(task.children.order_by("path").values_list("pk", flat=True)),
        "depth": task.path.count("/") - 1,
        "responsible": _org(names, task.responsible_id),
        "cooperating": [
            {"id": pk, "name": names[pk]}
            for pk in sorted(cooperating, key=lambda pk: _by_name(names, pk))
            if pk in names
        ],
        "due_on": task.due_on,
        "recurrence": task.recurrence,
        "weight": float(task.weight),
        "indicator": task.indicator,
        "unit": task.unit,
        "baseline": _num(task.baseline),
        "target": _num(task.target),
        "notes": task.notes,
        "origin": task.origin_id,
        "version": task.version,
        "assignments": [_assignment_out(a, names, labels) for a in assignments],
    }


def _task_values(user: Any, plan: Plan, sent: dict[str, Any]) -> dict[str, Any]:
    """API values as `tree.TaskInput` takes them: objectives and parents of this plan only."""

    def resolve(key: str, value: Any) -> Any:
        if key == "responsible":
            return organisation(user, value, key)
        if key == "cooperating":
            return organisations(user, value, key)
        if key == "objective" and value is not None:
            objective = plan.objectives.filter(pk=value).first()
            if objective is None:
                raise ValidationError({key: [_("Choose an objective of this plan.")]})
            return objective
        if key == "parent" and value is not None:
            parent = plan.tasks.filter(pk=value).first()
            if parent is None:
                raise ValidationError({key: [_("Choose a task of this plan.")]})
            return parent
        return value

    return _resolved(sent, resolve)


def _task(request: HttpRequest, task_id: int, action: Action = Action.READ) -> Task:
    """A task of a plan the user may read (or change); 404 otherwise, like a missing one."""
    task = get_task_for_user(request.user, task_id, request=request)
    if action is not Action.READ:
        task.plan = _plan(request, task.plan_id, action)
    return task


@router.post("/plans/{int:plan_id}/tasks", response={201: TaskOut, **ERRORS})
def add_task(
    request: HttpRequest, plan_id: int, payload: TaskIn, response: HttpResponse
) -> Status[dict[str, Any]]:
    """A task directly under the plan or part of another (`parent`); due within the plan."""
    user = request.user
    plan = _plan(request, plan_id, Action.CHANGE)
    task = tree.add_task(by=user, plan=plan, data=tree.TaskInput(**_task_values(user, plan, payload.dict())))
    task = _task(request, task.pk)
    _with_etag(response, task)
    response["Location"] = reverse("api:task", args=[task.pk])
    return Status(201, _task_out(user, task))


@router.get("/tasks/{int:task_id}", response={200: TaskOut, **READ_ERRORS}, url_name="task")
def get_task(request: HttpRequest, task_id: int, response: HttpResponse) -> dict[str, Any]:
    """With its assignments (each organisation's status and figures)."""
    task = _task(request, task_id)
    _with_etag(response, task)
    return _task_out(request.user, task)


@router.patch("/tasks/{int:task_id}", response={200: TaskOut, **ERRORS})
def patch_task(
    request: HttpRequest, task_id: int, payload: TaskPatch, response: HttpResponse
) -> dict[str, Any]:
    """Send `If-Match` with the ETag you read. Moving a task under one of its own sub-tasks is
    refused (`parent`)."""
    user = request.user
    task = _task(request, task_id, Action.CHANGE)
    check_if_match(request, task)
    sent = payload.dict(exclude_unset=True)
    refuse_nulls(sent, ("objective", "parent", "due_on", "baseline", "target"))
    changes = _task_values(user, task.plan, sent)
    tree.update_task(by=user, task=task, version=task.version, changes=changes)
    task = _task(request, task_id)
    _with_etag(response, task)
    return _task_out(user, task)


@router.delete("/tasks/{int:task_id}", response={204: None, **ERRORS})
def delete_task(request: HttpRequest, task_id: int) -> Status[None]:
    """With its sub-tasks; refused once organisations have reported on it."""
    task = _task(request, task_id, Action.CHANGE)
    check_if_match(request, task)
    tree.delete_task(by=request.user, task=task)
    return Status(204, None)


# --- assignments ------------------------------------------------------------------------------


def _renamed(exc: ValidationError, names: dict[str, str]) -> ValidationError:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return ValidationError({names.get(k, k): v for k, v in errors.items()})


@router.post("/tasks/{int:task_id}/assignments", response={200: AssignedOut, 201: AssignedOut, **ERRORS})
def assign_task(request: HttpRequest, task_id: int, payload: AssignIn) -> Status[dict[str, Any]]:
    """Assign a leaf task to organisations chosen one by one, or to a group as it stood on the
    day (the missions group narrowed to a UN M49 region by `region`, if given). An organisation
    that did not exist on the day is refused by name; those already assigned are left as they are
    (`already`). 201 when any assignment was made, else 200."""
    user = request.user
    task = _task(request, task_id, Action.CHANGE)
    on = payload.on or timezone.localdate()
    if payload.region is not None and payload.group is None:
        raise ValidationError(
            {"region": [_("Only the representative missions abroad can be chosen by region.")]}
        )
    if payload.group is not None:
        if payload.organisations:
            raise ValidationError({"group": [_("Choose organisations or a group, not both.")]})
        chosen = tree.group_members(user, payload.group, on, region=payload.region)
        if not chosen:
            raise ValidationError({"group": [_("No organisation of this group existed on that day.")]})
    else:
        chosen = _ordered_organisations(user, payload.organisations, "organisations")
    try:
        result = tree.assign(by=user, task=task, organisations=chosen, on=on)
    except ValidationError as exc:
        raise _renamed(exc, {"assigned_on": "on"}) from None
    names = _names(user, [o.pk for o in chosen])
    return Status(
        201 if result.created else 200,
        {
            "created": [_assignment_out(a, names, {}) for a in result.created],
            "already": [_org(names, o.pk) for o in result.already],
        },
    )


def _report_summary(report: ProgressReport) -> dict[str, Any]:
    return {
        "id": report.pk,
        "period": report.period.label,
        "status": report.status,
        "stage": report.stage,
        "progress": report.progress,
        "percent": _num(report.percent),
        "value": _num(report.value),
        "late": report.late,
        "submitted_at": report.submitted_at,
        "accepted_at": report.accepted_at,
        "version": report.version,
    }


@router.get("/assignments/{int:assignment_id}", response={200: AssignmentDetailOut, **READ_ERRORS})
def get_assignment(request: HttpRequest, assignment_id: int, response: HttpResponse) -> dict[str, Any]:
    """An organisation's assignment with its reports, period by period (a heatmap cell's reports)."""
    user = request.user
    assignment = get_assignment_for_user(user, assignment_id, request=request)
    reports = list(assignment.reports.select_related("period").order_by("period__starts_on"))
    names = _names(user, [assignment.organisation_id])
    labels = {r.period_id: r.period.label for r in reports}
    if assignment.last_period_id is not None and assignment.last_period_id not in labels:
        labels |= _labels(assignment.task.plan)
    _with_etag(response, assignment)
    return _assignment_out(assignment, names, labels) | {
        "plan": assignment.task.plan_id,
        "task": _task_ref(assignment.task),
        "reports": [_report_summary(r) for r in reports],
        "can_report": reporting.can_report(user, assignment),
    }


@router.delete("/assignments/{int:assignment_id}", response={204: None, **ERRORS})
def delete_assignment(request: HttpRequest, assignment_id: int) -> Status[None]:
    """Refused once the organisation has reported on the task."""
    assignment = get_assignment_for_user(request.user, assignment_id, request=request)
    assignment.task.plan = _plan(request, assignment.task.plan_id, Action.CHANGE)
    check_if_match(request, assignment)
    tree.unassign(by=request.user, assignment=assignment)
    return Status(204, None)

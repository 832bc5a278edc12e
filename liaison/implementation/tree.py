"""Writes to a plan's tree: objectives, tasks (a hierarchy without cycles) and assignments of a
task to many organisations at once. One transaction each, validated field by field, checked
against the plan's change permission, versioned and audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from liaison.activities.validation import require
from liaison.core import access
from liaison.core.versioning import check_version
from liaison.directory import regions
from liaison.directory.models import Organisation, OrganisationKind
from liaison.implementation.models import Assignment, Objective, Plan, Recurrence, Task
from liaison.implementation.services import _changes, _need_title, _refer_to

MAX_DEPTH = 8


# --- Objectives -------------------------------------------------------------------------------


@dataclass
class ObjectiveInput:
    title_en: str = ""
    title_vi: str = ""
    title_ar: str = ""
    code: str = ""
    weight: Decimal = Decimal(1)


OBJECTIVE_EDITABLE = frozenset(f.name for f in fields(ObjectiveInput))


def _validate_objective(data: ObjectiveInput) -> None:
    errors: dict[str, list[str]] = {}
    _need_title(data, errors)
    _check_weight(data.weight, errors)
    if errors:
        raise ValidationError(errors)


def _check_weight(weight: Decimal, errors: dict[str, list[str]]) -> None:
    if not Decimal(0) < weight <= Decimal(1000):
        errors["weight"] = [_("Give a weight above 0 and at most 1000.")]


@transaction.atomic
def add_objective(*, by: Any, plan: Plan, data: ObjectiveInput) -> Objective:
    require(access.can_change(by, plan))
    _validate_objective(data)
    objective = Objective(plan=plan, **{name: getattr(data, name) for name in OBJECTIVE_EDITABLE})
    objective.save()
    return objective


@transaction.atomic
def update_objective(
    *, by: Any, objective: Objective, version: int | None, changes: dict[str, Any]
) -> Objective:
    require(access.can_change(by, objective.plan))
    check_version(objective, version)
    data = ObjectiveInput(**{name: getattr(objective, name) for name in OBJECTIVE_EDITABLE})
    _changes(data, OBJECTIVE_EDITABLE, changes)
    _validate_objective(data)
    for name in OBJECTIVE_EDITABLE:
        setattr(objective, name, getattr(data, name))
    objective.save()
    return objective


@transaction.atomic
def delete_objective(*, by: Any, objective: Objective) -> None:
    require(access.can_change(by, objective.plan))
    objective.delete()


# --- Tasks ------------------------------------------------------------------------------------


@dataclass
class TaskInput:
    responsible: Organisation
    title_en: str = ""
    title_vi: str = ""
    title_ar: str = ""
    code: str = ""
    objective: Objective | None = None
    parent: Task | None = None
    cooperating: Sequence[Organisation] = ()
    due_on: dt.date | None = None
    recurrence: str = Recurrence.EVERY_PERIOD
    weight: Decimal = Decimal(1)
    indicator: str = ""
    unit: str = ""
    baseline: Decimal | None = None
    target: Decimal | None = None
    notes: str = ""


TASK_EDITABLE = frozenset(f.name for f in fields(TaskInput))
_TASK_SCALARS = TASK_EDITABLE - {"cooperating"}


def _validate_task(user: Any, plan: Plan, data: TaskInput, task: Task | None = None) -> None:
    errors: dict[str, list[str]] = {}
    _need_title(data, errors)
    _check_weight(data.weight, errors)
    if data.recurrence not in Recurrence.values:
        errors["recurrence"] = [_("Unknown recurrence.")]
    elif data.recurrence == Recurrence.ONCE and data.due_on is None:
        errors["due_on"] = [_("A task done once needs its due date.")]
    if data.due_on is not None:
        if data.due_on > plan.ends_on:
            errors["due_on"] = [
                _("Due after the plan ends (%(end)s).")
                % {"end": date_format(plan.ends_on, "SHORT_DATE_FORMAT")}
            ]
        elif data.due_on < plan.starts_on:
            errors["due_on"] = [
                _("Due before the plan starts (%(start)s).")
                % {"start": date_format(plan.starts_on, "SHORT_DATE_FORMAT")}
            ]
    if data.objective is not None and data.objective.plan_id != plan.pk:
        errors["objective"] = [_("Choose an objective of this plan.")]
    _check_parent(plan, data.parent, task, errors)
    _check_indicator(data, errors)
    _refer_to(user, [data.responsible], "responsible", errors)
    _refer_to(user, list(data.cooperating), "cooperating", errors)
    if errors:
        raise ValidationError(errors)


def _check_parent(plan: Plan, parent: Task | None, task: Task | None, errors: dict[str, list[str]]) -> None:
    if parent is None:
        return
    if parent.plan_id != plan.pk:
        errors["parent"] = [_("Choose a task of this plan.")]
    elif task is not None and task.pk is not None and f"/{task.pk}/" in parent.path:
        errors["parent"] = [_("A task cannot be part of itself or of one of its own sub-tasks.")]
    elif parent.path.count("/") - 1 >= MAX_DEPTH:
        errors["parent"] = [_("Tasks nest %(max)d levels deep at most.") % {"max": MAX_DEPTH}]
    elif parent.assignments.exists():
        errors["parent"] = [
            _(
                "That task is assigned to organisations: its progress comes from their reports, "
                "not from sub-tasks."
            )
        ]


def _check_indicator(data: TaskInput, errors: dict[str, list[str]]) -> None:
    measured = data.target is not None or data.baseline is not None
    if not measured:
        return
    if data.target is None:
        errors["target"] = [_("An indicator needs a target.")]
    if not data.unit.strip():
        errors["unit"] = [_("Say what the indicator counts (its unit).")]
    if data.baseline is not None and data.target is not None and data.baseline == data.target:
        errors["target"] = [_("The target must differ from the baseline.")]


def _save_task(task: Task, data: TaskInput) -> None:
    for name in _TASK_SCALARS:
        setattr(task, name, getattr(data, name))
    task.unit = data.unit.strip()
    task.save()
    path = f"{data.parent.path if data.parent else '/'}{task.pk}/"
    if path != task.path:
        old = task.path
        Task._base_manager.filter(pk=task.pk).update(path=path)  # derived, not audited
        if old:
            _move_descendants(task, old, path)
        task.path = path
    cooperating = sorted({o.pk for o in data.cooperating})
    if sorted(task.cooperating.values_list("pk", flat=True)) != cooperating:
        task.cooperating.set(cooperating)


def _move_descendants(task: Task, old: str, new: str) -> None:
    below = list(Task.objects.filter(plan_id=task.plan_id, path__startswith=old).exclude(pk=task.pk))
    for sub in below:
        sub.path = new + sub.path[len(old) :]
    Task._base_manager.bulk_update(below, ["path"])


@transaction.atomic
def add_task(*, by: Any, plan: Plan, data: TaskInput) -> Task:
    require(access.can_change(by, plan))
    _validate_task(by, plan, data)
    task = Task(plan=plan)
    _save_task(task, data)
    return task


def task_input(task: Task) -> TaskInput:
    values = {name: getattr(task, name) for name in _TASK_SCALARS}
    return TaskInput(cooperating=list(task.cooperating.all()), **values)


@transaction.atomic
def update_task(*, by: Any, task: Task, version: int | None, changes: dict[str, Any]) -> Task:
    require(access.can_change(by, task.plan))
    check_version(task, version)
    data = task_input(task)
    _changes(data, TASK_EDITABLE, changes)
    _validate_task(by, task.plan, data, task)
    _save_task(task, data)
    return task


@transaction.atomic
def delete_task(*, by: Any, task: Task) -> None:
    require(access.can_change(by, task.plan))
    from liaison.implementation.models import ProgressReport

    if (
        ProgressReport.objects.filter(
            assignment__task__path__startswith=task.path, assignment__task__plan=task.plan_id
        )
        .exclude(status="draft")
        .exists()
    ):
        raise ValidationError(
            {"__all__": [_("Organisations have reported on this task: it cannot be deleted.")]}
        )
    task.delete()


# --- Assignments ------------------------------------------------------------------------------


# Groups of organisations a task can be assigned to at once: (label, filter).
GROUPS: dict[str, tuple[str, Q]] = {
    "provincial_committees": (
        "Every provincial party committee",
        Q(kind=OrganisationKind.PROVINCIAL_COMMITTEE),
    ),
    "people_committees": ("Every provincial people's committee", Q(kind=OrganisationKind.PEOPLE_COMMITTEE)),
    "missions": ("Every representative mission abroad", Q(kind=OrganisationKind.MISSION)),
    "ministries": ("Every ministry", Q(kind=OrganisationKind.MINISTRY)),
}


# Groups that a region (liaison.directory.regions) narrows to the organisations whose country
# lies in it.
REGIONAL_GROUPS = frozenset({"missions"})


def group_members(user: Any, group: str, on: dt.date, region: str | None = None) -> list[Organisation]:
    """The organisations of a group that existed on the day, as far as the user can see; with a
    region (a UN M49 macro- or sub-region's key), only those whose country lies in it."""
    if group not in GROUPS:
        raise ValidationError({"group": [_("Unknown group of organisations.")]})
    found = Organisation.objects.filter(GROUPS[group][1]).valid_on(on)
    place = None
    if region:
        if group not in REGIONAL_GROUPS:
            raise ValidationError(
                {"region": [_("Only the representative missions abroad can be chosen by region.")]}
            )
        place = regions.region(region)
        if place is None:
            raise ValidationError({"region": [_("Unknown region.")]})
        found = found.filter(country__code__in=sorted(place.codes))
    members = list(access.visible(user, found).order_by("sort_name", "id"))
    if place is not None and not members:
        raise ValidationError(
            {
                "region": [
                    _("No representative mission in %(region)s existed on %(day)s.")
                    % {"region": place.name(get_language()), "day": date_format(on, "SHORT_DATE_FORMAT")}
                ]
            }
        )
    return members


@dataclass
class AssignResult:
    created: list[Assignment]
    already: list[Organisation]


def _existed_on(org: Organisation, on: dt.date) -> bool:
    return (org.valid_from is None or org.valid_from <= on) and (org.valid_to is None or on <= org.valid_to)


@transaction.atomic
def assign(*, by: Any, task: Task, organisations: Sequence[Organisation], on: dt.date) -> AssignResult:
    """Assign the task to each organisation (those already assigned are left as they are)."""
    plan = task.plan
    require(access.can_change(by, plan))
    errors: dict[str, list[str]] = {}
    if not organisations:
        errors["organisations"] = [_("Choose at least one organisation.")]
    if not plan.starts_on <= on <= plan.ends_on:
        errors["assigned_on"] = [_("Assign within the plan's period.")]
    if task.children.exists():
        errors["organisations"] = [_("This task has sub-tasks: assign those instead.")]
    _refer_to(by, organisations, "organisations", errors)
    if not errors:
        gone = [org for org in organisations if not _existed_on(org, on)]
        if gone:
            errors["organisations"] = [
                _("%(org)s did not exist on %(day)s.")
                % {"org": org, "day": date_format(on, "SHORT_DATE_FORMAT")}
                for org in gone[:10]
            ]
    if errors:
        raise ValidationError(errors)
    existing = set(task.assignments.values_list("organisation_id", flat=True))
    wanted = list({org.pk: org for org in organisations}.values())
    created = Assignment.objects.bulk_create(
        [Assignment(task=task, organisation=org, assigned_on=on) for org in wanted if org.pk not in existing]
    )
    # The organisations a plan's tasks are assigned to read the plan, whatever its classification.
    plan.shared_with.add(*[a.organisation_id for a in created])
    return AssignResult(created=created, already=[org for org in wanted if org.pk in existing])


@transaction.atomic
def unassign(*, by: Any, assignment: Assignment) -> None:
    plan = assignment.task.plan
    require(access.can_change(by, plan))
    if assignment.reports.exclude(status="draft").exists():
        raise ValidationError(
            {"__all__": [_("This organisation has reported on the task: the assignment stays.")]}
        )
    org_id = assignment.organisation_id
    assignment.delete()
    if not Assignment.objects.filter(task__plan=plan, organisation_id=org_id).exists():
        plan.shared_with.remove(org_id)

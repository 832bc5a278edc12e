"""Supervision and inspection visits: the plan of visits, the team, findings, recommendations,
and follow-up tasks that enter the plan's own task tree. Written by editors of the plan."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from liaison.activities.validation import require
from liaison.core import access
from liaison.core.versioning import check_version
from liaison.directory.models import Organisation
from liaison.implementation.models import (
    Finding,
    Inspection,
    InspectionKind,
    InspectionStatus,
    Plan,
    Recommendation,
    Task,
)
from liaison.implementation.services import _changes, _refer_to
from liaison.implementation.tree import TaskInput, add_task


@dataclass
class InspectionInput:
    kind: str
    organisation: Organisation
    led_by: Organisation
    planned_on: dt.date
    done_on: dt.date | None = None
    status: str = InspectionStatus.PLANNED
    team: str = ""
    summary: str = ""


INSPECTION_EDITABLE = frozenset(f.name for f in fields(InspectionInput))


def _validate(user: Any, plan: Plan, data: InspectionInput) -> None:
    errors: dict[str, list[str]] = {}
    if data.kind not in InspectionKind.values:
        errors["kind"] = [_("Unknown kind of visit.")]
    if data.status not in InspectionStatus.values:
        errors["status"] = [_("Unknown status.")]
    elif data.status == InspectionStatus.DONE and data.done_on is None:
        errors["done_on"] = [_("Say when the visit was carried out.")]
    if data.done_on is not None and data.status != InspectionStatus.DONE:
        errors["status"] = [_("A visit with a date carried out is done.")]
    if not plan.starts_on <= data.planned_on <= plan.ends_on:
        errors["planned_on"] = [_("Plan the visit within the plan's period.")]
    if data.done_on is not None and data.done_on > dt.date.today() + dt.timedelta(days=1):
        errors["done_on"] = [_("A visit cannot have been carried out in the future.")]
    _refer_to(user, [data.organisation], "organisation", errors)
    _refer_to(user, [data.led_by], "led_by", errors)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def plan_inspection(*, by: Any, plan: Plan, data: InspectionInput) -> Inspection:
    require(access.can_change(by, plan))
    _validate(by, plan, data)
    inspection = Inspection(plan=plan, **{name: getattr(data, name) for name in INSPECTION_EDITABLE})
    inspection.save()
    return inspection


@transaction.atomic
def update_inspection(
    *, by: Any, inspection: Inspection, version: int | None, changes: dict[str, Any]
) -> Inspection:
    require(access.can_change(by, inspection.plan))
    check_version(inspection, version)
    data = InspectionInput(**{name: getattr(inspection, name) for name in INSPECTION_EDITABLE})
    _changes(data, INSPECTION_EDITABLE, changes)
    _validate(by, inspection.plan, data)
    for name in INSPECTION_EDITABLE:
        setattr(inspection, name, getattr(data, name))
    inspection.save()
    return inspection


@transaction.atomic
def delete_inspection(*, by: Any, inspection: Inspection) -> None:
    require(access.can_change(by, inspection.plan))
    if Task.objects.filter(origin__finding__inspection=inspection).exists():
        raise ValidationError({"__all__": [_("Follow-up tasks come from this visit: it stays on record.")]})
    inspection.delete()


@transaction.atomic
def add_finding(
    *, by: Any, inspection: Inspection, text: str, recommendations: Sequence[str] = ()
) -> Finding:
    require(access.can_change(by, inspection.plan))
    if not text.strip():
        raise ValidationError({"text": [_("Write the finding.")]})
    finding = Finding(inspection=inspection, text=text.strip())
    finding.save()
    for line in recommendations:
        if line.strip():
            Recommendation(finding=finding, text=line.strip()).save()
    return finding


@transaction.atomic
def add_recommendation(
    *, by: Any, finding: Finding, text: str, due_on: dt.date | None = None
) -> Recommendation:
    plan = finding.inspection.plan
    require(access.can_change(by, plan))
    errors: dict[str, list[str]] = {}
    if not text.strip():
        errors["text"] = [_("Write the recommendation.")]
    if due_on is not None and not plan.starts_on <= due_on <= plan.ends_on:
        errors["due_on"] = [_("Set a date within the plan's period.")]
    if errors:
        raise ValidationError(errors)
    recommendation = Recommendation(finding=finding, text=text.strip(), due_on=due_on)
    recommendation.save()
    return recommendation


@transaction.atomic
def follow_up(
    *, by: Any, recommendation: Recommendation, data: TaskInput, assign_visited: bool = True
) -> Task:
    """A follow-up task for the recommendation, in the plan's own tree (assigned to the visited
    organisation unless told otherwise)."""
    inspection = recommendation.finding.inspection
    task = add_task(by=by, plan=inspection.plan, data=data)
    task.origin = recommendation
    task.save()
    if assign_visited:
        from liaison.implementation.tree import assign

        on = max(
            inspection.plan.starts_on,
            min(inspection.done_on or inspection.planned_on, inspection.plan.ends_on),
        )
        assign(by=by, task=task, organisations=[inspection.organisation], on=on)
    return task

"""The implementation read-outs: a document's and a plan's roll-up, the heatmap, completeness
and timeliness, the overdue assignments and those that have not reported.

Large answers (a roll-up, a heatmap) are sent already shaped as their schema, without validating
them again (the tests check them against the schema).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from liaison.core.access import readable_ids, visible
from liaison.core.api_support import AUTH, clamp, list_response
from liaison.core.htmx import capped_count
from liaison.directory.models import Organisation
from liaison.implementation.api_common import (
    ERRORS,
    READ_ERRORS,
    ImplementationRouter,
    _by_name,
    _labels,
    _names,
    _num,
    _org,
    _period,
    _plan,
    _task_ref,
)
from liaison.implementation.completeness import Rates, completeness, not_reported
from liaison.implementation.models import Assignment, GuidingDocument, Plan
from liaison.implementation.permissions import get_document_for_user
from liaison.implementation.progress import Node, document_rollup, implementing_documents, plan_trees
from liaison.implementation.schemas import (
    AssignmentPageOut,
    CompletenessOut,
    HeatmapOut,
    NodeOut,
    NotReportedOut,
)
from liaison.implementation.selectors import current_period, heatmap, overdue_assignments

router = ImplementationRouter(auth=AUTH)


def _json(body: Any) -> HttpResponse:
    """A large answer (a heatmap, a roll-up) already shaped as its schema, sent without validating
    it again (the tests check it against the schema)."""
    return HttpResponse(json.dumps(body, cls=DjangoJSONEncoder), content_type="application/json")


def _rates(rates: Rates) -> dict[str, Any]:
    return {
        "expected": rates.expected,
        "actual": rates.actual,
        "on_time": rates.on_time,
        "rate": _num(rates.rate),
        "on_time_rate": _num(rates.on_time_rate),
    }


def _node_out(node: Node) -> dict[str, Any]:
    return {
        "kind": node.kind,
        "id": node.pk,
        "code": getattr(node.record, "code", "") or "",
        "title": node.label,
        "weight": float(node.weight),
        "reported": _num(node.reported),
        "computed": _num(node.computed),
        "assignments": node.assignments,
        "by_status": node.by_status,
        "children": [_node_out(child) for child in node.children],
    }


# --- roll-ups ---------------------------------------------------------------------------------


@router.get(
    "/documents/{int:document_id}/rollup",
    response={200: NodeOut, **READ_ERRORS},
    summary="A document's progress",
)
def document_progress(request: HttpRequest, document_id: int) -> HttpResponse:
    """The plain average of the plans you may see that implement the document, or a document you
    may see implementing it (directly or through others); each plan's tree below."""
    user = request.user
    document = get_document_for_user(user, document_id, request=request)
    documents = readable_ids(user, GuidingDocument, implementing_documents(document))
    plans = list(
        visible(user, Plan.objects.filter(document_id__in=documents))
        .prefetch_related("objectives")
        .order_by("starts_on", "id")
    )
    return _json(_node_out(document_rollup(document, plans, get_language())))


@router.get(
    "/plans/{int:plan_id}/rollup", response={200: NodeOut, **READ_ERRORS}, summary="A plan's progress"
)
def plan_progress(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Plan → objectives → tasks, each with its reported and its computed progress (by the
    plan's roll-up rule) and its assignments by status."""
    plan = _plan(request, plan_id)
    (node,) = plan_trees([plan], get_language())
    return _json(_node_out(node))


# --- heatmap and completeness -----------------------------------------------------------------


@router.get("/plans/{int:plan_id}/heatmap", response={200: HeatmapOut, **READ_ERRORS})
def plan_heatmap(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Organisations × leaf tasks, each cell the assignment's status; a cell past its task's due
    date and not done is `overdue`."""
    user = request.user
    plan = _plan(request, plan_id)
    found = heatmap(user, plan, language=get_language(), today=timezone.localdate())
    shown = readable_ids(user, Organisation, [org_id for org_id, _name, _cells in found.rows])
    return _json(
        {
            "tasks": [
                {"id": t.pk, "code": t.code, "title": t.title_in(get_language()), "due_on": t.due_on}
                for t in found.tasks
            ],
            "rows": [
                {
                    "organisation": {"id": org_id, "name": name} if org_id in shown else None,
                    "cells": [
                        None
                        if cell is None
                        else {
                            "assignment": cell.assignment_id,
                            "status": cell.status,
                            "computed": _num(cell.computed),
                            "reported": _num(cell.reported),
                            "overdue": cell.overdue,
                            "last_period": cell.last_period,
                        }
                        for cell in cells
                    ],
                }
                for org_id, name, cells in found.rows
            ],
            "counts": found.counts,
        }
    )


@router.get("/plans/{int:plan_id}/completeness", response={200: CompletenessOut, **ERRORS})
def plan_completeness(request: HttpRequest, plan_id: int, until: dt.date | None = None) -> dict[str, Any]:
    """Per period and organisation: expected reports, actual (submitted), on time (first submitted
    by the deadline), the reporting rate and the on-time rate (per cent). `until`: only the
    periods begun by that day."""
    user = request.user
    plan = _plan(request, plan_id)
    result = completeness(plan, until=until)
    names = _names(user, result.cells)
    labels = {p.pk: p.label for p in result.periods}
    order = {pk: i for i, pk in enumerate(labels)}
    return {
        "periods": [_period(p) | _rates(result.by_period.get(p.pk, Rates())) for p in result.periods],
        "organisations": [
            {
                "organisation": _org(names, org_id),
                **_rates(result.by_organisation[org_id]),
                "periods": [
                    {"period": labels[period_id], **_rates(rates)}
                    for period_id, rates in sorted(result.cells[org_id].items(), key=lambda i: order[i[0]])
                ],
            }
            for org_id in sorted(result.cells, key=lambda pk: _by_name(names, pk))
        ],
        "total": _rates(result.total),
    }


# --- who is behind ----------------------------------------------------------------------------


def _assignment_rows(
    user: Any, assignments: list[Assignment], labels: dict[int, str]
) -> list[dict[str, Any]]:
    names = _names(user, [a.organisation_id for a in assignments])
    return [
        {
            "id": a.pk,
            "task": _task_ref(a.task),
            "organisation": _org(names, a.organisation_id),
            "assigned_on": a.assigned_on,
            "status": a.status,
            "reported_percent": _num(a.reported_percent),
            "computed_percent": _num(a.computed_percent),
            "value": _num(a.value),
            "last_period": labels.get(a.last_period_id) if a.last_period_id else None,
        }
        for a in assignments
    ]


@router.get("/plans/{int:plan_id}/overdue", response={200: AssignmentPageOut, **ERRORS})
def plan_overdue(request: HttpRequest, plan_id: int, limit: int = 50, offset: int = 0) -> HttpResponse:
    """Assignments of tasks past their due date that are not done, the longest overdue first."""
    limit, offset = clamp(limit, offset)
    plan = _plan(request, plan_id)
    assignments = overdue_assignments(plan, timezone.localdate())
    count, exact = capped_count(assignments)
    page = list(assignments[offset : offset + limit])
    items = _assignment_rows(request.user, page, _labels(plan))
    return list_response(count=count, exact=exact, limit=limit, offset=offset, items=items)


@router.get("/plans/{int:plan_id}/not-reported", response={200: NotReportedOut, **ERRORS})
def plan_not_reported(
    request: HttpRequest, plan_id: int, period: str = "", limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    """Assignments that owe a report for the period (`2024-Q2`; by default the one whose reports
    are due next) and have not submitted one."""
    limit, offset = clamp(limit, offset)
    plan = _plan(request, plan_id)
    if period.strip():
        found = plan.periods.filter(label=period.strip()).first()
        if found is None:
            outside = _("%(period)s is outside this plan (%(start)s – %(end)s).") % {
                "period": period,
                "start": date_format(plan.starts_on, "SHORT_DATE_FORMAT"),
                "end": date_format(plan.ends_on, "SHORT_DATE_FORMAT"),
            }
            raise ValidationError({"period": [outside]})
    else:
        found = current_period(plan, timezone.localdate())
        if found is None:
            raise ValidationError({"period": [_("No reporting period of this plan has begun yet.")]})
    missing = not_reported(plan, found)
    return {
        "count": len(missing),
        "count_exact": True,
        "limit": limit,
        "offset": offset,
        "period": _period(found),
        "items": _assignment_rows(request.user, missing[offset : offset + limit], _labels(plan)),
    }

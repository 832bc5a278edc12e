"""Supervision and inspection visits in the implementation API: their findings,
recommendations and the follow-up tasks that enter the plan's own tree."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Status

from liaison.core.access import Action
from liaison.core.api_support import AUTH, check_if_match, clamp, list_response, refuse_nulls
from liaison.core.htmx import capped_count
from liaison.directory.api_refs import organisation
from liaison.implementation import supervision, tree
from liaison.implementation.api_common import (
    ERRORS,
    READ_ERRORS,
    ImplementationRouter,
    Names,
    _names,
    _org,
    _plan,
    _resolved,
    _with_etag,
)
from liaison.implementation.api_tree import _task, _task_out, _task_values
from liaison.implementation.models import Finding, Inspection, Recommendation
from liaison.implementation.permissions import get_inspection_for_user
from liaison.implementation.schemas import (
    FindingIn,
    FollowUpIn,
    RecommendationIn,
    TaskOut,
    VisitDetailOut,
    VisitIn,
    VisitListOut,
    VisitPatch,
)

router = ImplementationRouter(auth=AUTH)


def _visit_out(visit: Inspection, names: Names) -> dict[str, Any]:
    return {
        "id": visit.pk,
        "plan": visit.plan_id,
        "kind": visit.kind,
        "organisation": _org(names, visit.organisation_id),
        "led_by": _org(names, visit.led_by_id),
        "planned_on": visit.planned_on,
        "done_on": visit.done_on,
        "status": visit.status,
        "team": visit.team_members,
        "summary": visit.summary,
        "version": visit.version,
    }


def _visit_detail(user: Any, visit: Inspection) -> dict[str, Any]:
    findings = visit.findings.prefetch_related("recommendations__follow_up_tasks")
    names = _names(user, [visit.organisation_id, visit.led_by_id])
    return _visit_out(visit, names) | {
        "findings": [
            {
                "id": f.pk,
                "text": f.text,
                "version": f.version,
                "recommendations": [
                    {
                        "id": r.pk,
                        "text": r.text,
                        "due_on": r.due_on,
                        "follow_up_tasks": sorted(t.pk for t in r.follow_up_tasks.all()),
                        "version": r.version,
                    }
                    for r in f.recommendations.all()
                ],
            }
            for f in findings
        ]
    }


def _visit_values(user: Any, sent: dict[str, Any]) -> dict[str, Any]:
    def resolve(key: str, value: Any) -> Any:
        if key in ("organisation", "led_by"):
            return organisation(user, value, key)
        if key == "team":
            return "\n".join(line.strip() for line in value if line.strip())
        return value

    return _resolved(sent, resolve)


def _visit(request: HttpRequest, visit_id: int, action: Action = Action.READ) -> Inspection:
    visit = get_inspection_for_user(request.user, visit_id, request=request)
    if action is not Action.READ:
        visit.plan = _plan(request, visit.plan_id, action)
    return visit


# --- visits -----------------------------------------------------------------------------------


@router.get("/plans/{int:plan_id}/visits", response={200: VisitListOut, **ERRORS})
def list_visits(request: HttpRequest, plan_id: int, limit: int = 50, offset: int = 0) -> HttpResponse:
    """The plan's supervision and inspection visits, in the order planned."""
    limit, offset = clamp(limit, offset)
    plan = _plan(request, plan_id)
    visits = plan.inspections.order_by("planned_on", "id")
    count, exact = capped_count(visits)
    page = list(visits[offset : offset + limit])
    names = _names(request.user, [pk for v in page for pk in (v.organisation_id, v.led_by_id)])
    items = [_visit_out(v, names) for v in page]
    return list_response(count=count, exact=exact, limit=limit, offset=offset, items=items)


@router.post("/plans/{int:plan_id}/visits", response={201: VisitDetailOut, **ERRORS})
def add_visit(
    request: HttpRequest, plan_id: int, payload: VisitIn, response: HttpResponse
) -> Status[dict[str, Any]]:
    """A supervision or inspection visit to an organisation, planned within the plan's period."""
    user = request.user
    plan = _plan(request, plan_id, Action.CHANGE)
    data = supervision.InspectionInput(**_visit_values(user, payload.dict()))
    visit = supervision.plan_inspection(by=user, plan=plan, data=data)
    visit = _visit(request, visit.pk)
    _with_etag(response, visit)
    response["Location"] = reverse("api:visit", args=[visit.pk])
    return Status(201, _visit_detail(user, visit))


@router.get("/visits/{int:visit_id}", response={200: VisitDetailOut, **READ_ERRORS}, url_name="visit")
def get_visit(request: HttpRequest, visit_id: int, response: HttpResponse) -> dict[str, Any]:
    """With its findings, their recommendations and the follow-up tasks."""
    visit = _visit(request, visit_id)
    _with_etag(response, visit)
    return _visit_detail(request.user, visit)


@router.patch("/visits/{int:visit_id}", response={200: VisitDetailOut, **ERRORS})
def patch_visit(
    request: HttpRequest, visit_id: int, payload: VisitPatch, response: HttpResponse
) -> dict[str, Any]:
    """Send `If-Match` with the ETag you read. A visit carried out has its date and status `done`."""
    user = request.user
    visit = _visit(request, visit_id, Action.CHANGE)
    check_if_match(request, visit)
    sent = payload.dict(exclude_unset=True)
    refuse_nulls(sent, ("done_on",))
    supervision.update_inspection(
        by=user, inspection=visit, version=visit.version, changes=_visit_values(user, sent)
    )
    visit = _visit(request, visit_id)
    _with_etag(response, visit)
    return _visit_detail(user, visit)


@router.delete("/visits/{int:visit_id}", response={204: None, **ERRORS})
def delete_visit(request: HttpRequest, visit_id: int) -> Status[None]:
    """Refused once follow-up tasks come from it."""
    visit = _visit(request, visit_id, Action.CHANGE)
    check_if_match(request, visit)
    supervision.delete_inspection(by=request.user, inspection=visit)
    return Status(204, None)


# --- findings, recommendations, follow-up -----------------------------------------------------


@router.post("/visits/{int:visit_id}/findings", response={201: VisitDetailOut, **ERRORS})
def add_finding(request: HttpRequest, visit_id: int, payload: FindingIn) -> Status[dict[str, Any]]:
    """A finding, with recommendations (one text each) if any."""
    visit = _visit(request, visit_id, Action.CHANGE)
    supervision.add_finding(
        by=request.user, inspection=visit, text=payload.text, recommendations=payload.recommendations
    )
    return Status(201, _visit_detail(request.user, visit))


@router.post(
    "/visits/{int:visit_id}/findings/{int:finding_id}/recommendations",
    response={201: VisitDetailOut, **ERRORS},
)
def add_recommendation(
    request: HttpRequest, visit_id: int, finding_id: int, payload: RecommendationIn
) -> Status[dict[str, Any]]:
    visit = _visit(request, visit_id, Action.CHANGE)
    finding: Finding | None = visit.findings.filter(pk=finding_id).first()
    if finding is None:
        raise Http404
    finding.inspection = visit
    supervision.add_recommendation(by=request.user, finding=finding, text=payload.text, due_on=payload.due_on)
    return Status(201, _visit_detail(request.user, visit))


@router.post(
    "/visits/{int:visit_id}/recommendations/{int:recommendation_id}/follow-up",
    response={201: TaskOut, **ERRORS},
)
def follow_up(
    request: HttpRequest, visit_id: int, recommendation_id: int, payload: FollowUpIn, response: HttpResponse
) -> Status[dict[str, Any]]:
    """A follow-up task for the recommendation in the plan's own tree, assigned to the visited
    organisation unless `assign_visited` is false."""
    user = request.user
    visit = _visit(request, visit_id, Action.CHANGE)
    recommendation: Recommendation | None = (
        Recommendation.objects.filter(pk=recommendation_id, finding__inspection=visit)
        .select_related("finding")
        .first()
    )
    if recommendation is None:
        raise Http404
    recommendation.finding.inspection = visit
    sent = payload.dict()
    assign_visited = sent.pop("assign_visited")
    data = tree.TaskInput(**_task_values(user, visit.plan, sent))
    task = supervision.follow_up(
        by=user, recommendation=recommendation, data=data, assign_visited=assign_visited
    )
    task = _task(request, task.pk)
    _with_etag(response, task)
    response["Location"] = reverse("api:task", args=[task.pk])
    return Status(201, _task_out(user, task))

"""Progress reports in the implementation API: written as drafts by the assigned organisation,
submitted, approved level by level or returned, with every version and every step kept."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Status

from liaison.activities.models import Activity
from liaison.activities.validation import require
from liaison.coordination.notices import visible_notices
from liaison.core.access import readable_ids, visible
from liaison.core.api_support import AUTH, ErrorOut, check_if_match, clamp
from liaison.implementation import reporting
from liaison.implementation.api_common import (
    ERRORS,
    READ_ERRORS,
    ImplementationRouter,
    _names,
    _num,
    _org,
    _resolved,
    _task_ref,
    _with_etag,
)
from liaison.implementation.api_tree import _report_summary
from liaison.implementation.models import GuidingDocument, ProgressReport, ReportStatus
from liaison.implementation.permissions import get_assignment_for_user, get_report_for_user
from liaison.implementation.schemas import (
    AwaitingReportOut,
    CommentIn,
    ReportIn,
    ReportOut,
    ReviewOut,
    VersionOut,
)
from liaison.implementation.selectors import awaiting_review

router = ImplementationRouter(auth=AUTH)


def _records(
    user: Any, model: type[Activity | GuidingDocument], ids: list[int], field: str, message: str
) -> Any:
    """The records the user may read; hidden and missing ids are refused alike (`message`)."""
    wanted = set(ids)
    found = list(visible(user, model._default_manager.filter(pk__in=wanted)))
    missing = sorted(wanted - {r.pk for r in found})
    if missing:
        raise ValidationError({field: [message % {"id": pk} for pk in missing]})
    return found


def _allowed(user: Any, report: ProgressReport) -> list[str]:
    allowed = []
    if report.status in (ReportStatus.DRAFT, ReportStatus.RETURNED) and reporting.can_report(
        user, report.assignment
    ):
        allowed += ["edit", "submit"]
    if reporting.can_review(user, report):
        allowed += ["approve", "return"]
    return allowed


def _report_out(user: Any, report: ProgressReport) -> dict[str, Any]:
    assignment = report.assignment
    waiting = reporting.reviewer_for(report) if report.status == ReportStatus.SUBMITTED else None
    names = _names(user, [assignment.organisation_id, waiting[1].pk if waiting else None])
    activities = visible(user, report.evidence_activities.all()).order_by("pk").values_list("pk", flat=True)
    documents = visible(user, report.evidence_documents.all()).order_by("pk").values_list("pk", flat=True)
    notices = (
        visible_notices(user).filter(cited_in_reports=report).order_by("pk").values_list("uid", flat=True)
    )
    return _report_summary(report) | {
        "assignment": assignment.pk,
        "plan": assignment.task.plan_id,
        "task": _task_ref(assignment.task),
        "organisation": _org(names, assignment.organisation_id),
        "period_due_on": report.period.due_on,
        "narrative": report.narrative,
        "activities": list(activities),
        "documents": list(documents),
        "notices": list(notices),
        "waiting_for": {"level": waiting[0], "organisation": _org(names, waiting[1].pk)} if waiting else None,
        "allowed": _allowed(user, report),
    }


def _report_input(user: Any, sent: dict[str, Any]) -> reporting.ReportInput:
    def resolve(key: str, value: Any) -> Any:
        if key == "activities":
            return _records(user, Activity, value, key, _("No activity %(id)s."))
        if key == "documents":
            return _records(user, GuidingDocument, value, key, _("No document %(id)s."))
        if key == "notices":
            found = list(visible_notices(user).filter(uid__in=set(value)))
            missing = sorted(str(uid) for uid in set(value) - {n.uid for n in found})
            if missing:
                raise ValidationError({key: [_("No notice %(id)s.") % {"id": uid} for uid in missing]})
            return found
        return value

    return reporting.ReportInput(**_resolved(sent, resolve))


def _report(request: HttpRequest, report_id: int) -> ProgressReport:
    return get_report_for_user(request.user, report_id, request=request)


# --- a report and its workflow ----------------------------------------------------------------


@router.put(
    "/assignments/{int:assignment_id}/reports/{period}",
    response={200: ReportOut, 201: ReportOut, **ERRORS},
    summary="Write a report as a draft",
)
def put_report(
    request: HttpRequest, assignment_id: int, period: str, payload: ReportIn, response: HttpResponse
) -> Status[dict[str, Any]]:
    """The assigned organisation's report for a period (`2024-Q2`), written or rewritten as a
    draft (201 when new). Editors of the assigned organisation only; a submitted or accepted
    report can no longer change. Send `If-Match` to refuse overwriting a newer draft."""
    user = request.user
    assignment = get_assignment_for_user(user, assignment_id, request=request)
    require(reporting.can_report(user, assignment))
    existing = assignment.reports.filter(period__label=period.strip()).first()
    if existing is not None:
        check_if_match(request, existing)
    report = reporting.save_report(
        by=user, assignment=assignment, period=period, data=_report_input(user, payload.dict())
    )
    report = _report(request, report.pk)
    _with_etag(response, report)
    response["Location"] = reverse("api:report", args=[report.pk])
    return Status(200 if existing else 201, _report_out(user, report))


@router.get("/assignments/{int:assignment_id}/reports/{period}", response={200: ReportOut, **READ_ERRORS})
def get_report_for_period(
    request: HttpRequest, assignment_id: int, period: str, response: HttpResponse
) -> dict[str, Any]:
    assignment = get_assignment_for_user(request.user, assignment_id, request=request)
    found = assignment.reports.filter(period__label=period.strip()).first()
    if found is None:
        raise Http404
    report = _report(request, found.pk)
    _with_etag(response, report)
    return _report_out(request.user, report)


@router.get("/reports/{int:report_id}", response={200: ReportOut, **READ_ERRORS}, url_name="report")
def get_report(request: HttpRequest, report_id: int, response: HttpResponse) -> dict[str, Any]:
    """`allowed` says what you may do with it; `waiting_for` who decides next."""
    report = _report(request, report_id)
    _with_etag(response, report)
    return _report_out(request.user, report)


def _step(
    request: HttpRequest, report_id: int, response: HttpResponse, act: Callable[[ProgressReport], Any]
) -> dict[str, Any]:
    report = _report(request, report_id)
    check_if_match(request, report)
    act(report)
    report = _report(request, report_id)
    _with_etag(response, report)
    return _report_out(request.user, report)


@router.post("/reports/{int:report_id}/submit", response={200: ReportOut, **ERRORS})
def submit_report(request: HttpRequest, report_id: int, response: HttpResponse) -> dict[str, Any]:
    """Submit a draft or returned report for approval; each submission is kept as a version."""
    return _step(request, report_id, response, lambda r: reporting.submit_report(by=request.user, report=r))


@router.post("/reports/{int:report_id}/approve", response={200: ReportOut, **ERRORS})
def approve_report(
    request: HttpRequest, report_id: int, payload: CommentIn, response: HttpResponse
) -> dict[str, Any]:
    """Approve at the level the report waits at (coordinators of that level's organisation); the
    last level's approval accepts it."""
    return _step(
        request,
        report_id,
        response,
        lambda r: reporting.approve_report(by=request.user, report=r, comment=payload.comment),
    )


@router.post("/reports/{int:report_id}/return", response={200: ReportOut, **ERRORS})
def return_report(
    request: HttpRequest, report_id: int, payload: CommentIn, response: HttpResponse
) -> dict[str, Any]:
    """Return it to the organisation with a comment (required) saying what must change."""
    return _step(
        request,
        report_id,
        response,
        lambda r: reporting.return_report(by=request.user, report=r, comment=payload.comment),
    )


@router.get("/reports/{int:report_id}/versions", response={200: list[VersionOut], **READ_ERRORS})
def report_versions(request: HttpRequest, report_id: int) -> list[dict[str, Any]]:
    """Every submission as it was submitted (the evidence you may see)."""
    user = request.user
    report = _report(request, report_id)
    versions = list(report.versions.select_related("submitted_by"))

    def ids(kind: str) -> set[int]:
        return {pk for v in versions for pk in v.evidence.get(kind, [])}

    activities = readable_ids(user, Activity, ids("activities"))
    documents = readable_ids(user, GuidingDocument, ids("documents"))
    notices = dict(visible_notices(user).filter(pk__in=ids("notices")).values_list("pk", "uid"))
    return [
        {
            "number": v.number,
            "progress": v.progress,
            "percent": _num(v.percent),
            "value": _num(v.value),
            "narrative": v.narrative,
            "evidence": {
                "activities": [pk for pk in v.evidence.get("activities", []) if pk in activities],
                "documents": [pk for pk in v.evidence.get("documents", []) if pk in documents],
                "notices": [notices[pk] for pk in v.evidence.get("notices", []) if pk in notices],
            },
            "submitted_at": v.submitted_at,
            "submitted_by": v.submitted_by.get_username() if v.submitted_by else None,
        }
        for v in versions
    ]


@router.get("/reports/{int:report_id}/reviews", response={200: list[ReviewOut], **READ_ERRORS})
def report_reviews(request: HttpRequest, report_id: int) -> list[dict[str, Any]]:
    """Every step of the workflow: who, for which organisation, at which level, with which comment."""
    report = _report(request, report_id)
    reviews = list(report.reviews.select_related("by"))
    names = _names(request.user, [r.organisation_id for r in reviews])
    return [
        {
            "version": r.version,
            "action": r.action,
            "level": r.level,
            "comment": r.comment,
            "by": r.by.get_username() if r.by else None,
            "organisation": _org(names, r.organisation_id),
            "at": r.at,
        }
        for r in reviews
    ]


# --- waiting for a decision -------------------------------------------------------------------


@router.get(
    "/reviews/awaiting",
    response={200: list[AwaitingReportOut], 400: ErrorOut},
    summary="Reports waiting for my decision",
)
def reports_awaiting_review(request: HttpRequest, limit: int = 50) -> list[dict[str, Any]]:
    """Submitted reports you may approve or return now (coordinators of the organisation at the
    level each waits at, or of one above it), the longest waiting first; at most `limit`."""
    limit, _offset = clamp(limit, 0)
    user = request.user
    reports = awaiting_review(user, limit=limit)
    names = _names(user, [r.assignment.organisation_id for r in reports])
    return [
        _report_summary(r)
        | {
            "assignment": r.assignment_id,
            "plan": r.assignment.task.plan_id,
            "task": _task_ref(r.assignment.task),
            "organisation": _org(names, r.assignment.organisation_id),
            "period_due_on": r.period.due_on,
        }
        for r in reports
    ]

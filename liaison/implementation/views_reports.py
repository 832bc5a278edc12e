"""Pages for progress reports: write and submit (the assigned organisation), approve or return
(the reviewers), the report with its versions and reviews, and the reporter's worklist."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liaison.core import access
from liaison.core.access import principal_for
from liaison.directory.views_manage import apply_service_errors
from liaison.implementation import reporting
from liaison.implementation.forms import ReportForm, ReviewForm
from liaison.implementation.models import (
    Assignment,
    Plan,
    ProgressReport,
    ReportingPeriod,
    ReportStatus,
)
from liaison.implementation.permissions import get_assignment_for_user, get_report_for_user
from liaison.implementation.selectors import awaiting_review, name_or_hidden, organisation_names


def _language() -> str:
    return get_language() or "en"


def _open_periods(assignment: Assignment) -> list[tuple[str, str]]:
    today = timezone.localdate()
    closed = set(
        ProgressReport.objects.filter(
            assignment=assignment, status__in=[ReportStatus.SUBMITTED, ReportStatus.ACCEPTED]
        ).values_list("period_id", flat=True)
    )
    return [
        (p.label, p.label)
        for p in reversed(list(assignment.task.plan.periods.all()))
        if p.starts_on <= today and p.ends_on >= assignment.assigned_on and p.pk not in closed
    ]


@login_required
def report_write(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """Write (or rewrite) the report for a period, then save it as a draft or submit it."""
    assignment = get_assignment_for_user(request.user, assignment_id, request=request)
    if not reporting.can_report(request.user, assignment):
        raise Http404
    periods = _open_periods(assignment)
    label = request.POST.get("period") or request.GET.get("period") or (periods[0][0] if periods else "")
    existing = ProgressReport.objects.filter(assignment=assignment, period__label=label).first()
    initial: dict[str, Any] = {"period": label}
    if existing is not None:
        initial |= {
            "progress": existing.progress,
            "percent": existing.percent,
            "value": existing.value,
            "narrative": existing.narrative,
            "activities": list(existing.evidence_activities.all()),
            "documents": list(existing.evidence_documents.all()),
            "notices": list(existing.evidence_notices.all()),
        }
    form = ReportForm(
        request.POST or None, user=request.user, assignment=assignment, periods=periods, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        values = reporting.ReportInput(
            progress=data["progress"],
            percent=data.get("percent"),
            value=data.get("value"),
            unit=data.get("unit") or "",
            narrative=data.get("narrative") or "",
            activities=list(data.get("activities") or []),
            documents=list(data.get("documents") or []),
            notices=list(data.get("notices") or []),
        )
        try:
            report = reporting.save_report(
                by=request.user, assignment=assignment, period=data["period"], data=values
            )
            if "submit" in request.POST:
                reporting.submit_report(by=request.user, report=report)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request, _("Report submitted.") if "submit" in request.POST else _("Draft saved.")
            )
            return redirect(report.get_absolute_url())
    names = organisation_names(request.user, {assignment.organisation_id}, _language())
    context = {
        "form": form,
        "assignment": assignment,
        "task": assignment.task,
        "plan": assignment.task.plan,
        "organisation": name_or_hidden(names, assignment.organisation_id),
        "existing": existing,
        "language": _language(),
    }
    return render(request, "implementation/report_form.html", context, status=400 if form.errors else 200)


def _report_page(
    request: HttpRequest, report: ProgressReport, *, review_form: ReviewForm | None = None, status: int = 200
) -> HttpResponse:
    assignment = report.assignment
    language = _language()
    reviews = list(report.reviews.select_related("by"))
    versions = list(report.versions.select_related("submitted_by"))
    names = organisation_names(
        request.user,
        {assignment.organisation_id, *(r.organisation_id for r in reviews if r.organisation_id)},
        language,
    )
    activities = access.visible(request.user, report.evidence_activities.all())
    documents = access.visible(request.user, report.evidence_documents.all())
    from liaison.coordination.notices import visible_notices

    notices = visible_notices(request.user).filter(pk__in=report.evidence_notices.values("pk"))
    waiting = ""
    if report.status == ReportStatus.SUBMITTED:
        level, org = reporting.reviewer_for(report)
        reviewer = organisation_names(request.user, {org.pk}, language)
        waiting = _("Waiting for approval at level %(level)d by %(org)s.") % {
            "level": level,
            "org": name_or_hidden(reviewer, org.pk),
        }
    context = {
        "report": report,
        "assignment": assignment,
        "task": assignment.task,
        "plan": assignment.task.plan,
        "organisation": name_or_hidden(names, assignment.organisation_id),
        "reviews": [{"review": r, "organisation": name_or_hidden(names, r.organisation_id)} for r in reviews],
        "versions": versions,
        "activities": activities,
        "documents": documents,
        "notices": notices,
        "waiting": waiting,
        "can_edit": report.status in (ReportStatus.DRAFT, ReportStatus.RETURNED)
        and reporting.can_report(request.user, assignment),
        "can_review": reporting.can_review(request.user, report),
        "review_form": review_form or ReviewForm(),
        "language": language,
    }
    return render(request, "implementation/report_detail.html", context, status=status)


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _report_page(request, get_report_for_user(request.user, pk, request=request))


@login_required
@require_POST
def report_submit(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_report_for_user(request.user, pk, request=request)
    try:
        reporting.submit_report(by=request.user, report=report)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Report submitted."))
    return redirect(report.get_absolute_url())


@login_required
@require_POST
def report_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve (`decision=approve`) or return (`decision=return`, with a comment); a refusal
    shows the report again with the error on the comment box."""
    report = get_report_for_user(request.user, pk, request=request)
    if not reporting.can_review(request.user, report):
        raise Http404
    form = ReviewForm(request.POST)
    comment = request.POST.get("comment", "")[:5000]
    decision = request.POST.get("decision")
    try:
        if decision == "approve":
            reporting.approve_report(by=request.user, report=report, comment=comment)
            messages.success(
                request,
                _("Report accepted.") if report.status == ReportStatus.ACCEPTED else _("Report approved."),
            )
        elif decision == "return":
            reporting.return_report(by=request.user, report=report, comment=comment)
            messages.success(request, _("Report returned with your comment."))
        else:
            form.add_error(None, _("Choose to approve or to return the report."))
    except ValidationError as error:
        apply_service_errors(form, error)
    if form.errors:
        return _report_page(request, report, review_form=form, status=400)
    return redirect(report.get_absolute_url())


@login_required
def worklist(request: HttpRequest) -> HttpResponse:
    """What the user's organisations owe (reports to write for periods now open, drafts, returned
    reports) and the reports waiting for the user's decision."""
    p = principal_for(request.user)
    today = timezone.localdate()
    language = _language()
    paths = [s.path for s in p.scopes if s.role >= access.Role.EDITOR]
    owed: list[dict[str, Any]] = []
    if paths:
        plans = access.visible(request.user, Plan.objects.filter(starts_on__lte=today))
        # Per plan, the period whose reports are due next (as on the plan's page): in the first
        # days of a quarter that is still the last quarter, not the one just begun.
        periods: dict[int, ReportingPeriod] = {}
        for due in ReportingPeriod.objects.filter(
            plan__in=plans, starts_on__lte=today, due_on__gte=today
        ).order_by("-starts_on"):
            periods[due.plan_id] = due
        assignments = (
            Assignment.objects.filter(access.paths_q("organisation__path", paths), task__plan__in=plans)
            .select_related("task", "task__plan")
            .order_by("task__plan_id", "task__path")[:200]
        )
        for a in assignments:
            period = periods.get(a.task.plan_id)
            if period is None or period.ends_on < a.assigned_on:
                continue
            if a.task.due_on is not None and a.task.due_on < period.starts_on:
                continue  # done once, before this period: nothing more is expected
            owed.append({"assignment": a, "period": period})
        reports = {
            (r.assignment_id, r.period_id): r
            for r in ProgressReport.objects.filter(
                assignment__in=[o["assignment"].pk for o in owed], period__in=[o["period"].pk for o in owed]
            )
        }
        for row in owed:
            row["report"] = reports.get((row["assignment"].pk, row["period"].pk))
        owed = [
            r
            for r in owed
            if r["report"] is None or r["report"].status in (ReportStatus.DRAFT, ReportStatus.RETURNED)
        ]
        # Drafts and returned reports of earlier periods are still to be finished.
        listed = {r["report"].pk for r in owed if r["report"] is not None}
        earlier = (
            ProgressReport.objects.filter(
                access.paths_q("assignment__organisation__path", paths),
                assignment__task__plan__in=plans,
                status__in=[ReportStatus.DRAFT, ReportStatus.RETURNED],
            )
            .exclude(pk__in=listed)
            .select_related("period", "assignment__task__plan")
            .order_by("period__due_on", "assignment__task__path")[:100]
        )
        owed += [{"assignment": r.assignment, "period": r.period, "report": r} for r in earlier]
    names = organisation_names(request.user, {r["assignment"].organisation_id for r in owed}, language)
    for row in owed:
        row["organisation"] = name_or_hidden(names, row["assignment"].organisation_id)
        row["late"] = row["period"].due_on < today
    waiting = awaiting_review(request.user)
    reviewer_names = organisation_names(
        request.user, {r.assignment.organisation_id for r in waiting}, language
    )
    context = {
        "owed": owed,
        "waiting": [
            {"report": r, "organisation": name_or_hidden(reviewer_names, r.assignment.organisation_id)}
            for r in waiting
        ],
        "today": today,
        "language": language,
    }
    return render(request, "implementation/worklist.html", context)

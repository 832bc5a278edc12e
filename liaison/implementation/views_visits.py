"""Pages for supervision and inspection visits: plan one, record what was found and
recommended, and turn a recommendation into a follow-up task in the plan's tree."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liaison.core import access
from liaison.core.access import Action
from liaison.directory.views_manage import apply_service_errors
from liaison.implementation import supervision, tree
from liaison.implementation.forms import FindingForm, InspectionForm
from liaison.implementation.models import Inspection, Plan, Recommendation
from liaison.implementation.permissions import get_inspection_for_user, get_plan_for_user
from liaison.implementation.selectors import name_or_hidden, organisation_names


def _language() -> str:
    return get_language() or "en"


@login_required
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = get_inspection_for_user(request.user, pk, request=request)
    plan = inspection.plan
    findings = list(inspection.findings.prefetch_related("recommendations__follow_up_tasks"))
    names = organisation_names(request.user, {inspection.organisation_id, inspection.led_by_id}, _language())
    can_edit = access.can_change(request.user, plan)
    context = {
        "inspection": inspection,
        "plan": plan,
        "findings": findings,
        "visited": name_or_hidden(names, inspection.organisation_id),
        "led_by": name_or_hidden(names, inspection.led_by_id),
        "can_edit": can_edit,
        "finding_form": FindingForm() if can_edit else None,
        "language": _language(),
    }
    return render(request, "implementation/inspection_detail.html", context)


def _values(data: dict[str, Any]) -> dict[str, Any]:
    values = {name: data.get(name) for name in supervision.INSPECTION_EDITABLE}
    values["team"] = values["team"] or ""
    values["summary"] = values["summary"] or ""
    return values


def _form_page(request: HttpRequest, plan: Plan, inspection: Inspection | None) -> HttpResponse:
    initial: dict[str, Any] = {
        "planned_on": max(plan.starts_on, min(timezone.localdate(), plan.ends_on)),
        "led_by": plan.owner_id,
    }
    if inspection is not None:
        initial = {name: getattr(inspection, name) for name in supervision.INSPECTION_EDITABLE} | {
            "version": inspection.version
        }
    form = InspectionForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = _values(form.cleaned_data)
        try:
            if inspection is None:
                inspection = supervision.plan_inspection(
                    by=request.user, plan=plan, data=supervision.InspectionInput(**values)
                )
            else:
                inspection = supervision.update_inspection(
                    by=request.user,
                    inspection=inspection,
                    version=form.cleaned_data.get("version"),
                    changes=values,
                )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Visit saved."))
            return redirect(inspection.get_absolute_url())
    context = {"form": form, "plan": plan, "inspection": inspection, "language": _language()}
    return render(request, "implementation/inspection_form.html", context, status=400 if form.errors else 200)


@login_required
def inspection_create(request: HttpRequest, plan_id: int) -> HttpResponse:
    return _form_page(
        request, get_plan_for_user(request.user, plan_id, action=Action.CHANGE, request=request), None
    )


@login_required
def inspection_edit(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = get_inspection_for_user(request.user, pk, request=request)
    plan = get_plan_for_user(request.user, inspection.plan_id, action=Action.CHANGE, request=request)
    return _form_page(request, plan, inspection)


@login_required
@require_POST
def finding_add(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = get_inspection_for_user(request.user, pk, request=request)
    get_plan_for_user(request.user, inspection.plan_id, action=Action.CHANGE, request=request)
    form = FindingForm(request.POST)
    if form.is_valid():
        lines = (form.cleaned_data.get("recommendations") or "").splitlines()
        try:
            supervision.add_finding(
                by=request.user, inspection=inspection, text=form.cleaned_data["text"], recommendations=lines
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Finding recorded."))
    else:
        messages.error(request, _("Write the finding."))
    return redirect(inspection.get_absolute_url() + "#findings")


@login_required
@require_POST
def follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    """A follow-up task for a recommendation, assigned to the visited organisation."""
    recommendation = Recommendation.objects.select_related("finding__inspection__plan").filter(pk=pk).first()
    if recommendation is None:
        raise Http404
    inspection = recommendation.finding.inspection
    get_plan_for_user(request.user, inspection.plan_id, action=Action.CHANGE, request=request)
    due = request.POST.get("due_on") or None
    try:
        from django.utils.dateparse import parse_date

        due_on = parse_date(due) if due else recommendation.due_on
    except ValueError:
        messages.error(request, _("Give the due date as a date."))
        return redirect(inspection.get_absolute_url() + "#findings")
    try:
        task = supervision.follow_up(
            by=request.user,
            recommendation=recommendation,
            data=tree.TaskInput(
                responsible=inspection.organisation,
                title_en=recommendation.text[:500],
                due_on=due_on,
                recurrence="once" if due_on else "every_period",
            ),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(inspection.get_absolute_url() + "#findings")
    messages.success(
        request, _("Follow-up task created in the plan and assigned to the visited organisation.")
    )
    return redirect(task.get_absolute_url())

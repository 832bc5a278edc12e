"""Pages for a plan's tasks and their assignments: task detail, forms, assigning to many
organisations at once, and an assignment's reports period by period."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liaison.core import access
from liaison.core.access import Action
from liaison.directory.views_manage import apply_service_errors
from liaison.implementation import tree
from liaison.implementation.forms import AssignForm, TaskForm
from liaison.implementation.models import Plan, ProgressReport, Task, tree_order
from liaison.implementation.permissions import get_assignment_for_user, get_plan_for_user, get_task_for_user
from liaison.implementation.progress import plan_trees
from liaison.implementation.reporting import can_report
from liaison.implementation.selectors import name_or_hidden, organisation_names


def _language() -> str:
    return get_language() or "en"


@login_required
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_task_for_user(request.user, pk, request=request)
    plan = task.plan
    language = _language()
    assignments = list(task.assignments.select_related("last_period").order_by("organisation__sort_name"))
    children = sorted(task.children.all(), key=lambda child: tree_order(child.path))
    cooperating = list(task.cooperating.all())
    names = organisation_names(
        request.user,
        {task.responsible_id, *(a.organisation_id for a in assignments), *(o.pk for o in cooperating)},
        language,
    )
    can_edit = access.can_change(request.user, plan)
    today = timezone.localdate()
    (rollup,) = plan_trees([plan], language)
    node = next((n for _d, n in rollup.walk() if n.kind == "task" and n.pk == task.pk), None)
    context = {
        "task": task,
        "plan": plan,
        "node": node,
        "children": children,
        "assignments": [
            {
                "assignment": a,
                "name": name_or_hidden(names, a.organisation_id),
                "overdue": task.due_on is not None and task.due_on < today and a.status != "done",
            }
            for a in assignments
        ],
        "responsible": name_or_hidden(names, task.responsible_id),
        "cooperating": [name_or_hidden(names, o.pk) for o in cooperating],
        "can_edit": can_edit,
        "assign_form": AssignForm(
            user=request.user, initial={"on": max(plan.starts_on, min(today, plan.ends_on))}
        )
        if can_edit and not children
        else None,
        "language": language,
    }
    return render(request, "implementation/task_detail.html", context)


def _task_values(data: dict[str, Any]) -> dict[str, Any]:
    values = {name: data.get(name) for name in tree.TASK_EDITABLE}
    for name in ("title_en", "title_vi", "title_ar", "code", "indicator", "unit", "notes"):
        values[name] = values[name] or ""
    values["cooperating"] = list(data.get("cooperating") or [])
    return values


def _task_form_page(request: HttpRequest, plan: Plan, task: Task | None) -> HttpResponse:
    initial: dict[str, Any] = {}
    if task is not None:
        initial = tree.task_input(task).__dict__ | {"version": task.version}
    elif (parent := request.GET.get("parent", "")).isdecimal():
        initial = {"parent": parent}
    form = TaskForm(request.POST or None, user=request.user, plan=plan, task=task, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = _task_values(form.cleaned_data)
        try:
            if task is None:
                task = tree.add_task(by=request.user, plan=plan, data=tree.TaskInput(**values))
            else:
                task = tree.update_task(
                    by=request.user, task=task, version=form.cleaned_data.get("version"), changes=values
                )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Task saved."))
            return redirect(task.get_absolute_url())
    context = {"form": form, "plan": plan, "task": task, "language": _language()}
    return render(request, "implementation/task_form.html", context, status=400 if form.errors else 200)


@login_required
def task_create(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = get_plan_for_user(request.user, plan_id, action=Action.CHANGE, request=request)
    return _task_form_page(request, plan, None)


@login_required
def task_edit(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_task_for_user(request.user, pk, request=request)
    plan = get_plan_for_user(request.user, task.plan_id, action=Action.CHANGE, request=request)
    return _task_form_page(request, plan, task)


@login_required
def task_delete(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_task_for_user(request.user, pk, request=request)
    plan = get_plan_for_user(request.user, task.plan_id, action=Action.CHANGE, request=request)
    error = ""
    if request.method == "POST":
        try:
            tree.delete_task(by=request.user, task=task)
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            messages.success(request, _("Task deleted."))
            return redirect(plan.get_absolute_url())
    context = {"record": task, "error": error, "cancel": task.get_absolute_url(), "language": _language()}
    return render(request, "implementation/confirm_delete.html", context, status=400 if error else 200)


@login_required
@require_POST
def task_assign(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_task_for_user(request.user, pk, request=request)
    plan = get_plan_for_user(request.user, task.plan_id, action=Action.CHANGE, request=request)
    form = AssignForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        organisations = list(data.get("organisations") or [])
        try:
            if data.get("group"):
                organisations += tree.group_members(
                    request.user, data["group"], data["on"], region=data.get("region") or None
                )
            result = tree.assign(by=request.user, task=task, organisations=organisations, on=data["on"])
        except ValidationError as error:
            if hasattr(error, "error_dict") and "assigned_on" in error.error_dict:
                error.error_dict["on"] = error.error_dict.pop("assigned_on")  # the form's name for it
            apply_service_errors(form, error)
        else:
            message = ngettext(
                "Assigned to %(count)d organisation.",
                "Assigned to %(count)d organisations.",
                len(result.created),
            ) % {"count": len(result.created)}
            if result.already:
                message += " " + ngettext(
                    "%(count)d was already assigned.", "%(count)d were already assigned.", len(result.already)
                ) % {"count": len(result.already)}
            messages.success(request, message)
            return redirect(task.get_absolute_url() + "#assignments")
    context = {"task": task, "plan": plan, "form": form, "language": _language()}
    return render(request, "implementation/task_assign.html", context, status=400)


@login_required
@require_POST
def assignment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_user(request.user, pk, request=request)
    get_plan_for_user(request.user, assignment.task.plan_id, action=Action.CHANGE, request=request)
    try:
        tree.unassign(by=request.user, assignment=assignment)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Assignment removed."))
    return redirect(assignment.task.get_absolute_url() + "#assignments")


@login_required
def assignment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One organisation's work on one task: its reports, period by period (the heatmap's cells
    open here)."""
    assignment = get_assignment_for_user(request.user, pk, request=request)
    task = assignment.task
    plan = task.plan
    reports = {
        r.period_id: r for r in ProgressReport.objects.filter(assignment=assignment).select_related("period")
    }
    today = timezone.localdate()
    periods = [p for p in plan.periods.all() if p.starts_on <= today and p.ends_on >= assignment.assigned_on]
    names = organisation_names(request.user, {assignment.organisation_id}, _language())
    context = {
        "assignment": assignment,
        "task": task,
        "plan": plan,
        "organisation": name_or_hidden(names, assignment.organisation_id),
        "rows": [
            {
                "period": p,
                "report": reports.get(p.pk),
                "late": p.due_on < today,
                # A task done once owes no report for periods that begin after its due date.
                "expected": task.due_on is None or task.due_on >= p.starts_on,
            }
            for p in reversed(periods)
        ],
        "can_report": can_report(request.user, assignment),
        "today": today,
        "language": _language(),
    }
    return render(request, "implementation/assignment_detail.html", context)

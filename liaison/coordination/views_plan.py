"""Pages for the items of an annual joint plan: add, edit, delete (listed on the agreement)."""

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

from liaison.activities.models import Activity
from liaison.coordination import plan
from liaison.coordination.forms import PlanItemForm
from liaison.coordination.models import Agreement, PlanItem, PlanItemState
from liaison.core.access import Action, get_for_user, readable_ids
from liaison.directory.models import Organisation
from liaison.directory.views_manage import apply_service_errors


def _agreement(request: HttpRequest, agreement_id: int) -> Agreement:
    agreement: Agreement = get_for_user(
        request.user, Agreement.objects.all(), agreement_id, action=Action.CHANGE, request=request
    )
    return agreement


def _item(agreement: Agreement, item_id: int) -> PlanItem:
    item: PlanItem | None = agreement.plan_items.filter(pk=item_id).first()
    if item is None:
        raise Http404
    return item


def _input(data: dict[str, Any]) -> plan.PlanItemInput:
    return plan.PlanItemInput(
        responsible=list(data["responsible"]),
        title_en=data.get("title_en") or "",
        title_vi=data.get("title_vi") or "",
        title_ar=data.get("title_ar") or "",
        starts_on=data.get("starts_on"),
        ends_on=data.get("ends_on"),
        activities=list(data.get("activities") or []),
        notes=data.get("notes") or "",
    )


def plan_rows(user: Any, agreement: Agreement, language: str) -> list[dict[str, Any]]:
    """The agreement's plan items with their responsible organisations, the carrying activities
    the reader may see, and their state (a constant number of queries)."""
    from liaison.activities.forms_parts import organisation_label

    items = list(
        agreement.plan_items.prefetch_related("responsible__names")
        .prefetch_related("activities")
        .order_by("starts_on", "id")
    )
    readable = readable_ids(user, Activity, [a.pk for i in items for a in i.activities.all()])
    shown_orgs = readable_ids(user, Organisation, [o.pk for i in items for o in i.responsible.all()])
    today = timezone.localdate()
    labels = dict(PlanItemState.choices)
    rows = []
    for item in items:
        activities = list(item.activities.all())
        state = item.state([a.status for a in activities], today)
        rows.append(
            {
                "item": item,
                "title": item.title_in(language),
                "responsible": [
                    organisation_label(o, language)
                    if o.pk in shown_orgs
                    else _("an organisation you cannot see")
                    for o in item.responsible.all()
                ],
                "activities": [a for a in activities if a.pk in readable],
                "hidden_activities": len([a for a in activities if a.pk not in readable]),
                "state": state,
                "state_label": labels[state],
            }
        )
    return rows


def _form_page(request: HttpRequest, agreement: Agreement, item: PlanItem | None) -> HttpResponse:
    initial: dict[str, Any] = {}
    if item is not None:
        initial = {
            "title_en": item.title_en,
            "title_vi": item.title_vi,
            "title_ar": item.title_ar,
            "responsible": list(item.responsible.all()),
            "starts_on": item.starts_on,
            "ends_on": item.ends_on,
            "activities": list(item.activities.all()),
            "notes": item.notes,
        }
    form = PlanItemForm(request.POST or None, user=request.user, agreement=agreement, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if item is None:
                plan.add_plan_item(by=request.user, agreement=agreement, data=_input(form.cleaned_data))
            else:
                plan.update_plan_item(by=request.user, item=item, data=_input(form.cleaned_data))
        except ValidationError as error:
            apply_service_errors(form, error)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("Plan item saved."))
            return redirect(agreement.get_absolute_url() + "#plan")
    context = {"agreement": agreement, "item": item, "form": form, "language": get_language()}
    return render(request, "coordination/plan_item_form.html", context, status=400 if form.errors else 200)


@login_required
def plan_item_create(request: HttpRequest, agreement_id: int) -> HttpResponse:
    return _form_page(request, _agreement(request, agreement_id), None)


@login_required
def plan_item_edit(request: HttpRequest, agreement_id: int, item_id: int) -> HttpResponse:
    agreement = _agreement(request, agreement_id)
    return _form_page(request, agreement, _item(agreement, item_id))


@login_required
def plan_item_delete(request: HttpRequest, agreement_id: int, item_id: int) -> HttpResponse:
    agreement = _agreement(request, agreement_id)
    item = _item(agreement, item_id)
    if request.method == "POST":
        plan.delete_plan_item(by=request.user, item=item)
        messages.success(request, _("Plan item deleted."))
        return redirect(agreement.get_absolute_url() + "#plan")
    return render(
        request,
        "coordination/plan_item_confirm_delete.html",
        {"agreement": agreement, "item": item, "language": get_language()},
    )

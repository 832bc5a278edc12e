"""Activity pages that change records: create, edit, delete, move the status."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liaison.activities import services
from liaison.activities.forms import ActivityForm, TransitionForm, local_initial
from liaison.activities.models import Activity, ActivityStatus
from liaison.activities.permissions import get_activity_for_user
from liaison.core.models import StaleRecordError
from liaison.directory.views_manage import CONFLICT_MESSAGE, apply_service_errors

# Form fields handed to the services as they are.
_FIELDS = (
    "kind",
    "title_en",
    "title_vi",
    "title_ar",
    "summary_en",
    "summary_vi",
    "summary_ar",
    "lead_organisation",
    "leader",
    "leader_rank",
    "time_zone",
    "starts_at",
    "ends_at",
    "format",
    "country",
    "city",
    "venue",
    "classification",
    "embargo_until",
)
_MANY = ("co_organisers", "counterpart_organisations", "counterpart_countries", "shared_with")


def _input(data: dict[str, Any]) -> services.ActivityInput:
    values: dict[str, Any] = {name: data.get(name) for name in _FIELDS}
    for name in (
        "title_en",
        "title_vi",
        "title_ar",
        "summary_en",
        "summary_vi",
        "summary_ar",
        "venue",
        "leader_rank",
    ):
        values[name] = values[name] or ""
    values.update({name: list(data.get(name) or []) for name in _MANY})
    return services.ActivityInput(owner=data.get("owner"), pillars=data.get("pillars") or (), **values)


@login_required
def activity_create(request: HttpRequest) -> HttpResponse:
    initial = {
        k: v for k, v in request.GET.items() if k in ("kind", "lead_organisation", "starts_at", "ends_at")
    }
    form = ActivityForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.create_activity(by=request.user, data=_input(form.cleaned_data))
        except ValidationError as error:
            apply_service_errors(form, error)
        except PermissionDenied:
            form.add_error("owner", _("You may not record activities for this organisation."))
        else:
            messages.success(request, _("Activity recorded."))
            return redirect(activity.get_absolute_url())
    return render(request, "activities/activity_form.html", {"form": form, "language": get_language()})


def _initial(activity: Activity) -> dict[str, Any]:
    zone = activity.time_zone
    return {
        **{name: getattr(activity, name) for name in _FIELDS},
        "lead_organisation": activity.lead_organisation_id,
        "leader": activity.leader_id,
        "country": activity.country.code if activity.country else None,
        "city": activity.city_id,
        "owner": activity.owner_id,
        "pillars": activity.pillar_list,
        "starts_at": local_initial(activity.starts_at, zone),
        "ends_at": local_initial(activity.ends_at, zone),
        "embargo_until": local_initial(activity.embargo_until, zone),
        "co_organisers": [o.pk for o in activity.co_organisers.all()],
        "counterpart_organisations": [o.pk for o in activity.counterpart_organisations.all()],
        "counterpart_countries": [c.code for c in activity.counterpart_countries.all()],
        "shared_with": [o.pk for o in activity.shared_with.all()],
        "version": activity.version,
    }


@login_required
def activity_edit(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = get_activity_for_user(request.user, activity_id, write=True, request=request)
    form = ActivityForm(request.POST or None, user=request.user, initial=_initial(activity))
    conflict = False
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        new = _input(data)
        changes = {
            name: getattr(new, name) for name in services.EDITABLE if name in form.fields or name == "owner"
        }
        if changes.get("owner") is None:
            changes["owner"] = new.lead_organisation
        try:
            services.update_activity(by=request.user, activity=activity, version=version, changes=changes)
        except StaleRecordError:
            conflict = True
            fresh = get_activity_for_user(request.user, activity_id, request=request)
            resubmit = request.POST.copy()
            resubmit["version"] = str(fresh.version)
            form.data = resubmit
            form.add_error(None, CONFLICT_MESSAGE)
        except ValidationError as error:
            apply_service_errors(form, error)
        except PermissionDenied:
            form.add_error("owner", _("You may not record activities for this organisation."))
        else:
            messages.success(request, _("Changes saved."))
            return redirect(activity.get_absolute_url())
    return render(
        request,
        "activities/activity_form.html",
        {"form": form, "activity": activity, "language": get_language()},
        status=409 if conflict else 200,
    )


@login_required
def activity_delete(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = get_activity_for_user(request.user, activity_id, delete=True, request=request)
    if request.method == "POST":
        services.delete_activity(by=request.user, activity=activity)
        messages.success(request, _("Activity deleted."))
        return redirect("activities:activity-list")
    return render(
        request, "activities/activity_confirm_delete.html", {"activity": activity, "language": get_language()}
    )


@login_required
@require_POST
def activity_transition(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = get_activity_for_user(request.user, activity_id, request=request)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status."))
        return redirect(activity.get_absolute_url())
    to_status = form.cleaned_data["to_status"]
    try:
        services.transition(
            by=request.user,
            activity=activity,
            to_status=to_status,
            note=form.cleaned_data["note"],
            version=form.cleaned_data["version"],
        )
    except PermissionDenied:
        raise Http404 from None
    except StaleRecordError:
        messages.error(
            request, _("Someone else changed this activity meanwhile; look again before moving it.")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("Status is now “%(status)s”.") % {"status": ActivityStatus(to_status).label}
        )
    return redirect(activity.get_absolute_url())

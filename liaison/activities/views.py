"""Activity pages anyone signed in may open: the list and the detail page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language

from liaison.activities import rows, selectors, services
from liaison.activities.models import (
    ActivityKind,
    ActivityStatus,
    StatusChange,
)
from liaison.activities.permissions import get_activity_for_user
from liaison.activities.reports import warnings_for_activity
from liaison.activities.views_parts import section_context
from liaison.core.access import can_change, can_delete, under_embargo, visible
from liaison.core.htmx import paginate, query_without_page, render_page
from liaison.core.models import Pillar
from liaison.directory.models import Organisation


@login_required
def activity_list(request: HttpRequest) -> HttpResponse:
    filters = selectors.filters_from(request.GET)
    values, counted, first = rows.activity_values(request.user, filters)
    page = paginate(request, values, count_from=counted, count_first=first)
    page.object_list = rows.activity_rows(request.user, page.object_list, get_language(), display=True)
    organisation = None
    if filters.organisation is not None:
        organisation = visible(request.user, Organisation.objects.filter(pk=filters.organisation)).first()
    context: dict[str, Any] = {
        "page": page,
        "filters": filters,
        "pillars": Pillar.choices,
        "kinds": ActivityKind.choices,
        "statuses": ActivityStatus.choices,
        "groups": [(key, label) for key, (label, _q) in selectors.GROUPS.items()],
        "organisation": organisation,
        "query": query_without_page(request),
        "now": timezone.now(),
        "language": get_language(),
    }
    return render_page(request, "activities/activity_list.html", context, partial="results")


@login_required
def activity_detail(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = get_activity_for_user(request.user, activity_id, request=request)
    # ?all=1: every member and site ("More…" without HTMX).
    detail = selectors.page_detail(request.user, activity, whole=request.GET.get("all") == "1")
    editable = can_change(request.user, activity)
    context: dict[str, Any] = {
        "activity": activity,
        "detail": detail,
        "can_edit": editable,
        "can_delete": can_delete(request.user, activity),
        "transitions": [ActivityStatus(s) for s in services.allowed_transitions(request.user, activity)],
        "status_changes": StatusChange.objects.filter(activity=activity)
        .select_related("by")
        .order_by("at", "id"),
        "warnings": _warnings(request.user, activity),
        "embargoed": under_embargo(activity),
        "history": selectors.history(activity),
        "language": get_language(),
        **section_context(request.user, detail),
    }
    return render(request, "activities/activity_detail.html", context)


def _warnings(user: Any, activity: Any) -> list[Any]:
    """The protocol warnings about this activity (double bookings, same-day visits, overdue)."""
    return list(warnings_for_activity(user, activity))

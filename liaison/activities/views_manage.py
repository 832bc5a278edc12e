"""Activity pages that change records: create, edit, delete, move the status."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse


@login_required
def activity_create(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")


@login_required
def activity_edit(request: HttpRequest, activity_id: int) -> HttpResponse:
    return HttpResponse("")


@login_required
def activity_delete(request: HttpRequest, activity_id: int) -> HttpResponse:
    return HttpResponse("")


@login_required
def activity_transition(request: HttpRequest, activity_id: int) -> HttpResponse:
    return HttpResponse("")

"""Activity pages anyone signed in may open: the list and the detail page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse


@login_required
def activity_list(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")


@login_required
def activity_detail(request: HttpRequest, activity_id: int) -> HttpResponse:
    return HttpResponse("")

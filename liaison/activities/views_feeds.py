"""Calendar feeds (managed by their owner, fetched by address alone) and list exports."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.http.request import split_domain_port
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import parse_etags
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from liaison.activities import exports, feeds
from liaison.core.htmx import render_page
from liaison.core.listed_names import names_of
from liaison.directory.models import Organisation, display_name
from liaison.directory.views_manage import apply_service_errors

FEED_CACHE_CONTROL = "private, max-age=300"


class _OrganisationChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Organisation) -> str:
        return display_name(names_of(obj), get_language() or settings.LANGUAGE_CODE) or obj.sort_name


class FeedForm(forms.Form):
    label = forms.CharField(
        label=_("Label"),
        max_length=100,
        required=False,
        help_text=_("A name to tell your feeds apart, e.g. “Phone” or “Team calendar”."),
    )
    organisation = _OrganisationChoice(
        label=_("Activities of"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("Every activity I may see"),
        help_text=_("Or only those led or co-organised by one of your organisations (or a unit below it)."),
        error_messages={"invalid_choice": _("You may only make a feed for an organisation you belong to.")},
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = feeds.feed_organisations(user)


def _feed_url(request: HttpRequest, token: str) -> str:
    return request.build_absolute_uri(reverse("activities:feed", args=[token]))


@login_required
def feed_list(request: HttpRequest) -> HttpResponse:
    """The user's feeds: make one (its address is shown once, here), see when each was used, revoke."""
    form = FeedForm(request.POST or None, user=request.user)
    context: dict[str, Any] = {"form": form, "new_feed": None, "new_url": ""}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                made = feeds.create_feed(
                    by=request.user,
                    label=form.cleaned_data["label"],
                    organisation=form.cleaned_data["organisation"],
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            except PermissionDenied:
                raise Http404 from None
            else:
                # The secret address goes into this page only: not the session, not a message.
                context["new_feed"] = made.feed
                context["new_url"] = _feed_url(request, made.token)
                context["form"] = FeedForm(user=request.user)
        if form.errors:
            status = 400
    context["feeds"] = feeds.feeds_of(request.user)
    context["max_feeds"] = feeds.MAX_FEEDS_PER_USER
    response = render_page(request, "activities/feeds.html", context, partial="feeds", status=status)
    if context["new_url"]:
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def feed_revoke(request: HttpRequest, feed_id: int) -> HttpResponse:
    if not feeds.revoke_feed(by=request.user, feed_id=feed_id):
        raise Http404
    messages.success(request, _("Feed revoked: its address no longer works."))
    return redirect("activities:feed-list")


def _host(request: HttpRequest) -> str:
    host = request.get_host()
    domain, _port = split_domain_port(host)
    return domain or host


@require_safe
def feed(request: HttpRequest, token: str) -> HttpResponseBase:
    """The iCalendar file of a feed. No sign-in: the token in the address is the credential."""
    found = feeds.feed_for_token(token)
    if found is None:
        raise Http404
    window = feeds.window_from(request.GET)
    host = _host(request)
    sentinel = "987654321"
    detail_url = request.build_absolute_uri(reverse("activities:activity-detail", args=[sentinel]))
    detail_url = detail_url.replace(sentinel, "{pk}")
    body = feeds.build_calendar(found, window, host=host, detail_url=detail_url)
    etag = feeds.body_etag(body)
    feeds.touch(found)
    headers = {"ETag": etag, "Cache-Control": FEED_CACHE_CONTROL, "X-Robots-Tag": "noindex"}
    wanted = request.headers.get("If-None-Match")
    if wanted is not None:
        tags = parse_etags(wanted)
        if "*" in tags or etag in tags or etag in [t.removeprefix("W/") for t in tags]:
            response: HttpResponseBase = HttpResponseNotModified()
            for key, value in headers.items():
                response[key] = value
            return response
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8", headers=headers)
    response["Content-Disposition"] = 'inline; filename="liaison.ics"'
    return response


@login_required
@require_safe
def export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    """The activity list, with the list's filters, as CSV or XLSX."""
    if fmt not in exports.FORMATS:
        raise Http404
    return exports.export_response(request, fmt=fmt)

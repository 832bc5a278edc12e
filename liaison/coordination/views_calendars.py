"""The working calendars: each country's weekend days and holidays, which the deadlines counted in
working days skip (`liaison.coordination.calendars`).

Anyone signed in reads them: they are reference data, like the countries themselves. Those who
keep them (`services.can_manage_calendars`: coordinators and administrators) also get the forms;
for anyone else the forms are absent and the writes answer 403. The holidays of the next twelve
months come first, because those are the ones moving deadlines now.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liaison.coordination import services
from liaison.coordination.forms import HolidayForm, WeekendForm
from liaison.coordination.models import Holiday, WorkingCalendar
from liaison.directory.models import Country
from liaison.directory.views_manage import apply_service_errors

TEMPLATE = "coordination/calendars.html"
DEFAULT_WEEKEND = [5, 6]


def _year_after(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _weekend_label(days: frozenset[int]) -> str:
    return ", ".join(str(WEEKDAYS[d]) for d in sorted(days)) if days else _("none")


def _chosen_country(request: HttpRequest) -> Country | None:
    code = (request.GET.get("country") or request.GET.get("weekend-country") or "").upper()
    if len(code) != 2 or not code.isalpha():
        return None
    return Country.objects.filter(code=code).first()


def _weekend_form(country: Country | None) -> WeekendForm:
    """The weekend form, for `country` filled with the days it rests on now."""
    days = DEFAULT_WEEKEND
    if country is not None:
        calendar = WorkingCalendar.objects.filter(country=country).first()
        if calendar is not None:
            days = sorted(calendar.weekend_days)
    initial = {"country": country.code if country else None, "weekend": days}
    return WeekendForm(prefix="weekend", initial=initial)


def _page(
    request: HttpRequest,
    *,
    weekend_form: WeekendForm | None = None,
    holiday_form: HolidayForm | None = None,
) -> HttpResponse:
    language = get_language()
    today = timezone.localdate()
    horizon = _year_after(today)
    calendars = sorted(
        WorkingCalendar.objects.select_related("country").annotate(holiday_count=Count("holidays")),
        key=lambda c: c.country.name_in(language).casefold(),
    )
    upcoming: list[Holiday] = []
    others: dict[int, list[Holiday]] = defaultdict(list)
    for holiday in Holiday.objects.select_related("calendar__country").order_by("date", "id"):
        if today <= holiday.date < horizon:
            upcoming.append(holiday)
        else:
            others[holiday.calendar_id].append(holiday)
    can_manage = services.can_manage_calendars(request.user)
    chosen = _chosen_country(request)
    context: dict[str, Any] = {
        "calendars": [
            {
                "calendar": calendar,
                "country": calendar.country.name_in(language),
                "weekend": _weekend_label(calendar.weekend_days),
                "others": others.get(calendar.pk, []),
            }
            for calendar in calendars
        ],
        "upcoming": upcoming,
        "last_day": horizon - dt.timedelta(days=1),
        "can_manage": can_manage,
        "language": language,
    }
    if can_manage:
        context["weekend_form"] = weekend_form or _weekend_form(chosen)
        context["holiday_form"] = holiday_form or HolidayForm(
            prefix="holiday", initial={"country": chosen.code if chosen else None}
        )
    return render(request, TEMPLATE, context)


@login_required
def calendar_list(request: HttpRequest) -> HttpResponse:
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.boosted and services.can_manage_calendars(request.user):
        # Choosing a country in the weekend form shows the days it rests on now.
        form = _weekend_form(_chosen_country(request))
        return render(request, f"{TEMPLATE}#weekend", {"weekend_form": form})
    return _page(request)


def _require_manager(request: HttpRequest) -> None:
    if not services.can_manage_calendars(request.user):
        raise PermissionDenied


@login_required
@require_POST
def calendar_weekend(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    form = WeekendForm(request.POST, prefix="weekend")
    if form.is_valid():
        country = form.cleaned_data["country"]
        try:
            services.set_weekend(by=request.user, country=country, days=form.cleaned_data["weekend"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Weekend days of %(country)s saved.") % {"country": country.name_in(get_language())},
            )
            return redirect("coordination:calendar-list")
    return _page(request, weekend_form=form)


@login_required
@require_POST
def holiday_add(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    form = HolidayForm(request.POST, prefix="holiday")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_holiday(
                by=request.user, country=data["country"], date=data["date"], name=data["name"]
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Holiday added."))
            return redirect("coordination:calendar-list")
    return _page(request, holiday_form=form)


@login_required
@require_POST
def holiday_delete(request: HttpRequest, holiday_id: int) -> HttpResponse:
    _require_manager(request)
    holiday = Holiday.objects.filter(pk=holiday_id).first()
    if holiday is None:
        raise Http404
    services.delete_holiday(by=request.user, holiday=holiday)
    messages.success(request, _("Holiday removed."))
    return redirect("coordination:calendar-list")

"""The protocol officer's views over the register: the calendar, the counts and the warnings."""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from liaison.activities import calendar, reports
from liaison.activities.models import ActivityKind, ActivityStatus
from liaison.activities.selectors import GROUPS, filters_from
from liaison.core.htmx import render_page
from liaison.core.models import Pillar, SecurityEventKind
from liaison.core.security_log import log_security_event
from liaison.directory.tabular import csv_chunks


def _filter_choices() -> dict[str, Any]:
    """What the filter forms offer (the countries come from `{% country_options %}`)."""
    return {
        "pillars": Pillar.choices,
        "kinds": ActivityKind.choices,
        "statuses": ActivityStatus.choices,
        "groups": [(key, label) for key, (label, _q) in GROUPS.items()],
    }


@login_required
def calendar_view(request: HttpRequest) -> HttpResponse:
    """`?view=month|week|agenda&date=YYYY-MM-DD` (agenda: `&days=N`) and the list's filters."""
    window = calendar.window_from(request.GET)
    filters = filters_from(request.GET)
    result = calendar.calendar_for(request.user, filters, window, per_day=calendar.PER_DAY.get(window.view))
    filter_query = urlencode(calendar.filter_params(calendar.window_filters(filters)))
    context = {
        "cal": result,
        "window": window,
        "filters": filters,
        "filter_query": filter_query,
        "views": [
            (calendar.MONTH, _view_label(calendar.MONTH)),
            (calendar.WEEK, _view_label(calendar.WEEK)),
            (calendar.AGENDA, _view_label(calendar.AGENDA)),
        ],
        "today": calendar.today(),
        "zone_name": settings.TIME_ZONE,
        "cap": result.cap,
        "language": get_language(),
        **_filter_choices(),
    }
    return render_page(request, "activities/calendar.html", context, partial="calendar")


def _view_label(view: str) -> str:
    return {
        calendar.MONTH: pgettext("calendar view", "Month"),
        calendar.WEEK: pgettext("calendar view", "Week"),
        calendar.AGENDA: _("Agenda"),
    }[view]


@login_required
def counts_view(request: HttpRequest) -> HttpResponse:
    """`?from=&to=` (default 1 Jan 2021 … today) and the list's filters; `&format=csv` downloads."""
    filters = reports.counts_filters(request.GET)
    result = reports.counts(request.user, filters)
    if request.GET.get("format") == "csv":
        return _counts_csv(request, result)
    assert filters.date_from is not None and filters.date_to is not None
    context = {
        "counts": result,
        "filters": filters,
        "dates_reversed": filters.date_from > filters.date_to,
        "csv_query": urlencode([*calendar.filter_params(filters), ("format", "csv")]),
        "language": get_language(),
        **_filter_choices(),
    }
    return render_page(request, "activities/counts.html", context, partial="counts")


def _counts_csv(request: HttpRequest, result: reports.Counts) -> HttpResponse:
    columns, rows = reports.counts_table(result)
    f = result.filters
    log_security_event(
        kind=SecurityEventKind.EXPORT,
        request=request,
        detail={
            "kind": "activity_counts",
            "format": "csv",
            "rows": len(rows),
            "filters": dict(calendar.filter_params(f)),
        },
    )
    name = f"activity-counts-{f.date_from}-{f.date_to}.csv"
    return HttpResponse(
        b"".join(csv_chunks(columns, rows)),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@login_required
def warnings_view(request: HttpRequest) -> HttpResponse:
    date_from, date_to, shortened = reports.warning_range(request.GET)
    found = reports.warnings_in_range(request.user, date_from, date_to)
    by_kind: dict[str, list[reports.Warning]] = defaultdict(list)
    for warning in found:
        by_kind[warning.kind].append(warning)
    sections = [(kind, label, by_kind.get(kind, [])) for kind, label in reports.WarningKind.choices]
    context = {
        "warnings": found,
        "sections": sections,
        "date_from": date_from,
        "date_to": date_to,
        "dates_reversed": date_to < date_from,
        "shortened": shortened,
        "max_days": reports.MAX_RANGE_DAYS,
        "max_warnings": reports.MAX_WARNINGS,
        "language": get_language(),
    }
    return render_page(request, "activities/warnings.html", context, partial="warnings")

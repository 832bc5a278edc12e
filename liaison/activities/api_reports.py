"""The calendar, counts and warnings through the API: the same computations as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import get_language
from ninja import Router, Schema
from ninja.params.functions import Query

from liaison.activities import calendar, reports
from liaison.activities.selectors import filters_from
from liaison.core.access import under_embargo
from liaison.core.api_support import AUTH

router = Router(auth=AUTH, tags=["activities"])

# --- Schemas -----------------------------------------------------------------------------------


class CalendarActivityOut(Schema):
    id: int
    title: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    high_level: bool
    embargoed: bool
    starts_at: dt.datetime
    ends_at: dt.datetime
    time_zone: str
    url: str


class CalendarDayOut(Schema):
    date: dt.date
    activities: list[int]


class CalendarOut(Schema):
    view: str
    date: dt.date
    start: dt.date
    end: dt.date  # the last day shown
    previous: dt.date
    next: dt.date
    capped: bool
    more_url: str
    count: int
    activities: list[CalendarActivityOut]
    days: list[CalendarDayOut]


class CellOut(Schema):
    count: int
    url: str


class PillarCellOut(CellOut):
    pillar: str


class CountRowOut(Schema):
    key: str
    label: str
    total: CellOut
    pillars: list[PillarCellOut]


class CountryCountOut(CellOut):
    code: str
    name: str


class CountryBreakdownOut(Schema):
    key: str
    label: str
    total: CellOut
    countries: list[CountryCountOut]


class PillarOut(Schema):
    value: str
    label: str


class CountsOut(Schema):
    date_from: dt.date
    date_to: dt.date
    pillars: list[PillarOut]
    groups: list[CountRowOut]
    kinds: list[CountRowOut]
    countries: list[CountryBreakdownOut]


class RelatedActivityOut(Schema):
    id: int
    title: str
    url: str
    starts_at: dt.datetime
    ends_at: dt.datetime


class PersonRefOut(Schema):
    id: int
    name: str
    url: str


class WarningOut(Schema):
    kind: str
    kind_label: str
    message: str
    day: dt.date | None
    activities: list[RelatedActivityOut]
    person: PersonRefOut | None


class WarningsOut(Schema):
    date_from: dt.date
    date_to: dt.date
    shortened: bool
    capped: bool
    count: int
    items: list[WarningOut]


# --- Endpoints ---------------------------------------------------------------------------------


@router.get("/calendar", response=CalendarOut, summary="Activities per day for a month, week or agenda")
def calendar_endpoint(
    request: HttpRequest,
    view: str = "month",
    date: str = "",
    days: str = "",
    q: str = "",
    pillar: str = "",
    kind: list[str] = Query([]),  # noqa: B008
    organisation: str = "",
    country: str = "",
    level: str = "",
    status: str = "",
    group: str = "",
    person: str = "",
) -> dict[str, Any]:
    """`view` (`month`, `week`, `agenda`) around `date` (YYYY-MM-DD, default today; the agenda
    shows `days` days, default 14). Activities overlapping the window (days of the site's time
    zone), at most 2,000 (`capped`, with `more_url` for the list). Bad values fall back to a month
    around today.

    Filters, as on the list page: `q`, `pillar`, `kind` (repeatable or comma-separated),
    `organisation` (and its units), `country` (ISO code), `level=high`, `status`, `group`,
    `person`. Unknown values are ignored."""
    window = calendar.window_from(request.GET)
    result = calendar.calendar_for(request.user, filters_from(request.GET), window)
    lang = get_language() or "en"
    return {
        "view": window.view,
        "date": window.anchor,
        "start": window.start,
        "end": window.last,
        "previous": window.previous,
        "next": window.next,
        "capped": result.capped,
        "more_url": result.more_url,
        "count": len(result.activities),
        "activities": [
            {
                "id": a.pk,
                "title": a.title_in(lang),
                "kind": a.kind,
                "kind_label": a.get_kind_display(),
                "status": a.status,
                "status_label": a.get_status_display(),
                "high_level": a.high_level,
                "embargoed": under_embargo(a),
                "starts_at": a.starts_at,
                "ends_at": a.ends_at,
                "time_zone": a.time_zone,
                "url": a.get_absolute_url(),
            }
            for a in result.activities
        ],
        "days": [{"date": d.day, "activities": [e.activity.pk for e in d.entries]} for d in result.days],
    }


def _cell(cell: reports.Cell) -> dict[str, Any]:
    return {"count": cell.value, "url": cell.url}


def _row(row: reports.CountRow, pillars: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    return {
        "key": row.key,
        "label": row.label,
        "total": _cell(row.total),
        "pillars": [_cell(c) | {"pillar": p} for (p, _label), c in zip(pillars, row.pillars, strict=True)],
    }


@router.get("/counts", response=CountsOut, summary="Counts by group, kind, pillar and country")
def counts_endpoint(
    request: HttpRequest,
    date_from: str = Query("", alias="from"),
    date_to: str = Query("", alias="to"),
    q: str = "",
    pillar: str = "",
    kind: list[str] = Query([]),  # noqa: B008
    organisation: str = "",
    country: str = "",
    level: str = "",
    status: str = "",
    group: str = "",
    person: str = "",
) -> dict[str, Any]:
    """Activities starting from `from` to `to` (YYYY-MM-DD, days of the site's time zone;
    default 2021-01-01 to today), counted per named group (`all` first: every activity) and per
    kind, in total and per pillar, and per country (where it takes place, and each counterpart
    country) for each group. Every number comes with the `url` of the activity list it counts.

    Filters, as on the list page: `q`, `pillar`, `kind` (repeatable or comma-separated),
    `organisation` (and its units), `country` (ISO code), `level=high`, `status`, `group`,
    `person`. A chosen pillar, kind, group or country narrows the columns and rows to it."""
    result = reports.counts(request.user, reports.counts_filters(request.GET))
    f = result.filters
    return {
        "date_from": f.date_from,
        "date_to": f.date_to,
        "pillars": [{"value": v, "label": label} for v, label in result.pillars],
        "groups": [_row(r, result.pillars) for r in result.groups],
        "kinds": [_row(r, result.pillars) for r in result.kinds],
        "countries": [
            {
                "key": b.key,
                "label": b.label,
                "total": _cell(b.total),
                "countries": [_cell(c.cell) | {"code": c.code, "name": c.name} for c in b.countries],
            }
            for b in result.countries
        ],
    }


def _warning(w: reports.Warning) -> dict[str, Any]:
    return {
        "kind": w.kind,
        "kind_label": w.kind_label,
        "message": w.message,
        "day": w.day,
        "activities": [vars(a) for a in w.related],
        "person": {"id": w.person_id, "name": w.person_name, "url": w.person_url}
        if w.person_id is not None
        else None,
    }


@router.get("/warnings", response=WarningsOut, summary="Double bookings, crowded cities, overdue proposals")
def warnings_endpoint(
    request: HttpRequest,
    date_from: str = Query("", alias="from"),
    date_to: str = Query("", alias="to"),
) -> dict[str, Any]:
    """Warnings for the days `from` … `to` (YYYY-MM-DD, site's time zone; default today and the
    next 90 days; at most 366 days, `shortened` otherwise): the same person in two activities at
    overlapping times (`double_booked`), two high-level incoming delegations in one city on one
    day (`same_city_day`), and activities over but still proposed (`past_proposed`, whenever they
    ended up to the range's end). At most 500 (`capped` says there were more)."""
    start, end, shortened = reports.warning_range(request.GET)
    found = reports.warnings_in_range(request.user, start, end)
    return {
        "date_from": start,
        "date_to": end,
        "shortened": shortened,
        "capped": found.capped,
        "count": len(found),
        "items": [_warning(w) for w in found],
    }

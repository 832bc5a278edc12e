"""Activities as CSV (streamed) or XLSX: what the list shows with the same filters.

The rows come from `selectors.activity_list_for_user` (the access policy, classification and
embargo included, in the list's order), so a hidden activity is never in a file and an embargoed
one only for those allowed to see it. The leader and the lead organisation are named only when
the reader may read them. A file holds at most MAX_ROWS rows: a longer export stops there and
says so in its last row (and, for the API, in the `X-Liaison-Export-Capped` header). Every
export writes an EXPORT event to the security log, as the Directory's exports do.

Columns, in order:

    id, kind, title_en, title_vi, title_ar
    starts_at, ends_at      ISO 8601 in the activity's own time zone
    time_zone               where it takes place, e.g. Asia/Ho_Chi_Minh
    status, pillars (joined with " | "), high_level (true/false), leader_rank
    leader, lead_organisation
                            names in the reader's language (blank when not readable)
    city                    name in the reader's language
    country                 ISO 3166-1 alpha-2 code
    venue, format, classification (public/internal/restricted)
    embargo_until           ISO 8601 in the site's time zone
    is_demo (true/false), url (the activity's page)
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Iterator
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from liaison.activities import selectors
from liaison.activities.models import Activity
from liaison.core.listed_names import names_of
from liaison.core.models import SecurityEventKind
from liaison.core.security_log import log_security_event
from liaison.directory import tabular
from liaison.directory.models import display_name

FORMATS = ("csv", "xlsx")
MAX_ROWS = 100_000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CAPPED_HEADER = "X-Liaison-Export-Capped"
COLUMNS = (
    "id",
    "kind",
    "title_en",
    "title_vi",
    "title_ar",
    "starts_at",
    "ends_at",
    "time_zone",
    "status",
    "pillars",
    "high_level",
    "leader_rank",
    "leader",
    "lead_organisation",
    "city",
    "country",
    "venue",
    "format",
    "classification",
    "embargo_until",
    "is_demo",
    "url",
)
_PK = 987654321  # stands for an activity's id in the detail address


@functools.lru_cache(maxsize=64)
def _zone(name: str) -> dt.tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def _bool(value: bool) -> str:
    return "true" if value else "false"


def export_queryset(user: Any, filters: selectors.ActivityFilters) -> QuerySet[Activity]:
    return selectors.activity_list_for_user(user, filters)


def activity_row(activity: Activity, *, language: str, detail_url: str) -> list[str]:
    """One activity as the file's cells (all text). Needs `with_list_data`'s annotations."""
    zone = _zone(activity.time_zone)
    lead = activity.lead_organisation if getattr(activity, "lead_visible", False) else None
    leader = activity.leader if activity.leader_id and getattr(activity, "leader_visible", False) else None
    embargo = activity.embargo_until
    return [
        str(activity.pk),
        activity.kind,
        activity.title_en,
        activity.title_vi,
        activity.title_ar,
        activity.starts_at.astimezone(zone).isoformat(),
        activity.ends_at.astimezone(zone).isoformat(),
        activity.time_zone,
        activity.status,
        tabular.LIST_SEPARATOR.join(activity.pillar_list),
        _bool(activity.high_level),
        activity.leader_rank,
        (display_name(names_of(leader), language) or leader.sort_name) if leader is not None else "",
        (display_name(names_of(lead), language) or lead.sort_name) if lead is not None else "",
        activity.city.name_in(language) if activity.city_id and activity.city else "",
        activity.country.code if activity.country_id and activity.country else "",
        activity.venue,
        activity.format,
        tabular.CLASSIFICATION_NAMES.get(activity.classification, ""),
        embargo.astimezone(selectors.site_zone()).isoformat() if embargo else "",
        _bool(activity.is_demo),
        detail_url.replace(str(_PK), str(activity.pk)),
    ]


def export_rows(
    queryset: QuerySet[Activity], *, language: str, detail_url: str, limit: int | None = None
) -> Iterator[list[str]]:
    """The rows (at most `limit`, by default MAX_ROWS), read in chunks (fixed queries per chunk)."""
    for activity in queryset[: limit or MAX_ROWS].iterator(chunk_size=2000):
        yield activity_row(activity, language=language, detail_url=detail_url)


def _with_note(rows: Iterable[list[str]], note: str) -> Iterator[list[str]]:
    yield from rows
    if note:
        yield [note] + [""] * (len(COLUMNS) - 1)


def export_filename(fmt: str) -> str:
    return f"liaison-activities-{timezone.localdate():%Y%m%d}.{fmt}"


def _log_export(
    request: HttpRequest, *, fmt: str, rows: int, capped: bool, filters: selectors.ActivityFilters, via: str
) -> None:
    used = {
        k: v if isinstance(v, str | int) else str(v)
        for k, v in vars(filters).items()
        if v not in ("", None, ())
    }
    log_security_event(
        kind=SecurityEventKind.EXPORT,
        request=request,
        user=request.user,
        detail={
            "kind": "activity",
            "format": fmt,
            "rows": rows,
            "filters": used,
            **({"capped": True} if capped else {}),
            **({"via": via} if via != "web" else {}),
        },
    )


def export_response(
    request: HttpRequest,
    *,
    fmt: str,
    filters: selectors.ActivityFilters | None = None,
    via: str = "web",
) -> HttpResponseBase:
    """The filtered list as a CSV (streamed) or XLSX download; `fmt` must be one of FORMATS."""
    assert fmt in FORMATS
    user = request.user
    filters = filters if filters is not None else selectors.filters_from(request.GET)
    queryset = export_queryset(user, filters)
    # Everything the rows need is settled now: a streamed body is written after the view returns.
    language = translation.get_language() or settings.LANGUAGE_CODE
    detail_url = request.build_absolute_uri(reverse("activities:activity-detail", args=[_PK]))
    found = queryset.order_by().values("pk")[: MAX_ROWS + 1].count()
    capped = found > MAX_ROWS
    count = min(found, MAX_ROWS)
    note = (
        _("This export stops at %(max)s rows; more activities match. Narrow the filters to export the rest.")
        % {"max": f"{MAX_ROWS:,}"}
        if capped
        else ""
    )
    if capped and via == "web":
        messages.warning(request, note)
    rows = _with_note(export_rows(queryset, language=language, detail_url=detail_url), note)
    headers = {"Content-Disposition": f'attachment; filename="{export_filename(fmt)}"'}
    if capped:
        headers[CAPPED_HEADER] = str(MAX_ROWS)
    _log_export(request, fmt=fmt, rows=count, capped=capped, filters=filters, via=via)
    if fmt == "xlsx":
        content, _written = tabular.xlsx_bytes(COLUMNS, rows, title="activities")
        return HttpResponse(content, content_type=XLSX_TYPE, headers=headers)
    return StreamingHttpResponse(
        tabular.csv_chunks(COLUMNS, rows), content_type="text/csv; charset=utf-8", headers=headers
    )

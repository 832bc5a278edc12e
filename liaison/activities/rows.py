"""The rows of the activity list as plain dicts, shared by the list page and the list API.

As in `liaison.directory.rows`: the filtered, ordered queryset is read with `.values()` (the
columns a row shows, whether the reader may see the lead organisation and the leader), then the
names of those organisations and people in one query each. A row holds exactly the fields of
the API's `ActivityOut`; with `display=True` also the labels the page shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from liaison.activities.models import Activity, ActivityKind, ActivityStatus, LeaderRank
from liaison.activities.selectors import SORTS, ActivityFilters, filtered, to_count_first
from liaison.core.access import readable_ids
from liaison.core.listed_names import names_by_owner
from liaison.core.models import classification_name
from liaison.directory.models import Organisation, Person, display_name
from liaison.directory.rows import url_maker
from liaison.directory.selectors import country_names

COLUMNS = (
    "id",
    "kind",
    "pillars",
    "title_en",
    "title_vi",
    "title_ar",
    "starts_at",
    "ends_at",
    "time_zone",
    "city_id",
    "city__code",
    "city__name_en",
    "city__name_vi",
    "city__name_ar",
    "country__code",
    "venue",
    "format",
    "status",
    "high_level",
    "leader_rank",
    "lead_organisation_id",
    "lead_organisation__sort_name",
    "leader_id",
    "leader__sort_name",
    "classification",
    "embargo_until",
    "is_demo",
    "version",
)


def activity_values(
    user: Any, filters: ActivityFilters
) -> tuple[QuerySet[Any], QuerySet[Activity], QuerySet[Activity] | None]:
    """The list's rows as dicts, in the asked order; the same rows to count: `selectors.filtered`
    (the access policy and the filters); and the part of them to count first
    (`selectors.to_count_first`, see `htmx.capped_count`)."""
    qs = filtered(user, filters)
    values: QuerySet[Any] = qs.order_by(*SORTS.get(filters.sort, SORTS["-start"])).values(*COLUMNS)
    return values, qs, to_count_first(user, filters)


def _title(r: dict[str, Any], language: str) -> str:
    return str(r.get(f"title_{language}") or r["title_en"] or r["title_vi"] or r["title_ar"])


def _named(
    names: dict[int, list[Any]], pk: int | None, sort_name: str | None, language: str
) -> dict[str, Any]:
    return {"id": pk, "name": display_name(names.get(pk or 0, ()), language) or sort_name or ""}


def activity_rows(
    user: Any, records: Iterable[dict[str, Any]], language: str, *, display: bool = False
) -> list[dict[str, Any]]:
    """A row names the lead organisation and the leader only if the user may read them."""
    records = list(records)
    leads = readable_ids(user, Organisation, (r["lead_organisation_id"] for r in records))
    leaders = readable_ids(user, Person, (r["leader_id"] for r in records))
    org_names = names_by_owner(Organisation, leads)
    people_names = names_by_owner(Person, leaders)
    url = url_maker("activities:activity-detail")
    countries = country_names(language) if display else {}
    kinds = dict(ActivityKind.choices) if display else {}
    statuses = dict(ActivityStatus.choices) if display else {}
    ranks = dict(LeaderRank.choices) if display else {}
    now = timezone.now()
    rows = []
    for r in records:
        lead = leader = city = None
        if r["lead_organisation_id"] in leads:
            lead = _named(org_names, r["lead_organisation_id"], r["lead_organisation__sort_name"], language)
        if r["leader_id"] in leaders:
            leader = _named(people_names, r["leader_id"], r["leader__sort_name"], language)
        if r["city_id"] is not None:
            city_name = r.get(f"city__name_{language}") or r["city__name_en"]
            city = {"id": r["city_id"], "code": r["city__code"], "name": city_name}
        row = {
            "id": r["id"],
            "kind": r["kind"],
            "pillars": [p for p in r["pillars"].split(",") if p],
            "title": _title(r, language),
            "title_en": r["title_en"],
            "title_vi": r["title_vi"],
            "title_ar": r["title_ar"],
            "starts_at": r["starts_at"],
            "ends_at": r["ends_at"],
            "time_zone": r["time_zone"],
            "city": city,
            "country": r["country__code"],
            "venue": r["venue"],
            "format": r["format"],
            "status": r["status"],
            "high_level": r["high_level"],
            "leader_rank": r["leader_rank"],
            "lead_organisation": lead,
            "leader": leader,
            "classification": classification_name(r["classification"]),
            "embargo_until": r["embargo_until"],
            "is_demo": r["is_demo"],
            "version": r["version"],
            "url": url(r["id"]),
        }
        if display:
            embargo: dt.datetime | None = r["embargo_until"]
            local_start = timezone.localtime(r["starts_at"])
            row |= {
                "starts_iso": local_start.isoformat(),
                "starts_label": local_start.strftime("%Y-%m-%d %H:%M"),
                "kind_label": kinds.get(r["kind"], r["kind"]),
                "status_label": statuses.get(r["status"], r["status"]),
                "leader_rank_label": ranks.get(r["leader_rank"], ""),
                "country_name": countries.get(r["country__code"], ""),
                "embargoed": embargo is not None and embargo > now,
                "classification_value": r["classification"],
            }
        rows.append(row)
    return rows

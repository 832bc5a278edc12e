"""What a notice carries: the activity's shared fields, as plain JSON, in every language.

A rule chooses the fields (`SharedField`); the activity's kind, dates, time zone and status are
always shared. The payload is a snapshot: the recipient sees exactly it, and never the activity
record itself (see docs/coordination.md). Names are resolved in English, Vietnamese and Arabic
when the notice is written, so a reader of any language sees them without reading the record.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from django.conf import settings

from liaison.activities.models import Activity, CompositionStatus
from liaison.coordination.models import SharedField
from liaison.core.listed_names import names_of
from liaison.directory.models import display_name

LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)


def _names(record: Any) -> dict[str, str]:
    names = names_of(record)
    return {language: display_name(names, language) for language in LANGUAGES}


def _place_name(place: Any) -> dict[str, str]:
    return {language: place.name_in(language) for language in LANGUAGES}


def _prefetches(fields: set[str]) -> list[str]:
    wanted = []
    if SharedField.LEAD in fields:
        wanted.append("lead_organisation__names")
    if SharedField.LEADER in fields:
        wanted.append("leader__names")
    if SharedField.COUNTERPARTS in fields:
        wanted += ["counterpart_organisations__names", "counterpart_countries"]
    if SharedField.DELEGATIONS in fields:
        wanted += ["delegations__organisation__names", "delegations__members__person__names"]
    return wanted


def load_activities(activity_ids: Iterable[int], fields: Iterable[str]) -> dict[int, Activity]:
    """The activities with what the payloads of these fields need, read in a few queries for
    all of them."""
    ids = list(activity_ids)
    if not ids:
        return {}
    activities = (
        Activity.objects.select_related("lead_organisation", "city", "country")
        .prefetch_related("counterpart_countries", *_prefetches(set(fields)))
        .filter(pk__in=ids)
    )
    return {activity.pk: activity for activity in activities}


def shared_payload(activity: Activity, fields: Iterable[str]) -> dict[str, Any]:
    chosen = set(fields)
    payload: dict[str, Any] = {
        "activity": activity.pk,
        "kind": activity.kind,
        "starts_at": activity.starts_at.isoformat(),
        "ends_at": activity.ends_at.isoformat(),
        "time_zone": activity.time_zone,
        "status": activity.status,
    }
    if SharedField.TITLE in chosen:
        payload["title"] = {lang: getattr(activity, f"title_{lang}") for lang in LANGUAGES}
    if SharedField.SUMMARY in chosen:
        payload["summary"] = {lang: getattr(activity, f"summary_{lang}") for lang in LANGUAGES}
    if SharedField.PLACE in chosen:
        payload["place"] = {
            "city": _place_name(activity.city) if activity.city else None,
            "country": activity.country.code if activity.country else None,
            "venue": activity.venue,
        }
    if SharedField.FORMAT in chosen:
        payload["format"] = activity.format
    if SharedField.LEAD in chosen:
        payload["lead"] = _names(activity.lead_organisation)
    if SharedField.LEADER in chosen:
        payload["leader"] = {
            "name": _names(activity.leader) if activity.leader else None,
            "rank": activity.leader_rank,
        }
    if SharedField.COUNTERPARTS in chosen:
        payload["counterparts"] = {
            "organisations": [_names(org) for org in activity.counterpart_organisations.all()],
            "countries": sorted(c.code for c in activity.counterpart_countries.all()),
        }
    if SharedField.DELEGATIONS in chosen:
        payload["delegations"] = [_delegation(d) for d in activity.delegations.all()]
    return payload


def _delegation(delegation: Any) -> dict[str, Any]:
    """A delegation's side, organisation and size; its members only once their composition is
    approved (the hosting side sees only approved compositions)."""
    approved = delegation.composition_status == CompositionStatus.APPROVED
    members = sorted(delegation.members.all(), key=lambda m: (m.protocol_order, m.pk)) if approved else []
    return {
        "side": delegation.side,
        "organisation": _names(delegation.organisation) if delegation.organisation_id else None,
        "size": delegation.size,
        "members": [{"name": _names(m.person), "role": m.role, "title": m.title} for m in members],
    }


def fingerprint(payload: dict[str, Any]) -> str:
    """Equal payloads, equal fingerprints: re-saving an activity writes no new notice."""
    data = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()


def title_of(payload: dict[str, Any]) -> str:
    titles = payload.get("title") or {}
    for language in ("en", "vi", "ar"):
        if titles.get(language):
            return str(titles[language])[:300]
    return ""


def _in(values: dict[str, Any] | None, language: str) -> str:
    """A multilingual value in the reader's language, else English, else any."""
    values = values or {}
    return str(values.get(language) or values.get("en") or next((v for v in values.values() if v), ""))


def _describe_reporting(body: dict[str, Any], language: str) -> list[tuple[str, str]]:
    """A report owed under an implementation plan (what `implementation.reminders` writes)."""
    import datetime as dt

    from django.utils import formats
    from django.utils.translation import gettext as _

    due = dt.date.fromisoformat(body["due_on"])
    return [
        (_("Plan"), _in(body.get("plan"), language)),
        (_("Task"), _in(body.get("task"), language)),
        (_("Reporting period"), str(body.get("period", ""))),
        (_("Reports due"), formats.date_format(due, "DATE_FORMAT")),
    ]


def _moment(value: str, time_zone: str) -> str:
    import contextlib
    import datetime as dt
    import zoneinfo

    from django.utils import formats

    moment = dt.datetime.fromisoformat(value)
    with contextlib.suppress(zoneinfo.ZoneInfoNotFoundError, ValueError):
        moment = moment.astimezone(zoneinfo.ZoneInfo(time_zone))
    return f"{formats.date_format(moment, 'DATETIME_FORMAT')} ({time_zone})"


def describe(body: dict[str, Any], language: str) -> list[tuple[str, str]]:
    """The payload as (label, value) lines in the reader's language: what the notice page, the
    email and the feed show. Only what the payload holds; nothing is read from the activity."""
    from django.utils.translation import gettext as _
    from django.utils.translation import pgettext

    from liaison.activities.models import ActivityFormat, ActivityKind, ActivityStatus, LeaderRank, MemberRole

    if body.get("topic") == "reporting":
        return _describe_reporting(body, language)
    kinds = dict(ActivityKind.choices)
    zone = body.get("time_zone", "UTC")
    lines: list[tuple[str, str]] = []
    if "title" in body:
        lines.append((pgettext("what an activity is called", "Title"), _in(body["title"], language)))
    lines.append((_("Kind"), str(kinds.get(body.get("kind", ""), body.get("kind", "")))))
    lines.append((_("Starts"), _moment(body["starts_at"], zone)))
    lines.append((_("Ends"), _moment(body["ends_at"], zone)))
    lines.append((_("Status"), str(dict(ActivityStatus.choices).get(body.get("status", ""), ""))))
    if "format" in body:
        lines.append((_("Format"), str(dict(ActivityFormat.choices).get(body["format"], body["format"]))))
    if "place" in body:
        place = body["place"] or {}
        parts = [_in(place.get("city"), language), place.get("country") or "", place.get("venue") or ""]
        lines.append((_("Place"), ", ".join(p for p in parts if p)))
    if "lead" in body:
        lines.append((_("Lead organisation"), _in(body["lead"], language)))
    if "leader" in body:
        leader = body["leader"] or {}
        rank = str(dict(LeaderRank.choices).get(leader.get("rank", ""), ""))
        name = _in(leader.get("name"), language)
        lines.append((_("Leader"), f"{name} · {rank}" if name and rank else name or rank))
    if "counterparts" in body:
        counterparts = body["counterparts"] or {}
        names = [_in(org, language) for org in counterparts.get("organisations", [])]
        names += counterparts.get("countries", [])
        lines.append((_("Foreign counterparts"), ", ".join(names)))
    if "delegations" in body:
        roles = dict(MemberRole.choices)
        for delegation in body["delegations"]:
            members = "; ".join(
                f"{_in(m['name'], language)} ({roles.get(m['role'], m['role'])})"
                for m in delegation["members"]
            )
            head = _in(delegation.get("organisation"), language) or _("Delegation")
            size = delegation.get("size")
            text = f"{head}" + (f", {size}" if size else "") + (f": {members}" if members else "")
            lines.append((_("Delegation"), text))
    if "summary" in body:
        lines.append((_("Summary"), _in(body["summary"], language)))
    return lines

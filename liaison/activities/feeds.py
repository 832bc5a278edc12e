"""Calendar feeds: secret addresses serving activities as iCalendar (RFC 5545).

A feed belongs to a user and, optionally, to one organisation the user belongs to (it then
serves the activities led or co-organised by that organisation or a unit below it). Its token
is made once, shown once, and only its SHA-256 is kept; whoever holds the address reads what
the feed's user may read *at the time of the fetch* (`selectors.filtered`: the access policy,
classification and embargo included), in the user's language. A revoked feed, an unknown
token, or a feed whose user is no longer active answers like nothing (404).

The calendar's frame (PRODID, VERSION, …) and its VTIMEZONE components come from the
`icalendar` package; the events are written here line by line (escaped and folded as RFC 5545
asks), because icalendar's component model costs about half a millisecond per event and a
ministry's feed holds thousands of them. The tests read every feed back with
`icalendar.Calendar.from_ical`.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import re
import secrets
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, router, transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone, translation
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from liaison.activities import selectors
from liaison.activities.models import (
    INACTIVE_STATUSES,
    Activity,
    ActivityKind,
    ActivityStatus,
    CalendarFeed,
)
from liaison.core.access import can_read, principal_for, visible
from liaison.core.listed_names import ListedName
from liaison.core.models import Pillar
from liaison.directory.models import Organisation, OrganisationName, display_name
from liaison.directory.selectors import LIST_NAME_FIELDS

TOKEN_BYTES = 32
# A user keeps at most this many feeds (each is a live credential).
MAX_FEEDS_PER_USER = 20
# The window a feed serves by default, and how far `?from=` / `?to=` may move it.
DEFAULT_DAYS_BACK = 365
DEFAULT_DAYS_AHEAD = 730
MAX_DAYS_BACK = 5 * 365
MAX_DAYS_AHEAD = 5 * 365
# `last_used_at` is written at most this often, not on every fetch.
TOUCH_EVERY = dt.timedelta(hours=1)
PRODID = "-//Liaison//Activities//EN"

_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,128}")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- Making, listing and revoking feeds -------------------------------------------------------


@dataclass(frozen=True)
class NewFeed:
    feed: CalendarFeed
    token: str  # shown once; only its hash is kept


def feed_organisations(user: Any) -> QuerySet[Organisation]:
    """The organisations the user may make a feed for: those they are a member of (and may read)."""
    ids = [s.organisation_id for s in principal_for(user).scopes]
    names = Prefetch("names", queryset=OrganisationName.objects.only(*LIST_NAME_FIELDS, "organisation_id"))
    return visible(user, Organisation.objects.filter(pk__in=ids)).prefetch_related(names)


@transaction.atomic
def create_feed(*, by: Any, label: str = "", organisation: Organisation | None = None) -> NewFeed:
    """Make a feed for `by` (of everything they may read, or of one of their organisations)."""
    p = principal_for(by)
    if p.user_id is None:
        raise PermissionDenied
    label = label.strip()
    errors: dict[str, list[str]] = {}
    if len(label) > CalendarFeed._meta.get_field("label").max_length:  # type: ignore[operator]
        errors["label"] = [_("The label is too long.")]
    if organisation is not None and not (p.covers(organisation.path) and can_read(by, organisation)):
        errors["organisation"] = [_("You may only make a feed for an organisation you belong to.")]
    if errors:
        raise ValidationError(errors)
    if CalendarFeed.objects.filter(user_id=by.pk).count() >= MAX_FEEDS_PER_USER:
        raise ValidationError(
            _("You already have %(max)s feeds; revoke one you no longer use first.")
            % {"max": MAX_FEEDS_PER_USER}
        )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    feed = CalendarFeed.objects.create(
        user=by, organisation=organisation, label=label, token_hash=hash_token(token)
    )
    return NewFeed(feed=feed, token=token)


def revoke_feed(*, by: Any, feed_id: int) -> bool:
    """Delete one of `by`'s feeds; False when they have no such feed (the caller answers 404)."""
    if principal_for(by).user_id is None:
        return False
    deleted, _counts = CalendarFeed.objects.filter(pk=feed_id, user_id=by.pk).delete()
    return deleted > 0


def feeds_of(user: Any) -> list[CalendarFeed]:
    """The user's feeds, each with `organisation_name` (blank when the user may no longer read it)."""
    feeds = list(CalendarFeed.objects.filter(user_id=user.pk).order_by("-created_at", "-id"))
    org_ids = {f.organisation_id for f in feeds if f.organisation_id is not None}
    names = organisation_names(user, org_ids, translation.get_language() or settings.LANGUAGE_CODE)
    for f in feeds:
        f.organisation_name = names.get(f.organisation_id, "")  # type: ignore[attr-defined,arg-type]
    return feeds


def organisation_names(user: Any, ids: Iterable[int], language: str) -> dict[int, str]:
    """Names of the organisations among `ids` the user may read, in `language` (one query)."""
    wanted = set(ids)
    if not wanted:
        return {}
    # Rows, not model instances: a ministry's feed names a thousand organisations.
    readable = visible(user, Organisation.objects.filter(pk__in=wanted)).values("pk")
    grouped: dict[int, list[ListedName]] = defaultdict(list)
    for org_id, *fields in (
        OrganisationName.objects.filter(organisation_id__in=readable)
        .order_by("id")
        .values_list("organisation_id", "id", "value", "language", "kind", "script")
    ):
        grouped[org_id].append(ListedName(*fields))
    return {org_id: display_name(names, language) for org_id, names in grouped.items()}


# --- Fetching a feed -------------------------------------------------------------------------


def feed_for_token(token: str) -> CalendarFeed | None:
    """The live feed behind a token, or None (unknown, revoked, or its user inactive)."""
    if not _TOKEN_SHAPE.fullmatch(token or ""):
        return None
    digest = hash_token(token)
    # The lookup is by the hash of a secret the caller does not control the hash of; the final
    # comparison is constant-time all the same.
    feed = CalendarFeed.objects.select_related("user").filter(token_hash=digest).first()
    if feed is None or not hmac.compare_digest(feed.token_hash, digest):
        return None
    if not feed.user.is_active:
        return None
    return feed


def touch(feed: CalendarFeed, *, now: dt.datetime | None = None) -> None:
    """Note that the feed was fetched, at most once per TOUCH_EVERY (no write on most fetches)."""
    now = now or timezone.now()
    if feed.last_used_at is not None and now - feed.last_used_at < TOUCH_EVERY:
        return
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
    feed.last_used_at = now


@dataclass(frozen=True)
class Window:
    """Days of the site's zone, both included: the activities starting within them are served."""

    first: dt.date
    last: dt.date


def window_from(params: Mapping[str, Any], *, today: dt.date | None = None) -> Window:
    """`?from=YYYY-MM-DD&to=YYYY-MM-DD`, each kept within its limit; unreadable values are ignored."""
    today = today or timezone.localdate(timezone=selectors.site_zone())
    earliest = today - dt.timedelta(days=MAX_DAYS_BACK)
    latest = today + dt.timedelta(days=MAX_DAYS_AHEAD)
    first = _day(params.get("from")) or today - dt.timedelta(days=DEFAULT_DAYS_BACK)
    last = _day(params.get("to")) or today + dt.timedelta(days=DEFAULT_DAYS_AHEAD)
    first = min(max(first, earliest), latest)
    last = min(max(last, earliest), latest)
    if last < first:
        first, last = last, first
    return Window(first=first, last=last)


def _day(value: Any) -> dt.date | None:
    try:
        return parse_date(str(value)[:10]) if value else None
    except ValueError:
        return None


def feed_activities(feed: CalendarFeed, window: Window) -> QuerySet[Any]:
    """What the feed serves: what its user may read now, in the window (and the organisation)."""
    filters = selectors.ActivityFilters(
        organisation=feed.organisation_id, date_from=window.first, date_to=window.last, sort="start"
    )
    if feed.organisation_id is None or connections[router.db_for_read(Activity)].vendor != "postgresql":
        # SQLite reads `filtered`'s subqueries through its indexes already (a multi-index OR);
        # the co-organised ids of a window would cost it a lookup of every co-organised activity.
        return selectors.filtered(feed.user, filters)
    qs = selectors.filtered(feed.user, replace(filters, organisation=None))
    # `filtered`'s organisation filter, with the ids written out: the organisation's units, and
    # the activities of the window they co-organise (two small queries). Given lists, the
    # planner reads the window's activities through the (lead organisation, start) index and by
    # primary key (a bitmap OR) instead of reading the window's every activity to test its lead
    # organisation against a subquery (a ministry's year: 250 → 70 ms in EXPLAIN ANALYZE).
    org = (
        visible(feed.user, Organisation.objects.filter(pk=feed.organisation_id))
        .values_list("path", flat=True)
        .first()
    )
    if org is None:  # an organisation the user may no longer read: nothing
        return qs.none()
    units = list(
        Organisation._base_manager.filter(path__startswith=org).order_by().values_list("pk", flat=True)
    )
    co_organised = set(
        Activity.co_organisers.through.objects.filter(
            organisation_id__in=units,
            activity__starts_at__gte=selectors.day_start(window.first),
            activity__starts_at__lt=selectors.day_start(window.last + dt.timedelta(days=1)),
        ).values_list("activity_id", flat=True)
    )
    return qs.filter(Q(lead_organisation_id__in=units) | Q(pk__in=sorted(co_organised)))


def body_etag(body: bytes) -> str:
    """The feed's validator: a digest of what it serves. The calendar is written whole either
    way (it is the same one query), and a digest of it changes exactly when a client's copy
    would: an activity in or out, any field shown, the user's language, the feed's name."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


# --- Writing the calendar --------------------------------------------------------------------

_FIELDS = (
    "id",
    "kind",
    "status",
    "title_en",
    "title_vi",
    "title_ar",
    "summary_en",
    "summary_vi",
    "summary_ar",
    "starts_at",
    "ends_at",
    "time_zone",
    "venue",
    "pillars",
    "version",
    "updated_at",
    "lead_organisation_id",
    "city__name_en",
    "city__name_vi",
    "city__name_ar",
    "country__name_en",
    "country__name_vi",
    "country__name_ar",
)
_LANGUAGES = ("en", "vi", "ar")
# Positions in a row of `feed_rows`.
_STARTS, _ENDS, _UPDATED, _LEAD = (
    _FIELDS.index(f) for f in ("starts_at", "ends_at", "updated_at", "lead_organisation_id")
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPECIAL = re.compile(r"[\\;,\r\n\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _ical_status(status: str) -> str:
    """CANCELLED for cancelled and postponed activities (their time is free), TENTATIVE while
    proposed, CONFIRMED from approval on."""
    if status in INACTIVE_STATUSES:
        return "CANCELLED"
    if status == ActivityStatus.PROPOSED:
        return "TENTATIVE"
    return "CONFIRMED"


def _status_lines(status: str) -> str:
    """STATUS, and TRANSP when the activity's time is free."""
    value = _ical_status(status)
    return f"STATUS:{value}\r\nTRANSP:TRANSPARENT" if value == "CANCELLED" else f"STATUS:{value}"


def escape_text(value: str) -> str:
    """A TEXT value as RFC 5545 §3.3.11 writes it (control characters dropped)."""
    if not _SPECIAL.search(value):
        return value
    return (
        _CONTROL.sub("", value)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\r", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 §3.1), never inside a UTF-8 character."""
    if line.isascii():
        if len(line) <= 75:
            return line
        # A continuation line starts with a space, so it holds 74 more octets.
        return "\r\n ".join([line[:75], *(line[i : i + 74] for i in range(75, len(line), 74))])
    data = line.encode()
    if len(data) <= 75:
        return line
    parts: list[str] = []
    start, limit = 0, 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and end > start + 1 and (data[end] & 0xC0) == 0x80:
            end -= 1
        parts.append(data[start:end].decode())
        start, limit = end, 74
    return "\r\n ".join(parts)


def _utc(moment: dt.datetime) -> str:
    m = moment.astimezone(dt.UTC)
    return f"{m.year:04d}{m.month:02d}{m.day:02d}T{m.hour:02d}{m.minute:02d}{m.second:02d}Z"


def _local(moment: dt.datetime, zone: dt.tzinfo) -> str:
    m = moment.astimezone(zone)
    return f"{m.year:04d}{m.month:02d}{m.day:02d}T{m.hour:02d}{m.minute:02d}{m.second:02d}"


@functools.lru_cache(maxsize=32)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@functools.lru_cache(maxsize=256)
def _vtimezone(name: str, first_year: int, last_year: int) -> str:
    """The VTIMEZONE component of a zone for the years given (icalendar works it out; cached)."""
    component = icalendar.Timezone.from_tzid(
        name, first_date=dt.date(first_year, 1, 1), last_date=dt.date(last_year, 1, 1)
    )
    return str(component.to_ical().decode())


def _in(values: tuple[str, str, str], language: int | None) -> str:
    """A multilingual value (English, Vietnamese, Arabic) in the language at index `language`,
    else the first of English, Vietnamese, Arabic."""
    if language is not None and values[language]:
        return values[language]
    return next((v for v in values if v), "")


@dataclass(frozen=True)
class FeedContext:
    """What the calendar says about itself and how it links back."""

    name: str
    host: str  # for the events' UIDs
    detail_url: str  # an activity's address with "{pk}" where its id goes


def calendar_name(feed: CalendarFeed) -> str:
    if feed.label:
        return feed.label
    if feed.organisation_id is not None:
        language = feed.user.language or settings.LANGUAGE_CODE
        name = organisation_names(feed.user, [feed.organisation_id], language).get(feed.organisation_id)
        if name:
            return name
        return _("Activities of an organisation")
    return _("My activities")


def build_calendar(
    feed: CalendarFeed,
    window: Window,
    *,
    host: str,
    detail_url: str,
) -> bytes:
    """The feed as an iCalendar file, in its user's language."""
    activities = feed_activities(feed, window)
    language = feed.user.language or settings.LANGUAGE_CODE
    with translation.override(language):
        rows = feed_rows(activities)
        lead_names = organisation_names(feed.user, {r[_LEAD] for r in rows}, language)
        name = _("Liaison: %(name)s") % {"name": calendar_name(feed)}
        context = FeedContext(name=name, host=host, detail_url=detail_url)
        return render_calendar(rows, lead_names, context=context, language=language, window=window)


def feed_rows(activities: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """`values_list(*_FIELDS)` of the activities, ordered by start and id.

    Read through the cursor rather than the queryset: Django's per-value converters (on SQLite
    three datetime parses per row, each looking up settings) cost more than writing the event.
    Sorted here: the database would sort these wide rows (summaries included) on disk."""
    qs = activities.order_by().values_list(*_FIELDS)
    sql, params = qs.query.get_compiler(using=qs.db).as_sql()
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        raw = cursor.fetchall()
    if raw and isinstance(raw[0][_STARTS], dt.datetime) and raw[0][_STARTS].tzinfo is not None:
        rows: list[tuple[Any, ...]] = raw  # PostgreSQL: aware datetimes already, as Django's
        rows.sort(key=lambda r: (r[_STARTS], r[0]))
        return rows
    rows = [  # SQLite: text
        (
            *r[:_STARTS],
            selectors.db_moment(r[_STARTS]),
            selectors.db_moment(r[_ENDS]),
            *r[_ENDS + 1 : _UPDATED],
            selectors.db_moment(r[_UPDATED]),
            *r[_UPDATED + 1 :],
        )
        for r in raw
    ]
    rows.sort(key=lambda r: (r[_STARTS], r[0]))
    return rows


def render_calendar(
    rows: list[tuple[Any, ...]],
    lead_names: Mapping[int, str],
    *,
    context: FeedContext,
    language: str,
    window: Window,
) -> bytes:
    """Write the calendar; `rows` are those of `feed_rows` (`_FIELDS`, datetimes aware), in order."""
    frame = icalendar.Calendar()
    frame.add("prodid", PRODID)
    frame.add("version", "2.0")
    frame.add("calscale", "GREGORIAN")
    frame.add("x-wr-calname", context.name)
    frame.add("x-wr-timezone", settings.TIME_ZONE)
    frame.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    frame.add("x-published-ttl", "PT1H")
    head = frame.to_ical().decode()
    end_line = "END:VCALENDAR\r\n"
    assert head.endswith(end_line)
    out = [head[: -len(end_line)]]

    # One VTIMEZONE per zone used, covering the window's years and a year after (events that
    # start inside the window may end after it).
    first_year, last_year = window.first.year, window.last.year + 2
    tz_index = _FIELDS.index("time_zone")
    zones: dict[str, ZoneInfo | None] = {}
    for row in rows:
        tz_name = row[tz_index]
        if tz_name not in zones:
            zone = _zone(tz_name)
            if zone is not None:
                try:
                    out.append(_vtimezone(tz_name, first_year, last_year))
                except ValueError:
                    zone = None
            zones[tz_name] = zone

    kinds = {value: str(label) for value, label in ActivityKind.choices}
    statuses = {value: str(label) for value, label in ActivityStatus.choices}
    pillars = {value: str(label) for value, label in Pillar.choices}
    kind_label, status_label, lead_label = _("Kind"), _("Status"), _("Lead organisation")
    lang = _LANGUAGES.index(language) if language in _LANGUAGES else None
    uid_suffix = f"@{context.host}"
    url_head, _pk, url_tail = context.detail_url.partition("{pk}")
    category_lines: dict[tuple[str, str], str] = {}  # the same few kinds and pillars, again and again
    status_lines: dict[str, str] = {}
    # The part of the description after the summary, per (kind, status, lead organisation).
    facts: dict[tuple[str, str, int], str] = {}
    lines: list[str] = []
    add = lines.append
    for (
        pk,
        kind,
        status_value,
        title_en,
        title_vi,
        title_ar,
        summary_en,
        summary_vi,
        summary_ar,
        starts_at,
        ends_at,
        tz_name,
        venue,
        pillar_values,
        version,
        updated_at,
        lead_id,
        city_en,
        city_vi,
        city_ar,
        country_en,
        country_vi,
        country_ar,
    ) in rows:
        url = f"{url_head}{pk}{url_tail}" if _pk else url_head
        zone = zones[tz_name]
        modified = _utc(updated_at)
        if zone is not None:
            start, end = _local(starts_at, zone), _local(ends_at, zone)
            when = f"DTSTART;TZID={tz_name}:{start}\r\nDTEND;TZID={tz_name}:{end}"
        else:  # a zone this system does not know: the same instants in UTC
            when = f"DTSTART:{_utc(starts_at)}\r\nDTEND:{_utc(ends_at)}"
        title = fold("SUMMARY:" + escape_text(_in((title_en, title_vi, title_ar), lang) or f"#{pk}"))
        add(f"BEGIN:VEVENT\r\nUID:activity-{pk}{uid_suffix}\r\nDTSTAMP:{modified}\r\n{when}\r\n{title}")
        fact_key = (kind, status_value, lead_id)
        fact = facts.get(fact_key)
        if fact is None:
            described = [
                f"{kind_label}: {kinds.get(kind, kind)}",
                f"{status_label}: {statuses.get(status_value, status_value)}",
            ]
            lead = lead_names.get(lead_id)
            if lead:
                described.append(f"{lead_label}: {lead}")
            fact = facts[fact_key] = "\n".join(described)
        summary = _in((summary_en, summary_vi, summary_ar), lang)
        description = f"{summary}\n\n{fact}\n{url}" if summary else f"{fact}\n{url}"
        add(fold("DESCRIPTION:" + escape_text(description)))
        city = _in((city_en, city_vi, city_ar), lang) if city_en else ""
        country = _in((country_en, country_vi, country_ar), lang) if country_en else ""
        if venue or city or country:
            location = venue
            for part in (city, country):
                if part:
                    location = f"{location}, {part}" if location else part
            add(fold("LOCATION:" + escape_text(location)))
        status = status_lines.get(status_value)
        if status is None:
            status = status_lines[status_value] = _status_lines(status_value)
        category_key = (kind, pillar_values)
        categories = category_lines.get(category_key)
        if categories is None:
            labels = [kinds.get(kind, kind)]
            labels += [pillars.get(p, p) for p in pillar_values.split(",") if p]
            categories = fold("CATEGORIES:" + ",".join(escape_text(c) for c in labels))
            category_lines[category_key] = categories
        add(
            f"{status}\r\n{categories}\r\nSEQUENCE:{version}\r\nLAST-MODIFIED:{modified}\r\n"
            f"{fold(f'URL:{url}')}\r\nEND:VEVENT"
        )
    lines.append(end_line)
    out.append("\r\n".join(lines))
    return "".join(out).encode()

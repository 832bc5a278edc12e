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
from operator import itemgetter
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, router, transaction
from django.db.models import F, Func, IntegerField, Prefetch, Q, QuerySet, TextField, Value
from django.db.models.functions import Coalesce, NullIf
from django.db.models.lookups import In
from django.utils import timezone, translation
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from liaison.activities import selectors
from liaison.activities.calendar import read_utc, utc_spans, utc_text
from liaison.activities.models import (
    INACTIVE_STATUSES,
    Activity,
    ActivityKind,
    ActivityStatus,
    CalendarFeed,
)
from liaison.core.access import can_read, principal_for, visible
from liaison.core.expressions import AnyOf, in_ids
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
    organisations = Organisation.objects.filter(in_ids("pk", wanted))  # a ministry's feed: 2,000 ids
    readable = visible(user, organisations).values("pk")
    # Rows, read through the cursor: a ministry's feed names two thousand organisations. In no
    # order: `display_name` ranks a name by its id last, whatever the order it reads them in.
    qs = (
        OrganisationName.objects.filter(organisation_id__in=readable)
        .order_by()
        .values_list("organisation_id", "id", "value", "language", "kind", "script")
    )
    sql, params = qs.query.get_compiler(using=qs.db).as_sql()
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    grouped: dict[int, list[ListedName]] = defaultdict(list)
    make = ListedName._make
    for row in rows:
        grouped[row[0]].append(make(row[1:]))
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
    vendor = connections[router.db_for_read(Activity)].vendor
    if feed.organisation_id is None or vendor not in ("postgresql", "sqlite"):
        return selectors.filtered(feed.user, filters)
    qs = selectors.filtered(feed.user, replace(filters, organisation=None))
    # `filtered`'s organisation filter, with the ids written out: the organisation's units, and
    # the activities of the window they co-organise (small queries). Given lists, PostgreSQL
    # reads the window's activities through the (lead organisation, start) index and by primary
    # key (a bitmap OR) instead of reading the window's every activity to test its lead
    # organisation against a subquery (a ministry's year: 250 → 70 ms in EXPLAIN ANALYZE), and
    # SQLite reads only the window's co-organised activities, not every one the units co-organise
    # (22,000 rows looked up to read their start; the ministry's year: 125 ms, now 41 ms and 32 ms
    # for the ids).
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
    start = selectors.day_start(window.first)
    end = selectors.day_start(window.last + dt.timedelta(days=1))
    co_organisers = Activity.co_organisers.through.objects
    if vendor == "postgresql":
        co_organised = set(
            co_organisers.filter(
                AnyOf("organisation_id", units), activity__starts_at__gte=start, activity__starts_at__lt=end
            ).values_list("activity_id", flat=True)
        )
        return qs.filter(Q(AnyOf("lead_organisation_id", units)) | Q(AnyOf("pk", co_organised)))
    # SQLite: the units' co-organised activities whose ids are among the window's (read from
    # the index on the start), rather than every activity they co-organise looked up by id to
    # read its start. The "+" keeps SQLite off the (activity, organisation) index, which it
    # would otherwise probe for every activity of the window and every unit (seconds).
    in_window = Activity.objects.filter(starts_at__gte=start, starts_at__lt=end).order_by().values("pk")
    listed = Func(F("activity_id"), template="+%(expressions)s", output_field=IntegerField())
    co_organised = set(
        co_organisers.filter(In(listed, in_window), organisation_id__in=units).values_list(
            "activity_id", flat=True
        )
    )
    return qs.filter(Q(lead_organisation_id__in=units) | Q(pk__in=sorted(co_organised)))


def body_etag(body: bytes) -> str:
    """The feed's validator: a digest of what it serves. The calendar is written whole either
    way (it is the same one query), and a digest of it changes exactly when a client's copy
    would: an activity in or out, any field shown, the user's language, the feed's name."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


# --- Writing the calendar --------------------------------------------------------------------

# A row of `feed_rows`: these columns of the activity, then `_COMPUTED`.
_FIELDS = (
    "id",
    "kind",
    "status",
    "time_zone",
    "venue",
    "pillars",
    "version",
    "lead_organisation_id",
    "city__name_en",
    "country__name_en",
)
# Then its start and end (aware datetimes once `feed_rows` has read them) and last change (as
# DTSTAMP writes it), its title and summary in the reader's language (else the first of English,
# Vietnamese and Arabic that is not blank) and the names of its city and country in it (blank for
# English: `_FIELDS` has those), worked out by the database (`_computed`): a ministry's year is
# thousands of rows, and their datetimes and other languages cost more than the rest to read.
_COMPUTED = (
    "feed_starts",
    "feed_ends",
    "feed_modified",
    "feed_title",
    "feed_summary",
    "feed_city",
    "feed_country",
)
_LANGUAGES = ("en", "vi", "ar")
# Positions in a row of `feed_rows`.
_LEAD = _FIELDS.index("lead_organisation_id")
_STARTS = len(_FIELDS)
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
        return "\r\n ".join([line[:75]] + [line[i : i + 74] for i in range(75, len(line), 74)])
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


# Written with %: twice as fast as format specifiers, and a feed writes thousands of times.
def _utc(moment: dt.datetime) -> str:
    m = moment.astimezone(dt.UTC)
    return "%04d%02d%02dT%02d%02d%02dZ" % (m.year, m.month, m.day, m.hour, m.minute, m.second)  # noqa: UP031


def _local(moment: dt.datetime, zone: dt.tzinfo) -> str:
    m = moment.astimezone(zone)
    return "%04d%02d%02dT%02d%02d%02d" % (m.year, m.month, m.day, m.hour, m.minute, m.second)  # noqa: UP031


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
        rows = feed_rows(activities, language)
        lead_names = organisation_names(feed.user, {r[_LEAD] for r in rows}, language)
        name = _("Liaison: %(name)s") % {"name": calendar_name(feed)}
        context = FeedContext(name=name, host=host, detail_url=detail_url)
        return render_calendar(rows, lead_names, context=context, language=language, window=window)


def _computed(language: str, vendor: str) -> dict[str, Any]:
    """`_COMPUTED` as expressions: the start and end as text of their UTC time, the last change
    as iCalendar writes it (`_moments`: the drivers' datetime conversion cost more than the rest
    of the row); the title and summary in `language`, else the first of English,
    Vietnamese and Arabic that is not blank (NULL when all are); the city's and country's names
    in `language` (blank for English, whose names are `_FIELDS`' own)."""
    first = [language] if language in _LANGUAGES else []
    order = [*first, *(lang for lang in _LANGUAGES if lang not in first)]

    def chosen(prefix: str) -> Coalesce:
        return Coalesce(*(NullIf(F(prefix + lang), Value("")) for lang in order), output_field=TextField())

    local = language in _LANGUAGES and language != "en"
    return {
        **_moments(vendor),
        "feed_title": chosen("title_"),
        "feed_summary": chosen("summary_"),
        "feed_city": F(f"city__name_{language}") if local else Value(""),
        "feed_country": F(f"country__name_{language}") if local else Value(""),
    }


def _moments(vendor: str) -> dict[str, Any]:
    """The start and end as `calendar.utc_text`, the last change as "YYYYMMDDTHHMMSSZ" (`_utc`;
    elsewhere than SQLite and PostgreSQL, the datetime, which `feed_rows` then writes so)."""
    return {
        "feed_starts": utc_text("starts_at", vendor),
        "feed_ends": utc_text("ends_at", vendor),
        "feed_modified": utc_text("updated_at", vendor, compact=True),
    }


def feed_rows(activities: QuerySet[Any], language: str) -> list[tuple[Any, ...]]:
    """`values_list(*_FIELDS, *_COMPUTED)` of the activities (the start and end aware datetimes,
    the last change in `_utc`'s text), ordered by start and id.

    Read through the cursor rather than the queryset: Django's per-value converters (on SQLite
    three datetime parses per row, each looking up settings) cost more than writing the event.
    Sorted here: the database would sort these wide rows (summaries included) on disk."""
    connection = connections[activities.db]
    qs = activities.order_by().annotate(**_computed(language, connection.vendor))
    qs = qs.values_list(*_FIELDS, *_COMPUTED)
    query = qs.query
    # The cursor's columns: the fields, then the annotations, each in the order given.
    assert tuple(query.values_select) == _FIELDS and tuple(query.annotation_select) == _COMPUTED
    sql, params = query.get_compiler(using=qs.db).as_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        raw = cursor.fetchall()
    i = _STARTS
    rows = utc_spans(raw, i)
    if connection.vendor not in ("postgresql", "sqlite"):
        rows = [(*r[: i + 2], _utc(read_utc(r[i + 2])), *r[i + 3 :]) for r in rows]
    # By start, then id: two stable sorts on single values (no key tuples to build and compare).
    rows.sort(key=itemgetter(0))
    rows.sort(key=itemgetter(i))
    return rows


def render_calendar(
    rows: list[tuple[Any, ...]],
    lead_names: Mapping[int, str],
    *,
    context: FeedContext,
    language: str,
    window: Window,
) -> bytes:
    """Write the calendar; `rows` are those of `feed_rows` (datetimes aware), in order.

    What many events share is written once per calendar: a title's SUMMARY line, a summary's
    escaped text, the facts after it (kind, status, lead organisation), a place's LOCATION line,
    the STATUS and CATEGORIES lines, a time's text."""
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
    uid_suffix = f"@{context.host}\r\nDTSTAMP:"
    url_head, url_has_pk, url_tail = context.detail_url.partition("{pk}")
    url_ascii = (url_head + url_tail).isascii()
    # The description ends with the URL: its escaped text, the activity's id in between.
    url_head_text, url_tail_text = escape_text(url_head), escape_text(url_tail)
    # Per calendar, what many events share (see the docstring). The description is escaped
    # piece by piece (summary, kind and status, lead organisation, URL); a piece ending in a CR
    # would be escaped with the LF after it, as one line break: such a description is escaped
    # whole (`_description`), as is a summary's or a piece's None here.
    titles: dict[str, str] = {}  # title: its SUMMARY line
    summaries: dict[str, str | None] = {}  # summary: its text and the blank line after it
    leads: dict[int, str | None] = {}  # lead organisation: the line break and its line
    # (status, kind, pillars): the lines from STATUS to SEQUENCE, and the kind and status lines
    # of the description.
    middles: dict[tuple[str, str, str], tuple[str, str | None]] = {}
    places: dict[tuple[str, ...], str] = {}  # venue, city, country: the LOCATION line and CRLF
    lines: list[str] = []
    add = lines.append
    local_texts: dict[str, dict[dt.datetime, str]] = {name: {} for name in zones}  # a time's text, per zone
    for (
        pk,
        kind,
        status_value,
        tz_name,
        venue,
        pillar_values,
        version,
        lead_id,
        city_en,
        country_en,
        starts_at,
        ends_at,
        modified,
        title,
        summary,
        city_local,
        country_local,
    ) in rows:
        zone = zones[tz_name]
        if zone is not None:
            texts = local_texts[tz_name]
            start = texts.get(starts_at)
            if start is None:
                start = texts[starts_at] = _local(starts_at, zone)
            end = texts.get(ends_at)
            if end is None:
                end = texts[ends_at] = _local(ends_at, zone)
            when = f"DTSTART;TZID={tz_name}:{start}\r\nDTEND;TZID={tz_name}:{end}"
        else:  # a zone this system does not know: the same instants in UTC
            when = f"DTSTART:{_utc(starts_at)}\r\nDTEND:{_utc(ends_at)}"
        if title:
            title_line = titles.get(title)
            if title_line is None:
                title_line = titles[title] = fold("SUMMARY:" + escape_text(title))
        else:
            title_line = fold(f"SUMMARY:#{pk}")
        middle_key = (status_value, kind, pillar_values)
        middle = middles.get(middle_key)
        if middle is None:
            labels = [kinds.get(kind, kind)]
            labels += [pillars.get(p, p) for p in pillar_values.split(",") if p]
            categories = fold("CATEGORIES:" + ",".join(escape_text(c) for c in labels))
            facts = f"{kind_label}: {labels[0]}\n{status_label}: {statuses.get(status_value, status_value)}"
            middle = middles[middle_key] = (
                f"{_status_lines(status_value)}\r\n{categories}\r\nSEQUENCE:",
                None if _ends_in_cr(facts) else escape_text(facts),
            )
        lead_text = leads.get(lead_id, "-")
        if lead_text == "-":
            lead = lead_names.get(lead_id)
            line = f"\n{lead_label}: {lead}" if lead else ""
            lead_text = leads[lead_id] = None if _ends_in_cr(line) else escape_text(line)
        ref = pk if url_has_pk else ""
        if summary:
            text = summaries.get(summary, "-")
            if text == "-":
                text = summaries[summary] = None if _ends_in_cr(summary) else escape_text(summary) + "\\n\\n"
        else:
            text = ""
        if text is None or middle[1] is None or lead_text is None:
            description = _description(
                summary, kind_label, kinds.get(kind, kind), status_label,
                statuses.get(status_value, status_value), lead_label, lead_names.get(lead_id),
                f"{url_head}{ref}{url_tail}",
            )  # fmt: skip
        else:
            description = f"{text}{middle[1]}{lead_text}\\n{url_head_text}{ref}{url_tail_text}"
        place_key = (venue, city_en, city_local, country_en, country_local)
        place = places.get(place_key)
        if place is None:
            place = places[place_key] = _location_line(venue, city_en, city_local, country_en, country_local)
        url_line = f"URL:{url_head}{ref}{url_tail}"
        if len(url_line) > 75 or not url_ascii:
            url_line = fold(url_line)
        add(
            f"BEGIN:VEVENT\r\nUID:activity-{pk}{uid_suffix}{modified}\r\n{when}\r\n{title_line}\r\n"
            f"{fold('DESCRIPTION:' + description)}\r\n{place}{middle[0]}{version}\r\n"
            f"LAST-MODIFIED:{modified}\r\n{url_line}\r\nEND:VEVENT"
        )
    lines.append(end_line)
    out.append("\r\n".join(lines))
    return "".join(out).encode()


def _description(
    summary: str | None,
    kind_label: str,
    kind: str,
    status_label: str,
    status: str,
    lead_label: str,
    lead: str | None,
    url: str,
) -> str:
    """The DESCRIPTION's escaped text, escaped whole: the summary, the kind, status and lead
    organisation, the URL."""
    described = [f"{kind_label}: {kind}", f"{status_label}: {status}"]
    if lead:
        described.append(f"{lead_label}: {lead}")
    facts = "\n".join(described)
    return escape_text(f"{summary}\n\n{facts}\n{url}" if summary else f"{facts}\n{url}")


def _ends_in_cr(value: str) -> bool:
    """Whether `value` ends in a CR once its control characters are dropped (`escape_text`
    writes a CR and the LF after it as one line break)."""
    return "\r" in value and _CONTROL.sub("", value).endswith("\r")


def _location_line(venue: str, city_en: str, city: str, country_en: str, country: str) -> str:
    """The LOCATION line and its CRLF (blank without a place): the venue, city and country, the
    names in the reader's language (`city`, `country`), else in English."""
    city = (city or city_en) if city_en else ""
    country = (country or country_en) if country_en else ""
    if not (venue or city or country):
        return ""
    location = venue
    for part in (city, country):
        if part:
            location = f"{location}, {part}" if location else part
    return fold("LOCATION:" + escape_text(location)) + "\r\n"

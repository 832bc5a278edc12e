"""The protocol officer's calendar: which days a view shows, and the activities on each of them.

A view (month, week or agenda) around a date gives a window of days of the site's zone. The
activities shown are those the user may read that pass the list filters (`selectors.filtered`,
with the window in place of the list's own dates) and overlap the window: they start before it
ends and end after it starts, so an activity of several days appears on every day it covers.
Loading is one query whatever the number of activities, and stops at `CAP` activities (the page
then links to the filtered list for the rest).
"""

from __future__ import annotations

import datetime as dt
import html
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import connections
from django.db.models import F, Func, QuerySet, TextField, Value
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from liaison.activities import selectors
from liaison.activities.models import Activity, ActivityKind, ActivityStatus, overlap_filter
from liaison.activities.selectors import ActivityFilters, day_start, db_moment, site_zone
from liaison.core.access import under_embargo
from liaison.directory.rows import url_maker

MONTH, WEEK, AGENDA = "month", "week", "agenda"
VIEWS = (MONTH, WEEK, AGENDA)
# The agenda lists this many days from its date (`?days=` may ask for 1 … AGENDA_MAX_DAYS).
AGENDA_DAYS = 14
AGENDA_MAX_DAYS = 92
# At most this many activities are loaded for one window; a dense window links to the list.
CAP = 2000
# A page's day lists this many activities and counts the others, linking to that day's agenda;
# the days are then counted without loading the window's activities, so it may hold many more.
PER_DAY = {MONTH: 4, WEEK: 12}
SPAN_CAP = 20_000
# Dates far outside this range are refused as garbage (and keep the arithmetic in bounds).
FIRST_YEAR, LAST_YEAR = 1900, 2200
# The hours a week's grid shows when no activity asks for earlier or later ones.
WEEK_HOURS = (7, 19)


def today() -> dt.date:
    """Today in the site's zone."""
    return timezone.now().astimezone(site_zone()).date()


def local_day(moment: dt.datetime, zone: dt.tzinfo | None = None) -> dt.date:
    return moment.astimezone(zone or site_zone()).date()


def last_day(activity: Activity) -> dt.date:
    """The last day (site zone) an activity covers: one ending at midnight ends the day before."""
    return _last_day(activity.starts_at, activity.ends_at)


def _last_day(starts_at: dt.datetime, ends_at: dt.datetime, zone: dt.tzinfo | None = None) -> dt.date:
    end = ends_at.astimezone(zone or site_zone())
    if end.time() == dt.time.min and ends_at > starts_at:
        return end.date() - dt.timedelta(days=1)
    return end.date()


def parse_view(raw: str | None) -> str:
    return raw if raw in VIEWS else MONTH


def parse_date(raw: str | None, default: dt.date) -> dt.date:
    """A YYYY-MM-DD date, or `default` for anything else (a calendar never refuses an address)."""
    try:
        day = dt.date.fromisoformat(raw or "")
    except (TypeError, ValueError):
        return default
    return day if FIRST_YEAR <= day.year <= LAST_YEAR else default


def parse_days(raw: str | None) -> int:
    try:
        days = int(raw or "")
    except ValueError:
        return AGENDA_DAYS
    return min(max(days, 1), AGENDA_MAX_DAYS)


def _first_of_month(day: dt.date, months: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@dataclass(frozen=True)
class Window:
    """The days a view shows: `start` inclusive, `end` exclusive (days of the site's zone)."""

    view: str
    anchor: dt.date
    start: dt.date
    end: dt.date
    previous: dt.date
    next: dt.date
    days_count: int = AGENDA_DAYS

    @property
    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range((self.end - self.start).days)]

    @property
    def last(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    @property
    def starts_at(self) -> dt.datetime:
        return day_start(self.start)

    @property
    def ends_at(self) -> dt.datetime:
        return day_start(self.end)


def window_for(view: str, anchor: dt.date, *, days: int = AGENDA_DAYS) -> Window:
    """The window of `view` around `anchor`, with the anchors of the previous and next windows.

    A month shows whole weeks from Monday to Sunday around it; a week runs Monday to Sunday; the
    agenda shows `days` days from the anchor."""
    if view == WEEK:
        start = _monday(anchor)
        week = dt.timedelta(days=7)
        return Window(view, anchor, start, start + week, anchor - week, anchor + week)
    if view == AGENDA:
        step = dt.timedelta(days=days)
        return Window(view, anchor, anchor, anchor + step, anchor - step, anchor + step, days)
    first = _first_of_month(anchor)
    following = _first_of_month(anchor, 1)
    start = _monday(first)
    end = _monday(following - dt.timedelta(days=1)) + dt.timedelta(days=7)
    return Window(view, anchor, start, end, _first_of_month(anchor, -1), following)


def window_from(params: Any) -> Window:
    """The window asked for by `?view=month|week|agenda&date=YYYY-MM-DD&days=N` (bad values fall
    back to a month around today)."""
    view = parse_view(params.get("view"))
    anchor = parse_date(params.get("date"), today())
    return window_for(view, anchor, days=parse_days(params.get("days")))


# --- The activities per day --------------------------------------------------------------------


@dataclass(frozen=True)
class EntryLabels:
    """The words an entry shows, in the current language: read once for the whole calendar (a
    model's `get_FOO_display` builds its choices again on every call)."""

    language: str
    kinds: dict[str, str]
    statuses: dict[str, str]
    earlier: str
    later: str
    high_level: str
    embargoed: str
    # An entry's badges by (kind, status, high level, embargoed): the same few, written once.
    badges: dict[tuple[str, str, bool, bool], str] = field(default_factory=dict, compare=False)

    @classmethod
    def now(cls) -> EntryLabels:
        return cls(
            language=get_language() or settings.LANGUAGE_CODE,
            kinds={value: str(label) for value, label in ActivityKind.choices},
            statuses={value: str(label) for value, label in ActivityStatus.choices},
            earlier=_("Continues from an earlier day"),
            later=_("Continues on a later day"),
            high_level=_("High-level"),
            embargoed=_("Embargoed"),
        )


@dataclass
class Entry:
    """An activity on one day of the calendar."""

    activity: Activity
    day: dt.date
    starts_here: bool
    ends_here: bool
    local_start: dt.datetime
    local_end: dt.datetime
    url: str = ""  # the activity's page
    labels: EntryLabels | None = None  # read once per calendar (`EntryLabels.now`)

    @property
    def all_day(self) -> bool:
        """Shown in a week's top row: the activity began before this day or runs past it."""
        return not (self.starts_here and self.ends_here)

    @property
    def hour(self) -> int:
        return self.local_start.hour

    @property
    def embargoed(self) -> bool:
        return under_embargo(self.activity)

    # The entry's markup for each view (see `entry_html`).
    @property
    def html(self) -> SafeString:
        return entry_html(self)

    @property
    def html_with_end(self) -> SafeString:
        return entry_html(self, show_end=True)

    @property
    def html_without_time(self) -> SafeString:
        return entry_html(self, no_time=True)


def entry_html(entry: Entry, *, no_time: bool = False, show_end: bool = False) -> SafeString:
    """An activity on a day of the calendar: its link (time, title, whether it goes on before or
    after the day) and its badges. Written here rather than by an included template: a month
    shows two hundred of them, and a template include costs more than the rest of the page."""
    a = entry.activity
    words = entry.labels or EntryLabels.now()
    e = _escape
    high = " cal-high" if a.high_level else ""
    parts = [f'<a class="cal-entry status-{e(a.status)}{high}" href="{e(entry.url)}">']
    if entry.all_day:
        if not entry.starts_here:
            parts.append(f'<span class="cal-continues" title="{e(words.earlier)}">…</span>')
    elif not no_time:
        parts.append(_time(entry.local_start))
        if show_end:
            parts.append("–" + _time(entry.local_end))
    parts.append(f' <bdi class="cal-title">{e(a.title_in(words.language))}</bdi>')
    if entry.all_day and not entry.ends_here:
        parts.append(f'<span class="cal-continues" title="{e(words.later)}">…</span>')
    key = (a.kind, a.status, bool(a.high_level), entry.embargoed)
    badges = words.badges.get(key)
    if badges is None:
        badges = words.badges[key] = _badges(words, *key)
    parts.append(badges)
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


def _badges(words: EntryLabels, kind: str, status: str, high_level: bool, embargoed: bool) -> str:
    e = _escape
    parts = ['</a>\n<span class="badges cal-badges">\n']
    parts.append(f'  <span class="badge cal-kind">{e(words.kinds.get(kind, kind))}</span>\n')
    label = words.statuses.get(status, status)
    parts.append(f'  <span class="status status-{e(status)}">{e(label)}</span>\n')
    if high_level:
        parts.append(f'  <span class="badge badge-high">{e(words.high_level)}</span>\n')
    if embargoed:
        parts.append(f'  <span class="badge badge-restricted">{e(words.embargoed)}</span>\n')
    parts.append("</span>")
    return "".join(parts)


def _escape(value: Any) -> str:
    """`conditional_escape` without its check for lazy strings (a few hundred calls a page)."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))


def _time(moment: dt.datetime) -> str:
    return f'<time class="cal-time" datetime="{moment.isoformat()}">{moment:%H:%M}</time>'


@dataclass
class Day:
    day: dt.date
    entries: list[Entry] = field(default_factory=list)
    in_month: bool = True
    is_today: bool = False
    more: int = 0  # activities on this day beyond those in `entries` (a view's PER_DAY limit)
    more_url: str = ""  # the day's agenda, when there are more

    # What the page writes of the date (`|date` costs a formatter per call; 42 days, three each).
    @property
    def iso(self) -> str:
        return self.day.isoformat()

    @property
    def number(self) -> str:
        return str(self.day.day)

    @property
    def more_label(self) -> str:
        return ngettext("%(counter)s more", "%(counter)s more", self.more) % {"counter": self.more}

    @property
    def timed(self) -> list[Entry]:
        return [e for e in self.entries if not e.all_day]

    @property
    def spanning(self) -> list[Entry]:
        return [e for e in self.entries if e.all_day]


@dataclass
class HourRow:
    hour: int
    cells: list[list[Entry]]

    @property
    def label(self) -> dt.time:
        return dt.time(self.hour)


@dataclass
class Calendar:
    window: Window
    filters: ActivityFilters
    activities: list[Activity]
    days: list[Day]
    capped: bool
    more_url: str
    total: int = 0  # activities in the window (up to the cap), shown or not
    cap: int = CAP

    @property
    def weeks(self) -> list[list[Day]]:
        return [self.days[i : i + 7] for i in range(0, len(self.days), 7)]

    @property
    def busy_days(self) -> list[Day]:
        """The agenda's days: those with at least one activity."""
        return [d for d in self.days if d.entries]

    @property
    def hour_rows(self) -> list[HourRow]:
        """A week's grid: one row per hour, one cell per day, holding what starts in that hour."""
        hours = [e.hour for d in self.days for e in d.timed]
        first = min([WEEK_HOURS[0], *hours])
        last = max([WEEK_HOURS[1], *hours])
        rows = {h: HourRow(h, [[] for _ in self.days]) for h in range(first, last + 1)}
        for i, d in enumerate(self.days):
            for e in d.timed:
                rows[e.hour].cells[i].append(e)
        return list(rows.values())

    @property
    def has_spanning(self) -> bool:
        return any(d.spanning for d in self.days)

    @property
    def has_more(self) -> bool:
        return any(d.more for d in self.days)


def window_filters(filters: ActivityFilters) -> ActivityFilters:
    """The list filters without their dates: the calendar's window takes their place."""
    return replace(filters, date_from=None, date_to=None)


def activities_in(user: Any, filters: ActivityFilters, window: Window) -> QuerySet[Activity]:
    """The activities the user may read that pass the filters and overlap the window."""
    return (
        selectors.filtered(user, window_filters(filters))
        .filter(overlap_filter(Activity, window.starts_at, window.ends_at))
        .select_related("city", "country")
        .order_by("starts_at", "id")
    )


def list_url(filters: ActivityFilters, window: Window) -> str:
    """The filtered list for a window (the activities starting in it)."""
    params = filter_params(replace(filters, date_from=window.start, date_to=window.last))
    return f"{reverse('activities:activity-list')}?{urlencode(params)}"


def filter_params(filters: ActivityFilters) -> list[tuple[str, str]]:
    """Query parameters that `selectors.filters_from` reads back as exactly `filters`."""
    pairs: list[tuple[str, str]] = []
    if filters.q:
        pairs.append(("q", filters.q))
    if filters.pillar:
        pairs.append(("pillar", filters.pillar))
    if filters.kinds:
        pairs.append(("kind", ",".join(filters.kinds)))
    if filters.organisation is not None:
        pairs.append(("organisation", str(filters.organisation)))
    if filters.country:
        pairs.append(("country", filters.country.upper()))
    if filters.level:
        pairs.append(("level", filters.level))
    if filters.status:
        pairs.append(("status", filters.status))
    if filters.date_from is not None:
        pairs.append(("from", filters.date_from.isoformat()))
    if filters.date_to is not None:
        pairs.append(("to", filters.date_to.isoformat()))
    if filters.group:
        pairs.append(("group", filters.group))
    if filters.person is not None:
        pairs.append(("person", str(filters.person)))
    return pairs


def day_url(day: dt.date, filters: ActivityFilters) -> str:
    """The agenda of one day, with the same filters: where a day's "more" leads."""
    params = [("view", AGENDA), ("date", day.isoformat()), ("days", "1")]
    return f"{reverse('activities:calendar')}?{urlencode(params + filter_params(window_filters(filters)))}"


def utc_text(column: str, vendor: str, *, compact: bool = False) -> Any:
    """A datetime column as the text of its UTC time, "YYYY-MM-DD HH:MM:SS[.ffffff]" (`read_utc`
    reads it back), for rows read by the thousand: the drivers' own datetime conversion costs
    more than the rest of such a row (psycopg over a microsecond a value, SQLite's converter a
    parse and a settings lookup). `compact`: as iCalendar writes a UTC time, "YYYYMMDDTHHMMSSZ".
    Elsewhere than PostgreSQL and SQLite, the column itself."""
    if vendor == "postgresql":
        at_utc = Func(F(column), template="(%(expressions)s AT TIME ZONE 'UTC')")
        pattern = 'YYYYMMDD"T"HH24MISS"Z"' if compact else "YYYY-MM-DD HH24:MI:SS.US"
        return Func(at_utc, Value(pattern), function="to_char", output_field=TextField())
    if vendor == "sqlite" and compact:
        return Func(Value("%Y%m%dT%H%M%SZ"), F(column), function="strftime", output_field=TextField())
    if vendor == "sqlite":  # text already: Django writes UTC there
        return Cast(column, TextField())
    return F(column)


def read_utc(value: Any) -> dt.datetime:
    """An aware datetime from `utc_text`'s text (or as a driver returns a datetime column)."""
    if isinstance(value, str) and len(value) in (19, 26):
        try:
            return dt.datetime.fromisoformat(value + "+00:00")
        except ValueError:
            pass
    return db_moment(value)


def utc_spans(rows: list[tuple[Any, ...]], i: int) -> list[tuple[Any, ...]]:
    """`rows` with their values at `i` and `i + 1` (a start and an end) read by `read_utc` (inline
    in the common case: this runs for thousands of rows)."""
    try:
        utc = dt.datetime.fromisoformat
        return [(*r[:i], utc(r[i] + "+00:00"), utc(r[i + 1] + "+00:00"), *r[i + 2 :]) for r in rows]
    except (TypeError, ValueError):
        return [(*r[:i], read_utc(r[i]), read_utc(r[i + 1]), *r[i + 2 :]) for r in rows]


def _first_per_day(
    qs: QuerySet[Activity], window: Window, *, cap: int, per_day: int
) -> tuple[dict[dt.date, set[int]], dict[dt.date, int], int, bool]:
    """For each day of the window, the ids of its first `per_day` activities (by start, then id)
    and the number of its activities, among the first `cap` activities of `qs` (ordered by start
    and id); with the number of those (at most `cap`) and whether there were more.

    One query: the window's (id, start, end), their times as text (`utc_text`), placed on the
    days in Python. (Counting in the database cost more: on PostgreSQL its join of the rows to
    the days was three quarters of the statement, on SQLite slower still.) An activity covers a
    day when it starts before the day ends and ends after the day starts, or starts at its first
    instant (an instant at midnight); one ending at midnight does not cover the day that begins
    then (as `_last_day`)."""
    connection = connections[qs.db]
    vendor = connection.vendor
    spans = qs.annotate(
        calendar_starts=utc_text("starts_at", vendor), calendar_ends=utc_text("ends_at", vendor)
    ).values_list("pk", "calendar_starts", "calendar_ends")[: cap + 1]
    sql, params = spans.query.get_compiler(using=qs.db).as_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found = len(rows)
    days = window.days
    # The instants the days start, and the window's end, in UTC: datetimes of one zone compare
    # without working out offsets.
    bounds = [day_start(day).astimezone(dt.UTC) for day in days]
    bounds.append(day_start(window.end).astimezone(dt.UTC))
    last = len(days) - 1
    firsts: list[list[int]] = [[] for _ in days]
    counts = [0] * len(days)
    for pk, starts_at, ends_at in utc_spans(rows[:cap], 1):
        # The day it starts (or the window's first), to the day before the one its end begins
        # (an end at midnight) or the day it ends, and at least the day it starts.
        first = bisect_right(bounds, starts_at) - 1
        until = max(first, bisect_left(bounds, ends_at) - 1)
        for i in range(max(first, 0), min(until, last) + 1):
            n = counts[i]
            if n < per_day:
                firsts[i].append(pk)
            counts[i] = n + 1
    return (
        {days[i]: set(ids) for i, ids in enumerate(firsts) if ids},
        {days[i]: n for i, n in enumerate(counts) if n},
        min(found, cap),
        found > cap,
    )


def calendar_for(
    user: Any, filters: ActivityFilters, window: Window, *, cap: int | None = None, per_day: int | None = None
) -> Calendar:
    """The window's days with the activities on each (at most `cap` activities).

    With `per_day`, a day lists its first `per_day` activities and counts the others (`Day.more`):
    a month of a national register holds thousands, and a page shows what a person can read. Then
    two queries: each day's first `per_day` ids and its count among the window's first `cap`
    (SPAN_CAP) activities (`_first_per_day`), and the shown activities."""
    if cap is None:
        cap = CAP if per_day is None else SPAN_CAP
    now_day = today()
    days = {
        d: Day(d, in_month=window.view != MONTH or d.month == window.anchor.month, is_today=d == now_day)
        for d in window.days
    }
    qs = activities_in(user, filters, window)
    zone = site_zone()
    shown: dict[int, list[tuple[dt.date, bool, bool]]] = {}  # activity id: (day, starts, ends)
    if per_day is None:
        loaded = list(qs[: cap + 1])
        capped = len(loaded) > cap
        loaded = loaded[:cap]
        total = len(loaded)
        window_last = window.last
        one_day = dt.timedelta(days=1)
        for a in loaded:
            first, last = local_day(a.starts_at, zone), _last_day(a.starts_at, a.ends_at, zone)
            day = max(first, window.start)
            end = min(last, window_last)
            while day <= end:
                shown.setdefault(a.pk, []).append((day, day == first, day == last))
                day += one_day
        activities = [a for a in loaded if a.pk in shown]
    else:
        firsts, counts, total, capped = _first_per_day(qs, window, cap=cap, per_day=per_day)
        for day, ids in firsts.items():
            days[day].more = counts[day] - len(ids)
        # Ids from the filtered query above: loading them again needs no access filter.
        wanted = {pk for ids in firsts.values() for pk in ids}
        activities = sorted(
            Activity.objects.filter(pk__in=wanted).select_related("city", "country"),
            key=lambda a: (a.starts_at, a.pk),
        )
        for a in activities:
            first, last = local_day(a.starts_at, zone), _last_day(a.starts_at, a.ends_at, zone)
            shown[a.pk] = [(day, day == first, day == last) for day in sorted(firsts) if a.pk in firsts[day]]
    detail_url = url_maker("activities:activity-detail")
    labels = EntryLabels.now()
    for activity in activities:
        local_start = activity.starts_at.astimezone(zone)
        local_end = activity.ends_at.astimezone(zone)
        url = detail_url(activity.pk)
        for day, starts_here, ends_here in shown[activity.pk]:
            days[day].entries.append(
                Entry(activity, day, starts_here, ends_here, local_start, local_end, url, labels)
            )
    for d in days.values():
        if d.more:
            d.more_url = day_url(d.day, filters)
    return Calendar(
        window=window,
        filters=filters,
        activities=activities,
        days=list(days.values()),
        capped=capped,
        more_url=list_url(window_filters(filters), window),
        total=total,
        cap=cap,
    )

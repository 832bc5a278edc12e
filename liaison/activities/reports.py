"""Counts and warnings over the activities register, for the protocol officer.

Counts: every number is the length of a list — it is computed through `selectors.filtered` with
exactly the filters its link carries to the activity list (`Cell.url`), so following a number
always shows that many activities. A bounded number of queries: one per group (total and pillars
by conditional aggregation), one grouped query for all kinds, one per group for the countries,
and one for the countries' names.

Warnings (what needs the protocol officer's attention), always among what the user may read:
1. the same person in two activities at overlapping times (from the derived `Participation`
   rows; a delegation member only where the user may see the delegation's composition);
2. two high-level incoming delegations in the same city on the same day (site's zone);
3. an activity over but still proposed.
`warnings_in_range` serves the warnings page and API, `warnings_for_activity` an activity's page.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from django.db import models
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, prefetch_related_objects
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from liaison.activities import participation, selectors
from liaison.activities.calendar import (
    FIRST_YEAR,
    LAST_YEAR,
    filter_params,
    last_day,
    local_day,
    parse_date,
    today,
)
from liaison.activities.models import (
    INACTIVE_STATUSES,
    INCOMING_KINDS,
    LONG_RUNNING,
    Activity,
    ActivityKind,
    ActivityStatus,
    DelegationMember,
    Participation,
    overlap_q,
    pillar_q,
)
from liaison.activities.permissions import approved_or_sending_side_q, sees_composition
from liaison.activities.selectors import GROUPS, ActivityFilters, day_start, site_zone
from liaison.core.access import Action, can_change, can_read, policy_fields, under_embargo, visible_q
from liaison.core.expressions import in_ids
from liaison.core.listed_names import attach_names, names_of
from liaison.core.models import Classification, Pillar
from liaison.directory.models import Country, Organisation, Person, PersonName, display_name

# --- Counts ------------------------------------------------------------------------------------

# The counts start at the 13th Party Congress (January 2021) unless asked otherwise.
DEFAULT_FROM = dt.date(2021, 1, 1)
ALL = ""  # the key of the row counting every activity that passes the filters


@dataclass(frozen=True)
class Cell:
    """A number and the activity list it counts."""

    value: int
    filters: ActivityFilters

    @property
    def url(self) -> str:
        return list_url(self.filters)

    @property
    def query(self) -> str:
        return urlencode(filter_params(self.filters))


@dataclass(frozen=True)
class CountRow:
    key: str  # a group's name (or ALL), or an activity kind
    label: str
    total: Cell
    pillars: tuple[Cell, ...]  # in the order of `Counts.pillars`


@dataclass(frozen=True)
class CountryCount:
    code: str
    name: str
    cell: Cell


@dataclass(frozen=True)
class CountryBreakdown:
    key: str
    label: str
    total: Cell
    countries: tuple[CountryCount, ...]


@dataclass(frozen=True)
class Counts:
    filters: ActivityFilters
    pillars: tuple[tuple[str, str], ...]  # (value, label) of the pillar columns
    groups: tuple[CountRow, ...]
    kinds: tuple[CountRow, ...]
    countries: tuple[CountryBreakdown, ...]


def list_url(filters: ActivityFilters) -> str:
    return f"{reverse('activities:activity-list')}?{urlencode(filter_params(filters))}"


def counts_filters(params: Any) -> ActivityFilters:
    """The list filters of `params`, with the dates defaulting to 1 Jan 2021 … today (and kept
    within FIRST_YEAR … LAST_YEAR)."""
    filters = selectors.filters_from(params)
    return replace(
        filters,
        date_from=_bounded(filters.date_from or DEFAULT_FROM),
        date_to=_bounded(filters.date_to or today()),
        sort="-start",
    )


def _bounded(day: dt.date) -> dt.date:
    """A date within the years the register can hold (year 1 or 9999 would overflow the zone)."""
    return min(max(day, dt.date(FIRST_YEAR, 1, 1)), dt.date(LAST_YEAR, 12, 31))


def _pillar_columns(filters: ActivityFilters) -> list[str]:
    # With a pillar chosen, another pillar's column would link to a list without that choice.
    return [filters.pillar] if filters.pillar else list(Pillar.values)


def _aggregates(pillars: list[str]) -> dict[str, Any]:
    return {
        "total": Count("pk"),
        **{f"pillar_{p}": Count("pk", filter=pillar_q(p)) for p in pillars},
    }


def _row(
    key: str, label: str, filters: ActivityFilters, values: dict[str, Any], pillars: list[str]
) -> CountRow:
    return CountRow(
        key=key,
        label=label,
        total=Cell(values.get("total") or 0, filters),
        pillars=tuple(Cell(values.get(f"pillar_{p}") or 0, replace(filters, pillar=p)) for p in pillars),
    )


def _country_pairs(qs: QuerySet[Activity]) -> set[tuple[int, int]]:
    """(country, activity) for the place's country and each counterpart country (one query)."""
    through = Activity.counterpart_countries.through
    place = qs.exclude(country=None).order_by().values_list("country_id", "pk")
    counterparts = (
        through.objects.filter(activity_id__in=qs.order_by().values("pk"))
        .order_by()
        .values_list("country_id", "activity_id")
    )
    return set(place.union(counterparts).order_by())


def counts(user: Any, filters: ActivityFilters) -> Counts:
    """The counts table for `filters` (see the module's docstring)."""
    pillars = _pillar_columns(filters)
    groups: list[tuple[str, Any]]
    if filters.group:
        groups = [(filters.group, GROUPS[filters.group][0])]
    else:
        groups = [(ALL, gettext_lazy("All activities")), *((k, v[0]) for k, v in GROUPS.items())]
    group_rows: list[CountRow] = []
    pairs: dict[str, set[tuple[int, int]]] = {}
    for key, label in groups:
        group_filters = replace(filters, group=key)
        qs = selectors.filtered(user, group_filters)
        group_rows.append(_row(key, str(label), group_filters, qs.aggregate(**_aggregates(pillars)), pillars))
        pairs[key] = _country_pairs(qs)

    by_kind = {
        row["kind"]: dict(row)
        for row in selectors.filtered(user, filters)
        .order_by()
        .values("kind")
        .annotate(**_aggregates(pillars))
    }
    kinds = [k for k in ActivityKind.values if not filters.kinds or k in filters.kinds]
    kind_rows = [
        _row(k, str(ActivityKind(k).label), replace(filters, kinds=(k,)), by_kind.get(k, {}), pillars)
        for k in kinds
    ]

    ids = {country_id for found in pairs.values() for country_id, _activity in found}
    if filters.country:
        # With a country chosen, another country's link would drop that choice.
        ids = set(
            Country.objects.filter(code=filters.country.upper(), pk__in=ids).values_list("pk", flat=True)
        )
    language = get_language() or "en"
    names = {c.pk: c for c in Country.objects.filter(pk__in=ids)}
    breakdowns = []
    for row in group_rows:
        per_country: dict[int, int] = defaultdict(int)
        for country_id, _activity in pairs[row.key]:
            if country_id in names:
                per_country[country_id] += 1
        cells = [
            CountryCount(
                code=names[cid].code,
                name=names[cid].name_in(language),
                cell=Cell(n, replace(row.total.filters, country=names[cid].code)),
            )
            for cid, n in per_country.items()
        ]
        cells.sort(key=lambda c: (-c.cell.value, c.name))
        breakdowns.append(CountryBreakdown(row.key, row.label, row.total, tuple(cells)))
    return Counts(
        filters=filters,
        pillars=tuple((p, str(Pillar(p).label)) for p in pillars),
        groups=tuple(group_rows),
        kinds=tuple(kind_rows),
        countries=tuple(breakdowns),
    )


def counts_table(result: Counts) -> tuple[list[str], list[list[str]]]:
    """The counts as one table (for CSV): the groups, the kinds, then each group's countries."""
    columns = [_("Table"), _("Row"), _("Code"), _("Total"), *(label for _p, label in result.pillars)]
    rows: list[list[str]] = []
    for section, count_rows in ((_("Groups"), result.groups), (_("Kinds"), result.kinds)):
        for row in count_rows:
            rows.append(
                [section, row.label, row.key, str(row.total.value), *(str(c.value) for c in row.pillars)]
            )
    for breakdown in result.countries:
        for country in breakdown.countries:
            section = _("Countries: %(group)s") % {"group": breakdown.label}
            rows.append(
                [section, country.name, country.code, str(country.cell.value), *("" for _p in result.pillars)]
            )
    return columns, rows


# --- Warnings ----------------------------------------------------------------------------------

# At most this many warnings are returned (the page says when there were more).
MAX_WARNINGS = 500
# At most this many rows are read for one kind of warning (keeps a crowded range bounded).
ROW_CAP = 5000
# The longest range the warnings look at, in days.
MAX_RANGE_DAYS = 366
WARNING_DAYS = 90  # the page's default range: today … +90 days


class WarningKind(models.TextChoices):
    DOUBLE_BOOKED = "double_booked", gettext_lazy("Same person in two places at once")
    SAME_CITY_DAY = "same_city_day", gettext_lazy("Two high-level delegations in one city on one day")
    PAST_PROPOSED = "past_proposed", gettext_lazy("Over but still proposed")


@dataclass(frozen=True)
class RelatedActivity:
    id: int
    title: str
    url: str
    starts_at: dt.datetime
    ends_at: dt.datetime


@dataclass(frozen=True)
class Warning:
    """Something that needs attention, with the activities (and person) it is about.

    `message` is translated into the active language. In `warnings_in_range`, `related` holds
    every activity involved; in `warnings_for_activity`, the *other* activities only (none for a
    past proposed activity)."""

    kind: str
    message: str
    related: tuple[RelatedActivity, ...] = ()
    person_id: int | None = None
    person_name: str = ""
    person_url: str = ""
    day: dt.date | None = None
    at: dt.datetime | None = None  # when the problem begins (orders the list)

    @property
    def kind_label(self) -> str:
        return str(WarningKind(self.kind).label)

    @property
    def activity_ids(self) -> list[int]:
        return [a.id for a in self.related]

    @property
    def activity_urls(self) -> list[str]:
        return [a.url for a in self.related]

    @property
    def urls(self) -> list[str]:
        return self.activity_urls


class WarningList(list[Warning]):
    """The warnings found; `capped` when there were more than could be returned."""

    capped: bool = False


def _related(activity: Activity, language: str) -> RelatedActivity:
    return RelatedActivity(
        id=activity.pk,
        title=activity.title_in(language),
        url=activity.get_absolute_url(),
        starts_at=activity.starts_at,
        ends_at=activity.ends_at,
    )


def _when(moment: dt.datetime) -> str:
    return formats.date_format(moment.astimezone(site_zone()), "SHORT_DATETIME_FORMAT")


def _day(day: dt.date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


# 1. The same person in two activities at overlapping times.


def participations_for(user: Any) -> QuerySet[Participation]:
    """Active participation rows the user may know of: in activities and of people the user may
    read, and for a delegation member only where the user may see the delegation's composition."""
    members_seen = Exists(
        DelegationMember.objects.filter(
            activity_id=OuterRef("activity_id"), person_id=OuterRef("person_id")
        ).filter(approved_or_sending_side_q(user, prefix="delegation__"))
    )
    return (
        Participation.objects.filter(active=True)
        .filter(visible_q(user, Activity, prefix="activity__"))
        .filter(visible_q(user, Person, prefix="person__"))
        .filter(
            ~Q(capacity=participation.MEMBER)
            | members_seen
            | visible_q(user, Activity, action=Action.CHANGE, prefix="activity__")
        )
    )


@dataclass(frozen=True)
class _Clash:
    person_id: int
    first: int
    second: int
    at: dt.datetime


def _clashes(
    user: Any, start: dt.datetime, end: dt.datetime, *, activity: Activity | None = None
) -> tuple[list[_Clash], bool]:
    """Pairs of activities sharing a person at overlapping times between `start` and `end`."""
    if activity is not None:
        of_one = _clashes_of(user, activity, start, end)
        return of_one.clashes, of_one.capped
    base = participations_for(user)
    in_range = overlap_q(Participation, start, end)
    partner = (
        base.filter(in_range)
        .filter(
            person_id=OuterRef("person_id"),
            starts_at__lt=OuterRef("ends_at"),
            ends_at__gt=OuterRef("starts_at"),
        )
        .exclude(activity_id=OuterRef("activity_id"))
    )
    rows = base.filter(in_range).filter(Exists(partner))
    found = list(
        rows.order_by("person_id", "starts_at", "activity_id").values_list(
            "person_id", "activity_id", "starts_at", "ends_at"
        )[: ROW_CAP + 1]
    )
    capped = len(found) > ROW_CAP
    return _pairs(found[:ROW_CAP], activity=None), capped


def _pairs(found: list[tuple[Any, ...]], *, activity: Activity | None) -> list[_Clash]:
    """The clashes among participation rows (person, activity, start, end) ordered by person; with
    `activity`, only those involving it."""
    clashes: dict[tuple[int, int, int], _Clash] = {}
    for person_id, person_rows in itertools.groupby(found, key=lambda r: r[0]):
        listed = list(person_rows)
        for i, (_p, a1, s1, e1) in enumerate(listed):
            for _p2, a2, s2, e2 in listed[i + 1 :]:
                if a1 == a2 or not (s1 < e2 and s2 < e1):
                    continue
                if activity is not None and activity.pk not in (a1, a2):
                    continue
                key = (person_id, min(a1, a2), max(a1, a2))
                moment = max(s1, s2)
                if key not in clashes or moment < clashes[key].at:
                    clashes[key] = _Clash(person_id, key[1], key[2], moment)
    return sorted(clashes.values(), key=lambda c: (c.at, c.person_id, c.first, c.second))


@dataclass
class _ClashesOf:
    """The clashes of one activity, with the people and other activities they name (loaded)."""

    clashes: list[_Clash]
    capped: bool
    people: dict[int, Person] = field(default_factory=dict)
    activities: dict[int, Activity] = field(default_factory=dict)


def _clashes_of(user: Any, activity: Activity, start: dt.datetime, end: dt.datetime) -> _ClashesOf:
    """The clashes involving one activity, in light queries instead of the range's self-join: the
    activity's people; their rows between `start` and `end` (by the (person, start) index, no
    access filter), paired here; then, of the rows in a pair, those the user may know of
    (`_known_rows`: the rule of `participations_for`); the pairs are made again from those alone."""
    people = list(
        Participation.objects.filter(activity_id=activity.pk, active=True)
        .order_by()
        .values_list("person_id", flat=True)
        .distinct()
    )
    if not people:
        return _ClashesOf([], False)
    # Each person's rows are a range of the (person, start) index bounded on both sides: those
    # that are not long-running start at most LONG_RUNNING before `start`. The long-running ones
    # that started earlier are few whoever they are: read from their own index, then kept here.
    near = start - LONG_RUNNING
    columns = ("pk", "person_id", "activity_id", "starts_at", "ends_at", "capacity")
    rows = list(
        Participation.objects.filter(
            in_ids("person_id", people),
            active=True,
            starts_at__gte=near,
            starts_at__lt=end,
            ends_at__gt=start,
        )
        .order_by("person_id", "starts_at", "activity_id")
        .values_list(*columns)[: ROW_CAP + 1]
    )
    wanted_people = set(people)
    rows += [
        r
        for r in Participation.objects.filter(
            active=True, long_running=True, starts_at__lt=near, ends_at__gt=start
        )
        .order_by()
        .values_list(*columns)
        if r[1] in wanted_people
    ]
    rows.sort(key=lambda r: (r[1], r[3], r[2]))
    capped = len(rows) > ROW_CAP
    rows = rows[:ROW_CAP]
    candidates = _pairs([r[1:5] for r in rows], activity=activity)
    if not candidates:
        return _ClashesOf([], capped)
    involved = {(c.person_id, a) for c in candidates for a in (c.first, c.second)}
    found = _ClashesOf([], capped)
    known = _known_rows(user, [r for r in rows if (r[1], r[2]) in involved], found)
    found.clashes = _pairs([r[1:5] for r in rows if r[0] in known], activity=activity)
    return found


def _known_rows(user: Any, rows: list[tuple[Any, ...]], found: _ClashesOf) -> set[int]:
    """Of these active participation rows (pk, person, activity, start, end, capacity), those the
    user may know of: the rule of `participations_for`. The few activities and people involved
    are loaded (the warnings name them) and asked of the policy one by one (`core.access.can`),
    and delegation members of their delegations (`sees_composition`), instead of compiling the
    policy into one statement (on PostgreSQL, hashing every organisation and share)."""
    # The columns the policy and the warnings read (an activity's summaries and the rest stay out).
    activities = {
        a.pk: a
        for a in Activity.objects.filter(pk__in={r[2] for r in rows})
        .select_related("owner")
        .only(*policy_fields(Activity), "title_en", "title_vi", "title_ar", "starts_at", "ends_at")
    }
    people = {
        p.pk: p
        for p in Person.objects.filter(pk__in={r[1] for r in rows})
        .select_related("owner")
        .only(*policy_fields(Person), "sort_name")
    }
    # The organisations they are shared with, for those whose readers depend on it.
    shared = Prefetch("shared_with", queryset=Organisation.objects.only("path"))
    prefetch_related_objects([a for a in activities.values() if _needs_shares(a)], shared)
    prefetch_related_objects([p for p in people.values() if _needs_shares(p)], shared)
    found.activities = {pk: a for pk, a in activities.items() if can_read(user, a)}
    found.people = {pk: p for pk, p in people.items() if can_read(user, p)}
    attach_names(found.people.values())  # their names as rows (`names_of`), one query
    changed = {pk for pk, a in found.activities.items() if can_change(user, a)}
    members = [
        r
        for r in rows
        if r[5] == participation.MEMBER
        and r[2] in found.activities
        and r[1] in found.people
        and r[2] not in changed
    ]
    composition_seen: set[tuple[int, int]] = set()
    if members:
        composition_seen = {
            (activity_id, person_id)
            for activity_id, person_id, status, path in DelegationMember.objects.filter(
                activity_id__in={r[2] for r in members}, person_id__in={r[1] for r in members}
            )
            .order_by()
            .values_list(
                "activity_id", "person_id", "delegation__composition_status", "delegation__organisation__path"
            )
            if sees_composition(user, status, path)
        }
    return {
        r[0]
        for r in rows
        if r[2] in found.activities
        and r[1] in found.people
        and (r[5] != participation.MEMBER or r[2] in changed or (r[2], r[1]) in composition_seen)
    }


def _needs_shares(record: Any) -> bool:
    """Does reading this record depend on the organisations it is shared with (`core.access`)?"""
    return record.classification >= Classification.RESTRICTED or under_embargo(record)


def _people(ids: set[int]) -> dict[int, Person]:
    names = PersonName.objects.only("value", "language", "kind", "person_id").order_by("id")
    return {
        p.pk: p for p in Person.objects.filter(pk__in=ids).prefetch_related(Prefetch("names", queryset=names))
    }


def _activities(ids: set[int]) -> dict[int, Activity]:
    return {a.pk: a for a in Activity.objects.filter(pk__in=ids).select_related("city")}


def _clash_warnings(
    clashes: list[_Clash],
    language: str,
    *,
    activity: Activity | None,
    people: dict[int, Person] | None = None,
    loaded: dict[int, Activity] | None = None,
) -> list[Warning]:
    """The warnings of these clashes; `people` and `loaded` (activities), when given, hold every
    person and activity they name."""
    if people is None:
        people = _people({c.person_id for c in clashes})
    if loaded is None:
        loaded = _activities({a for c in clashes for a in (c.first, c.second)})
    warnings = []
    for clash in clashes:
        person = people[clash.person_id]
        name = display_name(names_of(person), language) or str(person)
        first, second = loaded[clash.first], loaded[clash.second]
        if activity is None:
            message = _(
                "%(person)s is expected at “%(first)s” and at “%(second)s” at overlapping times "
                "(from %(when)s)."
            ) % {
                "person": name,
                "first": first.title_in(language),
                "second": second.title_in(language),
                "when": _when(clash.at),
            }
            related: tuple[Activity, ...] = (first, second)
        else:
            other = second if first.pk == activity.pk else first
            message = _(
                "%(person)s is also expected at “%(other)s” at an overlapping time (from %(when)s)."
            ) % {
                "person": name,
                "other": other.title_in(language),
                "when": _when(clash.at),
            }
            related = (other,)
        warnings.append(
            Warning(
                kind=WarningKind.DOUBLE_BOOKED,
                message=message,
                related=tuple(_related(a, language) for a in related),
                person_id=person.pk,
                person_name=name,
                person_url=reverse("directory:person-detail", args=[person.pk]),
                day=local_day(clash.at),
                at=clash.at,
            )
        )
    return warnings


# 2. Two high-level incoming delegations in the same city on the same day.


def _incoming_high_level(user: Any) -> QuerySet[Activity]:
    return (
        selectors.visible_activities(user)
        .filter(high_level=True, kind__in=INCOMING_KINDS, city__isnull=False)
        .exclude(status__in=INACTIVE_STATUSES)
    )


def _days(activity: Activity, first: dt.date, last: dt.date) -> list[dt.date]:
    day, end = max(local_day(activity.starts_at), first), min(last_day(activity), last)
    return [day + dt.timedelta(days=i) for i in range((end - day).days + 1)]


def _same_city_warnings(
    candidates: list[Activity], first: dt.date, last: dt.date, language: str, *, activity: Activity | None
) -> list[Warning]:
    by_place: dict[tuple[int, dt.date], list[Activity]] = defaultdict(list)
    for candidate in candidates:
        for day in _days(candidate, first, last):
            by_place[(candidate.city_id or 0, day)].append(candidate)
    seen: set[tuple[int, int]] = set()
    warnings = []
    for (_city, day), together in sorted(by_place.items(), key=lambda item: item[0][1]):
        for a, b in itertools.combinations(together, 2):
            pair = (min(a.pk, b.pk), max(a.pk, b.pk))
            if pair in seen or (activity is not None and activity.pk not in pair):
                continue
            seen.add(pair)
            a, b = sorted((a, b), key=lambda x: (x.starts_at, x.pk))
            assert a.city is not None
            city = a.city.name_in(language)
            if activity is None:
                message = _(
                    "Two high-level delegations in %(city)s on %(day)s: “%(first)s” and “%(second)s”."
                ) % {
                    "city": city,
                    "day": _day(day),
                    "first": a.title_in(language),
                    "second": b.title_in(language),
                }
                related: tuple[Activity, ...] = (a, b)
            else:
                other = b if a.pk == activity.pk else a
                message = _("Another high-level delegation is in %(city)s on %(day)s: “%(other)s”.") % {
                    "city": city,
                    "day": _day(day),
                    "other": other.title_in(language),
                }
                related = (other,)
            warnings.append(
                Warning(
                    kind=WarningKind.SAME_CITY_DAY,
                    message=message,
                    related=tuple(_related(x, language) for x in related),
                    day=day,
                    at=day_start(day),
                )
            )
    return warnings


# 3. Over but still proposed.


def _past_proposed_warning(activity: Activity, language: str, *, own: bool) -> Warning:
    if own:
        message = _("This activity ended on %(day)s but is still proposed: record what happened.") % {
            "day": _day(last_day(activity))
        }
    else:
        message = _("“%(title)s” ended on %(day)s but is still proposed.") % {
            "title": activity.title_in(language),
            "day": _day(last_day(activity)),
        }
    return Warning(
        kind=WarningKind.PAST_PROPOSED,
        message=message,
        related=() if own else (_related(activity, language),),
        day=last_day(activity),
        at=activity.ends_at,
    )


# The two entry points.


def range_bounds(date_from: dt.date, date_to: dt.date) -> tuple[dt.date, dt.date]:
    """The days the warnings look at: at most MAX_RANGE_DAYS from `date_from`."""
    return date_from, min(date_to, date_from + dt.timedelta(days=MAX_RANGE_DAYS - 1))


def warning_range(params: Any) -> tuple[dt.date, dt.date, bool]:
    """`?from=&to=` (default today … +90 days; bad dates fall back to these), shortened to
    `MAX_RANGE_DAYS`; and whether it had to be shortened."""
    start = parse_date(params.get("from"), today())
    end = parse_date(params.get("to"), start + dt.timedelta(days=WARNING_DAYS))
    _start, shortened_end = range_bounds(start, end)
    return start, shortened_end, shortened_end != end


def warnings_in_range(user: Any, date_from: dt.date, date_to: dt.date) -> WarningList:
    """Warnings about the days `date_from` … `date_to` (site zone; at most MAX_RANGE_DAYS):
    double bookings and crowded cities on those days, and every activity that ended (before now
    and before the range's end) while still proposed. At most MAX_WARNINGS; `capped` says if
    there were more."""
    result = WarningList()
    if date_to < date_from:
        return result
    date_from, date_to = range_bounds(date_from, date_to)
    start, end = day_start(date_from), day_start(date_to + dt.timedelta(days=1))
    language = get_language() or "en"

    clashes, clashes_capped = _clashes(user, start, end)
    found = _clash_warnings(clashes[: MAX_WARNINGS + 1], language, activity=None)

    candidates = list(
        _incoming_high_level(user)
        .filter(overlap_q(Activity, start, end))
        .select_related("city")
        .order_by("starts_at", "id")[: ROW_CAP + 1]
    )
    found += _same_city_warnings(candidates[:ROW_CAP], date_from, date_to, language, activity=None)

    stale = list(
        selectors.visible_activities(user)
        .filter(status=ActivityStatus.PROPOSED, ends_at__lt=min(timezone.now(), end))
        .order_by("-starts_at", "-id")[: MAX_WARNINGS + 1]
    )
    found += [_past_proposed_warning(a, language, own=False) for a in stale]

    result.extend(found[:MAX_WARNINGS])
    result.capped = (
        clashes_capped or len(candidates) > ROW_CAP or len(stale) > MAX_WARNINGS or len(found) > MAX_WARNINGS
    )
    return result


def warnings_for_activity(user: Any, activity: Activity) -> list[Warning]:
    """Warnings about one activity the user may read (an empty list for one they may not):
    people of it also expected elsewhere at the same time, another high-level incoming
    delegation in its city on one of its days, and its being over while still proposed.
    Each warning's `related` lists the *other* activities involved."""
    if not can_read(user, activity):
        return []
    language = get_language() or "en"
    found = _clashes_of(user, activity, activity.starts_at, activity.ends_at)
    warnings = _clash_warnings(
        found.clashes[:MAX_WARNINGS],
        language,
        activity=activity,
        people=found.people,
        loaded=found.activities,
    )
    if (
        activity.high_level
        and activity.kind in INCOMING_KINDS
        and activity.city_id is not None
        and activity.status not in INACTIVE_STATUSES
    ):
        first, last = local_day(activity.starts_at), last_day(activity)
        candidates = list(
            _incoming_high_level(user)
            .filter(city_id=activity.city_id)
            .filter(overlap_q(Activity, day_start(first), day_start(last + dt.timedelta(days=1))))
            .select_related("city")
            .order_by("starts_at", "id")[:ROW_CAP]
        )
        if activity.pk not in {c.pk for c in candidates}:
            candidates.append(activity)
        warnings += _same_city_warnings(candidates, first, last, language, activity=activity)
    if activity.status == ActivityStatus.PROPOSED and activity.ends_at < timezone.now():
        warnings.append(_past_proposed_warning(activity, language, own=True))
    return warnings[:MAX_WARNINGS]

"""Deadlines counted in calendar days or in a country's working days.

A country's working calendar is its weekend days and its holidays (`WorkingCalendar`, `Holiday`,
maintained by users); a country without one rests on Saturday and Sunday and has no holidays.
The engine asks for many deadlines in a row, so `Calendars` reads every calendar once and is
reused for as long as the calendars do not change (`stamp`).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from django.db.models import Count, Max

from liaison.coordination.models import DayBasis, Holiday, WorkingCalendar

DEFAULT_WEEKEND = frozenset({5, 6})


@dataclass(frozen=True)
class Calendar:
    weekend: frozenset[int] = DEFAULT_WEEKEND
    holidays: frozenset[dt.date] = frozenset()

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() not in self.weekend and day not in self.holidays

    def working_days_before(self, day: dt.date, count: int) -> dt.date:
        """The date `count` working days before `day` (`day` itself not counted)."""
        if len(self.weekend) >= 7:
            return day - dt.timedelta(days=count)
        while count > 0:
            day -= dt.timedelta(days=1)
            if self.is_working_day(day):
                count -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end` (negative when `end` is earlier)."""
        sign = 1
        if end < start:
            start, end, sign = end, start, -1
        days = 0
        day = start
        while day < end:
            day += dt.timedelta(days=1)
            days += self.is_working_day(day)
        return sign * days


@dataclass
class Calendars:
    """Every country's working calendar, by country id."""

    by_country: dict[int, Calendar] = field(default_factory=dict)
    stamp: tuple[object, ...] = ()

    def of(self, country_id: int | None) -> Calendar:
        return self.by_country.get(country_id or 0, Calendar())


def current_stamp() -> tuple[object, ...]:
    calendars = WorkingCalendar.objects.aggregate(n=Count("id"), at=Max("updated_at"))
    holidays = Holiday.objects.aggregate(n=Count("id"), at=Max("updated_at"))
    return (calendars["n"], calendars["at"], holidays["n"], holidays["at"])


_loaded = Calendars()


def calendars() -> Calendars:
    """The calendars as they are now (read again only when one changed)."""
    global _loaded
    stamp = current_stamp()
    if stamp != _loaded.stamp:
        holidays: dict[int, set[dt.date]] = {}
        for calendar_id, day in Holiday.objects.values_list("calendar_id", "date"):
            holidays.setdefault(calendar_id, set()).add(day)
        by_country = {
            country_id: Calendar(
                weekend=frozenset(int(d) for d in weekend.split(",") if d.strip()),
                holidays=frozenset(holidays.get(pk, ())),
            )
            for pk, country_id, weekend in WorkingCalendar.objects.values_list("pk", "country_id", "weekend")
        }
        _loaded = Calendars(by_country=by_country, stamp=stamp)
    return _loaded


def deadline(
    starts_at: dt.datetime, days: int, *, basis: str, calendar: Calendar, time_zone: str
) -> dt.datetime:
    """The moment `days` (calendar or working) days before `starts_at`, at the same local time.

    Working days are counted back from the activity's local start date in `calendar`.
    """
    if basis == DayBasis.CALENDAR or days == 0:
        return starts_at - dt.timedelta(days=days)
    try:
        zone = zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    local = starts_at.astimezone(zone)
    day = calendar.working_days_before(local.date(), days)
    return dt.datetime.combine(day, local.timetz()).replace(tzinfo=zone)

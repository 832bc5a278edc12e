"""A plan's reporting periods: calendar quarters, half-years or years overlapping its period,
clipped to it, each due a number of days after it ends."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from liaison.implementation.models import MONTHS_IN, Frequency, period_label


@dataclass(frozen=True)
class PeriodSpec:
    label: str
    starts_on: dt.date
    ends_on: dt.date
    due_on: dt.date


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def periods_for(
    *, starts_on: dt.date, ends_on: dt.date, frequency: str, report_within_days: int
) -> list[PeriodSpec]:
    months = MONTHS_IN[Frequency(frequency)]
    first_month = (starts_on.month - 1) // months * months + 1
    cursor = dt.date(starts_on.year, first_month, 1)
    specs = []
    while cursor <= ends_on:
        following = _add_months(cursor, months)
        start = max(cursor, starts_on)
        end = min(following - dt.timedelta(days=1), ends_on)
        specs.append(
            PeriodSpec(
                label=period_label(frequency, cursor),
                starts_on=start,
                ends_on=end,
                due_on=end + dt.timedelta(days=report_within_days),
            )
        )
        cursor = following
    return specs


def current_label(frequency: str, day: dt.date) -> str:
    return period_label(frequency, day)

"""Builders for activity tests (every module that reads activities may use them)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any
from zoneinfo import ZoneInfo

from liaison.accounts.models import User
from liaison.activities import services
from liaison.activities.models import Activity, ActivityKind
from liaison.core.audit import acting_as
from liaison.core.models import Classification
from liaison.core.testing import make_superuser
from liaison.directory.models import Organisation

_counter = itertools.count(1)
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 0, tz: Any = HANOI) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=tz)


def make_activity(
    title: str | None = None,
    *,
    lead: Organisation,
    kind: str = ActivityKind.MEETING,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    classification: int = Classification.INTERNAL,
    by: User | None = None,
    **extra: Any,
) -> Activity:
    by = by or User.objects.filter(is_superuser=True).first() or make_superuser(f"aroot{next(_counter)}")
    start = starts_at or at(2023, 12, 19)
    with acting_as(by, via="test"):
        return services.create_activity(
            by=by,
            data=services.ActivityInput(
                kind=kind,
                lead_organisation=lead,
                starts_at=start,
                ends_at=ends_at or start + dt.timedelta(hours=3),
                title_en=title or f"Activity {next(_counter)}",
                classification=classification,
                **extra,
            ),
        )

"""Checks shared by the activity services: each failure is a field-level `ValidationError`."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import formats
from django.utils.translation import gettext as _

from liaison.directory.models import Locality


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("You may not make this change."))


def zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            {
                "time_zone": [
                    _("“%(zone)s” is not a time zone; use a name such as Asia/Ho_Chi_Minh.") % {"zone": name}
                ]
            }
        ) from None


def check_order(start: Any, end: Any, *, end_field: str) -> None:
    if start is not None and end is not None and end < start:
        raise ValidationError({end_field: [_("The end must not be before the start.")]})


def local_date(moment: dt.datetime, time_zone: str) -> dt.date:
    return moment.astimezone(zone(time_zone)).date()


def check_locality_on(locality: Locality | None, day: dt.date, *, field: str) -> None:
    """A locality must have existed on the record's date (provinces were merged in 2025)."""
    if locality is None:
        return
    started = locality.valid_from is None or locality.valid_from <= day
    ended = locality.valid_to is not None and locality.valid_to < day
    if started and not ended:
        return
    when = formats.date_format(day, "DATE_FORMAT")
    if ended:
        successors = ", ".join(str(s) for s in locality.successors.all()[:3])
        message = _("%(place)s no longer existed on %(date)s") % {"place": locality, "date": when}
        if successors:
            message += " " + _("(it became part of %(successors)s).") % {"successors": successors}
        else:
            message += "."
    else:
        message = _("%(place)s did not exist yet on %(date)s.") % {"place": locality, "date": when}
    raise ValidationError({field: [message]})


def check_session_within(
    start: dt.datetime, end: dt.datetime, *, outer_start: dt.datetime, outer_end: dt.datetime
) -> None:
    """A session must take place within its conference."""
    errors: dict[str, list[str]] = {}
    if start < outer_start or start > outer_end:
        errors["starts_at"] = [_("A session must start within its conference's dates.")]
    if end > outer_end or end < outer_start:
        errors["ends_at"] = [_("A session must end within its conference's dates.")]
    if errors:
        raise ValidationError(errors)

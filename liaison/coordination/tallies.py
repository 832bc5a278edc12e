"""Running tallies of first notices for the health figures (`NoticeTally`).

`add(notices)` is called in the transaction that writes them; one upsert statement per batch
increments the counters (`INSERT … ON CONFLICT … DO UPDATE SET count = count + excluded.count`,
the same on PostgreSQL and SQLite), so concurrent workers cannot lose a count. `rebuild()`
recounts from the notices (after notices were written some other way).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from liaison.coordination.models import Notice, NoticeKind, NoticeTally

Key = tuple[int, int, int, dt.date, int, bool]


def month_of(moment: dt.datetime) -> dt.date:
    """The first day of the month `moment` falls in, in the site's time zone."""
    return timezone.localtime(moment).date().replace(day=1)


def lead_days(starts_at: dt.datetime, sent_at: dt.datetime) -> int:
    return math.floor((starts_at - sent_at).total_seconds() / 86400)


def key_of(notice: Notice) -> Key:
    """Only the engine's notices are tallied: they all have an agreement."""
    assert notice.agreement_id is not None
    return (
        notice.agreement_id,
        notice.source_id,
        notice.recipient_id,
        month_of(notice.starts_at),
        lead_days(notice.starts_at, notice.sent_at),
        notice.late,
    )


def add(notices: Iterable[Notice]) -> None:
    counts = Counter(key_of(n) for n in notices if n.kind == NoticeKind.NEW)
    _increment(counts)


def _increment(counts: Counter[Key]) -> None:
    if not counts:
        return
    table = NoticeTally._meta.db_table
    columns = "agreement_id, source_id, recipient_id, month, lead_days, late, count"
    rows = list(counts.items())
    for start in range(0, len(rows), 500):
        chunk = rows[start : start + 500]
        values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(chunk))
        params: list[Any] = []
        for key, count in chunk:
            params += [*key, count]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {values} "  # noqa: S608 - table name from the model
                "ON CONFLICT (agreement_id, source_id, recipient_id, month, lead_days, late) "
                f"DO UPDATE SET count = {table}.count + excluded.count",
                params,
            )


@transaction.atomic
def rebuild() -> int:
    """Recount every tally from the first notices; how many tallies there are."""
    NoticeTally.objects.all().delete()
    counts: Counter[Key] = Counter()
    rows = Notice.objects.filter(kind=NoticeKind.NEW).values_list(
        "agreement_id", "source_id", "recipient_id", "starts_at", "sent_at", "late"
    )
    for agreement_id, source_id, recipient_id, starts_at, sent_at, late in rows.iterator(chunk_size=5000):
        counts[
            (agreement_id, source_id, recipient_id, month_of(starts_at), lead_days(starts_at, sent_at), late)
        ] += 1
    _increment(counts)
    return len(counts)

"""A member's status from their dated events, by the status rules an administrator keeps.

The rules work as CiviCRM's membership status rules do, on events instead of a start and an end
date: a rule says "an event of this kind sets this status, so many days after the event". An
event's rules take effect in order of their delays; a later event that has rules of its own
supersedes the earlier event's outcomes from its date on (an event without rules, such as a
temporary release, changes nothing). The status on a day is the last outcome in effect by then.

`status_on` is pure; `refresh` stores the result on members and logs every change with its cause
(an event recorded, the rules changed, or time passed — the daily sweep in `tasks.py`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from liaison.core import audit
from liaison.membership import counters
from liaison.membership.models import (
    PRESENT,
    EventKind,
    Member,
    MemberEvent,
    MemberStatus,
    StatusChange,
    StatusRule,
)

# The rules a new installation starts with (`liaison migrate` loads them; administrators change them).
DEFAULT_RULES: tuple[tuple[str, int, str, str], ...] = (
    (EventKind.JOINED, 0, MemberStatus.PROBATIONARY, "A new member is probationary for a year."),
    (EventKind.JOINED, 365, MemberStatus.ACTIVE, "A year after joining the member is active."),
    (EventKind.RELEASED, 0, MemberStatus.TRANSFERRED, "Between release and receipt: in transit."),
    (EventKind.RECEIVED, 0, MemberStatus.ACTIVE, "Received by the new branch: active."),
    (EventKind.ATTACHED, 0, MemberStatus.ATTACHED, "Attached to a branch abroad while posted."),
    (EventKind.DETACHED, 0, MemberStatus.ACTIVE, "Back at the home branch: active."),
    (EventKind.SUSPENDED, 0, MemberStatus.SUSPENDED, "Suspended by a decision."),
    (EventKind.REINSTATED, 0, MemberStatus.ACTIVE, "Reinstated: active."),
    (EventKind.LEFT, 0, MemberStatus.LEFT, "Left the organisation."),
    (EventKind.DIED, 0, MemberStatus.DECEASED, "Deceased."),
)


SWEEP_SLACK_DAYS = 31


@dataclass(frozen=True)
class Rule:
    event_kind: str
    after_days: int
    status: str


@dataclass(frozen=True)
class Event:
    kind: str
    on: dt.date
    order: int = 0


def rules_in_force() -> dict[str, list[Rule]]:
    """The active rules by event kind, shortest delay first."""
    by_kind: dict[str, list[Rule]] = defaultdict(list)
    for kind, after, status in (
        StatusRule.objects.filter(is_active=True)
        .order_by("event_kind", "after_days")
        .values_list("event_kind", "after_days", "status")
    ):
        by_kind[kind].append(Rule(kind, after, status))
    return dict(by_kind)


def status_on(
    events: Sequence[Event], rules: dict[str, list[Rule]], day: dt.date
) -> tuple[str, dt.date | None]:
    """The status in effect on `day` and the date it took effect ("" when no rule applies yet)."""
    ruled = sorted((e for e in events if rules.get(e.kind)), key=lambda e: (e.on, e.order))
    status, since = "", None
    for index, event in enumerate(ruled):
        superseded_on = ruled[index + 1].on if index + 1 < len(ruled) else None
        for rule in rules[event.kind]:
            effective = event.on + dt.timedelta(days=rule.after_days)
            if effective > day:
                break
            if superseded_on is not None and effective >= superseded_on and rule.after_days > 0:
                break
            status, since = rule.status, effective
    return status, since


def events_of(member_ids: Iterable[int]) -> dict[int, list[Event]]:
    events: dict[int, list[Event]] = defaultdict(list)
    ids = list(member_ids)
    for start in range(0, len(ids), 900):
        rows = (
            MemberEvent.objects.filter(member_id__in=ids[start : start + 900])
            .order_by("member_id", "on", "id")
            .values_list("member_id", "kind", "on", "id")
        )
        for member_id, kind, on, pk in rows:
            events[member_id].append(Event(kind, on, pk))
    return events


def refresh(member_ids: Iterable[int], *, cause: str, day: dt.date | None = None, batch: int = 2000) -> int:
    """Recompute and store the status of these members; log each change. Returns how many changed."""
    day = day or timezone.localdate()
    rules = rules_in_force()
    actor = audit.current_actor()
    ids = sorted(set(member_ids))
    changed = 0
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        with transaction.atomic():
            events = events_of(chunk)
            current = {
                pk: (status, since)
                for pk, status, since in Member.objects.filter(pk__in=chunk).values_list(
                    "pk", "status", "status_since"
                )
            }
            updates: list[Member] = []
            log: list[StatusChange] = []
            for pk, (old, old_since) in current.items():
                new, since = status_on(events.get(pk, []), rules, day)
                if not new or (new, since) == (old, old_since):
                    continue
                updates.append(Member(pk=pk, status=new, status_since=since))
                if new != old:
                    log.append(
                        StatusChange(
                            member_id=pk,
                            old_status=old,
                            new_status=new,
                            effective_on=since,
                            cause=cause,
                            actor=actor if getattr(actor, "pk", None) else None,
                        )
                    )
            if updates:
                _store(updates)
                StatusChange.objects.bulk_create(log)
                # Leaving or coming back changes the branches' counts of present members.
                counters.refresh_members(
                    c.member_id for c in log if (c.old_status in PRESENT) != (c.new_status in PRESENT)
                )
            changed += len(log)
    return changed


def _store(updates: list[Member]) -> None:
    """Status is derived from audited events, but it is a field users read: its changes are
    audited as changes of the member, through the audited bulk update."""
    loaded = {m.pk: m for m in Member.objects.filter(pk__in=[u.pk for u in updates])}
    objs = []
    for update in updates:
        member = loaded[update.pk]
        member.status, member.status_since = update.status, update.status_since
        objs.append(member)
    Member.objects.bulk_update(objs, ["status", "status_since"])


def members_due(day: dt.date) -> list[int]:
    """Members whose status may change by the passing of time: those with an event within the
    longest delay of any rule (and a month more, so a sweep that did not run for a while catches up)."""
    longest = max(StatusRule.objects.filter(is_active=True).values_list("after_days", flat=True), default=0)
    if longest == 0:
        return []
    since = day - dt.timedelta(days=longest + SWEEP_SLACK_DAYS)
    return list(
        MemberEvent.objects.filter(on__gte=since, on__lte=day).values_list("member_id", flat=True).distinct()
    )


def install_default_rules() -> int:
    """Create the default rules that are missing (idempotent)."""
    created = 0
    for kind, after, status, description in DEFAULT_RULES:
        _, made = StatusRule.objects.get_or_create(
            event_kind=kind, after_days=after, defaults={"status": status, "description": description}
        )
        created += made
    return created


def all_member_ids() -> Any:
    return Member.objects.values_list("pk", flat=True)

"""The engine: from the recorded changes of an activity to the notices its rules call for.

Exactly once in effect:
- every change is an `ActivityChange` row written in the change's own transaction (the outbox);
- processing locks the activity's pending changes, compares the activity's *current* state with
  each matching rule's current notice, writes what differs and marks the changes processed, all
  in one transaction: a task run twice, or two workers on the same activity, find nothing left;
- a notice's (rule, activity, sequence) is unique and one notice per (rule, activity) is current,
  so even a race the lock did not stop cannot write a duplicate;
- equal payloads have equal fingerprints: re-saving an activity writes nothing.

What a rule produces for an activity it matches:
- the first time: a *new* notice (if the rule listens to "is recorded"), due `lead_days` before
  the start; written after the activity ended, nothing (a past activity is no news);
- later, when a field its triggers watch changed and the shared payload differs: an *update*
  that supersedes the current notice, due within `change_hours`;
- when the activity is cancelled or deleted and the recipient was told of it: a *cancellation*.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from liaison.activities.models import Activity, ActivityStatus
from liaison.coordination import calendars, payload, rules, tallies
from liaison.coordination.models import (
    WAITING,
    ActivityChange,
    ChangeKind,
    EscalationReason,
    Notice,
    NoticeKind,
    NoticeStatus,
    Trigger,
)

log = logging.getLogger("liaison.coordination")


# A change whose evaluation failed this often is left for a person (the health page shows it).
MAX_ATTEMPTS = 10

# Changes processed together: one transaction, one read of the rules and the calendars, the
# activities and their current notices read for the whole batch.
BATCH = 200


@dataclass
class Outcome:
    """What processing wrote: the new notices' ids, and how many changes it consumed."""

    notices: list[int] = field(default_factory=list)
    changes: int = 0


@dataclass
class _Context:
    """What one batch reads once."""

    rule_set: rules.RuleSet
    calendars: calendars.Calendars


def process_change(change_id: int, *, batch: int = BATCH) -> Outcome:
    """Process this change (with the other pending changes of its activity) and, while at it,
    up to `batch` other pending changes no other worker holds: with several workers, each task
    claims a share of whatever is waiting, and a task whose change was taken finds little to do."""
    return process_batch(first=change_id, limit=batch)


def process_activity(activity_id: int) -> Outcome:
    """Process every pending change of one activity."""
    ids = list(
        ActivityChange.objects.filter(activity_id=activity_id, processed_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    return process_batch(first=ids[0], limit=1) if ids else Outcome()


def process_batch(*, first: int | None = None, limit: int = BATCH) -> Outcome:
    with transaction.atomic():
        outcome = _process_locked(first, limit)
    if outcome.notices:
        from liaison.coordination import delivery

        transaction.on_commit(lambda: delivery.notices_written(outcome.notices))
    return outcome


def _claim(first: int | None, limit: int) -> dict[int, list[ActivityChange]]:
    """Lock pending changes (skipping those another worker holds): `first`'s activity's, then
    the oldest others up to `limit`; every pending change of a claimed activity comes along."""
    pending = ActivityChange.objects.select_for_update(skip_locked=True).filter(
        processed_at__isnull=True, attempts__lt=MAX_ATTEMPTS
    )
    activity_ids: list[int] = []
    if first is not None:
        activity_ids += pending.filter(pk=first).values_list("activity_id", flat=True)
    if limit > len(activity_ids):
        activity_ids += (
            pending.exclude(activity_id__in=activity_ids)
            .order_by("pk")
            .values_list("activity_id", flat=True)[: limit - len(activity_ids)]
        )
    grouped: dict[int, list[ActivityChange]] = {}
    if activity_ids:
        for change in pending.filter(activity_id__in=set(activity_ids)).order_by("pk"):
            grouped.setdefault(change.activity_id, []).append(change)
    return grouped


def _process_locked(first: int | None, limit: int) -> Outcome:
    grouped = _claim(first, limit)
    if not grouped:
        return Outcome()
    context = _Context(rule_set=rules.rule_set(), calendars=calendars.calendars())
    shared = {f for rule in context.rule_set.rules.values() for f in rule.shared_fields}
    keep_deleted = {
        pk for pk, changes in grouped.items() if any(c.kind == ChangeKind.DELETED for c in changes)
    }
    activities = payload.load_activities([pk for pk in grouped if pk not in keep_deleted], shared)
    currents: dict[int, dict[int, Notice]] = {}
    for notice in Notice.objects.filter(activity_ref__in=list(grouped), current=True):
        if notice.activity_ref is not None and notice.rule_id is not None:
            currents.setdefault(notice.activity_ref, {})[notice.rule_id] = notice
    writers: list[tuple[_Writer, list[ActivityChange]]] = []
    for activity_id, changes in grouped.items():
        try:
            writer = evaluate(
                activity_id, changes, activities.get(activity_id), currents.get(activity_id, {}), context
            )
        except Exception as exc:
            # One activity's failure does not hold up the others; kept pending for the sweep to
            # retry, with its error (shown on the coordination health page).
            log.exception("could not evaluate the changes of activity %s", activity_id)
            ActivityChange.objects.filter(pk__in=[c.pk for c in changes]).update(
                attempts=F("attempts") + 1, error=repr(exc)[:2000]
            )
            continue
        writers.append((writer, changes))
    written: list[int] = []
    done: list[int] = []
    try:
        with transaction.atomic():
            written = _save([w for w, _changes in writers])
        done = [c.pk for _w, changes in writers for c in changes]
    except IntegrityError:
        # Another worker wrote notices for some activity meanwhile: save one by one, and leave
        # the activities that collide pending, to be evaluated again.
        for writer, changes in writers:
            try:
                with transaction.atomic():
                    written += _save([writer])
            except IntegrityError:
                log.info("notices of activity %s were written concurrently; left pending", writer.activity_id)
                continue
            done += [c.pk for c in changes]
    ActivityChange.objects.filter(pk__in=done).update(
        processed_at=timezone.now(), attempts=F("attempts") + 1, error=""
    )
    return Outcome(notices=written, changes=len(done))


def evaluate(
    activity_id: int,
    changes: list[ActivityChange],
    activity: Activity | None,
    currents: dict[int, Notice],
    context: _Context,
) -> _Writer:
    """The notices the activity's current state calls for, compared with what was told."""
    rule_set = context.rule_set
    at = changes[0].at
    fields: set[str] = set()
    kinds: set[str] = set()
    only: set[int] | None = None
    for change in changes:
        fields.update(change.fields)
        kinds.add(change.kind)
        if change.kind == ChangeKind.REAPPLY and change.rule_ids is not None:
            only = (only or set()) | set(change.rule_ids)
    writer = _Writer(activity_id=activity_id, at=at, change_id=changes[-1].pk, calendars=context.calendars)

    if activity is None or activity.status == ActivityStatus.CANCELLED:
        for rule_id, told in currents.items():
            rule = rule_set.rules.get(rule_id)
            if (
                rule is not None
                and Trigger.CANCELLED in rule.triggers
                and told.kind != NoticeKind.CANCELLATION
            ):
                body = {**told.payload, "status": ActivityStatus.CANCELLED}
                writer.add(rule, told, NoticeKind.CANCELLATION, body, activity, ["status"])
        return writer

    facts = rules.facts_of(activity)
    matching = rule_set.matching(facts)
    if only is not None:
        matching = [rule for rule in matching if rule.id in only or rule.id in currents]
    payloads: dict[tuple[str, ...], dict[str, Any]] = {}
    for rule in matching:
        if rule.shared_fields not in payloads:
            payloads[rule.shared_fields] = payload.shared_payload(activity, rule.shared_fields)
        body = payloads[rule.shared_fields]
        current = currents.get(rule.id)
        if current is None or current.kind == NoticeKind.CANCELLATION:
            if Trigger.CREATED in rule.triggers and activity.ends_at > at:
                writer.add(rule, current, NoticeKind.NEW, body, activity, [])
        elif (rule.listens_to(fields) or ChangeKind.REAPPLY in kinds) and (
            payload.fingerprint(body) != current.fingerprint
        ):
            changed = sorted(k for k in body if body.get(k) != current.payload.get(k))
            writer.add(rule, current, NoticeKind.UPDATE, body, activity, changed)
    return writer


@dataclass
class _Writer:
    """Collects the notices of one evaluation and writes them together."""

    activity_id: int
    at: dt.datetime
    change_id: int
    calendars: calendars.Calendars
    superseded: list[Notice] = field(default_factory=list)
    new: list[Notice] = field(default_factory=list)

    def add(
        self,
        rule: rules.CompiledRule,
        current: Notice | None,
        kind: str,
        body: dict[str, Any],
        activity: Activity | None,
        changed: list[str],
    ) -> None:
        starts_at = activity.starts_at if activity is not None else current.starts_at  # type: ignore[union-attr]
        if kind == NoticeKind.NEW:
            due_at = calendars.deadline(
                starts_at,
                rule.lead_days,
                basis=rule.day_basis,
                calendar=self.calendars.of(rule.calendar_country),
                time_zone=body["time_zone"],
            )
        else:
            due_at = self.at + dt.timedelta(hours=rule.change_hours)
        source_id = activity.owner_id if activity is not None else current.source_id  # type: ignore[union-attr]
        notice = Notice(
            rule_id=rule.id,
            agreement_id=rule.agreement_id,
            activity_id=self.activity_id if activity is not None else None,
            activity_ref=self.activity_id,
            source_id=source_id,
            recipient_id=rule.recipient_id,
            kind=kind,
            sequence=(current.sequence + 1) if current is not None else 1,
            current=True,
            supersedes=current,
            change_id=self.change_id,
            fingerprint=payload.fingerprint(body),
            payload=body,
            changed=changed,
            title=payload.title_of(body),
            starts_at=starts_at,
            due_at=due_at,
            sent_at=self.at,
            late=self.at > due_at,
            status=NoticeStatus.OPEN,
            status_at=self.at,
            acknowledge_by=self.at + dt.timedelta(hours=rule.acknowledge_hours),
        )
        if current is not None:
            self.superseded.append(current)
        self.new.append(notice)

    def save(self) -> list[int]:
        return _save([self])


def _save(writers: list[_Writer]) -> list[int]:
    """Write the notices of these evaluations together: the superseded ones in two updates, the
    new ones in one insert, their late ones escalated at once."""
    superseded = [(n.pk, w.at) for w in writers for n in w.superseded]
    if superseded:
        ids = [pk for pk, _at in superseded]
        Notice.objects.filter(pk__in=ids).update(current=False)
        for at in {at for _pk, at in superseded}:
            Notice.objects.filter(
                pk__in=[pk for pk, when in superseded if when == at], status__in=WAITING
            ).update(status=NoticeStatus.SUPERSEDED, status_at=at)
    new = [n for w in writers for n in w.new]
    if not new:
        return []
    created = Notice.objects.bulk_create(new, batch_size=500)
    tallies.add(created)
    late = [n for n in created if n.late]
    if late:
        from liaison.coordination import escalation

        escalation.escalate(late, EscalationReason.LATE)
    return [n.pk for n in created]


def process_pending(*, limit: int | None = None) -> int:
    """Process pending changes in batches, oldest first, until none is left (or `limit` were
    consumed); how many changes were consumed."""
    consumed = 0
    while limit is None or consumed < limit:
        outcome = process_batch(limit=BATCH)
        if not outcome.changes:
            break
        consumed += outcome.changes
    return consumed


def apply_rules_to_future(rule_ids: Iterable[int], *, at: dt.datetime | None = None) -> int:
    """Apply rules (added later) to every activity that has not started yet: one change each,
    processed in the background. How many activities were queued."""
    at = at or timezone.now()
    ids = sorted(set(rule_ids))
    activity_ids = list(
        Activity.objects.filter(starts_at__gt=at)
        .exclude(status=ActivityStatus.CANCELLED)
        .values_list("pk", flat=True)
    )
    from liaison.coordination import outbox

    outbox.record_many(activity_ids, kind=ChangeKind.REAPPLY, at=at, rule_ids=ids)
    return len(activity_ids)

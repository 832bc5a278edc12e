"""Escalation: a notice sent after its due date, or left unacknowledged past the agreed time,
goes to its agreement's coordinators (in their inbox, and by email). Other modules escalate their
own notices to the coordinators they name (a plan's, for a report missing after its deadline)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from liaison.coordination.models import WAITING, Agreement, Escalation, EscalationReason, Notice

log = logging.getLogger("liaison.coordination")


def escalate(
    notices: Iterable[Notice],
    reason: str,
    *,
    at: dt.datetime | None = None,
    coordinators: dict[int, list[int]] | None = None,
) -> list[Escalation]:
    """Bring these notices to their coordinators once per reason (a repeat is ignored); `at`
    defaults to each notice's sending time (a late notice is escalated as it is sent).
    `coordinators` (notice id → user ids) names them; by default, each agreement's."""
    notices = list(notices)
    if not notices:
        return []
    already = set(
        Escalation.objects.filter(notice__in=notices, reason=reason).values_list("notice_id", flat=True)
    )
    fresh = [n for n in notices if n.pk not in already]
    if not fresh:
        return []
    escalations = Escalation.objects.bulk_create(
        [Escalation(notice=n, reason=reason, at=at or n.sent_at) for n in fresh], ignore_conflicts=True
    )
    escalations = list(Escalation.objects.filter(notice__in=fresh, reason=reason))
    if coordinators is None:
        coordinators = _agreement_coordinators(fresh)
    links = [
        Escalation.coordinators.through(escalation_id=e.pk, user_id=user_id)
        for e in escalations
        for user_id in coordinators.get(e.notice_id, [])
    ]
    Escalation.coordinators.through.objects.bulk_create(links, ignore_conflicts=True)
    ids = [e.pk for e in escalations]
    transaction.on_commit(lambda: _enqueue_mail(ids))
    if reason == EscalationReason.UNACKNOWLEDGED:
        Notice.objects.filter(pk__in=[n.pk for n in fresh]).update(overdue_escalated_at=at or timezone.now())
    return escalations


def _agreement_coordinators(notices: list[Notice]) -> dict[int, list[int]]:
    by_agreement: dict[int, list[int]] = {}
    through = Agreement.coordinators.through
    for agreement_id, user_id in through.objects.filter(
        agreement_id__in={n.agreement_id for n in notices if n.agreement_id}
    ).values_list("agreement_id", "user_id"):
        by_agreement.setdefault(agreement_id, []).append(user_id)
    return {n.pk: by_agreement.get(n.agreement_id, []) for n in notices if n.agreement_id}


def _enqueue_mail(escalation_ids: list[int]) -> None:
    from liaison.coordination import tasks

    tasks.mail_escalations.enqueue(escalation_ids)


def mail_escalations(escalation_ids: list[int]) -> int:
    """Email each coordinator (who has an address) the escalations addressed to them, once; how
    many emails were sent. A failing mail server leaves them unmailed: the sweep tries again."""
    pending = list(
        Escalation.objects.filter(pk__in=escalation_ids, mailed_at__isnull=True)
        .select_related("notice")
        .prefetch_related("coordinators")
    )
    by_user: dict[Any, list[Escalation]] = {}
    for escalation_ in pending:
        for user in escalation_.coordinators.all():
            if user.email:
                by_user.setdefault(user, []).append(escalation_)
    sent = 0
    for user, items in by_user.items():
        lines = [
            f"- {e.get_reason_display()}: {e.notice.title or e.notice.get_kind_display()} "
            f"({settings.LIAISON_SITE_URL}{e.notice.get_absolute_url()})"
            for e in items
        ]
        try:
            EmailMessage(
                subject=f"[Liaison] {len(items)} notice(s) escalated to you",
                body="\n".join(
                    [
                        "As a coordinator, you receive notices sent late or left "
                        "unacknowledged, and reports missing after their deadline:",
                        "",
                        *lines,
                    ]
                ),
                to=[user.email],
            ).send()
        except Exception:
            log.warning("could not email escalations to %s", user.pk, exc_info=True)
            return sent
        sent += 1
    Escalation.objects.filter(pk__in=[e.pk for e in pending]).update(mailed_at=timezone.now())
    return sent


def escalate_unacknowledged(*, now: dt.datetime | None = None) -> int:
    """Escalate every agreement's notice still waiting past its acknowledgement time; how many.
    (A reminder needs no acknowledgement: what it asks for is the report.)"""
    now = now or timezone.now()
    overdue = list(
        Notice.objects.filter(
            status__in=WAITING,
            overdue_escalated_at__isnull=True,
            acknowledge_by__lt=now,
            agreement__isnull=False,
        )[:1000]
    )
    return len(escalate(overdue, EscalationReason.UNACKNOWLEDGED, at=now))

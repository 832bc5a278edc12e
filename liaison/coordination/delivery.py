"""Delivery of notices beyond the in-app inbox (the inbox is the notice itself): email to the
recipient's contact points in the agreement (for a notice under no agreement, such as a reminder
of a report due, to the recipient organisation's own address), and signed webhooks to the
recipient's endpoints.

Nothing here can block or undo a save: deliveries are written after the notices commit and tried
in the background. A failure is logged (`DeliveryAttempt`) and retried later with a growing wait
(`BACKOFF`); after the last try the delivery is given up and shows on the health page. Each
attempt carries the notice's id, so a receiver that saw it already ignores the repeat:
deliveries are idempotent for the receiver. See docs/coordination.md for the webhook format.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liaison.coordination.models import (
    Channel,
    ContactPoint,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Notice,
    WebhookEndpoint,
)

log = logging.getLogger("liaison.coordination")

# Wait after the n-th failed attempt; after the last (about a week of trying), the delivery is
# given up and shows on the health page.
BACKOFF = [
    dt.timedelta(seconds=30),
    dt.timedelta(minutes=2),
    dt.timedelta(minutes=10),
    dt.timedelta(hours=1),
    dt.timedelta(hours=3),
    dt.timedelta(hours=6),
    dt.timedelta(hours=12),
    *[dt.timedelta(hours=24)] * 7,
]
TIMEOUT_SECONDS = 10
# How long a claimed delivery is left to its sender before another may try it.
LEASE = dt.timedelta(minutes=5)
SIGNATURE_HEADER = "Liaison-Signature"
ID_HEADER = "Liaison-Notice-Id"


def backoff(attempts: int) -> dt.timedelta | None:
    """How long to wait after `attempts` failures; None: give up."""
    return BACKOFF[attempts - 1] if attempts <= len(BACKOFF) else None


# --- webhook addresses ------------------------------------------------------------------------


def insecure_allowed() -> bool:
    """Plain http and private addresses: only in local development (or when explicitly allowed)."""
    return bool(getattr(settings, "LIAISON_WEBHOOKS_ALLOW_INSECURE", settings.DEBUG))


def _private(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return not ip.is_global or ip.is_multicast


def check_webhook_url(url: str) -> None:
    """Refuse an address Liaison must not call: not HTTPS, or resolving to a private address."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValidationError({"url": [_("Give a full web address, starting with https://.")]})
    if insecure_allowed():
        return
    if parts.scheme != "https":
        raise ValidationError({"url": [_("A webhook address must use HTTPS.")]})
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise ValidationError({"url": [_("This host name does not resolve.")]}) from None
    if any(_private(str(info[4][0])) for info in infos):
        raise ValidationError(
            {
                "url": [
                    _(
                        "This address resolves to a private or local network address, "
                        "which Liaison does not call."
                    )
                ]
            }
        )


def new_secret() -> str:
    return secrets.token_hex(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix time>,v1=<hex HMAC-SHA256 of "<t>." + body>`: the receiver recomputes it with
    the shared secret and refuses old timestamps (replays)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, header: str, body: bytes, *, tolerance: int = 300, now: float | None = None) -> bool:
    """What a receiver does with `Liaison-Signature` (used by the tests and the soak benchmark)."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))


# --- queueing ---------------------------------------------------------------------------------


def notices_written(notice_ids: list[int]) -> None:
    """Queue the deliveries of freshly written notices (called once they committed)."""
    queued = queue_deliveries(notice_ids)
    if queued:
        from liaison.coordination import tasks

        for delivery_id in queued:
            tasks.deliver.enqueue(delivery_id)


def queue_deliveries(notice_ids: list[int]) -> list[int]:
    """Write a pending delivery per (notice, address); the ids of those written now."""
    notices = list(
        Notice.objects.filter(pk__in=notice_ids).only(
            "pk", "agreement_id", "recipient_id", "recipient__email"
        )
    )
    if not notices:
        return []
    emails: dict[tuple[int | None, int], set[str]] = {}
    for notice in notices:
        if notice.agreement_id is None and notice.recipient.email:
            emails.setdefault((None, notice.recipient_id), set()).add(notice.recipient.email.lower())
    for agreement_id, organisation_id, email in (
        ContactPoint.objects.filter(
            agreement_id__in={n.agreement_id for n in notices},
            organisation_id__in={n.recipient_id for n in notices},
        )
        .exclude(email="")
        .values_list("agreement_id", "organisation_id", "email")
    ):
        emails.setdefault((agreement_id, organisation_id), set()).add(email.lower())
    endpoints: dict[int, list[WebhookEndpoint]] = {}
    for endpoint in WebhookEndpoint.objects.filter(
        organisation_id__in={n.recipient_id for n in notices}, active=True
    ):
        endpoints.setdefault(endpoint.organisation_id, []).append(endpoint)
    now = timezone.now()
    rows = []
    for notice in notices:
        for email in sorted(emails.get((notice.agreement_id, notice.recipient_id), ())):
            rows.append(Delivery(notice=notice, channel=Channel.EMAIL, address=email, next_attempt_at=now))
        for endpoint in endpoints.get(notice.recipient_id, []):
            rows.append(
                Delivery(
                    notice=notice,
                    channel=Channel.WEBHOOK,
                    endpoint=endpoint,
                    address=endpoint.url,
                    next_attempt_at=now,
                )
            )
    if not rows:
        return []
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    return list(
        Delivery.objects.filter(
            notice_id__in=[n.pk for n in notices], attempts=0, status=DeliveryStatus.PENDING
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# --- sending ----------------------------------------------------------------------------------


def deliver(delivery_id: int, *, now: dt.datetime | None = None) -> str:
    """Try one delivery if it is due; its status afterwards.

    Three short steps, none holding a transaction across the network: claim the row (locked
    while claiming; PostgreSQL skips a row another worker holds) by moving its next attempt
    `LEASE` ahead, so no other worker or sweep takes it meanwhile; send; record the attempt.
    A process that dies while sending leaves the lease to expire, and the sweep tries again (the
    receiver deduplicates on the notice id). A delivered one is never sent again.
    """
    now = now or timezone.now()
    with transaction.atomic():
        rows = Delivery.objects.select_for_update(skip_locked=True, of=("self",)).filter(
            pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
        )
        delivery = rows.select_related("notice", "notice__supersedes", "endpoint").first()
        if delivery is None:
            return Delivery.objects.filter(pk=delivery_id).values_list("status", flat=True).first() or ""
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=now + LEASE)
    started = time.monotonic()
    ok, code, error = _send(delivery)
    took = int((time.monotonic() - started) * 1000)
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            delivery=delivery, at=now, ok=ok, status_code=code, error=error[:2000], duration_ms=took
        )
        delivery.attempts += 1
        if ok:
            delivery.status, delivery.delivered_at, delivery.last_error = DeliveryStatus.DELIVERED, now, ""
        else:
            wait = backoff(delivery.attempts)
            delivery.last_error = error[:2000]
            if wait is None:
                delivery.status = DeliveryStatus.FAILED
            else:
                delivery.next_attempt_at = now + wait
        delivery.save(update_fields=["attempts", "status", "delivered_at", "last_error", "next_attempt_at"])
    return str(delivery.status)


def _send(delivery: Delivery) -> tuple[bool, int | None, str]:
    try:
        if delivery.channel == Channel.EMAIL:
            _send_email(delivery)
            return True, None, ""
        return _send_webhook(delivery)
    except Exception as exc:  # any failure of the far side is logged and retried, never raised
        log.warning("delivery %s failed: %r", delivery.pk, exc)
        return False, None, repr(exc)


def webhook_body(notice: Notice) -> dict[str, Any]:
    return {
        "id": str(notice.uid),
        "event": f"notice.{notice.kind}",
        "sequence": notice.sequence,
        "supersedes": str(notice.supersedes.uid) if notice.supersedes_id and notice.supersedes else None,
        "agreement": notice.agreement_id,
        "rule": notice.rule_id,
        "subject": notice.subject or None,
        "source": notice.source_id,
        "recipient": notice.recipient_id,
        "sent_at": notice.sent_at.isoformat(),
        "due_at": notice.due_at.isoformat(),
        "acknowledge_by": notice.acknowledge_by.isoformat(),
        "payload": notice.payload,
    }


def _send_webhook(delivery: Delivery) -> tuple[bool, int | None, str]:
    endpoint = delivery.endpoint
    if endpoint is None or not endpoint.active:
        return False, None, "The endpoint was removed or deactivated."
    try:
        check_webhook_url(endpoint.url)  # again: the name may resolve elsewhere now
    except ValidationError as exc:
        return False, None, "; ".join(exc.messages)
    body = json.dumps(webhook_body(delivery.notice), ensure_ascii=False, separators=(",", ":")).encode()
    request = urllib.request.Request(  # noqa: S310 - https (or http in development), checked above
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Liaison-Webhook/1",
            ID_HEADER: str(delivery.notice.uid),
            SIGNATURE_HEADER: signature(endpoint.secret, int(time.time()), body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            code = int(response.status)
    except urllib.error.HTTPError as exc:
        return False, exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        return False, None, repr(exc)
    return 200 <= code < 300, code, "" if 200 <= code < 300 else f"HTTP {code}"


def _send_email(delivery: Delivery) -> None:
    from django.template.loader import render_to_string
    from django.utils import translation

    from liaison.coordination import payload

    notice = delivery.notice
    with translation.override("en"):
        lines = payload.describe(notice.payload, "en")
        subject = f"[Liaison] {notice.get_kind_display()}: {notice.title or lines[0][1]}"
        text = render_to_string(
            "coordination/notice_email.txt",
            {"notice": notice, "lines": lines, "site": settings.LIAISON_SITE_URL},
        )
    message = EmailMessage(
        subject=subject[:200],
        body=text,
        to=[delivery.address],
        headers={"Message-ID": f"<notice-{notice.uid}-{delivery.pk}@liaison>", ID_HEADER: str(notice.uid)},
    )
    message.send()


def retry_due(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Try the deliveries whose next attempt is due (the sweep); how many were tried."""
    now = now or timezone.now()
    due = list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for delivery_id in due:
        deliver(delivery_id, now=now)
    return len(due)

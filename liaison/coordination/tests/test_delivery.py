"""Delivery by email and signed webhook, against a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from liaison.activities.models import ActivityKind, LeaderRank
from liaison.activities.testing import make_activity
from liaison.coordination import delivery, engine, services
from liaison.coordination.models import Delivery, DeliveryStatus, Notice
from liaison.coordination.testing import make_agreement, make_rule
from liaison.core.access import Role
from liaison.core.testing import make_org, make_person, make_superuser, make_user

pytestmark = pytest.mark.django_db


class Receiver:
    """A webhook receiver that answers 500 to the first `failures` requests, then 200."""

    def __init__(self) -> None:
        self.failures = 0
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                failing = receiver.failures > 0
                receiver.failures -= 1
                self.send_response(500 if failing else 200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    settings.LIAISON_WEBHOOKS_ALLOW_INSECURE = True
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def world():
    root = make_superuser("root")
    mofa = make_org("Ministry of Foreign Affairs")
    vufo = make_org("VUFO", pillar="people")
    agreement = make_agreement(mofa, vufo)
    make_rule(agreement, recipient=vufo, source=mofa, shared_fields=["title"])
    return root, mofa, vufo, agreement


def told(mofa) -> Notice:
    start = timezone.now() + dt.timedelta(days=20)
    make_activity(
        "Visit of the Prime Minister",
        lead=mofa,
        kind=ActivityKind.INCOMING_VISIT,
        leader=make_person("Leader", owner=mofa),
        leader_rank=LeaderRank.HEAD_OF_GOVERNMENT,
        starts_at=start,
        ends_at=start + dt.timedelta(days=1),
    )
    engine.process_pending()
    return Notice.objects.latest("pk")


def test_a_webhook_receives_the_signed_notice_once(world, receiver):
    root, mofa, vufo, _agreement = world
    endpoint = services.add_webhook(by=root, organisation=vufo, url=receiver.url)
    notice = told(mofa)
    [delivery_id] = delivery.queue_deliveries([notice.pk])
    assert delivery.deliver(delivery_id) == DeliveryStatus.DELIVERED
    assert delivery.deliver(delivery_id) == DeliveryStatus.DELIVERED  # not sent again
    assert delivery.queue_deliveries([notice.pk]) == []  # not queued again
    [(headers, body)] = receiver.requests
    assert headers[delivery.ID_HEADER] == str(notice.uid)
    assert delivery.verify(endpoint.secret, headers[delivery.SIGNATURE_HEADER], body)
    assert not delivery.verify("another secret", headers[delivery.SIGNATURE_HEADER], body)
    sent = json.loads(body)
    assert sent["id"] == str(notice.uid) and sent["event"] == "notice.new"
    assert sent["payload"]["title"]["en"] == "Visit of the Prime Minister"
    [attempt] = Delivery.objects.get().log.all()
    assert attempt.ok and attempt.status_code == 200


def test_a_failing_receiver_is_retried_with_backoff_until_it_answers(world, receiver):
    root, mofa, vufo, _agreement = world
    services.add_webhook(by=root, organisation=vufo, url=receiver.url)
    receiver.failures = 2
    notice = told(mofa)
    [delivery_id] = delivery.queue_deliveries([notice.pk])
    now = timezone.now()
    assert delivery.deliver(delivery_id, now=now) == DeliveryStatus.PENDING
    row = Delivery.objects.get()
    assert row.next_attempt_at == now + delivery.BACKOFF[0] and row.last_error == "HTTP 500"
    assert delivery.retry_due(now=now) == 0  # not due yet
    assert delivery.retry_due(now=now + dt.timedelta(seconds=31)) == 1
    assert delivery.retry_due(now=now + dt.timedelta(hours=1)) == 1
    row.refresh_from_db()
    assert row.status == DeliveryStatus.DELIVERED and row.attempts == 3
    assert [a.ok for a in row.log.all()] == [False, False, True]
    assert {h[delivery.ID_HEADER] for h, _body in receiver.requests} == {str(notice.uid)}


def test_a_delivery_is_given_up_after_the_last_try(world, receiver):
    root, mofa, vufo, _agreement = world
    services.add_webhook(by=root, organisation=vufo, url=receiver.url)
    receiver.failures = 100
    notice = told(mofa)
    [delivery_id] = delivery.queue_deliveries([notice.pk])
    moment = timezone.now()
    for _ in range(len(delivery.BACKOFF) + 1):
        delivery.deliver(delivery_id, now=moment)
        moment += dt.timedelta(days=2)
    row = Delivery.objects.get()
    assert row.status == DeliveryStatus.FAILED and row.attempts == len(delivery.BACKOFF) + 1


def test_an_unreachable_endpoint_never_blocks_the_save(world, settings, django_capture_on_commit_callbacks):
    settings.LIAISON_WEBHOOKS_ALLOW_INSECURE = True
    root, mofa, vufo, _agreement = world
    services.add_webhook(by=root, organisation=vufo, url="http://127.0.0.1:9/nothing-listens")
    with django_capture_on_commit_callbacks(execute=True):
        notice = told(mofa)
    assert notice.pk
    row = Delivery.objects.get()
    assert row.status == DeliveryStatus.PENDING and row.attempts == 1 and row.last_error


def test_contact_points_get_an_email_with_the_notice_id(world):
    root, mofa, vufo, agreement = world
    services.add_contact_point(
        by=root,
        agreement=agreement,
        data=services.ContactInput(organisation=vufo, name="Desk", email="desk@vufo.example"),
    )
    notice = told(mofa)
    [delivery_id] = delivery.queue_deliveries([notice.pk])
    assert delivery.deliver(delivery_id) == DeliveryStatus.DELIVERED
    [message] = mail.outbox
    assert message.to == ["desk@vufo.example"]
    assert "Visit of the Prime Minister" in message.subject
    assert str(notice.uid) in message.body and message.extra_headers[delivery.ID_HEADER] == str(notice.uid)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.example.org/x", "must use HTTPS"),
        ("https://127.0.0.1/x", "private or local"),
        ("https://10.1.2.3/x", "private or local"),
        ("https://[::1]/x", "private or local"),
        ("https://169.254.169.254/latest", "private or local"),
        ("ftp://example.org/x", "full web address"),
        ("not a url", "full web address"),
    ],
)
def test_unsafe_webhook_addresses_are_refused(world, settings, url, message):
    settings.LIAISON_WEBHOOKS_ALLOW_INSECURE = False
    root, _mofa, vufo, _agreement = world
    with pytest.raises(ValidationError) as refused:
        services.add_webhook(by=root, organisation=vufo, url=url)
    assert message in " ".join(refused.value.message_dict["url"])


def test_a_public_https_address_is_accepted(world, settings):
    settings.LIAISON_WEBHOOKS_ALLOW_INSECURE = False
    root, _mofa, vufo, _agreement = world
    endpoint = services.add_webhook(by=root, organisation=vufo, url="https://93.184.216.34/hook")
    assert len(endpoint.secret) == 64


def test_only_the_organisations_coordinators_register_webhooks(world, receiver):
    _root, _mofa, vufo, _agreement = world
    editor = make_user("vufo-editor", org=vufo, role=Role.EDITOR)
    coordinator = make_user("vufo-coordinator", org=vufo, role=Role.COORDINATOR)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.add_webhook(by=editor, organisation=vufo, url=receiver.url)
    assert services.add_webhook(by=coordinator, organisation=vufo, url=receiver.url).pk


def test_webhooks_through_the_api(client, world, receiver):
    _root, mofa, vufo, _agreement = world
    coordinator = make_user("vufo-coordinator", org=vufo, role=Role.COORDINATOR)
    client.force_login(coordinator)
    created = client.post(
        "/api/coordination/webhooks",
        {"organisation": vufo.pk, "url": receiver.url},
        content_type="application/json",
    )
    assert created.status_code == 201 and len(created.json()["secret"]) == 64
    listed = client.get("/api/coordination/webhooks").json()
    assert [e["url"] for e in listed] == [receiver.url] and listed[0]["secret"] is None
    notice = told(mofa)
    delivery.notices_written([notice.pk])
    log = client.get(f"/api/coordination/webhooks/{listed[0]['id']}/deliveries").json()
    assert log[0]["status"] == "delivered" and log[0]["log"][0]["status_code"] == 200
    client.force_login(make_user("mofa-coordinator", org=mofa, role=Role.COORDINATOR))
    assert client.get(f"/api/coordination/webhooks/{listed[0]['id']}/deliveries").status_code == 404
    refused = client.post(
        "/api/coordination/webhooks",
        {"organisation": vufo.pk, "url": receiver.url},
        content_type="application/json",
    )
    assert refused.status_code == 404  # not a coordinator of VUFO: answered like a missing record

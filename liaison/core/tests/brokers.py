"""Broker-test fixtures: the same test against a real Redis and a real RabbitMQ.

Registered for the whole suite by `liaison/conftest.py`. A test that asks for `celery_broker`
runs once per broker, with TASKS switched to `CeleryBackend` and a Celery worker running on a
thread of the test process, so `some_task.enqueue(...)` goes through the real broker and back:

    def test_the_reminder_is_sent(celery_broker):
        send_reminder.enqueue(activity.pk)
        celery_broker.drain()          # or `assert drain(10)` from liaison.core.tasks
        assert Reminder.objects.filter(activity=activity).exists()

The worker has its own database connection and sees committed rows only, so the fixture gives
the test a transactional database (as `django_db(transaction=True)` does): what the test writes
is committed, and the tables are emptied afterwards. Such tests are marked `broker` whether or
not they say so (`-m "not broker"` leaves them out).

The brokers are LIAISON_TEST_BROKERS (comma-separated addresses; by default Redis database 15
and RabbitMQ's default virtual host on 127.0.0.1). A broker that does not answer skips its
tests with the reason; .ci/run sets LIAISON_REQUIRE_BROKERS=1, which turns that skip into a
failure.

One worker per broker serves all the tests of a pytest process (stopping a Celery worker takes
four seconds), on queues of that process's own (`test.<xdist worker>.<random>.default`), so
parallel runs on one broker cannot take each other's messages. After each test the fixture
waits for what the test left running and purges the queues; at the end of the session it
deletes them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pytest

DEFAULT_BROKERS = ["redis://127.0.0.1:6379/15", "amqp://guest:guest@127.0.0.1:5672//"]
CONNECT_TIMEOUT = 3.0


def broker_urls() -> list[str]:
    value = os.environ.get("LIAISON_TEST_BROKERS", "")
    return [url.strip() for url in value.split(",") if url.strip()] or DEFAULT_BROKERS


def broker_name(url: str) -> str:
    scheme = url.split("://", 1)[0]
    return "redis" if scheme.startswith("redis") else "rabbitmq" if "amqp" in scheme else scheme


def _safe(url: str) -> str:
    from kombu.utils.url import maybe_sanitize_url

    return str(maybe_sanitize_url(url))


_answers: dict[str, str | None] = {}


def _problem(url: str) -> str | None:
    """Why the broker cannot be used, or None; asked once per broker and process."""
    if url not in _answers:
        from kombu import Connection

        try:
            with Connection(url, connect_timeout=CONNECT_TIMEOUT) as connection:
                connection.connect()
                connection.default_channel  # noqa: B018 - Redis connects only when a channel opens
            _answers[url] = None
        except Exception as error:
            _answers[url] = f"{type(error).__name__}: {error}"
    return _answers[url]


@dataclass
class Broker:
    """The broker a test runs against, and the worker that runs its tasks."""

    url: str
    name: str
    app: Any  # the Celery app
    queues: list[str]

    def wait(self, timeout: float = 10.0) -> bool:
        """True once every task this test sent has been run by the worker (false on timeout)."""
        from liaison.core.tasks import drain

        return drain(timeout)

    def ready(self) -> int:
        """How many messages wait in the worker's queues (sent, not yet taken by the worker)."""
        with self.app.connection_for_write() as connection:
            # Not a passive declaration: Redis has no key for an empty queue, and says it is missing.
            return sum(
                queue.queue_declare().message_count
                for queue in _queues(self.app, self.queues, connection.default_channel)
            )

    def drain(self, timeout: float = 10.0) -> None:
        """Wait for every task this test sent to have run; fail the test if that takes too long."""
        if not self.wait(timeout):
            pytest.fail(
                f"tasks sent through {self.name} ({_safe(self.url)}) were still not run after "
                f"{timeout}s; the worker consumes {', '.join(self.queues)}"
            )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Any test that uses a broker is a broker test, whether or not it says so."""
    for item in items:
        if "celery_broker" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.broker)


@dataclass
class _Worker:
    app: Any
    prefix: str
    django_queues: list[str]  # TASKS' QUEUES when the worker started
    queues: list[str]  # the Celery queues it consumes


@pytest.fixture(scope="session")
def _broker_workers() -> Iterator[tuple[dict[str, _Worker], ExitStack]]:
    """The in-process workers started so far, by broker address; stopped when the session ends."""
    workers: dict[str, _Worker] = {}
    with ExitStack() as stack:
        yield workers, stack
    for worker in workers.values():
        _delete_queues(worker.app, worker.queues)


@pytest.fixture(params=broker_urls(), ids=broker_name)
def celery_broker(
    request: pytest.FixtureRequest,
    transactional_db: None,
    _broker_workers: tuple[dict[str, _Worker], ExitStack],
) -> Iterator[Broker]:
    """TASKS through a real broker, with a worker on a thread of this process (see above)."""
    url: str = request.param
    problem = _problem(url)
    if problem:
        reason = f"the {broker_name(url)} broker at {_safe(url)} does not answer ({problem})"
        if os.environ.get("LIAISON_REQUIRE_BROKERS"):  # CI starts them: a skip there hides a fault
            pytest.fail(f"{reason}, and LIAISON_REQUIRE_BROKERS is set")
        pytest.skip(f"{reason}; broker tests skipped (start it, or set LIAISON_TEST_BROKERS)")

    from django.conf import settings
    from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
    from django.test import override_settings

    from liaison.core.tasks import CeleryBackend, drain, in_process_worker

    workers, stack = _broker_workers
    worker = workers.get(url)
    if worker is None:
        process = os.environ.get("PYTEST_XDIST_WORKER", "main")
        prefix = f"test.{process}.{uuid.uuid4().hex[:12]}."
        queues = list(settings.TASKS[DEFAULT_TASK_BACKEND_ALIAS].get("QUEUES", ["default"]))
    else:
        prefix, queues = worker.prefix, worker.django_queues
    tasks = {
        DEFAULT_TASK_BACKEND_ALIAS: {
            "BACKEND": "liaison.core.tasks.CeleryBackend",
            "QUEUES": queues,
            "OPTIONS": {"broker_url": url, "queue_prefix": prefix},
        }
    }
    with override_settings(TASKS=tasks):
        backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
        assert isinstance(backend, CeleryBackend)
        if worker is None:
            worker = _Worker(
                app=backend.app, prefix=prefix, django_queues=queues, queues=backend.celery_queues()
            )
            stack.enter_context(in_process_worker(worker.app, worker.queues))
            workers[url] = worker
        try:
            yield Broker(url=url, name=broker_name(url), app=worker.app, queues=worker.queues)
        finally:
            drain(10.0)  # what the test left running must not run into the next test
            _purge_queues(worker.app, worker.queues)


def _queues(app: Any, names: list[str], channel: Any) -> list[Any]:
    """Celery's own declarations of the queues (RabbitMQ refuses one with other arguments)."""
    return [app.amqp.queues[name].bind(channel) for name in names]


def _purge_queues(app: Any, names: list[str]) -> None:
    with app.connection_for_write() as connection:
        for queue in _queues(app, names, connection.default_channel):
            queue.purge()


def _delete_queues(app: Any, names: list[str]) -> None:
    """Delete the queues and their exchanges, with any message still in them."""
    with app.connection_for_write() as connection:
        for queue in _queues(app, names, connection.default_channel):
            # Declared first: Kombu's Redis transport deletes only the bindings it has declared.
            queue.declare()
            queue.delete()
            queue.exchange.delete()

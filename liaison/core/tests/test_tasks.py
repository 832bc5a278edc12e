"""Background tasks: the thread backend, periodic tasks, the settings, and Celery on real brokers."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.tasks import TaskContext, TaskResultStatus, task, task_backends
from django.tasks.exceptions import InvalidTaskBackend

from config.settings import tasks_setting
from liaison.core import tasks
from liaison.core.tasks import (
    RUN_TASK,
    PeriodicTask,
    PeriodicTimer,
    beat_schedule,
    broker_priority,
    discover_tasks,
    drain,
    periodic,
    periodic_tasks,
    shutdown,
    start_periodic,
)

ROOT = Path(__file__).resolve().parents[3]
WAIT = 10.0  # seconds: generous, a test only waits that long when it is failing

# What the tasks below did, and gates that hold them until a test lets them go. Tasks take only
# JSON arguments, so they name their gate rather than receive it.
ran: list[tuple[str, int]] = []
_gates: dict[str, threading.Event] = {}
_lock = threading.Lock()


def gate(name: str) -> threading.Event:
    with _lock:
        return _gates.setdefault(name, threading.Event())


@task()
def note(label: str) -> str:
    with _lock:
        ran.append((label, threading.get_ident()))
    return label.upper()


@task()
def held(label: str) -> None:
    """Says it started, then waits for the test to open its gate."""
    gate(f"{label}:started").set()
    if not gate(label).wait(WAIT):
        raise TimeoutError(f"the gate {label!r} was never opened")
    note.call(label)


@task()
def fail(message: str) -> None:
    raise ValueError(message)


@task()
def make_group(name: str) -> None:
    Group.objects.create(name=name)


@task()
async def note_async(label: str) -> None:
    note.call(label)


@task(takes_context=True)
def note_attempt(context: TaskContext, label: str) -> None:
    note.call(f"{label}:{context.attempt}")


@task()
def tick() -> None:
    note.call("tick")


@pytest.fixture(autouse=True)
def _fresh_records():
    ran.clear()
    _gates.clear()
    yield
    for event in list(_gates.values()):  # a failed test must not leave a task waiting
        event.set()


@pytest.fixture
def thread_tasks(settings):
    """TASKS on the thread backend for one test; its threads are stopped afterwards."""

    def use(threads: int = 1) -> None:
        settings.TASKS = {
            "default": {"BACKEND": "liaison.core.tasks.ThreadBackend", "OPTIONS": {"threads": threads}}
        }

    use()
    yield use
    for event in list(_gates.values()):
        event.set()
    assert shutdown(WAIT), "the task threads did not stop"


@pytest.fixture
def registry(monkeypatch):
    """An empty periodic-task registry for one test (registration is process-wide).

    The apps' task modules are imported first, so that their periodic tasks are registered in the
    real registry, not in this test's.
    """
    discover_tasks()
    monkeypatch.setattr(tasks, "_periodic", {})


# --- the thread backend ---


def test_the_thread_backend_returns_before_the_task_ends_and_runs_it_on_another_thread(thread_tasks):
    # given a task that waits for the test
    # when it is enqueued
    result = held.enqueue("first")
    # then enqueue has returned while the task waits, on another thread
    assert gate("first:started").wait(WAIT)
    assert result.status == TaskResultStatus.RUNNING
    assert ran == []
    # and once let go, it finishes and its result says so
    gate("first").set()
    assert drain(WAIT)
    assert [label for label, _ in ran] == ["first"]
    assert ran[0][1] != threading.get_ident()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.worker_ids and result.finished_at is not None


def test_drain_waits_for_every_queued_task_and_says_when_it_gave_up(thread_tasks):
    # given a task that holds the only thread, and three queued behind it
    held.enqueue("slow")
    results = [note.enqueue(f"n{i}") for i in range(3)]
    assert gate("slow:started").wait(WAIT)
    # then drain gives up while they wait
    assert drain(0.2) is False
    assert all(r.status == TaskResultStatus.READY for r in results)
    # and when the first is let go, drain returns once all four have run, in order
    gate("slow").set()
    assert drain(WAIT) is True
    assert [label for label, _ in ran] == ["slow", "n0", "n1", "n2"]
    assert [r.return_value for r in results] == ["N0", "N1", "N2"]


def test_a_failing_task_is_logged_with_its_traceback_and_the_next_task_still_runs(thread_tasks, caplog):
    caplog.set_level(logging.ERROR, logger="liaison.tasks")
    # when a task raises and another follows it
    failed = fail.enqueue("the printer is on fire")
    after = note.enqueue("after")
    # then the enqueuer saw nothing, and the next task ran on the same (only) thread
    assert drain(WAIT)
    assert failed.status == TaskResultStatus.FAILED
    assert failed.errors[0].exception_class is ValueError
    assert after.status == TaskResultStatus.SUCCESSFUL
    # and the failure is logged with its traceback
    records = [r for r in caplog.records if r.name == "liaison.tasks"]
    assert len(records) == 1
    assert "liaison.core.tests.test_tasks.fail" in records[0].getMessage()
    assert records[0].exc_info is not None
    assert "the printer is on fire" in caplog.text


def test_the_threads_option_runs_that_many_tasks_at_once(thread_tasks):
    # given two threads
    thread_tasks(threads=2)
    # when two tasks wait for each other's start
    held.enqueue("a")
    held.enqueue("b")
    # then both start before either finishes
    assert gate("a:started").wait(WAIT)
    assert gate("b:started").wait(WAIT)
    gate("a").set()
    gate("b").set()
    assert drain(WAIT)
    assert len({ident for _, ident in ran}) == 2


def test_a_higher_priority_task_runs_before_one_enqueued_earlier(thread_tasks):
    # given the only thread busy
    held.enqueue("busy")
    assert gate("busy:started").wait(WAIT)
    # when a low and then a high priority task are queued
    note.using(priority=-10).enqueue("low")
    note.using(priority=10).enqueue("high")
    gate("busy").set()
    # then the high one runs first
    assert drain(WAIT)
    assert [label for label, _ in ran] == ["busy", "high", "low"]


def test_coroutine_tasks_and_tasks_that_take_their_context_run_on_the_thread_backend(thread_tasks):
    note_async.enqueue("async")
    note_attempt.enqueue("context")
    assert drain(WAIT)
    assert sorted(label for label, _ in ran) == ["async", "context:1"]


@pytest.mark.django_db(transaction=True)
def test_a_task_on_a_worker_thread_writes_with_its_own_database_connection(thread_tasks):
    # given a committed transaction that enqueues a task on commit
    with transaction.atomic():
        transaction.on_commit(lambda: make_group.enqueue("from a thread"))
        assert not Group.objects.exists()
    # then the worker thread's write is visible here
    assert drain(WAIT)
    assert Group.objects.filter(name="from a thread").exists()


def test_the_threads_option_must_be_a_whole_number_of_at_least_one(settings):
    settings.TASKS = {"default": {"BACKEND": "liaison.core.tasks.ThreadBackend", "OPTIONS": {"threads": 0}}}
    with pytest.raises(InvalidTaskBackend, match="threads"):
        task_backends["default"]  # the backend is built on first use


def test_drain_is_true_at_once_in_immediate_mode():
    note.enqueue("now")
    assert ran and drain(0)


# --- periodic tasks ---


def test_periodic_registers_a_task_with_its_interval(registry):
    assert periodic(60)(tick) is tick
    assert periodic_tasks() == [PeriodicTask(tick, 60)]


def test_periodic_refuses_what_it_could_not_run(registry):
    with pytest.raises(TypeError, match="above @task"):
        periodic(60)(tick.func)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="requires label"):
        periodic(60)(note)
    with pytest.raises(ValueError, match="at least 1"):
        periodic(0)
    assert periodic_tasks() == []


def test_the_timer_enqueues_each_periodic_task_when_it_falls_due():
    # given a timer for a task due every tenth of a second (the tests run tasks immediately)
    timer = PeriodicTimer([PeriodicTask(tick, 0.1)]).start()
    try:
        # then it runs several times in a little over half a second, not at once
        assert ran == []
        deadline = time.monotonic() + WAIT
        while len(ran) < 4 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        timer.stop()
    assert len(ran) >= 4
    assert all(ident != threading.get_ident() for _, ident in ran)
    count = len(ran)
    time.sleep(0.25)
    assert len(ran) == count, "the timer went on after stop()"


def test_discover_tasks_imports_the_tasks_module_of_every_liaison_app():
    found = discover_tasks()
    assert "liaison.core.tasks" in found
    assert all(name.startswith("liaison.") and name.endswith(".tasks") for name in found)
    assert all(name in sys.modules for name in found)


def test_start_periodic_starts_one_timer_for_the_registered_tasks(registry):
    periodic(3600)(tick)
    timer = start_periodic()
    try:
        assert timer is not None and timer.running
        assert timer.entries == [PeriodicTask(tick, 3600)]
        assert start_periodic() is timer
    finally:
        assert timer is not None
        timer.stop()
    assert not timer.running


def test_start_periodic_leaves_celery_mode_to_beat(registry, settings):
    periodic(3600)(tick)
    settings.TASKS = tasks_setting("celery", broker_url="redis://127.0.0.1:6379/15")
    assert start_periodic() is None


def test_beat_schedule_sends_each_periodic_task_through_run_task(registry):
    periodic(60)(tick)
    schedule = beat_schedule("liaison.", "amqp")
    path = "liaison.core.tests.test_tasks.tick"
    assert schedule == {
        path: {
            "task": RUN_TASK,
            "schedule": schedule[path]["schedule"],
            "args": [path, [], {}],
            "options": {"queue": "liaison.default", "priority": 4},
        }
    }
    assert schedule[path]["schedule"].total_seconds() == 60


# --- settings ---


def test_liaison_tasks_chooses_the_backend():
    assert tasks_setting("thread", threads=3)["default"] == {
        "BACKEND": "liaison.core.tasks.ThreadBackend",
        "OPTIONS": {"threads": 3},
        "QUEUES": ["default"],
    }
    assert (
        tasks_setting("immediate")["default"]["BACKEND"] == "django.tasks.backends.immediate.ImmediateBackend"
    )
    celery = tasks_setting("celery", broker_url="amqp://guest:guest@127.0.0.1:5672//")["default"]
    assert celery["BACKEND"] == "liaison.core.tasks.CeleryBackend"
    assert celery["OPTIONS"] == {
        "broker_url": "amqp://guest:guest@127.0.0.1:5672//",
        "queue_prefix": "liaison.",
    }


def test_celery_mode_without_a_broker_address_is_refused_with_what_to_set():
    with pytest.raises(ImproperlyConfigured, match="LIAISON_TASKS=celery needs LIAISON_BROKER_URL"):
        tasks_setting("celery")
    with pytest.raises(ImproperlyConfigured, match="not http://") as refused:
        tasks_setting("celery", broker_url="http://user:secret@example.org/")
    assert "secret" not in str(refused.value)
    with pytest.raises(ImproperlyConfigured, match="one of thread, immediate, celery, not 'threads'"):
        tasks_setting("threads")


def test_the_celery_backend_refuses_an_address_that_is_not_a_broker_without_quoting_it(settings):
    settings.TASKS = {
        "default": {
            "BACKEND": "liaison.core.tasks.CeleryBackend",
            "OPTIONS": {"broker_url": "https://user:secret@mq.example.org/"},
        }
    }
    with pytest.raises(InvalidTaskBackend, match="redis:// or amqp://") as refused:
        task_backends["default"]  # the backend is built on first use
    assert "secret" not in str(refused.value)


def _python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("LIAISON_TASKS", "LIAISON_BROKER"))}
    environ.update(DJANGO_SETTINGS_MODULE="config.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=60
    )


def test_the_process_does_not_start_in_celery_mode_without_a_broker_address():
    run = _python("import django; django.setup()", LIAISON_TASKS="celery")
    assert run.returncode != 0
    assert "ImproperlyConfigured: LIAISON_TASKS=celery needs LIAISON_BROKER_URL" in run.stderr


def test_config_celery_is_the_worker_app_for_the_broker_address():
    # given only a broker address (config.celery chooses Celery mode itself)
    code = (
        "import json; from config.celery import app; c = app.conf; print(json.dumps({"
        "'broker': c.broker_url, 'serializer': c.task_serializer, 'accept': list(c.accept_content),"
        "'acks_late': c.task_acks_late, 'prefetch': c.worker_prefetch_multiplier,"
        "'reject_on_lost': c.task_reject_on_worker_lost, 'queue': c.task_default_queue,"
        f"'queues': sorted(app.amqp.queues), 'run_task': {RUN_TASK!r} in app.tasks}}))"
    )
    run = _python(code, LIAISON_BROKER_URL="redis://127.0.0.1:6379/15")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout.strip().splitlines()[-1]) == {
        "broker": "redis://127.0.0.1:6379/15",
        "serializer": "json",
        "accept": ["json"],
        "acks_late": True,
        "prefetch": 1,
        "reject_on_lost": True,
        "queue": "liaison.default",
        "queues": ["liaison.default"],
        "run_task": True,
    }


def test_config_celery_refuses_a_process_set_to_another_mode():
    run = _python("import config.celery", LIAISON_TASKS="thread", LIAISON_BROKER_URL="redis://127.0.0.1/15")
    assert run.returncode != 0
    assert "set LIAISON_TASKS=celery" in run.stderr


def test_priorities_map_onto_each_brokers_scale():
    # RabbitMQ serves higher numbers first, Redis lower numbers first.
    assert [broker_priority(p, "amqp") for p in (-100, 0, 100)] == [0, 4, 9]
    assert [broker_priority(p, "redis") for p in (-100, 0, 100)] == [9, 5, 0]


def test_drain_in_celery_mode_needs_a_worker_in_this_process(settings, monkeypatch):
    # given no in-process worker (the broker tests' worker may still run in this process)
    monkeypatch.setattr(tasks, "_outstanding", tasks._Outstanding())
    settings.TASKS = tasks_setting("celery", broker_url="redis://127.0.0.1:6379/15")
    with pytest.raises(RuntimeError, match="in_process_worker"):
        drain(0)


# --- Celery through the real brokers ---


@pytest.mark.broker
def test_a_task_enqueued_on_commit_goes_through_the_broker_and_writes_to_the_database(celery_broker):
    # given a transaction that enqueues on commit
    with transaction.atomic():
        transaction.on_commit(lambda: make_group.enqueue(f"via {celery_broker.name}"))
    # when the worker has run it
    celery_broker.drain(WAIT)
    # then its row is there
    assert Group.objects.filter(name=f"via {celery_broker.name}").exists()


@pytest.mark.broker
def test_a_rolled_back_transaction_sends_nothing_to_the_broker(celery_broker):
    with pytest.raises(RuntimeError), transaction.atomic():
        transaction.on_commit(lambda: make_group.enqueue("never"))
        raise RuntimeError("rolled back")
    assert celery_broker.ready() == 0
    assert drain(WAIT)
    assert not Group.objects.exists()


@pytest.mark.broker
def test_a_failing_task_on_the_worker_does_not_stop_the_next(celery_broker):
    result = fail.enqueue("boom")
    note.enqueue("after")
    celery_broker.drain(WAIT)
    assert len(result.id) == 36  # the Celery task id
    assert [label for label, _ in ran] == ["after"]


@pytest.mark.broker
def test_the_broker_hands_out_a_higher_priority_task_first(celery_broker):
    # given the worker busy (it takes one message at a time)
    held.enqueue("busy")
    assert gate("busy:started").wait(WAIT)
    # when a low and then a high priority task wait in the queue
    note.using(priority=-100).enqueue("low")
    note.using(priority=100).enqueue("high")
    assert celery_broker.ready() == 2  # both are on the broker once enqueue has returned
    gate("busy").set()
    # then the high one runs first
    celery_broker.drain(WAIT)
    assert [label for label, _ in ran] == ["busy", "high", "low"]

"""Background tasks: the backends behind Django's `django.tasks`, and periodic tasks.

Application code writes only `from django.tasks import task`, decorates a module-level function
with `@task()` and calls `some_task.enqueue(*json_args)`, usually in `transaction.on_commit`.
Which backend runs it is configuration (`LIAISON_TASKS`, see docs/tasks.md):

- `ThreadBackend` ("thread", the default): a queue and daemon worker threads in this process.
  Nothing to install, nothing to run beside the server; queued work is lost if the process dies.
- `CeleryBackend` ("celery"): a message to Redis or RabbitMQ, run by `celery -A config worker`.
  Every task goes through one generic Celery task, `liaison.run_task`, so task modules know
  nothing of Celery.
- Django's `ImmediateBackend` ("immediate"): runs the task inside `enqueue`; the test suite's
  default, so tests are deterministic.

No backend supports `run_after`, and none can fetch a result from another process: a feature
that works in one mode must work in all three, and the test suite runs the immediate one.

`@periodic(seconds)` above `@task()` registers a task to run every so often: a timer thread
enqueues it in thread mode (`start_periodic()`, called by `liaison serve` and `liaison demo`),
`celery -A config beat` in Celery mode (`beat_schedule()`).
"""

from __future__ import annotations

import atexit
import importlib
import importlib.util
import inspect
import itertools
import logging
import os
import queue
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from traceback import format_exception
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.apps import apps
from django.core.signals import setting_changed
from django.db import close_old_connections, connections
from django.dispatch import receiver
from django.tasks import (
    DEFAULT_TASK_BACKEND_ALIAS,
    Task,
    TaskContext,
    TaskResult,
    TaskResultStatus,
    task_backends,
)
from django.tasks.backends.base import BaseTaskBackend
from django.tasks.base import TASK_MAX_PRIORITY, TASK_MIN_PRIORITY, TaskError
from django.tasks.exceptions import InvalidTaskBackend
from django.tasks.signals import task_enqueued, task_finished, task_started
from django.utils import timezone
from django.utils.json import normalize_json
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from celery import Celery

logger = logging.getLogger("liaison.tasks")

RUN_TASK = "liaison.run_task"
"""The one Celery task: `liaison.run_task(module_path, args, kwargs)` runs any `@task`."""

BROKER_SCHEMES = {"redis", "rediss", "amqp", "amqps", "pyamqp"}


# --- running one task -------------------------------------------------------------------------


def _execute(result: TaskResult[Any, Any], *, sender: type, worker_id: str) -> BaseException | None:
    """Run the result's task on this thread, recording the outcome on `result`.

    Database connections are handled as a request handles them: stale ones are closed before and
    after, so a long-lived worker thread neither reuses a broken connection nor keeps one past
    CONN_MAX_AGE. Returns the exception the task raised, or None.
    """
    task = result.task
    close_old_connections()
    started = timezone.now()
    object.__setattr__(result, "status", TaskResultStatus.RUNNING)
    object.__setattr__(result, "started_at", started)
    object.__setattr__(result, "last_attempted_at", started)
    result.worker_ids.append(worker_id)
    task_started.send(sender=sender, task_result=result)
    error: BaseException | None = None
    try:
        if task.takes_context:
            value = task.call(TaskContext(task_result=result), *result.args, **result.kwargs)
        else:
            value = task.call(*result.args, **result.kwargs)
        object.__setattr__(result, "_return_value", normalize_json(value))
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # a task's failure, whatever it is, must not end the worker
        error = exc
        kind = type(exc)
        result.errors.append(
            TaskError(
                exception_class_path=f"{kind.__module__}.{kind.__qualname__}",
                traceback="".join(format_exception(exc)),
            )
        )
    finally:
        close_old_connections()
    object.__setattr__(result, "finished_at", timezone.now())
    object.__setattr__(result, "status", TaskResultStatus.FAILED if error else TaskResultStatus.SUCCESSFUL)
    # Sent outside the except block, so Django's own receiver logs one line, not a second traceback.
    task_finished.send(sender=sender, task_result=result)
    return error


def _new_result(alias: str, task: Task[Any, Any], args: Any, kwargs: Any, id_: str) -> Any:
    return TaskResult(
        task=task,
        id=id_,
        status=TaskResultStatus.READY,
        enqueued_at=None,
        started_at=None,
        finished_at=None,
        last_attempted_at=None,
        args=args,
        kwargs=kwargs,
        backend=alias,
        errors=[],
        worker_ids=[],
    )


# --- the thread backend -----------------------------------------------------------------------

_STOP = TASK_MAX_PRIORITY + 1  # sorts after every task: a stopping thread finishes the queue first


class _Pool:
    """A priority queue and its worker threads, shared by every thread of the process.

    Django makes one backend instance per thread (waitress serves on eight), so the queue cannot
    live on the backend: the instances of one alias share one pool.
    """

    def __init__(self, alias: str, threads: int) -> None:
        self.alias = alias
        self.size = threads
        self._queue: queue.PriorityQueue[tuple[int, int, TaskResult[Any, Any] | None]] = queue.PriorityQueue()
        self._order = itertools.count()
        self._done = threading.Condition()
        self._unfinished = 0
        self._threads: list[threading.Thread] = []
        self._closed = False

    def submit(self, result: TaskResult[Any, Any]) -> None:
        with self._done:
            if self._closed:
                raise RuntimeError(f"the task threads of {self.alias!r} are shutting down")
            self._unfinished += 1
            if not self._threads:
                for number in range(1, self.size + 1):
                    thread = threading.Thread(
                        target=self._work, name=f"liaison-tasks-{self.alias}-{number}", daemon=True
                    )
                    thread.start()
                    self._threads.append(thread)
            # Higher priority first, then first come, first served.
            self._queue.put((-result.task.priority, next(self._order), result))

    def _work(self) -> None:
        worker_id = f"{socket.gethostname()}:{os.getpid()}:{threading.current_thread().name}"
        try:
            while True:
                _, _, result = self._queue.get()
                if result is None:
                    return
                try:
                    error = _execute(result, sender=ThreadBackend, worker_id=worker_id)
                    if error is not None:
                        logger.error(
                            "Task %s (id %s) failed",
                            result.task.module_path,
                            result.id,
                            exc_info=(type(error), error, error.__traceback__),
                        )
                except BaseException:  # the bookkeeping itself failed: say so, keep the thread
                    logger.exception("Task %s (id %s) could not be run", result.task.module_path, result.id)
                finally:
                    with self._done:
                        self._unfinished -= 1
                        self._done.notify_all()
        finally:
            connections.close_all()  # this thread's connections only; it is ending

    def unfinished(self) -> int:
        with self._done:
            return self._unfinished

    def drain(self, timeout: float) -> bool:
        with self._done:
            return self._done.wait_for(lambda: self._unfinished == 0, timeout=max(timeout, 0))

    def close(self) -> None:
        """Let the threads finish what is queued, then end; later tasks go to a new pool."""
        with self._done:
            if self._closed:
                return
            self._closed = True
            for _ in self._threads:
                self._queue.put((_STOP, next(self._order), None))

    def join(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(deadline - time.monotonic(), 0))
        return not any(thread.is_alive() for thread in self._threads)


_pools: dict[str, _Pool] = {}
_closed_pools: list[_Pool] = []
_pools_lock = threading.Lock()
_at_exit_registered = False


def _pool(alias: str, threads: int) -> _Pool:
    global _at_exit_registered
    with _pools_lock:
        pool = _pools.get(alias)
        if pool is None:
            if not _at_exit_registered:
                atexit.register(_finish_at_exit)
                _at_exit_registered = True
            pool = _pools[alias] = _Pool(alias, threads)
        return pool


def _all_pools() -> list[_Pool]:
    with _pools_lock:
        return [*_closed_pools, *_pools.values()]


def _close_pools() -> list[_Pool]:
    """Close every pool (later tasks start new ones); returns the closed pools still running."""
    with _pools_lock:
        for pool in _pools.values():
            pool.close()
            _closed_pools.append(pool)
        _pools.clear()
        _closed_pools[:] = [pool for pool in _closed_pools if not pool.join(0)]
        return list(_closed_pools)


@receiver(setting_changed)
def _close_pools_on_new_settings(*, setting: str, **kwargs: Any) -> None:
    """A new TASKS setting (tests) gets new pools; the old ones finish their queue and stop."""
    if setting == "TASKS":
        _close_pools()


class ThreadBackend(BaseTaskBackend):
    """Runs tasks on daemon threads of this process; `enqueue` returns at once.

    OPTIONS: `threads` (default 1), the number of worker threads. Tasks run in priority order,
    then in the order they were enqueued. The returned `TaskResult` is the one the worker updates
    (READY, RUNNING, then SUCCESSFUL or FAILED); `get_result` is not supported. A task that
    raises is logged on "liaison.tasks" with its traceback; the worker goes on with the next.
    """

    supports_defer = False
    supports_async_task = True
    supports_get_result = False
    supports_priority = True

    def __init__(self, alias: str, params: dict[str, Any]) -> None:
        super().__init__(alias, params)
        threads = self.options.get("threads", 1)
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            raise InvalidTaskBackend(
                f"TASKS[{alias!r}]['OPTIONS']['threads'] must be a whole number of at least 1, "
                f"not {threads!r}"
            )
        self.threads: int = threads

    def enqueue(self, task: Task[Any, Any], args: Any, kwargs: Any) -> Any:
        self.validate_task(task)
        result = _new_result(self.alias, task, args, kwargs, uuid.uuid4().hex)
        object.__setattr__(result, "enqueued_at", timezone.now())
        task_enqueued.send(type(self), task_result=result)  # before a worker thread can start it
        _pool(self.alias, self.threads).submit(result)
        return result


def _finish_at_exit() -> None:
    """On a normal exit (Ctrl-C on the server), give queued tasks a few seconds to finish."""
    pending = sum(pool.unfinished() for pool in _all_pools())
    if pending:
        logger.warning("Waiting up to 10 seconds for %d background tasks to finish", pending)
        if not shutdown(10.0):
            logger.error("Background tasks were still running at exit; they are lost")


def shutdown(timeout: float = 10.0) -> bool:
    """Stop the task threads of this process once their queues are empty; true when all ended."""
    deadline = time.monotonic() + timeout
    ended = True
    for pool in _close_pools():  # every pool is waited for, even after one did not end in time
        ended = pool.join(deadline - time.monotonic()) and ended
    _close_pools()  # forget the ones that ended
    return ended


# --- the Celery backend -----------------------------------------------------------------------


class _Outstanding:
    """What this process sent to a broker and a worker in this process has not yet run.

    Only kept while an in-process worker runs (`in_process_worker`, the tests' broker fixture):
    a web process never learns when a remote worker finishes, so it records nothing.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._ids: set[str] = set()
        self._workers = 0

    @property
    def watching(self) -> bool:
        return self._workers > 0

    def watch(self, delta: int) -> None:
        with self._changed:
            self._workers += delta
            if not self._workers:
                self._ids.clear()
                self._changed.notify_all()

    def sent(self, task_id: str) -> None:
        if self._workers:
            with self._changed:
                self._ids.add(task_id)

    def done(self, task_id: str) -> None:
        with self._changed:
            self._ids.discard(task_id)
            self._changed.notify_all()

    def wait(self, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: not self._ids, timeout=max(timeout, 0))


_outstanding = _Outstanding()


def broker_priority(priority: int, transport: str) -> int:
    """Django's priority (-100..100, higher first) as the broker's 0..9.

    RabbitMQ serves higher numbers first (the queues are declared with x-max-priority 9); Redis
    serves lower numbers first.
    """
    span = TASK_MAX_PRIORITY - TASK_MIN_PRIORITY
    level = (priority - TASK_MIN_PRIORITY) * 9 // span
    return 9 - level if transport.startswith("redis") else level


_celery_apps: dict[str, Celery] = {}
_celery_apps_lock = threading.Lock()


def celery_app(broker_url: str) -> Celery:
    """The Celery app for a broker (one per process and broker), with `liaison.run_task`.

    JSON only; a message is acknowledged after its task ran (`task_acks_late`) and put back if
    the worker died running it (`task_reject_on_worker_lost`), and a worker takes one message at a
    time (`worker_prefetch_multiplier=1`), so a crash loses no message a worker had reserved. On
    RabbitMQ, publishing waits for the broker's confirmation. Results are not stored.
    config/celery.py adds the worker's queues and the beat schedule.
    """
    with _celery_apps_lock:
        if broker_url in _celery_apps:
            return _celery_apps[broker_url]
        from celery import Celery

        scheme = urlsplit(broker_url).scheme
        if scheme not in BROKER_SCHEMES:  # the address is not quoted: it may hold a password
            raise ValueError(f"not a redis:// or amqp:// address (it starts {scheme or 'with no scheme'})")
        app = Celery("liaison", broker=broker_url, set_as_current=False)
        app.conf.update(
            task_serializer="json",
            result_serializer="json",
            event_serializer="json",
            accept_content=["json"],
            result_accept_content=["json"],
            task_acks_late=True,
            task_reject_on_worker_lost=True,
            worker_prefetch_multiplier=1,
            task_ignore_result=True,
            result_expires=None,  # no results, so no daily celery.backend_cleanup in beat
            broker_connection_retry_on_startup=True,
        )
        if scheme.startswith("redis"):
            # One list per priority 0..9 (Kombu's default is 4 levels).
            app.conf.broker_transport_options = {"priority_steps": list(range(10))}
        else:
            app.conf.task_queue_max_priority = 9
            # enqueue returns once RabbitMQ has the message, not once it is on the wire.
            app.conf.broker_transport_options = {"confirm_publish": True}
        app.task(name=RUN_TASK, bind=True, shared=False)(_run_task)
        _celery_apps[broker_url] = app
        return app


def _run_task(celery_task: Any, module_path: str, args: list[Any], kwargs: dict[str, Any]) -> None:
    """`liaison.run_task`: import the `@task` at module_path and run it on the worker."""
    try:
        task = import_string(module_path)
        if not isinstance(task, Task):
            raise TypeError(f"{module_path} is not a @task (it is {type(task).__name__})")
        result = _new_result(task.backend, task, args, kwargs, celery_task.request.id or "")
        error = _execute(result, sender=CeleryBackend, worker_id=str(celery_task.request.hostname))
        if error is not None:
            raise error  # Celery logs it with its traceback and records the task as failed
    finally:
        _outstanding.done(celery_task.request.id)


class CeleryBackend(BaseTaskBackend):
    """Sends each task to a Celery worker through Redis or RabbitMQ.

    OPTIONS: `broker_url` (redis://… or amqp://…), `queue_prefix` (Celery's queue for Django's
    queue "default" is `<prefix>default`). The task's priority is passed on (see
    `broker_priority`). The returned `TaskResult` carries the Celery task id and stays READY:
    results are not stored, and `get_result` is not supported.
    """

    supports_defer = False
    supports_async_task = True
    supports_get_result = False
    supports_priority = True

    def __init__(self, alias: str, params: dict[str, Any]) -> None:
        super().__init__(alias, params)
        self.broker_url: str = self.options.get("broker_url", "")
        self.queue_prefix: str = self.options.get("queue_prefix", "")
        self.transport = urlsplit(self.broker_url).scheme
        if self.transport not in BROKER_SCHEMES:
            raise InvalidTaskBackend(  # the address is not quoted: it may hold a password
                f"TASKS[{alias!r}]['OPTIONS']['broker_url'] must be a redis:// or amqp:// address, "
                f"not {self.transport + '://…' if self.transport else 'empty'} (set LIAISON_BROKER_URL)"
            )

    @property
    def app(self) -> Celery:
        return celery_app(self.broker_url)

    def celery_queues(self) -> list[str]:
        """The Celery queues for this backend's Django queues (what its workers consume)."""
        return [f"{self.queue_prefix}{name}" for name in sorted(self.queues)]

    def enqueue(self, task: Task[Any, Any], args: Any, kwargs: Any) -> Any:
        self.validate_task(task)
        result = _new_result(self.alias, task, args, kwargs, str(uuid.uuid4()))
        object.__setattr__(result, "enqueued_at", timezone.now())
        _outstanding.sent(result.id)  # before sending: the worker may finish before send returns
        try:
            self.app.send_task(
                RUN_TASK,
                args=[task.module_path, result.args, result.kwargs],
                task_id=result.id,
                queue=f"{self.queue_prefix}{task.queue_name}",
                priority=broker_priority(task.priority, self.transport),
            )
        except BaseException:
            _outstanding.done(result.id)
            raise
        task_enqueued.send(type(self), task_result=result)
        return result


@contextmanager
def in_process_worker(app: Celery, queues: Sequence[str], *, shutdown_timeout: float = 10.0) -> Iterator[Any]:
    """Run a Celery worker on a thread of this process (tests, benchmarks) while in the block.

    The worker takes one message at a time from `queues` (pool "solo"), leaves this process's
    logging alone, and lets `drain()` wait for the tasks this process sends.
    """
    from celery import signals
    from celery.contrib.testing.worker import start_worker

    def keep_logging(**kwargs: Any) -> None:
        """A receiver here tells Celery not to configure logging (nor to take the root logger)."""

    def close_connections(**kwargs: Any) -> None:
        """The worker's thread ends with the block: it must not leave a connection open."""
        connections.close_all()

    uid = "liaison-in-process-worker"
    signals.setup_logging.connect(keep_logging, weak=False, dispatch_uid=uid)
    signals.task_postrun.connect(close_connections, weak=False, dispatch_uid=uid)
    app.conf.worker_enable_remote_control = False  # no pidbox queues left on the broker
    _outstanding.watch(+1)
    try:
        with start_worker(
            app,
            queues=list(queues),
            pool="solo",
            concurrency=1,
            perform_ping_check=False,
            shutdown_timeout=shutdown_timeout,
            # The event loop waits on RabbitMQ's socket with no timeout and would not see the
            # stop flag; the plain loop looks at it between waits of at most two seconds.
            use_eventloop=False,
        ) as worker:
            yield worker
    finally:
        _outstanding.watch(-1)
        signals.setup_logging.disconnect(dispatch_uid=uid)
        signals.task_postrun.disconnect(dispatch_uid=uid)


# --- draining ---------------------------------------------------------------------------------


def drain(timeout: float = 10.0) -> bool:
    """Wait until every task enqueued so far in this process has finished; false on timeout.

    Thread mode: the task threads' queues are empty and nothing runs. Immediate mode: always true.
    Celery mode: only while `in_process_worker` runs (a remote worker reports nothing back here).
    """
    backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    if isinstance(backend, CeleryBackend) and not _outstanding.watching:
        raise RuntimeError(
            "drain() cannot see a Celery worker in another process; it waits only for "
            "in_process_worker() (the celery_broker test fixture starts one)"
        )
    deadline = time.monotonic() + timeout
    while True:
        if not all(pool.drain(deadline - time.monotonic()) for pool in _all_pools()):
            return False
        if not _outstanding.wait(deadline - time.monotonic()):
            return False
        # A task may have enqueued another while we waited on the other side.
        if not any(pool.unfinished() for pool in _all_pools()):
            return True


# --- periodic tasks ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodicTask:
    task: Task[Any, Any]
    seconds: float


_periodic: dict[str, PeriodicTask] = {}


def periodic(seconds: int) -> Callable[[Task[Any, Any]], Task[Any, Any]]:
    """Run a task every `seconds`, without arguments; goes above `@task()`.

        @periodic(60)
        @task()
        def sweep_outbox() -> None: ...

    Registered when its module is imported: put periodic tasks in `<app>/tasks.py`, which
    `discover_tasks()` imports. The first run is one interval after the timer or beat starts.
    """
    if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 1:
        raise ValueError(f"@periodic needs a whole number of seconds of at least 1, not {seconds!r}")

    def register(task: Task[Any, Any]) -> Task[Any, Any]:
        if not isinstance(task, Task):
            raise TypeError("@periodic(...) goes above @task(): it registers a task, not a function")
        required = [
            p.name
            for p in list(inspect.signature(task.func).parameters.values())[int(task.takes_context) :]
            if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]
        if required:
            raise TypeError(
                f"{task.module_path} is run without arguments, but requires {', '.join(required)}"
            )
        _periodic[task.module_path] = PeriodicTask(task, seconds)
        return task

    return register


def periodic_tasks() -> list[PeriodicTask]:
    return sorted(_periodic.values(), key=lambda entry: entry.task.module_path)


def discover_tasks() -> list[str]:
    """Import `<app>.tasks` of every installed `liaison.` app that has one; returns their names."""
    found = []
    for config in apps.get_app_configs():
        name = f"{config.name}.tasks"
        if config.name.startswith("liaison.") and importlib.util.find_spec(name) is not None:
            importlib.import_module(name)
            found.append(name)
    return found


def beat_schedule(queue_prefix: str, transport: str) -> dict[str, dict[str, Any]]:
    """The periodic tasks as Celery beat's schedule: each sends `liaison.run_task` for it."""
    return {
        entry.task.module_path: {
            "task": RUN_TASK,
            "schedule": timedelta(seconds=entry.seconds),
            "args": [entry.task.module_path, [], {}],
            "options": {
                "queue": f"{queue_prefix}{entry.task.queue_name}",
                "priority": broker_priority(entry.task.priority, transport),
            },
        }
        for entry in periodic_tasks()
    }


class PeriodicTimer:
    """One daemon thread that enqueues each periodic task when it falls due.

    Due times advance by the interval from the previous due time, not from when the enqueue
    happened, so the rhythm does not drift; a run missed by more than an interval is skipped.
    """

    def __init__(self, entries: Sequence[PeriodicTask]) -> None:
        self.entries = list(entries)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> PeriodicTimer:
        if self.entries and not self.running:
            self._stopping.clear()
            self._thread = threading.Thread(target=self._run, name="liaison-periodic", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        start = time.monotonic()
        due = [start + entry.seconds for entry in self.entries]
        try:
            while True:
                index = min(range(len(due)), key=due.__getitem__)
                if self._stopping.wait(max(due[index] - time.monotonic(), 0)):
                    return
                entry = self.entries[index]
                try:
                    entry.task.enqueue()
                except Exception:
                    logger.exception("Periodic task %s could not be enqueued", entry.task.module_path)
                finally:
                    close_old_connections()  # the immediate backend runs the task on this thread
                due[index] += entry.seconds
                if due[index] <= time.monotonic():
                    due[index] = time.monotonic() + entry.seconds
        finally:
            connections.close_all()


_timer: PeriodicTimer | None = None
_timer_lock = threading.Lock()


def start_periodic() -> PeriodicTimer | None:
    """Start enqueuing the periodic tasks from this process (the server's startup calls it).

    Imports every app's tasks module first. In Celery mode it does nothing: `celery -A config
    beat` schedules them. Calling it again while the timer runs returns the running timer.
    """
    global _timer
    discover_tasks()
    if isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], CeleryBackend):
        logger.info("Periodic tasks are scheduled by celery beat, not by this process")
        return None
    entries = periodic_tasks()
    if not entries:
        return None
    with _timer_lock:
        if _timer is None or not _timer.running:
            _timer = PeriodicTimer(entries).start()
            logger.info(
                "Periodic tasks enqueued from this process: %s",
                ", ".join(f"{e.task.module_path} every {e.seconds:g}s" for e in entries),
            )
        return _timer

"""The Celery app "liaison", for `celery -A config worker` and `celery -A config beat`.

Only used in Celery mode (docs/tasks.md): web processes send through `CeleryBackend` and never
import this module. It sets Django up in Celery mode (LIAISON_TASKS defaults to `celery` here, so
a task that enqueues another sends it to the broker too), takes the app for LIAISON_BROKER_URL
(`liaison.core.tasks.celery_app`: JSON only, late acknowledgement, one message at a time, the
one task `liaison.run_task`), makes the worker consume this deployment's queues, and turns the
registry of `@periodic` tasks into beat's schedule.
"""

from __future__ import annotations

import os

import django
from django.apps import apps as django_apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LIAISON_TASKS", "celery")
if not django_apps.ready:
    django.setup()

from liaison.core.tasks import CeleryBackend, beat_schedule, celery_app, discover_tasks


def _backend() -> CeleryBackend:
    from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends

    backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    if not isinstance(backend, CeleryBackend):
        raise ImproperlyConfigured(
            f"config.celery runs Celery's worker and beat, but LIAISON_TASKS is "
            f"{os.environ.get('LIAISON_TASKS')!r}: set LIAISON_TASKS=celery (or leave it unset here)"
        )
    return backend


backend = _backend()
app = celery_app(backend.broker_url)
# Without -Q, a worker consumes every queue of this deployment (each with a direct exchange of
# its own name, as Celery makes for a queue it was not told about).
app.conf.task_queues = {name: {"exchange": name, "routing_key": name} for name in backend.celery_queues()}
app.conf.task_default_queue = f"{backend.queue_prefix}default"
discover_tasks()
app.conf.beat_schedule = beat_schedule(backend.queue_prefix, backend.transport)
settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
app.conf.beat_schedule_filename = str(settings.VAR_DIR / "celerybeat-schedule")

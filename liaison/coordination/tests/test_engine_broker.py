"""The engine's background work through a real broker (Redis and RabbitMQ) and a Celery worker:
the same outcomes as in-process."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from liaison.activities import services as activity_services
from liaison.activities.models import ActivityKind, LeaderRank
from liaison.activities.testing import make_activity
from liaison.coordination.models import ActivityChange, Notice, NoticeKind
from liaison.coordination.testing import make_agreement, make_rule
from liaison.core.audit import acting_as
from liaison.core.testing import make_org, make_person, make_superuser

pytestmark = pytest.mark.broker


def test_changes_become_notices_through_celery_exactly_once(celery_broker):
    root = make_superuser("root")
    mofa = make_org("Ministry of Foreign Affairs")
    vufo = make_org("VUFO", pillar="people")
    make_rule(make_agreement(mofa, vufo), recipient=vufo, source=mofa, high_level_only=True, lead_days=7)
    start = timezone.now() + dt.timedelta(days=20)
    activity = make_activity(
        "Visit through the broker",
        lead=mofa,
        kind=ActivityKind.INCOMING_VISIT,
        leader=make_person("Leader", owner=mofa),
        leader_rank=LeaderRank.HEAD_OF_STATE,
        starts_at=start,
        ends_at=start + dt.timedelta(days=1),
    )
    celery_broker.drain()
    assert [n.kind for n in Notice.objects.filter(activity_ref=activity.pk)] == [NoticeKind.NEW]
    later = start + dt.timedelta(days=1)
    # One transaction: the worker starts on the changes only once both committed (the test
    # database on SQLite is shared in memory, where a concurrent writer fails at once).
    with acting_as(root, via="test"), transaction.atomic():
        activity_services.update_activity(
            by=root, activity=activity, version=None, changes={"starts_at": later, "ends_at": later}
        )
        activity_services.update_activity(
            by=root, activity=activity, version=None, changes={"summary_en": "x"}
        )
    celery_broker.drain()
    kinds = list(
        Notice.objects.filter(activity_ref=activity.pk).order_by("sequence").values_list("kind", flat=True)
    )
    assert kinds == [NoticeKind.NEW, NoticeKind.UPDATE]
    assert not ActivityChange.objects.filter(processed_at__isnull=True).exists()

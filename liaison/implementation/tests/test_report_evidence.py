"""A report's evidence through the page: activities, documents and the coordination notices the
organisation sent or received (only those the reporter may read)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from liaison.activities.models import ActivityKind
from liaison.activities.testing import make_activity
from liaison.coordination import engine
from liaison.coordination.models import Notice, SharedField
from liaison.coordination.testing import make_agreement, make_rule
from liaison.core.testing import PASSWORD, make_org
from liaison.implementation.testing import assign_to, make_plan, make_task

pytestmark = pytest.mark.django_db


def test_a_notice_hanoi_received_is_offered_as_evidence_and_kept(world, client):
    mofa = make_org("Ministry of Foreign Affairs")
    agreement = make_agreement(mofa, world["hanoi"], owner=mofa, starts_on=dt.date(2020, 1, 1))
    make_rule(
        agreement, recipient=world["hanoi"], source=mofa, lead_days=14, shared_fields=[SharedField.TITLE]
    )
    start = timezone.now() + dt.timedelta(days=21)
    make_activity(
        "Visit of a Lao delegation",
        lead=mofa,
        kind=ActivityKind.INCOMING_VISIT,
        starts_at=start,
        ends_at=start + dt.timedelta(days=1),
    )
    engine.process_pending()
    notice = Notice.objects.get(recipient=world["hanoi"])
    today = timezone.localdate()
    plan = make_plan(
        world["directive"],
        owner=world["cerc"],
        starts_on=dt.date(today.year, 1, 1),
        ends_on=dt.date(today.year + 1, 12, 31),
    )
    (assignment,) = assign_to(make_task(plan), world["hanoi"])
    client.login(username="hnedit", password=PASSWORD)
    url = reverse("implementation:report-write", args=[assignment.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Visit of a Lao delegation" in page.content.decode()
    period = plan.periods.filter(starts_on__lte=today).last().label
    saved = client.post(
        url, {"period": period, "progress": "on_track", "percent": "10", "notices": [notice.pk], "save": "1"}
    )
    assert saved.status_code == 302
    report = assignment.reports.get()
    assert list(report.evidence_notices.all()) == [notice]
    assert report.percent == Decimal("10.0")
    # Huế's editor is offered nothing of Hà Nội's notices.
    (hue_assignment,) = assign_to(plan.tasks.get(), world["hue"])
    client.login(username="hueedit", password=PASSWORD)
    other = client.get(reverse("implementation:report-write", args=[hue_assignment.pk]))
    assert "Visit of a Lao delegation" not in other.content.decode()

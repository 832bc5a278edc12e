"""Reminders before a reporting deadline, overdue notices and escalation after it, through the
coordination notices: inbox, email, escalated box; settled by submitting the report."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from liaison.coordination.models import Delivery, Escalation, Notice, NoticeKind, NoticeStatus
from liaison.coordination.notices import visible_notices
from liaison.core.testing import PASSWORD
from liaison.implementation import reminders, services
from liaison.implementation.testing import assign_to, make_task

pytestmark = pytest.mark.django_db

# The plan runs 2023–2024, quarterly, reports due 15 days after each quarter, reminders 7 days before.
Q1_DUE = dt.date(2023, 4, 15)


@pytest.fixture
def owing(world):
    world["hanoi"].email = "external@hanoi.example"
    world["hanoi"].save()
    services.update_plan(
        by=world["root"], plan=world["plan"], version=None, changes={"coordinators": [world["coordinator"]]}
    )
    task = make_task(world["plan"], title_en="Receive delegations", title_ar="استقبال الوفود")
    return assign_to(task, world["hanoi"], world["hue"])


def sweep(day: dt.date):
    now = dt.datetime.combine(day, dt.time(8), tzinfo=dt.UTC)
    return reminders.sweep(today=day, now=now)


def test_no_reminder_before_the_window_then_one_each_once(world, owing):
    assert sweep(Q1_DUE - dt.timedelta(days=8)).reminders == 0
    result = sweep(Q1_DUE - dt.timedelta(days=7))
    assert result.reminders == 2
    assert sweep(Q1_DUE - dt.timedelta(days=3)).reminders == 0
    notice = Notice.objects.get(recipient=world["hanoi"], kind=NoticeKind.REMINDER)
    assert notice.payload["period"] == "2023-Q1"
    assert notice.link.endswith("?period=2023-Q1")
    assert notice.agreement_id is None and notice.status == NoticeStatus.OPEN


def test_a_reminder_is_emailed_to_the_organisation(world, owing, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sweep(Q1_DUE - dt.timedelta(days=2))
    assert Delivery.objects.filter(address="external@hanoi.example").exists()
    assert any("report" in m.body and "2023-Q1" in m.body for m in mail.outbox)


def test_who_reported_is_not_reminded_and_submitting_settles_the_notice(world, owing, report_for):
    hanoi, hue = owing
    report_for(hanoi, "2023-Q1", submit=True)
    sweep(Q1_DUE - dt.timedelta(days=2))
    assert list(Notice.objects.values_list("recipient_id", flat=True)) == [world["hue"].pk]
    report_for(hue, "2023-Q1", submit=True)
    assert Notice.objects.get(recipient=world["hue"]).status == NoticeStatus.ACKNOWLEDGED


def test_after_the_deadline_the_late_are_told_and_coordinators_see_the_escalation(world, owing, client):
    result = sweep(Q1_DUE + dt.timedelta(days=1))
    assert result.overdue == 2 and result.escalated == 2
    assert sweep(Q1_DUE + dt.timedelta(days=2)).overdue == 0
    escalation = Escalation.objects.filter(reason="report_missing").first()
    assert list(escalation.coordinators.all()) == [world["coordinator"]]
    notice = escalation.notice
    assert visible_notices(world["coordinator"]).filter(pk=notice.pk).exists()
    assert not visible_notices(world["hue_editor"]).filter(recipient=world["hanoi"]).exists()
    client.login(username="coord", password=PASSWORD)
    page = client.get(reverse("coordination:inbox") + "?box=escalated")
    assert page.status_code == 200 and "2023-Q1" in page.content.decode()
    detail = client.get(reverse("coordination:notice-detail", args=[notice.uid]))
    assert detail.status_code == 200
    assert "Open the report" in detail.content.decode()
    api = client.get(f"/api/coordination/notices/{notice.uid}")
    assert api.status_code == 200 and api.json()["agreement"] is None and api.json()["link"]


def test_old_deadlines_are_left_alone(world, owing):
    # given nobody swept while Q1's deadline passed / when the sweep runs long after it
    result = sweep(Q1_DUE + reminders.LOOK_BACK + dt.timedelta(days=1))
    # then Q1 is history: nobody is told of it now (and Q2 is not due yet)
    assert result.overdue == result.reminders == 0
    assert not Notice.objects.exists()


def test_the_recipient_reads_the_reminder_in_its_inbox(world, owing, client):
    sweep(Q1_DUE - dt.timedelta(days=2))
    client.login(username="hnedit", password=PASSWORD)
    inbox = client.get(reverse("coordination:inbox"))
    assert inbox.status_code == 200
    assert "Receive delegations" in inbox.content.decode()
    notice = Notice.objects.get(recipient=world["hanoi"])
    detail = client.get(reverse("coordination:notice-detail", args=[notice.uid]))
    assert "a report owed under an implementation plan" in detail.content.decode()

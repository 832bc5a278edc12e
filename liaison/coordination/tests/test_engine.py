"""The engine: which notices a change of an activity produces, exactly once in effect."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from liaison.activities import services as activity_services
from liaison.activities.models import ActivityKind, ActivityStatus, LeaderRank
from liaison.activities.testing import make_activity
from liaison.coordination import engine, services
from liaison.coordination.models import (
    ActivityChange,
    DayBasis,
    Escalation,
    EscalationReason,
    Notice,
    NoticeKind,
    NoticeStatus,
    SharedField,
)
from liaison.coordination.testing import make_agreement, make_rule
from liaison.core.audit import acting_as
from liaison.core.models import Classification
from liaison.core.testing import make_org, make_person, make_superuser, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    root = make_superuser("root")
    mofa = make_org("Ministry of Foreign Affairs")
    protocol = make_org("State Protocol Department", parent=mofa)
    vufo = make_org("VUFO", pillar="people", kind="mass_organisation")
    other = make_org("Ministry of Culture")
    agreement = make_agreement(mofa, vufo, owner=mofa, acknowledge_within_hours=48)
    coordinator = make_user("coordinator", org=vufo)
    agreement.coordinators.add(coordinator)
    rule = make_rule(
        agreement,
        recipient=vufo,
        source=mofa,
        high_level_only=True,
        kinds=[ActivityKind.INCOMING_VISIT, ActivityKind.OUTGOING_VISIT],
        lead_days=14,
        shared_fields=[SharedField.TITLE],
    )
    leader = make_person("Nguyễn Văn A", owner=mofa)
    return type(
        "World",
        (),
        {
            "root": root,
            "mofa": mofa,
            "protocol": protocol,
            "vufo": vufo,
            "other": other,
            "agreement": agreement,
            "rule": rule,
            "leader": leader,
            "coordinator": coordinator,
        },
    )


def visit(w, *, days_ahead: int = 21, lead=None, **extra):
    start = (timezone.now() + dt.timedelta(days=days_ahead)).replace(microsecond=0)
    values = {
        "kind": ActivityKind.INCOMING_VISIT,
        "leader": w.leader,
        "leader_rank": LeaderRank.HEAD_OF_STATE,
        "starts_at": start,
        "ends_at": start + dt.timedelta(days=2),
        "summary_en": "Talks on the restricted agenda",
    }
    values.update(extra)
    return make_activity("State visit of the President", lead=lead or w.protocol, **values)


def update(w, activity, **changes):
    with acting_as(w.root, via="test"):
        return activity_services.update_activity(by=w.root, activity=activity, version=None, changes=changes)


def notices(activity):
    return list(Notice.objects.filter(activity_ref=activity.pk).order_by("sequence"))


def test_a_matching_activity_produces_one_new_notice_with_only_the_shared_fields(world):
    activity = visit(world)
    assert engine.process_pending() == 1
    [notice] = notices(activity)
    assert notice.kind == NoticeKind.NEW
    assert notice.recipient == world.vufo and notice.source == world.protocol
    assert notice.payload["title"]["en"] == "State visit of the President"
    assert "summary" not in notice.payload and "leader" not in notice.payload
    assert notice.due_at == activity.starts_at - dt.timedelta(days=14)
    assert not notice.late
    assert notice.status == NoticeStatus.OPEN
    assert notice.acknowledge_by == notice.sent_at + dt.timedelta(hours=48)


@pytest.mark.parametrize(
    "extra",
    [
        {"kind": ActivityKind.MEETING},
        {"leader_rank": LeaderRank.MINISTER},
        {"leader": None, "leader_rank": ""},
    ],
)
def test_an_activity_outside_the_conditions_produces_nothing(world, extra):
    visit(world, **extra)
    engine.process_pending()
    assert Notice.objects.count() == 0


def test_the_source_condition_is_a_subtree(world):
    visit(world, lead=world.other)
    engine.process_pending()
    assert Notice.objects.count() == 0


def test_resaving_or_processing_twice_writes_no_second_notice(world):
    activity = visit(world)
    engine.process_pending()
    update(world, activity, title_en="State visit of the President")  # nothing changed
    update(world, activity, summary_en="Another agenda")  # a field no trigger watches
    change_id = ActivityChange.objects.latest("pk").pk
    engine.process_pending()
    engine.process_change(change_id)
    assert len(notices(activity)) == 1
    assert ActivityChange.objects.filter(processed_at__isnull=True).count() == 0


def test_a_date_change_supersedes_the_notice_with_one_update(world):
    activity = visit(world)
    engine.process_pending()
    later = activity.starts_at + dt.timedelta(days=3)
    update(world, activity, starts_at=later, ends_at=later + dt.timedelta(days=2))
    engine.process_pending()
    engine.process_pending()
    first, second = notices(activity)
    assert second.kind == NoticeKind.UPDATE and second.supersedes == first
    assert second.current and not first.current
    assert first.status == NoticeStatus.SUPERSEDED
    assert set(second.changed) == {"starts_at", "ends_at"}
    assert second.due_at == second.sent_at + dt.timedelta(hours=24)


def test_an_acknowledged_notice_stays_acknowledged_when_superseded(world):
    from liaison.coordination import notices as notice_rules

    activity = visit(world)
    engine.process_pending()
    [first] = notices(activity)
    notice_rules.respond(by=world.root, notice=first, kind="acknowledge")
    later = activity.starts_at + dt.timedelta(days=1)
    update(world, activity, starts_at=later, ends_at=later + dt.timedelta(days=2))
    engine.process_pending()
    first.refresh_from_db()
    assert first.status == NoticeStatus.ACKNOWLEDGED and not first.current


def test_a_cancellation_produces_a_cancellation_notice(world):
    activity = visit(world)
    engine.process_pending()
    with acting_as(world.root, via="test"):
        activity_services.transition(by=world.root, activity=activity, to_status=ActivityStatus.CANCELLED)
    engine.process_pending()
    first, second = notices(activity)
    assert second.kind == NoticeKind.CANCELLATION and second.payload["status"] == "cancelled"
    assert second.payload["title"] == first.payload["title"]


def test_deleting_a_told_activity_sends_a_cancellation_that_survives_it(world):
    activity = visit(world)
    engine.process_pending()
    pk = activity.pk
    with acting_as(world.root, via="test"):
        activity_services.delete_activity(by=world.root, activity=activity)
    engine.process_pending()
    told = list(Notice.objects.filter(activity_ref=pk).order_by("sequence"))
    assert [n.kind for n in told] == [NoticeKind.NEW, NoticeKind.CANCELLATION]
    assert told[1].activity is None


def test_a_cancelled_activity_never_told_produces_nothing(world):
    activity = visit(world)
    with acting_as(world.root, via="test"):
        activity_services.transition(by=world.root, activity=activity, to_status=ActivityStatus.CANCELLED)
    engine.process_pending()
    # Processed together, the changes see the activity cancelled: nothing to tell.
    assert notices(activity) == []


def test_an_activity_entered_late_is_late_and_escalated_to_the_coordinators(world):
    activity = visit(world, days_ahead=5)
    engine.process_pending()
    [notice] = notices(activity)
    assert notice.late
    assert notice.sent_at - notice.due_at > dt.timedelta(days=8)
    [escalation] = Escalation.objects.filter(notice=notice)
    assert escalation.reason == EscalationReason.LATE
    assert list(escalation.coordinators.all()) == [world.coordinator]


def test_unacknowledged_notices_are_escalated_once(world):
    from liaison.coordination import escalation

    visit(world)
    engine.process_pending()
    assert escalation.escalate_unacknowledged() == 0
    later = timezone.now() + dt.timedelta(hours=49)
    assert escalation.escalate_unacknowledged(now=later) == 1
    assert escalation.escalate_unacknowledged(now=later) == 0
    assert Escalation.objects.filter(reason=EscalationReason.UNACKNOWLEDGED).count() == 1


def test_working_days_skip_weekends_and_the_calendars_holidays(world):
    from liaison.directory.models import Country

    vn = Country.objects.get(code="VN")
    world.rule.day_basis = DayBasis.WORKING
    world.rule.lead_days = 3
    world.rule.calendar_country = vn
    world.rule.save()
    # Monday 4 January 2027, 09:00 in Hanoi: three working days before is Tuesday 29 December,
    # as 1 January (Friday) is a holiday.
    with acting_as(world.root, via="test"):
        services.add_holiday(by=world.root, country=vn, date=dt.date(2027, 1, 1), name="New Year")
    from liaison.activities.testing import at

    activity = visit(world, starts_at=at(2027, 1, 4), ends_at=at(2027, 1, 5))
    engine.process_pending()
    [notice] = notices(activity)
    assert notice.due_at == at(2026, 12, 29)


def test_a_rule_added_later_applies_to_future_activities_on_request(world):
    future = visit(world)
    engine.process_pending()
    rule = make_rule(world.agreement, recipient=world.mofa, source=world.vufo)
    people_event = make_activity(
        "Friendship exchange",
        lead=world.vufo,
        starts_at=timezone.now() + dt.timedelta(days=30),
        ends_at=timezone.now() + dt.timedelta(days=31),
    )
    past = make_activity("Old exchange", lead=world.vufo, starts_at=timezone.now() - dt.timedelta(days=30))
    engine.process_pending()
    assert Notice.objects.filter(rule=rule).count() == 1  # the new event, created after the rule
    Notice.objects.filter(rule=rule).delete()
    with acting_as(world.root, via="test"):
        queued = services.apply_rule_to_future(by=world.root, rule=rule)
    assert queued >= 2
    engine.process_pending()
    told = set(Notice.objects.filter(rule=rule).values_list("activity_ref", flat=True))
    assert told == {people_event.pk}
    assert past.pk not in told and future.pk not in told  # the visit is MOFA's own
    # The first rule's notice was not repeated.
    assert Notice.objects.filter(rule=world.rule, activity_ref=future.pk).count() == 1


def test_an_embargoed_restricted_visit_is_still_told_with_the_shared_fields(world):
    activity = visit(
        world,
        classification=Classification.RESTRICTED,
        embargo_until=timezone.now() + dt.timedelta(days=20),
    )
    engine.process_pending()
    [notice] = notices(activity)
    assert notice.payload["title"]["en"] == activity.title_en


def test_a_failing_evaluation_keeps_the_change_pending_with_its_error(world, monkeypatch):
    visit(world)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(engine, "evaluate", broken)
    assert engine.process_pending() == 0
    change = ActivityChange.objects.get()
    assert change.processed_at is None and change.attempts == 1 and "boom" in change.error
    monkeypatch.undo()
    assert engine.process_pending() == 1
    assert Notice.objects.count() == 1


def test_committed_changes_are_processed_through_the_task_interface(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        activity = visit(world)
    assert len(notices(activity)) == 1
    assert not ActivityChange.objects.filter(processed_at__isnull=True).exists()


def test_the_coordinators_are_emailed_their_escalations_once(world, django_capture_on_commit_callbacks):
    from django.core import mail

    from liaison.coordination import escalation

    world.coordinator.email = "coordinator@vufo.example"
    world.coordinator.save()
    with django_capture_on_commit_callbacks(execute=True):
        visit(world, days_ahead=5)
    [message] = mail.outbox
    assert message.to == ["coordinator@vufo.example"] and "Sent after its due date" in message.body
    assert escalation.mail_escalations(list(Escalation.objects.values_list("pk", flat=True))) == 0
    assert len(mail.outbox) == 1


def test_the_escalated_box_lists_what_went_to_the_coordinator(world, client):
    from liaison.core.testing import PASSWORD

    visit(world, days_ahead=5)
    engine.process_pending()
    client.login(username="coordinator", password=PASSWORD)
    page = client.get("/coordination/inbox/?box=escalated")
    assert "State visit of the President" in page.content.decode()

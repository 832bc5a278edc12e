"""A member's status from dated events by the administrator's rules (CiviCRM-style)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from liaison.core.audit import acting_as
from liaison.membership import services, statuses
from liaison.membership.models import EventKind, MemberStatus, StatusCause, StatusChange, StatusRule
from liaison.membership.statuses import Event, Rule, status_on
from liaison.membership.tasks import reapply_status_rules
from liaison.membership.testing import make_member, make_officer

D = dt.date
RULES = {
    "joined": [Rule("joined", 0, "probationary"), Rule("joined", 365, "active")],
    "suspended": [Rule("suspended", 0, "suspended")],
    "reinstated": [Rule("reinstated", 0, "active")],
}


def test_a_delayed_rule_takes_effect_after_its_days():
    events = [Event("joined", D(2020, 1, 1))]
    assert status_on(events, RULES, D(2020, 6, 1)) == ("probationary", D(2020, 1, 1))
    assert status_on(events, RULES, D(2021, 1, 1)) == ("active", D(2020, 12, 31))


def test_a_later_event_supersedes_an_earlier_events_delayed_rule():
    events = [Event("joined", D(2020, 1, 1)), Event("suspended", D(2020, 3, 1))]
    assert status_on(events, RULES, D(2022, 1, 1)) == ("suspended", D(2020, 3, 1))


def test_an_event_without_rules_changes_nothing():
    events = [Event("joined", D(2020, 1, 1)), Event("temporary_release", D(2020, 3, 1))]
    assert status_on(events, RULES, D(2022, 1, 1)) == ("active", D(2020, 12, 31))


def test_no_event_no_status():
    assert status_on([], RULES, D(2022, 1, 1)) == ("", None)


@pytest.mark.django_db
def test_default_rules_are_installed_by_the_migration():
    assert StatusRule.objects.filter(event_kind=EventKind.JOINED).count() == 2
    assert statuses.install_default_rules() == 0


@pytest.mark.django_db
def test_recorded_events_change_the_status_and_the_change_is_logged(register):
    member = make_member(branch=register.hanoi, joined_on=D(2010, 1, 1))
    assert member.status == MemberStatus.ACTIVE
    services.record_event(by=register.root, member=member, kind=EventKind.SUSPENDED, on=D(2024, 5, 1))
    member.refresh_from_db()
    assert (member.status, member.status_since) == (MemberStatus.SUSPENDED, D(2024, 5, 1))
    change = StatusChange.objects.filter(member=member).first()
    assert (change.old_status, change.new_status, change.cause) == ("active", "suspended", StatusCause.EVENT)


@pytest.mark.django_db
def test_reinstating_needs_a_suspension_and_dates_cannot_go_backwards(register):
    member = make_member(branch=register.hanoi, joined_on=D(2010, 1, 1))
    with pytest.raises(ValidationError) as error:
        services.record_event(by=register.root, member=member, kind=EventKind.REINSTATED, on=D(2024, 1, 1))
    assert "kind" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.record_event(by=register.root, member=member, kind=EventKind.LEFT, on=D(2009, 1, 1))
    assert "on" in error.value.message_dict
    assert member.events.count() == 1


@pytest.mark.django_db
def test_leaving_closes_the_placement_and_the_branch_shrinks(register):
    member = make_member(branch=register.hanoi, joined_on=D(2010, 1, 1))
    services.record_event(by=register.root, member=member, kind=EventKind.LEFT, on=D(2024, 1, 1))
    member.refresh_from_db()
    register.hanoi.refresh_from_db()
    assert member.status == MemberStatus.LEFT and member.branch is None
    assert register.hanoi.member_count == 0
    assert not member.placements.filter(end__isnull=True).exists()


@pytest.mark.django_db
def test_only_administrators_change_rules_and_a_change_is_reapplied_to_every_member(
    register, django_capture_on_commit_callbacks
):
    member = make_member(branch=register.hanoi, joined_on=D(2010, 1, 1))
    with pytest.raises(PermissionDenied):
        services.save_rule(
            by=make_officer(register.home),
            rule=None,
            event_kind="joined",
            after_days=3650,
            status="left",
            is_active=True,
        )
    rule = StatusRule.objects.get(event_kind=EventKind.JOINED, after_days=365)
    with acting_as(register.root, via="test"), django_capture_on_commit_callbacks(execute=False):
        services.save_rule(
            by=register.root,
            rule=rule,
            event_kind="joined",
            after_days=365,
            status="suspended",
            is_active=True,
        )
    assert reapply_status_rules.call()["changed"] >= 1
    member.refresh_from_db()
    assert member.status == MemberStatus.SUSPENDED
    assert StatusChange.objects.filter(member=member, cause=StatusCause.RULES).exists()


@pytest.mark.django_db
def test_a_duplicate_rule_step_is_refused_by_field(register):
    with pytest.raises(ValidationError) as error:
        services.save_rule(
            by=register.root, rule=None, event_kind="joined", after_days=0, status="active", is_active=True
        )
    assert "after_days" in error.value.message_dict


@pytest.mark.django_db
def test_the_time_sweep_moves_probationers_on_after_a_year(register):
    member = make_member(branch=register.hanoi, joined_on=D(2024, 1, 10))
    assert statuses.refresh([member.pk], cause=StatusCause.TIME, day=D(2024, 6, 1)) == 1
    member.refresh_from_db()
    assert member.status == MemberStatus.PROBATIONARY
    assert member.pk in statuses.members_due(D(2025, 1, 20))
    statuses.refresh(statuses.members_due(D(2025, 1, 20)), cause=StatusCause.TIME, day=D(2025, 1, 20))
    member.refresh_from_db()
    assert (member.status, member.status_since) == (MemberStatus.ACTIVE, D(2025, 1, 9))


@pytest.mark.django_db
def test_without_any_rule_a_member_has_no_status_and_every_view_says_so(register, client):
    StatusRule.objects.all().delete()
    member = make_member(branch=register.hanoi)
    assert member.status == "" and not StatusChange.objects.filter(member=member).exists()
    client.force_login(register.root)
    assert client.get(f"/api/membership/members/{member.pk}").json()["status"] is None
    assert client.get("/api/membership/members").json()["items"][0]["status"] is None
    assert client.get(f"/membership/members/{member.pk}/").status_code == 200
    assert client.get("/membership/members/").status_code == 200

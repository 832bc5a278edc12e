"""Activity services: validation, the workflow, embargo, delegations, programme and outcomes."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from liaison.activities import delegations, programme, services
from liaison.activities.models import (
    Activity,
    ActivityFormat,
    ActivityKind,
    ActivityStatus,
    CompositionStatus,
    DelegationSide,
    FocalPoint,
    LeaderRank,
    MemberRole,
    Participation,
    StatusChange,
)
from liaison.activities.permissions import can_see_composition
from liaison.activities.testing import at, make_activity
from liaison.core.access import Role, can_read, readable_ids, visible
from liaison.core.models import Classification
from liaison.core.testing import make_org, make_person, make_superuser, make_user
from liaison.directory.models import Country, Locality

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    make_superuser("root")
    mofa = make_org("MOFA")
    vufo = make_org("VUFO", pillar="people")
    lao = make_org("Lao MFA", pillar="foreign", kind="foreign_state_body")
    return mofa, vufo, lao


def _input(lead, **changes):
    values = {
        "kind": ActivityKind.TALKS,
        "lead_organisation": lead,
        "starts_at": at(2023, 12, 19, 9),
        "ends_at": at(2023, 12, 19, 12),
        "title_en": "Talks",
    }
    values.update(changes)
    return services.ActivityInput(**values)


def _errors(excinfo):
    return excinfo.value.message_dict


def test_an_activity_gets_its_lead_organisations_pillar_and_owner(world):
    mofa, _, _ = world
    editor = make_user(org=mofa, role=Role.EDITOR)
    activity = services.create_activity(by=editor, data=_input(mofa))
    assert activity.pillar_list == ["state"]
    assert activity.owner == mofa
    assert activity.status == ActivityStatus.PROPOSED
    assert StatusChange.objects.filter(activity=activity, to_status="proposed", by=editor).exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_at": at(2023, 12, 18)}, "ends_at"),
        ({"title_en": ""}, "title_en"),
        ({"embargo_until": at(2023, 12, 20)}, "embargo_until"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"leader_rank": LeaderRank.HEAD_OF_STATE}, "leader"),
    ],
)
def test_bad_input_is_refused_on_its_field_and_nothing_is_saved(world, changes, field):
    mofa, _, _ = world
    editor = make_user(org=mofa, role=Role.EDITOR)
    with pytest.raises(ValidationError) as excinfo:
        services.create_activity(by=editor, data=_input(mofa, **changes))
    assert field in _errors(excinfo)
    assert not mofa.led_activities.exists()


def test_a_place_that_did_not_exist_on_the_date_is_refused(world):
    mofa, _, _ = world
    vn = Country.objects.get(code="VN")
    merged = Locality.objects.create(
        code="XX-OLD", kind="province", country=vn, name_en="Old", valid_to=dt.date(2025, 6, 30)
    )
    new = Locality.objects.create(
        code="XX-NEW", kind="province", country=vn, name_en="New", valid_from=dt.date(2025, 7, 1)
    )
    with pytest.raises(ValidationError) as excinfo:
        services.create_activity(by=make_superuser("r2"), data=_input(mofa, city=new))
    assert "did not exist yet" in _errors(excinfo)["city"][0]
    later = _input(mofa, city=merged, starts_at=at(2026, 1, 5), ends_at=at(2026, 1, 6))
    with pytest.raises(ValidationError) as excinfo:
        services.create_activity(by=make_superuser("r3"), data=later)
    assert "no longer existed" in _errors(excinfo)["city"][0]


def test_high_level_follows_the_leaders_rank(world):
    mofa, _, _ = world
    leader = make_person("Võ Văn Thưởng", owner=mofa)
    activity = make_activity(lead=mofa, leader=leader, leader_rank=LeaderRank.HEAD_OF_STATE)
    assert activity.high_level
    services.update_activity(
        by=make_superuser("r4"),
        activity=activity,
        version=activity.version,
        changes={"leader_rank": "minister"},
    )
    activity.refresh_from_db()
    assert not activity.high_level


def test_a_viewer_cannot_create_and_an_editor_cannot_approve(world):
    mofa, _, _ = world
    viewer = make_user(org=mofa, role=Role.VIEWER)
    with pytest.raises(PermissionDenied):
        services.create_activity(by=viewer, data=_input(mofa))
    editor = make_user(org=mofa, role=Role.EDITOR)
    activity = services.create_activity(by=editor, data=_input(mofa))
    assert services.allowed_transitions(editor, activity) == [ActivityStatus.POSTPONED]
    with pytest.raises(PermissionDenied):
        services.transition(by=editor, activity=activity, to_status=ActivityStatus.APPROVED)
    coordinator = make_user(org=mofa, role=Role.COORDINATOR)
    services.transition(by=coordinator, activity=activity, to_status=ActivityStatus.APPROVED, note="ok")
    assert [c.to_status for c in StatusChange.objects.filter(activity=activity)] == ["proposed", "approved"]


def test_a_status_cannot_jump(world):
    mofa, _, _ = world
    activity = make_activity(lead=mofa)
    with pytest.raises(ValidationError) as excinfo:
        services.transition(by=make_superuser("r5"), activity=activity, to_status=ActivityStatus.DONE)
    assert "status" in _errors(excinfo)


def test_an_embargo_hides_the_activity_from_outsiders_until_it_lifts(world, time_machine):
    mofa, vufo, _ = world
    time_machine.move_to(at(2023, 11, 1))
    mofa_viewer = make_user(org=mofa, role=Role.VIEWER)
    vufo_viewer = make_user(org=vufo, role=Role.VIEWER)
    activity = make_activity(
        lead=mofa,
        starts_at=at(2023, 12, 19),
        ends_at=at(2023, 12, 20),
        embargo_until=at(2023, 12, 18),
        classification=Classification.PUBLIC,
    )
    assert can_read(mofa_viewer, activity)
    assert not can_read(vufo_viewer, activity)
    assert not visible(vufo_viewer, Activity.objects.filter(pk=activity.pk)).exists()
    assert visible(mofa_viewer, Activity.objects.filter(pk=activity.pk)).exists()
    assert readable_ids(mofa_viewer, Activity, [activity.pk]) == {activity.pk}
    assert readable_ids(vufo_viewer, Activity, [activity.pk]) == set()
    time_machine.move_to(at(2023, 12, 18, 9, 1))
    assert can_read(vufo_viewer, activity)
    assert visible(vufo_viewer, Activity.objects.filter(pk=activity.pk)).exists()
    assert readable_ids(vufo_viewer, Activity, [activity.pk]) == {activity.pk}


def test_a_person_cannot_be_on_both_sides(world):
    mofa, _, lao = world
    host = make_person("Bùi Thanh Sơn", owner=mofa)
    activity = make_activity(lead=mofa, kind=ActivityKind.INCOMING_VISIT)
    root = make_superuser("r6")
    hosting = delegations.add_delegation(
        by=root,
        activity=activity,
        data=delegations.DelegationInput(organisation=mofa, side=DelegationSide.HOSTING),
    )
    visiting = delegations.add_delegation(
        by=root, activity=activity, data=delegations.DelegationInput(organisation=lao)
    )
    delegations.add_member(by=root, delegation=hosting, data=delegations.MemberInput(person=host))
    with pytest.raises(ValidationError) as excinfo:
        delegations.add_member(by=root, delegation=visiting, data=delegations.MemberInput(person=host))
    assert "hosting side" in _errors(excinfo)["person"][0]
    assert visiting.members.count() == 0


def test_the_hosting_side_sees_only_an_approved_composition(world):
    mofa, vufo, lao = world
    editor = make_user(org=mofa, role=Role.EDITOR)
    focal = make_user(org=mofa, role=Role.VIEWER)
    FocalPoint.objects.create(organisation=lao, user=focal)
    vufo_viewer = make_user(org=vufo, role=Role.VIEWER)
    activity = make_activity(
        lead=mofa, kind=ActivityKind.INCOMING_VISIT, classification=Classification.PUBLIC
    )
    visiting = delegations.add_delegation(
        by=editor, activity=activity, data=delegations.DelegationInput(organisation=lao)
    )
    guest = make_person("Saleumxay Kommasith", owner=lao)
    delegations.add_member(
        by=editor, delegation=visiting, data=delegations.MemberInput(person=guest, role=MemberRole.HEAD)
    )
    assert not can_see_composition(vufo_viewer, visiting)
    delegations.submit_composition(by=editor, delegation=visiting)
    with pytest.raises(PermissionDenied):
        delegations.decide_composition(by=editor, delegation=visiting, approve=True)
    delegations.decide_composition(by=focal, delegation=visiting, approve=True)
    assert visiting.composition_status == CompositionStatus.APPROVED
    assert can_see_composition(vufo_viewer, visiting)
    # Changing an approved composition sends it back for approval.
    other = make_person("Someone", owner=lao)
    delegations.add_member(by=editor, delegation=visiting, data=delegations.MemberInput(person=other))
    visiting.refresh_from_db()
    assert visiting.composition_status == CompositionStatus.DRAFT


def test_sessions_must_fall_within_the_conference_and_sites_must_exist_on_the_date(world):
    mofa, _, _ = world
    root = make_superuser("r7")
    conference = make_activity(
        lead=mofa,
        kind=ActivityKind.CONFERENCE,
        format=ActivityFormat.HYBRID,
        starts_at=at(2023, 12, 19, 8),
        ends_at=at(2023, 12, 23, 17),
    )
    with pytest.raises(ValidationError) as excinfo:
        programme.add_session(
            by=root,
            activity=conference,
            data=programme.SessionInput(starts_at=at(2023, 12, 24, 8), ends_at=at(2023, 12, 24, 11)),
        )
    assert {"starts_at", "ends_at"} <= set(_errors(excinfo))
    vn = Country.objects.get(code="VN")
    future = Locality.objects.create(
        code="XX-F", kind="province", country=vn, name_en="Future", valid_from=dt.date(2025, 7, 1)
    )
    with pytest.raises(ValidationError) as excinfo:
        programme.add_site(by=root, activity=conference, data=programme.SiteInput(locality=future))
    assert "locality" in _errors(excinfo)
    ha_tinh = Locality.objects.filter(name_en__icontains="Ha Tinh").first() or Locality.objects.create(
        code="XX-HT", kind="province", country=vn, name_en="Ha Tinh"
    )
    with pytest.raises(ValidationError) as excinfo:
        programme.add_site(
            by=root,
            activity=conference,
            data=programme.SiteInput(locality=ha_tinh, connection_checked_at=at(2023, 12, 19, 9)),
        )
    assert "connection_checked_at" in _errors(excinfo)
    site = programme.add_site(
        by=root, activity=conference, data=programme.SiteInput(locality=ha_tinh, interpretation="vi, en ,fr")
    )
    assert site.interpretation == "vi, en, fr"


def test_participation_follows_people_and_status(world):
    mofa, _, _ = world
    root = make_superuser("r8")
    leader = make_person("Leader", owner=mofa)
    activity = make_activity(lead=mofa, leader=leader, leader_rank=LeaderRank.MINISTER)
    assert Participation.objects.filter(activity=activity, person=leader, active=True).exists()
    services.transition(by=root, activity=activity, to_status=ActivityStatus.CANCELLED)
    assert Participation.objects.filter(activity=activity, person=leader, active=False).exists()


def test_the_embargo_moment_is_compared_with_now(world):
    mofa, _, _ = world
    past = timezone.now() - dt.timedelta(days=1)
    activity = make_activity(
        lead=mofa, embargo_until=past, starts_at=past, ends_at=past + dt.timedelta(hours=1)
    )
    assert can_read(make_user(org=make_org("Other")), activity)

"""The pages that change the parts of an activity, and the sections the detail page includes."""

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template.loader import render_to_string
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from liaison.accounts.models import User
from liaison.activities import delegations, programme, records, selectors
from liaison.activities.models import (
    Activity,
    ActivityFormat,
    ActivityKind,
    Attachment,
    CompositionStatus,
    ConferenceSession,
    ConnectedSite,
    ConnectionStatus,
    Delegation,
    DelegationMember,
    DelegationSide,
    FocalPoint,
    ItineraryStop,
    MemberRole,
    Outcome,
    SessionParticipant,
    SourceLink,
)
from liaison.activities.testing import HANOI, at, make_activity
from liaison.activities.views_parts import section_context
from liaison.core.access import Role, can_change
from liaison.core.models import Classification
from liaison.core.testing import PASSWORD, make_org, make_person, make_superuser, make_user
from liaison.directory.models import Country, Locality, Organisation, Person
from liaison.directory.services import NameInput

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@dataclass
class World:
    root: User
    mofa: Organisation
    lao: Organisation
    editor: User
    viewer: User
    outsider: User
    activity: Activity
    host: Person
    guest: Person
    hosting: Delegation
    visiting: Delegation
    member: DelegationMember
    stop: ItineraryStop
    session: ConferenceSession
    participant: SessionParticipant
    site: ConnectedSite
    outcome: Outcome
    attachment: Attachment
    source: SourceLink
    province: Locality
    future_province: Locality


def _province(code: str, name: str, **validity: Any) -> Locality:
    return Locality.objects.create(
        code=code, kind="province", country=Country.objects.get(code="VN"), name_en=name, **validity
    )


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def world(media) -> World:
    root = make_superuser("root")
    mofa = make_org("Ministry of Foreign Affairs")
    lao = make_org("Lao Ministry of Foreign Affairs", pillar="foreign", kind="foreign_state_body")
    editor = make_user("editor", org=mofa, role=Role.EDITOR)
    viewer = make_user("viewer", org=mofa, role=Role.VIEWER)
    outsider = make_user("outsider", org=make_org("Another Committee"), role=Role.EDITOR)
    province = _province("XX-HT", "Ha Tinh Test")
    future_province = _province("XX-NEW", "Merged Test", valid_from=dt.date(2025, 7, 1))
    activity = make_activity(
        "Conference on external affairs",
        lead=mofa,
        kind=ActivityKind.CONFERENCE,
        format=ActivityFormat.HYBRID,
        starts_at=at(2023, 12, 19, 8),
        ends_at=at(2023, 12, 23, 17),
    )
    host = make_person("Bùi Thanh Sơn", owner=mofa)
    guest = make_person("Saleumxay Kommasith", owner=lao)
    hosting = delegations.add_delegation(
        by=root,
        activity=activity,
        data=delegations.DelegationInput(organisation=mofa, side=DelegationSide.HOSTING),
    )
    delegations.add_member(by=root, delegation=hosting, data=delegations.MemberInput(person=host))
    visiting = delegations.add_delegation(
        by=root, activity=activity, data=delegations.DelegationInput(organisation=lao, name="Lao delegation")
    )
    member = delegations.add_member(
        by=root,
        delegation=visiting,
        data=delegations.MemberInput(person=guest, role=MemberRole.HEAD, title="Minister"),
    )
    stop = delegations.add_stop(
        by=root,
        delegation=visiting,
        data=delegations.StopInput(
            arrives_on=dt.date(2023, 12, 19), leaves_on=dt.date(2023, 12, 20), city=province
        ),
    )
    session = programme.add_session(
        by=root,
        activity=activity,
        data=programme.SessionInput(
            starts_at=at(2023, 12, 19, 8, 30), ends_at=at(2023, 12, 19, 11), theme_en="Opening"
        ),
    )
    participant = programme.add_session_person(
        by=root, session=session, data=programme.SessionPersonInput(person=host)
    )
    site = programme.add_site(by=root, activity=activity, data=programme.SiteInput(locality=province))
    outcome = records.add_outcome(
        by=root,
        activity=activity,
        data=records.OutcomeInput(kind="memorandum", title_en="Memorandum on cooperation", parties=[lao]),
    )
    attachment = records.add_attachment(
        by=root,
        activity=activity,
        upload=SimpleUploadedFile("programme.pdf", PDF, content_type="application/pdf"),
        title="Programme",
    )
    source = records.add_source(
        by=root, activity=activity, title="Nhân Dân article", url="https://example.org/a"
    )
    return World(
        root=root,
        mofa=mofa,
        lao=lao,
        editor=editor,
        viewer=viewer,
        outsider=outsider,
        activity=activity,
        host=host,
        guest=guest,
        hosting=hosting,
        visiting=visiting,
        member=member,
        stop=stop,
        session=session,
        participant=participant,
        site=site,
        outcome=outcome,
        attachment=attachment,
        source=source,
        province=province,
        future_province=future_province,
    )


def _url(name: str, *args: Any) -> str:
    return reverse(f"activities:{name}", args=args)


def _form_urls(w: World) -> dict[str, str]:
    """Every page that changes a part, for an editor of the activity."""
    a = w.activity.pk
    return {
        "delegation-add": _url("delegation-add", a),
        "delegation-edit": _url("delegation-edit", a, w.visiting.pk),
        "delegation-delete": _url("delegation-delete", a, w.visiting.pk),
        "member-add": _url("member-add", a, w.visiting.pk),
        "member-edit": _url("member-edit", a, w.member.pk),
        "member-remove": _url("member-remove", a, w.member.pk),
        "composition-submit": _url("composition-submit", a, w.visiting.pk),
        "stop-add": _url("stop-add", a, w.visiting.pk),
        "stop-remove": _url("stop-remove", a, w.stop.pk),
        "session-add": _url("session-add", a),
        "session-edit": _url("session-edit", a, w.session.pk),
        "session-delete": _url("session-delete", a, w.session.pk),
        "session-person-add": _url("session-person-add", a, w.session.pk),
        "session-person-remove": _url("session-person-remove", a, w.participant.pk),
        "site-add": _url("site-add", a),
        "site-edit": _url("site-edit", a, w.site.pk),
        "site-delete": _url("site-delete", a, w.site.pk),
        "outcome-add": _url("outcome-add", a),
        "outcome-edit": _url("outcome-edit", a, w.outcome.pk),
        "outcome-delete": _url("outcome-delete", a, w.outcome.pk),
        "attachment-add": _url("attachment-add", a),
        "attachment-delete": _url("attachment-delete", a, w.attachment.pk),
        "source-add": _url("source-add", a),
        "source-delete": _url("source-delete", a, w.source.pk),
    }


def _login(client, user: User) -> None:
    assert client.login(username=user.username, password=PASSWORD)


def _detail(w: World, section: str) -> str:
    return f"{w.activity.get_absolute_url()}#{section}"


# --- Who may open the pages --------------------------------------------------------------------


def test_every_form_renders_for_an_editor(client, world):
    _login(client, world.editor)
    for name, url in _form_urls(world).items():
        response = client.get(url)
        assert response.status_code == 200, name
        assert "<form" in response.text, name


@pytest.mark.parametrize("who", ["viewer", "outsider"])
def test_a_viewer_and_a_user_of_another_organisation_get_404(client, world, who):
    # given a member of the owning organisation who may only read, and an editor elsewhere
    _login(client, getattr(world, who))
    for name, url in _form_urls(world).items():
        # then every page that changes a part answers as if it did not exist
        assert client.get(url).status_code == 404, name
        assert client.post(url, {}).status_code == 404, name
    assert client.post(_url("composition-decide", world.activity.pk, world.visiting.pk)).status_code == 404
    assert Delegation.objects.filter(pk=world.visiting.pk).exists()
    assert SourceLink.objects.filter(pk=world.source.pk).exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    urls = [
        *_form_urls(world).values(),
        _url("composition-decide", world.activity.pk, world.visiting.pk),
        _url("attachment-download", world.activity.pk, world.attachment.pk),
        _url("person-autocomplete") + "?q=bui",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:sign-in")), url


def test_a_missing_activity_and_a_missing_part_are_404(client, world):
    _login(client, world.editor)
    assert client.get(_url("session-add", 999_999)).status_code == 404
    assert client.get(_url("session-edit", world.activity.pk, 999_999)).status_code == 404
    # a part of another activity is not reachable through this one
    other = make_activity(lead=world.mofa)
    assert client.get(_url("session-edit", other.pk, world.session.pk)).status_code == 404


# --- Delegations -------------------------------------------------------------------------------


def test_an_editor_adds_edits_and_deletes_a_delegation(client, world):
    _login(client, world.editor)
    vufo = make_org("VUFO", pillar="people")
    response = client.post(
        _url("delegation-add", world.activity.pk),
        {"side": "visiting", "organisation": vufo.pk, "name": "Friendship delegation", "size": "4"},
    )
    assert response.status_code == 302
    assert response["Location"] == _detail(world, "delegations")
    added = Delegation.objects.get(activity=world.activity, organisation=vufo)
    assert added.size == 4

    response = client.post(
        _url("delegation-edit", world.activity.pk, added.pk),
        {
            "side": "visiting",
            "organisation": vufo.pk,
            "name": "Renamed",
            "size": "5",
            "version": added.version,
        },
    )
    assert response.status_code == 302
    added.refresh_from_db()
    assert (added.name, added.size) == ("Renamed", 5)

    response = client.post(_url("delegation-delete", world.activity.pk, added.pk))
    assert response.status_code == 302
    assert not Delegation.objects.filter(pk=added.pk).exists()


def test_a_second_hosting_side_is_refused_on_the_side_field(client, world):
    _login(client, world.editor)
    response = client.post(
        _url("delegation-add", world.activity.pk), {"side": "hosting", "organisation": world.mofa.pk}
    )
    assert response.status_code == 200
    assert "side" in response.context["form"].errors
    assert world.activity.delegations.count() == 2


def test_a_stale_edit_shows_what_changed_and_saves_nothing(client, world):
    _login(client, world.editor)
    url = _url("delegation-edit", world.activity.pk, world.visiting.pk)
    stale = world.visiting.version
    delegations.update_delegation(
        by=world.root,
        delegation=world.visiting,
        data=delegations.DelegationInput(organisation=world.lao, name="Changed meanwhile"),
        version=stale,
    )
    response = client.post(
        url, {"side": "visiting", "organisation": world.lao.pk, "name": "Mine", "version": stale}
    )
    assert response.status_code == 409
    assert "Changed meanwhile" in response.text
    world.visiting.refresh_from_db()
    assert world.visiting.name == "Changed meanwhile"


def test_an_editor_adds_edits_and_removes_a_member(client, world):
    _login(client, world.editor)
    adviser = make_person("Phạm Thu Hằng", owner=world.mofa)
    url = _url("member-add", world.activity.pk, world.visiting.pk)
    response = client.post(url, {"person": adviser.pk, "role": "adviser", "title": "Adviser"})
    assert response.status_code == 302
    assert response["Location"] == _detail(world, "delegations")
    added = DelegationMember.objects.get(delegation=world.visiting, person=adviser)
    assert added.protocol_order == 2

    response = client.post(
        _url("member-edit", world.activity.pk, added.pk),
        {
            "person": adviser.pk,
            "role": "member",
            "title": "Member",
            "protocol_order": "3",
            "version": added.version,
        },
    )
    assert response.status_code == 302
    added.refresh_from_db()
    assert (added.role, added.protocol_order) == ("member", 3)

    response = client.post(_url("member-remove", world.activity.pk, added.pk))
    assert response.status_code == 302
    assert not DelegationMember.objects.filter(pk=added.pk).exists()


def test_a_member_of_the_hosting_side_cannot_join_the_visiting_delegation(client, world):
    _login(client, world.editor)
    response = client.post(
        _url("member-add", world.activity.pk, world.visiting.pk), {"person": world.host.pk, "role": "member"}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "hosting side" in errors["person"][0]
    assert not world.visiting.members.filter(person=world.host).exists()


def test_a_person_the_user_may_not_read_cannot_be_picked(client, world):
    _login(client, world.editor)
    secret = make_person("Hidden Person", owner=world.lao, classification=Classification.RESTRICTED)
    response = client.post(
        _url("member-add", world.activity.pk, world.visiting.pk), {"person": secret.pk, "role": "member"}
    )
    assert response.status_code == 200
    assert "person" in response.context["form"].errors
    assert "Hidden Person" not in response.text
    assert not world.visiting.members.filter(person=secret).exists()


def test_the_composition_is_submitted_then_approved_by_the_sending_sides_focal_point(client, world):
    focal = make_user("focal", org=world.mofa, role=Role.VIEWER)
    FocalPoint.objects.create(organisation=world.lao, user=focal)
    _login(client, world.editor)
    response = client.post(_url("composition-submit", world.activity.pk, world.visiting.pk))
    assert response.status_code == 302
    world.visiting.refresh_from_db()
    assert world.visiting.composition_status == CompositionStatus.SUBMITTED
    # an editor who is not a focal point of the sending organisation may not decide
    decide = _url("composition-decide", world.activity.pk, world.visiting.pk)
    assert client.get(decide).status_code == 404
    client.logout()
    _login(client, focal)
    assert client.get(decide).status_code == 200
    # returning needs a note
    response = client.post(decide, {"decision": "return", "decision_note": ""})
    assert response.status_code == 200
    assert "decision_note" in response.context["form"].errors
    response = client.post(decide, {"decision": "approve", "decision_note": "Fine"})
    assert response.status_code == 302
    assert response["Location"] == _detail(world, "delegations")
    world.visiting.refresh_from_db()
    assert world.visiting.composition_status == CompositionStatus.APPROVED
    assert world.visiting.decided_by == focal


def test_an_empty_composition_cannot_be_submitted(client, world):
    _login(client, world.editor)
    empty = delegations.add_delegation(
        by=world.root, activity=world.activity, data=delegations.DelegationInput(organisation=world.lao)
    )
    response = client.post(_url("composition-submit", world.activity.pk, empty.pk))
    assert response.status_code == 400
    assert "Name at least one member" in response.text
    empty.refresh_from_db()
    assert empty.composition_status == CompositionStatus.DRAFT


def test_an_editor_adds_and_removes_an_itinerary_stop(client, world):
    _login(client, world.editor)
    url = _url("stop-add", world.activity.pk, world.visiting.pk)
    response = client.post(
        url, {"place": "Vientiane", "arrives_on": "2023-12-21", "leaves_on": "2023-12-22", "country": "LA"}
    )
    assert response.status_code == 302
    stop = ItineraryStop.objects.get(delegation=world.visiting, place="Vientiane")
    assert stop.order == 2
    response = client.post(_url("stop-remove", world.activity.pk, stop.pk))
    assert response.status_code == 302
    assert not ItineraryStop.objects.filter(pk=stop.pk).exists()


def test_a_stop_leaving_before_it_arrives_is_refused_on_its_field(client, world):
    _login(client, world.editor)
    response = client.post(
        _url("stop-add", world.activity.pk, world.visiting.pk),
        {"city": world.province.code, "arrives_on": "2023-12-21", "leaves_on": "2023-12-20"},
    )
    assert response.status_code == 200
    assert "leaves_on" in response.context["form"].errors
    assert world.visiting.stops.count() == 1


# --- Programme ---------------------------------------------------------------------------------


def _session_data(**changes: str) -> dict[str, str]:
    data = {
        "kind": "plenary",
        "theme_en": "Plenary",
        "starts_at": "2023-12-20T09:00",
        "ends_at": "2023-12-20T11:30",
    }
    data.update(changes)
    return data


def test_an_editor_adds_a_session_in_the_activitys_time_zone(client, world):
    _login(client, world.editor)
    response = client.post(_url("session-add", world.activity.pk), _session_data())
    assert response.status_code == 302
    assert response["Location"] == _detail(world, "programme")
    session = ConferenceSession.objects.get(activity=world.activity, theme_en="Plenary")
    assert session.starts_at == at(2023, 12, 20, 9)
    assert session.ends_at == at(2023, 12, 20, 11, 30)
    # and the edit form shows it back as the same wall-clock time
    page = client.get(_url("session-edit", world.activity.pk, session.pk))
    assert 'value="2023-12-20T09:00"' in page.text


def test_times_are_entered_in_the_zone_where_the_activity_happens(client, world):
    paris = ZoneInfo("Europe/Paris")
    abroad = make_activity(
        lead=world.mofa,
        kind=ActivityKind.CONFERENCE,
        starts_at=at(2023, 12, 19, 8, tz=paris),
        ends_at=at(2023, 12, 19, 18, tz=paris),
        time_zone="Europe/Paris",
    )
    _login(client, world.editor)
    response = client.post(
        _url("session-add", abroad.pk),
        _session_data(starts_at="2023-12-19T09:00", ends_at="2023-12-19T10:00"),
    )
    assert response.status_code == 302
    session = abroad.sessions.get()
    assert session.starts_at == dt.datetime(2023, 12, 19, 8, 0, tzinfo=dt.UTC)
    # the programme section shows it at 09:00, Paris time
    html = _render_section("programme", world.editor, abroad)
    assert "09:00" in html
    assert "Europe/Paris" in html


def test_a_session_ending_before_it_starts_is_refused_on_the_end(client, world):
    _login(client, world.editor)
    response = client.post(
        _url("session-add", world.activity.pk),
        _session_data(ends_at="2023-12-20T08:00", theme_en="Backwards"),
    )
    assert response.status_code == 200
    assert "ends_at" in response.context["form"].errors
    assert not ConferenceSession.objects.filter(theme_en="Backwards").exists()


def test_a_session_outside_the_conference_is_refused(client, world):
    _login(client, world.editor)
    response = client.post(
        _url("session-add", world.activity.pk),
        _session_data(starts_at="2023-12-24T09:00", ends_at="2023-12-24T10:00", theme_en="Too late"),
    )
    assert response.status_code == 200
    assert "starts_at" in response.context["form"].errors
    assert not ConferenceSession.objects.filter(theme_en="Too late").exists()


def test_an_editor_edits_and_deletes_a_session(client, world):
    _login(client, world.editor)
    url = _url("session-edit", world.activity.pk, world.session.pk)
    data = _session_data(theme_en="Opening session", version=str(world.session.version))
    assert client.post(url, data).status_code == 302
    world.session.refresh_from_db()
    assert world.session.theme_en == "Opening session"
    assert client.post(_url("session-delete", world.activity.pk, world.session.pk)).status_code == 302
    assert not ConferenceSession.objects.filter(pk=world.session.pk).exists()


def test_an_editor_adds_and_removes_a_chair(client, world):
    _login(client, world.editor)
    response = client.post(
        _url("session-person-add", world.activity.pk, world.session.pk),
        {"person": world.guest.pk, "role": "chair", "topic": "Welcome"},
    )
    assert response.status_code == 302
    chair = SessionParticipant.objects.get(session=world.session, person=world.guest, role="chair")
    # the same person twice in the same role is refused on the person
    response = client.post(
        _url("session-person-add", world.activity.pk, world.session.pk),
        {"person": world.guest.pk, "role": "chair"},
    )
    assert "person" in response.context["form"].errors
    assert client.post(_url("session-person-remove", world.activity.pk, chair.pk)).status_code == 302
    assert not SessionParticipant.objects.filter(pk=chair.pk).exists()


def test_an_editor_adds_edits_and_removes_a_connected_site(client, world):
    _login(client, world.editor)
    other = _province("XX-QT", "Quang Tri Test")
    data = {
        "locality": other.code,
        "host_organisation": world.mofa.pk,
        "room": "Hall A",
        "chair": world.host.pk,
        "connection_status": "ok",
        "connection_checked_at": "2023-12-18T15:00",
        "interpretation": "vi, en",
        "expected_attendance": "120",
    }
    response = client.post(_url("site-add", world.activity.pk), data)
    assert response.status_code == 302
    site = ConnectedSite.objects.get(activity=world.activity, locality=other)
    assert site.connection_checked_at == at(2023, 12, 18, 15)
    assert site.chair == world.host
    response = client.post(
        _url("site-edit", world.activity.pk, site.pk), {**data, "attendance": "98", "version": site.version}
    )
    assert response.status_code == 302
    site.refresh_from_db()
    assert site.attendance == 98
    assert client.post(_url("site-delete", world.activity.pk, site.pk)).status_code == 302
    assert not ConnectedSite.objects.filter(pk=site.pk).exists()


def test_a_site_in_a_locality_that_did_not_exist_on_the_date_is_refused(client, world):
    _login(client, world.editor)
    page = client.get(_url("site-add", world.activity.pk))
    # the list offers only the localities of the activity's date
    assert world.province.code in page.text
    assert world.future_province.code not in page.text
    response = client.post(
        _url("site-add", world.activity.pk),
        {"locality": world.future_province.code, "connection_status": "not_checked"},
    )
    assert response.status_code == 200
    assert "did not exist yet" in response.context["form"].errors["locality"][0]
    assert not ConnectedSite.objects.filter(locality=world.future_province).exists()


# --- Outcomes, attachments, sources ------------------------------------------------------------


def test_an_editor_adds_edits_and_deletes_an_outcome_with_several_parties(client, world):
    _login(client, world.editor)
    vufo = make_org("VUFO", pillar="people")
    response = client.post(
        _url("outcome-add", world.activity.pk),
        {
            "kind": "agreement",
            "title_en": "Agreement on visas",
            "code": "01/2023",
            "signed_on": "2023-12-20",
            "parties": [world.lao.pk, vufo.pk, ""],
            "responsible": world.mofa.pk,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == _detail(world, "outcomes")
    outcome = Outcome.objects.get(activity=world.activity, code="01/2023")
    assert set(outcome.parties.all()) == {world.lao, vufo}
    # the edit form shows both parties by name
    page = client.get(_url("outcome-edit", world.activity.pk, outcome.pk))
    assert "Lao Ministry of Foreign Affairs" in page.text and "VUFO" in page.text
    response = client.post(
        _url("outcome-edit", world.activity.pk, outcome.pk),
        {
            "kind": "agreement",
            "title_en": "Agreement on visas",
            "parties": [vufo.pk],
            "version": outcome.version,
        },
    )
    assert response.status_code == 302
    assert list(outcome.parties.all()) == [vufo]
    assert client.post(_url("outcome-delete", world.activity.pk, outcome.pk)).status_code == 302
    assert not Outcome.objects.filter(pk=outcome.pk).exists()


def test_a_signed_follow_up_is_refused_on_the_signing_date(client, world):
    _login(client, world.editor)
    response = client.post(
        _url("outcome-add", world.activity.pk),
        {"kind": "follow_up", "title_en": "Prepare the visit", "signed_on": "2023-12-20"},
    )
    assert response.status_code == 200
    assert "signed_on" in response.context["form"].errors
    assert not Outcome.objects.filter(title_en="Prepare the visit").exists()


def test_an_editor_uploads_a_file_a_reader_downloads_it_and_the_editor_deletes_it(client, world):
    _login(client, world.editor)
    upload = SimpleUploadedFile("minutes.pdf", PDF, content_type="application/pdf")
    response = client.post(
        _url("attachment-add", world.activity.pk), {"file": upload, "kind": "minutes", "title": "Minutes"}
    )
    assert response.status_code == 302
    assert response["Location"] == _detail(world, "outcomes")
    attachment = Attachment.objects.get(activity=world.activity, title="Minutes")
    assert (attachment.content_type, attachment.size) == ("application/pdf", len(PDF))
    client.logout()

    _login(client, world.viewer)
    response = client.get(_url("attachment-download", world.activity.pk, attachment.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "minutes.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    client.logout()

    _login(client, world.editor)
    response = client.post(_url("attachment-delete", world.activity.pk, attachment.pk))
    assert response.status_code == 302
    assert not Attachment.objects.filter(pk=attachment.pk).exists()


def test_a_user_who_may_not_read_the_activity_cannot_download_its_files(client, world):
    # given a user cleared only for public records, and an internal activity
    stranger = make_user("stranger", org=make_org("Elsewhere"), clearance=Classification.PUBLIC)
    _login(client, stranger)
    hidden = client.get(_url("attachment-download", world.activity.pk, world.attachment.pk))
    missing = client.get(_url("attachment-download", 999_999, world.attachment.pk))
    # then the file answers exactly like a missing one
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content


def test_a_file_of_another_activity_is_not_served_through_this_one(client, world):
    other = make_activity(lead=world.mofa)
    _login(client, world.viewer)
    assert client.get(_url("attachment-download", other.pk, world.attachment.pk)).status_code == 404


@override_settings(LIAISON_ATTACHMENT_MAX_BYTES=64)
def test_an_oversize_upload_is_refused_on_the_file_field(client, world):
    _login(client, world.editor)
    upload = SimpleUploadedFile("big.pdf", PDF + b"0" * 100, content_type="application/pdf")
    response = client.post(_url("attachment-add", world.activity.pk), {"file": upload, "kind": "other"})
    assert response.status_code == 200
    assert "largest accepted" in response.context["form"].errors["file"][0]
    assert world.activity.attachments.count() == 1


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("page.html", b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"),
        ("setup.exe", b"MZ\x90\x00" + b"\x00" * 200),
        ("report.pdf", b"MZ\x90\x00" + b"\x00" * 200),  # the name does not decide the type
    ],
)
def test_a_refused_type_of_file_is_refused_on_the_file_field(client, world, name, content):
    _login(client, world.editor)
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    response = client.post(_url("attachment-add", world.activity.pk), {"file": upload, "kind": "other"})
    assert response.status_code == 200
    assert "not accepted" in response.context["form"].errors["file"][0]
    assert world.activity.attachments.count() == 1


def test_an_editor_adds_and_removes_a_source(client, world):
    _login(client, world.editor)
    response = client.post(
        _url("source-add", world.activity.pk),
        {"title": "Press release", "url": "https://mofa.gov.vn/press", "reference": "seeds/002"},
    )
    assert response.status_code == 302
    source = SourceLink.objects.get(activity=world.activity, title="Press release")
    assert client.post(_url("source-delete", world.activity.pk, source.pk)).status_code == 302
    assert not SourceLink.objects.filter(pk=source.pk).exists()


def test_a_source_without_a_title_or_with_a_bad_address_is_refused(client, world):
    _login(client, world.editor)
    response = client.post(_url("source-add", world.activity.pk), {"title": "", "url": "not a link"})
    assert response.status_code == 200
    assert {"title", "url"} <= set(response.context["form"].errors)
    assert world.activity.sources.count() == 1


# --- HTMX --------------------------------------------------------------------------------------


def test_an_htmx_removal_answers_with_the_section_to_swap_in(client, world):
    _login(client, world.editor)
    response = client.post(_url("member-remove", world.activity.pk, world.member.pk), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="delegations"')
    assert "Saleumxay" not in response.text
    assert not DelegationMember.objects.filter(pk=world.member.pk).exists()


def test_an_htmx_action_that_fails_shows_the_error_in_the_section(client, world):
    _login(client, world.editor)
    empty = delegations.add_delegation(
        by=world.root, activity=world.activity, data=delegations.DelegationInput(organisation=world.lao)
    )
    response = client.post(_url("composition-submit", world.activity.pk, empty.pk), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'role="alert"' in response.text
    assert "Name at least one member" in response.text


# --- The people autocomplete -------------------------------------------------------------------


def test_the_people_autocomplete_suggests_only_people_the_user_may_read(client, world):
    make_person(
        "Saleumxay Secret",
        owner=world.lao,
        classification=Classification.RESTRICTED,
    )
    _login(client, world.editor)
    response = client.get(_url("person-autocomplete"), {"q": "Saleumxay"})
    assert response.status_code == 200
    assert f'data-id="{world.guest.pk}"' in response.text
    assert "Secret" not in response.text
    assert "No person matches" in client.get(_url("person-autocomplete"), {"q": "zzzzqqq"}).text
    assert client.get(_url("person-autocomplete")).text.count("<li") == 1


def test_the_people_autocomplete_takes_the_same_number_of_queries_for_more_matches(client, world):
    _login(client, world.editor)
    url = _url("person-autocomplete")

    def queries() -> int:
        client.get(url, {"q": "Nguyễn Văn"})
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, {"q": "Nguyễn Văn"})
        assert response.status_code == 200
        return len(ctx.captured_queries)

    for i in range(2):
        make_person(f"Nguyễn Văn {i}", owner=world.mofa)
    few = queries()
    for i in range(2, 12):
        make_person(f"Nguyễn Văn {i}", owner=world.mofa)
    assert queries() == few


def test_the_person_field_shows_the_chosen_name_and_asks_the_autocomplete(client, world):
    _login(client, world.editor)
    page = client.get(_url("member-edit", world.activity.pk, world.member.pk))
    assert 'value="Saleumxay Kommasith"' in page.text
    assert _url("person-autocomplete") in page.text


# --- The sections of the detail page -----------------------------------------------------------


def _section_context(user: User, activity: Activity) -> dict[str, Any]:
    detail = selectors.activity_detail(user, activity)
    return {
        "activity": activity,
        "detail": detail,
        "can_edit": can_change(user, activity),
        "user": user,
        "language": translation.get_language(),
        **section_context(user, detail),
    }


def _render_section(section: str, user: User, activity: Activity) -> str:
    return render_to_string(f"activities/parts/{section}.html", _section_context(user, activity))


def test_the_hosting_side_does_not_see_an_unapproved_compositions_members(world):
    # given a reader of the hosting organisation who may not change the activity
    html = _render_section("delegations", world.viewer, world.activity)
    # then the visiting delegation shows, its members do not
    assert "Lao delegation" in html
    assert "Saleumxay" not in html
    assert "awaits approval" in html
    # while its editors see them, with the buttons to change them
    editor_html = _render_section("delegations", world.editor, world.activity)
    assert "Saleumxay Kommasith" in editor_html
    assert _url("member-edit", world.activity.pk, world.member.pk) in editor_html
    assert _url("member-edit", world.activity.pk, world.member.pk) not in html


def test_once_approved_the_hosting_side_sees_the_members_in_protocol_order(world):
    focal = make_user("focal", org=world.mofa)
    FocalPoint.objects.create(organisation=world.lao, user=focal)
    deputy = make_person("Deputy Guest", owner=world.lao)
    delegations.add_member(
        by=world.root,
        delegation=world.visiting,
        data=delegations.MemberInput(person=deputy, role=MemberRole.DEPUTY_HEAD, protocol_order=2),
    )
    delegations.submit_composition(by=world.editor, delegation=world.visiting)
    # the focal point is offered the decision
    focal_html = _render_section("delegations", focal, world.activity)
    assert _url("composition-decide", world.activity.pk, world.visiting.pk) in focal_html
    viewer_html = _render_section("delegations", world.viewer, world.activity)
    assert _url("composition-decide", world.activity.pk, world.visiting.pk) not in viewer_html
    delegations.decide_composition(by=focal, delegation=world.visiting, approve=True)
    html = _render_section("delegations", world.viewer, world.activity)
    assert html.index("Saleumxay Kommasith") < html.index("Deputy Guest")
    assert "awaits approval" not in html


def test_names_the_reader_may_not_read_do_not_show_in_the_sections(world):
    secret_org = make_org("Secret Host Bureau", classification=Classification.RESTRICTED)
    secret_person = make_person("Secret Chair", owner=secret_org, classification=Classification.RESTRICTED)
    programme.add_site(
        by=world.root,
        activity=world.activity,
        data=programme.SiteInput(
            locality=_province("XX-QN", "Quang Ninh Test"), host_organisation=secret_org, chair=secret_person
        ),
    )
    records.add_outcome(
        by=world.root,
        activity=world.activity,
        data=records.OutcomeInput(
            kind="follow_up", title_en="Follow the visit", responsible=secret_org, parties=[secret_org]
        ),
    )
    delegations.add_delegation(
        by=world.root, activity=world.activity, data=delegations.DelegationInput(organisation=secret_org)
    )
    for section in ("delegations", "programme", "outcomes"):
        html = _render_section(section, world.viewer, world.activity)
        assert "Secret" not in html, section
    # a reader who may see them does
    assert "Secret Host Bureau" in _render_section("outcomes", world.root, world.activity)


def test_the_programme_counts_sites_and_sums_up_their_connections(world):
    checked = programme.add_site(
        by=world.root,
        activity=world.activity,
        data=programme.SiteInput(
            locality=_province("XX-A", "Alpha Test"), connection_status=ConnectionStatus.OK
        ),
    )
    programme.add_site(
        by=world.root,
        activity=world.activity,
        data=programme.SiteInput(
            locality=_province("XX-B", "Beta Test"), connection_status=ConnectionStatus.FAILED
        ),
    )
    html = _render_section("programme", world.viewer, world.activity)
    assert "3 connected sites" in html
    assert "Connection working: 1" in html
    assert "Connection failed: 1" in html
    assert "Not checked: 1" in html
    assert "Alpha Test" in html and checked.locality.name_en in html
    assert "Opening" in html
    assert "08:30" in html  # the session's start, in Hanoi time
    assert "Bùi Thanh Sơn" in html


def test_the_outcomes_section_lists_outcomes_files_and_sources(world):
    html = _render_section("outcomes", world.viewer, world.activity)
    assert "Memorandum on cooperation" in html
    assert "Lao Ministry of Foreign Affairs" in html
    assert _url("attachment-download", world.activity.pk, world.attachment.pk) in html
    assert "application/pdf" in html
    assert 'href="https://example.org/a"' in html
    assert "Nhân Dân article" in html
    # a reader gets no buttons to change them
    assert _url("attachment-delete", world.activity.pk, world.attachment.pk) not in html


def test_the_sections_have_an_empty_state(world):
    empty = make_activity(lead=world.mofa, kind=ActivityKind.CONFERENCE)
    html = "".join(_render_section(s, world.editor, empty) for s in ("delegations", "programme", "outcomes"))
    for text in (
        "No delegations recorded.",
        "No sessions recorded.",
        "0 connected sites",
        "No outcomes recorded.",
        "No files attached.",
        "No sources recorded.",
    ):
        assert text in html, text


def _grow(w: World, n: int, start: int) -> None:
    for i in range(start, start + n):
        person = make_person(f"Member {i}", owner=w.lao)
        delegations.add_member(by=w.root, delegation=w.visiting, data=delegations.MemberInput(person=person))
        session = programme.add_session(
            by=w.root,
            activity=w.activity,
            data=programme.SessionInput(starts_at=at(2023, 12, 20, 9), ends_at=at(2023, 12, 20, 10)),
        )
        programme.add_session_person(
            by=w.root, session=session, data=programme.SessionPersonInput(person=person)
        )
        programme.add_site(
            by=w.root,
            activity=w.activity,
            data=programme.SiteInput(
                locality=_province(f"XX-G{i}", f"Grown {i}"), host_organisation=w.mofa, chair=person
            ),
        )
        records.add_outcome(
            by=w.root,
            activity=w.activity,
            data=records.OutcomeInput(
                kind="decision", title_en=f"Decision {i}", parties=[w.lao], responsible=w.mofa
            ),
        )
        records.add_source(by=w.root, activity=w.activity, title=f"Source {i}")


def _queries_to_render(user: User, activity: Activity) -> int:
    with CaptureQueriesContext(connection) as ctx:
        for section in ("delegations", "programme", "outcomes"):
            _render_section(section, user, activity)
    return len(ctx.captured_queries)


def test_the_sections_take_the_same_number_of_queries_whatever_the_number_of_parts(world):
    _grow(world, 2, 0)
    _queries_to_render(world.editor, world.activity)  # the user's access facts are read once
    few = _queries_to_render(world.editor, world.activity)
    _grow(world, 8, 2)
    many = _queries_to_render(world.editor, world.activity)
    assert many == few


@pytest.mark.parametrize("section", ["delegations", "programme", "outcomes"])
def test_the_sections_render_in_arabic(world, section):
    with translation.override("ar"):
        html = _render_section(section, world.editor, world.activity)
    assert f'id="{section}"' in html
    assert "Ministry" in html or section != "delegations"


def test_the_forms_render_in_arabic(client, world):
    world.editor.language = "ar"
    world.editor.save()
    _login(client, world.editor)
    for name, url in _form_urls(world).items():
        response = client.get(url)
        assert response.status_code == 200, name
        assert 'dir="rtl"' in response.text, name


def test_the_decision_page_renders_in_arabic(client, world):
    focal = make_user("focal", org=world.mofa, language="ar")
    FocalPoint.objects.create(organisation=world.lao, user=focal)
    delegations.submit_composition(by=world.editor, delegation=world.visiting)
    _login(client, focal)
    response = client.get(_url("composition-decide", world.activity.pk, world.visiting.pk))
    assert response.status_code == 200
    assert 'dir="rtl"' in response.text
    assert "Saleumxay Kommasith" in response.text


def test_the_section_shows_times_in_arabic_with_the_activitys_names(world):
    world.host.refresh_from_db()
    from liaison.directory import services as directory_services

    directory_services.add_person_name(
        by=world.root, person=world.host, name=NameInput(value="بوي ثانه سون", language="ar")
    )
    with translation.override("ar"):
        html = _render_section("programme", world.viewer, world.activity)
    assert "بوي ثانه سون" in html
    assert HANOI.key in html


# --- Long lists on the detail page --------------------------------------------------------------


def test_the_detail_page_lists_the_first_members_and_sites_and_more_brings_the_rest(
    client, world, monkeypatch
):
    # given a delegation of five members and a conference of five sites, and pages that list two
    monkeypatch.setattr(selectors, "MEMBERS_SHOWN", 2)
    monkeypatch.setattr(selectors, "SITES_SHOWN", 2)
    _grow(world, 4, 0)
    members = list(
        DelegationMember.objects.filter(delegation=world.visiting).order_by("protocol_order", "id")
    )
    sites = list(ConnectedSite.objects.filter(activity=world.activity))
    assert len(members) == 5 and len(sites) == 5
    _login(client, world.editor)
    a = world.activity.pk
    # when the editor opens the activity
    page = client.get(world.activity.get_absolute_url()).text
    # then the first two members (in protocol order) are listed, with "More…" and how many there are
    shown = [m for m in members if _url("member-edit", a, m.pk) in page]
    assert shown == members[:2]
    assert _url("section", a, "delegations") in page and "(2 / 5)" in page
    # and two sites, the count and the statuses counting all five
    assert sum(_url("site-edit", a, s.pk) in page for s in sites) == 2
    assert "5 connected sites" in page and "Not checked: 5" in page
    assert _url("section", a, "programme") in page
    # when they ask for the rest (HTMX swaps the section in)
    whole = client.get(_url("section", a, "delegations"), headers={"HX-Request": "true"})
    assert whole.status_code == 200 and "<html" not in whole.text
    assert all(_url("member-edit", a, m.pk) in whole.text for m in members)
    programme_whole = client.get(_url("section", a, "programme"), headers={"HX-Request": "true"}).text
    assert all(_url("site-edit", a, s.pk) in programme_whole for s in sites)
    # and without HTMX, the detail page with every list whole
    redirect = client.get(_url("section", a, "programme"))
    assert redirect.status_code == 302 and redirect.url.endswith("?all=1#programme")
    page = client.get(redirect.url).text
    assert all(_url("member-edit", a, m.pk) in page for m in members)
    assert all(_url("site-edit", a, s.pk) in page for s in sites)
    assert _url("section", a, "delegations") not in page
    # an unknown section is not found
    assert client.get(_url("section", a, "unknown"), headers={"HX-Request": "true"}).status_code == 404


def test_more_does_not_tell_how_many_members_an_unapproved_composition_has(client, world, monkeypatch):
    # given a draft composition of five members, a page listing two, and a reader of the hosting side
    monkeypatch.setattr(selectors, "MEMBERS_SHOWN", 2)
    _grow(world, 4, 0)
    _login(client, world.viewer)
    page = client.get(world.activity.get_absolute_url()).text
    # then neither its members nor their number show
    assert "awaits approval" in page
    assert "/ 5)" not in page and "Saleumxay" not in page.split('id="programme"')[0]


def _detail_queries(client, activity: Activity) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(activity.get_absolute_url()).status_code == 200
    return len(ctx.captured_queries)


def test_the_detail_page_takes_a_fixed_number_of_queries_whatever_the_number_of_parts(client, world):
    _login(client, world.editor)
    _grow(world, 2, 0)
    _detail_queries(client, world.activity)
    few = _detail_queries(client, world.activity)
    _grow(world, 30, 2)  # more members and sites than the page lists
    assert _detail_queries(client, world.activity) == few
    # The queries: the session, the user and their memberships (3); the activity (1); the
    # delegations (1), their itinerary (1) and their members as rows (1); the sessions (1) and who
    # chairs or speaks (1); the sites' statuses (1) and the first sites (1); the outcomes (1) and
    # their parties (1); the co-organisers and counterparts (1); which organisations (1) and
    # people (1) named the user may read; the first members (1) and the chairs and speakers (1)
    # the user may see; the focal points of the user (1: a composition is not approved); the
    # organisations' (1) and people's (1) names; the warnings: the activity's people (1), their
    # times (1) and the long-running rows under way (1; nobody here is expected elsewhere, so
    # nothing more); the counterpart countries (1), status changes (1), attachments (1), sources
    # (1) and history (1).
    assert few == 29

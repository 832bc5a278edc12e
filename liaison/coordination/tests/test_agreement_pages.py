"""Agreement pages: the list (filters, empty state, query budget), the detail page with its rules
as sentences, contact points and history, the agreement and rule forms (every refusal of the
services on its field), the signed text, deletion, and who may do what."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from liaison.accounts.models import User
from liaison.activities.models import ActivityKind, LeaderRank
from liaison.activities.testing import make_activity
from liaison.coordination import engine, forms
from liaison.coordination.models import (
    ActivityChange,
    Agreement,
    ChangeKind,
    ContactPoint,
    DayBasis,
    Notice,
    SharedField,
    SharingRule,
    Trigger,
)
from liaison.coordination.testing import make_agreement, make_rule
from liaison.core.access import Role
from liaison.core.models import Classification
from liaison.core.testing import PASSWORD, make_org, make_person, make_superuser, make_user
from liaison.directory.models import Organisation

pytestmark = pytest.mark.django_db

LIST = reverse("coordination:agreement-list")
CREATE = reverse("coordination:agreement-create")
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def docx() -> bytes:
    """The smallest file `filetype` recognises as Word: a zip whose parts say so."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


@dataclass
class World:
    root: User
    mofa: Organisation
    protocol: Organisation
    vufo: Organisation
    culture: Organisation
    editor: User
    viewer: User
    coordinator: User
    party_editor: User
    outsider: User
    agreement: Agreement


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def world(media) -> World:
    root = make_superuser("root")
    mofa = make_org("Ministry of Foreign Affairs")
    protocol = make_org("State Protocol Department", parent=mofa)
    vufo = make_org("VUFO", pillar="people", kind="mass_organisation")
    culture = make_org("Ministry of Culture")
    coordinator = make_user(
        "coordinator", org=mofa, role=Role.COORDINATOR, first_name="Lan", last_name="Nguyen"
    )
    agreement = make_agreement(
        mofa,
        vufo,
        owner=mofa,
        code="01/QCPH",
        title_en="Regulation on coordinating people-to-people external affairs",
        title_vi="Quy chế phối hợp công tác đối ngoại nhân dân",
        fields=["people_to_people", "documents"],
        signed_on=dt.date(2019, 12, 20),
        starts_on=dt.date(2020, 1, 1),
        acknowledge_within_hours=72,
        coordinators=[coordinator],
        notes="Reviewed every year in December.",
    )
    return World(
        root=root,
        mofa=mofa,
        protocol=protocol,
        vufo=vufo,
        culture=culture,
        editor=make_user("editor", org=mofa, role=Role.EDITOR),
        viewer=make_user("viewer", org=mofa, role=Role.VIEWER),
        coordinator=coordinator,
        party_editor=make_user("party-editor", org=vufo, role=Role.EDITOR),
        outsider=make_user("outsider", org=culture, role=Role.EDITOR, clearance=Classification.RESTRICTED),
        agreement=agreement,
    )


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name: str, *args: Any) -> str:
    return reverse(f"coordination:{name}", args=args)


def agreement_data(w: World, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "annual_plan",
        "code": "02/KH",
        "title_en": "Joint plan 2025",
        "owner": w.mofa.pk,
        "parties": [w.mofa.pk, w.vufo.pk],
        "fields": ["people_to_people"],
        "starts_on": "2025-01-01",
        "ends_on": "2025-12-31",
        "acknowledge_within_hours": "48",
        "coordinators": [w.coordinator.pk],
        "classification": str(Classification.INTERNAL),
        "notes": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def rule_data(w: World, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "High-level visits",
        "recipient": w.vufo.pk,
        "source": w.mofa.pk,
        "kinds": [ActivityKind.INCOMING_VISIT, ActivityKind.OUTGOING_VISIT],
        "high_level_only": "on",
        "triggers": [Trigger.CREATED, Trigger.DATES, Trigger.CANCELLED],
        "lead_days": "14",
        "day_basis": DayBasis.WORKING,
        "change_hours": "24",
        "shared_fields": [SharedField.TITLE, SharedField.PLACE],
        "active": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# --- The list ------------------------------------------------------------------------------------


def test_the_list_shows_each_agreement_with_its_parties_period_and_active_rules(world):
    # given an agreement with two active rules and an inactive one
    make_rule(world.agreement, recipient=world.vufo)
    make_rule(world.agreement, recipient=world.mofa, source=world.vufo)
    make_rule(world.agreement, recipient=world.vufo, active=False)
    # when a viewer of a party opens the list
    response = client_for(world.viewer).get(LIST)
    # then the row holds kind, code, title, parties, period and the number of active rules
    [row] = response.context["page"].object_list
    assert row["kind_label"] == "Coordination agreement"
    assert row["code"] == "01/QCPH"
    assert row["title"] == "Regulation on coordinating people-to-people external affairs"
    assert row["parties"] == ["Ministry of Foreign Affairs", "VUFO"]
    assert row["starts_on"] == dt.date(2020, 1, 1) and row["ends_on"] is None and row["in_force"]
    assert row["active_rules"] == 2
    body = response.content.decode()
    assert "01/QCPH" in body and "VUFO" in body


def test_the_list_shows_titles_in_the_readers_language(world):
    # given a reader whose interface is Vietnamese / when they open the list
    reader = make_user("vi-reader", org=world.mofa, language="vi")
    body = client_for(reader).get(LIST).content.decode()
    # then the Vietnamese title is shown
    assert "Quy chế phối hợp công tác đối ngoại nhân dân" in body


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "annual_plan"}, {"Plan 2024"}),
        ({"in_force": "yes"}, {"Regulation on coordinating people-to-people external affairs", "Open plan"}),
        ({"in_force": "no"}, {"Plan 2024"}),
        ({"q": "02/kh"}, {"Plan 2024"}),
        ({"q": "open"}, {"Open plan"}),
        ({"party": "culture"}, {"Open plan"}),
    ],
)
def test_the_list_filters_by_kind_party_force_and_words(world, params, expected):
    # given three agreements: one in force, one ended, one with another party
    make_agreement(
        world.mofa, world.vufo, kind="annual_plan", code="02/KH", title_en="Plan 2024",
        starts_on=dt.date(2024, 1, 1), ends_on=dt.date(2024, 12, 31),
    )  # fmt: skip
    make_agreement(world.mofa, world.culture, title_en="Open plan", starts_on=dt.date(2021, 1, 1))
    if params.get("party") == "culture":
        params = {"party": world.culture.pk}
    # when the list is filtered
    response = client_for(world.viewer).get(LIST, params)
    # then only the matching agreements are listed
    assert {row["title"] for row in response.context["page"].object_list} == expected


def test_the_party_filter_offers_the_parties_of_readable_agreements(world):
    body = client_for(world.viewer).get(LIST).content.decode()
    assert f'<option value="{world.vufo.pk}"' in body
    assert f'<option value="{world.culture.pk}"' not in body


def test_the_empty_list_says_what_an_agreement_is_and_offers_one_to_those_who_may(world):
    # given no agreements at all
    Agreement.objects.all().delete()
    # when an editor and a viewer open the list
    for_editor = client_for(world.editor).get(LIST).content.decode()
    for_viewer = client_for(world.viewer).get(LIST).content.decode()
    # then both read what an agreement is; only the editor is offered a new one
    assert "No coordination agreements yet." in for_editor and "No coordination agreements yet." in for_viewer
    assert "two or more organisations coordinate" in for_viewer
    assert CREATE in for_editor and CREATE not in for_viewer


def test_a_filter_matching_nothing_says_so(world):
    body = client_for(world.viewer).get(LIST, {"q": "nothing like this"}).content.decode()
    assert "No agreement matches these filters." in body


def test_the_list_links_to_the_calendars_and_the_inbox(world):
    body = client_for(world.viewer).get(LIST).content.decode()
    assert url("calendar-list") in body and url("inbox") in body


def test_the_htmx_request_gets_only_the_results(world):
    response = client_for(world.viewer).get(LIST, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "01/QCPH" in body and "<html" not in body


def test_the_list_costs_the_same_number_of_queries_for_2_or_30_rows(world, django_assert_max_num_queries):
    # given a viewer and two agreements with rules
    client = client_for(world.viewer)
    make_rule(make_agreement(world.mofa, world.vufo, world.protocol), recipient=world.vufo)
    client.get(LIST)  # the first request also loads the session and the user's memberships
    # Queries: session, user, memberships (the policy's facts); the count; the page's rows;
    # their parties; the parties' names; which parties the reader may see; the active rules;
    # the party filter's organisations and their names.
    with django_assert_max_num_queries(11) as few:
        assert client.get(LIST).status_code == 200
    # when 28 more agreements with parties and rules are added
    for i in range(28):
        agreement = make_agreement(world.mofa, world.vufo if i % 2 else world.culture, title_en=f"A{i}")
        make_rule(agreement, recipient=world.mofa)
    # then the page costs no more queries
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST)
    assert len(response.context["page"].object_list) == 30


# --- Who sees and changes what ---------------------------------------------------------------------


def test_someone_outside_cannot_see_a_restricted_agreement(world):
    # given a RESTRICTED agreement between MOFA and VUFO
    secret = make_agreement(
        world.mofa, world.vufo, title_en="Restricted arrangement", classification=Classification.RESTRICTED
    )
    cleared_party = make_user("cleared", org=world.vufo, clearance=Classification.RESTRICTED)
    outsider = client_for(world.outsider)
    # when someone of another organisation, cleared for RESTRICTED, looks for it
    hidden = outsider.get(secret.get_absolute_url())
    missing = outsider.get(url("agreement-detail", 999_999))
    # then it is missing for them, in the list and by its address, like one that does not exist
    assert "Restricted arrangement" not in outsider.get(LIST).content.decode()
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    # and a cleared member of a party reads it
    assert client_for(cleared_party).get(secret.get_absolute_url()).status_code == 200


def test_a_viewer_cannot_edit_anything(world):
    rule = make_rule(world.agreement, recipient=world.vufo)
    client = client_for(world.viewer)
    a = world.agreement.pk
    for name, args in [
        ("agreement-edit", (a,)),
        ("agreement-delete", (a,)),
        ("rule-create", (a,)),
        ("rule-edit", (a, rule.pk)),
        ("rule-delete", (a, rule.pk)),
    ]:
        assert client.get(url(name, *args)).status_code == 404, name
    for name, args in [
        ("contact-add", (a,)),
        ("rule-toggle", (a, rule.pk)),
        ("rule-apply", (a, rule.pk)),
    ]:
        assert client.post(url(name, *args)).status_code == 404, name
    assert client.get(CREATE).status_code == 403
    assert client.post(url("agreement-edit", a), agreement_data(world, version="1")).status_code == 404
    body = client.get(world.agreement.get_absolute_url()).content.decode()
    assert url("agreement-edit", a) not in body and url("rule-create", a) not in body


def test_an_editor_of_the_owning_party_edits_and_an_editor_of_another_party_only_reads(world):
    # given the agreement kept by MOFA
    a = world.agreement.pk
    # when MOFA's editor opens the edit page / then it opens
    assert client_for(world.editor).get(url("agreement-edit", a)).status_code == 200
    # when VUFO's editor (a party that does not keep the record) tries / then they read, not edit
    party = client_for(world.party_editor)
    assert party.get(world.agreement.get_absolute_url()).status_code == 200
    assert party.get(url("agreement-edit", a)).status_code == 404
    assert party.get(url("rule-create", a)).status_code == 404


# --- The detail page -------------------------------------------------------------------------------


def test_the_detail_page_shows_everything_about_the_agreement(world):
    body = client_for(world.viewer).get(world.agreement.get_absolute_url()).content.decode()
    for text in (
        "Coordination agreement",
        "01/QCPH",
        "Regulation on coordinating people-to-people external affairs",
        "Quy chế phối hợp công tác đối ngoại nhân dân",
        "Ministry of Foreign Affairs",
        "VUFO",
        "People-to-people activities",
        "Drafting external-affairs documents",
        "72 hours",
        "Lan Nguyen",
        "Reviewed every year in December.",
        "History",
    ):
        assert text in body, text


def test_a_rule_reads_as_a_sentence(world):
    # given a rule for high-level visits led by MOFA, told to VUFO 14 working days ahead
    make_rule(
        world.agreement,
        recipient=world.vufo,
        source=world.mofa,
        kinds=[ActivityKind.INCOMING_VISIT, ActivityKind.OUTGOING_VISIT],
        high_level_only=True,
        triggers=[Trigger.CREATED, Trigger.DATES, Trigger.CANCELLED],
        lead_days=14,
        day_basis=DayBasis.WORKING,
        change_hours=24,
        shared_fields=[SharedField.TITLE, SharedField.PLACE],
    )
    # when the agreement's page is opened
    response = client_for(world.viewer).get(world.agreement.get_absolute_url())
    # then the rule is one sentence
    [item] = response.context["rules"]
    assert item["sentence"] == (
        "When an activity of kind outgoing visit or incoming visit (high-level; led by Ministry of Foreign "
        "Affairs or below) is recorded, changes its dates or is cancelled, tell VUFO at least 14 working "
        "days before it starts (changes within 24 hours), sharing: title, place."
    )


def test_a_rule_without_conditions_reads_as_a_sentence_too(world):
    make_rule(world.agreement, recipient=world.mofa, lead_days=1, change_hours=1)
    response = client_for(world.viewer).get(world.agreement.get_absolute_url())
    [item] = response.context["rules"]
    assert item["sentence"] == (
        "When an activity is recorded, changes its dates, changes its place, changes its status or is "
        "cancelled, tell Ministry of Foreign Affairs at least 1 day before it starts (changes within "
        "1 hour), sharing: nothing beyond its kind, dates, time zone and status."
    )


def test_the_history_shows_changes_of_the_agreement_and_its_rules(world):
    make_rule(world.agreement, recipient=world.vufo, name="Visits rule")
    response = client_for(world.viewer).get(world.agreement.get_absolute_url())
    assert any("Visits rule" in event.object_repr for event in response.context["history"])


# --- The agreement form ----------------------------------------------------------------------------


def test_an_editor_records_an_agreement_through_the_form(world):
    # when MOFA's editor fills the form
    response = client_for(world.editor).post(CREATE, agreement_data(world))
    # then the agreement is recorded as entered and the page goes to it
    agreement = Agreement.objects.get(code="02/KH")
    assert response.status_code == 302 and response["Location"] == agreement.get_absolute_url()
    assert agreement.owner == world.mofa and agreement.kind == "annual_plan"
    assert set(agreement.parties.all()) == {world.mofa, world.vufo}
    assert agreement.field_list == ["people_to_people"]
    assert list(agreement.coordinators.all()) == [world.coordinator]
    assert agreement.ends_on == dt.date(2025, 12, 31)


def test_the_owner_is_limited_to_organisations_the_user_edits_for(world):
    response = client_for(world.editor).post(CREATE, agreement_data(world, owner=world.vufo.pk))
    assert response.status_code == 200
    assert "owner" in response.context["form"].errors
    assert not Agreement.objects.filter(code="02/KH").exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"starts_on": "2025-06-01", "ends_on": "2025-01-01"}, "ends_on", "cannot end before it starts"),
        ({"title_en": ""}, "title_en", "Give a title in at least one language."),
        ({"parties": ["MOFA"]}, "parties", "two or more organisations"),
        ({"acknowledge_within_hours": "0"}, "acknowledge_within_hours", "Give between 1 and"),
    ],
)
def test_what_the_service_refuses_shows_on_its_field_and_nothing_is_saved(world, changes, field, message):
    if changes.get("parties") == ["MOFA"]:
        changes = {"parties": [world.mofa.pk]}
    response = client_for(world.editor).post(CREATE, agreement_data(world, **changes))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors.get(field, []))
    assert not Agreement.objects.filter(code="02/KH").exists()


@pytest.mark.parametrize(
    ("name", "content", "extension", "content_type"),
    [
        ("Signed regulation.pdf", PDF, "pdf", "application/pdf"),
        (
            "plan.docx",
            docx(),
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("scan.docx", PDF, "pdf", "application/pdf"),  # the content decides, not the name
    ],
)
def test_the_signed_text_is_kept_and_downloaded(world, name, content, extension, content_type):
    # when the agreement is recorded with its signed text
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    response = client_for(world.editor).post(CREATE, {**agreement_data(world), "signed_text": upload})
    assert response.status_code == 302
    agreement = Agreement.objects.get(code="02/KH")
    # then it is stored under the type its content showed
    assert agreement.signed_text.name.endswith(f".{extension}")
    assert agreement.signed_text_name.endswith(f".{extension}")
    # and a reader of the agreement downloads it from its page
    reader = client_for(world.viewer)
    link = url("agreement-signed-text", agreement.pk)
    assert link in reader.get(agreement.get_absolute_url()).content.decode()
    download = reader.get(link)
    assert download.status_code == 200 and download["Content-Type"] == content_type
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == content


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("page.pdf", b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"),
        ("setup.pdf", b"MZ\x90\x00" + b"\x00" * 200),
        ("photo.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),
        ("empty.pdf", b""),
    ],
)
def test_a_signed_text_of_another_type_is_refused_on_its_field(world, name, content):
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    response = client_for(world.editor).post(CREATE, {**agreement_data(world), "signed_text": upload})
    assert response.status_code == 200
    assert response.context["form"].errors["signed_text"]
    assert not Agreement.objects.filter(code="02/KH").exists()


def test_a_signed_text_over_20_mb_is_refused(world, monkeypatch):
    monkeypatch.setattr(forms, "SIGNED_TEXT_MAX_BYTES", 64)
    upload = SimpleUploadedFile("big.pdf", PDF + b"0" * 100, content_type="application/pdf")
    response = client_for(world.editor).post(CREATE, {**agreement_data(world), "signed_text": upload})
    assert "largest accepted" in response.context["form"].errors["signed_text"][0]
    assert not Agreement.objects.filter(code="02/KH").exists()


def test_a_refused_agreement_keeps_no_file(world, media):
    upload = SimpleUploadedFile("regulation.pdf", PDF, content_type="application/pdf")
    data = {**agreement_data(world, ends_on="2024-01-01"), "signed_text": upload}
    response = client_for(world.editor).post(CREATE, data)
    assert response.status_code == 200
    assert not [path for path in media.rglob("*") if path.is_file()]


def test_editing_saves_changes_replaces_the_signed_text_and_refuses_a_stale_version(world):
    client = client_for(world.editor)
    edit = url("agreement-edit", world.agreement.pk)
    # given the form as the editor opened it
    form = client.get(edit).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(title_en="Regulation, as amended", ends_on="2030-12-31")
    # when they save it with a signed text
    upload = SimpleUploadedFile("regulation.pdf", PDF, content_type="application/pdf")
    assert client.post(edit, {**data, "signed_text": upload}).status_code == 302
    # then the changes are saved
    world.agreement.refresh_from_db()
    assert world.agreement.title_en == "Regulation, as amended"
    assert world.agreement.ends_on == dt.date(2030, 12, 31)
    assert world.agreement.signed_text_name == "regulation.pdf"
    assert set(world.agreement.parties.all()) == {world.mofa, world.vufo}
    # and saving again from the old version is refused with the conflict, keeping the newer text
    stale = client.post(edit, {**data, "title_en": "Late"})
    assert stale.status_code == 409
    assert "Someone else changed this record" in stale.content.decode()
    assert "Title (English)" in stale.context["conflict"]
    world.agreement.refresh_from_db()
    assert world.agreement.title_en == "Regulation, as amended"
    # and the signed text can be removed
    form = client.get(edit).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    assert client.post(edit, {**data, "remove_signed_text": "on"}).status_code == 302
    world.agreement.refresh_from_db()
    assert not world.agreement.signed_text and world.agreement.signed_text_name == ""


def visit_under(w: World, *, days_ahead: int = 30) -> Any:
    start = (timezone.now() + dt.timedelta(days=days_ahead)).replace(microsecond=0)
    leader = make_person("Nguyễn Văn A", owner=w.mofa)
    return make_activity(
        "State visit",
        lead=w.protocol,
        kind=ActivityKind.INCOMING_VISIT,
        leader=leader,
        leader_rank=LeaderRank.HEAD_OF_STATE,
        starts_at=start,
        ends_at=start + dt.timedelta(days=1),
    )


def test_a_coordinator_deletes_an_agreement_without_notices(world):
    make_rule(world.agreement, recipient=world.vufo)
    client = client_for(world.coordinator)
    delete = url("agreement-delete", world.agreement.pk)
    assert client.get(delete).status_code == 200
    response = client.post(delete)
    assert response.status_code == 302 and response["Location"] == LIST
    assert not Agreement.objects.filter(pk=world.agreement.pk).exists()
    assert not SharingRule.objects.exists()


def test_deleting_an_agreement_with_notices_is_refused_with_the_services_words(world):
    # given a rule that told VUFO of a visit
    make_rule(world.agreement, recipient=world.vufo, source=world.mofa)
    visit_under(world)
    engine.process_pending()
    assert Notice.objects.exists()
    # when the coordinator deletes the agreement
    response = client_for(world.coordinator).post(url("agreement-delete", world.agreement.pk))
    # then it is kept and the page says why
    assert response.status_code == 400
    assert "Notices were sent under this agreement" in response.content.decode()
    assert Agreement.objects.filter(pk=world.agreement.pk).exists()


def test_an_editor_may_not_delete_an_agreement(world):
    assert client_for(world.editor).post(url("agreement-delete", world.agreement.pk)).status_code == 404


# --- Contact points --------------------------------------------------------------------------------


def test_an_editor_adds_and_removes_a_contact_point_inline(world):
    client = client_for(world.editor)
    add = url("contact-add", world.agreement.pk)
    # when a contact point is added from the page (without and with HTMX)
    data = {"organisation": world.vufo.pk, "unit": "Department of Friendship", "name": "Trần Thị B"}
    response = client.post(add, {**data, "email": "b@vufo.vn", "phone": "+84 24 3825 0000"})
    assert response.status_code == 302
    section = client.post(add, {**data, "name": "Lê Văn C"}, headers={"HX-Request": "true"})
    # then they are kept, and the HTMX answer is the section alone
    assert ContactPoint.objects.filter(agreement=world.agreement).count() == 2
    body = section.content.decode()
    assert "Lê Văn C" in body and "Trần Thị B" in body and "<html" not in body
    # when one is removed / then it is gone
    contact = ContactPoint.objects.get(name="Trần Thị B")
    assert client.post(url("contact-delete", world.agreement.pk, contact.pk)).status_code == 302
    assert not ContactPoint.objects.filter(pk=contact.pk).exists()


def test_a_contact_point_outside_the_parties_or_without_a_name_is_refused(world):
    client = client_for(world.editor)
    add = url("contact-add", world.agreement.pk)
    response = client.post(add, {"organisation": world.culture.pk, "name": "Someone"})
    assert response.status_code == 200 and "organisation" in response.context["contact_form"].errors
    response = client.post(
        add, {"organisation": world.vufo.pk, "name": "   "}, headers={"HX-Request": "true"}
    )
    assert "name" in response.context["contact_form"].errors
    assert "<html" not in response.content.decode() and 'class="error"' in response.content.decode()
    assert not ContactPoint.objects.exists()


# --- Sharing rules ---------------------------------------------------------------------------------


def test_an_editor_adds_a_rule_through_the_form(world):
    response = client_for(world.editor).post(url("rule-create", world.agreement.pk), rule_data(world))
    rule = SharingRule.objects.get(agreement=world.agreement)
    assert response.status_code == 302 and response["Location"].endswith(f"#rule-{rule.pk}")
    assert rule.recipient == world.vufo and rule.source == world.mofa and rule.high_level_only
    assert rule.kinds == ",outgoing_visit,incoming_visit," and rule.triggers == ",created,dates,cancelled,"
    assert rule.lead_days == 14 and rule.day_basis == DayBasis.WORKING
    assert rule.shared_fields == ",title,place," and rule.active


def test_the_rule_form_says_what_is_always_shared(world):
    body = client_for(world.editor).get(url("rule-create", world.agreement.pk)).content.decode()
    assert "kind, dates, time zone and status are always shared" in body


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"recipient": "protocol", "source": "mofa"}, "recipient", "cannot tell its own source"),
        ({"lead_days": "-3"}, "lead_days", "cannot be negative"),
        ({"triggers": [Trigger.DATES, Trigger.CANCELLED]}, "triggers", "Without “is recorded”"),
        (
            {"leader_ranks": [LeaderRank.MINISTER, LeaderRank.AMBASSADOR]},
            "leader_ranks",
            "could never match",
        ),
        ({"recipient": "culture"}, "recipient", "one of the agreement's parties"),
        ({"change_hours": "-1"}, "change_hours", "cannot be negative"),
    ],
)
def test_every_refusal_of_a_rule_lands_on_its_field(world, changes, field, message):
    orgs = {"protocol": world.protocol, "mofa": world.mofa, "culture": world.culture}
    changes = {k: orgs[v].pk if isinstance(v, str) and v in orgs else v for k, v in changes.items()}
    response = client_for(world.editor).post(
        url("rule-create", world.agreement.pk), rule_data(world, **changes)
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors.get(field, [])), errors
    assert not SharingRule.objects.exists()


def test_editing_a_rule_saves_it_and_refuses_a_stale_version(world):
    rule = make_rule(world.agreement, recipient=world.vufo, lead_days=7)
    client = client_for(world.editor)
    edit = url("rule-edit", world.agreement.pk, rule.pk)
    form = client.get(edit).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and v is not False}
    data["active"] = "on"
    assert client.post(edit, {**data, "lead_days": "10"}).status_code == 302
    rule.refresh_from_db()
    assert rule.lead_days == 10
    stale = client.post(edit, {**data, "lead_days": "12"})
    assert stale.status_code == 409
    assert stale.context["conflict"] == ["At least this many days before it starts"]  # what changed meanwhile
    rule.refresh_from_db()
    assert rule.lead_days == 10


def test_a_rule_is_deactivated_and_activated_again(world):
    rule = make_rule(world.agreement, recipient=world.vufo)
    client = client_for(world.editor)
    toggle = url("rule-toggle", world.agreement.pk, rule.pk)
    assert client.post(toggle, {"version": rule.version}).status_code == 302
    rule.refresh_from_db()
    assert not rule.active
    assert client.post(toggle, {"version": rule.version}).status_code == 302
    rule.refresh_from_db()
    assert rule.active
    # a stale version changes nothing
    client.post(toggle, {"version": rule.version - 1})
    rule.refresh_from_db()
    assert rule.active


def test_a_rule_without_notices_is_deleted_and_one_with_notices_is_refused(world):
    # given a rule that told VUFO of a visit, and one that told no one
    told = make_rule(world.agreement, recipient=world.vufo, source=world.mofa)
    quiet = make_rule(world.agreement, recipient=world.mofa, kinds=[ActivityKind.CONFERENCE])
    visit_under(world)
    engine.process_pending()
    client = client_for(world.editor)
    # when both are deleted
    assert client.get(url("rule-delete", world.agreement.pk, quiet.pk)).status_code == 200
    assert client.post(url("rule-delete", world.agreement.pk, quiet.pk)).status_code == 302
    refused = client.post(url("rule-delete", world.agreement.pk, told.pk))
    # then the quiet one is gone; the other is kept and the page says to deactivate it instead
    assert not SharingRule.objects.filter(pk=quiet.pk).exists()
    assert refused.status_code == 400
    assert "This rule has produced notices: deactivate it instead." in refused.content.decode()
    assert SharingRule.objects.filter(pk=told.pk).exists()


def test_applying_a_rule_to_activities_not_yet_started_queues_them(world):
    # given two activities to come and one past
    visit_under(world, days_ahead=10)
    visit_under(world, days_ahead=40)
    visit_under(world, days_ahead=-10)
    rule = make_rule(world.agreement, recipient=world.vufo)
    ActivityChange.objects.all().delete()
    client = client_for(world.editor)
    # when the rule is applied
    response = client.post(url("rule-apply", world.agreement.pk, rule.pk), follow=True)
    # then the two activities to come are queued for it and the page says how many
    queued = ActivityChange.objects.filter(kind=ChangeKind.REAPPLY)
    assert queued.count() == 2 and all(c.rule_ids == [rule.pk] for c in queued)
    assert "2 activities not yet started were queued" in response.content.decode()


def test_an_inactive_rule_is_not_applied(world):
    rule = make_rule(world.agreement, recipient=world.vufo, active=False)
    response = client_for(world.editor).post(url("rule-apply", world.agreement.pk, rule.pk), follow=True)
    assert "Activate the rule first." in response.content.decode()
    assert not ActivityChange.objects.filter(kind=ChangeKind.REAPPLY).exists()


def test_a_rule_of_another_agreement_is_404(world):
    other = make_agreement(world.mofa, world.vufo)
    rule = make_rule(other, recipient=world.vufo)
    client = client_for(world.editor)
    assert client.get(url("rule-edit", world.agreement.pk, rule.pk)).status_code == 404


# --- Languages -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "direction"), [("ar", "rtl"), ("vi", "ltr")])
def test_the_pages_render_in_every_language(world, language, direction):
    rule = make_rule(world.agreement, recipient=world.vufo, kinds=[ActivityKind.TALKS], lead_days=3)
    reader = make_user(f"{language}-editor", org=world.mofa, role=Role.COORDINATOR, language=language)
    client = Client()
    client.login(username=reader.username, password=PASSWORD)
    a = world.agreement.pk
    for page in (
        LIST,
        CREATE,
        world.agreement.get_absolute_url(),
        url("agreement-edit", a),
        url("agreement-delete", a),
        url("rule-create", a),
        url("rule-edit", a, rule.pk),
        url("rule-delete", a, rule.pk),
    ):
        response = client.get(page)
        assert response.status_code == 200, page
        assert f'dir="{direction}"' in response.content.decode(), page

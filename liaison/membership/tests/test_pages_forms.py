"""The membership forms: each refusal lands on the field to change, with a 400, and nothing is
saved (no row, no stored file); an edit from an older version is refused with a 409."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from liaison.core.audit import acting_as
from liaison.core.testing import make_org
from liaison.directory.models import OrganisationKind
from liaison.membership import services
from liaison.membership.models import (
    Branch,
    DossierFile,
    Member,
    Posting,
    Transfer,
    TransferDocument,
    TransferKind,
)
from liaison.membership.testing import Register, make_officer
from liaison.membership.tests.test_pages import TODAY, build_filled, client_for, pdf_upload, url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def filled(register: Register) -> dict[str, Any]:
    return build_filled(register)


def _errors(response: Any, field: str) -> str:
    assert response.status_code == 400, response.status_code
    assert 'class="error"' in response.content.decode()
    return " ".join(response.context["form"].errors[field])


def _stored_files(settings: Any) -> list[Any]:
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- Transfers ------------------------------------------------------------------------------------


def _release(f: dict[str, Any], **changes: Any) -> dict[str, Any]:
    data = {
        "kind": TransferKind.PERMANENT,
        "to_branch": f["register"].hue.pk,
        "letter_number": "7-QĐ/ĐU",
        "letter_date": TODAY.isoformat(),
        "released_on": TODAY.isoformat(),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_a_transfer_to_the_branch_the_member_is_in_is_refused_on_the_branch(filled, settings):
    client = client_for(filled["officer"])
    minh = filled["minh"]
    files_before = _stored_files(settings)
    data = _release(filled, to_branch=filled["register"].hanoi.pk, documents=[pdf_upload("letter.pdf")])
    response = client.post(url("transfer-release", minh.pk), data)
    assert "already in this branch" in _errors(response, "to_branch")
    assert not Transfer.objects.filter(member=minh).exists()
    assert _stored_files(settings) == files_before
    minh.refresh_from_db()
    assert minh.branch == filled["register"].hanoi


def test_a_transfer_with_a_document_that_is_not_a_pdf_or_an_image_is_refused(filled, settings):
    client = client_for(filled["officer"])
    minh = filled["minh"]
    before = TransferDocument.objects.count()
    text = SimpleUploadedFile("letter.txt", b"just words", content_type="text/plain")
    response = client.post(url("transfer-release", minh.pk), _release(filled, documents=[text]))
    assert "Upload a PDF or an image" in _errors(response, "documents")
    assert not Transfer.objects.filter(member=minh).exists()
    assert TransferDocument.objects.count() == before


def test_a_temporary_transfer_to_a_branch_at_home_is_refused(filled):
    client = client_for(filled["officer"])
    response = client.post(url("transfer-release", filled["minh"].pk), _release(filled, kind="temporary"))
    assert "branch abroad" in _errors(response, "to_branch")


def test_a_receipt_before_the_release_is_refused_on_its_date(filled):
    paris = client_for(make_officer(filled["register"].paris))
    transfer = filled["transfer"]
    early = (transfer.released_on - dt.timedelta(days=1)).isoformat()
    response = paris.post(url("transfer-receive", transfer.pk), {"received_on": early})
    assert "before the release" in _errors(response, "received_on")
    transfer.refresh_from_db()
    assert transfer.received_on is None


# --- Postings -------------------------------------------------------------------------------------


def test_an_overlapping_posting_is_refused_on_its_start(filled):
    # given Lan posted to France since 90 days, with no end
    client = client_for(filled["officer"])
    lan = filled["lan"]
    data = {"country": "DE", "start": (TODAY - dt.timedelta(days=30)).isoformat()}
    response = client.post(url("posting-add", lan.pk), data)
    assert "overlaps the posting to France" in _errors(response, "start")
    assert Posting.objects.filter(member=lan).count() == 1


def test_a_posting_at_home_is_refused_on_its_country(filled):
    client = client_for(filled["officer"])
    response = client.post(url("posting-add", filled["minh"].pk), {"country": "VN", "start": "2020-01-01"})
    assert "home country" in _errors(response, "country")
    assert not Posting.objects.filter(member=filled["minh"]).exists()


def test_a_posting_is_added_changed_and_deleted(filled):
    client = client_for(filled["officer"])
    minh = filled["minh"]
    response = client.post(url("posting-add", minh.pk), {"country": "DE", "start": "2020-01-01"})
    assert response.status_code == 302
    posting = minh.postings.get()
    edit = {"country": "DE", "start": "2020-01-01", "end": "2021-06-30", "version": posting.version}
    assert client.post(url("posting-edit", posting.pk), edit).status_code == 302
    posting.refresh_from_db()
    assert posting.end == dt.date(2021, 6, 30)
    assert client.post(url("posting-delete", posting.pk)).status_code == 302
    assert not minh.postings.exists()


def test_a_posting_edited_from_an_older_version_is_a_conflict(filled):
    client = client_for(filled["officer"])
    posting = filled["posting"]
    stale = {"country": "FR", "start": posting.start.isoformat(), "end": TODAY.isoformat(), "version": 0}
    response = client.post(url("posting-edit", posting.pk), stale)
    assert response.status_code == 409
    assert "Someone else changed this record" in response.content.decode()
    posting.refresh_from_db()
    assert posting.end is None


# --- Members --------------------------------------------------------------------------------------


def _member_data(**changes: Any) -> dict[str, Any]:
    data = {
        "name_vi": "Đỗ Thị Mai",
        "name_en": "Do Thi Mai",
        "joined_on": "2019-05-19",
        "gender": "f",
        "classification": "2",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_a_member_is_created_in_a_branch_the_officer_answers_for(filled):
    client = client_for(filled["officer"])
    hanoi = filled["register"].hanoi
    response = client.post(url("member-create"), _member_data(branch=hanoi.pk, register_number="HN-002"))
    assert response.status_code == 302
    mai = Member.objects.get(register_number="HN-002")
    assert response["Location"] == url("member-detail", mai.pk)
    assert mai.branch == hanoi and mai.name == "Đỗ Thị Mai"
    assert sorted(mai.names.values_list("language", flat=True)) == ["en", "vi"]
    assert mai.dossier.status == "not_started"


def test_a_member_may_not_be_created_in_a_branch_the_officer_does_not_answer_for(filled):
    client = client_for(filled["officer"])
    response = client.post(url("member-create"), _member_data(branch=filled["register"].hue.pk))
    assert "Choose a branch from the list" in _errors(response, "branch")
    assert not Member.objects.filter(name="Đỗ Thị Mai").exists()


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"name_vi": "", "name_en": ""}, "name_vi", "at least one name"),
        ({"joined_on": (TODAY + dt.timedelta(days=3)).isoformat()}, "joined_on", "in the future"),
        ({"register_number": "HN-001"}, "register_number", "Another member has this register number"),
        ({"birth_date": "1850-01-01"}, "birth_date", "date of birth in the past"),
    ],
)
def test_a_bad_new_member_is_refused_on_its_field(filled, changes, field, words):
    client = client_for(filled["officer"])
    data = _member_data(branch=filled["register"].hanoi.pk, **changes)
    response = client.post(url("member-create"), data)
    assert words in _errors(response, field)
    assert not Member.objects.filter(name__in=["Đỗ Thị Mai", "Do Thi Mai"]).exists()


def test_a_joining_date_after_a_change_of_status_is_refused_on_the_joining_date(filled):
    # given Minh, suspended ten days ago
    root, minh = filled["register"].root, filled["minh"]
    with acting_as(root, via="test"):
        services.record_event(by=root, member=minh, kind="suspended", on=TODAY - dt.timedelta(days=10))
    minh.refresh_from_db()
    joined = minh.joined_on
    client = client_for(filled["officer"])
    data = _member_data(
        name_vi="Lê Văn Minh",
        name_en="",
        joined_on=(TODAY - dt.timedelta(days=5)).isoformat(),
        version=minh.version,
    )
    response = client.post(url("member-edit", minh.pk), data)
    assert "cannot be after the member's first change of status" in _errors(response, "joined_on")
    minh.refresh_from_db()
    assert minh.joined_on == joined and minh.gender == ""


def test_a_member_edit_keeps_spellings_the_form_does_not_show(filled):
    # given Lan with a French spelling besides her Vietnamese one
    root, lan = filled["register"].root, filled["lan"]
    lan.refresh_from_db()
    with acting_as(root, via="test"):
        services.update_member(
            by=root,
            member=lan,
            version=None,
            changes={
                "names": [services.NameInput("Trần Thị Lan", "vi"), services.NameInput("Tran Thi Lane", "fr")]
            },
        )
    lan.refresh_from_db()
    client = client_for(filled["officer"])
    data = _member_data(
        name_vi="Trần Thị Lan",
        name_en="Tran Thi Lan",
        joined_on=lan.joined_on.isoformat(),
        register_number="HN-001",
        version=lan.version,
    )
    assert client.post(url("member-edit", lan.pk), data).status_code == 302
    assert sorted(lan.names.values_list("language", "value")) == [
        ("en", "Tran Thi Lan"),
        ("fr", "Tran Thi Lane"),
        ("vi", "Trần Thị Lan"),
    ]


def test_a_member_edited_from_an_older_version_is_a_conflict_and_nothing_is_saved(filled):
    client = client_for(filled["officer"])
    minh = filled["minh"]
    data = _member_data(name_vi="Lê Văn Minh", joined_on=minh.joined_on.isoformat(), notes="Mine", version=0)
    response = client.post(url("member-edit", minh.pk), data)
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else changed this record" in body
    assert f'name="version" value="{minh.version}"' in body
    minh.refresh_from_db()
    assert minh.notes == ""


def test_reinstating_a_member_who_is_not_suspended_is_refused_on_the_event(filled):
    client = client_for(filled["officer"])
    response = client.post(
        url("event-add", filled["minh"].pk), {"kind": "reinstated", "on": TODAY.isoformat()}
    )
    assert "Only a suspended member" in _errors(response, "kind")
    assert not filled["minh"].events.filter(kind="reinstated").exists()


# --- Dossiers -------------------------------------------------------------------------------------


def test_a_dossier_file_that_is_not_a_pdf_or_an_image_is_refused(filled, settings):
    client = client_for(filled["officer"])
    minh = filled["minh"]
    before = _stored_files(settings)
    upload = SimpleUploadedFile("scan.pdf", b"MZ\x90\x00 not a scan", content_type="application/pdf")
    response = client.post(url("dossier", minh.pk), {"file": upload})
    assert response.status_code == 400
    assert "Upload a PDF or an image" in " ".join(response.context["upload_form"].errors["file"])
    assert 'class="error"' in response.content.decode()
    assert not DossierFile.objects.filter(dossier__member=minh).exists()
    assert _stored_files(settings) == before


def test_a_dossier_file_over_the_size_limit_is_refused(filled, settings):
    settings.LIAISON_DOSSIER_MAX_BYTES = 200
    client = client_for(filled["officer"])
    minh = filled["minh"]
    response = client.post(url("dossier", minh.pk), {"file": pdf_upload("big.pdf", 5)})
    assert response.status_code == 400
    assert "the limit is" in " ".join(response.context["upload_form"].errors["file"])
    assert not DossierFile.objects.filter(dossier__member=minh).exists()


def test_marking_an_empty_dossier_digitised_is_refused_on_its_date(filled):
    client = client_for(filled["officer"])
    response = client.post(url("dossier-digitised", filled["minh"].pk), {"on": TODAY.isoformat()})
    assert response.status_code == 400
    assert "Upload the scanned pages first" in " ".join(response.context["digitised_form"].errors["on"])


# --- Branches -------------------------------------------------------------------------------------


def test_an_organisation_is_made_to_keep_members(filled):
    register = filled["register"]
    cell = make_org(
        "Cell 3, Hanoi",
        parent=register.hanoi.organisation,
        pillar="party",
        kind=OrganisationKind.PARTY_BRANCH,
    )
    client = client_for(filled["officer"])
    assert client.get(url("branch-create") + f"?organisation={cell.pk}").status_code == 200
    response = client.post(
        url("branch-create"), {"organisation": cell.pk, "level": "cell", "minimum_size": "3"}
    )
    assert response.status_code == 302
    assert Branch.objects.get(pk=cell.pk).level == "cell"
    # (a second time, the organisation is not offered: it keeps members already)
    again = client.post(url("branch-create"), {"organisation": cell.pk, "level": "cell", "minimum_size": "3"})
    assert "Choose an organisation" in _errors(again, "organisation")


def test_a_mission_for_a_branch_at_home_is_refused_on_the_mission(filled):
    register = filled["register"]
    client = client_for(make_officer(register.home))
    data = {
        "level": "branch",
        "mission": register.mission.pk,
        "minimum_size": "3",
        "version": register.hanoi.version,
    }
    response = client.post(url("branch-edit", register.hanoi.pk), data)
    assert "Only a branch abroad sits in a mission" in _errors(response, "mission")
    register.hanoi.refresh_from_db()
    assert register.hanoi.mission is None

"""Membership pages: every page renders for a branch officer (in English, Arabic and Vietnamese),
a member hidden from an officer of another branch answers exactly like a missing one, lists answer
HTMX with their results only, opening a dossier is audited, the two steps of a transfer run
through the pages, and only administrators change the status rules.

Forms refusing bad input are in test_pages_forms.py, query budgets in test_pages_queries.py,
exports in test_exports.py."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from liaison.accounts.models import User
from liaison.core.audit import acting_as
from liaison.core.models import AuditAction, AuditEvent
from liaison.membership import dossiers, services, transfers
from liaison.membership.models import (
    Member,
    MemberStatus,
    StatusRule,
    TransferKind,
    TransferState,
)
from liaison.membership.testing import Register, country, make_member, make_officer

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
MISSING = 987654


def url(name: str, *args: Any) -> str:
    return reverse(f"membership:{name}", args=args)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pdf_bytes(pages: int = 2, title: str = "scan") -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=72, height=72)
    writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_upload(name: str = "scan.pdf", pages: int = 2) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(pages, title=name), content_type="application/pdf")


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def filled(register: Register) -> dict[str, Any]:
    return build_filled(register)


def build_filled(register: Register) -> dict[str, Any]:
    """Hà Nội's officer; Lan (posted to France, released to Paris, a scanned dossier) and Minh at
    Hà Nội; Hoa at Huế."""
    root = register.root
    officer = make_officer(register.hanoi, username="hanoi-officer")
    lan = make_member("Trần Thị Lan", branch=register.hanoi, register_number="HN-001")
    minh = make_member("Lê Văn Minh", branch=register.hanoi)
    hoa = make_member("Phạm Thị Hoa", branch=register.hue)
    with acting_as(root, via="test"):
        posting = services.add_posting(
            by=root,
            member=lan,
            data=services.PostingInput(
                country=country("FR"), start=TODAY - dt.timedelta(days=90), mission=register.mission
            ),
        )
        transfer = transfers.release(
            by=root,
            member=lan,
            data=transfers.ReleaseInput(
                kind=TransferKind.TEMPORARY,
                to_branch=register.paris,
                letter_number="12-CV/ĐU",
                letter_date=TODAY - dt.timedelta(days=40),
                released_on=TODAY - dt.timedelta(days=40),
                documents=[pdf_upload("letter.pdf", 1)],
            ),
        )
        scan = dossiers.add_file(by=root, member=lan, upload=pdf_upload())
    return {
        "register": register,
        "officer": officer,
        "lan": lan,
        "minh": minh,
        "hoa": hoa,
        "posting": posting,
        "transfer": transfer,
        "scan": scan,
        "document": transfer.documents.get(),
        "rule": StatusRule.objects.order_by("id").first(),
    }


def _pages(f: dict[str, Any]) -> list[str]:
    r: Register = f["register"]
    lan = f["lan"]
    return [
        url("home"),
        url("check", "abroad-without-branch"),
        url("check", "undersized"),
        url("check", "transfers-pending"),
        url("check", "not-digitised"),
        url("members"),
        url("members")
        + f"?q=Lan&branch={r.hanoi.pk}&status=probationary&abroad=no&posted=yes&dossier=in_progress",
        url("member-create"),
        url("member-create") + f"?branch={r.hanoi.pk}",
        url("member-detail", lan.pk),
        url("member-edit", lan.pk),
        url("posting-add", lan.pk),
        url("posting-edit", f["posting"].pk),
        url("posting-delete", f["posting"].pk),
        url("event-add", lan.pk),
        url("transfer-release", f["minh"].pk),
        url("transfer-cancel", f["transfer"].pk),
        url("transfer-document-add", f["transfer"].pk),
        url("transfers"),
        url("transfers") + "?direction=outgoing",
        url("dossier", lan.pk),
        url("branches"),
        url("branches") + "?q=hanoi&abroad=no",
        url("branch-detail", r.hanoi.pk),
        url("branch-create"),
        url("rules"),
    ]


@pytest.mark.parametrize(("language", "direction"), [("en", "ltr"), ("ar", "rtl"), ("vi", "ltr")])
def test_every_page_renders_for_the_branch_officer_in_each_language(filled, language, direction):
    # given Hà Nội's officer, reading in the language
    officer = filled["officer"]
    officer.language = language
    officer.save()
    client = client_for(officer)
    # when they open every page, then each answers 200 in the right direction, with no inline style
    for page in _pages(filled):
        response = client.get(page)
        assert response.status_code == 200, (page, response.status_code)
        body = response.content.decode()
        assert f'dir="{direction}"' in body[:400], page
        assert "style=" not in body, page


def test_the_pages_of_an_administrator_render_too(filled):
    client = client_for(filled["register"].root)
    for page in [*_pages(filled), url("rule-edit", filled["rule"].pk)]:
        assert client.get(page).status_code == 200, page


def test_the_committee_above_edits_a_branch_and_names_its_secretary(filled):
    # given an officer of the home committee (a branch's organisation is the committee's to change)
    register = filled["register"]
    client = client_for(make_officer(register.home))
    hanoi = register.hanoi
    assert url("branch-edit", hanoi.pk) in client.get(url("branch-detail", hanoi.pk)).content.decode()
    assert client.get(url("branch-edit", hanoi.pk)).status_code == 200
    # when they set the minimum size and the secretary
    data = {"level": "branch", "minimum_size": "5", "secretary": filled["minh"].pk, "version": hanoi.version}
    response = client.post(url("branch-edit", hanoi.pk), data)
    # then both are saved
    assert response.status_code == 302
    hanoi.refresh_from_db()
    assert (hanoi.minimum_size, hanoi.secretary_id) == (5, filled["minh"].pk)
    assert "Lê Văn Minh" in client.get(url("branch-detail", hanoi.pk)).content.decode()
    # and the branch officer (not the committee) may not edit it
    assert client_for(filled["officer"]).get(url("branch-edit", hanoi.pk)).status_code == 404


def test_the_receiving_officer_reads_the_member_and_receives_them_through_the_pages(filled):
    # given Lan released (temporarily) to the branch in Paris, and its officer
    paris_officer = make_officer(filled["register"].paris)
    client = client_for(paris_officer)
    lan, transfer = filled["lan"], filled["transfer"]
    # when they open the pending transfers and the member's page
    listing = client.get(url("transfers")).content.decode()
    assert "Trần Thị Lan" in listing and url("transfer-receive", transfer.pk) in listing
    page = client.get(url("member-detail", lan.pk)).content.decode()
    assert url("transfer-receive", transfer.pk) in page
    # (they may neither edit her nor cancel the transfer)
    assert url("member-edit", lan.pk) not in page and url("transfer-cancel", transfer.pk) not in page
    # and receive her
    assert client.get(url("transfer-receive", transfer.pk)).status_code == 200
    response = client.post(url("transfer-receive", transfer.pk), {"received_on": TODAY.isoformat()})
    # then she is attached to Paris
    assert response.status_code == 302 and response["Location"] == url("member-detail", lan.pk)
    lan.refresh_from_db()
    transfer.refresh_from_db()
    assert transfer.state == TransferState.RECEIVED
    assert lan.attached_to == filled["register"].paris and lan.status == MemberStatus.ATTACHED
    # and the sending officer ends the attachment later
    officer = client_for(filled["officer"])
    assert officer.get(url("attachment-end", lan.pk)).status_code == 200
    assert officer.post(url("attachment-end", lan.pk), {"on": TODAY.isoformat()}).status_code == 302
    lan.refresh_from_db()
    assert lan.attached_to is None


def test_the_sending_officer_may_not_receive(filled):
    client = client_for(filled["officer"])
    transfer = filled["transfer"]
    assert client.get(url("transfer-receive", transfer.pk)).status_code == 404
    assert (
        client.post(url("transfer-receive", transfer.pk), {"received_on": TODAY.isoformat()}).status_code
        == 404
    )
    transfer.refresh_from_db()
    assert transfer.state == TransferState.RELEASED


def test_a_permanent_transfer_released_and_cancelled_through_the_pages(filled):
    client = client_for(filled["officer"])
    minh, hue = filled["minh"], filled["register"].hue
    response = client.post(
        url("transfer-release", minh.pk),
        {
            "kind": TransferKind.PERMANENT,
            "to_branch": hue.pk,
            "letter_number": "7-QĐ/ĐU",
            "letter_date": TODAY.isoformat(),
            "released_on": TODAY.isoformat(),
            "documents": [pdf_upload("decision.pdf", 1), pdf_upload("papers.pdf", 3)],
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    minh.refresh_from_db()
    transfer = minh.transfers.get()
    assert minh.status == MemberStatus.TRANSFERRED and minh.branch is None
    assert transfer.documents.count() == 2
    # the document downloads to whoever reads the member
    document = transfer.documents.order_by("id").first()
    download = client.get(url("transfer-document", document.pk))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    # when the sending officer cancels it
    assert client.post(url("transfer-cancel", transfer.pk), {"note": "Wrong letter"}).status_code == 302
    # then Minh is back at Hà Nội
    minh.refresh_from_db()
    assert minh.branch == filled["register"].hanoi
    assert minh.transfers.get().state == TransferState.CANCELLED


def test_the_member_page_shows_the_record_with_its_history(filled):
    body = client_for(filled["officer"]).get(url("member-detail", filled["lan"].pk)).content.decode()
    for words in ("Trần Thị Lan", "HN-001", "12-CV/ĐU", "letter.pdf", "Embassy in France", "History"):
        assert words in body, words
    assert url("dossier", filled["lan"].pk) in body
    assert url("transfer-document", filled["document"].pk) in body


def test_lists_answer_htmx_with_their_results_only(filled):
    client = client_for(filled["officer"])
    for page in (
        url("members") + "?q=Lan",
        url("branches") + "?q=hanoi",
        url("branch-detail", filled["register"].hanoi.pk),
        url("transfers") + "?direction=outgoing",
        url("check", "not-digitised"),
    ):
        response = client.get(page, headers={"HX-Request": "true"})
        body = response.content.decode()
        assert response.status_code == 200
        assert "<html" not in body and 'class="count"' in body, page


def test_the_member_list_finds_a_name_in_any_spelling_and_filters(filled):
    client = client_for(filled["officer"])
    body = client.get(url("members") + "?q=tran thi lan").content.decode()
    assert "Trần Thị Lan" in body and "Lê Văn Minh" not in body
    posted = client.get(url("members") + "?posted=yes").content.decode()
    assert "Trần Thị Lan" in posted and "Lê Văn Minh" not in posted
    # Huế's member is not Hà Nội's officer's to see
    assert "Phạm Thị Hoa" not in client.get(url("members")).content.decode()


def test_the_checks_page_counts_and_links_each_check(filled):
    response = client_for(filled["officer"]).get(url("home"))
    body = response.content.decode()
    counts = {row["check"].slug: row["count"] for row in response.context["rows"]}
    # Lan is posted to France, released to Paris but not yet received there
    assert counts["abroad-without-branch"] == 1 and counts["never-attached"] == 1
    assert counts["transfers-pending"] == 1 and counts["not-digitised"] == 2
    for slug in counts:
        assert url("check", slug) in body
    assert "Dossiers not digitised, by branch" in body
    pending = client_for(filled["officer"]).get(url("check", "transfers-pending")).content.decode()
    assert "Trần Thị Lan" in pending and "12-CV/ĐU" in pending


def test_the_checks_page_says_so_when_there_is_nothing(register):
    body = client_for(make_officer(register.hue)).get(url("home")).content.decode()
    assert "Nothing to look at." in body
    assert "Every dossier you may read is digitised." in body
    assert "No dossier is marked digitised yet." in body


def test_digitisation_progress_shows_by_month(filled):
    root = filled["register"].root
    with acting_as(root, via="test"):
        dossiers.mark_digitised(by=root, member=filled["lan"], on=TODAY)
    body = client_for(filled["officer"]).get(url("home")).content.decode()
    assert "<meter" in body and "50.0%" in body


def test_an_unknown_check_is_not_found(filled):
    assert client_for(filled["officer"]).get(url("check", "no-such-check")).status_code == 404


# --- Dossiers: every view audited ---------------------------------------------------------------


def _views(member: Member) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditAction.VIEW, subject_id=str(member.pk)).order_by("id"))


def test_opening_the_dossier_and_downloading_a_scan_are_audited(filled):
    officer, lan = filled["officer"], filled["lan"]
    client = client_for(officer)
    # when the officer opens the dossier, then downloads its scan
    page = client.get(url("dossier", lan.pk))
    assert page.status_code == 200 and "scan.pdf" in page.content.decode()
    download = client.get(url("dossier-file", filled["scan"].pk))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    # then each was recorded: who looked, and which file
    first, second = _views(lan)
    assert first.actor == officer and first.via == "web" and first.changes == {}
    assert second.actor == officer and second.changes == {"file": [None, "scan.pdf"]}
    # and the member's history shows it
    history = client.get(url("member-detail", lan.pk)).content.decode()
    assert "Viewed" in history


def test_a_dossier_is_uploaded_marked_digitised_and_reopened_through_its_page(filled):
    client = client_for(filled["officer"])
    minh = filled["minh"]
    response = client.post(url("dossier", minh.pk), {"file": pdf_upload("minh.pdf", 3)})
    assert response.status_code == 302
    dossier = minh.dossier
    dossier.refresh_from_db()
    assert dossier.page_count == 3 and dossier.status == "in_progress"
    assert client.post(url("dossier-digitised", minh.pk), {"on": TODAY.isoformat()}).status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == "digitised" and dossier.digitised_on == TODAY
    assert client.post(url("dossier-reopen", minh.pk)).status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == "in_progress"
    item = dossier.files.get()
    assert client.post(url("dossier-file-delete", item.pk)).status_code == 302
    dossier.refresh_from_db()
    assert not dossier.files.exists() and dossier.status == "not_started"


def test_a_reader_who_may_not_change_the_member_opens_the_dossier_but_uploads_nothing(filled):
    # given the receiving branch's officer, who reads Lan while her transfer is pending
    paris_officer = make_officer(filled["register"].paris)
    client = client_for(paris_officer)
    lan = filled["lan"]
    page = client.get(url("dossier", lan.pk)).content.decode()
    assert "scan.pdf" in page and 'enctype="multipart/form-data"' not in page
    assert client.post(url("dossier", lan.pk), {"file": pdf_upload("other.pdf")}).status_code == 404
    assert client.post(url("dossier-file-delete", filled["scan"].pk)).status_code == 404
    assert lan.dossier.files.count() == 1


# --- Hidden is missing ----------------------------------------------------------------------------


def _normalise(body: bytes) -> bytes:
    body = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", body)
    body = re.sub(rb'nonce="[^"]+"', b"", body)
    body = re.sub(rb'data-csrf-token="[^"]+"', b"", body)
    return re.sub(rb"\d+", b"N", body)


@pytest.mark.parametrize(
    ("name", "record"),
    [
        ("member-detail", "hoa"),
        ("member-edit", "hoa"),
        ("posting-add", "hoa"),
        ("event-add", "hoa"),
        ("transfer-release", "hoa"),
        ("attachment-end", "hoa"),
        ("dossier", "hoa"),
        ("posting-edit", "posting"),
        ("posting-delete", "posting"),
        ("transfer-receive", "transfer"),
        ("transfer-cancel", "transfer"),
        ("transfer-document-add", "transfer"),
        ("transfer-document", "document"),
        ("dossier-file", "scan"),
    ],
)
def test_a_hidden_member_answers_exactly_like_a_missing_one(filled, name, record):
    # given an officer of Huế (Lan and her records are Hà Nội's; Hoa is Huế's, so Hà Nội's
    # officer asks for her)
    hue_officer = make_officer(filled["register"].hue, username="hue-officer")
    asker = filled["officer"] if record == "hoa" else hue_officer
    client = client_for(asker)
    # when they open a page of the record, and of a record that does not exist
    hidden = client.get(url(name, filled[record].pk))
    missing = client.get(url(name, MISSING))
    # then both are the same 404, naming nobody
    assert hidden.status_code == missing.status_code == 404
    assert _normalise(hidden.content) == _normalise(missing.content)
    assert b"Lan" not in hidden.content and b"Hoa" not in hidden.content


def test_nothing_is_written_for_a_hidden_member(filled):
    client = client_for(filled["officer"])
    hoa = filled["hoa"]
    assert (
        client.post(url("event-add", hoa.pk), {"kind": "suspended", "on": TODAY.isoformat()}).status_code
        == 404
    )
    assert client.post(url("dossier", hoa.pk), {"file": pdf_upload()}).status_code == 404
    hoa.refresh_from_db()
    assert hoa.status != MemberStatus.SUSPENDED and not hoa.dossier.files.exists()
    # and a branch the officer answers not for is not theirs to edit
    assert client.get(url("branch-edit", filled["register"].hue.pk)).status_code == 404


# --- Status rules ---------------------------------------------------------------------------------


def test_everyone_reads_the_rules_but_only_administrators_change_them(filled):
    officer = client_for(filled["officer"])
    rule = filled["rule"]
    page = officer.get(url("rules"))
    body = page.content.decode()
    assert page.status_code == 200 and "Joined" in body and "Probationary" in body
    assert '<form method="post" action="' + url("rules") not in body
    assert url("rule-edit", rule.pk) not in body
    data = {"event_kind": "suspended", "after_days": "730", "status": "left", "is_active": "on"}
    assert officer.post(url("rules"), data).status_code == 403
    assert officer.get(url("rule-edit", rule.pk)).status_code == 403
    assert officer.post(url("rule-delete", rule.pk)).status_code == 403
    assert not StatusRule.objects.filter(event_kind="suspended", after_days=730).exists()
    # when an administrator adds the rule
    root = client_for(filled["register"].root)
    assert root.post(url("rules"), data).status_code == 302
    added = StatusRule.objects.get(event_kind="suspended", after_days=730)
    # and changes it, then deletes it
    edit = {**data, "after_days": "800", "description": "Two years and more", "version": added.version}
    assert root.post(url("rule-edit", added.pk), edit).status_code == 302
    added.refresh_from_db()
    assert added.after_days == 800
    assert root.post(url("rule-delete", added.pk)).status_code == 302
    assert not StatusRule.objects.filter(pk=added.pk).exists()


def test_a_rule_clashing_with_another_is_refused_on_its_field(filled):
    root = client_for(filled["register"].root)
    response = root.post(url("rules"), {"event_kind": "joined", "after_days": "0", "status": "active"})
    assert response.status_code == 400
    assert "exists already" in " ".join(response.context["form"].errors["after_days"])


def test_the_status_log_shows_only_members_the_reader_reads(filled):
    # given Hoa (Huế) and Minh (Hà Nội) suspended
    root = filled["register"].root
    with acting_as(root, via="test"):
        for member in (filled["hoa"], filled["minh"]):
            services.record_event(by=root, member=member, kind="suspended", on=TODAY)
    # then Huế's officer sees Hoa's change of status in the log, not Minh's
    body = client_for(make_officer(filled["register"].hue)).get(url("rules")).content.decode()
    assert "Phạm Thị Hoa" in body and "Lê Văn Minh" not in body


def test_the_pages_need_a_sign_in(filled):
    response = Client().get(url("members"))
    assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"]

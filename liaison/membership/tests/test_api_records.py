"""The membership API, continued: two-step transfers and their documents, dossiers (every read
audited), branches, the checks with their drill-down, status rules (administrators only)."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfWriter

from liaison.core.access import Role
from liaison.core.models import AuditEvent, SecurityEvent, SecurityEventKind
from liaison.core.testing import make_org, make_user
from liaison.membership import dossiers, services, transfers
from liaison.membership.checks import CHECKS
from liaison.membership.models import (
    Branch,
    DossierFile,
    DossierStatus,
    Member,
    MemberStatus,
    PlacementKind,
    StatusRule,
    Transfer,
    TransferDocument,
    TransferKind,
    TransferState,
)
from liaison.membership.schemas import (
    BranchListOut,
    BranchOut,
    CheckOut,
    DigitisationOut,
    DossierOut,
    MemberListOut,
    TransferListOut,
)
from liaison.membership.testing import country, make_branch, make_member, make_officer

pytestmark = pytest.mark.django_db
API = "/api/membership"
JSON = "application/json"
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _as(client, user):
    client.force_login(user)
    return client


def pdf(pages: int = 2) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _release_body(to_branch, /, **changes):
    values = {
        "kind": "permanent",
        "to_branch": to_branch.pk,
        "letter_number": "12-CV/ĐU",
        "letter_date": str(TODAY - dt.timedelta(days=3)),
        "released_on": str(TODAY - dt.timedelta(days=3)),
    }
    values.update(changes)
    return values


# --- transfers --------------------------------------------------------------------------------


def test_a_member_moves_in_two_steps_through_the_api(client, register):
    # given a member of Hà Nội, an editor of Hà Nội and one of Huế
    member = make_member("Trần Thị Lan", branch=register.hanoi)
    hanoi, hue = make_officer(register.hanoi), make_officer(register.hue)
    # when Hà Nội releases the member to Huế
    client = _as(client, hanoi)
    released = client.post(
        f"{API}/members/{member.pk}/transfers", _release_body(register.hue), content_type=JSON
    )
    # then the transfer awaits receipt and the member is in transit
    assert released.status_code == 201, released.content
    transfer = released.json()
    assert (transfer["state"], transfer["from_branch"]["id"], transfer["to_branch"]["id"]) == (
        "released",
        register.hanoi.pk,
        register.hue.pk,
    )
    in_transit = client.get(f"{API}/members/{member.pk}").json()
    assert in_transit["branch"] is None and in_transit["status"] == MemberStatus.TRANSFERRED
    assert [p["kind"] for p in in_transit["placements"]] == [PlacementKind.REGULAR, PlacementKind.TRANSIT]
    # and Hà Nội cannot receive it (they read the transfer, but a refused change answers 404)
    refused = client.post(f"{API}/transfers/{transfer['id']}/receive", {}, content_type=JSON)
    assert refused.status_code == 404, refused.content
    # when Huě's editor looks at what is coming and adds the letter
    client = _as(client, hue)
    pending = client.get(f"{API}/transfers", {"pending": "true"}).json()
    assert [t["id"] for t in pending["items"]] == [transfer["id"]]
    assert client.get(f"{API}/members/{member.pk}").status_code == 200  # the receiving side reads them
    letter = client.post(
        f"{API}/transfers/{transfer['id']}/documents",
        {"file": SimpleUploadedFile("letter.pdf", pdf(1), content_type="application/pdf")},
    )
    assert letter.status_code == 201, letter.content
    assert letter.json()["content_type"] == "application/pdf"
    # and receives the member
    received = client.post(
        f"{API}/transfers/{transfer['id']}/receive", {"received_on": str(TODAY)}, content_type=JSON
    )
    assert received.status_code == 200, received.content
    assert received.json()["state"] == TransferState.RECEIVED
    assert [d["name"] for d in received.json()["documents"]] == ["letter.pdf"]
    # then the member belongs to Huế, with an unbroken history, and Hà Nội no longer sees them
    detail = client.get(f"{API}/members/{member.pk}").json()
    assert detail["branch"]["id"] == register.hue.pk
    line = [(p["kind"], p["start"], p["end"]) for p in detail["placements"]]
    assert [kind for kind, *_ in line] == ["regular", "transit", "regular"]
    assert line[0][2] == line[1][1] and line[1][2] == line[2][1]
    document_url = f"{API}/transfer-documents/{letter.json()['id']}/content"
    download = client.get(document_url)
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF-")
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.EXPORT, user=hue).count() == 1
    client = _as(client, hanoi)
    assert client.get(f"{API}/members/{member.pk}").status_code == 404
    assert client.get(document_url).status_code == 404
    event = AuditEvent.objects.filter(content_type__model="transfer", object_id=str(transfer["id"])).first()
    assert event is not None and event.via == "api"


def test_a_pending_transfer_is_cancelled_and_the_member_is_back(client, register):
    member = make_member(branch=register.hanoi)
    client = _as(client, make_officer(register.hanoi))
    transfer = client.post(
        f"{API}/members/{member.pk}/transfers", _release_body(register.hue), content_type=JSON
    ).json()
    # the receiving side may not cancel
    refused = _as(client, make_officer(register.hue)).post(
        f"{API}/transfers/{transfer['id']}/cancel", {}, content_type=JSON
    )
    assert refused.status_code == 404
    client = _as(client, make_officer(register.hanoi))
    stale = client.post(
        f"{API}/transfers/{transfer['id']}/cancel", {}, content_type=JSON, headers={"If-Match": '"99"'}
    )
    assert stale.status_code == 412
    cancelled = client.post(
        f"{API}/transfers/{transfer['id']}/cancel", {"note": "Letter withdrawn"}, content_type=JSON
    )
    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["state"] == "cancelled" and "withdrawn" in cancelled.json()["note"]
    detail = client.get(f"{API}/members/{member.pk}").json()
    assert detail["branch"]["id"] == register.hanoi.pk
    assert [(p["kind"], p["end"]) for p in detail["placements"]] == [("regular", None)]
    # a second cancel names the field
    again = client.post(f"{API}/transfers/{transfer['id']}/cancel", {}, content_type=JSON)
    assert again.status_code == 400 and "state" in again.json()["errors"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"to_branch": "SAME"}, "to_branch"),
        ({"to_branch": 987654}, "to_branch"),
        ({"kind": "temporary"}, "to_branch"),  # a temporary transfer goes abroad
        ({"kind": "sideways"}, "kind"),
        ({"letter_number": "  "}, "letter_number"),
        ({"released_on": "2999-01-01"}, "released_on"),
        ({"released_on": "2001-01-01"}, "released_on"),  # before the member's placement
        ({"letter_date": "yesterday"}, "letter_date"),
        ({"documents": []}, "documents"),  # documents are uploaded separately
    ],
)
def test_bad_transfers_are_a_400_naming_the_field_and_nothing_is_saved(client, register, changes, field):
    member = make_member(branch=register.hanoi)
    if changes.get("to_branch") == "SAME":
        changes["to_branch"] = register.hanoi.pk
    client = _as(client, make_officer(register.hanoi))
    response = client.post(
        f"{API}/members/{member.pk}/transfers", _release_body(register.hue, **changes), content_type=JSON
    )
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()
    assert not Transfer.objects.exists()
    member.refresh_from_db()
    assert member.branch == register.hanoi and member.placements.count() == 1


def test_a_member_posted_abroad_is_attached_there_and_the_branch_abroad_ends_it(client, register):
    # given a member of Hà Nội posted to France
    member = make_member(branch=register.hanoi)
    services.add_posting(
        by=register.root,
        member=member,
        data=services.PostingInput(country=country("FR"), start=TODAY - dt.timedelta(days=60)),
    )
    paris = make_officer(register.paris)
    client = _as(client, make_officer(register.hanoi))
    # when Hà Nội releases them temporarily to the embassy's branch, which receives them
    transfer = client.post(
        f"{API}/members/{member.pk}/transfers",
        _release_body(register.paris, kind="temporary"),
        content_type=JSON,
    ).json()
    client = _as(client, paris)
    received = client.post(f"{API}/transfers/{transfer['id']}/receive", {}, content_type=JSON)
    assert received.status_code == 200, received.content
    detail = client.get(f"{API}/members/{member.pk}").json()
    assert detail["branch"]["id"] == register.hanoi.pk and detail["attached_to"]["id"] == register.paris.pk
    assert detail["status"] == MemberStatus.ATTACHED
    # then the branch abroad ends the attachment and no longer reads the member
    ended = client.post(f"{API}/members/{member.pk}/attachment/end", {"on": str(TODAY)}, content_type=JSON)
    assert ended.status_code == 200, ended.content
    assert (ended.json()["kind"], ended.json()["end"]) == ("temporary", str(TODAY))
    assert client.get(f"{API}/members/{member.pk}").status_code == 404
    # and ending it again (at home) names the field
    home = _as(client, make_officer(register.hanoi))
    again = home.post(f"{API}/members/{member.pk}/attachment/end", {}, content_type=JSON)
    assert again.status_code == 400 and "on" in again.json()["errors"]


def test_the_transfer_list_costs_the_same_number_of_queries_whatever_its_length(client, register):
    for i in range(6):
        member = make_member(branch=register.hanoi if i % 2 else register.hue)
        transfer = transfers.release(
            by=register.root,
            member=member,
            data=transfers.ReleaseInput(
                kind=TransferKind.PERMANENT,
                to_branch=register.paris,
                letter_number=f"L-{i}",
                letter_date=TODAY,
                released_on=TODAY,
                documents=[SimpleUploadedFile("l.pdf", pdf(1 + i))],
            ),
        )
        assert transfer.documents.count() == 1
    client = _as(client, make_officer(register.home, role=Role.VIEWER))
    client.get(f"{API}/transfers")  # warm the session
    few, one = _queries(client, f"{API}/transfers", {"limit": 1})
    many, six = _queries(client, f"{API}/transfers", {"limit": 6})
    assert (len(one["items"]), len(six["items"])) == (1, 6)
    assert few == many
    # session, user, memberships; count; page; documents; the branches the reader may see
    assert many <= 9, many
    TransferListOut.model_validate(six)
    # the receiving side reads them all too, nobody else any
    assert _as(client, make_officer(register.paris)).get(f"{API}/transfers").json()["count"] == 6
    assert _as(client, make_officer(register.hanoi)).get(f"{API}/transfers").json()["count"] == 3
    assert _as(client, make_user(org=make_org("Ministry"))).get(f"{API}/transfers").json()["count"] == 0


def _queries(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), response.json()


# --- dossiers ---------------------------------------------------------------------------------


def test_each_read_of_a_dossier_is_audited_and_files_are_checked(client, register, media):
    # given a member and their branch's editor
    member = make_member(branch=register.hanoi)
    officer = make_officer(register.hanoi)
    client = _as(client, officer)
    url = f"{API}/members/{member.pk}/dossier"
    # when a scan is uploaded
    uploaded = client.post(
        f"{url}/files", {"file": SimpleUploadedFile("scan.pdf", pdf(3), content_type="application/pdf")}
    )
    # then it is counted and the dossier is being digitised
    assert uploaded.status_code == 201, uploaded.content
    assert (uploaded.json()["pages"], uploaded.json()["content_type"]) == (3, "application/pdf")
    before = AuditEvent.objects.filter(action="view").count()
    # when the dossier is read, through the API
    read = client.get(url)
    # then the read is in the audit trail: who, through the API, against the member's history
    assert read.status_code == 200, read.content
    dossier = DossierOut.model_validate(read.json())
    assert (dossier.status, dossier.page_count, dossier.file_count) == (DossierStatus.IN_PROGRESS, 3, 1)
    views = AuditEvent.objects.filter(action="view").order_by("-id")
    assert views.count() == before + 1
    view = views.first()
    assert (view.actor, view.via, view.content_type.model) == (officer, "api", "dossier")
    assert (view.subject_type.model, view.subject_id) == ("member", str(member.pk))
    # and downloading a file is audited as a view naming the file, and logged as an export
    content = client.get(f"{API}/dossier-files/{dossier.files[0].id}/content")
    assert content.status_code == 200
    assert b"".join(content.streaming_content).startswith(b"%PDF-")
    assert content["Content-Type"] == "application/pdf" and "attachment" in content["Content-Disposition"]
    latest = AuditEvent.objects.filter(action="view").order_by("-id").first()
    assert latest.changes == {"file": [None, "scan.pdf"]} and latest.actor == officer
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.EXPORT, user=officer).count() == 1
    # and another branch's officer can neither read nor download (404, no view recorded)
    other = _as(client, make_officer(register.hue, role=Role.ADMINISTRATOR))
    count = AuditEvent.objects.filter(action="view").count()
    assert other.get(url).status_code == 404
    assert other.get(f"{API}/dossier-files/{dossier.files[0].id}/content").status_code == 404
    assert other.delete(f"{API}/dossier-files/{dossier.files[0].id}").status_code == 404
    assert AuditEvent.objects.filter(action="view").count() == count


def test_a_file_that_is_not_a_pdf_or_image_or_too_large_is_refused_naming_the_field(client, register):
    member = make_member(branch=register.hanoi)
    client = _as(client, make_officer(register.hanoi))
    url = f"{API}/members/{member.pk}/dossier/files"
    text = client.post(
        url, {"file": SimpleUploadedFile("scan.pdf", b"just text", content_type="application/pdf")}
    )
    assert text.status_code == 400, text.content
    assert "PDF or an image" in text.json()["errors"]["file"][0]
    damaged = client.post(url, {"file": SimpleUploadedFile("scan.pdf", b"%PDF-1.7 broken")})
    assert damaged.status_code == 400 and "file" in damaged.json()["errors"]
    empty = client.post(url, {"file": SimpleUploadedFile("scan.png", b"")})
    assert empty.status_code == 400 and "file" in empty.json()["errors"]
    missing = client.post(url, {})
    assert missing.status_code == 400 and "file" in missing.json()["errors"]
    with override_settings(LIAISON_DOSSIER_MAX_BYTES=100):
        large = client.post(url, {"file": SimpleUploadedFile("scan.pdf", pdf(1))})
    assert large.status_code == 400, large.content
    assert "limit" in large.json()["errors"]["file"][0]
    assert not DossierFile.objects.exists()
    assert client.get(f"{API}/members/{member.pk}").json()["dossier"]["status"] == "not_started"
    # the same checks for a transfer's documents
    transfer = client.post(
        f"{API}/members/{member.pk}/transfers", _release_body(register.hue), content_type=JSON
    ).json()
    refused = client.post(
        f"{API}/transfers/{transfer['id']}/documents", {"file": SimpleUploadedFile("a.txt", b"hi")}
    )
    assert refused.status_code == 400 and "file" in refused.json()["errors"]
    assert not TransferDocument.objects.exists()


def test_a_dossier_is_marked_digitised_reopened_and_emptied(client, register):
    member = make_member(branch=register.hanoi)
    client = _as(client, make_officer(register.hanoi))
    base = f"{API}/members/{member.pk}/dossier"
    early = client.post(f"{base}/digitised", {"on": str(TODAY)}, content_type=JSON)
    assert early.status_code == 400 and "on" in early.json()["errors"]  # nothing uploaded yet
    scan = client.post(
        f"{base}/files", {"file": SimpleUploadedFile("p.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20)}
    )
    assert scan.status_code == 201, scan.content
    twice = client.post(
        f"{base}/files", {"file": SimpleUploadedFile("p2.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20)}
    )
    assert twice.status_code == 400 and "already" in twice.json()["errors"]["file"][0]
    done = client.post(f"{base}/digitised", {"on": str(TODAY)}, content_type=JSON)
    assert done.status_code == 200, done.content
    assert (done.json()["status"], done.json()["digitised_on"]) == ("digitised", str(TODAY))
    future = client.post(f"{base}/digitised", {"on": "2999-01-01"}, content_type=JSON)
    assert future.status_code == 400 and "on" in future.json()["errors"]
    reopened = client.post(f"{base}/reopen")
    assert reopened.status_code == 200 and reopened.json()["status"] == "in_progress"
    assert client.post(f"{base}/reopen").status_code == 400
    viewer = _as(client, make_officer(register.hanoi, role=Role.VIEWER))
    assert viewer.delete(f"{API}/dossier-files/{scan.json()['id']}").status_code == 404
    client = _as(client, make_officer(register.hanoi))
    assert client.delete(f"{API}/dossier-files/{scan.json()['id']}").status_code == 204
    assert client.get(f"{API}/members/{member.pk}").json()["dossier"]["status"] == "not_started"


# --- branches ---------------------------------------------------------------------------------


def test_branches_are_listed_for_those_who_answer_for_them_created_and_changed(client, register):
    # given the home committee's editor
    client = _as(client, make_officer(register.home))
    listed = client.get(f"{API}/branches")
    assert listed.status_code == 200, listed.content
    assert [b["name"] for b in listed.json()["items"]] == ["Home Committee", "Hanoi Branch", "Hue Branch"]
    BranchListOut.model_validate(listed.json())
    # when they make a new organisation below them keep members
    org = make_org("Đà Nẵng Cell", parent=register.home.organisation, pillar="party", kind="party_branch")
    created = client.post(f"{API}/branches", {"organisation": org.pk, "level": "cell"}, content_type=JSON)
    assert created.status_code == 201, created.content
    assert created["Location"] == f"{API}/branches/{org.pk}"
    assert (created.json()["level"], created.json()["abroad"], created.json()["minimum_size"]) == (
        "cell",
        False,
        3,
    )
    again = client.post(f"{API}/branches", {"organisation": org.pk, "level": "cell"}, content_type=JSON)
    assert again.status_code == 400 and "organisation" in again.json()["errors"]
    # and name a member of Hà Nội its secretary (refused: not placed there), then one of its own
    hanoi_member = make_member("Võ Thị Thư", branch=register.hanoi)
    url = f"{API}/branches/{register.hanoi.pk}"
    etag = client.get(url)["ETag"]
    wrong = client.patch(f"{API}/branches/{org.pk}", {"secretary": hanoi_member.pk}, content_type=JSON)
    assert wrong.status_code == 400 and "secretary" in wrong.json()["errors"]
    named = client.patch(
        url, {"secretary": hanoi_member.pk, "minimum_size": 5}, content_type=JSON, headers={"If-Match": etag}
    )
    assert named.status_code == 200, named.content
    assert named.json()["secretary"] == {"id": hanoi_member.pk, "name": "Võ Thị Thư"}
    stale = client.patch(url, {"minimum_size": 2}, content_type=JSON, headers={"If-Match": etag})
    assert stale.status_code == 412
    # then another branch's officer reads the branch but not its secretary, and may not change it
    other = _as(client, make_officer(register.hue))
    seen = BranchOut.model_validate(other.get(url).json())
    assert seen.secretary is None and seen.minimum_size == 5
    assert other.patch(url, {"minimum_size": 1}, content_type=JSON).status_code == 404
    assert other.get(f"{API}/branches").json()["items"][0]["name"] == "Hue Branch"
    client = _as(client, make_officer(register.home))
    # and bad input names the field
    for body, field in [
        ({"level": "club"}, "level"),
        ({"minimum_size": -1}, "minimum_size"),
        ({"mission": org.pk}, "mission"),  # not a mission
        ({"secretary": 987654}, "secretary"),
        ({"level": None}, "level"),
    ]:
        response = client.patch(url, body, content_type=JSON)
        assert response.status_code == 400, (body, response.content)
        assert field in response.json()["errors"], (body, response.json())
    assert client.get(f"{API}/branches/987654").status_code == 404


def test_the_branch_list_costs_the_same_number_of_queries_whatever_its_length(client, register):
    for i in range(6):
        branch = make_branch(f"Cell {i}", parent=register.hanoi.organisation, minimum_size=i)
        member = make_member(branch=branch)
        services.update_branch(
            by=register.root, branch=branch, version=branch.version, changes={"secretary": member}
        )
    client = _as(client, make_officer(register.home, role=Role.VIEWER))
    client.get(f"{API}/branches")
    few, one = _queries(
        client, f"{API}/branches", {"limit": 1, "offset": 2}
    )  # the cells, each with a secretary
    many, six = _queries(client, f"{API}/branches", {"limit": 6, "offset": 2})
    assert (len(one["items"]), len(six["items"])) == (1, 6), six
    assert few == many
    # session, user, memberships; count; page; missions; secretaries
    assert many <= 9, many
    assert all(b["secretary"] for b in six["items"])
    BranchListOut.model_validate(six)


# --- checks -----------------------------------------------------------------------------------


def test_the_checks_count_what_the_user_may_read_and_drill_down(client, register):
    # given a member posted to France who is in no branch abroad, one of Huế, and a branch of one
    posted = make_member("Bùi Văn Xa", branch=register.hanoi)
    services.add_posting(
        by=register.root,
        member=posted,
        data=services.PostingInput(country=country("FR"), start=TODAY - dt.timedelta(days=30)),
    )
    make_member("Lê Văn Huế", branch=register.hue)
    client = _as(client, make_officer(register.hanoi, role=Role.VIEWER))
    # when Hà Nội's officer asks for the checks
    response = client.get(f"{API}/checks")
    assert response.status_code == 200, response.content
    counts = {c["slug"]: c["count"] for c in response.json()}
    # then every check is counted over what they may read
    assert [c["slug"] for c in response.json()] == [c.slug for c in CHECKS]
    for item in response.json():
        CheckOut.model_validate(item)
        assert item["title"] and item["help"] and item["count_exact"]
    assert counts["abroad-without-branch"] == 1
    assert counts["never-attached"] == 1
    assert counts["not-digitised"] == 1  # not Huế's member
    assert counts["undersized"] == 1  # Hà Nội: 1 of at least 3
    assert counts["no-secretary"] == 1
    # and each drill-down lists the same members, branches or transfers
    members = client.get(f"{API}/checks/abroad-without-branch")
    assert members.status_code == 200, members.content
    assert members.json()["subject"] == "member"
    assert [m["name"] for m in members.json()["items"]] == ["Bùi Văn Xa"]
    MemberListOut.model_validate(members.json())
    branches = client.get(f"{API}/checks/undersized").json()
    assert [b["id"] for b in branches["items"]] == [register.hanoi.pk]
    BranchListOut.model_validate(branches)
    # the home committee sees both branches' members
    home = _as(client, make_officer(register.home, role=Role.VIEWER))
    assert {c["slug"]: c["count"] for c in home.get(f"{API}/checks").json()}["not-digitised"] == 2
    assert home.get(f"{API}/checks/no-such-check").status_code == 404
    assert home.get(f"{API}/checks/not-digitised", {"limit": 0}).status_code == 400


def test_pending_transfers_show_on_their_check_after_the_allowed_time(client, register, settings):
    settings.LIAISON_TRANSFER_PENDING_DAYS = 30
    member = make_member(branch=register.hanoi)
    transfers.release(
        by=register.root,
        member=member,
        data=transfers.ReleaseInput(
            kind=TransferKind.PERMANENT,
            to_branch=register.hue,
            letter_number="7",
            letter_date=TODAY - dt.timedelta(days=40),
            released_on=TODAY - dt.timedelta(days=40),
        ),
    )
    client = _as(client, make_officer(register.hue))
    page = client.get(f"{API}/checks/transfers-pending").json()
    assert page["subject"] == "transfer" and [t["member"]["id"] for t in page["items"]] == [member.pk]
    TransferListOut.model_validate(page)


def test_digitisation_progress_by_branch_and_month(client, register):
    done = make_member(branch=register.hanoi)
    make_member(branch=register.hanoi)
    make_member(branch=register.hue)
    dossiers.add_file(by=register.root, member=done, upload=SimpleUploadedFile("s.pdf", pdf(1)))
    dossiers.mark_digitised(by=register.root, member=done, on=TODAY)
    client = _as(client, make_officer(register.home, role=Role.VIEWER))
    response = client.get(f"{API}/checks/digitisation")
    assert response.status_code == 200, response.content
    body = DigitisationOut.model_validate(response.json())
    assert [(b.branch_id, b.members, b.left) for b in body.not_digitised_by_branch] == [
        (register.hanoi.pk, 2, 1),
        (register.hue.pk, 1, 1),
    ]
    assert [(m.month, m.digitised, m.total, m.share) for m in body.progress] == [
        (TODAY.replace(day=1), 1, 1, 33.3)
    ]


def test_the_check_drill_down_costs_the_same_number_of_queries_whatever_its_length(client, register):
    for _ in range(6):
        make_member(branch=register.hanoi)
    client = _as(client, make_officer(register.home, role=Role.VIEWER))
    client.get(f"{API}/checks")
    few, one = _queries(client, f"{API}/checks/not-digitised", {"limit": 1})
    many, six = _queries(client, f"{API}/checks/not-digitised", {"limit": 6})
    assert (len(one["items"]), len(six["items"])) == (1, 6) and few == many
    assert many <= 8, many
    counted, _body = _queries(client, f"{API}/checks")
    # session, user, memberships; each check's count; a narrow reader's organisations (once) and
    # readable ids for each of the five member checks (core.access)
    assert counted <= 3 + len(CHECKS) + 1 + 5, counted


# --- status rules -----------------------------------------------------------------------------


def test_status_rules_are_read_by_everyone_and_changed_by_superusers_only(client, register):
    editor = make_officer(register.home, role=Role.ADMINISTRATOR)
    client = _as(client, editor)
    listed = client.get(f"{API}/status-rules")
    assert listed.status_code == 200 and len(listed.json()) == StatusRule.objects.count() > 0
    rule = StatusRule.objects.get(event_kind="joined", after_days=365)
    body = {"event_kind": "suspended", "after_days": 730, "status": "left"}
    # an organisation's administrator may not change them: 404, nothing saved
    assert client.post(f"{API}/status-rules", body, content_type=JSON).status_code == 404
    assert (
        client.patch(f"{API}/status-rules/{rule.pk}", {"after_days": 180}, content_type=JSON).status_code
        == 404
    )
    assert client.delete(f"{API}/status-rules/{rule.pk}").status_code == 404
    assert not StatusRule.objects.filter(event_kind="suspended", after_days=730).exists()
    # the superuser creates, changes (with the ETag) and deletes one
    client = _as(client, register.root)
    created = client.post(f"{API}/status-rules", body, content_type=JSON)
    assert created.status_code == 201, created.content
    url = f"{API}/status-rules/{created.json()['id']}"
    clash = client.patch(url, {"event_kind": "joined", "after_days": 365}, content_type=JSON)
    assert clash.status_code == 400 and "after_days" in clash.json()["errors"]
    changed = client.patch(
        url, {"is_active": False}, content_type=JSON, headers={"If-Match": created["ETag"]}
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["is_active"] is False
    stale = client.patch(url, {"is_active": True}, content_type=JSON, headers={"If-Match": created["ETag"]})
    assert stale.status_code == 412
    bad = client.post(f"{API}/status-rules", {**body, "status": "asleep"}, content_type=JSON)
    assert bad.status_code == 400 and "status" in bad.json()["errors"]
    assert client.delete(url).status_code == 204
    assert client.delete(url).status_code == 404
    assert not StatusRule.objects.filter(event_kind="suspended", after_days=730).exists()


def test_the_whole_api_answers_401_without_credentials(client, register):
    member = make_member(branch=register.hanoi)
    for url in [f"{API}/members", f"{API}/members/{member.pk}", f"{API}/checks", f"{API}/status-rules"]:
        assert client.get(url).status_code == 401
    assert Member.objects.count() == 1 and Branch.objects.count() == 5

"""The membership API: members, postings and events. Restricted by default (a branch's officers see
their branch, a committee its subtree, nobody else), JSON errors naming the field and nothing
saved, ETags, 404 for what the caller may not read and for a change refused on what they may
read (as every module answers), a constant number of queries for the lists.

Transfers, dossiers, branches, checks and status rules are in test_api_records.py.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from liaison.accounts.tokens import create_api_token
from liaison.core.access import Role
from liaison.core.models import AuditEvent, Classification
from liaison.core.testing import make_org, make_user
from liaison.membership import services
from liaison.membership.models import EventKind, Member, MemberStatus, Posting
from liaison.membership.schemas import MemberListOut, MemberOut
from liaison.membership.testing import country, make_member, make_officer

pytestmark = pytest.mark.django_db
API = "/api/membership"
JSON = "application/json"
TODAY = timezone.localdate()


def _as(client, user):
    client.force_login(user)
    return client


def _bearer(user):
    return {"Authorization": f"Bearer {create_api_token(user=user, name='test')}"}


def _names(response):
    assert response.status_code == 200, response.content
    return sorted(item["name"] for item in response.json()["items"])


def _member_body(branch, /, **changes):
    values = {
        "branch": branch.pk,
        "names": [
            {"value": "Nguyễn Thị Hoa", "language": "vi"},
            {"value": "Nguyen Thi Hoa", "language": "en"},
        ],
        "joined_on": "2020-03-02",
        "register_number": "HN-0001",
        "gender": "f",
    }
    values.update(changes)
    return values


# --- who sees what ----------------------------------------------------------------------------


def test_an_officer_lists_their_branch_a_committee_its_subtree_and_nobody_else_anything(client, register):
    # given members in Hà Nội, Huế and Paris
    make_member("Trần Văn Hà", branch=register.hanoi)
    make_member("Lê Thị Huế", branch=register.hue)
    make_member("Phạm Văn Pháp", branch=register.paris)
    # when each kind of officer lists the members
    hanoi = _names(_as(client, make_officer(register.hanoi, role=Role.VIEWER)).get(f"{API}/members"))
    home = _names(_as(client, make_officer(register.home, role=Role.VIEWER)).get(f"{API}/members"))
    abroad = _names(_as(client, make_officer(register.abroad, role=Role.VIEWER)).get(f"{API}/members"))
    outsider = _names(
        _as(client, make_user(org=make_org("Ministry"), role=Role.ADMINISTRATOR)).get(f"{API}/members")
    )
    uncleared = make_user(
        org=register.hanoi.organisation, role=Role.EDITOR, clearance=Classification.INTERNAL
    )
    # then each sees their branch or their subtree, and nobody else sees personal data
    assert hanoi == ["Trần Văn Hà"]
    assert home == ["Lê Thị Huế", "Trần Văn Hà"]
    assert abroad == ["Phạm Văn Pháp"]
    assert outsider == [] and _names(_as(client, uncleared).get(f"{API}/members")) == []


def test_another_branchs_officer_gets_the_same_404_as_for_a_missing_member(client, register):
    # given a member of Hà Nội and an administrator of Huế
    member = make_member(branch=register.hanoi)
    client = _as(client, make_officer(register.hue, role=Role.ADMINISTRATOR))
    # when they ask for the member, and for one that does not exist
    hidden = client.get(f"{API}/members/{member.pk}")
    missing = client.get(f"{API}/members/987654")
    # then both answer 404 alike, and writes too
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    patched = client.patch(f"{API}/members/{member.pk}", {"notes": "x"}, content_type=JSON)
    assert patched.status_code == 404
    event = client.post(
        f"{API}/members/{member.pk}/events", {"kind": "left", "on": str(TODAY)}, content_type=JSON
    )
    assert event.status_code == 404
    member.refresh_from_db()
    assert member.notes == "" and member.status != MemberStatus.LEFT


def test_a_committee_officer_reads_a_member_of_their_subtree_with_the_whole_record(client, register):
    # given a member of Hà Nội with a posting and a suspension, and an officer of the home committee
    member = make_member("Đỗ Văn Nam", branch=register.hanoi, register_number="HN-7")
    services.add_posting(
        by=register.root,
        member=member,
        data=services.PostingInput(
            country=country("FR"), start=dt.date(2021, 1, 4), mission=register.mission
        ),
    )
    services.record_event(by=register.root, member=member, kind=EventKind.SUSPENDED, on=dt.date(2022, 5, 1))
    client = _as(client, make_officer(register.home, role=Role.VIEWER))
    # when they read the member
    response = client.get(f"{API}/members/{member.pk}")
    # then they get the names, history, posting, events and status log, with an ETag
    assert response.status_code == 200, response.content
    body = MemberOut.model_validate(response.json())
    member.refresh_from_db()
    assert response["ETag"] == f'"{member.version}"'
    assert body.branch is not None and body.branch.id == register.hanoi.pk
    assert body.classification == "restricted" and body.status == MemberStatus.SUSPENDED
    assert [p.branch.id for p in body.placements if p.branch] == [register.hanoi.pk]
    assert [(p.country, p.mission.id if p.mission else None) for p in body.postings] == [
        ("FR", register.mission.pk)
    ]
    assert [e.kind for e in body.events] == [EventKind.SUSPENDED, EventKind.JOINED]
    assert body.status_changes[0].new_status == MemberStatus.SUSPENDED
    assert body.dossier is not None and body.dossier.status == "not_started"
    assert body.can_change is False  # a viewer


# --- creating and changing a member -----------------------------------------------------------


def test_an_officer_creates_a_member_and_a_stale_if_match_is_refused(client, register):
    # given an editor of Hà Nội with an API token
    officer = make_officer(register.hanoi)
    headers = _bearer(officer)
    # when they record a member of their branch
    created = client.post(f"{API}/members", _member_body(register.hanoi), content_type=JSON, headers=headers)
    # then the member is saved, restricted, placed in Hà Nội, attributed to the API
    assert created.status_code == 201, created.content
    body = created.json()
    assert created["Location"] == f"{API}/members/{body['id']}"
    assert body["name"] == "Nguyễn Thị Hoa" and body["branch"]["id"] == register.hanoi.pk
    assert {n["language"] for n in body["names"]} == {"vi", "en"}
    assert body["classification"] == "restricted" and body["can_change"] is True
    event = AuditEvent.objects.get(object_id=str(body["id"]), action="create", content_type__model="member")
    assert (event.actor, event.via) == (officer, "api")
    # when they change it with its ETag, then again with the same (now stale) ETag
    url = created["Location"]
    etag = created["ETag"]
    patched = client.patch(
        url,
        {"notes": "Speaks French", "names": [{"value": "Nguyễn Thị Hoa Mai", "language": "vi"}]},
        content_type=JSON,
        headers={**headers, "If-Match": etag},
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["name"] == "Nguyễn Thị Hoa Mai" and patched["ETag"] != etag
    stale = client.patch(url, {"notes": "Lost"}, content_type=JSON, headers={**headers, "If-Match": etag})
    # then the stale change is a 412 and nothing of it is saved
    assert stale.status_code == 412
    assert "current_version" in stale.json()
    assert Member.objects.get(pk=body["id"]).notes == "Speaks French"


def test_creating_a_member_in_a_branch_one_does_not_keep_is_refused_as_not_found(client, register):
    # given an editor of Hà Nội, who reads Huế's organisation but keeps none of its members
    client = _as(client, make_officer(register.hanoi))
    # when they record a member in Huế
    response = client.post(f"{API}/members", _member_body(register.hue), content_type=JSON)
    # then it is refused, as JSON, and nothing is saved
    assert response.status_code == 404, response.content
    assert response.json()["detail"]
    assert not Member.objects.exists()


def test_a_viewer_reads_a_member_but_a_change_is_refused_as_not_found(client, register):
    member = make_member(branch=register.hanoi)
    client = _as(client, make_officer(register.hanoi, role=Role.VIEWER))
    assert client.get(f"{API}/members/{member.pk}").status_code == 200
    response = client.patch(f"{API}/members/{member.pk}", {"notes": "x"}, content_type=JSON)
    assert response.status_code == 404, response.content
    member.refresh_from_db()
    assert member.notes == ""


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"names": []}, "names"),
        ({"names": [{"value": "   "}]}, "names"),
        ({"joined_on": "2999-01-01"}, "joined_on"),
        ({"joined_on": "2020-02-30"}, "joined_on"),
        ({"gender": "q"}, "gender"),
        ({"birth_date": "2999-01-01"}, "birth_date"),
        ({"classification": 9}, "classification"),
        ({"branch": 987654}, "branch"),
        ({"branch": "Hanoi"}, "branch"),
        ({"register_number": "TAKEN"}, "register_number"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_member_input_is_a_400_naming_the_field_and_nothing_is_saved(client, register, changes, field):
    make_member(branch=register.hanoi, register_number="TAKEN")
    client = _as(client, make_officer(register.hanoi))
    response = client.post(f"{API}/members", _member_body(register.hanoi, **changes), content_type=JSON)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()
    assert Member.objects.count() == 1


def test_a_joining_date_after_a_status_change_is_refused_naming_the_field(client, register):
    # given a member who joined in 2015 and was suspended in 2020
    member = make_member(branch=register.hanoi, joined_on=dt.date(2015, 1, 5))
    services.record_event(by=register.root, member=member, kind=EventKind.SUSPENDED, on=dt.date(2020, 6, 1))
    member.refresh_from_db()
    client = _as(client, make_officer(register.hanoi))
    # when the joining date is moved after the suspension
    response = client.patch(
        f"{API}/members/{member.pk}",
        {"joined_on": "2021-01-01"},
        content_type=JSON,
        headers={"If-Match": f'"{member.version}"'},
    )
    # then it is a 400 on joined_on and the member is unchanged
    assert response.status_code == 400, response.content
    assert "first change of status" in response.json()["errors"]["joined_on"][0]
    member.refresh_from_db()
    assert member.joined_on == dt.date(2015, 1, 5)
    # and moving it earlier is fine
    moved = client.patch(f"{API}/members/{member.pk}", {"joined_on": "2014-09-01"}, content_type=JSON)
    assert moved.status_code == 200, moved.content
    assert moved.json()["placements"][0]["start"] == "2014-09-01"


def test_a_patch_may_not_empty_a_required_field(client, register):
    member = make_member(branch=register.hanoi)
    client = _as(client, make_officer(register.hanoi))
    response = client.patch(
        f"{API}/members/{member.pk}", {"joined_on": None, "gender": None}, content_type=JSON
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"joined_on", "gender"}


# --- events and postings ----------------------------------------------------------------------


def test_events_set_the_status_and_bad_events_are_refused_by_field(client, register):
    member = make_member(branch=register.hanoi)
    client = _as(client, make_officer(register.hanoi))
    url = f"{API}/members/{member.pk}/events"
    suspended = client.post(
        url, {"kind": "suspended", "on": "2022-01-10", "note": "Decision 4"}, content_type=JSON
    )
    assert suspended.status_code == 201, suspended.content
    assert suspended.json()["kind"] == "suspended"
    assert client.get(f"{API}/members/{member.pk}").json()["status"] == "suspended"
    for body, field in [
        ({"kind": "joined", "on": "2022-02-01"}, "kind"),
        ({"kind": "suspended", "on": "2022-02-01"}, "kind"),  # already suspended
        ({"kind": "reinstated", "on": "2021-01-01"}, "on"),  # before the latest event
        ({"kind": "left", "on": "2999-01-01"}, "on"),
        ({"kind": "promoted", "on": "2022-02-01"}, "kind"),
    ]:
        response = client.post(url, body, content_type=JSON)
        assert response.status_code == 400, (body, response.content)
        assert field in response.json()["errors"], (body, response.json())
    assert member.events.count() == 2


def test_postings_are_added_changed_and_deleted_and_an_overlap_is_refused(client, register):
    # given a member and their branch's editor
    member = make_member(branch=register.hanoi)
    client = _as(client, make_officer(register.hanoi))
    url = f"{API}/members/{member.pk}/postings"
    # when a posting to France is recorded
    first = client.post(
        url,
        {"country": "fr", "start": "2020-01-01", "end": "2022-12-31", "mission": register.mission.pk},
        content_type=JSON,
    )
    assert first.status_code == 201, first.content
    assert first.json()["country"] == "FR" and first.json()["mission"]["id"] == register.mission.pk
    # then an overlapping one is refused on its field and nothing saved
    overlap = client.post(url, {"country": "DE", "start": "2022-06-01"}, content_type=JSON)
    assert overlap.status_code == 400, overlap.content
    assert "overlaps" in overlap.json()["errors"]["start"][0]
    assert Posting.objects.filter(member=member).count() == 1
    # and other bad postings name their field
    for body, field in [
        ({"country": "VN", "start": "2023-01-01"}, "country"),
        ({"country": "ZZ", "start": "2023-01-01"}, "country"),
        ({"country": "DE", "start": "2023-01-01", "end": "2022-01-01"}, "end"),
        ({"country": "DE", "start": "2010-01-01", "end": "2011-01-01"}, "start"),  # before joining
        ({"country": "DE", "start": "2023-01-01", "mission": register.mission.pk}, "mission"),
    ]:
        response = client.post(url, body, content_type=JSON)
        assert response.status_code == 400, (body, response.content)
        assert field in response.json()["errors"], (body, response.json())
    # when it is changed with its ETag, then with a stale one
    posting_url = f"{API}/postings/{first.json()['id']}"
    changed = client.patch(posting_url, {"end": None}, content_type=JSON, headers={"If-Match": first["ETag"]})
    assert changed.status_code == 200, changed.content
    assert changed.json()["end"] is None
    stale = client.patch(
        posting_url, {"letter_number": "9"}, content_type=JSON, headers={"If-Match": first["ETag"]}
    )
    assert stale.status_code == 412
    # and the member shows it as their latest posting until it is deleted
    listed = client.get(f"{API}/members").json()["items"]
    assert listed[0]["posting"] == {"country": "FR", "start": "2020-01-01", "end": None}
    assert client.delete(posting_url).status_code == 204
    assert client.get(f"{API}/members").json()["items"][0]["posting"] is None
    # and another branch's officer cannot see the posting at all
    hue = _as(client, make_officer(register.hue))
    member.refresh_from_db()
    posting = services.add_posting(
        by=register.root,
        member=member,
        data=services.PostingInput(country=country("DE"), start=dt.date(2023, 1, 1)),
    )
    assert hue.delete(f"{API}/postings/{posting.pk}").status_code == 404
    assert Posting.objects.filter(pk=posting.pk).exists()


# --- the list ---------------------------------------------------------------------------------


def test_the_member_list_filters_and_pages(client, register):
    an = make_member("Nguyễn Văn An", branch=register.hanoi)
    make_member("Lê Thị Bình", branch=register.hue)
    paris = make_member("Phạm Văn Cường", branch=register.paris)
    services.add_posting(
        by=register.root,
        member=an,
        data=services.PostingInput(country=country("FR"), start=dt.date(2024, 1, 1)),
    )
    services.record_event(by=register.root, member=paris, kind=EventKind.SUSPENDED, on=dt.date(2024, 1, 1))
    client = _as(client, register.root)

    def names(**params):
        return _names(client.get(f"{API}/members", params))

    assert names() == ["Lê Thị Bình", "Nguyễn Văn An", "Phạm Văn Cường"]
    assert names(q="nguyen van an") == ["Nguyễn Văn An"]
    assert names(branch=register.home.pk) == ["Lê Thị Bình", "Nguyễn Văn An"]
    assert names(status="suspended") == ["Phạm Văn Cường"]
    assert names(abroad="true") == ["Phạm Văn Cường"]
    assert names(posted="true") == ["Nguyễn Văn An"]
    assert names(dossier="not_started") == names()
    assert names(dossier="digitised") == []
    page = client.get(f"{API}/members", {"limit": 1, "offset": 1}).json()
    assert (page["count"], page["count_exact"], len(page["items"])) == (3, True, 1)
    for params, field in [
        ({"limit": 0}, None),
        ({"offset": 10**23}, None),  # beyond the database's integers
        ({"limit": "many"}, "limit"),
        ({"status": "asleep"}, "status"),
        ({"branch": 987654}, "branch"),
        ({"abroad": "perhaps"}, "abroad"),
    ]:
        response = client.get(f"{API}/members", params)
        assert response.status_code == 400, (params, response.content)
        if field:
            assert field in response.json()["errors"], (params, response.json())


def test_the_member_list_costs_the_same_number_of_queries_whatever_its_length(client, register):
    for i in range(6):
        member = make_member(f"Thành Viên {i}", branch=register.hanoi if i % 2 else register.hue)
        services.add_posting(
            by=register.root,
            member=member,
            data=services.PostingInput(country=country("FR"), start=dt.date(2020, 1, 1)),
        )
    client = _as(client, make_officer(register.home, role=Role.VIEWER))
    client.get(f"{API}/members")  # warm the session

    def queries(limit):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"{API}/members", {"limit": limit})
        assert response.status_code == 200, response.content
        return len(ctx.captured_queries), response.json()

    few, one = queries(1)
    many, six = queries(6)
    assert (len(one["items"]), len(six["items"])) == (1, 6)
    assert few == many
    # session, user, memberships; count; page; the branches the reader may see
    assert many <= 8, many
    MemberListOut.model_validate(six)
    # and every item is what the member's own endpoint says
    for item in six["items"]:
        detail = client.get(f"{API}/members/{item['id']}").json()
        assert (item["name"], item["status"], item["branch"]) == (
            detail["name"],
            detail["status"],
            detail["branch"],
        )


def test_malformed_json_and_wrong_types_are_4xx_never_5xx(client, register):
    member = make_member(branch=register.hanoi)
    posting = services.add_posting(
        by=register.root,
        member=member,
        data=services.PostingInput(country=country("FR"), start=dt.date(2020, 1, 1)),
    )
    client = _as(client, register.root)
    for url, method in [
        (f"{API}/members", client.post),
        (f"{API}/members/{member.pk}", client.patch),
        (f"{API}/members/{member.pk}/events", client.post),
        (f"{API}/members/{member.pk}/postings", client.post),
        (f"{API}/postings/{posting.pk}", client.patch),
        (f"{API}/members/{member.pk}/transfers", client.post),
        (f"{API}/members/{member.pk}/attachment/end", client.post),
        (f"{API}/members/{member.pk}/dossier/digitised", client.post),
        (f"{API}/branches", client.post),
        (f"{API}/branches/{register.hanoi.pk}", client.patch),
        (f"{API}/status-rules", client.post),
    ]:
        for body in ["{not json", "[1, 2]", "null", '"text"', '{"joined_on": {"a": 1}}', '{"on": 20240101}']:
            response = method(url, body, content_type=JSON)
            assert 400 <= response.status_code < 500, (url, body, response.status_code)
            assert response.json()["detail"], (url, body)

"""The activities API: the same rules as the services and pages, JSON errors naming the field,
ETags, 404 for what the caller may not see, and a constant number of queries for the list."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liaison.accounts.tokens import create_api_token
from liaison.activities.models import (
    Activity,
    ActivityFormat,
    ActivityKind,
    ActivityStatus,
    Attachment,
    CompositionStatus,
    Delegation,
    FocalPoint,
    LeaderRank,
)
from liaison.activities.schemas import ActivityListOut
from liaison.activities.testing import at, make_activity
from liaison.core.access import Role
from liaison.core.models import AuditEvent, Classification
from liaison.core.testing import make_org, make_person, make_superuser, make_user
from liaison.directory.models import Country, Locality

pytestmark = pytest.mark.django_db
API = "/api/activities"
JSON = "application/json"


@pytest.fixture
def world():
    make_superuser("root")
    mofa = make_org("Ministry of Foreign Affairs")
    vufo = make_org("VUFO", pillar="people")
    lao = make_org("Lao MFA", pillar="foreign", kind="foreign_state_body")
    return mofa, vufo, lao


def _as(client, user):
    client.force_login(user)
    return client


def _bearer(user):
    return {"Authorization": f"Bearer {create_api_token(user=user, name='test')}"}


def _body(lead, **changes):
    values = {
        "kind": "talks",
        "lead_organisation": lead.pk,
        "starts_at": "2023-12-19T09:00:00+07:00",
        "ends_at": "2023-12-19T12:00:00+07:00",
        "title_en": "Political consultations",
    }
    values.update(changes)
    return values


# --- the round trip ---------------------------------------------------------------------------


def test_an_editor_creates_reads_updates_and_a_coordinator_deletes_with_a_token(client, world):
    # Given an editor and a coordinator of the ministry, using API tokens
    mofa, _, lao = world
    editor = make_user(org=mofa, role=Role.EDITOR)
    coordinator = make_user(org=mofa, role=Role.COORDINATOR)
    leader = make_person("Bùi Thanh Sơn", owner=mofa)
    headers = _bearer(editor)

    # When the editor creates an activity naming records by id and code
    created = client.post(
        API,
        _body(
            mofa,
            kind="outgoing_visit",
            leader=leader.pk,
            leader_rank="minister",
            counterpart_organisations=[lao.pk],
            counterpart_countries=["la"],
            starts_at="2023-12-19T09:00",  # no offset: read in the activity's time zone
        ),
        content_type=JSON,
        headers=headers,
    )

    # Then it is saved, attributed, and the answer points at it
    assert created.status_code == 201, created.content
    body = created.json()
    assert created["ETag"] == '"1"'
    assert created["Location"] == f"{API}/{body['id']}"
    assert body["leader"] == {"id": leader.pk, "name": "Bùi Thanh Sơn"}
    assert body["lead_organisation"]["id"] == mofa.pk
    assert body["counterpart_organisations"] == [{"id": lao.pk, "name": "Lao MFA"}]
    assert body["counterpart_countries"][0]["code"] == "LA"
    assert body["starts_at"].startswith("2023-12-19T02:00:00")  # 09:00 in Hanoi
    assert body["status_history"][0]["to_status"] == "proposed"
    assert body["status_history"][0]["by"] == editor.username
    assert body["allowed_transitions"] == ["postponed"]
    assert AuditEvent.objects.filter(object_id=str(body["id"]), action="create", actor=editor).exists()

    # And it reads back the same, and is in the list
    read = client.get(created["Location"], headers=headers)
    assert read.status_code == 200
    assert read.json()["title"] == "Political consultations"
    listed = client.get(API, headers=headers).json()
    assert [item["id"] for item in listed["items"]] == [body["id"]]
    assert listed["count"] == 1

    # When the editor changes one field with the ETag they read
    patched = client.patch(
        created["Location"],
        {"title_vi": "Tham vấn chính trị", "venue": "Vientiane"},
        content_type=JSON,
        headers={**headers, "If-Match": read["ETag"]},
    )
    assert patched.status_code == 200, patched.content
    assert patched["ETag"] == '"2"'
    assert patched.json()["venue"] == "Vientiane"
    assert patched.json()["leader"]["id"] == leader.pk  # what was not sent is kept

    # Then the editor may not delete it; the coordinator may
    assert client.delete(created["Location"], headers=headers).status_code == 404
    deleted = client.delete(created["Location"], headers=_bearer(coordinator))
    assert deleted.status_code == 204
    assert not Activity.objects.filter(pk=body["id"]).exists()
    assert client.get(created["Location"], headers=headers).status_code == 404


def test_the_list_is_empty_for_a_new_user_and_refuses_a_bad_page_size(client, world):
    mofa, _, _ = world
    response = _as(client, make_user(org=mofa)).get(API)
    assert response.status_code == 200
    assert response.json() == {"count": 0, "count_exact": True, "limit": 50, "offset": 0, "items": []}
    assert client.get(API, {"limit": 0}).status_code == 400
    assert client.get(API, {"limit": "many"}).status_code == 400


def test_anonymous_callers_get_401(client):
    assert client.get(API).status_code == 401


def test_the_list_filters_as_the_pages_do(client, world):
    mofa, vufo, _ = world
    make_activity("Talks in Hanoi", lead=mofa, kind=ActivityKind.TALKS, classification=Classification.PUBLIC)
    make_activity(
        "A conference", lead=vufo, kind=ActivityKind.CONFERENCE, classification=Classification.PUBLIC
    )
    make_activity("A signing", lead=vufo, kind=ActivityKind.SIGNING, starts_at=at(2024, 3, 1))
    client = _as(client, make_user(org=mofa))

    def titles(**params):
        response = client.get(API, params)
        assert response.status_code == 200
        return sorted(item["title"] for item in response.json()["items"])

    assert titles(kind="talks,conference") == ["A conference", "Talks in Hanoi"]
    assert titles(organisation=vufo.pk) == ["A conference", "A signing"]
    assert titles(**{"from": "2024-01-01"}) == ["A signing"]
    assert titles(pillar="people", kind="nonsense") == ["A conference", "A signing"]  # unknown ignored
    assert titles(sort="-start", limit=1) == ["A signing"]


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"starts_at": "not a date"}, "starts_at"),
        ({"starts_at": "0001-01-01T00:00"}, "starts_at"),
        ({"ends_at": "9999-12-31T23:59:00-05:00"}, "ends_at"),
        ({"kind": "picnic"}, "kind"),
        ({"lead_organisation": "MOFA"}, "lead_organisation"),
        ({"co_organisers": "all"}, "co_organisers"),
        ({"ends_at": "2023-12-18T09:00:00+07:00"}, "ends_at"),
        ({"embargo_until": "2023-12-20T09:00:00+07:00"}, "embargo_until"),
        ({"title_en": ""}, "title_en"),
        ({"time_zone": "Mars/Olympus", "starts_at": "2023-12-19T09:00"}, "time_zone"),
        ({"leader_rank": LeaderRank.HEAD_OF_STATE}, "leader"),
        ({"country": "XX"}, "country"),
        ({"counterpart_countries": ["LA", "QQ"]}, "counterpart_countries"),
        ({"city": "no-such-place"}, "city"),
        ({"leader": 999999}, "leader"),
        ({"status": "approved"}, "status"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_saved(client, world, changes, field):
    mofa, _, _ = world
    client = _as(client, make_user(org=mofa, role=Role.EDITOR))
    response = client.post(API, _body(mofa, **changes), content_type=JSON)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()
    assert not Activity.objects.exists()


def test_malformed_json_is_a_4xx_not_a_server_error(client, world):
    mofa, _, _ = world
    client = _as(client, make_user(org=mofa, role=Role.EDITOR))
    assert client.post(API, "{not json", content_type=JSON).status_code == 400
    assert client.post(API, "[1, 2]", content_type=JSON).status_code == 400


def test_a_hidden_organisation_is_refused_like_a_missing_one(client, world):
    mofa, _, _ = world
    secret = make_org("Secret office", classification=Classification.RESTRICTED)
    client = _as(client, make_user(org=mofa, role=Role.EDITOR))
    hidden = client.post(API, _body(mofa, co_organisers=[secret.pk]), content_type=JSON)
    missing = client.post(API, _body(mofa, co_organisers=[999999]), content_type=JSON)
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json()["errors"]["co_organisers"] == [f"No organisation {secret.pk}."]
    assert missing.json()["errors"]["co_organisers"] == ["No organisation 999999."]
    lead_hidden = client.post(API, _body(secret), content_type=JSON)
    assert lead_hidden.json()["errors"] == {"lead_organisation": [f"No organisation {secret.pk}."]}


def test_patch_refuses_emptying_a_required_field(client, world):
    mofa, _, _ = world
    activity = make_activity(lead=mofa)
    client = _as(client, make_user(org=mofa, role=Role.EDITOR))
    response = client.patch(f"{API}/{activity.pk}", {"starts_at": None}, content_type=JSON)
    assert response.status_code == 400
    assert "starts_at" in response.json()["errors"]


# --- permissions ------------------------------------------------------------------------------


def test_a_viewer_cannot_create(client, world):
    mofa, _, _ = world
    client = _as(client, make_user(org=mofa, role=Role.VIEWER))
    response = client.post(API, _body(mofa), content_type=JSON)
    assert response.status_code == 404
    assert not Activity.objects.exists()


def test_an_editor_cannot_approve_a_coordinator_can_and_a_jump_is_refused(client, world):
    mofa, _, _ = world
    activity = make_activity(lead=mofa)
    editor = make_user(org=mofa, role=Role.EDITOR)
    coordinator = make_user(org=mofa, role=Role.COORDINATOR)
    url = f"{API}/{activity.pk}/status"

    refused = client.post(url, {"to": "approved"}, content_type=JSON, headers=_bearer(editor))
    assert refused.status_code == 404
    jump = client.post(url, {"to": "done"}, content_type=JSON, headers=_bearer(coordinator))
    assert jump.status_code == 400
    assert "to" in jump.json()["errors"]
    unknown = client.post(url, {"to": "finished"}, content_type=JSON, headers=_bearer(coordinator))
    assert unknown.status_code == 400
    assert "to" in unknown.json()["errors"]
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.PROPOSED

    approved = client.post(
        url, {"to": "approved", "note": "ok"}, content_type=JSON, headers=_bearer(coordinator)
    )
    assert approved.status_code == 200, approved.content
    body = approved.json()
    assert body["status"] == "approved"
    assert [(c["to_status"], c["note"]) for c in body["status_history"]] == [
        ("proposed", ""),
        ("approved", "ok"),
    ]
    assert body["allowed_transitions"] == ["prepared", "postponed", "cancelled"]


def test_an_embargoed_activity_is_404_to_another_organisation_until_the_embargo_lifts(
    client, world, time_machine
):
    # Given an internal activity under embargo, and a cleared reader from another organisation
    mofa, vufo, _ = world
    time_machine.move_to(at(2023, 11, 1))
    outsider = _bearer(make_user(org=vufo, role=Role.VIEWER, clearance=Classification.INTERNAL))
    insider = _bearer(make_user(org=mofa, role=Role.VIEWER))
    activity = make_activity(
        lead=mofa,
        starts_at=at(2023, 12, 19),
        ends_at=at(2023, 12, 20),
        embargo_until=at(2023, 12, 18),
        classification=Classification.INTERNAL,
    )

    # Then until the embargo lifts the outsider gets exactly what a missing activity gives
    hidden = client.get(f"{API}/{activity.pk}", headers=outsider)
    missing = client.get(f"{API}/999999", headers=outsider)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    assert client.get(API, headers=outsider).json()["count"] == 0
    assert client.get(f"{API}/{activity.pk}", headers=insider).status_code == 200

    # And once it lifts, the outsider reads it
    time_machine.move_to(at(2023, 12, 18, 9, 1))
    assert client.get(f"{API}/{activity.pk}", headers=outsider).status_code == 200
    assert client.get(API, headers=outsider).json()["count"] == 1


def test_a_part_of_a_hidden_activity_is_404_like_a_missing_one(client, world):
    mofa, vufo, lao = world
    secret = make_activity(lead=vufo, classification=Classification.RESTRICTED)
    delegation = Delegation.objects.create(activity=secret, organisation=lao)
    mine = make_activity(lead=mofa)
    client = _as(client, make_user(org=mofa, role=Role.EDITOR, clearance=Classification.RESTRICTED))
    hidden = client.patch(f"{API}/{secret.pk}/delegations/{delegation.pk}", {"name": "x"}, content_type=JSON)
    missing = client.patch(f"{API}/{mine.pk}/delegations/999999", {"name": "x"}, content_type=JSON)
    elsewhere = client.patch(f"{API}/{mine.pk}/delegations/{delegation.pk}", {"name": "x"}, content_type=JSON)
    assert hidden.status_code == missing.status_code == elsewhere.status_code == 404
    assert hidden.content == missing.content
    delegation.refresh_from_db()
    assert delegation.name == ""


def test_a_lead_organisation_the_reader_may_not_see_is_not_named(client, world):
    mofa, vufo, _ = world
    secret = make_org("Secret office", classification=Classification.RESTRICTED)
    make_activity("Quiet talks", lead=secret, owner=vufo, classification=Classification.PUBLIC)
    client = _as(client, make_user(org=mofa))
    item = client.get(API).json()["items"][0]
    assert item["title"] == "Quiet talks"
    assert item["lead_organisation"] is None
    detail = client.get(item["url"].replace("/activities/", "/api/activities/").rstrip("/"))
    assert "Secret office" not in detail.content.decode()


# --- concurrency ------------------------------------------------------------------------------


def test_a_stale_if_match_is_412_and_nothing_changes(client, world):
    mofa, _, _ = world
    activity = make_activity("Before", lead=mofa)
    client = _as(client, make_user(org=mofa, role=Role.EDITOR))
    etag = client.get(f"{API}/{activity.pk}")["ETag"]
    first = client.patch(
        f"{API}/{activity.pk}", {"venue": "A"}, content_type=JSON, headers={"If-Match": etag}
    )
    assert first.status_code == 200
    stale = client.patch(
        f"{API}/{activity.pk}", {"title_en": "After"}, content_type=JSON, headers={"If-Match": etag}
    )
    assert stale.status_code == 412
    activity.refresh_from_db()
    assert (activity.title_en, activity.venue) == ("Before", "A")


# --- queries ----------------------------------------------------------------------------------


def _list_queries(client, params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(API, params)
    assert response.status_code == 200
    return len(ctx.captured_queries), len(response.json()["items"])


def test_the_list_costs_the_same_number_of_queries_whatever_the_page_size(client, world):
    mofa, _, lao = world
    hanoi = Locality.objects.filter(code="01").first()
    for i in range(6):
        leader = make_person(f"Leader {i}", owner=mofa)
        make_activity(
            lead=mofa,
            leader=leader,
            leader_rank=LeaderRank.MINISTER,
            city=hanoi,
            counterpart_organisations=[lao],
            starts_at=at(2023, 12, 1 + i),
        )
    client = _as(client, make_user(org=mofa))
    client.get(API)  # warm the session
    few, shown_few = _list_queries(client, {"limit": 1})
    many, shown_many = _list_queries(client, {"limit": 6})
    assert (shown_few, shown_many) == (1, 6)
    assert few == many
    assert many <= 10


def test_list_items_match_the_schema_and_the_detail_endpoint(client, world):
    # given activities with a leader, a city, a country, an embargo, a hidden lead organisation
    mofa, vufo, _ = world
    hanoi = Locality.objects.filter(code="01").first()
    secret = make_org("Secret office", classification=Classification.RESTRICTED)
    leader = make_person("Bùi Thanh Sơn", owner=mofa)
    make_activity(
        "Visit",
        lead=mofa,
        kind=ActivityKind.OUTGOING_VISIT,
        leader=leader,
        leader_rank=LeaderRank.MINISTER,
        city=hanoi,
        country=Country.objects.get(code="VN"),
        pillars=["state", "people"],
        embargo_until=at(2023, 12, 10),
        starts_at=at(2023, 12, 19, 8, 30),
    )
    make_activity("Quiet talks", lead=secret, owner=vufo, classification=Classification.PUBLIC)
    client = _as(client, make_user(org=mofa, clearance=Classification.RESTRICTED))
    # when the list is read (its rows are built from values(), not validated by the framework)
    body = client.get(API).json()
    # then it is a valid page of the documented schema
    page = ActivityListOut.model_validate(body)
    assert page.count == len(body["items"]) == 2
    # and each item says what the activity's own endpoint says, field for field
    for item in body["items"]:
        detail = client.get(f"{API}/{item['id']}").json()
        assert item == {key: detail[key] for key in item}, item["id"]
    assert {item["leader"]["name"] if item["leader"] else None for item in body["items"]} == {
        "Bùi Thanh Sơn",
        None,
    }


# --- delegations: the hosting side sees a composition once it is approved -----------------------


def test_the_hosting_side_sees_members_only_once_the_composition_is_approved(client, world):
    # Given an incoming visit, its editor, the guests' focal point and a reader from elsewhere
    mofa, vufo, lao = world
    editor = _bearer(make_user(org=mofa, role=Role.EDITOR))
    focal_user = make_user(org=vufo, role=Role.VIEWER)
    FocalPoint.objects.create(organisation=lao, user=focal_user)
    focal = _bearer(focal_user)
    reader = _bearer(make_user(org=vufo, role=Role.VIEWER))
    activity = make_activity(
        lead=mofa, kind=ActivityKind.INCOMING_VISIT, classification=Classification.PUBLIC
    )
    guest = make_person("Saleumxay Kommasith", owner=lao)
    base = f"{API}/{activity.pk}/delegations"

    # When the editor records the visiting delegation and its head
    made = client.post(base, {"organisation": lao.pk, "size": 5}, content_type=JSON, headers=editor)
    assert made.status_code == 201, made.content
    did = made.json()["id"]
    member = client.post(
        f"{base}/{did}/members", {"person": guest.pk, "role": "head"}, content_type=JSON, headers=editor
    )
    assert member.status_code == 201, member.content
    assert member.json()["members"][0]["person"]["name"] == "Saleumxay Kommasith"

    # Then a reader from elsewhere sees the delegation, not who is in it
    seen = client.get(f"{API}/{activity.pk}", headers=reader).json()["delegations"][0]
    assert seen["members"] is None
    assert seen["members_hidden"] is True
    assert "Saleumxay" not in client.get(f"{API}/{activity.pk}", headers=reader).content.decode()

    # And the editor may not approve it; the focal point may, once submitted
    early = client.post(f"{base}/{did}/decision", {"approve": True}, content_type=JSON, headers=focal)
    assert early.status_code == 400
    assert "composition_status" in early.json()["errors"]
    submitted = client.post(f"{base}/{did}/submit", headers=editor)
    assert submitted.json()["composition_status"] == CompositionStatus.SUBMITTED
    by_editor = client.post(f"{base}/{did}/decision", {"approve": True}, content_type=JSON, headers=editor)
    assert by_editor.status_code == 404
    returned = client.post(f"{base}/{did}/decision", {"approve": False}, content_type=JSON, headers=focal)
    assert returned.status_code == 400
    assert "decision_note" in returned.json()["errors"]
    approved = client.post(f"{base}/{did}/decision", {"approve": True}, content_type=JSON, headers=focal)
    assert approved.status_code == 200, approved.content
    assert approved.json()["composition_status"] == CompositionStatus.APPROVED

    seen = client.get(f"{API}/{activity.pk}", headers=reader).json()["delegations"][0]
    assert seen["members_hidden"] is False
    assert [m["person"]["id"] for m in seen["members"]] == [guest.pk]


def test_a_person_cannot_be_on_both_sides_and_stops_follow_the_dates(client, world):
    mofa, _, lao = world
    activity = make_activity(
        lead=mofa, kind=ActivityKind.INCOMING_VISIT, starts_at=at(2023, 12, 19), ends_at=at(2023, 12, 21)
    )
    host = make_person("Bùi Thanh Sơn", owner=mofa)
    client = _as(client, make_user(org=mofa, role=Role.EDITOR))
    base = f"{API}/{activity.pk}/delegations"
    hosting = client.post(base, {"organisation": mofa.pk, "side": "hosting"}, content_type=JSON).json()
    visiting = client.post(base, {"organisation": lao.pk}, content_type=JSON).json()
    assert (
        client.post(f"{base}/{hosting['id']}/members", {"person": host.pk}, content_type=JSON).status_code
        == 201
    )

    both = client.post(f"{base}/{visiting['id']}/members", {"person": host.pk}, content_type=JSON)
    assert both.status_code == 400
    assert "person" in both.json()["errors"]
    second_host = client.post(base, {"organisation": lao.pk, "side": "hosting"}, content_type=JSON)
    assert second_host.status_code == 400
    assert "side" in second_host.json()["errors"]

    stop = {"arrives_on": "2023-12-20", "leaves_on": "2023-12-21", "place": "Hạ Long"}
    added = client.post(f"{base}/{visiting['id']}/stops", stop, content_type=JSON)
    assert added.status_code == 201, added.content
    stop_id = added.json()["stops"][0]["id"]
    outside = client.post(
        f"{base}/{visiting['id']}/stops",
        {**stop, "arrives_on": "2023-12-25", "leaves_on": "2023-12-26"},
        content_type=JSON,
    )
    assert outside.status_code == 400
    assert "arrives_on" in outside.json()["errors"]
    assert client.delete(f"{base}/{visiting['id']}/stops/{stop_id}").status_code == 204

    member_id = client.get(f"{API}/{activity.pk}").json()["delegations"][0]["members"][0]["id"]
    renamed = client.patch(
        f"{base}/{hosting['id']}/members/{member_id}", {"title": "Minister"}, content_type=JSON
    )
    assert renamed.status_code == 200, renamed.content
    assert renamed.json()["members"][0]["title"] == "Minister"
    assert client.delete(f"{base}/{hosting['id']}/members/{member_id}").status_code == 204
    assert client.delete(f"{base}/{visiting['id']}").status_code == 204
    assert list(Delegation.objects.filter(activity=activity).values_list("pk", flat=True)) == [hosting["id"]]


# --- programme --------------------------------------------------------------------------------


def test_sessions_must_fall_within_the_conference_and_sites_must_exist_on_its_date(client, world):
    mofa, _, _ = world
    activity = make_activity(
        lead=mofa,
        kind=ActivityKind.CONFERENCE,
        format=ActivityFormat.HYBRID,
        starts_at=at(2023, 12, 19, 8),
        ends_at=at(2023, 12, 19, 17),
    )
    chair = make_person("Đỗ Hùng Việt", owner=mofa)
    client = _as(client, make_user(org=mofa, role=Role.EDITOR))
    base = f"{API}/{activity.pk}"

    outside = client.post(
        f"{base}/sessions",
        {"starts_at": "2023-12-20T08:00", "ends_at": "2023-12-20T09:00", "kind": "opening"},
        content_type=JSON,
    )
    assert outside.status_code == 400
    assert "starts_at" in outside.json()["errors"]
    session = client.post(
        f"{base}/sessions",
        {
            "starts_at": "2023-12-19T08:00",
            "ends_at": "2023-12-19T09:00",
            "kind": "opening",
            "theme_en": "Opening",
        },
        content_type=JSON,
    )
    assert session.status_code == 201, session.content
    sid = session.json()["id"]
    person = client.post(
        f"{base}/sessions/{sid}/people", {"person": chair.pk, "role": "chair"}, content_type=JSON
    )
    assert person.status_code == 201, person.content
    assert person.json()["chairs"][0]["person"]["id"] == chair.pk
    bad_kind = client.patch(f"{base}/sessions/{sid}", {"kind": "picnic"}, content_type=JSON)
    assert bad_kind.status_code == 400
    assert "kind" in bad_kind.json()["errors"]
    renamed = client.patch(
        f"{base}/sessions/{sid}", {"room": "Hall A"}, content_type=JSON, headers={"If-Match": session["ETag"]}
    )
    assert renamed.status_code == 200, renamed.content
    assert renamed.json()["room"] == "Hall A"
    assert renamed.json()["chairs"][0]["person"]["name"] == "Đỗ Hùng Việt"
    pid = renamed.json()["chairs"][0]["id"]
    assert client.delete(f"{base}/sessions/{sid}/people/{pid}").status_code == 204

    vn = Country.objects.get(code="VN")
    future = Locality.objects.create(
        code="XX-NEW", kind="province", country=vn, name_en="New", valid_from=dt.date(2025, 7, 1)
    )
    site = client.post(f"{base}/sites", {"locality": "XX-NEW"}, content_type=JSON)
    assert site.status_code == 400
    assert "did not exist yet" in site.json()["errors"]["locality"][0]
    assert client.post(f"{base}/sites", {"locality": 999999}, content_type=JSON).json()["errors"]["locality"]
    old = Locality.objects.create(code="XX-OLD", kind="province", country=vn, name_en="Old")
    made = client.post(f"{base}/sites", {"locality": old.pk, "interpretation": "vi, en"}, content_type=JSON)
    assert made.status_code == 201, made.content
    assert made.json()["locality"]["code"] == "XX-OLD"
    moved = client.patch(f"{base}/sites/{made.json()['id']}", {"locality": future.pk}, content_type=JSON)
    assert moved.status_code == 400
    assert "locality" in moved.json()["errors"]
    assert client.delete(f"{base}/sites/{made.json()['id']}").status_code == 204
    assert client.delete(f"{base}/sessions/{sid}").status_code == 204


# --- outcomes, sources, attachments -----------------------------------------------------------


def test_outcomes_and_sources(client, world):
    mofa, _, lao = world
    activity = make_activity(lead=mofa, kind=ActivityKind.SIGNING)
    client = _as(client, make_user(org=mofa, role=Role.EDITOR))
    base = f"{API}/{activity.pk}"
    outcome = client.post(
        f"{base}/outcomes",
        {
            "kind": "memorandum",
            "title_en": "MoU on training",
            "signed_on": "2023-12-19",
            "parties": [mofa.pk, lao.pk],
        },
        content_type=JSON,
    )
    assert outcome.status_code == 201, outcome.content
    assert {p["id"] for p in outcome.json()["parties"]} == {mofa.pk, lao.pk}
    oid = outcome.json()["id"]
    follow_up = client.patch(f"{base}/outcomes/{oid}", {"kind": "follow_up"}, content_type=JSON)
    assert follow_up.status_code == 400
    assert "signed_on" in follow_up.json()["errors"]
    coded = client.patch(f"{base}/outcomes/{oid}", {"code": "01/MoU"}, content_type=JSON)
    assert coded.status_code == 200
    assert coded.json()["code"] == "01/MoU"
    assert len(coded.json()["parties"]) == 2

    source = client.post(f"{base}/sources", {"title": "Press release", "url": "not a url"}, content_type=JSON)
    assert source.status_code == 400
    assert "url" in source.json()["errors"]
    source = client.post(
        f"{base}/sources", {"title": "Press release", "url": "https://example.org/a"}, content_type=JSON
    )
    assert source.status_code == 201
    detail = client.get(base).json()
    assert detail["sources"][0]["title"] == "Press release"
    assert detail["outcomes"][0]["title"] == "MoU on training"
    assert client.delete(f"{base}/sources/{source.json()['id']}").status_code == 204
    assert client.delete(f"{base}/outcomes/{oid}").status_code == 204


def test_attachments_are_checked_by_size_and_content(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.LIAISON_ATTACHMENT_MAX_BYTES = 64
    mofa, _, _ = world
    activity = make_activity(lead=mofa)
    client = _as(client, make_user(org=mofa, role=Role.EDITOR))
    url = f"{API}/{activity.pk}/attachments"

    def upload(name, content, **fields):
        from django.core.files.uploadedfile import SimpleUploadedFile

        return client.post(url, {"file": SimpleUploadedFile(name, content), **fields})

    made = upload("notes.txt", "Chương trình làm việc".encode(), kind="programme", title="Programme")
    assert made.status_code == 201, made.content
    assert made.json()["content_type"] == "text/plain"
    assert made.json()["kind"] == "programme"
    too_big = upload("big.txt", b"x" * 65)
    assert too_big.status_code == 400
    assert "file" in too_big.json()["errors"]
    refused = upload("tool.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00")
    assert refused.status_code == 400
    assert "file" in refused.json()["errors"]
    bad_kind = upload("notes.txt", b"hello", kind="secret")
    assert bad_kind.status_code == 400
    assert "kind" in bad_kind.json()["errors"]
    missing = client.post(url, {"title": "no file"})
    assert missing.status_code == 400
    assert "file" in missing.json()["errors"]
    assert Attachment.objects.count() == 1

    listed = client.get(f"{API}/{activity.pk}").json()["attachments"]
    assert [a["original_name"] for a in listed] == ["notes.txt"]
    assert client.delete(f"{url}/{made.json()['id']}").status_code == 204
    assert not Attachment.objects.exists()

"""Exports of the activity list as CSV and XLSX, from the pages and the API."""

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.urls import reverse

from liaison.accounts.tokens import create_api_token
from liaison.activities import exports
from liaison.activities.models import ActivityKind, LeaderRank
from liaison.activities.testing import at, make_activity
from liaison.core.models import Classification, SecurityEvent, SecurityEventKind
from liaison.core.testing import PASSWORD, make_org, make_person, make_superuser, make_user
from liaison.directory.models import Country
from liaison.directory.services import NameInput

pytestmark = pytest.mark.django_db

API = "/api/activities"
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def world(time_machine):
    time_machine.move_to(at(2024, 3, 1))
    make_superuser("root")
    mofa = make_org(
        "Ministry of Foreign Affairs", extra_names=[NameInput(value="Bộ Ngoại giao", language="vi")]
    )
    vufo = make_org("VUFO", pillar="people", kind="union")
    return mofa, vufo


def _signed_in(client, user):
    client.login(username=user.username, password=PASSWORD)
    return client


def _csv_rows(response):
    assert response.status_code == 200, getattr(response, "content", b"")[:300]
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())
    reader = csv.reader(io.StringIO(body.decode("utf-8-sig")))
    header, *rows = list(reader)
    assert header == list(exports.COLUMNS)
    return [dict(zip(header, row, strict=True)) for row in rows]


def _xlsx_rows(response):
    assert response.status_code == 200, response.content[:300]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert list(header) == list(exports.COLUMNS)
    width = len(header)
    return [
        dict(zip(header, [v or "" for v in row] + [""] * (width - len(row)), strict=True)) for row in rows
    ]


def _export(client, fmt="csv", **params):
    return client.get(reverse("activities:export", args=[fmt]), params)


def test_csv_export_has_the_documented_columns_in_each_activitys_zone(client, world):
    # given an activity in Paris led by a person of the ministry, and a viewer of the ministry
    mofa, _ = world
    minister = make_person("Bùi Thanh Sơn", owner=mofa)
    activity = make_activity(
        "Talks in Paris",
        title_vi="Hội đàm tại Paris",
        title_ar="محادثات في باريس",
        lead=mofa,
        kind=ActivityKind.TALKS,
        starts_at=dt.datetime(2024, 3, 12, 14, 0, tzinfo=PARIS),
        ends_at=dt.datetime(2024, 3, 12, 16, 30, tzinfo=PARIS),
        time_zone="Europe/Paris",
        leader=minister,
        leader_rank=LeaderRank.MINISTER,
        country=Country.objects.get(code="FR"),
        venue="Quai d'Orsay",
        embargo_until=at(2024, 3, 5),
    )
    user = make_user(org=mofa)
    # when they export the list as CSV
    response = _export(_signed_in(client, user))
    # then the file is a UTF-8 CSV named by date, with every column filled as documented
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="liaison-activities-2024' in response["Content-Disposition"]
    (row,) = _csv_rows(response)
    assert row == {
        "id": str(activity.pk),
        "kind": "talks",
        "title_en": "Talks in Paris",
        "title_vi": "Hội đàm tại Paris",
        "title_ar": "محادثات في باريس",
        "starts_at": "2024-03-12T14:00:00+01:00",
        "ends_at": "2024-03-12T16:30:00+01:00",
        "time_zone": "Europe/Paris",
        "status": "proposed",
        "pillars": "state",
        "high_level": "false",
        "leader_rank": "minister",
        "leader": "Bùi Thanh Sơn",
        "lead_organisation": "Ministry of Foreign Affairs",
        "city": "",
        "country": "FR",
        "venue": "Quai d'Orsay",
        "format": "in_person",
        "classification": "internal",
        "embargo_until": "2024-03-05T09:00:00+07:00",
        "is_demo": "false",
        "url": f"http://testserver/activities/{activity.pk}/",
    }


def test_xlsx_export_holds_the_same_columns_and_names_in_the_readers_language(client, world):
    # given an activity and a viewer who reads Vietnamese
    mofa, _ = world
    activity = make_activity("Talks", lead=mofa, starts_at=at(2024, 3, 10, 9))
    user = make_user(org=mofa, language="vi")
    # when they export as XLSX
    response = _export(_signed_in(client, user), "xlsx")
    # then the workbook has the activity, its times in its zone and the ministry's Vietnamese name
    assert response["Content-Type"] == exports.XLSX_TYPE
    assert response["Content-Disposition"].endswith('.xlsx"')
    (row,) = _xlsx_rows(response)
    assert row["id"] == str(activity.pk)
    assert row["starts_at"] == "2024-03-10T09:00:00+07:00"
    assert row["lead_organisation"] == "Bộ Ngoại giao"
    assert row["title_en"] == "Talks"


def test_the_lists_filters_are_honoured(client, world):
    # given talks and a conference of the ministry, and a meeting of the union
    mofa, vufo = world
    talks = make_activity("Talks", lead=mofa, kind=ActivityKind.TALKS, starts_at=at(2024, 3, 10))
    conference = make_activity(
        "Conference", lead=mofa, kind=ActivityKind.CONFERENCE, starts_at=at(2024, 4, 10)
    )
    meeting = make_activity("Meeting", lead=vufo, starts_at=at(2024, 5, 10))
    client = _signed_in(client, make_user(org=mofa))
    # when the list is exported with a kind, an organisation, dates and a sort
    by_kind = _csv_rows(_export(client, kind="talks,conference", sort="start"))
    by_org = _csv_rows(_export(client, organisation=vufo.pk))
    by_date = _csv_rows(_export(client, "csv", **{"from": "2024-04-01", "to": "2024-04-30"}))
    everything = _csv_rows(_export(client))
    # then each file holds what the list would
    assert [r["id"] for r in by_kind] == [str(talks.pk), str(conference.pk)]
    assert [r["id"] for r in by_org] == [str(meeting.pk)]
    assert [r["id"] for r in by_date] == [str(conference.pk)]
    assert [r["id"] for r in everything] == [str(meeting.pk), str(conference.pk), str(talks.pk)]


def test_hidden_activities_and_names_never_reach_a_file(client, world, time_machine):
    # given a restricted activity of the union, an embargoed one of the union, and a public one led
    # by a restricted unit with a restricted leader
    mofa, vufo = world
    make_activity("Closed", lead=vufo, classification=Classification.RESTRICTED, starts_at=at(2024, 3, 10))
    embargoed = make_activity(
        "Embargoed",
        lead=vufo,
        classification=Classification.PUBLIC,
        starts_at=at(2024, 3, 20),
        embargo_until=at(2024, 3, 19),
    )
    secret_unit = make_org("Secret unit", parent=vufo, classification=Classification.RESTRICTED)
    secret_person = make_person("Hidden Leader", owner=vufo, classification=Classification.RESTRICTED)
    open_one = make_activity(
        "Open",
        lead=secret_unit,
        leader=secret_person,
        classification=Classification.PUBLIC,
        starts_at=at(2024, 3, 15),
    )
    user = make_user(org=mofa, clearance=Classification.RESTRICTED)
    client = _signed_in(client, user)
    # when a member of the ministry exports, as CSV and XLSX
    rows = _csv_rows(_export(client))
    xlsx = _xlsx_rows(_export(client, "xlsx"))
    # then only the open activity is there, without the unit's or the leader's name
    for found in (rows, xlsx):
        assert [r["id"] for r in found] == [str(open_one.pk)]
        assert found[0]["lead_organisation"] == ""
        assert found[0]["leader"] == ""
    # and once the embargo lifts, the embargoed one too
    time_machine.move_to(at(2024, 3, 19, 10))
    client = _signed_in(client, user)
    assert {r["id"] for r in _csv_rows(_export(client))} == {str(open_one.pk), str(embargoed.pk)}


def test_an_insider_exports_an_embargoed_activity(client, world):
    mofa, _ = world
    embargoed = make_activity(
        "Embargoed", lead=mofa, starts_at=at(2024, 3, 20), embargo_until=at(2024, 3, 19)
    )
    rows = _csv_rows(_export(_signed_in(client, make_user(org=mofa))))
    assert [r["id"] for r in rows] == [str(embargoed.pk)]


def test_an_empty_export_is_a_header(client, world):
    mofa, _ = world
    client = _signed_in(client, make_user(org=mofa))
    assert _csv_rows(_export(client)) == []
    assert _xlsx_rows(_export(client, "xlsx")) == []


def test_an_export_is_logged_with_its_filters_and_row_count(client, world):
    mofa, _ = world
    make_activity("Talks", lead=mofa, kind=ActivityKind.TALKS, starts_at=at(2024, 3, 10))
    user = make_user(org=mofa)
    _csv_rows(_export(_signed_in(client, user), kind="talks"))
    event = SecurityEvent.objects.get(kind=SecurityEventKind.EXPORT)
    assert event.user == user
    assert event.detail["kind"] == "activity"
    assert event.detail["format"] == "csv"
    assert event.detail["rows"] == 1
    assert event.detail["filters"]["kinds"] == "('talks',)"


def test_a_long_export_stops_at_the_cap_and_says_so(client, world, monkeypatch):
    # given more activities than the cap allows
    mofa, _ = world
    monkeypatch.setattr(exports, "MAX_ROWS", 2)
    for day in (1, 2, 3):
        make_activity(lead=mofa, starts_at=at(2024, 3, day))
    client = _signed_in(client, make_user(org=mofa))
    # when they are exported
    response = _export(client)
    # then the file holds the cap's worth and a last row saying it stopped, and so does the header
    assert response[exports.CAPPED_HEADER] == "2"
    rows = _csv_rows(response)
    assert len(rows) == 3
    assert rows[-1]["id"].startswith("This export stops at 2 rows")
    assert rows[-1]["kind"] == ""
    assert SecurityEvent.objects.get(kind=SecurityEventKind.EXPORT).detail["capped"] is True
    xlsx = _xlsx_rows(_export(client, "xlsx"))
    assert len(xlsx) == 3
    assert xlsx[-1]["id"].startswith("This export stops at 2 rows")


def test_an_export_takes_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    mofa, _ = world
    leader = make_person("Leader", owner=mofa)
    client = _signed_in(client, make_user(org=mofa))
    for day in (1, 2):
        make_activity(lead=mofa, leader=leader, starts_at=at(2024, 3, day))
    _csv_rows(_export(client))  # the session and the user are loaded once
    with django_assert_max_num_queries(12) as few:
        assert len(_csv_rows(_export(client))) == 2
    for day in range(3, 15):
        unit = make_org(parent=mofa, kind="department")
        make_activity(lead=unit, leader=make_person(owner=mofa), starts_at=at(2024, 3, day))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(_csv_rows(_export(client))) == 14


def test_signing_in_is_needed_and_unknown_formats_are_not_found(client, world):
    mofa, _ = world
    response = _export(client)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/sign-in/")
    assert not SecurityEvent.objects.filter(kind=SecurityEventKind.EXPORT).exists()
    client = _signed_in(client, make_user(org=mofa))
    assert _export(client, "pdf").status_code == 404


# --- API ----------------------------------------------------------------------------------------


def test_the_api_exports_with_a_bearer_token(client, world):
    # given a viewer's token and two activities
    mofa, vufo = world
    talks = make_activity("Talks", lead=mofa, kind=ActivityKind.TALKS, starts_at=at(2024, 3, 10))
    make_activity("Meeting", lead=vufo, starts_at=at(2024, 3, 11))
    user = make_user(org=mofa)
    headers = {"Authorization": f"Bearer {create_api_token(user=user, name='script')}"}
    # when they export the talks through the API, as CSV and XLSX
    as_csv = client.get(f"{API}/export", {"format": "csv", "kind": "talks"}, headers=headers)
    as_xlsx = client.get(f"{API}/export", {"format": "xlsx", "organisation": mofa.pk}, headers=headers)
    # then both files hold the talks only, and both exports are logged as the API's
    assert [r["id"] for r in _csv_rows(as_csv)] == [str(talks.pk)]
    assert [r["id"] for r in _xlsx_rows(as_xlsx)] == [str(talks.pk)]
    events = SecurityEvent.objects.filter(kind=SecurityEventKind.EXPORT, user=user)
    assert {(e.detail["format"], e.detail["via"]) for e in events} == {("csv", "api"), ("xlsx", "api")}


def test_the_api_export_filters_by_date_and_refuses_an_unknown_format(client, world):
    mofa, _ = world
    make_activity("March", lead=mofa, starts_at=at(2024, 3, 10))
    april = make_activity("April", lead=mofa, starts_at=at(2024, 4, 10))
    headers = {"Authorization": f"Bearer {create_api_token(user=make_user(org=mofa), name='s')}"}
    rows = _csv_rows(client.get(f"{API}/export", {"from": "2024-04-01"}, headers=headers))
    assert [r["id"] for r in rows] == [str(april.pk)]
    response = client.get(f"{API}/export", {"format": "pdf"}, headers=headers)
    assert response.status_code == 400
    assert "format" in response.json()["errors"]


def test_the_api_export_needs_a_valid_token(client, world):
    assert client.get(f"{API}/export").status_code == 401
    bad = {"Authorization": "Bearer lsn_bad_token"}
    assert client.get(f"{API}/export", headers=bad).status_code == 401
    assert not SecurityEvent.objects.filter(kind=SecurityEventKind.EXPORT).exists()

"""Counts (every number is the length of the list it links to) and warnings (double bookings,
crowded cities, overdue proposals), as pages and API, never revealing what the user may not read."""

import datetime as dt
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from liaison.activities import delegations, programme, reports, services
from liaison.activities.models import (
    ActivityKind,
    ActivityStatus,
    DelegationSide,
    LeaderRank,
)
from liaison.activities.selectors import ActivityFilters, filtered
from liaison.activities.testing import at, make_activity
from liaison.core.access import Role
from liaison.core.models import Classification, SecurityEvent
from liaison.core.testing import PASSWORD, make_org, make_person, make_superuser, make_user
from liaison.directory.models import Country, Locality

pytestmark = pytest.mark.django_db

COUNTS = "/activities/counts/"
WARNINGS = "/activities/warnings/"
API_COUNTS = "/api/activities/counts"
API_WARNINGS = "/api/activities/warnings"
RANGE = {"from": "2023-01-01", "to": "2023-12-31"}


def _signed_in(client, user):
    client.login(username=user.username, password=PASSWORD)
    client.get("/")  # the first request after sign-in also saves the session
    return client


def _country(code):
    return Country.objects.get(code=code)


def _city(code, name):
    return Locality.objects.create(code=code, kind="city", country=_country("VN"), name_en=name)


@pytest.fixture
def world():
    """Seven activities in 2023 the viewer may read, two it may not, one before the range."""
    root = make_superuser("root")
    mofa = make_org("Ministry of Foreign Affairs", pillar="state")
    cec = make_org("Commission for External Relations", pillar="party", kind="commission")
    vufo = make_org("VUFO", pillar="people", kind="mass_organisation")
    asean = make_org("ASEAN Secretariat", pillar="foreign", kind="international_organisation")
    other = make_org("Someone else", pillar="state")
    viewer = make_user(org=mofa, role=Role.VIEWER, clearance=Classification.INTERNAL)
    president = make_person("Võ Văn Thưởng", owner=mofa)
    general_secretary = make_person("Nguyễn Phú Trọng", owner=cec)
    guest = make_person("Guest of state", owner=mofa)
    hanoi = _city("XT-HN", "Hanoi")
    fr, la, us, vn = (_country(c) for c in ("FR", "LA", "US", "VN"))
    high = {"leader_rank": LeaderRank.HEAD_OF_STATE}
    a = {
        "paris": make_activity(
            "State visit to France",
            lead=mofa,
            kind=ActivityKind.OUTGOING_VISIT,
            starts_at=at(2023, 3, 1),
            leader=president,
            country=fr,
            counterpart_countries=[fr],
            **high,
        ),
        "vientiane": make_activity(
            "Party visit to Laos",
            lead=cec,
            kind=ActivityKind.OUTGOING_VISIT,
            starts_at=at(2023, 4, 1),
            leader=general_secretary,
            leader_rank=LeaderRank.PARTY_LEADER,
            country=la,
            counterpart_countries=[la, fr],
            pillars=["party", "state"],
        ),
        "incoming": make_activity(
            "Lao president in Hanoi",
            lead=mofa,
            kind=ActivityKind.INCOMING_VISIT,
            starts_at=at(2023, 5, 1),
            leader=guest,
            city=hanoi,
            counterpart_countries=[la],
            **high,
        ),
        "asean": make_activity(
            "ASEAN Secretary-General received",
            lead=mofa,
            kind=ActivityKind.RECEPTION,
            starts_at=at(2023, 6, 1),
            counterpart_organisations=[asean],
        ),
        "conference": make_activity(
            "People's diplomacy conference",
            lead=vufo,
            kind=ActivityKind.CONFERENCE,
            starts_at=at(2023, 7, 1),
            country=vn,
            counterpart_countries=[us],
        ),
        "meeting": make_activity(
            "Minister's meeting", lead=mofa, starts_at=at(2023, 8, 1), leader_rank=LeaderRank.MINISTER
        ),
        "public": make_activity(
            "Public ceremony",
            lead=mofa,
            kind=ActivityKind.CEREMONY,
            starts_at=at(2023, 12, 31, 23),
            classification=Classification.PUBLIC,
        ),
        # hidden from the viewer: restricted, owned elsewhere; and under embargo, owned elsewhere
        "secret": make_activity(
            "Secret visit",
            lead=other,
            kind=ActivityKind.OUTGOING_VISIT,
            starts_at=at(2023, 9, 1),
            leader=president,
            country=us,
            classification=Classification.RESTRICTED,
            **high,
        ),
        # before the range
        "old": make_activity(
            "Visit of 2020",
            lead=mofa,
            kind=ActivityKind.OUTGOING_VISIT,
            starts_at=at(2020, 1, 1),
            **high,
            leader=president,
        ),
    }
    return root, viewer, a


def _list_count(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["page"].paginator.count


def _cells(result):
    for row in (*result.groups, *result.kinds):
        yield row.total
        yield from row.pillars
    for breakdown in result.countries:
        yield breakdown.total
        for country in breakdown.countries:
            yield country.cell


# --- Counts --------------------------------------------------------------------------------------


def test_the_counts_of_the_articles_groups(world):
    root, viewer, _a = world
    result = reports.counts(viewer, reports.counts_filters(RANGE))
    totals = {row.key: row.total.value for row in result.groups}
    assert totals == {
        "": 7,
        "leader_visits_abroad": 2,  # Paris, Vientiane (the secret one is hidden, 2020 is out)
        "incoming_leaders": 2,  # the Lao president (high-level), ASEAN (an international organisation)
        "high_level": 3,
        "conferences": 1,
    }
    everyone = {
        row.key: row.total.value for row in reports.counts(root, reports.counts_filters(RANGE)).groups
    }
    assert everyone["leader_visits_abroad"] == 3
    kinds = {row.key: row.total.value for row in result.kinds}
    assert kinds[ActivityKind.OUTGOING_VISIT] == 2
    assert kinds[ActivityKind.SIGNING] == 0
    assert sum(kinds.values()) == 7


def test_pillar_columns_count_each_activity_in_each_of_its_pillars(world):
    _, viewer, _ = world
    result = reports.counts(viewer, reports.counts_filters(RANGE))
    assert [p for p, _label in result.pillars] == ["party", "state", "people", "foreign"]
    visits = next(r for r in result.groups if r.key == "leader_visits_abroad")
    assert [c.value for c in visits.pillars] == [1, 2, 0, 0]  # Vientiane is party and state
    everything = result.groups[0]
    assert [c.value for c in everything.pillars] == [1, 6, 1, 0]
    # with a pillar chosen, only its column is offered
    party = reports.counts(viewer, reports.counts_filters({**RANGE, "pillar": "party"}))
    assert [p for p, _label in party.pillars] == ["party"]
    assert party.groups[0].total.value == 1


def test_the_country_breakdown_counts_place_and_counterparts_once_per_country(world):
    _, viewer, _ = world
    result = reports.counts(viewer, reports.counts_filters(RANGE))
    everything = {c.code: c.cell.value for c in result.countries[0].countries}
    # France: the Paris visit (place and counterpart, counted once) and Vientiane's counterpart;
    # Viet Nam: the conference, and the visit to Hanoi (its country follows its city)
    assert everything == {"FR": 2, "LA": 2, "US": 1, "VN": 2}
    visits = next(b for b in result.countries if b.key == "leader_visits_abroad")
    assert [(c.code, c.cell.value) for c in visits.countries] == [("FR", 2), ("LA", 1)]
    chosen = reports.counts(viewer, reports.counts_filters({**RANGE, "country": "la"}))
    assert [(c.code, c.cell.value) for c in chosen.countries[0].countries] == [("LA", 2)]


@pytest.mark.parametrize(
    "params",
    [
        RANGE,
        {**RANGE, "level": "high"},
        {**RANGE, "kind": "outgoing_visit,reception"},
        {**RANGE, "group": "incoming_leaders"},
        {**RANGE, "country": "FR", "pillar": "state"},
        {**RANGE, "q": "visit"},
    ],
)
def test_every_number_equals_the_length_of_the_list_it_links_to(client, world, params):
    _, viewer, _ = world
    client = _signed_in(client, viewer)
    response = client.get(COUNTS, params)
    assert response.status_code == 200
    result = response.context["counts"]
    html = response.content.decode()
    cells = list(_cells(result))
    assert len(cells) > 5
    for cell in cells:
        assert cell.url.replace("&", "&amp;") in html
        assert _list_count(client, cell.url) == cell.value, cell.url
        # and the same filters through the selectors
        query = {k: v[0] for k, v in parse_qs(urlsplit(cell.url).query).items()}
        assert filtered(viewer, reports.counts_filters(query)).count() == cell.value


def test_the_dates_default_to_the_13th_congress_until_today(client, world):
    _, viewer, _a = world
    client = _signed_in(client, viewer)
    response = client.get(COUNTS, {"from": "garbage", "to": ""})
    assert response.status_code == 200
    f = response.context["filters"]
    assert f.date_from == dt.date(2021, 1, 1)
    assert f.date_to == timezone.now().astimezone(reports.site_zone()).date()
    assert "from=2021-01-01" in response.context["counts"].groups[0].total.url
    reversed_dates = client.get(COUNTS, {"from": "2023-12-31", "to": "2023-01-01"})
    assert reversed_dates.status_code == 200
    assert reversed_dates.context["counts"].groups[0].total.value == 0


def test_hidden_activities_are_never_counted(client, world):
    _, viewer, _a = world
    client = _signed_in(client, viewer)
    html = client.get(COUNTS, RANGE).content.decode()
    assert "Secret visit" not in html
    body = json.loads(client.get(API_COUNTS, RANGE).content)
    high = next(g for g in body["groups"] if g["key"] == "high_level")
    assert high["total"]["count"] == 3


def test_the_api_gives_the_same_numbers_as_the_page(client, world):
    _, viewer, _ = world
    client = _signed_in(client, viewer)
    params = {**RANGE, "level": "high"}
    page = client.get(COUNTS, params).context["counts"]
    body = json.loads(client.get(API_COUNTS, params).content)
    assert body["date_from"] == "2023-01-01" and body["date_to"] == "2023-12-31"
    for rows, out in ((page.groups, body["groups"]), (page.kinds, body["kinds"])):
        assert [(r.key, r.total.value, r.total.url) for r in rows] == [
            (o["key"], o["total"]["count"], o["total"]["url"]) for o in out
        ]
        assert [[c.value for c in r.pillars] for r in rows] == [
            [c["count"] for c in o["pillars"]] for o in out
        ]
    assert [[(c.code, c.cell.value) for c in b.countries] for b in page.countries] == [
        [(c["code"], c["count"]) for c in b["countries"]] for b in body["countries"]
    ]


def test_the_counts_download_as_csv_and_the_download_is_logged(client, world):
    _, viewer, _ = world
    client = _signed_in(client, viewer)
    response = client.get(COUNTS, {**RANGE, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("Table,Row,Code,Total,")
    assert any(
        line.startswith("Groups,Visits abroad by key leaders,leader_visits_abroad,2,1,2,0,0")
        for line in lines
    )
    assert any(",FR,2," in line for line in lines)
    assert SecurityEvent.objects.filter(kind="export", user=viewer).exists()


def test_counts_render_in_arabic(client, world):
    root, _, _ = world
    root.language = "ar"
    root.save()
    response = _signed_in(client, root).get(COUNTS, RANGE)
    assert response.status_code == 200
    assert 'dir="rtl"' in response.content.decode()


def test_an_empty_register_counts_zero_everywhere(client):
    user = make_user(org=make_org("Lonely"), role=Role.VIEWER)
    client = _signed_in(client, user)
    response = client.get(COUNTS)
    assert response.status_code == 200
    result = response.context["counts"]
    assert all(cell.value == 0 for cell in _cells(result))
    assert "No country recorded." in response.content.decode()


def _grow(n):
    mofa = make_org()
    la = _country("LA")
    for i in range(n):
        make_activity(
            lead=mofa,
            kind=[ActivityKind.OUTGOING_VISIT, ActivityKind.CONFERENCE, ActivityKind.RECEPTION][i % 3],
            starts_at=at(2023, 1 + i % 12, 1 + i % 28),
            counterpart_countries=[la] if i % 2 else [],
            country=_country(["FR", "US", "TH", "JP"][i % 4]),
        )


@pytest.mark.parametrize("url", [COUNTS, API_COUNTS])
def test_the_counts_run_the_same_number_of_queries_whatever_the_data(client, world, url):
    _, viewer, _ = world
    client = _signed_in(client, viewer)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url, RANGE).status_code == 200
        return len(ctx.captured_queries)

    queries()  # warm: cached reference lists (the countries' menu) are read once
    few = queries()
    _grow(20)
    assert queries() == few


# --- Warnings ------------------------------------------------------------------------------------

FUTURE = {"from": "2030-03-01", "to": "2030-03-31"}


@pytest.fixture
def booked():
    """A leader (of one activity) who is also a delegation member of another, at the same time."""
    root = make_superuser("root")
    mofa = make_org("Ministry of Foreign Affairs")
    viewer = make_user(org=mofa, role=Role.VIEWER, clearance=Classification.INTERNAL)
    minister = make_person("Bùi Thanh Sơn", owner=mofa)
    talks = make_activity(
        "Talks",
        lead=mofa,
        kind=ActivityKind.TALKS,
        starts_at=at(2030, 3, 10, 9),
        ends_at=at(2030, 3, 10, 12),
        leader=minister,
        leader_rank=LeaderRank.MINISTER,
    )
    reception = make_activity(
        "Reception",
        lead=mofa,
        kind=ActivityKind.RECEPTION,
        starts_at=at(2030, 3, 10, 11),
        ends_at=at(2030, 3, 10, 13),
    )
    hosting = delegations.add_delegation(
        by=root,
        activity=reception,
        data=delegations.DelegationInput(organisation=mofa, side=DelegationSide.HOSTING),
    )
    delegations.add_member(by=root, delegation=hosting, data=delegations.MemberInput(person=minister))
    return root, viewer, mofa, minister, talks, reception


def _kinds(found):
    return [w.kind for w in found]


def test_a_person_in_two_activities_at_once_is_a_warning(booked):
    root, viewer, _, minister, talks, reception = booked
    for user in (root, viewer):
        found = reports.warnings_in_range(user, dt.date(2030, 3, 1), dt.date(2030, 3, 31))
        assert _kinds(found) == [reports.WarningKind.DOUBLE_BOOKED]
        w = found[0]
        assert w.person_id == minister.pk and w.person_name == "Bùi Thanh Sơn"
        assert sorted(w.activity_ids) == sorted([talks.pk, reception.pk])
        assert talks.get_absolute_url() in w.activity_urls
        assert "Bùi Thanh Sơn" in w.message and "Talks" in w.message and "Reception" in w.message
        assert w.person_url == reverse("directory:person-detail", args=[minister.pk])
    # the activity's own page sees the other one
    own = reports.warnings_for_activity(viewer, talks)
    assert [(w.kind, w.activity_ids) for w in own] == [(reports.WarningKind.DOUBLE_BOOKED, [reception.pk])]
    assert [w.activity_ids for w in reports.warnings_for_activity(viewer, reception)] == [[talks.pk]]


def test_no_warning_when_one_is_cancelled_or_the_times_do_not_overlap(booked):
    root, viewer, _, _, talks, reception = booked
    services.transition(by=root, activity=reception, to_status=ActivityStatus.CANCELLED)
    assert reports.warnings_in_range(viewer, dt.date(2030, 3, 1), dt.date(2030, 3, 31)) == []
    assert reports.warnings_for_activity(viewer, talks) == []
    services.transition(by=root, activity=reception, to_status=ActivityStatus.PROPOSED)
    assert len(reports.warnings_in_range(viewer, dt.date(2030, 3, 1), dt.date(2030, 3, 31))) == 1
    reception.refresh_from_db()
    services.update_activity(
        by=root,
        activity=reception,
        version=reception.version,
        changes={"starts_at": at(2030, 3, 10, 12), "ends_at": at(2030, 3, 10, 14)},  # starts as talks end
    )
    assert reports.warnings_in_range(viewer, dt.date(2030, 3, 1), dt.date(2030, 3, 31)) == []
    # and outside the range there is nothing to say
    assert reports.warnings_in_range(root, dt.date(2030, 4, 1), dt.date(2030, 4, 30)) == []


def test_a_long_running_role_clashes_in_every_range_it_covers(booked):
    root, viewer, mofa, minister, talks, _ = booked
    # the minister also leads a programme of several months around the talks
    programme = make_activity(
        "Friendship year",
        lead=mofa,
        starts_at=at(2030, 1, 1, 9),
        ends_at=at(2030, 6, 30, 17),
        leader=minister,
        leader_rank=LeaderRank.MINISTER,
    )
    assert programme.long_running
    found = reports.warnings_in_range(viewer, dt.date(2030, 3, 10), dt.date(2030, 3, 10))
    pairs = {tuple(sorted(w.activity_ids)) for w in found if w.kind == reports.WarningKind.DOUBLE_BOOKED}
    assert tuple(sorted([programme.pk, talks.pk])) in pairs
    assert programme.pk in {i for w in reports.warnings_for_activity(viewer, talks) for i in w.activity_ids}
    own = {i for w in reports.warnings_for_activity(viewer, programme) for i in w.activity_ids}
    assert talks.pk in own
    # a range inside the programme with nothing else in it has nothing to say
    assert reports.warnings_in_range(root, dt.date(2030, 5, 1), dt.date(2030, 5, 31)) == []


def test_a_session_speaker_clashes_only_with_the_sessions_time(booked):
    root, viewer, mofa, minister, _talks, _ = booked
    conference = make_activity(
        "Conference",
        lead=mofa,
        kind=ActivityKind.CONFERENCE,
        starts_at=at(2030, 3, 12, 8),
        ends_at=at(2030, 3, 14, 17),
    )
    session = programme.add_session(
        by=root,
        activity=conference,
        data=programme.SessionInput(starts_at=at(2030, 3, 13, 9), ends_at=at(2030, 3, 13, 10)),
    )
    programme.add_session_person(by=root, session=session, data=programme.SessionPersonInput(person=minister))
    lunch = make_activity(
        "Lunch", lead=mofa, starts_at=at(2030, 3, 13, 12), ends_at=at(2030, 3, 13, 13), leader=minister
    )
    dinner = make_activity(
        "Breakfast", lead=mofa, starts_at=at(2030, 3, 13, 8), ends_at=at(2030, 3, 13, 9, 30), leader=minister
    )
    found = reports.warnings_for_activity(viewer, conference)
    assert [w.activity_ids for w in found] == [[dinner.pk]]
    assert lunch.pk not in {i for w in found for i in w.activity_ids}


def test_hidden_activities_and_people_never_show_in_warnings(booked):
    root, viewer, mofa, minister, _talks, _reception = booked
    other = make_org("Someone else")
    secret = make_activity(
        "Secret dinner",
        lead=other,
        starts_at=at(2030, 3, 20, 19),
        leader=minister,
        classification=Classification.RESTRICTED,
    )
    visible_one = make_activity("Dinner", lead=mofa, starts_at=at(2030, 3, 20, 20), leader=minister)
    hidden_person = make_person("Hidden person", owner=other, classification=Classification.RESTRICTED)
    a1 = make_activity("A1", lead=mofa, starts_at=at(2030, 3, 25, 9), leader=hidden_person)
    make_activity("A2", lead=mofa, starts_at=at(2030, 3, 25, 10), leader=hidden_person)
    for_root = reports.warnings_in_range(root, dt.date(2030, 3, 1), dt.date(2030, 3, 31))
    assert len(for_root) == 3
    for_viewer = reports.warnings_in_range(viewer, dt.date(2030, 3, 1), dt.date(2030, 3, 31))
    assert len(for_viewer) == 1  # only talks × reception
    text = " ".join(w.message for w in for_viewer)
    assert "Secret dinner" not in text and "Hidden person" not in text
    assert reports.warnings_for_activity(viewer, visible_one) == []
    assert reports.warnings_for_activity(viewer, a1) == []
    assert reports.warnings_for_activity(viewer, secret) == []  # not even readable


def test_an_unapproved_delegation_is_not_revealed_to_other_organisations(booked):
    root, _, mofa, _, _, _reception = booked
    lao = make_org("Lao MFA", pillar="foreign", kind="foreign_state_body")
    guest = make_person("Saleumxay Kommasith", owner=lao)
    visit = make_activity(
        "Lao visit", lead=mofa, kind=ActivityKind.INCOMING_VISIT, starts_at=at(2030, 3, 15, 9),
        classification=Classification.PUBLIC,
    )  # fmt: skip
    talks = make_activity(
        "Lao talks", lead=mofa, starts_at=at(2030, 3, 15, 10), classification=Classification.PUBLIC
    )
    for activity in (visit, talks):
        visiting = delegations.add_delegation(
            by=root, activity=activity, data=delegations.DelegationInput(organisation=lao)
        )
        delegations.add_member(by=root, delegation=visiting, data=delegations.MemberInput(person=guest))
    outsider = make_user(org=make_org("VUFO", pillar="people"), role=Role.VIEWER)
    mofa_editor = make_user(org=mofa, role=Role.EDITOR)
    days = (dt.date(2030, 3, 15), dt.date(2030, 3, 15))
    assert [w.person_id for w in reports.warnings_in_range(mofa_editor, *days)] == [guest.pk]
    assert reports.warnings_in_range(outsider, *days) == []


def test_two_high_level_incoming_delegations_in_one_city_on_one_day(booked):
    root, viewer, mofa, _, _, _ = booked
    hanoi, hue = _city("XT-HN", "Hanoi"), _city("XT-HUE", "Hue")
    guests = [make_person(f"Guest {i}", owner=mofa) for i in range(4)]

    def visit(title, start, end, city, guest, **extra):
        return make_activity(
            title,
            lead=mofa,
            kind=ActivityKind.INCOMING_VISIT,
            starts_at=start,
            ends_at=end,
            city=city,
            leader=guest,
            leader_rank=LeaderRank.HEAD_OF_STATE,
            **extra,
        )

    first = visit("First", at(2030, 3, 5, 9), at(2030, 3, 6, 17), hanoi, guests[0])
    # 20:00 UTC on the 6th is 03:00 on the 7th in Hanoi: not the same day as the first visit
    late = visit(
        "Late",
        dt.datetime(2030, 3, 6, 20, tzinfo=dt.UTC),
        dt.datetime(2030, 3, 6, 22, tzinfo=dt.UTC),
        hanoi,
        guests[1],
    )
    second = visit("Second", at(2030, 3, 6, 9), at(2030, 3, 6, 11), hanoi, guests[2])
    visit("In Hue", at(2030, 3, 6, 9), at(2030, 3, 6, 11), hue, guests[3])
    found = reports.warnings_in_range(viewer, dt.date(2030, 3, 1), dt.date(2030, 3, 31))
    crowded = [w for w in found if w.kind == reports.WarningKind.SAME_CITY_DAY]
    assert [(w.activity_ids, w.day) for w in crowded] == [([first.pk, second.pk], dt.date(2030, 3, 6))]
    assert "Hanoi" in crowded[0].message
    assert [w.activity_ids for w in reports.warnings_for_activity(viewer, second)] == [[first.pk]]
    assert reports.warnings_for_activity(viewer, late) == []
    # a postponed visit takes nobody's day
    services.transition(by=root, activity=second, to_status=ActivityStatus.POSTPONED)
    assert not [
        w
        for w in reports.warnings_in_range(viewer, dt.date(2030, 3, 1), dt.date(2030, 3, 31))
        if w.kind == reports.WarningKind.SAME_CITY_DAY
    ]


def test_an_activity_over_but_still_proposed(booked):
    root, viewer, mofa, _, _, _ = booked
    past = make_activity("Forgotten talks", lead=mofa, starts_at=at(2024, 1, 10))
    done = make_activity("Approved talks", lead=mofa, starts_at=at(2024, 1, 11))
    services.transition(by=root, activity=done, to_status=ActivityStatus.APPROVED)
    today = timezone.now().date()
    found = reports.warnings_in_range(viewer, today, today + dt.timedelta(days=90))
    assert [(w.kind, w.activity_ids) for w in found] == [(reports.WarningKind.PAST_PROPOSED, [past.pk])]
    own = reports.warnings_for_activity(viewer, past)
    assert [w.kind for w in own] == [reports.WarningKind.PAST_PROPOSED]
    assert own[0].related == ()
    assert reports.warnings_for_activity(viewer, done) == []


def test_the_warnings_are_capped(booked, monkeypatch):
    _root, viewer, mofa, _, _, _ = booked
    for day in range(1, 4):
        make_activity(lead=mofa, starts_at=at(2024, 1, day))
    monkeypatch.setattr(reports, "MAX_WARNINGS", 2)
    found = reports.warnings_in_range(viewer, dt.date(2030, 3, 1), dt.date(2030, 3, 31))
    assert len(found) == 2
    assert found.capped


def test_the_warnings_page_and_api_agree_and_survive_bad_dates(client, booked):
    _root, viewer, _mofa, _, talks, reception = booked
    client = _signed_in(client, viewer)
    response = client.get(WARNINGS, FUTURE)
    assert response.status_code == 200
    html = response.content.decode()
    assert talks.get_absolute_url() in html and reception.get_absolute_url() in html
    body = json.loads(client.get(API_WARNINGS, FUTURE).content)
    assert body["count"] == len(response.context["warnings"]) == 1
    item = body["items"][0]
    assert item["kind"] == "double_booked"
    assert item["person"]["name"] == "Bùi Thanh Sơn"
    assert sorted(a["id"] for a in item["activities"]) == sorted([talks.pk, reception.pk])
    assert item["message"] == response.context["warnings"][0].message
    for params in (
        {"from": "garbage", "to": "nonsense"},
        {"from": "2030-03-31", "to": "2030-03-01"},
        {"to": "9999-99-99"},
    ):
        assert client.get(WARNINGS, params).status_code == 200
        assert client.get(API_WARNINGS, params).status_code == 200
    long = json.loads(client.get(API_WARNINGS, {"from": "2030-01-01", "to": "2035-01-01"}).content)
    assert long["shortened"] and long["date_to"] == "2031-01-01"
    default = client.get(WARNINGS)
    assert default.context["date_from"] == timezone.now().astimezone(reports.site_zone()).date()
    assert (default.context["date_to"] - default.context["date_from"]).days == 90


def test_the_warnings_page_renders_in_arabic_and_when_empty(client, booked):
    root, *_ = booked
    root.language = "ar"
    root.save()
    client = _signed_in(client, root)
    html = client.get(WARNINGS, FUTURE).content.decode()
    assert 'dir="rtl"' in html
    empty = client.get(WARNINGS, {"from": "2031-01-01", "to": "2031-01-31"})
    assert empty.status_code == 200
    assert empty.context["warnings"] == []


def test_the_activity_page_shows_its_warnings(client, booked):
    _, viewer, _, _, talks, reception = booked
    html = _signed_in(client, viewer).get(talks.get_absolute_url()).content.decode()
    assert "Bùi Thanh Sơn" in html
    assert reception.get_absolute_url() in html


@pytest.mark.parametrize("url", [WARNINGS, API_WARNINGS])
def test_the_warnings_run_the_same_number_of_queries_whatever_the_data(client, booked, url):
    _root, viewer, mofa, _minister, _, _ = booked
    client = _signed_in(client, viewer)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url, FUTURE).status_code == 200
        return len(ctx.captured_queries)

    few = queries()
    hanoi = _city("XT-HN", "Hanoi")
    for day in range(11, 16):
        person = make_person(owner=mofa)
        make_activity(lead=mofa, starts_at=at(2030, 3, day, 9), leader=person)
        make_activity(lead=mofa, starts_at=at(2030, 3, day, 10), leader=person)
        make_activity(
            lead=mofa,
            kind=ActivityKind.INCOMING_VISIT,
            starts_at=at(2030, 3, day, 9),
            city=hanoi,
            leader=make_person(owner=mofa),
            leader_rank=LeaderRank.HEAD_OF_STATE,
        )
        make_activity(
            lead=mofa,
            kind=ActivityKind.RECEPTION,
            starts_at=at(2030, 3, day, 15),
            city=hanoi,
            leader=make_person(owner=mofa),
            leader_rank=LeaderRank.HEAD_OF_GOVERNMENT,
        )
    assert len(reports.warnings_in_range(viewer, dt.date(2030, 3, 1), dt.date(2030, 3, 31))) == 11
    assert queries() == few


def test_anonymous_users_are_sent_to_sign_in(client):
    for url in (COUNTS, WARNINGS):
        assert client.get(url).status_code == 302
    for url in (API_COUNTS, API_WARNINGS):
        assert client.get(url).status_code == 401


def test_filters_of_the_list_and_of_the_counts_are_the_same_thing():
    # the link parameters read back as exactly the filters they came from
    from django.http import QueryDict

    from liaison.activities.calendar import filter_params
    from liaison.activities.selectors import filters_from

    filters = ActivityFilters(
        q="Lào",
        pillar="party",
        kinds=("talks", "meeting"),
        organisation=4,
        country="LA",
        level="high",
        status="approved",
        date_from=dt.date(2021, 1, 1),
        date_to=dt.date(2024, 1, 1),
        group="high_level",
        person=7,
    )
    from urllib.parse import urlencode

    assert filters_from(QueryDict(urlencode(filter_params(filters)))) == filters


@pytest.mark.parametrize(
    ("url", "params", "marker"),
    [
        ("/activities/calendar/", {"view": "week", "date": "2023-03-01"}, "cal-week"),
        (COUNTS, RANGE, "counts-table"),
        (WARNINGS, FUTURE, "warnings-section"),
    ],
)
def test_an_htmx_request_gets_only_the_results(client, world, url, params, marker):
    _, viewer, _ = world
    client = _signed_in(client, viewer)
    response = client.get(url, params, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert marker in html
    assert "<html" not in html and 'class="filters"' not in html


@pytest.mark.parametrize(
    "params",
    [
        {"from": "0001-01-01"},
        {"to": "9999-12-31"},
        {"from": "2023-02-30", "to": "x"},
        {"organisation": "abc", "person": "x", "kind": "zzz", "country": "ZZZ", "pillar": "?", "group": "no"},
        {"format": "xlsx"},
        {"level": "high", "status": "nonsense", "q": "x" * 500},
    ],
)
def test_bad_count_parameters_never_break_the_page_or_the_api(client, world, params):
    _, viewer, _ = world
    client = _signed_in(client, viewer)
    page = client.get(COUNTS, params)
    assert page.status_code == 200
    api = client.get(API_COUNTS, params)
    assert api.status_code == 200
    assert (
        json.loads(api.content)["groups"][0]["total"]["count"] == page.context["counts"].groups[0].total.value
    )

"""The calendar: windows of days, activities on every day they cover, pages and API, query counts."""

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from liaison.activities import calendar, services
from liaison.activities.models import ActivityKind, LeaderRank
from liaison.activities.selectors import ActivityFilters
from liaison.activities.testing import at, make_activity
from liaison.core.access import Role
from liaison.core.models import Classification
from liaison.core.testing import PASSWORD, make_org, make_person, make_superuser, make_user

pytestmark = pytest.mark.django_db

URL = "/activities/calendar/"
API = "/api/activities/calendar"
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def world():
    root = make_superuser("root")
    mofa = make_org("Ministry of Foreign Affairs")
    other = make_org("Another ministry")
    viewer = make_user(org=mofa, role=Role.VIEWER, clearance=Classification.INTERNAL)
    return root, mofa, other, viewer


def _signed_in(client, user):
    client.login(username=user.username, password=PASSWORD)
    client.get("/")  # the first request after sign-in also saves the session
    return client


def _ids_on(result, day):
    return [e.activity.pk for d in result.days if d.day == day for e in d.entries]


# --- Windows -------------------------------------------------------------------------------------


def test_a_month_shows_whole_weeks_from_monday_around_it():
    window = calendar.window_for("month", dt.date(2024, 2, 14))
    assert window.start == dt.date(2024, 1, 29)  # a Monday
    assert window.end == dt.date(2024, 3, 4)  # exclusive: the grid ends on Sunday 3 March
    assert len(window.days) == 35
    assert (window.previous, window.next) == (dt.date(2024, 1, 1), dt.date(2024, 3, 1))
    # December rolls over to January
    december = calendar.window_for("month", dt.date(2023, 12, 31))
    assert december.next == dt.date(2024, 1, 1)
    assert december.previous == dt.date(2023, 11, 1)


def test_a_week_runs_monday_to_sunday_and_the_agenda_from_its_date():
    week = calendar.window_for("week", dt.date(2024, 2, 14))
    assert (week.start, week.last) == (dt.date(2024, 2, 12), dt.date(2024, 2, 18))
    assert (week.previous, week.next) == (dt.date(2024, 2, 7), dt.date(2024, 2, 21))
    agenda = calendar.window_for("agenda", dt.date(2024, 2, 14), days=10)
    assert (agenda.start, agenda.last) == (dt.date(2024, 2, 14), dt.date(2024, 2, 23))
    assert agenda.next == dt.date(2024, 2, 24)


@pytest.mark.parametrize(
    "params",
    [
        {"view": "nonsense", "date": "garbage"},
        {"date": "2024-02-30"},
        {"date": "99999-01-01"},
        {"date": "0001-01-01", "view": "week"},
        {"view": "agenda", "days": "abc"},
        {"view": "agenda", "days": "-5"},
        {"view": ["month", "week"]},
    ],
)
def test_bad_parameters_fall_back_to_sensible_windows(params):
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for key, value in params.items():
        query.setlist(key, value if isinstance(value, list) else [value])
    window = calendar.window_from(query)
    assert window.view in calendar.VIEWS
    assert calendar.FIRST_YEAR <= window.anchor.year <= calendar.LAST_YEAR
    assert 1 <= len(window.days) <= calendar.AGENDA_MAX_DAYS + 7


# --- Activities per day --------------------------------------------------------------------------


def test_an_activity_of_several_days_appears_on_each_day_it_covers(world):
    root, mofa, _, _ = world
    visit = make_activity("Visit", lead=mofa, starts_at=at(2024, 2, 10, 9), ends_at=at(2024, 2, 12, 17))
    midnight = make_activity("Dinner", lead=mofa, starts_at=at(2024, 2, 13, 22), ends_at=at(2024, 2, 14, 0))
    # 23:00 in Paris is 05:00 the next morning in Hanoi (the site's zone)
    paris = make_activity("Paris", lead=mofa, starts_at=dt.datetime(2024, 2, 20, 23, tzinfo=PARIS))
    month = calendar.calendar_for(root, ActivityFilters(), calendar.window_for("month", dt.date(2024, 2, 1)))
    for day in (10, 11, 12):
        assert visit.pk in _ids_on(month, dt.date(2024, 2, day))
    assert visit.pk not in _ids_on(month, dt.date(2024, 2, 13))
    assert midnight.pk in _ids_on(month, dt.date(2024, 2, 13))
    assert midnight.pk not in _ids_on(month, dt.date(2024, 2, 14))
    assert paris.pk in _ids_on(month, dt.date(2024, 2, 21))
    assert paris.pk not in _ids_on(month, dt.date(2024, 2, 20))
    # a week starting in the middle of the visit shows its last day in the top row
    week = calendar.calendar_for(root, ActivityFilters(), calendar.window_for("week", dt.date(2024, 2, 12)))
    monday = week.days[0]
    assert [e.activity.pk for e in monday.spanning] == [visit.pk]
    assert not monday.timed
    assert _ids_on(week, dt.date(2024, 2, 10)) == []  # before the window


def test_a_long_running_programme_shows_in_every_window_it_covers(world):
    root, mofa, _, _ = world
    # four months: far longer than models.LONG_RUNNING, so found apart from the short rows
    programme = make_activity(
        "Friendship year", lead=mofa, starts_at=at(2024, 1, 5, 9), ends_at=at(2024, 5, 5, 17)
    )
    short = make_activity("Talks", lead=mofa, starts_at=at(2024, 3, 1, 9))
    assert programme.long_running and not short.long_running
    for view, day in (
        ("month", dt.date(2024, 3, 1)),
        ("week", dt.date(2024, 4, 1)),
        ("agenda", dt.date(2024, 5, 5)),
    ):
        found = calendar.calendar_for(root, ActivityFilters(), calendar.window_for(view, day))
        assert programme.pk in {a.pk for a in found.activities}, view
    after = calendar.calendar_for(root, ActivityFilters(), calendar.window_for("month", dt.date(2024, 6, 1)))
    assert programme.pk not in {a.pk for a in after.activities}
    # made short again, it is an ordinary row
    services.update_activity(
        by=root, activity=programme, version=programme.version, changes={"ends_at": at(2024, 1, 6, 17)}
    )
    programme.refresh_from_db()
    assert not programme.long_running


def test_a_crowded_day_shows_its_first_activities_and_counts_the_rest(client, world):
    _root, mofa, _, viewer = world
    # six on 5 Feb (one running on into the 6th), one on the 6th
    crowd = [make_activity(f"Meeting {i}", lead=mofa, starts_at=at(2024, 2, 5, 8 + i)) for i in range(5)]
    long = make_activity("Visit", lead=mofa, starts_at=at(2024, 2, 5, 14), ends_at=at(2024, 2, 6, 12))
    next_day = make_activity("Talks", lead=mofa, starts_at=at(2024, 2, 6, 15))
    window = calendar.window_for("month", dt.date(2024, 2, 1))
    month = calendar.calendar_for(viewer, ActivityFilters(kinds=("meeting",)), window, per_day=4)
    fifth = next(d for d in month.days if d.day == dt.date(2024, 2, 5))
    sixth = next(d for d in month.days if d.day == dt.date(2024, 2, 6))
    assert [e.activity.pk for e in fifth.entries] == [a.pk for a in crowd[:4]]  # in order of their start
    assert fifth.more == 2 and "view=agenda&date=2024-02-05&days=1" in fifth.more_url
    assert "kind=meeting" in fifth.more_url  # the day's agenda keeps the filters
    assert [e.activity.pk for e in sixth.entries] == [long.pk, next_day.pk] and sixth.more == 0
    assert month.total == 7 and len(month.activities) == 6
    # the page says so, and the day's agenda lists them all
    client = _signed_in(client, viewer)
    page = client.get(URL, {"view": "month", "date": "2024-02-01"}).content.decode()
    assert "2 more" in page and "7 activities" in page
    assert "Meeting 4" not in page and "Visit" in page
    agenda = client.get(fifth.more_url).content.decode()
    assert all(f"Meeting {i}" in agenda for i in range(5)) and "Visit" in agenda


def test_counting_per_day_places_every_activity_as_loading_them_all_does(world):
    """The month page counts each day's activities without reading them (SQL on PostgreSQL, raw
    rows on SQLite): the same days, entries, flags and "more" as placing every activity."""
    root, mofa, _, _ = world
    for starts, ends in [
        (at(2024, 2, 5, 0, 0), at(2024, 2, 5, 0, 0)),  # an instant at midnight: that day
        (at(2024, 2, 5, 10), at(2024, 2, 7, 0, 0)),  # ends at midnight: not the 7th
        (at(2024, 2, 6, 23, 30), at(2024, 2, 7, 0, 30)),  # over midnight
        (at(2024, 1, 20), at(2024, 2, 2)),  # starts before the window
        (at(2023, 6, 1), at(2024, 6, 1)),  # long-running, over the whole window
        (at(2024, 3, 3, 23), at(2024, 3, 5)),  # runs past the window
        (at(2024, 1, 29, 0, 0), at(2024, 1, 29, 0, 0)),  # an instant as the window starts
        *[(at(2024, 2, 6, 8 + i), at(2024, 2, 6, 9 + i)) for i in range(6)],
    ]:
        make_activity(lead=mofa, starts_at=starts, ends_at=ends)
    window = calendar.window_for("month", dt.date(2024, 2, 1))
    every = calendar.calendar_for(root, ActivityFilters(), window)

    def placed(result):
        return [
            (d.day, [(e.activity.pk, e.starts_here, e.ends_here) for e in d.entries]) for d in result.days
        ]

    wide = calendar.calendar_for(root, ActivityFilters(), window, per_day=100)
    assert placed(wide) == placed(every) and all(d.more == 0 for d in wide.days)
    assert wide.total == every.total == 12 and not wide.capped  # not the instant at the window's start
    assert [a.pk for a in wide.activities] == [a.pk for a in every.activities]
    narrow = calendar.calendar_for(root, ActivityFilters(), window, per_day=2)
    for full, cut in zip(every.days, narrow.days, strict=True):
        assert [e.activity.pk for e in cut.entries] == [e.activity.pk for e in full.entries][:2]
        assert cut.more == max(len(full.entries) - 2, 0)
    capped = calendar.calendar_for(root, ActivityFilters(), window, per_day=2, cap=3)
    assert capped.capped and capped.total == 3


@pytest.mark.parametrize(
    ("starts", "ends", "found"),
    [
        (at(2024, 3, 1, 0), at(2024, 3, 1, 1), True),  # inside
        (at(2024, 2, 1, 0), at(2024, 3, 1, 1), True),  # starts 29 days before, ends inside
        (at(2024, 1, 1, 0), at(2024, 3, 1, 1), True),  # long-running, ends inside
        (at(2023, 1, 1, 0), at(2025, 1, 1, 0), True),  # long-running, covers the whole window
        (at(2024, 2, 1, 0), at(2024, 3, 1, 0), False),  # ends as the window starts
        (at(2024, 3, 8, 0), at(2024, 3, 9, 0), False),  # starts as the window ends
        (at(2023, 1, 1, 0), at(2024, 2, 28, 0), False),  # long-running, over before
    ],
)
def test_overlap_is_exact_at_its_edges_for_short_and_long_rows(world, starts, ends, found):
    from liaison.activities.models import Activity, overlap_q

    _root, mofa, _, _ = world
    activity = make_activity(lead=mofa, starts_at=starts, ends_at=ends)
    window = (at(2024, 3, 1, 0), at(2024, 3, 8, 0))
    assert Activity.objects.filter(overlap_q(Activity, *window), pk=activity.pk).exists() is found


def test_the_list_dates_do_not_narrow_the_window_but_other_filters_do(world):
    root, mofa, _, _ = world
    talks = make_activity("Talks", lead=mofa, kind=ActivityKind.TALKS, starts_at=at(2024, 2, 5))
    meeting = make_activity("Meeting", lead=mofa, kind=ActivityKind.MEETING, starts_at=at(2024, 2, 6))
    filters = ActivityFilters(kinds=(ActivityKind.TALKS,), date_from=dt.date(2030, 1, 1))
    result = calendar.calendar_for(root, filters, calendar.window_for("month", dt.date(2024, 2, 1)))
    ids = [a.pk for a in result.activities]
    assert ids == [talks.pk]
    assert meeting.pk not in ids


def test_a_dense_window_stops_at_the_cap_and_links_to_the_list(world):
    root, mofa, _, _ = world
    for day in range(1, 5):
        make_activity(lead=mofa, starts_at=at(2024, 2, day))
    window = calendar.window_for("month", dt.date(2024, 2, 1))
    result = calendar.calendar_for(root, ActivityFilters(pillar="state"), window, cap=3)
    assert result.capped
    assert len(result.activities) == 3
    assert result.more_url.startswith(reverse("activities:activity-list") + "?")
    assert "pillar=state" in result.more_url
    assert "from=2024-01-29" in result.more_url and "to=2024-03-03" in result.more_url
    assert not calendar.calendar_for(root, ActivityFilters(), window, cap=4).capped


# --- Pages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("view", ["month", "week", "agenda"])
@pytest.mark.parametrize(("language", "direction"), [("en", "ltr"), ("ar", "rtl"), ("vi", "ltr")])
def test_every_view_renders_in_each_language(client, world, view, language, direction):
    root, mofa, _, _ = world
    leader = make_person("Võ Văn Thưởng", owner=mofa)
    visit = make_activity(
        "State visit",
        lead=mofa,
        kind=ActivityKind.INCOMING_VISIT,
        starts_at=at(2024, 2, 12, 9),
        ends_at=at(2024, 2, 14, 12),
        leader=leader,
        leader_rank=LeaderRank.HEAD_OF_STATE,
        title_ar="زيارة دولة",
    )
    talks = make_activity("Talks", lead=mofa, kind=ActivityKind.TALKS, starts_at=at(2024, 2, 13, 15))
    root.language = language
    root.save()
    response = _signed_in(client, root).get(URL, {"view": view, "date": "2024-02-12"})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'dir="{direction}"' in html
    assert visit.get_absolute_url() in html
    assert talks.get_absolute_url() in html
    assert ("زيارة دولة" if language == "ar" else "State visit") in html
    assert "badge-high" in html
    assert "status-proposed" in html
    assert 'rel="prev"' in html and 'rel="next"' in html
    assert "style=" not in html and "<script>" not in html


def test_the_navigation_keeps_the_view_and_filters(client, world):
    root, _mofa, _, _ = world
    response = _signed_in(client, root).get(URL, {"view": "week", "date": "2024-02-14", "pillar": "state"})
    html = response.content.decode()
    assert "?view=week&amp;date=2024-02-07&amp;pillar=state" in html
    assert "?view=week&amp;date=2024-02-21&amp;pillar=state" in html
    assert "?view=agenda&amp;date=2024-02-14&amp;pillar=state" in html


def test_the_agenda_lists_busy_days_and_says_when_there_is_nothing(client, world):
    root, mofa, _, _ = world
    make_activity("Talks in Hanoi", lead=mofa, starts_at=at(2024, 2, 15, 9))
    client = _signed_in(client, root)
    html = client.get(URL, {"view": "agenda", "date": "2024-02-14", "days": "7"}).content.decode()
    assert "Talks in Hanoi" in html
    assert html.count("cal-agenda-day") == 1
    empty = client.get(URL, {"view": "agenda", "date": "2030-02-14"}).content.decode()
    assert "No activities on these days." in empty


def test_hidden_activities_never_appear_and_embargoed_ones_are_marked_for_insiders(client, world):
    root, mofa, other, viewer = world
    mine = make_activity("Mine", lead=mofa, starts_at=at(2024, 2, 5))
    restricted = make_activity(
        "Secret talks", lead=other, starts_at=at(2024, 2, 6), classification=Classification.RESTRICTED
    )
    ends = timezone.now() + dt.timedelta(days=30)
    embargoed = make_activity(
        "Embargoed visit",
        lead=other,
        starts_at=ends - dt.timedelta(hours=3),
        ends_at=ends,
        embargo_until=ends - dt.timedelta(hours=4),
    )
    html = _signed_in(client, viewer).get(URL, {"date": "2024-02-01"}).content.decode()
    assert mine.get_absolute_url() in html
    assert restricted.get_absolute_url() not in html and "Secret talks" not in html
    month = {"date": calendar.local_day(ends).isoformat()}
    assert "Embargoed visit" not in client.get(URL, month).content.decode()
    client.logout()
    html = _signed_in(client, root).get(URL, month).content.decode()
    assert embargoed.get_absolute_url() in html
    assert "Embargoed" in html and "badge-restricted" in html


@pytest.mark.parametrize(
    "query",
    [
        "?view=nonsense&date=garbage",
        "?date=2024-13-45",
        "?view=week&date=0001-01-01",
        "?view=agenda&days=100000",
        "?date=2200-12-31",
        "?kind=bogus&pillar=nope&organisation=x&person=y&country=ZZZ",
    ],
)
def test_bad_parameters_never_break_the_page_or_the_api(client, world, query):
    root, _, _, _ = world
    client = _signed_in(client, root)
    assert client.get(URL + query).status_code == 200
    assert client.get(API + query).status_code == 200


def test_anonymous_users_are_sent_to_sign_in(client):
    assert client.get(URL).status_code == 302
    assert client.get(API).status_code == 401


def _grow(mofa, n, start):
    leader = make_person(owner=mofa)
    for i in range(n):
        make_activity(
            lead=mofa,
            starts_at=at(2024, 2, start + i % 20, 8 + i % 10),
            ends_at=at(2024, 2, start + i % 20 + 1, 8),
            leader=leader if i % 2 else None,
            leader_rank=LeaderRank.MINISTER,
        )


def _queries(client, url, params):
    client.get(url, params)  # warm: cached reference lists (the countries' menu) are read once
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("view", ["month", "week", "agenda"])
@pytest.mark.parametrize("url", [URL, API])
def test_the_number_of_queries_does_not_grow_with_the_activities(client, world, view, url):
    _, mofa, _, viewer = world
    client = _signed_in(client, viewer)
    params = {"view": view, "date": "2024-02-05", "days": "30"}  # _grow's activities are in every window
    _grow(mofa, 3, 5)
    few = _queries(client, url, params)
    _grow(mofa, 30, 2)
    many = _queries(client, url, params)
    assert few == many


def test_the_api_shows_what_the_page_shows(client, world):
    root, mofa, _, _ = world
    visit = make_activity("Visit", lead=mofa, starts_at=at(2024, 2, 10, 9), ends_at=at(2024, 2, 12, 17))
    make_activity("Talks", lead=mofa, kind=ActivityKind.TALKS, starts_at=at(2024, 2, 13, 15))
    client = _signed_in(client, root)
    params = {"view": "month", "date": "2024-02-01", "kind": "meeting"}
    page = client.get(URL, params)
    body = json.loads(client.get(API, params).content)
    cal = page.context["cal"]
    assert [a["id"] for a in body["activities"]] == [a.pk for a in cal.activities] == [visit.pk]
    assert body["count"] == 1
    assert (body["start"], body["end"]) == ("2024-01-29", "2024-03-03")
    days = {d["date"]: d["activities"] for d in body["days"]}
    assert days["2024-02-11"] == [visit.pk]
    assert days["2024-02-13"] == []
    assert body["activities"][0]["url"] == visit.get_absolute_url()

"""Calendar feeds: secret addresses, what they serve (and to whom), and the iCalendar they write."""

import datetime as dt
import hashlib
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from liaison.activities import feeds
from liaison.activities.models import ActivityStatus, CalendarFeed
from liaison.activities.testing import at, make_activity
from liaison.core.models import Classification
from liaison.core.testing import PASSWORD, make_org, make_superuser, make_user
from liaison.directory.models import Country

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def world(time_machine):
    time_machine.move_to(at(2024, 3, 1))
    make_superuser("root")
    mofa = make_org("Ministry of Foreign Affairs")
    vufo = make_org("VUFO", pillar="people", kind="union")
    return mofa, vufo


def _fetch(client, token, **headers):
    return client.get(reverse("activities:feed", args=[token]), headers=headers)


def _calendar(response):
    assert response.status_code == 200, response.content[:300]
    return icalendar.Calendar.from_ical(response.content)


def _events(response):
    return {str(e["UID"]): e for e in _calendar(response).walk("VEVENT")}


def _uid(activity):
    return f"activity-{activity.pk}@testserver"


def _feed_for(user, organisation=None, label=""):
    return feeds.create_feed(by=user, label=label, organisation=organisation).token


# --- The calendar ------------------------------------------------------------------------------


def test_a_feed_is_an_icalendar_with_each_activity_at_its_instant_and_in_its_zone(client, world):
    # given a member of the ministry, an activity in Hanoi and one in Paris
    mofa, _ = world
    user = make_user(org=mofa)
    hanoi = make_activity(
        "Talks in Hanoi",
        lead=mofa,
        starts_at=at(2024, 3, 10, 9),
        ends_at=at(2024, 3, 10, 11, 30),
        venue="Government Guest House",
        country=Country.objects.get(code="VN"),
    )
    paris = make_activity(
        "Talks in Paris",
        lead=mofa,
        starts_at=dt.datetime(2024, 3, 12, 14, 0, tzinfo=PARIS),
        ends_at=dt.datetime(2024, 3, 12, 16, 0, tzinfo=PARIS),
        time_zone="Europe/Paris",
        summary_en="Political consultations; second round, with a dinner.",
    )
    token = _feed_for(user)
    # when the feed is fetched, without signing in
    response = _fetch(client, token)
    hanoi.refresh_from_db()
    # then it is an iCalendar a client accepts
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, max-age=300"
    assert response["ETag"]
    assert all(len(line) <= 75 for line in response.content.split(b"\r\n"))
    calendar = _calendar(response)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["PRODID"]) == feeds.PRODID
    assert "My activities" in str(calendar["X-WR-CALNAME"])
    events = _events(response)
    assert set(events) == {_uid(hanoi), _uid(paris)}
    # and each event starts and ends at the same instant, labelled with its own zone
    event = events[_uid(paris)]
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    assert event.decoded("DTSTART") == dt.datetime(2024, 3, 12, 13, 0, tzinfo=dt.UTC)
    assert event.decoded("DTEND") == dt.datetime(2024, 3, 12, 15, 0, tzinfo=dt.UTC)
    event = events[_uid(hanoi)]
    assert event["DTSTART"].params["TZID"] == "Asia/Ho_Chi_Minh"
    assert event.decoded("DTSTART") == dt.datetime(2024, 3, 10, 2, 0, tzinfo=dt.UTC)
    assert event.decoded("DTEND") == dt.datetime(2024, 3, 10, 4, 30, tzinfo=dt.UTC)
    # and every zone used has its VTIMEZONE
    zones = {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")}
    assert zones == {"Asia/Ho_Chi_Minh", "Europe/Paris"}
    # and the event says what, where, how sure and where to read more
    assert str(event["SUMMARY"]) == "Talks in Hanoi"
    assert str(event["LOCATION"]) == "Government Guest House, Vietnam"
    assert str(event["STATUS"]) == "TENTATIVE"
    assert int(event["SEQUENCE"]) == hanoi.version
    assert str(event["URL"]) == f"http://testserver/activities/{hanoi.pk}/"
    assert event.decoded("LAST-MODIFIED") == hanoi.updated_at.replace(microsecond=0)
    assert "DTSTAMP" in event
    assert [str(c) for c in event.categories] == ["Meeting", "State diplomacy"]
    description = str(events[_uid(paris)]["DESCRIPTION"])
    assert "Political consultations; second round, with a dinner." in description
    assert "Ministry of Foreign Affairs" in description
    assert f"/activities/{paris.pk}/" in description


def test_a_feed_speaks_its_users_language_and_maps_the_status(client, world):
    # given a member who reads Vietnamese, and an approved and a cancelled activity
    mofa, _ = world
    user = make_user(org=mofa, language="vi")
    approved = make_activity("Talks", title_vi="Hội đàm", lead=mofa, starts_at=at(2024, 4, 2))
    cancelled = make_activity("Reception", lead=mofa, starts_at=at(2024, 4, 3))
    root = make_superuser("r2")
    from liaison.activities import services

    services.transition(by=root, activity=approved, to_status=ActivityStatus.APPROVED)
    services.transition(by=root, activity=cancelled, to_status=ActivityStatus.CANCELLED)
    # when their feed is fetched
    events = _events(_fetch(client, _feed_for(user)))
    # then titles are in Vietnamese where there is one, and statuses are iCalendar's
    assert str(events[_uid(approved)]["SUMMARY"]) == "Hội đàm"
    assert str(events[_uid(approved)]["STATUS"]) == "CONFIRMED"
    assert str(events[_uid(cancelled)]["SUMMARY"]) == "Reception"
    assert str(events[_uid(cancelled)]["STATUS"]) == "CANCELLED"
    assert int(events[_uid(approved)]["SEQUENCE"]) == 2


def test_a_long_arabic_title_is_folded_without_breaking_a_character(client, world):
    # given an activity with a long Arabic title and a reader of Arabic
    mofa, _ = world
    user = make_user(org=mofa, language="ar")
    title = "محادثات بين وزارة الخارجية ووفد جمهورية مصر العربية حول التعاون الاقتصادي والثقافي"
    activity = make_activity("Talks", title_ar=title, lead=mofa, starts_at=at(2024, 5, 1))
    # when the feed is fetched
    response = _fetch(client, _feed_for(user))
    # then every line holds at most 75 octets, and the title reads back whole
    assert all(len(line) <= 75 for line in response.content.split(b"\r\n"))
    assert str(_events(response)[_uid(activity)]["SUMMARY"]) == title


def test_shared_text_is_written_as_each_event_alone_would_write_it(client, world):
    """The feed writes what events share (titles, summaries, facts, places) once and escapes the
    description piece by piece: the lines must be those of the whole text, escaped and folded."""
    # given a reader of Vietnamese, and activities that share their texts, which need escaping
    # (a CR before the line break that follows, commas, semicolons, a backslash, a control
    # character), run long, and fall back to English where Vietnamese is blank
    mofa, _ = world
    user = make_user(org=mofa, language="vi")
    vietnam = Country.objects.get(code="VN")
    summaries = [
        "Hai bên trao đổi, thống nhất; ký kết \\ biên bản\r",
        "Line one\r\nline two\x07, end",
        "Hợp tác kinh tế và văn hoá " * 6,
        "",
    ]
    made = [
        make_activity(
            "Talks, round; two",
            title_vi="" if i % 3 else "Hội đàm về hợp tác kinh tế, văn hoá và giáo dục giữa hai nước",
            summary_en=summary if i % 2 else "",
            summary_vi=summary if not i % 2 else "",
            venue="Hall 1; floor 2" if i % 4 else "",
            country=vietnam,
            lead=mofa,
            starts_at=at(2024, 5, 1 + i, 9),
        )
        for i, summary in enumerate(summaries * 3)
    ]
    # when their feed is fetched
    response = _fetch(client, _feed_for(user))
    body = response.content.decode()
    assert all(len(line) <= 75 for line in response.content.split(b"\r\n"))
    # then each event's lines are those of its own text, escaped and folded whole
    lead = feeds.organisation_names(user, [mofa.pk], "vi")[mofa.pk]
    with translation.override("vi"):
        for a in made:
            summary = a.summary_in("vi")
            facts = (
                f"{gettext('Kind')}: {a.get_kind_display()}\n{gettext('Status')}: {a.get_status_display()}\n"
                f"{gettext('Lead organisation')}: {lead}\nhttp://testserver/activities/{a.pk}/"
            )
            description = f"{summary}\n\n{facts}" if summary else facts
            location = ", ".join(p for p in (a.venue, vietnam.name_in("vi")) if p)
            for line in (
                feeds.fold("SUMMARY:" + feeds.escape_text(a.title_in("vi"))),
                feeds.fold("DESCRIPTION:" + feeds.escape_text(description)),
                feeds.fold("LOCATION:" + feeds.escape_text(location)),
            ):
                assert f"\r\n{line}\r\n" in body
    # and the CR before a line break is one line break, as an iCalendar reader reads it
    first = str(_events(response)[_uid(made[0])]["DESCRIPTION"])
    assert first.startswith("Hai bên trao đổi, thống nhất; ký kết \\ biên bản\n\n")


def test_a_feed_does_not_name_a_lead_organisation_its_user_may_not_read(client, world):
    # given a public activity led by a restricted unit of another tree
    mofa, vufo = world
    secret = make_org("Secret unit", parent=vufo, classification=Classification.RESTRICTED)
    activity = make_activity(
        "Open event", lead=secret, classification=Classification.PUBLIC, starts_at=at(2024, 5, 1)
    )
    user = make_user(org=mofa, clearance=Classification.RESTRICTED)
    # when a member of the ministry fetches their feed
    response = _fetch(client, _feed_for(user))
    # then the activity is there, but not the unit's name
    assert _uid(activity) in _events(response)
    assert b"Secret unit" not in response.content


def test_an_empty_feed_is_still_a_calendar(client, world):
    mofa, _ = world
    user = make_user(org=mofa)
    calendar = _calendar(_fetch(client, _feed_for(user)))
    assert calendar.walk("VEVENT") == []
    assert str(calendar["VERSION"]) == "2.0"


# --- What a feed serves, and to whom ------------------------------------------------------------


def test_an_embargoed_activity_reaches_outsiders_feeds_only_once_the_embargo_lifts(
    client, world, time_machine
):
    # given an activity embargoed until the day before it, and a feed for a member of the ministry
    # and one for a member of another organisation
    mofa, vufo = world
    time_machine.move_to(at(2023, 11, 1))
    insider = make_user(org=mofa)
    outsider = make_user(org=vufo)
    activity = make_activity(
        "Visit",
        lead=mofa,
        starts_at=at(2023, 12, 19),
        ends_at=at(2023, 12, 20),
        embargo_until=at(2023, 12, 18),
        classification=Classification.PUBLIC,
    )
    inside, outside = _feed_for(insider), _feed_for(outsider)
    # when both are fetched before the embargo lifts
    # then only the ministry's member sees it
    assert _uid(activity) in _events(_fetch(client, inside))
    assert _uid(activity) not in _events(_fetch(client, outside))
    # and once it lifts, both do
    time_machine.move_to(at(2023, 12, 18, 9, 1))
    assert _uid(activity) in _events(_fetch(client, outside))
    assert _uid(activity) in _events(_fetch(client, inside))


def test_an_organisations_feed_serves_what_it_and_its_units_lead_or_co_organise(client, world):
    # given a unit of the ministry, and activities led by it, co-organised by the ministry, and
    # led by another organisation alone
    mofa, vufo = world
    unit = make_org("Department of Consular Affairs", parent=mofa, kind="department")
    by_unit = make_activity("Consular talks", lead=unit, starts_at=at(2024, 5, 1))
    co = make_activity("Friendship forum", lead=vufo, co_organisers=[mofa], starts_at=at(2024, 5, 2))
    other = make_activity("Union meeting", lead=vufo, starts_at=at(2024, 5, 3))
    user = make_user(org=mofa)
    # when the member's feed of the ministry is fetched
    response = _fetch(client, _feed_for(user, organisation=mofa))
    # then it holds the first two only, and is named after the ministry
    assert set(_events(response)) == {_uid(by_unit), _uid(co)}
    assert "Ministry of Foreign Affairs" in str(_calendar(response)["X-WR-CALNAME"])
    # while their own feed holds all three
    assert _uid(other) in _events(_fetch(client, _feed_for(user)))


def test_a_restricted_activity_is_only_in_the_feeds_of_those_who_may_read_it(client, world):
    mofa, vufo = world
    secret = make_activity(
        "Closed talks", lead=mofa, classification=Classification.RESTRICTED, starts_at=at(2024, 5, 1)
    )
    cleared = make_user(org=mofa, clearance=Classification.RESTRICTED)
    other = make_user(org=vufo, clearance=Classification.RESTRICTED)
    assert _uid(secret) in _events(_fetch(client, _feed_for(cleared)))
    assert _uid(secret) not in _events(_fetch(client, _feed_for(other)))


def test_the_window_is_a_year_back_to_two_ahead_and_can_be_moved_within_limits(client, world):
    # given activities 13 months back, 23 months ahead, 25 months ahead and 4 years ahead
    mofa, _ = world
    user = make_user(org=mofa)
    old = make_activity("Old", lead=mofa, starts_at=at(2023, 2, 1))
    soon = make_activity("Soon", lead=mofa, starts_at=at(2026, 2, 1))
    later = make_activity("Later", lead=mofa, starts_at=at(2026, 4, 1))
    far = make_activity("Far", lead=mofa, starts_at=at(2028, 3, 1))
    token = _feed_for(user)
    url = reverse("activities:feed", args=[token])
    # when the feed is fetched plainly, with a window, and with a window beyond the limits
    plain = set(_events(client.get(url)))
    moved = set(_events(client.get(url, {"from": "2023-01-01", "to": "2026-03-01"})))
    too_far = set(_events(client.get(url, {"from": "2000-01-01", "to": "2040-01-01"})))
    unreadable = set(_events(client.get(url, {"from": "yesterday", "to": "2024-13-45"})))
    # then each holds what its window allows
    assert plain == {_uid(soon)}
    assert moved == {_uid(old), _uid(soon)}
    assert too_far == {_uid(old), _uid(soon), _uid(later), _uid(far)}
    assert unreadable == plain
    # and the window's limits are five years either way
    window = feeds.window_from({"from": "2000-01-01", "to": "2040-01-01"}, today=dt.date(2024, 3, 1))
    assert window.first == dt.date(2024, 3, 1) - dt.timedelta(days=feeds.MAX_DAYS_BACK)
    assert window.last == dt.date(2024, 3, 1) + dt.timedelta(days=feeds.MAX_DAYS_AHEAD)


def test_a_feed_takes_a_fixed_number_of_queries_whatever_its_size(
    client, world, django_assert_max_num_queries
):
    mofa, vufo = world
    user = make_user(org=mofa)
    token = _feed_for(user, organisation=mofa)
    for i in range(3):
        make_activity(lead=mofa if i % 2 else vufo, co_organisers=[mofa], starts_at=at(2024, 5, 1 + i))
    with django_assert_max_num_queries(9) as few:
        assert len(_events(_fetch(client, token))) == 3
    for i in range(12):
        make_activity(lead=mofa, starts_at=at(2024, 6, 1 + i), time_zone="Europe/Paris")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(_events(_fetch(client, token))) == 15


# --- Tokens, revocation, caching ------------------------------------------------------------------


def test_only_the_tokens_hash_is_kept_and_the_address_is_shown_once(client, world):
    # given a signed-in member of the ministry
    mofa, _ = world
    user = make_user(org=mofa)
    client.login(username=user.username, password=PASSWORD)
    # when they make a feed of the ministry
    response = client.post(reverse("activities:feed-list"), {"label": "Phone", "organisation": mofa.pk})
    # then the page shows the address once, with a warning that it is a secret
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    url = response.context["new_url"]
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert url.startswith("http://testserver/activities/feeds/")
    assert url in response.content.decode()
    assert "secret" in response.content.decode()
    # and only the token's hash is stored
    feed = CalendarFeed.objects.get(user=user)
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert feed.label == "Phone"
    assert feed.organisation == mofa
    assert not CalendarFeed.objects.filter(token_hash=token).exists()
    # and the list page later shows the feed but not its address
    page = client.get(reverse("activities:feed-list")).content.decode()
    assert "Phone" in page
    assert token not in page
    # and the address works without signing in
    client.logout()
    assert _fetch(client, token).status_code == 200


def test_a_feed_cannot_be_made_for_an_organisation_one_does_not_belong_to(client, world):
    # given a member of the ministry
    mofa, vufo = world
    user = make_user(org=mofa)
    client.login(username=user.username, password=PASSWORD)
    # when they ask for a feed of another organisation
    response = client.post(reverse("activities:feed-list"), {"organisation": vufo.pk})
    # then the form says so on the field, and nothing is made
    assert response.status_code == 400
    assert response.context["form"].errors["organisation"] == [
        "You may only make a feed for an organisation you belong to."
    ]
    assert not CalendarFeed.objects.exists()
    # and the service refuses it too
    with pytest.raises(ValidationError) as excinfo:
        feeds.create_feed(by=user, organisation=vufo)
    assert "organisation" in excinfo.value.message_dict


def test_the_form_offers_only_ones_own_organisations(client, world):
    mofa, _ = world
    user = make_user(org=mofa)
    client.login(username=user.username, password=PASSWORD)
    response = client.get(reverse("activities:feed-list"))
    assert response.status_code == 200
    assert list(response.context["form"].fields["organisation"].queryset) == [mofa]
    assert "You have no calendar feeds yet." in response.content.decode()


def test_a_label_too_long_is_refused_on_its_field(client, world):
    mofa, _ = world
    user = make_user(org=mofa)
    client.login(username=user.username, password=PASSWORD)
    response = client.post(reverse("activities:feed-list"), {"label": "x" * 101})
    assert response.status_code == 400
    assert "label" in response.context["form"].errors
    assert not CalendarFeed.objects.exists()


def test_a_user_has_at_most_so_many_feeds(world):
    mofa, _ = world
    user = make_user(org=mofa)
    for _ in range(feeds.MAX_FEEDS_PER_USER):
        feeds.create_feed(by=user)
    with pytest.raises(ValidationError):
        feeds.create_feed(by=user)
    assert CalendarFeed.objects.filter(user=user).count() == feeds.MAX_FEEDS_PER_USER


def test_a_revoked_token_answers_404(client, world):
    # given a feed that works
    mofa, _ = world
    user = make_user(org=mofa)
    token = _feed_for(user)
    assert _fetch(client, token).status_code == 200
    feed = CalendarFeed.objects.get(user=user)
    # when its owner revokes it
    client.login(username=user.username, password=PASSWORD)
    response = client.post(reverse("activities:feed-revoke", args=[feed.pk]))
    assert response.status_code == 302
    client.logout()
    # then its address answers 404
    assert _fetch(client, token).status_code == 404
    assert not CalendarFeed.objects.exists()


def test_nobody_else_may_revoke_a_feed_and_revoking_takes_a_post(client, world):
    mofa, _ = world
    owner, other = make_user(org=mofa), make_user(org=mofa)
    token = _feed_for(owner)
    feed = CalendarFeed.objects.get(user=owner)
    client.login(username=other.username, password=PASSWORD)
    assert client.post(reverse("activities:feed-revoke", args=[feed.pk])).status_code == 404
    assert client.post(reverse("activities:feed-revoke", args=[999_999])).status_code == 404
    client.login(username=owner.username, password=PASSWORD)
    assert client.get(reverse("activities:feed-revoke", args=[feed.pk])).status_code == 405
    client.logout()
    assert _fetch(client, token).status_code == 200


def test_unknown_tokens_and_inactive_users_feeds_answer_404(client, world):
    mofa, _ = world
    user = make_user(org=mofa)
    token = _feed_for(user)
    assert _fetch(client, "x" * 43).status_code == 404
    assert _fetch(client, token[:-1] + ("A" if token[-1] != "A" else "B")).status_code == 404
    assert _fetch(client, "short").status_code == 404
    user.is_active = False
    user.save()
    assert _fetch(client, token).status_code == 404


def test_an_unchanged_feed_answers_304_to_its_etag_and_a_change_gives_a_new_one(client, world):
    # given a feed fetched once
    mofa, _ = world
    user = make_user(org=mofa)
    activity = make_activity("Talks", lead=mofa, starts_at=at(2024, 5, 1))
    token = _feed_for(user)
    first = _fetch(client, token)
    etag = first["ETag"]
    # when it is fetched again with its ETag
    again = _fetch(client, token, If_None_Match=etag)
    # then it answers 304 with no body, and the same validators
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert again["Cache-Control"] == "private, max-age=300"
    # and after the activity changes, the whole calendar again, with a new ETag
    from liaison.activities import services

    services.update_activity(
        by=make_superuser("r3"), activity=activity, version=activity.version, changes={"venue": "Hall"}
    )
    changed = _fetch(client, token, If_None_Match=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert str(_events(changed)[_uid(activity)]["LOCATION"]) == "Hall"


def test_last_used_is_written_at_most_once_an_hour(client, world, time_machine):
    mofa, _ = world
    user = make_user(org=mofa)
    token = _feed_for(user)
    _fetch(client, token)
    first = CalendarFeed.objects.get(user=user).last_used_at
    assert first is not None
    time_machine.shift(dt.timedelta(minutes=30))
    _fetch(client, token)
    assert CalendarFeed.objects.get(user=user).last_used_at == first
    time_machine.shift(dt.timedelta(minutes=31))
    _fetch(client, token)
    assert CalendarFeed.objects.get(user=user).last_used_at > first


def test_the_feeds_page_needs_a_sign_in_but_the_feed_does_not(client, world):
    mofa, _ = world
    token = _feed_for(make_user(org=mofa))
    response = client.get(reverse("activities:feed-list"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/sign-in/")
    assert _fetch(client, token).status_code == 200


def test_the_feeds_page_renders_in_arabic(client, world):
    mofa, _ = world
    user = make_user(org=mofa, language="ar")
    _feed_for(user, organisation=mofa, label="هاتف")
    client.login(username=user.username, password=PASSWORD)
    response = client.get(reverse("activities:feed-list"))
    assert response.status_code == 200
    assert 'dir="rtl"' in response.content.decode()
    assert "هاتف" in response.content.decode()

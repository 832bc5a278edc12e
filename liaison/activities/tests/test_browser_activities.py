"""The issue's "done when" walk for activities, in a real browser on the demo data.

A MOFA editor records an incoming high-level visit with an embargo and its delegations; the
double-booked minister's warning fires; a VUFO user cannot see the visit until the embargo lifts;
the ICS feed parses with the right times; the counts for 2021–2023 equal the lists behind them.
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.request
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from liaison.core.tests.browser import DEMO_PASSWORD, make_demo_directory, shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
MINISTER = re.compile("B[uù]i Thanh S[oơ]n")
TITLE = "State visit of the President of the Lao PDR (browser test)"


def _pick(page, field_id: str, query: str, choice: str | re.Pattern[str]) -> None:
    """Type into an autocomplete box and click the suggestion containing `choice`."""
    box = page.locator(f"#{field_id}_search")
    option = box.locator("xpath=..").locator(".autocomplete-results button", has_text=choice).first
    for _attempt in range(3):
        box.fill("")  # a prefilled box would not fire "input" for the same text
        box.fill(query)
        try:
            option.wait_for(timeout=5_000)
            break
        except PlaywrightTimeout:
            continue
    option.click()
    expect(page.locator(f"#{field_id}")).not_to_have_value("")


def _day() -> dt.date:
    """The visit's first day: a hundred days from now (real time; the clock only moves forward)."""
    return (dt.datetime.now(HANOI) + dt.timedelta(days=100)).date()


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=HANOI)


def _world():
    from liaison.activities.demo import load_demo
    from liaison.activities.testing import make_activity
    from liaison.core.models import Classification
    from liaison.core.testing import make_org, make_person
    from liaison.directory.models import Organisation, Person

    users = make_demo_directory()
    load_demo(by=users["admin"])
    mofa = Organisation.objects.get(external_key="seed:mofa")
    minister = Person.objects.get(external_key="seed:bui-thanh-son")
    lao = make_org("Presidency of the Lao PDR (browser test)", pillar="foreign", kind="foreign_state_body")
    president = make_person("Thongloun Sisoulith", owner=lao)
    # The minister already leads talks that overlap the visit: the warning must fire.
    make_activity(
        "Talks with ASEAN partners (browser test)",
        lead=mofa,
        leader=minister,
        starts_at=_at(_day(), 9),
        ends_at=_at(_day(), 12),
        classification=Classification.PUBLIC,
    )
    return users, lao, president


def test_mofa_records_an_embargoed_high_level_visit_that_vufo_sees_only_after_the_embargo(
    page, console, fast_passwords, live_server, time_machine
):
    day = _day()
    _users, _lao, _president = _world()
    from django.urls import reverse

    from liaison.activities.models import Activity, Delegation

    # A MOFA editor records the visit.
    sign_in(page, "mofa.editor", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/activities/new/")
    page.select_option("#id_kind", "incoming_visit")
    page.fill("#id_title_en", TITLE)
    _pick(page, "id_lead_organisation", "Ministry of Foreign Affairs", "Ministry of Foreign Affairs")
    _pick(page, "id_leader", "Thongloun", "Thongloun")
    page.select_option("#id_leader_rank", "head_of_state")
    page.fill("#id_starts_at", f"{day.isoformat()}T08:00")
    page.fill("#id_ends_at", f"{(day + dt.timedelta(days=1)).isoformat()}T17:00")
    page.select_option("#id_classification", "0")
    page.fill("#id_embargo_until", f"{(day - dt.timedelta(days=1)).isoformat()}T12:00")
    shot(page, "activities-01-form")
    with page.expect_navigation():
        page.locator("form.record-form button[type=submit]").click()
    activity = Activity.objects.get(title_en=TITLE)
    assert page.url.endswith(activity.get_absolute_url())
    expect(page.locator(".badges")).to_contain_text("High-level")
    expect(page.locator(".badges")).to_contain_text("Embargoed until")

    # Its visiting delegation (headed by the president) and its hosting side (the minister).
    for side, org_query, org_name, person_query, person_name in (
        ("visiting", "Presidency of the Lao", "Presidency of the Lao PDR", "Thongloun", "Thongloun"),
        ("hosting", "Ministry of Foreign Affairs", "Ministry of Foreign Affairs", "Bui Thanh Son", MINISTER),
    ):
        page.get_by_role("link", name="Add a delegation").click()
        page.select_option("#id_side", side)
        _pick(page, "id_organisation", org_query, org_name)
        with page.expect_navigation():
            page.locator("form button[type=submit].primary").click()
        delegation = Delegation.objects.get(activity=activity, side=side)
        page.locator(
            f"a[href='{reverse('activities:member-add', args=[activity.pk, delegation.pk])}']"
        ).click()
        _pick(page, "id_person", person_query, person_name)
        if side == "visiting":
            page.select_option("#id_role", "head")
        with page.expect_navigation():
            page.locator("form button[type=submit].primary").click()
    assert [
        m.person.sort_name for m in Delegation.objects.get(activity=activity, side="hosting").members.all()
    ] == ["Bùi Thanh Sơn"]
    # The minister is double-booked: the talks overlap the visit.
    expect(page.locator("#warnings")).to_contain_text(MINISTER)
    shot(page, "activities-02-detail-with-warning")

    # The MOFA editor's calendar feed has the visit at 08:00 Hanoi time.
    page.goto(f"{live_server.url}/activities/feeds/")
    with page.expect_navigation():
        page.get_by_role("button", name="Make a feed").click()
    feed_url = page.locator("code.secret").inner_text().strip()
    assert re.search(r"/activities/feeds/[\w-]+\.ics$", feed_url), feed_url
    import icalendar

    with urllib.request.urlopen(feed_url) as response:
        calendar = icalendar.Calendar.from_ical(response.read())
    events = [e for e in calendar.walk("VEVENT") if str(e.get("SUMMARY")) == TITLE]
    assert len(events) == 1
    assert events[0].decoded("DTSTART") == _at(day, 8)
    assert events[0].decoded("DTEND") == _at(day + dt.timedelta(days=1), 17)

    # A VUFO user cannot see it while the embargo holds: not listed, and its page is "not found".
    page.context.clear_cookies()
    sign_in(page, "vufo.editor", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/activities/?q=Lao+PDR+browser")
    expect(page.locator("#results")).not_to_contain_text(TITLE)
    response = page.goto(f"{live_server.url}{activity.get_absolute_url()}")
    assert response is not None and response.status == 404

    # Once the embargo's moment has passed, the same user sees it.
    time_machine.move_to(_at(day - dt.timedelta(days=1), 12) + dt.timedelta(minutes=5), tick=True)
    page.context.clear_cookies()
    sign_in(page, "vufo.editor", DEMO_PASSWORD)
    response = page.goto(f"{live_server.url}{activity.get_absolute_url()}")
    assert response is not None and response.status == 200
    expect(page.locator("h1")).to_contain_text(TITLE)
    shot(page, "activities-03-vufo-after-embargo")
    assert not console.csp_violations(), console.csp_violations()


def test_the_counts_for_2021_to_2023_match_the_lists_behind_them(page, console, fast_passwords, live_server):
    users = make_demo_directory()
    from liaison.activities.demo import load_demo

    load_demo(by=users["admin"])
    sign_in(page, "admin", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/activities/counts/?from=2021-01-01&to=2023-12-31")
    shot(page, "activities-04-counts")
    rows = {
        "Visits abroad by key leaders": 45,
        "Incoming delegations of leaders and international organisations": 49,
    }
    for label, expected in rows.items():
        cell = page.locator("tr", has=page.locator("th", has_text=label)).first.locator("td a").first
        assert int(cell.inner_text()) == expected, label
        with page.expect_navigation():
            cell.click()
        expect(page.locator("#results .count")).to_contain_text(f"{expected} activities")
        page.go_back()
    assert not console.problems(), console.problems()

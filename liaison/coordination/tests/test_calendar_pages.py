"""The working calendars page: every signed-in user reads the countries' weekends and holidays
(the next twelve months first); coordinators set weekends and add and remove holidays; no one
else may."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from liaison.accounts.models import User
from liaison.coordination import services
from liaison.coordination.models import Holiday, WorkingCalendar
from liaison.core.access import Role
from liaison.core.audit import acting_as
from liaison.core.testing import PASSWORD, make_org, make_superuser, make_user
from liaison.directory.models import Country

pytestmark = pytest.mark.django_db

PAGE = reverse("coordination:calendar-list")
WEEKEND = reverse("coordination:calendar-weekend")
ADD = reverse("coordination:holiday-add")


@pytest.fixture
def people() -> dict[str, User]:
    root = make_superuser("root")
    mofa = make_org("Ministry of Foreign Affairs")
    return {
        "root": root,
        "coordinator": make_user("coordinator", org=mofa, role=Role.COORDINATOR),
        "editor": make_user("editor", org=mofa, role=Role.EDITOR),
        "viewer": make_user("viewer", org=mofa, role=Role.VIEWER),
    }


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def holiday(country: Country, date: dt.date, name: str, by: User) -> Holiday:
    with acting_as(by, via="test"):
        return services.add_holiday(by=by, country=country, date=date, name=name)


def test_everyone_reads_the_calendars_with_the_next_twelve_months_first(people):
    # given Viet Nam's calendar with a holiday soon, one past and one in two years
    vn = Country.objects.get(code="VN")
    today = timezone.localdate()
    holiday(vn, today + dt.timedelta(days=20), "Soon day", people["root"])
    holiday(vn, today - dt.timedelta(days=20), "Past day", people["root"])
    holiday(vn, today + dt.timedelta(days=700), "Far day", people["root"])
    # when a viewer opens the page
    response = client_for(people["viewer"]).get(PAGE)
    # then the coming holiday is listed first; the others under the country; no forms
    body = response.content.decode()
    assert [h.name for h in response.context["upcoming"]] == ["Soon day"]
    [item] = response.context["calendars"]
    assert [h.name for h in item["others"]] == ["Past day", "Far day"]
    assert item["weekend"] == "Saturday, Sunday"
    assert body.index("Soon day") < body.index("Past day")
    assert "weekend_form" not in response.context and WEEKEND not in body


def test_a_coordinator_sets_a_countrys_weekend(people):
    client = client_for(people["coordinator"])
    # when the coordinator sets Friday and Saturday as the weekend of Saudi Arabia
    response = client.post(WEEKEND, {"weekend-country": "SA", "weekend-weekend": ["4", "5"]})
    # then the calendar is kept with those days
    assert response.status_code == 302
    calendar = WorkingCalendar.objects.get(country__code="SA")
    assert calendar.weekend_days == frozenset({4, 5})
    assert "Friday, Saturday" in client.get(PAGE).content.decode()


def test_choosing_a_country_shows_the_days_it_rests_on(people):
    sa = Country.objects.get(code="SA")
    with acting_as(people["root"], via="test"):
        services.set_weekend(by=people["root"], country=sa, days=[4, 5])
    client = client_for(people["coordinator"])
    # when the country is chosen (HTMX) or followed from its row (no script)
    partial = client.get(PAGE, {"weekend-country": "SA"}, headers={"HX-Request": "true"})
    page = client.get(PAGE, {"country": "SA"})
    # then the weekend form comes ticked with its days
    assert "<html" not in partial.content.decode()
    assert partial.context["weekend_form"].initial["weekend"] == [4, 5]
    assert page.context["weekend_form"].initial == {"country": "SA", "weekend": [4, 5]}


def test_a_weekend_of_five_days_is_refused_on_its_field(people):
    response = client_for(people["coordinator"]).post(
        WEEKEND, {"weekend-country": "VN", "weekend-weekend": ["0", "1", "2", "3", "4"]}
    )
    assert response.status_code == 200
    assert "at least four working days" in response.context["weekend_form"].errors["weekend"][0]
    assert not WorkingCalendar.objects.exists()


def test_a_coordinator_adds_and_removes_a_holiday(people):
    client = client_for(people["coordinator"])
    # when a holiday is added
    response = client.post(
        ADD, {"holiday-country": "VN", "holiday-date": "2031-09-02", "holiday-name": "National Day"}
    )
    # then it is in Viet Nam's calendar
    assert response.status_code == 302
    added = Holiday.objects.get(calendar__country__code="VN")
    assert added.date == dt.date(2031, 9, 2) and added.name == "National Day"
    # when the same day is added again / then the refusal is on the date
    again = client.post(ADD, {"holiday-country": "VN", "holiday-date": "2031-09-02", "holiday-name": "Again"})
    assert "already a holiday" in again.context["holiday_form"].errors["date"][0]
    # when it is removed / then it is gone
    assert client.post(reverse("coordination:holiday-delete", args=[added.pk])).status_code == 302
    assert not Holiday.objects.exists()


def test_a_holiday_without_a_name_is_refused_on_its_field(people):
    response = client_for(people["coordinator"]).post(
        ADD, {"holiday-country": "VN", "holiday-date": "2031-09-02", "holiday-name": "  "}
    )
    assert response.status_code == 200
    assert response.context["holiday_form"].errors["name"]
    assert not Holiday.objects.exists()


@pytest.mark.parametrize("who", ["viewer", "editor"])
def test_others_read_the_calendars_but_may_not_change_them(people, who):
    vn = Country.objects.get(code="VN")
    kept = holiday(vn, dt.date(2031, 1, 1), "New Year", people["root"])
    client = client_for(people[who])
    assert client.post(WEEKEND, {"weekend-country": "VN", "weekend-weekend": ["6"]}).status_code == 403
    add = {"holiday-country": "VN", "holiday-date": "2031-05-01", "holiday-name": "X"}
    assert client.post(ADD, add).status_code == 403
    assert client.post(reverse("coordination:holiday-delete", args=[kept.pk])).status_code == 403
    assert Holiday.objects.count() == 1 and WorkingCalendar.objects.get().weekend == "5,6"


def test_the_writes_take_only_posts(people):
    client = client_for(people["coordinator"])
    assert client.get(WEEKEND).status_code == 405
    assert client.get(ADD).status_code == 405


@pytest.mark.parametrize(("language", "direction"), [("ar", "rtl"), ("vi", "ltr")])
def test_the_page_renders_in_every_language(people, language, direction):
    vn = Country.objects.get(code="VN")
    holiday(vn, timezone.localdate() + dt.timedelta(days=3), "Tết", people["root"])
    reader = make_user(f"{language}-coordinator", org=make_org(), role=Role.COORDINATOR, language=language)
    client = Client()
    client.login(username=reader.username, password=PASSWORD)
    response = client.get(PAGE)
    assert response.status_code == 200
    assert f'dir="{direction}"' in response.content.decode()

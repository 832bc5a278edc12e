"""Assigning a task to every representative mission abroad in a UN M49 region: the group
narrowed by region in the service, the assign form and the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from liaison.core.testing import make_org
from liaison.directory.models import Country, Organisation
from liaison.implementation import tree
from liaison.implementation.forms import AssignForm
from liaison.implementation.models import Assignment
from liaison.implementation.testing import make_task

pytestmark = pytest.mark.django_db
API = "/api/implementation"
DAY = dt.date(2023, 5, 1)


def make_mission(name: str, country: str, **dates: dt.date) -> Organisation:
    mission = make_org(name, kind="mission")
    mission.country = Country.objects.get(code=country)
    for name, day in dates.items():
        setattr(mission, name, day)
    mission.save()
    return mission


@pytest.fixture
def missions(world):
    return {
        "bangkok": make_mission("Embassy in Bangkok", "TH"),
        "jakarta": make_mission("Embassy in Jakarta", "ID"),
        # closed before the day of the assignment
        "yangon": make_mission("Embassy in Yangon", "MM", valid_to=dt.date(2022, 12, 31)),
        "paris": make_mission("Embassy in Paris", "FR"),
        "berlin": make_mission("Embassy in Berlin", "DE"),
        "london": make_mission("Embassy in London", "GB"),  # Northern Europe
        # not a mission, though in Thailand
        "bangkok_ngo": make_org("Friends of Viet Nam in Thailand", kind="ngo"),
    }


def names(orgs):
    return {o.sort_name for o in orgs}


def test_missions_of_a_sub_region_valid_on_the_day(world, missions):
    sea = tree.group_members(world["root"], "missions", DAY, region="south_eastern_asia")
    west = tree.group_members(world["root"], "missions", DAY, region="western_europe")
    assert names(sea) == {"Embassy in Bangkok", "Embassy in Jakarta"}  # Yangon had closed
    assert names(west) == {"Embassy in Paris", "Embassy in Berlin"}
    # the macro-region holds its sub-regions; and on a day Yangon was open it is in
    europe = tree.group_members(world["root"], "missions", DAY, region="europe")
    assert names(europe) == {"Embassy in Paris", "Embassy in Berlin", "Embassy in London"}
    earlier = tree.group_members(world["root"], "missions", dt.date(2022, 6, 1), region="south_eastern_asia")
    assert "Embassy in Yangon" in names(earlier)
    # without a region, every mission of the day: backwards compatible
    assert len(tree.group_members(world["root"], "missions", DAY)) == 5


def test_a_bad_region_is_a_field_error_on_the_region(world, missions):
    with pytest.raises(ValidationError) as caught:
        tree.group_members(world["root"], "missions", DAY, region="atlantis")
    assert caught.value.message_dict["region"] == ["Unknown region."]
    with pytest.raises(ValidationError) as caught:
        tree.group_members(world["root"], "missions", DAY, region="polynesia")
    assert "No representative mission in Polynesia existed on" in caught.value.message_dict["region"][0]
    with pytest.raises(ValidationError) as caught:
        tree.group_members(world["root"], "ministries", DAY, region="europe")
    assert "region" in caught.value.message_dict


def test_the_form_offers_regions_grouped_by_macro_region_in_the_reader_language(world):
    with translation.override("vi"):
        choices = AssignForm(user=world["root"]).fields["region"].choices
    groups = dict(choices[1:])
    assert list(groups) == ["Châu Phi", "Châu Mỹ", "Châu Á", "Châu Âu", "Châu Đại Dương"]
    assert ("south_eastern_asia", "Đông Nam Á") in groups["Châu Á"]
    assert groups["Châu Á"][0][0] == "asia"
    with translation.override("ar"):
        html = str(AssignForm(user=world["root"])["region"])
    assert '<optgroup label="آسيا">' in html and "جنوب شرق آسيا" in html


def test_the_form_refuses_a_region_with_another_group_or_an_unknown_region(world):
    base = {"on": "2023-05-01"}
    other = AssignForm({**base, "group": "ministries", "region": "europe"}, user=world["root"])
    unknown = AssignForm({**base, "group": "missions", "region": "atlantis"}, user=world["root"])
    good = AssignForm({**base, "group": "missions", "region": "europe"}, user=world["root"])
    assert "region" in other.errors and "region" in unknown.errors
    assert good.is_valid(), good.errors


def test_the_page_assigns_the_missions_of_a_region(world, missions):
    task = make_task(world["plan"], title_en="Report on the region")
    client = Client()
    client.force_login(world["coordinator"])
    url = reverse("implementation:task-assign", args=[task.pk])
    response = client.post(
        url, {"group": "missions", "region": "south_eastern_asia", "on": "2023-05-01"}, follow=True
    )
    assert response.status_code == 200
    assert {a.organisation_id for a in task.assignments.all()} == {
        missions["bangkok"].pk,
        missions["jakarta"].pk,
    }
    # a region without a mission on the day is refused on the region field
    empty = client.post(url, {"group": "missions", "region": "oceania", "on": "2023-05-01"})
    assert empty.status_code == 400
    assert "No representative mission in Oceania" in empty.context["form"].errors["region"][0]
    unknown = client.post(url, {"group": "missions", "region": "atlantis", "on": "2023-05-01"})
    assert unknown.status_code == 400 and "region" in unknown.context["form"].errors


def test_the_api_assigns_the_missions_of_a_region(client, world, missions):
    task = make_task(world["plan"])
    client.force_login(world["coordinator"])
    response = client.post(
        f"{API}/tasks/{task.pk}/assignments",
        {"group": "missions", "region": "western_europe", "on": "2023-05-01"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert {a["organisation"]["name"] for a in response.json()["created"]} == {
        "Embassy in Paris",
        "Embassy in Berlin",
    }


@pytest.mark.parametrize(
    "body",
    [
        {"group": "missions", "region": "atlantis"},
        {"group": "missions", "region": "polynesia"},  # no mission there
        {"group": "ministries", "region": "europe"},
        {"region": "europe", "organisations": []},
    ],
)
def test_a_bad_region_is_a_400_naming_the_region(client, world, missions, body):
    task = make_task(world["plan"])
    client.force_login(world["coordinator"])
    response = client.post(
        f"{API}/tasks/{task.pk}/assignments", {**body, "on": "2023-05-01"}, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert "region" in response.json()["errors"], response.json()
    assert not Assignment.objects.exists()

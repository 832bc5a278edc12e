"""List pages and list endpoints: filters, search through the matcher, constant query counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from liaison.accounts.models import User
from liaison.core.access import Role
from liaison.core.htmx import capped_count
from liaison.core.models import Classification
from liaison.core.testing import PASSWORD, make_org, make_person, make_superuser, make_user
from liaison.directory import rows, selectors, services
from liaison.directory.models import Country, Locality
from liaison.directory.reference import load_countries
from liaison.directory.schemas import OrganisationListOut, PersonListOut
from liaison.directory.services import NameInput

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    root = make_org("Ministry of Foreign Affairs", pillar="state")
    vufo = make_org("Vietnam Union of Friendship Organizations", pillar="people", kind="mass_organisation")
    user = make_user(org=root, role=Role.EDITOR, clearance=Classification.INTERNAL)
    return root, vufo, user


def _grow(parent, n):
    admin = make_superuser("grower") if not User.objects.filter(username="grower").exists() else None
    admin = admin or User.objects.get(username="grower")
    provinces = list(Locality.objects.filter(country__code="VN")[:n])
    for i in range(n):
        org = make_org(f"Department {i}", parent=parent)
        # every row with a locality and a country, so a missing select_related shows up
        services.update_organisation(
            by=admin,
            organisation=org,
            version=org.version,
            changes={"locality": provinces[i % len(provinces)], "country": Country.objects.get(code="VN")},
        )
        person = make_person(f"Nguyễn Văn {i}", owner=org)
        services.add_position(
            by=admin, person=person, data=services.PositionInput(organisation=org, title_en="Director")
        )


def _count_queries(client, url, params=None):
    client.get(url, params or {})  # the first request after sign-in also saves the session
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url",
    [
        "/directory/organisations/",
        "/directory/people/",
        "/api/directory/organisations",
        "/api/directory/people",
        "/directory/organisations/tree/",
    ],
)
def test_list_pages_and_endpoints_run_the_same_number_of_queries_for_3_and_30_rows(client, world, url):
    # Budget per request (session auth): session, user, memberships (policy), then the page's own:
    # count, rows, prefetched names, and for people their current positions.
    root, _, user = world
    client.login(username=user.username, password=PASSWORD)
    _grow(root, 3)
    few = _count_queries(client, url)
    _grow(root, 27)
    many = _count_queries(client, url)
    assert few == many


def test_the_organisation_list_runs_a_known_query_budget(client, world, django_assert_num_queries):
    root, _, user = world
    _grow(root, 5)
    client.login(username=user.username, password=PASSWORD)
    client.get("/")  # the first request after sign-in also saves the session
    # 1 session, 2 user, 3 memberships (access policy), 4 count, 5 country choices for the filter,
    # 6 rows (with country, parent, locality, and whether the user may read the parent),
    # 7 names of the page's rows and of those parents
    with django_assert_num_queries(7):
        client.get("/directory/organisations/")


def test_the_people_list_runs_a_known_query_budget(client, world, django_assert_num_queries):
    root, _, user = world
    _grow(root, 5)
    client.login(username=user.username, password=PASSWORD)
    client.get("/")
    # 1 session, 2 user, 3 memberships, 4 count, 5 rows (with nationality), 6 current positions
    # (with organisation), 7 the names of the people and of those organisations, 8 country choices
    with django_assert_num_queries(8):
        client.get("/directory/people/")


def test_the_api_list_runs_a_known_query_budget(client, world, django_assert_num_queries):
    root, _, user = world
    _grow(root, 5)
    client.login(username=user.username, password=PASSWORD)
    client.get("/")
    # 1 session, 2 user, 3 memberships, 4 count, 5 rows (a parent is named by its sort name, if
    # the user may read it), 6 names
    with django_assert_num_queries(6):
        client.get("/api/directory/organisations?limit=50")


@pytest.mark.parametrize(
    ("kind", "schema"), [("organisations", OrganisationListOut), ("people", PersonListOut)]
)
def test_list_items_match_the_schema_and_the_detail_endpoint(client, world, kind, schema):
    # given records with parents, localities, countries and current positions
    root, _, user = world
    _grow(root, 3)
    client.login(username=user.username, password=PASSWORD)
    # when the list is read (its rows are built from values(), not validated by the framework)
    body = client.get(f"/api/directory/{kind}?limit=50").json()
    # then it is a valid page of the documented schema
    page = schema.model_validate(body)
    assert page.count == len(body["items"]) >= 3
    assert any(item.get("current_positions") or item.get("parent") for item in body["items"])
    # and each item says what the record's own endpoint says, field for field
    for item in body["items"]:
        detail = client.get(f"/api/directory/{kind}/{item['id']}").json()
        assert item == {key: detail[key] for key in item}, item["id"]


def test_filters_narrow_the_organisation_list(client, world):
    _root, _vufo, user = world
    client.login(username=user.username, password=PASSWORD)
    response = client.get("/api/directory/organisations", {"pillar": "people"})
    names = [item["name"] for item in response.json()["items"]]
    assert names == ["Vietnam Union of Friendship Organizations"]


def test_searching_organisations_uses_the_name_matcher_in_any_script(client, world):
    _root, _vufo, user = world
    make_org(
        "Central External Relations Commission",
        pillar="party",
        kind="commission",
        extra_names=[NameInput(value="Ban Đối ngoại Trung ương", language="vi")],
    )
    client.login(username=user.username, password=PASSWORD)
    response = client.get("/api/directory/organisations", {"q": "ban doi ngoai trung uong"})
    assert next(i["name"] for i in response.json()["items"]) == "Central External Relations Commission"


def test_an_ambiguous_arabic_spelling_lists_every_candidate(client, world):
    root, _, user = world
    for name in ("Lê Hoài Trung", "Nguyễn Phú Trọng", "Trương Thị Mai"):
        make_person(name, owner=root)
    client.login(username=user.username, password=PASSWORD)
    response = client.get("/api/directory/people", {"q": "ترونغ"})
    found = {i["name"] for i in response.json()["items"]}
    assert {"Lê Hoài Trung", "Nguyễn Phú Trọng", "Trương Thị Mai"} <= found


def test_the_list_answers_htmx_with_only_the_results_partial(client, world):
    _root, _, user = world
    client.login(username=user.username, password=PASSWORD)
    response = client.get("/directory/organisations/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Ministry of Foreign Affairs" in response.text


def test_an_empty_search_says_so(client, world):
    _, _, user = world
    client.login(username=user.username, password=PASSWORD)
    response = client.get(reverse("directory:person-list"), {"q": "Zzyzx Qwerty"})
    assert "No person matches" in response.text


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 1000}, {"offset": -1}, {"limit": "x"}])
def test_bad_paging_parameters_get_a_4xx_json_error(client, world, params):
    _, _, user = world
    client.login(username=user.username, password=PASSWORD)
    response = client.get("/api/directory/organisations", params)
    assert 400 <= response.status_code < 500
    assert response.json()["detail"]


def test_junk_filter_values_never_cause_a_server_error(client, world):
    _, _, user = world
    client.login(username=user.username, password=PASSWORD)
    for url in ("/directory/organisations/", "/directory/people/", "/directory/people/holders/"):
        for params in (
            {"parent": "x", "on": "2023-13-45", "sort": "'; drop", "page": "-4"},
            {"organisation": "abc", "on": "yesterday"},
        ):
            assert client.get(url, params).status_code in (200, 404)


def test_country_filters_use_the_cached_country_ids_and_follow_reference_updates(
    client, world, django_capture_on_commit_callbacks
):
    # given a Vietnamese person and a user who reads the list
    root, _, user = world
    person = make_person("Nguyễn Văn An", owner=root)
    services.update_person(
        by=make_superuser("fixer"),
        person=person,
        version=person.version,
        changes={"nationality": Country.objects.get(code="VN")},
    )
    client.login(username=user.username, password=PASSWORD)
    assert selectors.country_id("vn") == Country.objects.get(code="VN").pk
    # when filtering by an unknown code, the list is empty (not an error)
    unknown = client.get("/api/directory/people", {"nationality": "ZZ"})
    assert unknown.status_code == 200 and unknown.json()["items"] == []
    # when the countries are reloaded with new ids, the cached ids follow
    Country.objects.filter(code="LA").delete()
    with django_capture_on_commit_callbacks(execute=True):
        load_countries()
    assert selectors.country_id("LA") == Country.objects.get(code="LA").pk
    names = [
        item["name"] for item in client.get("/api/directory/people", {"nationality": "VN"}).json()["items"]
    ]
    assert names == ["Nguyễn Văn An"]


def _prepared_world():
    """Organisations and people across pillars, countries, dates and classifications, and readers
    whose policy filters differ."""
    vn, la = Country.objects.get(code="VN"), Country.objects.get(code="LA")
    admin = make_superuser("shaper")
    mofa = make_org("Ministry of Foreign Affairs", pillar="state")
    party = make_org("Central External Relations Commission", pillar="party", kind="commission")
    secret = make_org("Restricted Cell", parent=mofa, classification=Classification.RESTRICTED)
    for i in range(6):
        org = make_org(
            f"Department {i}", parent=mofa if i % 2 else party, pillar="state" if i % 3 else "people"
        )
        services.update_organisation(
            by=admin,
            organisation=org,
            version=org.version,
            changes={"country": vn if i % 2 else la, "valid_from": dt.date(2020 + i, 1, 1)},
        )
        person = make_person(f"Nguyễn Văn {i}", owner=secret if i == 3 else org)
        services.update_person(
            by=admin, person=person, version=person.version, changes={"nationality": vn if i % 2 else la}
        )
        services.add_position(
            by=admin, person=person, data=services.PositionInput(organisation=org, title_en="Director")
        )
    readers = [
        make_user(org=mofa, role=Role.EDITOR, clearance=Classification.RESTRICTED),
        make_user(org=party, role=Role.VIEWER, clearance=Classification.INTERNAL),
        make_user(org=party, role=Role.VIEWER, clearance=Classification.RESTRICTED),
        admin,
    ]
    return mofa, readers


ORGANISATION_SHAPES = [
    selectors.OrganisationFilters(),
    selectors.OrganisationFilters(pillar="state"),
    selectors.OrganisationFilters(pillar="state", country="VN", sort="-name"),
    selectors.OrganisationFilters(kind="ministry", valid_on=dt.date(2023, 6, 1), sort="pillar"),
    selectors.OrganisationFilters(q="department", sort="kind"),
    selectors.OrganisationFilters(text="department", country="LA"),
    selectors.OrganisationFilters(q="zzyzx qwerty"),
    selectors.OrganisationFilters(sort="no such sort"),
]
PERSON_SHAPES = [
    selectors.PersonFilters(),
    selectors.PersonFilters(nationality="VN"),
    selectors.PersonFilters(q="nguyen van", nationality="LA"),
    selectors.PersonFilters(text="nguyen", sort="-updated"),
    selectors.PersonFilters(nationality="ZZ"),
]


def test_a_lists_prepared_statements_read_what_its_queryset_reads_for_every_shape_and_reader():
    # given readers whose policy filters differ, asking in turn for lists of every filter shape
    mofa, readers = _prepared_world()
    mofa_id = mofa.pk
    organisation_shapes = [*ORGANISATION_SHAPES, selectors.OrganisationFilters(parent=mofa_id)]
    person_shapes = [*PERSON_SHAPES, selectors.PersonFilters(organisation=mofa_id + 3)]
    for _round in range(2):  # the second time round, every statement comes from the cache
        for user in readers:
            for filters in organisation_shapes:
                # when the list is read through its prepared statements
                listed = rows.organisation_list(user, filters)
                # then it counts and pages as the ORM's queryset of the same filters does
                qs = selectors.organisation_rows_for_user(user, filters)
                assert capped_count(listed) == capped_count(qs), (user, filters)
                expected = list(rows.organisation_values(user, qs))
                assert listed[0:50] == expected, (user, filters)
                assert listed[2:4] == expected[2:4]
            for person_filters in person_shapes:
                listed = rows.person_list(user, person_filters)
                qs = selectors.person_rows_for_user(user, person_filters)
                assert capped_count(listed) == capped_count(qs), (user, person_filters)
                assert listed[0:50] == list(rows.person_values(qs)), (user, person_filters)
                # and the positions each row shows are those the reader may see
                assert rows.person_rows(user, listed[0:50], "en") == rows.person_rows(
                    user, list(rows.person_values(qs)), "en"
                )


def test_readers_with_other_roles_never_share_a_lists_statements(client):
    # given a restricted organisation of the Ministry, listed first by a cleared member of it
    _mofa, (cleared, outsider, *_rest) = _prepared_world()
    assert "Restricted Cell" in [
        r["name"]
        for r in rows.organisation_rows(
            cleared, rows.organisation_list(cleared, selectors.OrganisationFilters())[0:50], "en"
        )
    ]
    # when a user of another organisation asks for the same list, page and API
    client.force_login(outsider)
    page = client.get("/directory/organisations/")
    api = client.get("/api/directory/organisations")
    # then the statement made for the first reader's roles is not theirs: the cell is not listed
    assert "Restricted Cell" not in page.text
    assert "Restricted Cell" not in [item["name"] for item in api.json()["items"]]
    assert api.json()["count"] == len(api.json()["items"])

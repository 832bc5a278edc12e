"""Activity pages: the list (filters, query budget, empty state), the detail page, the form, the
workflow buttons, deletion; in every interface language."""

import datetime as dt

import pytest
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from liaison.activities import delegations, services
from liaison.activities.models import Activity, ActivityKind, ActivityStatus, DelegationSide, LeaderRank
from liaison.activities.testing import at, make_activity
from liaison.core.access import Role
from liaison.core.models import Classification
from liaison.core.testing import PASSWORD, make_org, make_person, make_superuser, make_user

pytestmark = pytest.mark.django_db

LIST = reverse("activities:activity-list")


@pytest.fixture
def world():
    make_superuser("root")
    mofa = make_org("Ministry of Foreign Affairs")
    vufo = make_org("VUFO", pillar="people")
    return mofa, vufo


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_list_shows_what_the_user_may_read_and_filters_it(world):
    mofa, vufo = world
    make_activity("Talks in Hanoi", lead=mofa, kind=ActivityKind.TALKS)
    make_activity("Friendship exchange", lead=vufo, kind=ActivityKind.MEETING)
    make_activity("Secret talks", lead=mofa, classification=Classification.RESTRICTED)
    viewer = make_user(org=vufo, role=Role.VIEWER)
    body = client_for(viewer).get(LIST).content.decode()
    assert "Talks in Hanoi" in body and "Friendship exchange" in body
    assert "Secret talks" not in body
    body = client_for(viewer).get(LIST, {"kind": "talks"}).content.decode()
    assert "Talks in Hanoi" in body and "Friendship exchange" not in body


def test_the_list_searches_names_in_any_script(world):
    mofa, _ = world
    leader = make_person("Bùi Thanh Sơn", owner=mofa)
    make_activity("Reception", lead=mofa, leader=leader, leader_rank=LeaderRank.MINISTER)
    make_activity("Other meeting", lead=mofa)
    body = client_for(make_user(org=mofa)).get(LIST, {"q": "Bui Thanh Son"}).content.decode()
    assert "Reception" in body and "Other meeting" not in body


def test_the_list_has_an_empty_state(world):
    mofa, _ = world
    body = client_for(make_user(org=mofa)).get(LIST).content.decode()
    assert "No activities yet." in body
    body = client_for(make_user(org=mofa)).get(LIST, {"kind": "talks"}).content.decode()
    assert "No activity matches these filters." in body


def test_the_list_costs_the_same_number_of_queries_for_5_or_40_rows(world):
    mofa, vufo = world
    user = make_user(org=mofa, role=Role.VIEWER)
    client = client_for(user)
    leader = make_person("Leader", owner=mofa)

    def count() -> int:
        with CaptureQueriesContext(__import__("django.db", fromlist=["connection"]).connection) as ctx:
            assert client.get(LIST).status_code == 200
        return len(ctx.captured_queries)

    for i in range(5):
        make_activity(f"A{i}", lead=mofa if i % 2 else vufo, leader=leader, starts_at=at(2023, 1, 1 + i))
    count()  # the first request also loads the session and the user's memberships
    few = count()
    for i in range(35):
        make_activity(f"B{i}", lead=vufo, leader=leader, starts_at=at(2023, 2, 1 + i % 27))
    assert count() == few


def test_the_htmx_request_gets_only_the_results(world):
    mofa, _ = world
    make_activity("Talks in Hanoi", lead=mofa)
    response = client_for(make_user(org=mofa)).get(LIST, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "Talks in Hanoi" in body and "<html" not in body


def test_the_detail_page_shows_the_activity_in_its_own_time_zone(world):
    mofa, _ = world
    activity = make_activity(
        "Talks in Paris",
        lead=mofa,
        starts_at=dt.datetime(2023, 5, 2, 10, 30, tzinfo=dt.UTC),
        time_zone="Europe/Paris",
    )
    body = client_for(make_user(org=mofa)).get(activity.get_absolute_url()).content.decode()
    assert "Talks in Paris" in body
    assert "12:30" in body  # 10:30 UTC is 12:30 in Paris in May
    assert "Europe/Paris" in body


def test_a_hidden_activity_is_404_like_a_missing_one(world):
    mofa, vufo = world
    secret = make_activity("Secret", lead=mofa, classification=Classification.RESTRICTED)
    client = client_for(make_user(org=vufo, clearance=Classification.RESTRICTED))
    hidden = client.get(secret.get_absolute_url())
    missing = client.get(reverse("activities:activity-detail", args=[999999]))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content


def test_an_editor_records_an_activity_through_the_form(world):
    mofa, _ = world
    editor = make_user(org=mofa, role=Role.EDITOR)
    response = client_for(editor).post(
        reverse("activities:activity-create"),
        {
            "kind": ActivityKind.INCOMING_VISIT,
            "title_en": "State visit of Laos",
            "lead_organisation": mofa.pk,
            "time_zone": "Asia/Ho_Chi_Minh",
            "starts_at": "2024-03-01T09:00",
            "ends_at": "2024-03-03T17:00",
            "format": "in_person",
            "classification": Classification.INTERNAL,
        },
    )
    activity = Activity.objects.get(title_en="State visit of Laos")
    assert response.status_code == 302 and response["Location"] == activity.get_absolute_url()
    assert activity.starts_at == at(2024, 3, 1, 9)
    assert activity.owner == mofa


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"ends_at": "2024-02-28T09:00"}, "ends_at", "The end must not be before the start."),
        ({"title_en": ""}, "title_en", "Give a title in at least one language."),
        (
            {"embargo_until": "2024-03-05T09:00"},
            "embargo_until",
            "The embargo must lift before the activity ends.",
        ),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "Select a valid choice."),
    ],
)
def test_bad_input_in_the_form_is_shown_on_its_field_and_nothing_is_saved(world, changes, field, message):
    mofa, _ = world
    editor = make_user(org=mofa, role=Role.EDITOR)
    data = {
        "kind": ActivityKind.TALKS,
        "title_en": "Talks",
        "lead_organisation": mofa.pk,
        "time_zone": "Asia/Ho_Chi_Minh",
        "starts_at": "2024-03-01T09:00",
        "ends_at": "2024-03-03T17:00",
        "format": "in_person",
        "classification": Classification.INTERNAL,
        **changes,
    }
    response = client_for(editor).post(reverse("activities:activity-create"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors.get(field, []))
    assert not Activity.objects.exists()


def test_a_viewer_cannot_open_the_edit_or_delete_pages(world):
    mofa, _ = world
    activity = make_activity(lead=mofa)
    client = client_for(make_user(org=mofa, role=Role.VIEWER))
    assert client.get(reverse("activities:activity-edit", args=[activity.pk])).status_code == 404
    assert client.get(reverse("activities:activity-delete", args=[activity.pk])).status_code == 404


def test_editing_keeps_times_in_the_activitys_zone_and_refuses_a_stale_version(world):
    mofa, _ = world
    editor = make_user(org=mofa, role=Role.EDITOR)
    activity = make_activity("Talks", lead=mofa, starts_at=at(2024, 3, 1, 9), ends_at=at(2024, 3, 1, 12))
    client = client_for(editor)
    form = client.get(reverse("activities:activity-edit", args=[activity.pk])).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data.update({"title_en": "Talks, renamed", "co_organisers": [], "pillars": ["state"]})
    assert data["starts_at"] == "2024-03-01T09:00"
    response = client.post(reverse("activities:activity-edit", args=[activity.pk]), data)
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.title_en == "Talks, renamed" and activity.starts_at == at(2024, 3, 1, 9)
    stale = client.post(reverse("activities:activity-edit", args=[activity.pk]), {**data, "title_en": "Late"})
    assert stale.status_code == 409
    activity.refresh_from_db()
    assert activity.title_en == "Talks, renamed"


def test_the_workflow_buttons_follow_the_policy(world):
    mofa, _ = world
    activity = make_activity(lead=mofa)
    editor, coordinator = make_user(org=mofa, role=Role.EDITOR), make_user(org=mofa, role=Role.COORDINATOR)
    url = reverse("activities:activity-transition", args=[activity.pk])
    assert client_for(editor).post(url, {"to_status": "approved"}).status_code == 404
    response = client_for(coordinator).post(url, {"to_status": "approved", "note": "Go ahead"})
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.APPROVED
    body = client_for(coordinator).get(activity.get_absolute_url()).content.decode()
    assert "Go ahead" in body and coordinator.username in body


def test_a_coordinator_deletes_an_activity(world):
    mofa, _ = world
    activity = make_activity(lead=mofa)
    coordinator = make_user(org=mofa, role=Role.COORDINATOR)
    response = client_for(coordinator).post(reverse("activities:activity-delete", args=[activity.pk]))
    assert response.status_code == 302
    assert not Activity.objects.filter(pk=activity.pk).exists()


def test_the_hosting_side_sees_that_a_delegation_exists_not_its_unapproved_members(world):
    mofa, vufo = world
    lao = make_org("Lao MFA", pillar="foreign", kind="foreign_state_body")
    activity = make_activity(
        lead=mofa, kind=ActivityKind.INCOMING_VISIT, classification=Classification.PUBLIC
    )
    root = make_superuser("r9")
    visiting = delegations.add_delegation(
        by=root, activity=activity, data=delegations.DelegationInput(organisation=lao)
    )
    guest = make_person("Saleumxay Kommasith", owner=lao)
    delegations.add_member(by=root, delegation=visiting, data=delegations.MemberInput(person=guest))
    host = make_person("Bùi Thanh Sơn", owner=mofa)
    hosting = delegations.add_delegation(
        by=root,
        activity=activity,
        data=delegations.DelegationInput(organisation=mofa, side=DelegationSide.HOSTING),
    )
    delegations.add_member(by=root, delegation=hosting, data=delegations.MemberInput(person=host))
    body = client_for(make_user(org=vufo)).get(activity.get_absolute_url()).content.decode()
    assert "Saleumxay" not in body
    assert "Lao MFA" in body


@pytest.mark.parametrize("language", ["ar", "vi"])
def test_the_pages_render_in_every_language(world, language):
    mofa, _ = world
    activity = make_activity("Talks", lead=mofa, title_ar="محادثات", title_vi="Hội đàm")
    client = Client()
    client.login(
        username=make_user("reader", org=mofa, role=Role.EDITOR, language=language).username,
        password=PASSWORD,
    )
    with translation.override(language):
        for url in (LIST, activity.get_absolute_url(), reverse("activities:activity-create")):
            response = client.get(url)
            assert response.status_code == 200, url
            assert f'lang="{language}"' in response.content.decode()
    assert "محادثات" in client.get(LIST).content.decode() if language == "ar" else True
    services.transition(by=make_superuser("r10"), activity=activity, to_status="cancelled")

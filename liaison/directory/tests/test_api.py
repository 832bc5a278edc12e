"""The Directory API: the same rules as the pages, JSON errors, tokens."""

import pytest

from liaison.accounts.tokens import create_api_token
from liaison.core.access import Role
from liaison.core.models import AuditEvent, Classification
from liaison.core.testing import PASSWORD, make_org, make_person, make_user
from liaison.directory.models import Organisation, Person

pytestmark = pytest.mark.django_db
API = "/api/directory"


@pytest.fixture
def editor_client(client):
    mofa = make_org("Ministry of Foreign Affairs")
    editor = make_user(org=mofa, role=Role.EDITOR, clearance=Classification.RESTRICTED)
    client.login(username=editor.username, password=PASSWORD)
    return client, mofa, editor


def test_an_editor_creates_a_unit_with_names_in_three_scripts(editor_client):
    client, mofa, editor = editor_client
    response = client.post(
        f"{API}/organisations",
        {
            "parent_id": mofa.pk,
            "pillar": "state",
            "kind": "department",
            "country": "VN",
            "names": [
                {"value": "Vụ Thông tin Báo chí", "language": "vi"},
                {"value": "Press and Information Department", "language": "en"},
                {"value": "إدارة الصحافة والإعلام", "language": "ar"},
            ],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["parent"]["id"] == mofa.pk
    assert {n["script"] for n in body["names"]} == {"Latn", "Arab"}
    assert AuditEvent.objects.filter(object_id=str(body["id"]), action="create", actor=editor).exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"pillar": "state", "kind": "department", "names": []}, "names"),
        ({"pillar": "nope", "kind": "department", "names": [{"value": "X", "language": "en"}]}, "pillar"),
        (
            {
                "pillar": "state",
                "kind": "department",
                "country": "XX",
                "names": [{"value": "X", "language": "en"}],
            },
            "country",
        ),
        (
            {
                "pillar": "state",
                "kind": "department",
                "valid_from": "2025-01-01",
                "valid_to": "2024-01-01",
                "names": [{"value": "X", "language": "en"}],
            },
            "valid_to",
        ),
    ],
)
def test_bad_input_gets_a_4xx_json_error_naming_the_field(editor_client, payload, field):
    client, mofa, _ = editor_client
    before = Organisation.objects.count()
    response = client.post(
        f"{API}/organisations", {"parent_id": mofa.pk, **payload}, content_type="application/json"
    )
    assert response.status_code in (400, 422)
    assert field in response.content.decode()
    assert Organisation.objects.count() == before


def test_malformed_json_is_a_4xx_not_a_server_error(editor_client):
    client, _, _ = editor_client
    response = client.post(f"{API}/organisations", "{not json", content_type="application/json")
    assert 400 <= response.status_code < 500


def test_a_hidden_record_answers_exactly_like_a_missing_one(editor_client):
    client, _, _ = editor_client
    other = make_org("Other ministry", classification=Classification.RESTRICTED)
    secret = make_person("Secret Person", owner=other, classification=Classification.RESTRICTED)
    for path in ("organisations", "people"):
        hidden = client.get(f"{API}/{path}/{other.pk if path == 'organisations' else secret.pk}")
        missing = client.get(f"{API}/{path}/999999")
        assert hidden.status_code == missing.status_code == 404
        assert hidden.content == missing.content


def test_anonymous_callers_get_401(client):
    assert client.get(f"{API}/organisations").status_code == 401


def test_a_bearer_token_authenticates_and_its_writes_are_attributed(client):
    mofa = make_org("MOFA")
    editor = make_user(org=mofa, role=Role.EDITOR)
    token = create_api_token(user=editor, name="script")
    headers = {"Authorization": f"Bearer {token}"}
    person = make_person("Ngô Lê Văn", owner=mofa)
    response = client.patch(
        f"{API}/people/{person.pk}",
        {"notes": "Deputy Minister"},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 200, response.content
    event = AuditEvent.objects.filter(object_id=str(person.pk), action="update").first()
    assert event.actor == editor
    assert event.via == "api"
    assert client.get(f"{API}/people", headers={"Authorization": "Bearer lsn_bad_token"}).status_code == 401


def test_a_viewer_cannot_patch_and_the_record_is_unchanged(client):
    mofa = make_org("MOFA")
    viewer = make_user(org=mofa, role=Role.VIEWER)
    person = make_person("Ngô Lê Văn", owner=mofa)
    client.login(username=viewer.username, password=PASSWORD)
    response = client.patch(f"{API}/people/{person.pk}", {"notes": "x"}, content_type="application/json")
    assert response.status_code == 404
    assert Person.objects.get(pk=person.pk).notes == ""


def test_positions_and_mandates_through_the_api(editor_client):
    client, mofa, _ = editor_client
    person = make_person("Bùi Thanh Sơn", owner=mofa)
    created = client.post(
        f"{API}/people/{person.pk}/positions",
        {"organisation_id": mofa.pk, "title_en": "Minister of Foreign Affairs", "start": "2021-04-08"},
        content_type="application/json",
    )
    assert created.status_code == 201
    assert created.json()["current_positions"][0]["title_en"] == "Minister of Foreign Affairs"
    holders = client.get(f"{API}/holders", {"on": "2023-12-19", "title": "Minister"})
    assert [h["person"]["id"] for h in holders.json()] == [person.pk]
    mandate = client.post(
        f"{API}/organisations/{mofa.pk}/mandates",
        {"field": "external_affairs", "start": "2025-03-01"},
        content_type="application/json",
    )
    assert mandate.status_code == 201
    assert mandate.json()["mandates"][0]["role"] == "lead"


def test_the_match_endpoint_ranks_spellings_and_hides_what_the_user_may_not_see(editor_client):
    client, mofa, _ = editor_client
    visible = make_person("Phan Anh Sơn", owner=mofa)
    other = make_org("Other", classification=Classification.RESTRICTED)
    make_person("Phan Anh Son", owner=other, classification=Classification.RESTRICTED)
    response = client.get(f"{API}/match/person", {"q": "فان آن سون"})
    assert [m["id"] for m in response.json()] == [visible.pk]

"""Every Directory page renders in English, Arabic (right-to-left) and Vietnamese."""

import pytest
from django.urls import reverse

from liaison.core.testing import PASSWORD, make_org, make_person, make_superuser
from liaison.directory.services import NameInput

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages():
    admin = make_superuser("admin")
    mofa = make_org(
        "Ministry of Foreign Affairs", extra_names=[NameInput(value="وزارة الخارجية", language="ar")]
    )
    unit = make_org("Department of Press", parent=mofa)
    person = make_person(
        owner=mofa,
        names=[
            NameInput(value="Bùi Thanh Sơn", language="vi"),
            NameInput(value="بوي ثانه سون", language="ar"),
        ],
    )
    name_id = person.names.first().pk
    return (
        admin,
        [
            reverse("home"),
            reverse("directory:organisation-list"),
            reverse("directory:organisation-list") + "?q=الخارجية",
            reverse("directory:organisation-tree"),
            reverse("directory:organisation-detail", args=[mofa.pk]),
            reverse("directory:organisation-detail", args=[unit.pk]),
            reverse("directory:organisation-create"),
            reverse("directory:organisation-edit", args=[mofa.pk]),
            reverse("directory:organisation-delete", args=[unit.pk]),
            reverse("directory:organisation-name-add", args=[mofa.pk]),
            reverse("directory:organisation-autocomplete") + "?q=press",
            reverse("directory:person-list"),
            reverse("directory:person-list") + "?q=bui",
            reverse("directory:person-detail", args=[person.pk]),
            reverse("directory:person-create"),
            reverse("directory:person-edit", args=[person.pk]),
            reverse("directory:person-delete", args=[person.pk]),
            reverse("directory:person-name-add", args=[person.pk]),
            reverse("directory:position-add", args=[person.pk]),
            reverse("directory:mandate-add", args=[mofa.pk]),
            reverse("directory:holders") + "?title=Minister&on=2023-12-19",
            reverse("accounts:two-factor-setup"),
        ],
        name_id,
    )


@pytest.mark.parametrize(("language", "direction"), [("en", "ltr"), ("ar", "rtl"), ("vi", "ltr")])
def test_every_page_renders_in_each_language_with_the_right_direction(client, pages, language, direction):
    admin, urls, _ = pages
    admin.language = language
    admin.save()
    client.login(username="admin", password=PASSWORD)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        if "<html" in response.text:
            assert f'dir="{direction}"' in response.text, url
            assert f'lang="{language}"' in response.text, url


def test_the_sign_in_page_renders_in_arabic_for_a_visitor(client):
    client.cookies["django_language"] = "ar"
    response = client.get(reverse("accounts:sign-in"))
    assert response.status_code == 200
    assert 'dir="rtl"' in response.text


def test_pages_carry_a_nonce_based_content_security_policy(client, pages):
    client.login(username="admin", password=PASSWORD)
    response = client.get(reverse("directory:organisation-list"))
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy
    assert "unsafe-eval" not in policy
    assert "unsafe-inline" not in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.text
    assert '"allowEval": false' in response.text


def test_the_api_docs_are_served_without_a_cdn(client, pages):
    client.login(username="admin", password=PASSWORD)
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    assert "cdn" not in docs.text.lower()
    schema = client.get("/api/openapi.json")
    assert schema.status_code == 200
    assert "/api/directory/organisations" in schema.json()["paths"]

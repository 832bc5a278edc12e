import pytest
from django.urls import reverse

from liaison.core.testing import PASSWORD, make_org, make_person, make_user
from liaison.directory.services import NameInput

pytestmark = pytest.mark.django_db


def test_a_signed_in_viewer_finds_a_person_by_an_arabic_spelling(client):
    # given a person whose Arabic name is stored in one spelling
    vufo = make_org("Vietnam Union of Friendship Organizations")
    make_person(
        owner=vufo,
        names=[NameInput(value="Phan Anh Sơn", language="vi"), NameInput(value="فان آنه سون", language="ar")],
    )
    user = make_user(org=vufo)
    client.login(username=user.username, password=PASSWORD)
    # when they search with another spelling
    response = client.get(reverse("directory:person-list"), {"q": "فان آن سون"})
    # then the person is listed
    assert response.status_code == 200
    assert "Phan Anh Sơn" in response.text

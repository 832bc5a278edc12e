"""Sign-in: the security log, the rate limit, two-factor codes, language."""

import pyotp
import pytest
from django.urls import reverse

from liaison.accounts.models import User
from liaison.accounts.signin import confirm_two_factor
from liaison.core.access import Role
from liaison.core.models import SecurityEvent, SecurityEventKind
from liaison.core.testing import PASSWORD, make_org, make_user

pytestmark = pytest.mark.django_db
SIGN_IN = "/accounts/sign-in/"


def _sign_in(client, username, password, **extra):
    return client.post(SIGN_IN, {"username": username, "password": password}, **extra)


def test_a_correct_password_signs_in_and_is_logged(client):
    user = make_user("mai")
    response = _sign_in(client, "mai", PASSWORD)
    assert response.status_code == 302
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.SIGN_IN, user=user).count() == 1


def test_a_wrong_password_is_refused_with_a_clear_message_and_logged(client):
    make_user("mai")
    response = _sign_in(client, "mai", "nope")
    assert response.status_code == 200
    assert "The user name or password is not correct." in response.text
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.SIGN_IN_FAILED, username="mai").count() == 1


def test_repeated_failures_pause_sign_in_for_that_user_even_with_the_right_password(client, settings):
    settings.LIAISON_SIGNIN_MAX_FAILURES_PER_USER = 3
    make_user("mai")
    for _ in range(3):
        _sign_in(client, "mai", "nope")
    response = _sign_in(client, "mai", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed attempts" in response.text
    assert "_auth_user_id" not in client.session
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.SIGN_IN_BLOCKED).count() == 1


def test_repeated_failures_from_one_address_pause_every_user_from_it(client, settings):
    settings.LIAISON_SIGNIN_MAX_FAILURES_PER_ADDRESS = 4
    make_user("lan")
    for i in range(4):
        _sign_in(client, f"guess{i}", "nope", REMOTE_ADDR="10.9.8.7")
    assert _sign_in(client, "lan", PASSWORD, REMOTE_ADDR="10.9.8.7").status_code == 429
    assert _sign_in(client, "lan", PASSWORD, REMOTE_ADDR="10.9.8.8").status_code == 302


def test_a_user_with_two_factor_needs_a_valid_code_once(client):
    # given a user who turned on two-factor sign-in
    user = make_user("hoa")
    secret = pyotp.random_base32()
    assert confirm_two_factor(user=user, secret=secret, code=pyotp.TOTP(secret).now())
    # when they enter the password, then they are asked for a code
    response = _sign_in(client, "hoa", PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("accounts:two-factor")
    assert "_auth_user_id" not in client.session
    # a wrong code is refused and logged
    bad = client.post(reverse("accounts:two-factor"), {"code": "000000"})
    assert "That code is not valid" in bad.text
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.TWO_FACTOR_FAILED).count() == 1
    # the code already used to confirm cannot be replayed
    replay = client.post(reverse("accounts:two-factor"), {"code": pyotp.TOTP(secret).now()})
    assert replay.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_role_that_requires_two_factor_sends_the_user_to_set_it_up(client, settings):
    settings.LIAISON_REQUIRE_2FA_ROLES = ["coordinator"]
    org = make_org("MOFA")
    make_user("nam", org=org, role=Role.COORDINATOR)
    _sign_in(client, "nam", PASSWORD)
    response = client.get(reverse("directory:organisation-list"))
    assert response.status_code == 302
    assert response.url == reverse("accounts:two-factor-setup")
    setup = client.get(response.url)
    secret = client.session["totp_setup_secret"]
    assert secret in setup.text
    done = client.post(response.url, {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 302
    assert User.objects.get(username="nam").has_two_factor
    assert client.get(reverse("directory:organisation-list")).status_code == 200


def test_choosing_arabic_is_kept_for_the_user_and_turns_the_page_right_to_left(client):
    make_user("an")
    _sign_in(client, "an", PASSWORD)
    client.post(reverse("accounts:language"), {"language": "ar", "next": "/"})
    assert User.objects.get(username="an").language == "ar"
    page = client.get(reverse("directory:organisation-list"))
    assert 'dir="rtl"' in page.text
    assert 'lang="ar"' in page.text


def test_signing_out_is_logged_and_ends_the_session(client):
    user = make_user("an")
    client.login(username="an", password=PASSWORD)
    client.post(reverse("accounts:sign-out"))
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.SIGN_OUT, user=user).exists()
    assert client.get("/").status_code == 302


def test_an_unsafe_next_parameter_is_ignored(client):
    make_user("an")
    response = client.post(SIGN_IN, {"username": "an", "password": PASSWORD, "next": "https://evil.example/"})
    assert response.url == "/"

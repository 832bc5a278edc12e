"""API tokens: which ones authenticate, and as whom (`accounts.tokens.user_for_token`)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from liaison.accounts.models import ApiToken, User
from liaison.accounts.tokens import create_api_token, user_for_token
from liaison.core.testing import make_org, make_user

pytestmark = pytest.mark.django_db

API = "/api/directory/people"


def test_a_token_gives_its_user_as_stored_with_every_field():
    # given a user with a token
    user = make_user(org=make_org("MOFA"), language="vi", first_name="Lan")
    token = create_api_token(user=user, name="script")
    # when the token is looked up
    found = user_for_token(token)
    # then it is that user, every field as the database holds it (dates included)
    stored = User.objects.get(pk=user.pk)
    assert isinstance(found, User)
    for field in User._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(stored, field.attname), field.name
    assert found.date_joined.tzinfo is not None
    assert found._state.adding is False


@pytest.mark.parametrize(
    "spoil",
    ["wrong secret", "unknown prefix", "no prefix", "not ours", "expired", "inactive user"],
)
def test_a_spoilt_token_authenticates_no_one(client, spoil):
    # given a working token, then spoilt one way
    user = make_user(org=make_org("MOFA"))
    token = create_api_token(user=user, name="script")
    _, prefix, secret = token.split("_", 2)
    if spoil == "wrong secret":
        token = f"lsn_{prefix}_{secret[:-1]}{'A' if secret[-1] != 'A' else 'B'}"
    elif spoil == "unknown prefix":
        token = f"lsn_000000000000_{secret}"
    elif spoil == "no prefix":
        token = f"lsn_{secret}"
    elif spoil == "not ours":
        token = f"ghp_{prefix}_{secret}"
    elif spoil == "expired":
        ApiToken.objects.filter(prefix=prefix).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    else:
        User.objects.filter(pk=user.pk).update(is_active=False)
    # then it finds no user, and the API answers 401
    assert user_for_token(token) is None
    assert client.get(API, headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_token_expiring_later_still_works(client):
    user = make_user(org=make_org("MOFA"))
    token = create_api_token(user=user, name="script")
    ApiToken.objects.filter(user=user).update(expires_at=timezone.now() + dt.timedelta(hours=1))
    assert user_for_token(token) == user
    assert client.get(API, headers={"Authorization": f"Bearer {token}"}).status_code == 200

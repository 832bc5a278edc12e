"""Fixtures shared by every module's tests."""

import pytest
from django.test import override_settings

pytest_plugins = ["liaison.core.tests.browser", "liaison.core.tests.brokers"]

# Django's default hasher takes over a second per password on CI's machine, and the tests make
# and sign in many users. A test about hashing itself can set `settings.PASSWORD_HASHERS` again.
FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    with override_settings(PASSWORD_HASHERS=FAST_PASSWORD_HASHERS):
        yield


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache (cached reference lists, the matcher's cache)."""
    from django.core.cache import cache

    cache.clear()

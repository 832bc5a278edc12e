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


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix: None, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """SQLite's test database is a file of the test process, not Django's in-memory default.

    In memory, the live server's threads would share the test's one connection, and a browser
    test fails now and then ("bad parameter or other API misuse") when the page's requests and the
    test's own queries meet on it. On a file, every thread has its own connection, as in
    production. PostgreSQL is left as pytest-django sets it (one database per xdist worker)."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("database") / "test.sqlite3")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache (cached reference lists, the matcher's cache)."""
    from django.core.cache import cache

    cache.clear()


def _flushes_the_database(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction"))
    fixtures = set(getattr(item, "fixturenames", ()))
    return transactional or bool({"transactional_db", "live_server", "celery_broker"} & fixtures)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    """A transactional test (browser, broker, thread tasks) ends by emptying every table, the
    reference data the migrations loaded included; the next test of the same process must find
    the countries, Viet Nam's provinces and the default status rules again, whichever test ran
    before it.

    Done here, after every fixture of the test was torn down, rather than in a fixture: a
    fixture's teardown may run before the database's, which is the one that empties the tables."""
    yield
    if nextitem is None or not _flushes_the_database(item):
        return  # the last test of the process: the test database is gone already
    from pytest_django.plugin import blocking_manager_key

    from liaison.directory import reference
    from liaison.membership.statuses import install_default_rules

    with item.config.stash[blocking_manager_key].unblock():
        reference.load_countries()
        reference.load_vietnam_provinces()
        install_default_rules()

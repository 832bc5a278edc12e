"""Browser-test fixtures: Django's live server driven by Debian's Chromium through Playwright.

Registered for the whole suite by `liaison/conftest.py`. A test asks for `page` (a fresh browser
context per test) and `live_server`, and is marked `browser` and
`django_db(transaction=True)` (the live server answers from another thread, so the test's data
must be committed). Without /usr/bin/chromium the tests are skipped with the reason; .ci/run
sets LIAISON_REQUIRE_BROWSER=1, which turns that skip into a failure.

Screenshots go to var/screenshots/: `<test name>.png` when a test fails, and `<name>.png` where
a test calls `shot(page, "<name>")` at a key step.

The pages' Content Security Policy forbids eval, so `page.wait_for_function("...")` fails in them:
wait with locators and `playwright.sync_api.expect` instead (`page.evaluate` is not affected).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("LIAISON_CHROMIUM", "/usr/bin/chromium"))
# Flags this machine needs: no sandbox as root, no GPU, and no calls home on a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"
TIMEOUT_MS = 15_000
DEMO_PASSWORD = "demo-browser-password-4fj29x"


def _slug(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", value).strip("_")[:120]


@dataclass
class Console:
    """What went wrong in the page: console errors, uncaught exceptions, failed requests."""

    errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)

    def csp_violations(self) -> list[str]:
        return [e for e in self.errors if "content security policy" in e.lower()]

    def problems(self) -> list[str]:
        return self.errors + self.failed_requests


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Any test that uses the browser is a browser test, whether or not it says so."""
    for item in items:
        if {"page", "browser"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    report = yield
    # Kept on the item so that the `page` fixture can screenshot a failure before it closes.
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is not installed (apt-get install chromium)"
        if os.environ.get("LIAISON_REQUIRE_BROWSER"):  # CI installs it: a skip there hides a fault
            pytest.fail(f"{reason}, and LIAISON_REQUIRE_BROWSER is set")
        pytest.skip(f"{reason}; browser tests skipped")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is a dev dependency
        pytest.skip("the playwright package is not installed")
    # Playwright's sync API keeps an asyncio loop on this thread; the test's own ORM calls are
    # still synchronous, so Django's async-safety check would only get in the way.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def fast_passwords(settings: Any) -> None:
    """Users made for a browser test hash their passwords quickly (the real hasher is slow)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def console() -> Console:
    return Console()


@pytest.fixture
def page(browser: Any, live_server: Any, console: Console, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A page in a fresh context (no cookies), with the live server as its base address."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-GB"
    )
    context.set_default_timeout(TIMEOUT_MS)
    # Chromium logs a blocked resource; this also reports what a policy blocks without a log line.
    context.add_init_script(
        "document.addEventListener('securitypolicyviolation', function (e) {"
        " console.error('Content Security Policy violation: ' + e.violatedDirective + ' '"
        " + (e.blockedURI || '') + ' at ' + e.sourceFile + ':' + e.lineNumber); });"
    )
    page = context.new_page()

    def on_console(message: Any) -> None:
        # A failed request is reported with its address by on_response instead.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            console.errors.append(message.text)

    def on_response(response: Any) -> None:
        # Browsers ask for /favicon.ico by themselves; the pages do not link one.
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            console.failed_requests.append(f"{response.status} {response.request.method} {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: console.errors.append(f"pageerror: {error}"))
    page.on("response", on_response)
    yield page
    failed = any(
        getattr(getattr(request.node, f"rep_{when}", None), "failed", False) for when in ("setup", "call")
    )
    if failed:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        try:
            page.screenshot(path=str(SCREENSHOTS / f"{_slug(request.node.name)}.png"), full_page=True)
        except Exception as error:  # a screenshot must not hide the test's own failure
            print(f"could not save a screenshot: {error}")
    context.close()


def shot(page: Any, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot of a key step as var/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{_slug(name)}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def sign_in(page: Any, username: str, password: str, *, next_url: str = "") -> None:
    """Sign in through the real sign-in form and wait for the page it leads to."""
    from django.urls import reverse

    url = reverse("accounts:sign-in") + (f"?next={next_url}" if next_url else "")
    page.goto(url)
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    if "/accounts/sign-in/" in page.url:
        raise AssertionError(f"sign-in as {username!r} failed; the page says: {page.inner_text('main')}")


def choose_language(page: Any, code: str) -> None:
    """Pick a language in the header's selector (it submits itself) and wait for the new page."""
    with page.expect_navigation():
        page.select_option("#language-select", code)
    page.wait_for_load_state("load")


def make_demo_directory() -> dict[str, Any]:
    """The demo users and Directory, as `liaison demo` makes them; returns the users by name."""
    from liaison.accounts.demo import ensure_demo_users
    from liaison.directory.demo import load_demo_directory

    users = ensure_demo_users(password=DEMO_PASSWORD)
    load_demo_directory(by=users["admin"])
    # A second call gives the demo users their memberships, now that the organisations exist.
    return ensure_demo_users(password=DEMO_PASSWORD)

"""Signing in, and the interface language, in a real browser."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.urls import reverse

from liaison.core.testing import PASSWORD, make_user
from liaison.core.tests.browser import choose_language, shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _submit(page) -> None:
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


def test_a_wrong_password_shows_the_error_and_signs_nobody_in(page, console, fast_passwords):
    make_user("mai")
    page.goto(reverse("home"))
    assert "/accounts/sign-in/" in page.url  # the home page asks for a sign-in first

    page.fill("#id_username", "mai")
    page.fill("#id_password", "not the password")
    _submit(page)
    assert "/accounts/sign-in/" in page.url
    error = page.locator(".form-errors[role=alert]")
    assert error.inner_text().strip() == "The user name or password is not correct."
    assert page.input_value("#id_username") == "mai"
    assert page.input_value("#id_password") == ""  # a password is never sent back
    assert page.locator("header .who").count() == 0
    shot(page, "sign-in-wrong-password")

    # The right password then works, and leads to the page first asked for.
    page.fill("#id_password", PASSWORD)
    _submit(page)
    assert urlparse(page.url).path == reverse("home")
    assert page.locator("header .who").inner_text().strip() == "mai"
    assert console.problems() == []


def _submit_without_browser_checks(page) -> None:
    """Send the form as it is, past the browser's own checks (`required`), to see the server's."""
    page.evaluate(
        "document.querySelectorAll('main form [required]').forEach(e => e.removeAttribute('required'))"
    )
    _submit(page)


def test_an_empty_sign_in_form_shows_field_errors(page, console):
    page.goto(reverse("accounts:sign-in"))
    # The browser itself refuses an empty form...
    page.locator("main form button[type=submit]").click()
    assert page.locator("#id_username:invalid").count() == 1
    assert "/accounts/sign-in/" in page.url
    # ...and so does the server.
    _submit_without_browser_checks(page)
    assert page.locator(".field:has(#id_username) .error").inner_text().strip() == "This field is required."
    assert page.locator(".field:has(#id_password) .error").inner_text().strip() == "This field is required."
    assert console.problems() == []


def _compiled(language: str) -> bool:
    return any((Path(p) / language / "LC_MESSAGES" / "django.mo").exists() for p in settings.LOCALE_PATHS)


def test_the_vietnamese_interface_speaks_vietnamese(page, console, fast_passwords):
    make_user("lan")
    page.goto(reverse("accounts:sign-in"))
    choose_language(page, "vi")
    html = page.locator("html")
    assert html.get_attribute("lang") == "vi"
    assert html.get_attribute("dir") == "ltr"
    assert page.locator("#language-select").input_value() == "vi"
    # Django's own messages are translated whatever the project has compiled.
    _submit_without_browser_checks(page)
    assert page.locator(".field:has(#id_username) .error").inner_text().strip() == "Trường này là bắt buộc."
    if _compiled("vi"):  # and the project's own, once its catalogue is compiled
        assert page.locator("h1").inner_text().strip() == "Đăng nhập"
        assert page.locator("main button[type=submit]").inner_text().strip() == "Đăng nhập"
    shot(page, "sign-in-vi")

    # Signed in, the pages are Vietnamese once chosen in the header.
    sign_in(page, "lan", PASSWORD)
    choose_language(page, "vi")
    page.goto(reverse("directory:organisation-list"))
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert console.problems() == []


def test_the_language_chosen_on_the_sign_in_page_is_kept_after_signing_in(page, fast_passwords):
    make_user("lan")
    page.goto(reverse("accounts:sign-in"))
    choose_language(page, "vi")
    sign_in(page, "lan", PASSWORD)
    assert page.locator("html").get_attribute("lang") == "vi"


def test_a_language_chosen_when_signed_in_is_remembered_for_the_next_sign_in(page, console, fast_passwords):
    from liaison.accounts.models import User

    make_user("huong")
    sign_in(page, "huong", PASSWORD)
    choose_language(page, "ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert User.objects.get(username="huong").language == "ar"

    with page.expect_navigation():
        page.locator("header form button.link-button").click()  # sign out
    page.context.clear_cookies()  # a new browser: no language cookie left
    sign_in(page, "huong", PASSWORD)
    assert page.locator("html").get_attribute("lang") == "ar"
    assert page.locator("html").get_attribute("dir") == "rtl"
    shot(page, "home-ar-after-sign-in")
    assert console.problems() == []

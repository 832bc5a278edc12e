"""Organisation pages in a real browser: the new-organisation form, the picker, live filtering."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from liaison.core.access import Role
from liaison.core.testing import PASSWORD, make_org, make_person, make_superuser, make_user
from liaison.core.tests.browser import choose_language, shot, sign_in
from liaison.directory.models import NameKind
from liaison.directory.services import NameInput

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VUFO_EN = "Vietnam Union of Friendship Organizations"
VUFO_VI = "Liên hiệp các tổ chức hữu nghị Việt Nam"
VUFO_AR = "اتحاد منظمات الصداقة الفيتنامية"


@pytest.fixture
def vufo(fast_passwords):
    return make_org(
        VUFO_EN,
        pillar="people",
        kind="mass_organisation",
        extra_names=[
            NameInput(value=VUFO_VI, language="vi"),
            NameInput(value=VUFO_AR, language="ar"),
            NameInput(value="VUFO", language="en", kind=NameKind.ABBREVIATION),
        ],
    )


def _error_of(page, field: str) -> str:
    return page.locator(f".field:has(#id_{field}) .error").inner_text().strip()


def test_wrong_input_in_the_new_organisation_form_shows_field_errors_and_creates_nothing(
    page, console, fast_passwords
):
    from liaison.directory.models import Organisation

    make_superuser("root")
    make_org("Ministry of Foreign Affairs")
    before = Organisation.objects.count()
    sign_in(page, "root", PASSWORD)
    page.goto(reverse("directory:organisation-create"))

    # No name in any language, and an end date before the start date.
    page.select_option("#id_pillar", "state")
    page.select_option("#id_kind", "ministry")
    page.fill("#id_valid_from", "2025-03-01")
    page.fill("#id_valid_to", "2024-12-31")
    with page.expect_navigation():
        page.locator("form.record-form button[type=submit]").click()

    assert page.url.endswith(reverse("directory:organisation-create"))
    assert page.locator("h1").inner_text().strip() == "New organisation"
    assert _error_of(page, "valid_to") == "The end date must not be before the start date."
    assert _error_of(page, "name_en") == "Give the name in at least one language."
    assert page.locator(".field-invalid").count() == 2
    # What was typed is kept.
    assert page.input_value("#id_valid_from") == "2025-03-01"
    assert page.input_value("#id_valid_to") == "2024-12-31"
    shot(page, "organisation-form-errors-en")
    assert Organisation.objects.count() == before

    # A bad email address is an error on its own field too.
    page.fill("#id_name_en", "Institute for Testing")
    page.fill("#id_valid_to", "")
    page.fill("#id_email", "not an address")
    with page.expect_navigation():
        page.locator("form.record-form button[type=submit]").click()
    assert page.locator(".field-invalid").count() == 1
    assert page.locator(".field:has(#id_email) .error").is_visible()
    assert Organisation.objects.count() == before
    assert console.problems() == []


def test_the_organisation_picker_suggests_by_an_arabic_name_and_saves_the_choice(page, console, vufo):
    from liaison.directory.models import Organisation

    make_org("Ministry of Foreign Affairs")  # another organisation the picker must not choose
    make_user("vufo.editor", org=vufo, role=Role.EDITOR)
    sign_in(page, "vufo.editor", PASSWORD)
    page.goto(reverse("directory:organisation-create"))

    page.fill("#id_name_en", "Vietnam-Algeria Friendship Association")
    page.fill("#id_name_ar", "جمعية الصداقة الفيتنامية الجزائرية")
    page.select_option("#id_pillar", "people")
    page.select_option("#id_kind", "friendship_association")
    picker = page.locator("#id_parent_search")
    picker.press_sequentially("منظمات الصداقة", delay=20)
    suggestion = page.locator(f".autocomplete-results button[data-id='{vufo.pk}']")
    suggestion.wait_for()
    shot(page, "organisation-picker-suggestions")
    suggestion.click()
    assert page.locator(".autocomplete-results li").count() == 0
    assert page.input_value("#id_parent") == str(vufo.pk)
    assert picker.input_value() == VUFO_EN  # the interface is English: the English name is shown

    with page.expect_navigation():
        page.locator("form.record-form button[type=submit]").click()
    created = Organisation.objects.get(names__value="Vietnam-Algeria Friendship Association")
    assert page.url.endswith(reverse("directory:organisation-detail", args=[created.pk]))
    assert created.parent_id == vufo.pk
    assert page.locator(".messages").inner_text().strip() == "Organisation created."
    assert console.problems() == []


def test_the_position_picker_finds_an_organisation_by_vietnamese_without_diacritics(
    page, console, vufo, fast_passwords
):
    from liaison.directory.models import Position

    root = make_superuser("root")
    person = make_person("Phan Anh Sơn", owner=vufo, by=root)
    sign_in(page, "root", PASSWORD)
    page.goto(reverse("directory:position-add", args=[person.pk]))
    page.locator("#id_organisation_search").press_sequentially("lien hiep cac to chuc huu nghi", delay=10)
    suggestion = page.locator(f".autocomplete-results button[data-id='{vufo.pk}']")
    suggestion.wait_for()
    suggestion.click()
    page.fill("#id_title_en", "President")
    with page.expect_navigation():
        page.locator("form.record-form button[type=submit]").click()
    assert page.url.endswith(reverse("directory:person-detail", args=[person.pk]))
    position = Position.objects.get(person=person)
    assert position.organisation_id == vufo.pk
    assert page.locator("#positions table").inner_text().count("President") == 1
    assert console.problems() == []


def test_the_organisation_list_filters_live_without_reloading_the_page(page, console, vufo):
    make_superuser("root")
    make_org("Ministry of Foreign Affairs", kind="ministry")
    make_org("Ministry of Public Security", kind="ministry")
    make_org("Communist Party of Vietnam", pillar="party", kind="other")
    sign_in(page, "root", PASSWORD)
    page.goto(reverse("directory:organisation-list"))
    rows = page.locator("#results table.records tbody tr")
    assert rows.count() == 4
    page.evaluate("window.__notReloaded = true")

    # Typing in the search box asks for the results only, and shows them in place.
    with page.expect_response(lambda r: "/directory/organisations/?" in r.url and "q=" in r.url) as answer:
        page.locator("#f-q").press_sequentially("friendship", delay=20)
    assert answer.value.request.headers.get("hx-request") == "true"
    expect(page.locator("#results tbody tr")).to_have_count(1)
    assert VUFO_EN in rows.first.inner_text()
    assert page.evaluate("window.__notReloaded") is True
    assert "q=friendship" in page.url  # the address follows, so the result can be shared

    # A filter changes the results in place too.
    page.fill("#f-q", "")
    expect(page.locator("#results tbody tr")).to_have_count(4)
    page.select_option("#f-pillar", "party")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    assert "Communist Party of Vietnam" in rows.first.inner_text()
    assert page.evaluate("window.__notReloaded") is True
    assert page.locator("form.filters").count() == 1  # the partial, not a page inside the page
    shot(page, "organisation-list-live-filter")
    assert console.problems() == []


def test_no_content_security_policy_violations_on_the_directory_pages(page, console, vufo):
    root = make_superuser("root")
    person = make_person(
        owner=vufo,
        by=root,
        names=[NameInput(value="Phan Anh Sơn", language="vi"), NameInput(value="فان آنه سون", language="ar")],
    )
    sign_in(page, "root", PASSWORD)
    pages = [
        reverse("home"),
        reverse("directory:organisation-list"),
        reverse("directory:organisation-tree"),
        reverse("directory:organisation-detail", args=[vufo.pk]),
        reverse("directory:organisation-create"),
        reverse("directory:person-list"),
        reverse("directory:person-detail", args=[person.pk]),
        reverse("directory:position-add", args=[person.pk]),
        reverse("directory:holders"),
    ]
    for language in ("en", "ar"):
        if language != "en":
            choose_language(page, language)
        for url in pages:
            response = page.goto(url)
            assert response is not None and response.status == 200, url
            assert "script-src 'self' 'nonce-" in response.headers["content-security-policy"]
            # The stylesheet and scripts loaded, and ran.
            assert page.evaluate("getComputedStyle(document.body).margin") == "0px", url
            assert page.evaluate("typeof window.htmx") == "object", url
    # The dynamic parts, which insert HTML, too.
    page.goto(reverse("directory:organisation-list"))
    page.locator("#f-q").press_sequentially("hữu nghị", delay=10)
    expect(page.locator("#results tbody tr")).to_have_count(1)
    page.goto(reverse("directory:organisation-create"))
    page.locator("#id_parent_search").press_sequentially("VUFO", delay=10)
    page.locator(".autocomplete-results li").first.wait_for()
    assert console.csp_violations() == []
    assert console.problems() == []

"""The issue's "done when" walk, in a real browser on the demo Directory.

Sign in as the demo administrator, switch the interface to Arabic, find Phan Anh Sơn by another
Arabic spelling, open his page and see his position at VUFO and the History section.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from liaison.core.tests.browser import DEMO_PASSWORD, choose_language, make_demo_directory, shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SON_AR = "فان آنه سون"  # his Arabic display name
SON_VI = "Phan Anh Sơn"
VUFO_AR = "اتحاد منظمات الصداقة الفيتنامية"
VUFO_EN = "Vietnam Union of Friendship Organizations"


def test_admin_finds_phan_anh_son_in_arabic_and_sees_his_vufo_position(page, console, fast_passwords):
    make_demo_directory()
    from liaison.directory.models import Person

    son = Person.objects.get(external_key="seed:phan-anh-son")
    son_url = reverse("directory:person-detail", args=[son.pk])

    # Sign in through the sign-in page.
    sign_in(page, "admin", DEMO_PASSWORD)
    assert page.locator("html").get_attribute("lang") == "en"
    shot(page, "walk-01-home-en")

    # Switch to Arabic with the header's language selector.
    choose_language(page, "ar")
    html = page.locator("html")
    assert html.get_attribute("dir") == "rtl"
    assert html.get_attribute("lang") == "ar"
    # Right to left: the brand sits at the right edge of the header, the tools at the left.
    header = page.locator("header.site-header").bounding_box()
    brand = page.locator("header .brand").bounding_box()
    tools = page.locator("header .header-tools").bounding_box()
    assert header and brand and tools
    assert brand["x"] + brand["width"] > header["x"] + header["width"] * 0.8, (brand, header)
    assert tools["x"] < brand["x"], (tools, brand)
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    shot(page, "walk-02-home-ar")

    # Search people with another Arabic spelling of his name, from the home page's search box.
    page.fill("#home-q", "فان آن سون")
    with page.expect_navigation():
        page.locator("form.search-box button[type=submit]").click()
    assert "/directory/people/" in page.url
    link = page.locator(f"#results a[href='{son_url}']")
    link.wait_for()
    assert link.inner_text().strip() in {SON_AR, SON_VI}
    shot(page, "walk-03-people-search-ar")

    # Open his page.
    with page.expect_navigation():
        link.click()
    assert page.url.endswith(son_url)
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("h1").inner_text().strip() == SON_AR

    # His position at VUFO, named in Arabic.
    positions = page.locator("#positions")
    vufo_link = positions.locator("table a", has_text=re.compile(f"{VUFO_AR}|{VUFO_EN}"))
    assert vufo_link.count() >= 1
    assert VUFO_AR in positions.inner_text()
    # And the History section.
    history = page.locator("section.history")
    assert history.is_visible()
    assert history.locator("#history-heading").is_visible()
    assert history.locator("li").count() >= 1, "his creation should be in the history"
    shot(page, "walk-04-person-ar")

    # The English organisation list, for the record.
    choose_language(page, "en")
    assert page.locator("html").get_attribute("dir") == "ltr"
    page.goto(reverse("directory:organisation-list"))
    assert page.locator("#results table.records tbody tr").count() > 10
    shot(page, "walk-05-organisation-list-en")

    assert console.csp_violations() == []
    assert console.problems() == []

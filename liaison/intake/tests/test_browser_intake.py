"""The issue's "done when" walk for intake, in a real browser: an Arabic article pasted, its review
page (right to left) with people, titles, dates and figures marked, the proposals accepted, and
the new activity showing its source sentence with a link back to the review page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from liaison.activities.tests.test_browser_activities import _pick
from liaison.core.tests.browser import DEMO_PASSWORD, choose_language, make_demo_directory, shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTICLE = (
    "هانوي - في 12 مارس، ترأس رئيس قسم الشؤون الخارجية باللجنة المركزية، لي هواي ترونغ، "
    "مؤتمراً في هانوي بشكل مباشر وعبر الإنترنت مع 40 موقعاً، بمشاركة ما يقرب من 200 مندوب.\n"
    "وقال إن الدبلوماسية الشعبية حققت 45 زيارة خلال عام 2023.\n"
)


def test_an_arabic_article_is_reviewed_into_an_activity_with_its_source(page, live_server) -> None:
    make_demo_directory()
    sign_in(page, "admin", DEMO_PASSWORD)
    choose_language(page, "ar")
    page.goto("/intake/new/")
    page.fill("#id_text", ARTICLE)
    _pick(page, "id_owner", "VUFO", re.compile(r"^\s*(اتحاد منظمات الصداقة|Vietnam Union)"))
    page.fill("#id_published_on", "2024-03-12")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    text = page.locator("article.intake-text")
    expect(text).to_have_attribute("dir", "rtl")
    for kind in ("person", "date", "figure", "event"):
        expect(text.locator(f"mark.type-{kind}").first).to_be_visible()
    shot(page, "intake-review-arabic")
    page.locator("form[action$='/accept-all/'] button").click()
    expect(page.locator(".intake-proposal.state-accepted").first).to_be_visible()
    record = page.locator("#group-event ~ ul a.intake-record").first
    expect(record).to_be_visible()
    with page.expect_navigation():
        record.click()
    sources = page.locator("ul[aria-labelledby=sources-heading]")
    expect(sources).to_contain_text("لي هواي ترونغ")
    expect(sources.locator("a[href*='/intake/']")).to_have_count(1)
    shot(page, "intake-activity-source")

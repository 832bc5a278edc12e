"""The issue's "done when" walk for coordination, in a real browser.

A MOFA editor records a high-level incoming visit under embargo three weeks ahead; VUFO's inbox
shows the notice with only the shared fields; VUFO acknowledges; MOFA moves the dates and VUFO
gets one update notice; a visit entered five days ahead shows as late on the health page, with
its escalation sent.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from liaison.activities.tests.test_browser_activities import _pick
from liaison.core.tests.browser import DEMO_PASSWORD, choose_language, make_demo_directory, shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
TITLE = "State visit of the King of Cambodia (browser test)"
LATE_TITLE = "Visit of the Prime Minister of Laos (browser test)"
AGENDA = "Confidential agenda: border talks (browser test)"


def _world() -> None:
    from liaison.coordination.demo import load_demo_coordination
    from liaison.core.testing import make_org, make_person

    users = make_demo_directory()
    load_demo_coordination(by=users["admin"])
    cambodia = make_org(
        "Royal Palace of Cambodia (browser test)", pillar="foreign", kind="foreign_state_body"
    )
    make_person("Norodom Sihamoni", owner=cambodia)
    make_person("Sonexay Siphandone", owner=cambodia)


def _record_visit(
    page, live_server, title: str, leader: str, start: dt.datetime, *, summary: str = ""
) -> None:
    page.goto(f"{live_server.url}/activities/new/")
    page.select_option("#id_kind", "incoming_visit")
    page.fill("#id_title_en", title)
    if summary:
        page.fill("#id_summary_en", summary)
    _pick(page, "id_lead_organisation", "Ministry of Foreign Affairs", "Ministry of Foreign Affairs")
    _pick(page, "id_leader", leader.split()[0], leader.split()[0])
    page.select_option("#id_leader_rank", "head_of_state")
    page.fill("#id_starts_at", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_ends_at", (start + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_embargo_until", (start - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))
    with page.expect_navigation():
        page.locator("form.record-form button[type=submit]").click()
    expect(page.locator(".badges")).to_contain_text("Embargoed until")


def test_a_visit_is_told_acknowledged_updated_and_a_late_one_escalated(
    page, console, fast_passwords, live_server
):
    from liaison.activities.models import Activity
    from liaison.coordination.models import Escalation, Notice, NoticeKind, NoticeStatus

    _world()
    start = (dt.datetime.now(HANOI) + dt.timedelta(days=21)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )

    # A MOFA editor records the visit, under embargo, three weeks ahead.
    sign_in(page, "mofa.editor", DEMO_PASSWORD)
    _record_visit(page, live_server, TITLE, "Norodom Sihamoni", start, summary=AGENDA)
    activity = Activity.objects.get(title_en=TITLE)
    [notice] = Notice.objects.filter(activity_ref=activity.pk)
    assert not notice.late

    # VUFO's inbox shows it, unread; the notice shows the shared fields and not the summary.
    page.context.clear_cookies()
    sign_in(page, "vufo.editor", DEMO_PASSWORD)
    expect(page.locator("#unread-badge")).to_have_text("1")
    page.goto(f"{live_server.url}/coordination/inbox/")
    row = page.locator("table.notices tbody tr", has_text=TITLE)
    expect(row).to_have_class("unread")
    shot(page, "coordination-01-vufo-inbox")
    with page.expect_navigation():
        row.get_by_role("link").click()
    main = page.locator("main")
    expect(main).to_contain_text(TITLE)
    expect(main).to_contain_text("Norodom Sihamoni")
    expect(main).not_to_contain_text(AGENDA)
    expect(main).not_to_contain_text("Open the activity")
    assert page.goto(f"{live_server.url}{activity.get_absolute_url()}").status == 404  # embargoed
    page.go_back()
    shot(page, "coordination-02-notice")

    # VUFO acknowledges.
    with page.expect_navigation():
        page.get_by_role("button", name="Acknowledge").click()
    expect(page.locator("main")).to_contain_text("Acknowledged")
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.ACKNOWLEDGED

    # MOFA moves the dates by two days: VUFO gets one update notice.
    page.context.clear_cookies()
    sign_in(page, "mofa.editor", DEMO_PASSWORD)
    page.goto(f"{live_server.url}{activity.get_absolute_url()}edit/")
    later = start + dt.timedelta(days=2)
    page.fill("#id_starts_at", later.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_ends_at", (later + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"))
    with page.expect_navigation():
        page.locator("form.record-form button[type=submit]").click()
    updates = Notice.objects.filter(activity_ref=activity.pk, kind=NoticeKind.UPDATE)
    assert updates.count() == 1
    page.context.clear_cookies()
    sign_in(page, "vufo.editor", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/coordination/inbox/")
    expect(page.locator("table.notices tbody tr", has_text=TITLE)).to_have_count(2)
    expect(page.locator("table.notices .badge-update")).to_have_count(1)
    with page.expect_navigation():
        page.locator("table.notices tbody tr", has_text="Update").get_by_role("link").click()
    expect(page.locator("main")).to_contain_text("What changed")
    shot(page, "coordination-03-update")

    # A visit entered five days ahead is late, and escalated to the agreement's coordinators.
    page.context.clear_cookies()
    sign_in(page, "mofa.editor", DEMO_PASSWORD)
    soon = (dt.datetime.now(HANOI) + dt.timedelta(days=5)).replace(hour=9, minute=0, second=0, microsecond=0)
    _record_visit(page, live_server, LATE_TITLE, "Sonexay Siphandone", soon)
    late = Notice.objects.get(activity__title_en=LATE_TITLE)
    assert late.late and Escalation.objects.filter(notice=late, reason="late").exists()
    page.context.clear_cookies()
    sign_in(page, "mofa.coordinator", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/coordination/health/?agreement={late.agreement_id}&year={soon.year}")
    late_table = page.locator("section", has=page.locator("#late-h"))
    expect(late_table).to_contain_text(LATE_TITLE)
    expect(late_table.locator("tr", has_text=LATE_TITLE)).to_contain_text("Escalated")
    expect(page.locator(".health-figures")).to_contain_text("notified on time")
    shot(page, "coordination-04-health")
    choose_language(page, "ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    shot(page, "coordination-05-health-ar")
    page.goto(f"{live_server.url}/coordination/inbox/?box=sent")
    shot(page, "coordination-06-sent-ar")
    assert not console.csp_violations(), console.csp_violations()

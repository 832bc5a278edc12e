"""The issue's "done when" walk for implementation tracking, in a real browser.

A CERC coordinator creates a plan under Directive 12 and assigns a task to every provincial
committee; Hà Tĩnh submits a report with an activity as evidence; the coordinator returns it with
a comment; Hà Tĩnh resubmits; the coordinator accepts it, and the heatmap and the roll-up change;
the hourly sweep tells Hà Tĩnh, late for the previous period, in its inbox, and escalates to the
coordinator; the plan's PDF, downloaded in Arabic, reads back as Arabic (rendered and OCR'd).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from liaison.activities.tests.test_browser_activities import _pick
from liaison.core.tests.browser import DEMO_PASSWORD, choose_language, make_demo_directory, shot, sign_in
from liaison.implementation.tests.test_printing import _ocr_first_page, pdf_tools  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
PLAN = "Directive 12 plan (browser test)"
PLAN_AR = "خطة تنفيذ التوجيه"
TASK = "People's diplomacy exchanges (browser test)"
EVIDENCE = "Friendship exchange with Khammouane (browser test)"
HA_TINH = "seed:ha-tinh-party-committee"


def _reporting_window(today: dt.date) -> tuple[dt.date, int]:
    """A plan start and a number of days to report within such that the previous quarter's
    deadline passed five days ago (so the sweep finds it overdue) and the current quarter is
    open for reporting."""
    quarter_start = dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    previous_end = quarter_start - dt.timedelta(days=1)
    within = (today - dt.timedelta(days=5) - previous_end).days
    if within < 1:  # the first days of a quarter: go back one more
        previous_end = dt.date(previous_end.year, (previous_end.month - 1) // 3 * 3 + 1, 1) - dt.timedelta(
            days=1
        )
        within = (today - dt.timedelta(days=5) - previous_end).days
    return dt.date(previous_end.year - 1, 1, 1), within


def _world() -> dict[str, object]:
    from liaison.activities.testing import make_activity
    from liaison.core.audit import acting_as
    from liaison.directory.models import Organisation
    from liaison.implementation import services

    users = make_demo_directory()
    secretariat = Organisation.objects.get(external_key="seed:cpv-secretariat")
    cerc = Organisation.objects.get(external_key="seed:cerc")
    hatinh = Organisation.objects.get(external_key="seed:ha-tinh-party-committee")
    with acting_as(users["admin"], via="test"):
        directive = services.create_document(
            by=users["admin"],
            data=services.DocumentInput(
                code="12-CT/TW",
                kind="directive",
                issuer=secretariat,
                issued_on=dt.date(2022, 1, 5),
                owner=cerc,
                title_en="Directive on people's diplomacy in the new situation",
            ),
        )
    today = dt.datetime.now(HANOI).date()
    make_activity(
        EVIDENCE,
        lead=hatinh,
        by=users["admin"],
        starts_at=dt.datetime.combine(today - dt.timedelta(days=3), dt.time(9), tzinfo=HANOI),
    )
    return {"directive": directive, "users": users}


@pytest.mark.usefixtures("pdf_tools")
def test_a_plan_is_assigned_reported_returned_accepted_and_the_late_are_told(
    page,
    console,
    fast_passwords,
    live_server,
    tmp_path,
):
    from liaison.coordination.models import Escalation, Notice, NoticeKind
    from liaison.implementation import reminders
    from liaison.implementation.models import Assignment, Plan, ProgressReport

    world = _world()
    today = dt.datetime.now(HANOI).date()
    start, within = _reporting_window(today)

    # A CERC coordinator creates a plan under Directive 12 ...
    sign_in(page, "cerc.coordinator", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/implementation/plans/new/?document={world['directive'].pk}")  # type: ignore[attr-defined]
    page.fill("#id_title_en", PLAN)
    page.fill("#id_title_ar", PLAN_AR)
    page.fill("#id_starts_on", start.isoformat())
    page.fill("#id_ends_on", dt.date(today.year + 1, 12, 31).isoformat())
    page.fill("#id_report_within_days", str(within))
    _pick(page, "id_owner", "Commission for External", "Commission for External Relations")
    with page.expect_navigation():
        page.locator("form.record-form button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text(PLAN)
    plan = Plan.objects.get(title_en=PLAN)

    # ... with a task assigned to every provincial committee that existed when the plan began.
    with page.expect_navigation():
        page.get_by_role("link", name="New task").first.click()
    page.fill("#id_title_en", TASK)
    _pick(page, "id_responsible", "Commission for External", "Commission for External Relations")
    with page.expect_navigation():
        page.locator("form.record-form button[type=submit]").click()
    page.select_option("#id_group", "provincial_committees")
    page.fill("#id_on", start.isoformat())
    with page.expect_navigation():
        page.get_by_role("button", name="Assign").click()
    expect(page.locator("main")).to_contain_text("Assigned to")
    assigned = Assignment.objects.filter(task__plan=plan)
    assert (
        assigned.count() >= 2
        and assigned.filter(organisation__external_key="seed:ha-tinh-party-committee").exists()
    )
    page.goto(f"{live_server.url}/implementation/plans/{plan.pk}/heatmap/")
    hatinh_row = page.locator("tr", has_text="Ha Tinh Provincial Party Committee")
    expect(hatinh_row).to_contain_text("Not started")
    shot(page, "implementation-01-heatmap-before")

    # Hà Tĩnh reports from its worklist, with an activity as evidence, and submits.
    page.context.clear_cookies()
    sign_in(page, "hatinh.editor", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/implementation/worklist/")
    with page.expect_navigation():
        page.locator("tr", has_text=TASK).get_by_role("link", name="Write the report").click()
    page.select_option("#id_progress", "on_track")
    page.fill("#id_percent", "40")
    page.select_option(
        "#id_activities", label=page.locator("#id_activities option", has_text=EVIDENCE).inner_text()
    )
    page.fill("#id_narrative", "Two exchanges held.")
    with page.expect_navigation():
        page.get_by_role("button", name="Submit for approval").click()
    expect(page.locator("main")).to_contain_text("Submitted")
    expect(page.locator("main")).to_contain_text(EVIDENCE)
    report = ProgressReport.objects.get(assignment__task__plan=plan)
    shot(page, "implementation-02-submitted")

    # The coordinator returns it with a comment.
    page.context.clear_cookies()
    sign_in(page, "cerc.coordinator", DEMO_PASSWORD)
    page.goto(f"{live_server.url}{report.get_absolute_url()}")
    page.fill("#id_comment", "Name the partners of each exchange.")
    with page.expect_navigation():
        page.get_by_role("button", name="Return with comment").click()
    expect(page.locator("main")).to_contain_text("Returned")

    # Hà Tĩnh sees the comment, corrects and resubmits.
    page.context.clear_cookies()
    sign_in(page, "hatinh.editor", DEMO_PASSWORD)
    page.goto(f"{live_server.url}{report.get_absolute_url()}")
    expect(page.locator("main")).to_contain_text("Name the partners of each exchange.")
    with page.expect_navigation():
        page.locator("main").get_by_role("link", name="Edit").click()
    page.fill("#id_percent", "60")
    page.fill("#id_narrative", "Two exchanges held, with Khammouane and Bolikhamxay.")
    with page.expect_navigation():
        page.get_by_role("button", name="Submit for approval").click()
    report.refresh_from_db()
    assert report.status == "submitted" and report.versions.count() == 2

    # The coordinator accepts it: the heatmap cell and the roll-up change.
    page.context.clear_cookies()
    sign_in(page, "cerc.coordinator", DEMO_PASSWORD)
    page.goto(f"{live_server.url}{report.get_absolute_url()}")
    with page.expect_navigation():
        page.get_by_role("button", name="Approve").click()
    expect(page.locator("main")).to_contain_text("Accepted")
    page.goto(f"{live_server.url}/implementation/plans/{plan.pk}/heatmap/")
    expect(page.locator("tr", has_text="Ha Tinh Provincial Party Committee")).to_contain_text("On track")
    shot(page, "implementation-03-heatmap-after")
    page.goto(f"{live_server.url}{plan.get_absolute_url()}")
    expect(page.locator("main")).to_contain_text("60.0")

    # The hourly sweep: Hà Tĩnh, late for the previous quarter, is told; the coordinator sees
    # the escalation.
    result = reminders.sweep()
    assert result.overdue >= 1
    overdue = Notice.objects.get(
        kind=NoticeKind.OVERDUE, recipient__external_key="seed:ha-tinh-party-committee"
    )
    assert Escalation.objects.filter(notice=overdue, reason="report_missing").exists()
    page.context.clear_cookies()
    sign_in(page, "hatinh.editor", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/coordination/inbox/")
    row = page.locator("table.notices tbody tr", has_text=TASK)
    expect(row).to_contain_text("Overdue")
    with page.expect_navigation():
        row.get_by_role("link").first.click()
    expect(page.locator("main")).to_contain_text("a report owed under an implementation plan")
    expect(page.get_by_role("link", name="Open the report")).to_be_visible()
    shot(page, "implementation-04-overdue-notice")

    # The printable report, downloaded in Arabic, reads back as Arabic.
    page.context.clear_cookies()
    sign_in(page, "cerc.coordinator", DEMO_PASSWORD)
    page.goto(f"{live_server.url}{plan.get_absolute_url()}")
    choose_language(page, "ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    shot(page, "implementation-05-plan-ar")
    with page.expect_download() as download:
        page.locator(f"a[href$='/plans/{plan.pk}/report.pdf']").first.click()
    pdf = tmp_path / "plan.pdf"
    download.value.save_as(pdf)
    assert PLAN_AR in _ocr_first_page(pdf.read_bytes(), tmp_path)
    assert not console.problems(), console.problems()

"""The issue's "done when" walk for membership records, in a real browser.

Hà Nội's branch officer releases a member posted to the embassy in Paris to the embassy's branch;
the Paris branch's officer receives her, and the "abroad with no active branch" count drops by
one; an officer of another branch cannot see her; opening her dossier is in the audit, shown in
her history; a spreadsheet import with one bad row imports nothing and names the row. The checks
page is looked at in Arabic too (right to left).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import expect

from liaison.core.tests.browser import choose_language, shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MEMBER = "Lê Thị Xa Nhà"


def _world() -> dict[str, Any]:
    from liaison.core.audit import acting_as
    from liaison.core.testing import PASSWORD
    from liaison.membership import services
    from liaison.membership.testing import country, make_member, make_officer, make_register

    register = make_register()
    today = dt.date.today()
    member = make_member(MEMBER, branch=register.hanoi, register_number="HN-0042")
    other = make_member("Trịnh Văn Chưa Gắn", branch=register.hanoi)
    with acting_as(register.root, via="test"):
        for posted in (member, other):
            services.add_posting(
                by=register.root,
                member=posted,
                data=services.PostingInput(
                    country=country("FR"), start=today - dt.timedelta(days=60), mission=register.mission
                ),
            )
    return {
        "register": register,
        "member": member,
        "password": PASSWORD,
        "hanoi": make_officer(register.hanoi, username="hanoi.officer"),
        "paris": make_officer(register.paris, username="paris.officer"),
        "hue": make_officer(register.hue, username="hue.officer"),
    }


def _abroad_without_branch(page: Any) -> int:
    tile = page.locator("a.tile", has_text="Members abroad with no active branch")
    return int(tile.locator(".tile-number").inner_text().rstrip("+"))


def test_a_member_abroad_is_transferred_into_the_missions_branch_and_the_register_stays_private(
    page, console, fast_passwords, live_server, tmp_path
):
    from liaison.core.models import AuditAction, AuditEvent
    from liaison.membership.models import Member

    world = _world()
    member = world["member"]
    base = live_server.url

    # Hà Nội's officer sees two members abroad with no branch there, and releases one to Paris.
    sign_in(page, "hanoi.officer", world["password"])
    page.goto(f"{base}/membership/")
    before = _abroad_without_branch(page)
    assert before == 2
    shot(page, "membership-01-checks-before")
    page.goto(f"{base}/membership/members/{member.pk}/")
    with page.expect_navigation():
        page.get_by_role("link", name="Release for transfer").click()
    page.select_option("#id_kind", "temporary")
    page.select_option("#id_to_branch", label="Embassy Branch, Paris (FR)")
    page.fill("#id_letter_number", "15-CV/ĐUNN")
    page.fill("#id_letter_date", dt.date.today().isoformat())
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()
    expect(page.locator("main")).to_contain_text("Released, awaiting receipt")

    # The Paris branch's officer receives her from the transfers awaiting receipt.
    page.context.clear_cookies()
    sign_in(page, "paris.officer", world["password"])
    page.goto(f"{base}/membership/transfers/")
    with page.expect_navigation():
        page.locator("tr", has_text=MEMBER).get_by_role("link", name="Receive").click()
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()
    expect(page.locator("main")).to_contain_text("Temporarily attached")
    assert Member.objects.get(pk=member.pk).attached_to_id == world["register"].paris.pk

    # The count drops by one (seen by the sending officer, whose register it is).
    page.context.clear_cookies()
    sign_in(page, "hanoi.officer", world["password"])
    page.goto(f"{base}/membership/")
    assert _abroad_without_branch(page) == before - 1
    shot(page, "membership-02-checks-after")

    # Her dossier is opened; the audit keeps who looked, and her history shows it.
    page.goto(f"{base}/membership/members/{member.pk}/dossier/")
    expect(page.locator("h1")).to_contain_text(MEMBER)
    views = AuditEvent.objects.filter(action=AuditAction.VIEW, subject_id=str(member.pk))
    assert views.filter(actor=world["hanoi"]).count() == 1
    page.goto(f"{base}/membership/members/{member.pk}/")
    expect(page.locator("main")).to_contain_text("Viewed")

    # An officer of another branch cannot see her: the page is missing, the list does not name her.
    page.context.clear_cookies()
    sign_in(page, "hue.officer", world["password"])
    hidden = f"{base}/membership/members/{member.pk}/"
    response = page.goto(hidden)
    assert response is not None and response.status == 404
    console.failed_requests.remove(f"404 GET {hidden}")  # expected: her page is missing to Huế
    page.goto(f"{base}/membership/members/?q=Le Thi Xa Nha")
    expect(page.locator("main")).not_to_contain_text(MEMBER)

    # An import with one bad row imports nothing and names the row.
    page.context.clear_cookies()
    sign_in(page, "hanoi.officer", world["password"])
    sheet = tmp_path / "register.csv"
    sheet.write_text(
        "register_number,branch_key,name_vi,joined_on\n"
        f"HN-0100,id:{world['register'].hanoi.pk},Phan Văn Mới,2020-03-01\n"
        f"HN-0101,id:{world['register'].hanoi.pk},Đào Thị Sai,2020-13-45\n"
        f"HN-0102,id:{world['register'].hanoi.pk},Hồ Văn Đúng,2021-05-01\n",
        encoding="utf-8",
    )
    count = Member.objects.count()
    page.goto(f"{base}/membership/import/")
    page.set_input_files("input[type=file]", str(sheet))
    with page.expect_navigation():
        page.get_by_role("button", name="Upload and preview").click()
    expect(page.locator("main")).to_contain_text("nothing is imported until every row is valid")
    expect(page.locator("main")).to_contain_text("Row 3")
    expect(page.get_by_role("button", name="Import")).to_have_count(0)
    assert Member.objects.count() == count
    shot(page, "membership-03-import-refused")

    # The checks page in Arabic reads right to left.
    choose_language(page, "ar")
    page.goto(f"{base}/membership/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    shot(page, "membership-04-checks-ar")
    assert not console.problems(), console.problems()

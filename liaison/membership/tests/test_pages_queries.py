"""Query budgets of the membership pages that grow with the data: every list, the checks page,
a member's page and a dossier cost the same number of queries with one row as with five."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from liaison.core.audit import acting_as
from liaison.membership import dossiers, services, transfers
from liaison.membership.models import Member, TransferKind
from liaison.membership.testing import Register, country, make_branch, make_member, make_officer
from liaison.membership.tests.test_pages import TODAY, pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _queries(client: Client, path: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, path
    return [q["sql"] for q in captured.captured_queries]


def _add_rows(register: Register, n: int, start: int) -> Member:
    """`n` more of everything the lists show: members at Hà Nội posted abroad and released to Huế
    long ago (pending too long), with a scanned dossier digitised, a posting, status changes; and
    `n` more branches under the home committee. Returns the last member."""
    root = register.root
    member = None
    with acting_as(root, via="test"):
        for i in range(start, start + n):
            member = make_member(f"Nguyễn Văn Số {i}", branch=register.hanoi, register_number=f"Q-{i}")
            services.add_posting(
                by=root,
                member=member,
                data=services.PostingInput(country=country("FR"), start=TODAY - dt.timedelta(days=100)),
            )
            dossiers.add_file(by=root, member=member, upload=pdf_upload(f"scan-{i}.pdf", 1 + i % 3))
            if i % 2 == 0:
                dossiers.mark_digitised(by=root, member=member, on=TODAY - dt.timedelta(days=30 * i))
            services.record_event(by=root, member=member, kind="suspended", on=TODAY - dt.timedelta(days=50))
            transfers.release(
                by=root,
                member=member,
                data=transfers.ReleaseInput(
                    kind=TransferKind.PERMANENT,
                    to_branch=register.hue,
                    letter_number=f"{i}-CV",
                    letter_date=TODAY - dt.timedelta(days=40),
                    released_on=TODAY - dt.timedelta(days=40),
                    documents=[pdf_upload(f"letter-{i}.pdf", 1)],
                ),
            )
            make_branch(f"Cell {i}", parent=register.home.organisation, level="cell", by=root)
    assert member is not None
    return member


def _grow(register: Register, member: Member, n: int) -> None:
    """`n` more postings, events and dossier files for one member (a member's page and dossier)."""
    root = register.root
    member.refresh_from_db()
    with acting_as(root, via="test"):
        for i in range(n):
            start = dt.date(2015, 6, 1) + dt.timedelta(days=200 * i)
            services.add_posting(
                by=root,
                member=member,
                data=services.PostingInput(
                    country=country("DE"), start=start, end=start + dt.timedelta(days=100)
                ),
            )
            dossiers.add_file(by=root, member=member, upload=pdf_upload(f"more-{member.pk}-{i}.pdf", i + 2))


PAGES = [
    ("home", ()),
    ("members", ()),
    ("members", ("?q=nguyen van so",)),
    ("members", ("?posted=yes&dossier=in_progress&status=transferred",)),
    ("branches", ()),
    ("transfers", ()),
    ("transfers", ("?direction=outgoing",)),
    ("rules", ()),
    *[
        ("check", (slug,))
        for slug in (
            "abroad-without-branch",
            "posting-ended",
            "never-attached",
            "undersized",
            "no-secretary",
            "transfers-pending",
            "not-digitised",
        )
    ],
]


def _path(register: Register, name: str, args: tuple[str, ...]) -> str:
    if name == "check":
        return reverse("membership:check", args=args)
    return reverse(f"membership:{name}") + "".join(args)


def _all_pages(register: Register, member: Member) -> list[str]:
    return [
        *(_path(register, name, args) for name, args in PAGES),
        reverse("membership:branch-detail", args=[register.hanoi.pk]),
        reverse("membership:member-detail", args=[member.pk]),
        reverse("membership:dossier", args=[member.pk]),
    ]


def test_every_list_costs_the_same_with_one_row_or_five(register):
    # given the home committee's officer, one member of each kind and one more branch
    member = _add_rows(register, 1, start=1)
    client = Client()
    client.force_login(make_officer(register.home))
    pages = _all_pages(register, member)
    for page in pages:
        client.get(page)  # the session, the cached country names
    few = {page: _queries(client, page) for page in pages}
    # when four more of everything are added (and the member has more postings and scans)
    _add_rows(register, 4, start=2)
    _grow(register, member, 4)
    # then no page costs a query more
    for page in pages:
        client.get(page)  # the matcher's key counts, cached again after the new names
        many = _queries(client, page)
        assert len(many) == len(few[page]), (page, "\n".join(many))
    budgets = {page: BUDGETS[key] for page, key in zip(pages, _budget_keys(), strict=True)}
    assert {page: len(q) for page, q in few.items()} == budgets


def _budget_keys() -> list[str]:
    return [
        *(name + (f":{args[0]}" if args else "") for name, args in PAGES),
        "branch-detail",
        "member-detail",
        "dossier",
    ]


# The queries of each page. Every page: the session, the user, their memberships (the access
# policy's facts). Lists then: the capped count, the page of rows (names, branches, postings and
# dossiers joined in), and what the page offers beside them.
# A branch officer reads members through the list of ids they may read (core.access, a narrow
# scope): the organisations below their roles (once a request), then the ids, for each member query.
NARROW = 2
BUDGETS = {
    # the reader's organisations (once) and the readable members' ids for each of the five member
    # checks and the two tables (the narrow scope); the seven checks' capped counts; not digitised
    # by branch; the present members and the digitised per month (progress), from the counters;
    # the candidates of the three posting checks (checks._among), less posting-ended's count (no
    # candidate in either data set: nothing to count)
    "home": 13 + 1 + 5 + 3 - 1,
    # count, rows; the branches for the filter (the units' ids, then their branches)
    "members": 7 + NARROW,
    # the matcher's candidates, count, rows, branches for the filter
    "members:?q=nguyen van so": 8 + NARROW,
    "members:?posted=yes&dossier=in_progress&status=transferred": 7 + NARROW,
    # count, rows (organisation, country, mission joined)
    "branches": 5,
    # count, rows (member and both branches joined)
    "transfers": 5 + NARROW,
    "transfers:?direction=outgoing": 5 + NARROW,
    # the rules; the recent changes of status (member and actor joined)
    "rules": 5 + NARROW,
    # the candidates (checks._among), count, rows
    "check:abroad-without-branch": 6 + NARROW,
    "check:never-attached": 6 + NARROW,
    # count, rows
    **{
        f"check:{slug}": 5 + (0 if slug in ("undersized", "no-secretary") else NARROW)
        for slug in (
            "undersized",
            "no-secretary",
            "transfers-pending",
            "not-digitised",
        )
    },
    # the candidates only: nobody's posting ended while still placed abroad, in either data set (no
    # candidate, nothing to count or list)
    "check:posting-ended": 5 + NARROW - 1,
    # the organisation (the policy), the branch (organisation, country, mission, secretary); the
    # count, the rows; the organisation's names
    "branch-detail": 8 + NARROW,
    # the member (owner, branch, attachment, posting joined; the policy asked of it, no list of
    # ids); names, placements, postings, transfers and their documents, events, status log,
    # dossier; the history
    "member-detail": 13,
    # the member; the view recorded: the dossier, its member (the audit's subject), the event;
    # the dossier again, its files
    "dossier": 7,
}

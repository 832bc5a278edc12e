"""The member list's count and branch filter for a wide reader: the count reads the members the
reader may see through their roles first and stops there once it reaches the cap, and counts every
readable member (shares included) otherwise; the branch filter offers the reader's own branches and
those directly below them."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from liaison.core import access
from liaison.core.htmx import capped_count
from liaison.membership import selectors
from liaison.membership.models import BranchLevel, Member, MemberStatus
from liaison.membership.testing import Register, make_branch, make_member, make_officer

pytestmark = pytest.mark.django_db


@pytest.fixture
def wide(monkeypatch: Any) -> None:
    """Every scope counts as wide (at national scale a committee's is: tens of thousands of
    organisations), so the policy tests the owner's path instead of listing readable ids."""
    monkeypatch.setattr(access, "NARROW_SCOPE", 0)


def _count(user: Any, cap: int, q: str = "") -> tuple[tuple[int, bool], list[str]]:
    user = type(user).objects.get(pk=user.pk)  # a fresh principal
    filters = selectors.MemberFilters(q=q)
    with CaptureQueriesContext(connection) as captured:
        listed = selectors.member_list(user, filters)
        counted = capped_count(listed.count_from, cap, first=listed.count_first)
    return counted, [query["sql"] for query in captured.captured_queries]


def _first(user: Any, filters: selectors.MemberFilters) -> Any:
    return selectors.member_list(user, filters).count_first


def _shared_member(register: Register) -> Member:
    """A member of the branch abroad shared with the home committee."""
    member = make_member("Trần Thị Chia Sẻ", branch=register.paris)
    member.shared_with.add(register.home.organisation)
    return member


def test_the_count_includes_members_shared_with_the_reader(register: Register, wide: None) -> None:
    for i in range(3):
        make_member(f"Lê Văn Đếm {i}", branch=register.hanoi)
    make_member("Phạm Văn Xa", branch=register.paris)
    _shared_member(register)
    officer = make_officer(register.home, role=access.Role.VIEWER)

    assert _first(officer, selectors.MemberFilters()) is not None
    (count, exact), _ = _count(officer, cap=100)
    assert (count, exact) == (4, True)  # three at Hà Nội, one shared; not the other one in Paris
    assert count == selectors.members(officer).count()


def test_the_count_stops_at_the_cap_on_the_members_read_through_roles(register: Register, wide: None) -> None:
    for i in range(3):
        make_member(f"Lê Văn Đếm {i}", branch=register.hanoi)
    _shared_member(register)
    officer = make_officer(register.home, role=access.Role.VIEWER)

    for cap, expected in [(2, (2, False)), (3, (3, False)), (4, (4, True))]:  # 3 own + 1 shared
        counted, queries = _count(officer, cap=cap)
        assert counted == expected
        assert len(queries) == 3  # the principal, their scope, one counting statement
        assert queries[-1].startswith("SELECT CASE WHEN")


def test_no_first_count_where_it_would_not_be_cheaper(register: Register) -> None:
    officer = make_officer(register.home, role=access.Role.VIEWER)
    assert _first(officer, selectors.MemberFilters()) is None  # ids listed
    assert _first(register.root, selectors.MemberFilters()) is None  # everything


def test_no_first_count_for_the_lists_that_hold_a_small_part_of_the_register(
    register: Register, wide: None
) -> None:
    officer = make_officer(register.home, role=access.Role.VIEWER)
    first = _first
    assert first(officer, selectors.MemberFilters(status=MemberStatus.ACTIVE)) is not None
    assert first(officer, selectors.MemberFilters(status=MemberStatus.SUSPENDED)) is None
    assert first(officer, selectors.MemberFilters(branch=register.hanoi)) is None
    assert first(officer, selectors.MemberFilters(q="Lê")) is None


def test_a_name_that_matches_nobody_counts_nothing(register: Register, wide: None) -> None:
    make_member("Lê Văn Đếm", branch=register.hanoi)
    officer = make_officer(register.home, role=access.Role.VIEWER)
    (count, exact), _ = _count(officer, cap=100, q="Zzyzx Qwerty")
    assert (count, exact) == (0, True)
    (count, exact), _ = _count(officer, cap=100, q="Lê Văn Đếm")
    assert (count, exact) == (1, True)


def test_the_list_page_counts_shared_members(register: Register, wide: None) -> None:
    make_member("Lê Văn Đếm", branch=register.hanoi)
    shared = _shared_member(register)
    client = Client()
    client.force_login(make_officer(register.home, role=access.Role.VIEWER))
    response = client.get(reverse("membership:members"))
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 2
    assert shared.name in response.content.decode()


def _options(user: Any) -> list[int]:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("membership:members"))
    assert response.status_code == 200
    return [pk for pk, _ in response.context["branch_options"]]


def test_the_branch_filter_offers_the_readers_branches_and_those_directly_below(register: Register) -> None:
    cell = make_branch(
        "Hanoi Cell 1", parent=register.hanoi.organisation, level=BranchLevel.CELL, by=register.root
    )
    officer = make_officer(register.home)
    options = _options(officer)
    assert set(options) == {register.home.pk, register.hanoi.pk, register.hue.pk}
    assert cell.pk not in options

    # Roles at two depths: each organisation's own branch and those directly below it.
    officer.memberships.create(organisation=register.paris.organisation, role=access.Role.VIEWER)
    access.forget_principal(officer)
    assert set(_options(officer)) == {register.home.pk, register.hanoi.pk, register.hue.pk, register.paris.pk}

    # A superuser: the committees, however deep the branch trees start in the directory.
    assert set(_options(register.root)) == {register.home.pk, register.abroad.pk}


def test_a_filter_that_matches_nothing_counts_nothing_with_a_first_count(register: Register) -> None:
    make_member("Lê Văn Đếm", branch=register.hanoi)
    nothing = Member.objects.filter(pk__in=[])
    assert capped_count(nothing, 5, first=nothing) == (0, True)
    assert capped_count(Member.objects.all(), 5, first=nothing) == (1, True)


def test_the_list_asks_the_matcher_once_for_its_rows_and_its_counts(
    register: Register, wide: None, monkeypatch: Any
) -> None:
    from liaison.core import name_index

    make_member("Lê Văn Đếm", branch=register.hanoi)
    officer = make_officer(register.home, role=access.Role.VIEWER)
    calls = []
    lookup = name_index.lookup
    monkeypatch.setattr(name_index, "lookup", lambda **kw: calls.append(kw) or lookup(**kw))
    listed = selectors.member_list(officer, selectors.MemberFilters(q="Lê Văn Đếm"))
    assert capped_count(listed.count_from, 100, first=listed.count_first) == (1, True)
    assert listed.rows.count() == 1
    assert len(calls) == 1

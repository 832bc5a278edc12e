"""Transfers in two steps; the history without gaps or overlaps; who sees the member when."""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from liaison.core import access
from liaison.membership import checks, transfers
from liaison.membership.models import MemberStatus, PlacementKind, Posting, TransferKind, TransferState
from liaison.membership.services import PostingInput, add_posting
from liaison.membership.testing import country, make_member, make_officer

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def release(by, member, to_branch, *, kind=TransferKind.PERMANENT, on=None):
    return transfers.release(
        by=by,
        member=member,
        data=transfers.ReleaseInput(
            kind=kind,
            to_branch=to_branch,
            letter_number="12-CV/ĐU",
            letter_date=on or TODAY,
            released_on=on or TODAY,
        ),
    )


def test_a_permanent_transfer_moves_the_member_in_two_steps_with_an_unbroken_history(register):
    member = make_member("Trần Thị Lan", branch=register.hanoi)
    hanoi_officer, hue_officer = make_officer(register.hanoi), make_officer(register.hue)

    transfer = release(hanoi_officer, member, register.hue, on=TODAY - dt.timedelta(days=3))
    member.refresh_from_db()
    assert member.branch is None and member.status == MemberStatus.TRANSFERRED
    assert access.can_read(hue_officer, member)  # the receiving side sees whom it receives
    assert not access.can_change(hue_officer, member)

    transfers.receive(by=hue_officer, transfer=transfer, received_on=TODAY)
    member.refresh_from_db()
    assert member.branch == register.hue and member.owner_id == register.hue.pk
    assert member.status == MemberStatus.PROBATIONARY or member.status == MemberStatus.ACTIVE
    assert not access.can_read(make_officer(register.hanoi), member)
    line = list(member.placements.order_by("start", "id").values_list("kind", "start", "end"))
    assert [kind for kind, *_ in line] == [
        PlacementKind.REGULAR,
        PlacementKind.TRANSIT,
        PlacementKind.REGULAR,
    ]
    assert line[0][2] == line[1][1] and line[1][2] == line[2][1]
    register.hanoi.refresh_from_db()
    register.hue.refresh_from_db()
    assert (register.hanoi.member_count, register.hue.member_count) == (0, 1)


def test_a_transfer_to_the_branch_the_member_is_in_is_refused_and_nothing_saved(register):
    member = make_member(branch=register.hanoi)
    with pytest.raises(ValidationError) as error:
        release(register.root, member, register.hanoi)
    assert "to_branch" in error.value.message_dict
    assert not member.transfers.exists()


def test_only_the_receiving_branch_receives(register):
    member = make_member(branch=register.hanoi)
    transfer = release(register.root, member, register.hue)
    with pytest.raises(PermissionDenied):
        transfers.receive(by=make_officer(register.hanoi), transfer=transfer, received_on=TODAY)


def test_cancelling_restores_the_member_where_they_were(register):
    member = make_member(branch=register.hanoi)
    transfer = release(register.root, member, register.hue)
    transfer = transfers.cancel(by=register.root, transfer=transfer)
    member.refresh_from_db()
    assert member.branch == register.hanoi and transfer.state == TransferState.CANCELLED
    assert list(member.placements.values_list("kind", "end")) == [(PlacementKind.REGULAR, None)]
    assert not member.shared_with.exists()


def test_a_member_posted_abroad_and_received_by_the_mission_branch_leaves_the_check(register):
    member = make_member(branch=register.hanoi)
    add_posting(
        by=register.root,
        member=member,
        data=PostingInput(
            country=country("FR"), start=TODAY - dt.timedelta(days=60), mission=register.mission
        ),
    )
    before = checks.abroad_without_branch(register.root, TODAY).count()
    assert checks.posted_never_attached(register.root, TODAY).filter(pk=member.pk).exists()

    transfer = release(register.root, member, register.paris, kind=TransferKind.TEMPORARY)
    assert checks.abroad_without_branch(register.root, TODAY).count() == before
    transfers.receive(by=make_officer(register.paris), transfer=transfer, received_on=TODAY)

    member.refresh_from_db()
    assert member.branch == register.hanoi and member.attached_to == register.paris
    assert member.status == MemberStatus.ATTACHED
    assert checks.abroad_without_branch(register.root, TODAY).count() == before - 1
    assert not checks.posted_never_attached(register.root, TODAY).filter(pk=member.pk).exists()
    assert access.can_read(make_officer(register.paris), member)


def test_the_posting_checks_find_the_same_members_through_ids_or_one_statement(register, monkeypatch):
    posted, ended, stays = (make_member(branch=register.hanoi) for _ in range(3))
    for member, start, end in (
        (posted, TODAY - dt.timedelta(days=60), None),
        (ended, TODAY - dt.timedelta(days=400), TODAY - dt.timedelta(days=30)),
        (stays, TODAY - dt.timedelta(days=400), TODAY - dt.timedelta(days=30)),
    ):
        add_posting(
            by=register.root,
            member=member,
            data=PostingInput(country=country("FR"), start=start, end=end, mission=register.mission),
        )
    transfers.receive(
        by=register.root,
        transfer=release(register.root, stays, register.paris, on=TODAY - dt.timedelta(days=300)),
        received_on=TODAY - dt.timedelta(days=299),
    )
    slugs = ("abroad-without-branch", "posting-ended", "never-attached")
    officer, outsider = make_officer(register.home), make_officer(register.hue)

    def found(user):
        return {
            slug: set(checks.BY_SLUG[slug].rows(user, TODAY).values_list("pk", flat=True)) for slug in slugs
        }

    expected = {
        "abroad-without-branch": {posted.pk},
        "posting-ended": {stays.pk},
        "never-attached": {posted.pk, ended.pk},
    }
    assert found(register.root) == expected
    assert found(officer)["never-attached"] == {posted.pk, ended.pk}
    assert found(outsider) == {slug: set() for slug in slugs}
    monkeypatch.setattr(checks, "FEW", 0)  # more candidates than FEW: one statement
    assert found(register.root) == expected
    assert found(outsider) == {slug: set() for slug in slugs}

    # The postings' "attached abroad", as the services keep it, is what the migration derives.
    kept = dict(Posting.objects.values_list("pk", "attached_abroad"))
    assert sorted(kept.values()) == [False, False, True]
    Posting.objects.update(attached_abroad=False)
    importlib.import_module("liaison.membership.migrations.0007_posting_attached_abroad").mark_existing(
        apps, None
    )
    assert dict(Posting.objects.values_list("pk", "attached_abroad")) == kept


def test_overlapping_postings_are_refused(register):
    member = make_member(branch=register.hanoi)
    add_posting(
        by=register.root, member=member, data=PostingInput(country=country("FR"), start=dt.date(2020, 1, 1))
    )
    with pytest.raises(ValidationError) as error:
        add_posting(
            by=register.root,
            member=member,
            data=PostingInput(country=country("DE"), start=dt.date(2022, 1, 1), end=dt.date(2023, 1, 1)),
        )
    assert "overlaps" in error.value.message_dict["start"][0]
    assert member.postings.count() == 1

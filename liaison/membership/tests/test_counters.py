"""The branches' counters (present members, digitised dossiers, digitised per month) follow every
change that moves a member, changes a status or a dossier, and equal a recount from the members."""

import datetime as dt
import importlib
from collections import Counter

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from liaison.membership import checks, counters, dossiers, services, transfers
from liaison.membership.models import (
    PRESENT,
    Branch,
    DigitisedMonth,
    DossierStatus,
    EventKind,
    Member,
    TransferKind,
)
from liaison.membership.testing import make_member, make_officer
from liaison.membership.tests.test_services import pdf
from liaison.membership.tests.test_transfers import release

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
LAST_MONTH = (TODAY.replace(day=1) - dt.timedelta(days=1)).replace(day=15)


def recounted() -> tuple[dict[int, tuple[int, ...]], dict[tuple[int, dt.date], int]]:
    """The counters as they should be, counted here from the members one by one."""
    branches = {pk: [0, 0, 0, 0] for pk in Branch.objects.values_list("pk", flat=True)}
    months: Counter[tuple[int, dt.date]] = Counter()
    for m in Member.objects.select_related("dossier"):
        for pk in {m.branch_id, m.attached_to_id} - {None}:
            branches[pk][0] += 1
        if m.status not in PRESENT:
            continue
        for pk in {m.branch_id, m.attached_to_id} - {None}:
            branches[pk][1] += 1
            branches[pk][2] += m.dossier.status == DossierStatus.DIGITISED
        if m.branch_id:
            branches[m.branch_id][3] += 1
            if m.dossier.status == DossierStatus.DIGITISED:
                months[m.branch_id, m.dossier.digitised_on.replace(day=1)] += 1
    return {pk: tuple(v) for pk, v in branches.items()}, dict(months)  # type: ignore[misc]


def stored() -> tuple[dict[int, tuple[int, ...]], dict[tuple[int, dt.date], int]]:
    fields = ("pk", "member_count", "present_count", "digitised_count", "kept_count")
    branches = {pk: tuple(rest) for pk, *rest in Branch.objects.values_list(*fields)}
    months = {(b, m): n for b, m, n in DigitisedMonth.objects.values_list("branch_id", "month", "dossiers")}
    return branches, months


def digitise(register, member, on=TODAY):
    dossiers.add_file(by=register.root, member=member, upload=SimpleUploadedFile("s.pdf", pdf(1)))
    dossiers.mark_digitised(by=register.root, member=member, on=on)


def test_counters_follow_members_statuses_and_dossiers(register):
    a = make_member(branch=register.hanoi)
    b = make_member(branch=register.hanoi)
    c = make_member(branch=register.hue)
    digitise(register, a)
    digitise(register, c, on=LAST_MONTH)
    assert stored() == recounted()
    register.hanoi.refresh_from_db()
    assert (register.hanoi.present_count, register.hanoi.digitised_count) == (2, 1)

    # A transfer: in transit the member counts nowhere; received, with the new branch.
    transfer = release(register.root, a, register.hue, kind=TransferKind.PERMANENT)
    assert stored() == recounted()
    assert Branch.objects.get(pk=register.hanoi.pk).digitised_count == 0
    transfers.receive(by=make_officer(register.hue), transfer=transfer, received_on=TODAY)
    assert stored() == recounted()
    hue = Branch.objects.get(pk=register.hue.pk)
    assert (hue.present_count, hue.digitised_count) == (2, 2)

    # Reopened, digitised again on another day, the monthly tally moves with it.
    dossiers.reopen(by=register.root, member=a)
    assert stored() == recounted()
    dossiers.mark_digitised(by=register.root, member=a, on=LAST_MONTH)
    assert stored() == recounted()
    assert DigitisedMonth.objects.get(branch=register.hue).dossiers == 2

    # Leaving: no longer present.
    services.record_event(by=register.root, member=b, kind=EventKind.LEFT, on=TODAY)
    assert stored() == recounted()
    assert Branch.objects.get(pk=register.hanoi.pk).present_count == 0

    # The last file removed: the dossier is not digitised any more.
    dossiers.remove_file(by=register.root, item=c.dossier.files.get())
    assert stored() == recounted()


def test_deferred_counters_are_recounted_once_when_the_block_ends(register, monkeypatch):
    a = make_member(branch=register.hanoi)
    b = make_member(branch=register.hanoi)
    recounts = []
    original = counters._refresh_chunk

    def counting(chunk):
        recounts.append(sorted(chunk))
        original(chunk)

    monkeypatch.setattr(counters, "_refresh_chunk", counting)
    with counters.deferred():
        digitise(register, a)
        services.record_event(by=register.root, member=b, kind=EventKind.LEFT, on=TODAY)
        with counters.deferred():  # a nested block joins the outer one
            digitise(register, b, on=LAST_MONTH)
        # within the block the counters lag behind the members
        assert recounts == []
        assert Branch.objects.get(pk=register.hanoi.pk).digitised_count == 0
    # the branch is recounted once, when the outer block ends
    assert recounts == [[register.hanoi.pk]]
    assert stored() == recounted()
    # an error inside the block recounts nothing (its transaction is rolled back)
    with pytest.raises(RuntimeError), counters.deferred():
        counters.refresh([register.hue.pk])
        raise RuntimeError
    assert recounts == [[register.hanoi.pk]]


def test_the_tables_of_the_checks_page_read_the_counters(register):
    a = make_member(branch=register.hanoi)
    make_member(branch=register.hanoi)
    make_member(branch=register.hue)
    digitise(register, a, on=LAST_MONTH)
    officer = make_officer(register.home)
    assert [(r["branch_id"], r["members"], r["left"]) for r in checks.not_digitised_by_branch(officer)] == [
        (register.hanoi.pk, 2, 1),
        (register.hue.pk, 1, 1),
    ]
    assert checks.digitisation_progress(officer) == [
        {"month": LAST_MONTH.replace(day=1), "digitised": 1, "total": 1, "share": 33.3}
    ]
    # A branch officer answers for their branch only.
    hue = make_officer(register.hue)
    assert [r["branch_id"] for r in checks.not_digitised_by_branch(hue)] == [register.hue.pk]
    assert checks.digitisation_progress(hue) == []


def test_refresh_all_repairs_and_the_migration_counts_what_exists(register):
    a = make_member(branch=register.hanoi)
    make_member(branch=register.hue)
    digitise(register, a)
    good = stored()
    Branch.objects.update(present_count=0, digitised_count=0, member_count=0, kept_count=0)
    DigitisedMonth.objects.all().delete()
    counters.refresh_all()
    assert stored() == good == recounted()

    migration = importlib.import_module("liaison.membership.migrations.0005_branch_counters")
    Branch.objects.update(present_count=0, digitised_count=0, kept_count=0)
    DigitisedMonth.objects.all().delete()
    migration.count_existing(apps, None)
    assert stored() == good


def test_the_branch_page_and_the_api_show_the_counters(client, register):
    a = make_member(branch=register.hanoi)
    make_member(branch=register.hanoi)
    digitise(register, a)
    client.force_login(make_officer(register.hanoi))
    body = client.get(f"/api/membership/branches/{register.hanoi.pk}").json()
    assert (body["member_count"], body["present_count"], body["digitised_count"]) == (2, 2, 1)
    page = client.get(register.hanoi.get_absolute_url()).content.decode()
    assert "1 of 2 present members" in page


def test_a_member_attached_abroad_counts_with_both_branches_and_once_in_the_progress(register):
    member = make_member(branch=register.hanoi)
    digitise(register, member, on=LAST_MONTH)
    make_member(branch=register.paris)
    transfer = release(register.root, member, register.paris, kind=TransferKind.TEMPORARY)
    transfers.receive(by=make_officer(register.paris), transfer=transfer, received_on=TODAY)
    assert stored() == recounted()
    paris = Branch.objects.get(pk=register.paris.pk)
    assert (paris.member_count, paris.present_count, paris.digitised_count, paris.kept_count) == (2, 2, 1, 1)
    abroad = make_officer(register.abroad)
    assert [(r["branch_id"], r["members"], r["left"]) for r in checks.not_digitised_by_branch(abroad)] == [
        (register.paris.pk, 2, 1)
    ]
    # The progress counts each member once, with the branch that keeps their record.
    assert checks.digitisation_progress(register.root)[-1]["total"] == 1
    assert checks.digitisation_progress(abroad) == []

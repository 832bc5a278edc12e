"""The demo membership register (a smaller one than `liaison demo` loads): branches at home and
abroad, generated members, and something on every check; the demo officers see their subtree only."""

from __future__ import annotations

import io

from django.db.models import Q, Sum
from django.test import TestCase
from django.utils import timezone
from pypdf import PdfReader

from liaison.accounts.demo import add_demo_memberships, ensure_demo_users
from liaison.core import access
from liaison.core.models import AuditEvent
from liaison.core.names import fold
from liaison.directory.demo import load_demo_directory
from liaison.directory.models import Organisation
from liaison.membership import checks, counters, demo, placements, selectors, statuses
from liaison.membership.models import (
    Branch,
    BranchLevel,
    DigitisedMonth,
    Dossier,
    DossierFile,
    DossierStatus,
    Member,
    StatusCause,
    Transfer,
)

TODAY = timezone.localdate()
SIZE = {"members": 1500, "branches": 120}


class MembershipDemoTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.users = ensure_demo_users(password="demo-password-1")
        load_demo_directory(by=cls.users["admin"])
        add_demo_memberships()  # the Directory's (ensure_demo_users again would hash every password again)
        cls.counts = demo.load_demo_membership(by=cls.users["admin"], today=TODAY, **SIZE)

    def setUp(self) -> None:
        # Fresh user objects: access facts are cached on them.
        self.users = {name: type(u).objects.get(pk=u.pk) for name, u in self.users.items()}

    def test_the_register_has_its_size_at_home_and_on_every_continent(self) -> None:
        assert self.counts["branches"] == 120 and self.counts["members"] == 1500
        assert 0 < self.counts["abroad"] < 40 and 0 < self.counts["posted"] < 300
        abroad = Branch.objects.filter(abroad=True, organisation__external_key__startswith="demo-branch-")
        countries = set(abroad.values_list("organisation__country__code", flat=True))
        assert {"FR", "US", "CN", "ZA", "BR", "AU"} <= countries  # Europe, Americas, Asia, Africa, Oceania
        for branch in abroad.select_related("organisation", "mission"):
            assert branch.mission is not None and branch.mission.country_id == branch.organisation.country_id
        levels = set(Branch.objects.values_list("level", flat=True))
        assert levels == {BranchLevel.COMMITTEE, BranchLevel.BRANCH, BranchLevel.CELL}

    def test_every_check_shows_something_to_the_administrator(self) -> None:
        admin = self.users["admin"]
        for check in checks.CHECKS:
            assert check.rows(admin, TODAY).exists(), check.slug
        assert checks.undersized_branches(admin, TODAY).count() == 1
        assert 0 < checks.branches_without_secretary(admin, TODAY).count() < 10
        overdue = checks.pending_transfers(admin, TODAY).count()
        assert 0 < overdue < Transfer.objects.filter(state="released").count()
        progress = checks.digitisation_progress(admin)
        assert len(progress) >= 12 and 0 < progress[-1]["share"] < 100

    def test_it_is_marked_demo_and_generated(self) -> None:
        members = Member.objects.all()
        assert not members.filter(Q(is_demo=False) | ~Q(register_number__startswith="DEMO-")).exists()
        real = demo._seed_people_names()  # the names of the seed articles' people
        assert real and not any(fold(name) in real for name in members.values_list("name", flat=True))
        orgs = Organisation.objects.filter(external_key__startswith="demo-")
        assert orgs.count() > 120 and not orgs.exclude(sort_name__endswith="(demo)").exists()

    def test_loading_again_changes_nothing(self) -> None:
        before = (AuditEvent.objects.count(), Member.objects.count(), Organisation.objects.count())
        again = demo.load_demo_membership(by=self.users["admin"], today=TODAY, **SIZE)
        assert again == self.counts
        assert (AuditEvent.objects.count(), Member.objects.count(), Organisation.objects.count()) == before

    def test_histories_statuses_and_sizes_are_what_the_services_derive(self) -> None:
        ids = list(Member.objects.values_list("pk", flat=True))
        assert statuses.refresh(ids, cause=StatusCause.TIME, day=TODAY) == 0
        fields = ("pk", "member_count", "present_count", "digitised_count")
        before = {pk: rest for pk, *rest in Branch.objects.values_list(*fields)}
        months = set(DigitisedMonth.objects.values_list("branch_id", "month", "dossiers"))
        counters.refresh(before)
        assert {pk: rest for pk, *rest in Branch.objects.values_list(*fields)} == before
        assert set(DigitisedMonth.objects.values_list("branch_id", "month", "dossiers")) == months
        moved = Member.objects.filter(Q(transfers__isnull=False) | Q(posting__isnull=False)).distinct()
        for member in moved[:300]:
            placements.check_history(member)
        for branch in Branch.objects.exclude(secretary=None).select_related("secretary"):
            assert branch.secretary.branch_id == branch.pk or branch.secretary.attached_to_id == branch.pk

    def test_dossiers_are_partly_digitised_with_readable_scans(self) -> None:
        dossiers = Dossier.objects.all()
        assert dossiers.count() == 1500
        digitised = dossiers.filter(status=DossierStatus.DIGITISED)
        assert 0.4 < digitised.count() / 1500 < 0.7
        assert not digitised.filter(files__isnull=True).exists()
        assert digitised.dates("digitised_on", "month").count() >= 12
        dossier = digitised.first()
        assert dossier.page_count == dossier.files.aggregate(n=Sum("pages"))["n"]
        item = DossierFile.objects.filter(dossier=dossier).first()
        with item.file.open("rb") as handle:
            assert len(PdfReader(io.BytesIO(handle.read())).pages) == item.pages

    def test_members_are_found_by_name(self) -> None:
        member = Member.objects.filter(posting__isnull=False).first()
        found = selectors.members(
            self.users["admin"], selectors.MemberFilters(q=demo.ascii_name(member.name))
        )
        assert member in found

    def test_the_demo_officers_see_their_subtree_only(self) -> None:
        everyone = Member.objects.count()
        for username, key in (
            ("paris.officer", "demo-branch-fr-embassy"),
            ("abroad.committee", "demo-branch-abroad"),
            ("hanoi.officer", "demo-branch-dofa-ha-noi"),
        ):
            user = self.users[username]
            path = Organisation.objects.get(external_key=key).path
            visible = checks.visible_members(user)
            assert 0 < visible.count() < everyone, username
            inside = Q(owner__path__startswith=path) | Q(shared_with__path__startswith=path)
            assert not visible.exclude(pk__in=Member.objects.filter(inside).values("pk")).exists(), username
            assert not checks.responsible_branches(user).exclude(organisation__path__startswith=path).exists()
            outsider = Member.objects.exclude(inside).first()
            assert not access.can_read(user, outsider), username

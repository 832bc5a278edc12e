"""The demo activities: the real ones of the seed articles and the synthetic ones around them."""

import datetime as dt
import re

from django.http import Http404
from django.test import TestCase
from django.utils import timezone

from liaison.accounts.demo import ensure_demo_users
from liaison.activities import demo, selectors
from liaison.activities.models import (
    Activity,
    ActivityFormat,
    ActivityKind,
    ActivityStatus,
    CompositionStatus,
    DelegationSide,
    FocalPoint,
    OutcomeKind,
    Participation,
    SessionKind,
    SessionRole,
    StatusChange,
)
from liaison.activities.permissions import can_decide_composition, can_see_composition, get_activity_for_user
from liaison.activities.selectors import ActivityFilters, day_start
from liaison.core.models import AuditEvent
from liaison.directory.demo import load_demo_directory

HANOI = selectors.site_zone()
TERM = {"date_from": dt.date(2021, 2, 1), "date_to": dt.date(2023, 12, 31)}


def local_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(HANOI).date()


class DemoActivitiesTests(TestCase):
    """The Directory's demo, then the activities' demo, loaded once for the class."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.users = ensure_demo_users(password="demo-password-1")
        load_demo_directory(by=cls.users["admin"])
        cls.users = ensure_demo_users(password="demo-password-1")  # memberships, now orgs exist
        cls.created = demo.load_demo(by=cls.users["admin"])

    def setUp(self) -> None:
        # Fresh user objects: access facts are cached on them.
        self.users = {name: type(u).objects.get(pk=u.pk) for name, u in self.users.items()}

    # Loading

    def test_the_first_load_creates_everything_and_a_second_load_changes_nothing(self) -> None:
        self.assertEqual(self.created["activities"], Activity.objects.count())
        before = (Activity.objects.count(), StatusChange.objects.count(), AuditEvent.objects.count())
        again = demo.load_demo(by=self.users["admin"])
        self.assertEqual(set(again.values()), {0})
        after = (Activity.objects.count(), StatusChange.objects.count(), AuditEvent.objects.count())
        self.assertEqual(before, after)

    def test_the_plans_are_the_same_on_every_run_of_a_day(self) -> None:
        today, now = timezone.localdate(), timezone.now()
        first = [(p.key, p.title["en"], p.starts_at, p.status) for p in demo.all_plans(today, now)]
        second = [(p.key, p.title["en"], p.starts_at, p.status) for p in demo.all_plans(today, now)]
        self.assertEqual(first, second)
        self.assertEqual(len({key for key, *_ in first}), len(first))

    # The real activities

    def test_the_32nd_diplomatic_conference_runs_19_to_23_december_2023_in_hanoi(self) -> None:
        conference = Activity.objects.get(external_key="seed:dipconf-32")
        self.assertEqual(local_day(conference.starts_at), dt.date(2023, 12, 19))
        self.assertEqual(local_day(conference.ends_at), dt.date(2023, 12, 23))
        self.assertEqual(conference.format, ActivityFormat.HYBRID)
        self.assertEqual(conference.kind, ActivityKind.CONFERENCE)
        self.assertEqual(conference.city.name_en, "Hanoi")
        self.assertEqual(conference.lead_organisation.external_key, "seed:mofa")
        self.assertFalse(conference.is_demo)

    def test_the_conference_has_its_opening_and_two_plenaries_on_22_december(self) -> None:
        conference = Activity.objects.get(external_key="seed:dipconf-32")
        opening = conference.sessions.get(kind=SessionKind.OPENING)
        self.assertEqual(local_day(opening.starts_at), dt.date(2023, 12, 19))
        self.assertEqual([p.person.sort_name for p in opening.participants.all()], ["Nguyễn Phú Trọng"])
        plenaries = list(conference.sessions.filter(kind=SessionKind.PLENARY).order_by("starts_at"))
        self.assertEqual([local_day(s.starts_at) for s in plenaries], [dt.date(2023, 12, 22)] * 2)
        morning, afternoon = plenaries
        self.assertLess(morning.starts_at.astimezone(HANOI).hour, 12)
        self.assertGreaterEqual(afternoon.starts_at.astimezone(HANOI).hour, 12)
        self.assertEqual(morning.theme_ar, "بناء وتطوير القطاع الدبلوماسي")
        self.assertIn("نظيف وقوي في جميع الجوانب", afternoon.theme_ar)
        speakers = {
            session.pk: {p.person.sort_name for p in session.participants.filter(role=SessionRole.SPEAKER)}
            for session in plenaries
        }
        self.assertEqual(speakers[morning.pk], {"Bùi Thanh Sơn", "Nguyễn Minh Vũ", "Trần Lưu Quang"})
        self.assertEqual(speakers[afternoon.pk], {"Bùi Thanh Sơn", "Trương Thị Mai"})
        # The articles name no chair for the plenaries.
        self.assertFalse(conference.sessions.filter(participants__role=SessionRole.CHAIR).exists())

    def test_the_ha_tinh_bridge_point_is_run_by_its_provincial_party_secretary(self) -> None:
        conference = Activity.objects.get(external_key="seed:dipconf-32")
        site = conference.sites.get()
        self.assertEqual(site.locality.code, "42")
        self.assertEqual(site.chair.sort_name, "Hoàng Trung Dũng")

    def test_the_24_november_conference_has_63_sites_in_the_provinces_of_the_day(self) -> None:
        conference = Activity.objects.get(external_key="seed:conf-01-12")
        day = dt.date(2023, 11, 24)
        self.assertEqual(local_day(conference.starts_at), day)
        self.assertEqual(conference.format, ActivityFormat.HYBRID)
        self.assertEqual(conference.leader.sort_name, "Lê Hoài Trung")
        self.assertEqual(conference.lead_organisation.external_key, "seed:cerc")
        sites = list(conference.sites.select_related("locality"))
        self.assertEqual(len(sites), 63)
        self.assertEqual(len({s.locality_id for s in sites}), 63)
        for site in sites:
            loc = site.locality
            self.assertTrue(loc.valid_from is None or loc.valid_from <= day, loc.code)
            self.assertTrue(loc.valid_to is None or loc.valid_to >= day, loc.code)
            self.assertIsNone(site.chair_id)  # the article names no site's chair
        session = conference.sessions.get()
        chair = session.participants.get(role=SessionRole.CHAIR)
        self.assertEqual(chair.person_id, conference.leader_id)

    def test_the_vufo_mofa_conference_records_the_mechanism_to_develop(self) -> None:
        conference = Activity.objects.get(external_key="seed:vufo-mofa-coordination")
        self.assertEqual(conference.lead_organisation.external_key, "seed:vufo")
        self.assertIn("placeholder", conference.summary_en)  # the article gives no date
        outcome = conference.outcomes.get()
        self.assertEqual(outcome.kind, OutcomeKind.FOLLOW_UP)
        self.assertEqual({o.external_key for o in outcome.parties.all()}, {"seed:vufo", "seed:mofa"})
        speakers = {p.person.sort_name for p in conference.sessions.get().participants.all()}
        self.assertEqual(speakers, {"Phan Anh Sơn", "Ngô Lê Văn"})

    def test_ha_tinh_sent_investment_promotion_delegations_to_europe_and_japan(self) -> None:
        visits = Activity.objects.filter(external_key__startswith="seed:ha-tinh-investment-")
        self.assertEqual(visits.count(), 2)
        for visit in visits:
            self.assertEqual(visit.kind, ActivityKind.OUTGOING_VISIT)
            self.assertEqual(visit.lead_organisation.external_key, "seed:ha-tinh-people-committee")
            self.assertFalse(visit.high_level)
        self.assertEqual(sorted(v.country.code if v.country else "" for v in visits), ["", "JP"])

    def test_every_real_activity_has_a_source_in_the_seed_articles(self) -> None:
        real = Activity.objects.filter(is_demo=False)
        self.assertEqual(real.count(), 5)
        for activity in real:
            sources = list(activity.sources.all())
            self.assertTrue(sources, activity.external_key)
            for source in sources:
                self.assertRegex(source.reference, r"^seeds/\d{3}_[0-9a-f]{16}\.txt$")
                self.assertTrue(source.title)

    # The synthetic activities

    def test_the_term_counts_are_those_the_articles_report(self) -> None:
        admin = self.users["admin"]
        abroad = selectors.filtered(admin, ActivityFilters(group="leader_visits_abroad", **TERM))
        incoming = selectors.filtered(admin, ActivityFilters(group="incoming_leaders", **TERM))
        self.assertEqual(abroad.count(), 45)
        self.assertEqual(incoming.count(), 49)
        self.assertTrue(all(a.leader_id for a in abroad))

    def test_every_synthetic_activity_says_it_is_a_demo_in_every_language(self) -> None:
        synthetic = Activity.objects.filter(external_key__startswith="demo:")
        self.assertGreater(synthetic.count(), 94 + 24)
        for activity in synthetic:
            self.assertTrue(activity.is_demo)
            self.assertTrue(activity.title_en.startswith("[Demo] "), activity.title_en)
            self.assertTrue(activity.title_vi.startswith("[Demo] "), activity.title_vi)
            self.assertTrue(activity.title_ar.startswith("[تجريبي] "), activity.title_ar)

    def test_there_is_something_on_the_calendar_around_today(self) -> None:
        today = timezone.localdate()
        near = Activity.objects.filter(
            starts_at__gte=day_start(today - dt.timedelta(days=60)),
            starts_at__lt=day_start(today + dt.timedelta(days=61)),
        )
        self.assertGreaterEqual(near.count(), 30)
        self.assertEqual(set(near.values_list("is_demo", flat=True)), {True})
        # Over ones are done or reported, except one left proposed; coming ones are not done.
        now = timezone.now()
        over_proposed = near.filter(ends_at__lt=now, status=ActivityStatus.PROPOSED)
        self.assertEqual(over_proposed.count(), 1)
        self.assertFalse(near.filter(starts_at__gt=now, status__in=["done", "reported"]).exists())

    def test_the_embargoed_visit_is_hidden_from_vufo_and_shown_to_mofa(self) -> None:
        visit = Activity.objects.get(embargo_until__gt=timezone.now())
        self.assertEqual(visit.owner.external_key, "seed:mofa")
        vufo, mofa = self.users["vufo.editor"], self.users["mofa.editor"]
        self.assertFalse(selectors.filtered(vufo, ActivityFilters()).filter(pk=visit.pk).exists())
        with self.assertRaises(Http404):
            get_activity_for_user(vufo, visit.pk)
        self.assertTrue(selectors.filtered(mofa, ActivityFilters()).filter(pk=visit.pk).exists())
        self.assertEqual(get_activity_for_user(mofa, visit.pk), visit)

    def test_a_leader_is_booked_twice_at_overlapping_times(self) -> None:
        rows = Participation.objects.filter(
            active=True, activity__is_demo=True, person__external_key="demo:person:vn-head_of_government"
        ).order_by("starts_at")
        clashes = [
            (a, b)
            for a in rows
            for b in rows
            if a.activity_id < b.activity_id and a.starts_at < b.ends_at and b.starts_at < a.ends_at
        ]
        self.assertEqual(len(clashes), 1)

    def test_two_high_level_delegations_are_in_one_city_on_one_day(self) -> None:
        incoming = Activity.objects.filter(
            high_level=True,
            kind__in=[ActivityKind.INCOMING_VISIT, ActivityKind.RECEPTION],
            starts_at__gte=day_start(timezone.localdate() - dt.timedelta(days=60)),
        )
        by_day: dict[tuple[int, dt.date], int] = {}
        for activity in incoming:
            key = (activity.city_id, local_day(activity.starts_at))
            by_day[key] = by_day.get(key, 0) + 1
        self.assertEqual(sorted(by_day.values())[-1], 2)

    def test_the_high_level_incoming_visit_has_an_approved_visiting_delegation(self) -> None:
        visit = Activity.objects.get(external_key="demo:now:28")
        self.assertTrue(visit.high_level)
        visiting = visit.delegations.get(side=DelegationSide.VISITING)
        self.assertEqual(visiting.composition_status, CompositionStatus.APPROVED)
        self.assertTrue(visiting.members.exists())
        self.assertTrue(can_see_composition(self.users["cerc.viewer"], visiting))

    def test_the_mofa_coordinator_is_the_focal_point_deciding_mofas_delegations(self) -> None:
        self.assertTrue(FocalPoint.objects.filter(user=self.users["mofa.coordinator"]).exists())
        submitted = Activity.objects.get(external_key="demo:now:31").delegations.get()
        self.assertEqual(submitted.composition_status, CompositionStatus.SUBMITTED)
        self.assertTrue(can_decide_composition(self.users["mofa.coordinator"], submitted))
        self.assertFalse(can_decide_composition(self.users["vufo.editor"], submitted))

    def test_every_status_change_of_the_demo_is_recorded(self) -> None:
        reported = Activity.objects.filter(status=ActivityStatus.REPORTED).first()
        assert reported is not None
        moves = list(reported.status_changes.values_list("to_status", flat=True))
        self.assertEqual(moves, ["proposed", "approved", "prepared", "under_way", "done", "reported"])
        self.assertTrue(re.fullmatch(r"demo:.*|seed:.*", reported.external_key))

"""The demo's coordination mechanism: agreements from article 004, notices from the engine."""

from __future__ import annotations

from django.test import TestCase

from liaison.accounts.demo import ensure_demo_users
from liaison.activities.demo import load_demo
from liaison.coordination.demo import CODE_DIRECTIVE_12, CODE_VUFO_MOFA, load_demo_coordination
from liaison.coordination.models import (
    Agreement,
    Escalation,
    EscalationReason,
    Notice,
    NoticeKind,
    NoticeStatus,
)
from liaison.directory.demo import load_demo_directory


class CoordinationDemoTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.users = ensure_demo_users(password="demo-password")
        load_demo_directory(by=cls.users["admin"])
        cls.users = ensure_demo_users(password="demo-password")
        load_demo(by=cls.users["admin"])
        cls.counts = load_demo_coordination(by=cls.users["admin"])

    def test_the_vufo_mofa_mechanism_and_the_directive_12_plan_exist(self):
        vufo_mofa = Agreement.objects.get(code=CODE_VUFO_MOFA)
        assert vufo_mofa.parties.count() == 2 and vufo_mofa.rules.count() == 2
        directive_12 = Agreement.objects.get(code=CODE_DIRECTIVE_12)
        assert directive_12.parties.count() == 3
        states = {item.title_en: item for item in directive_12.plan_items.all()}
        assert len(states) == 3
        carried = states["Agree the coordination mechanism between the people's channel and MOFA"]
        assert carried.activities.filter(external_key="seed:vufo-mofa-coordination").exists()

    def test_notices_some_on_time_some_late_and_escalated(self):
        notices = Notice.objects.filter(agreement__code=CODE_VUFO_MOFA)
        assert notices.filter(late=False).exists()
        late = notices.filter(late=True)
        assert late.exists()
        assert (
            Escalation.objects.filter(notice__in=late, reason=EscalationReason.LATE).count() == late.count()
        )
        assert notices.filter(status=NoticeStatus.ACKNOWLEDGED).exists()
        assert notices.filter(kind=NoticeKind.NEW).count() == notices.count()
        assert {n.recipient.external_key for n in notices} == {"seed:vufo"}

    def test_loading_again_adds_nothing(self):
        before = Notice.objects.count()
        again = load_demo_coordination(by=self.users["admin"])
        assert again["notices"] == before == self.counts["notices"]
        assert Agreement.objects.count() == again["agreements"]

"""The demo's coordination mechanism, from article 004 (see seed_data/seed_facts.md of activities).

- The VUFO–MOFA mechanism the conference proposed ("an agreement or an annual plan", "joint
  working regulations"), as a joint working regulation whose rules tell VUFO early of high-level
  visits and delegations and of the Party's and State's major external activities, so the
  people's channel can prepare.
- A party–state–people annual plan around Directive 12-CT/TW: VUFO tells the Party's Commission
  for External Relations and MOFA of its people's-diplomacy activities.
- Viet Nam's working calendar (weekend and public holidays), which the working-day deadlines use.

Both agreements are demo records (the article proposes the mechanism; its terms are ours).
Notices are produced by the real engine from the demo activities, each activity "entered" a
deterministic number of days before it starts: most in time, some late (and so escalated); most
older notices acknowledged by VUFO, some left waiting.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from liaison.accounts.models import User
from liaison.activities.models import Activity, ActivityKind, ActivityStatus
from liaison.coordination import engine, services
from liaison.coordination.models import (
    Agreement,
    AgreementKind,
    ChangeKind,
    DayBasis,
    Holiday,
    Notice,
    NoticeResponse,
    NoticeStatus,
    ResponseKind,
    SharedField,
    WorkingCalendar,
)
from liaison.core.audit import acting_as
from liaison.directory.models import Country, MandateField, Organisation

CODE_VUFO_MOFA = "DEMO/QCPH-LHH-BNG"
CODE_DIRECTIVE_12 = "DEMO/KH-CT12"
RANDOM_SEED = 4

# Viet Nam's public holidays in 2026–2027 (the users keep this list; these are the demo's).
VN_HOLIDAYS = [
    (dt.date(2026, 1, 1), "New Year's Day"),
    *[(dt.date(2026, 2, 14) + dt.timedelta(days=n), "Tết (Lunar New Year)") for n in range(9)],
    (dt.date(2026, 4, 27), "Hùng Kings' Commemoration (observed)"),
    (dt.date(2026, 4, 30), "Reunification Day"),
    (dt.date(2026, 5, 1), "International Labour Day"),
    (dt.date(2026, 9, 1), "National Day holiday"),
    (dt.date(2026, 9, 2), "National Day"),
    (dt.date(2027, 1, 1), "New Year's Day"),
]

# How many days before its start each demo activity was "entered": mostly in good time.
ENTERED_DAYS_BEFORE = [40, 35, 30, 28, 25, 21, 20, 18, 16, 12, 5, 3]


def _org(key: str) -> Organisation | None:
    return Organisation.objects.filter(external_key=f"seed:{key}").first()


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def _calendar(by: Any) -> None:
    vietnam = Country.objects.filter(code="VN").first()
    if vietnam is None:
        return
    calendar = WorkingCalendar.objects.filter(country=vietnam).first() or services.set_weekend(
        by=by, country=vietnam, days=[5, 6]
    )
    known = set(calendar.holidays.values_list("date", flat=True))
    for day, name in VN_HOLIDAYS:
        if day not in known:
            Holiday.objects.create(calendar=calendar, date=day, name=name)


def _agreements(by: Any) -> list[Agreement]:
    mofa, vufo, cerc = _org("mofa"), _org("vufo"), _org("cerc")
    if mofa is None or vufo is None:
        return []
    coordinators = [u for u in (_user("mofa.coordinator"), _user("vufo.editor")) if u is not None]
    created = []
    if not Agreement.objects.filter(code=CODE_VUFO_MOFA).exists():
        agreement = services.create_agreement(
            by=by,
            data=services.AgreementInput(
                kind=AgreementKind.JOINT_REGULATION,
                owner=vufo,
                parties=[vufo, mofa],
                code=CODE_VUFO_MOFA,
                title_en="Joint working regulation between VUFO and the Ministry of Foreign Affairs",
                title_vi=(
                    "Quy chế phối hợp công tác giữa Liên hiệp các tổ chức hữu nghị Việt Nam và Bộ Ngoại giao"
                ),
                title_ar="لائحة العمل المشتركة بين اتحاد منظمات الصداقة الفيتنامية ووزارة الخارجية",
                fields=[
                    MandateField.DOCUMENTS,
                    MandateField.PEOPLE_TO_PEOPLE,
                    MandateField.FOREIGN_NGO,
                    MandateField.EXTERNAL_INFORMATION,
                    MandateField.HONOURS,
                    MandateField.PERSONNEL,
                ],
                starts_on=dt.date(2021, 1, 1),
                acknowledge_within_hours=48,
                coordinators=coordinators,
                notes=(
                    "Demo record. At their conference on the coordination mechanism VUFO and MOFA proposed "
                    "an agreement or annual plan and joint working regulations; VUFO asked to learn early "
                    "of high-level visits, delegations and major external activities."
                ),
                is_demo=True,
            ),
        )
        services.add_contact_point(
            by=by,
            agreement=agreement,
            data=services.ContactInput(
                organisation=vufo, name="VUFO liaison desk (demo)", unit="Standing agency"
            ),
        )
        services.add_contact_point(
            by=by,
            agreement=agreement,
            data=services.ContactInput(
                organisation=mofa, name="MOFA liaison desk (demo)", unit="General Department"
            ),
        )
        services.add_rule(
            by=by,
            agreement=agreement,
            data=services.RuleInput(
                name="High-level visits and delegations",
                source=mofa,
                recipient=vufo,
                kinds=[ActivityKind.INCOMING_VISIT, ActivityKind.OUTGOING_VISIT, ActivityKind.RECEPTION],
                high_level_only=True,
                lead_days=10,
                day_basis=DayBasis.WORKING,
                shared_fields=[
                    SharedField.TITLE,
                    SharedField.PLACE,
                    SharedField.LEADER,
                    SharedField.COUNTERPARTS,
                    SharedField.DELEGATIONS,
                ],
            ),
        )
        services.add_rule(
            by=by,
            agreement=agreement,
            data=services.RuleInput(
                name="Major external activities of the Party and the State",
                recipient=vufo,
                kinds=[ActivityKind.CONFERENCE, ActivityKind.SIGNING, ActivityKind.CEREMONY],
                pillars=["party", "state"],
                lead_days=7,
                shared_fields=[SharedField.TITLE, SharedField.PLACE, SharedField.LEAD, SharedField.FORMAT],
            ),
        )
        created.append(agreement)
    if cerc is not None and not Agreement.objects.filter(code=CODE_DIRECTIVE_12).exists():
        plan = services.create_agreement(
            by=by,
            data=services.AgreementInput(
                kind=AgreementKind.ANNUAL_PLAN,
                owner=cerc,
                parties=[cerc, mofa, vufo],
                code=CODE_DIRECTIVE_12,
                title_en="Annual plan of the party, state and people's channels under Directive 12-CT/TW",
                title_vi="Kế hoạch phối hợp hằng năm thực hiện Chỉ thị 12-CT/TW",
                title_ar="الخطة السنوية المشتركة للقنوات الحزبية والحكومية والشعبية بموجب التوجيه 12",
                fields=[MandateField.PEOPLE_TO_PEOPLE, MandateField.EXTERNAL_INFORMATION],
                starts_on=dt.date(2021, 1, 1),
                acknowledge_within_hours=72,
                coordinators=[u for u in (_user("mofa.coordinator"),) if u is not None],
                notes="Demo record around Directive 12-CT/TW on people's diplomacy.",
                is_demo=True,
            ),
        )
        for recipient in (cerc, mofa):
            services.add_rule(
                by=by,
                agreement=plan,
                data=services.RuleInput(
                    name="People's diplomacy activities",
                    source=vufo,
                    recipient=recipient,
                    pillars=["people"],
                    lead_days=7,
                    shared_fields=[SharedField.TITLE, SharedField.LEAD, SharedField.PLACE],
                ),
            )
        _plan_items(by, plan, cerc=cerc, vufo=vufo)
        created.append(plan)
    return created


def _plan_items(by: Any, agreement: Agreement, *, cerc: Organisation, vufo: Organisation) -> None:
    """Three items of the demo plan: one carried out by the VUFO–MOFA conference of article 004,
    one by VUFO's people-to-people activities around today, one overdue with nothing done."""
    from liaison.coordination import plan

    today = timezone.localdate()
    conference = list(Activity.objects.filter(external_key="seed:vufo-mofa-coordination"))
    around = list(
        Activity.objects.filter(
            lead_organisation=vufo,
            starts_at__date__gte=today - dt.timedelta(days=60),
            starts_at__date__lte=today + dt.timedelta(days=60),
        ).order_by("starts_at")[:3]
    )
    items = [
        plan.PlanItemInput(
            responsible=[vufo],
            title_en="Agree the coordination mechanism between the people's channel and MOFA",
            title_vi="Thống nhất cơ chế phối hợp giữa kênh nhân dân và Bộ Ngoại giao",
            activities=conference,
        ),
        plan.PlanItemInput(
            responsible=[vufo],
            title_en="Friendship exchanges with partner countries' people's organisations",
            title_vi="Giao lưu hữu nghị với các tổ chức nhân dân nước đối tác",
            starts_on=today - dt.timedelta(days=60),
            ends_on=today + dt.timedelta(days=60),
            activities=around,
        ),
        plan.PlanItemInput(
            responsible=[cerc, vufo],
            title_en="Training on external information for provincial friendship unions",
            title_vi="Tập huấn thông tin đối ngoại cho liên hiệp hữu nghị các tỉnh",
            starts_on=today - dt.timedelta(days=120),
            ends_on=today - dt.timedelta(days=30),
        ),
    ]
    for data in items:
        plan.add_plan_item(by=by, agreement=agreement, data=data)


def _entered(activity: Activity, rng: random.Random, now: dt.datetime) -> dt.datetime:
    before = rng.choice(ENTERED_DAYS_BEFORE)
    return min(activity.starts_at - dt.timedelta(days=before), now - dt.timedelta(hours=1))


def _history(now: dt.datetime) -> int:
    """Run the engine over the demo activities as if each had been entered some days before it
    started; then VUFO and the others answer most of what is old enough."""
    from liaison.coordination import outbox

    rng = random.Random(RANDOM_SEED)
    activities = list(
        Activity.objects.exclude(status=ActivityStatus.CANCELLED)
        .order_by("external_key", "pk")
        .only("pk", "starts_at")
    )
    for activity in activities:
        outbox.record_many([activity.pk], kind=ChangeKind.REAPPLY, at=_entered(activity, rng, now))
    engine.process_pending()
    pairs = ((_org("vufo"), _user("vufo.editor")), (_org("mofa"), _user("mofa.editor")))
    answerers = {org.pk: user for org, user in pairs if org is not None}
    for notice in Notice.objects.filter(status=NoticeStatus.OPEN, sent_at__lt=now - dt.timedelta(days=3)):
        if rng.random() < 0.8:
            hours = rng.choice([2, 5, 20, 30, 70])
            at = notice.sent_at + dt.timedelta(hours=hours)
            response = NoticeResponse.objects.create(
                notice=notice,
                kind=ResponseKind.ACKNOWLEDGE,
                by=answerers.get(notice.recipient_id),
                organisation_id=notice.recipient_id,
            )
            NoticeResponse.objects.filter(pk=response.pk).update(at=at)
            Notice.objects.filter(pk=notice.pk).update(
                status=NoticeStatus.ACKNOWLEDGED, status_at=at, acknowledged_at=at
            )
    from liaison.coordination import escalation

    escalation.escalate_unacknowledged(now=now)
    return Notice.objects.count()


def load_demo_coordination(*, by: Any) -> dict[str, int]:
    """Create the demo's agreements (once) and their notices; returns what exists afterwards."""
    now = timezone.now()
    # The activities' own changes were made before any rule existed: process them first (and let
    # the background finish with them) so that only the demo's history below writes notices.
    from liaison.core.tasks import drain

    with contextlib.suppress(RuntimeError):  # Celery mode: the workers lock each change themselves
        drain(timeout=120)
    engine.process_pending()
    with acting_as(by, via="demo"), transaction.atomic():
        _calendar(by)
        created = _agreements(by)
    notices = _history(now) if created else Notice.objects.count()
    return {"agreements": Agreement.objects.count(), "notices": notices}

"""A fixture world for the coordination module's authorization matrix, and the rules it expects.

Organisations: MOFA with a unit below it, VUFO with a restricted unit below it (the "special
liaison cell", which only VUFO's members cleared for restricted records may see), and an
unrelated ministry (MOC); the others are public. Users: a viewer, an editor and a coordinator of
MOFA, each cleared for internal and for restricted; an editor of MOFA's unit (restricted); a viewer
(internal), an editor (restricted) and a coordinator (internal) of VUFO; the administrator of MOC,
cleared for restricted, who has nothing to do with any agreement (the outsider); a liaison officer
with no membership, cleared for public records only, named coordinator of two agreements; a
superuser with no membership; anonymous.

Five agreements, each with one sharing rule, one contact point and a signed text:

    public           public,     kept by MOFA,      parties MOFA, VUFO; rule MOFA → VUFO (public
                                                    and internal activities); the liaison officer
                                                    coordinates it
    internal         internal,   kept by MOFA,      parties VUFO, MOFA and VUFO's restricted cell;
                                                    rule VUFO → MOFA
    restricted       restricted, kept by MOFA,      parties MOFA, VUFO; rule MOFA → VUFO
                                                    (restricted activities); the liaison officer
                                                    coordinates it
    vufo-restricted  restricted, kept by VUFO,      parties VUFO, MOFA's unit; rule VUFO → unit
                                                    (incoming visits only: it never fired)
    unit-internal    internal,   kept by the unit,  parties MOFA's unit, VUFO; rule unit → VUFO
                                                    (incoming visits only: it never fired)

Five activities, recorded by the superuser, turned into notices by the real engine
(`engine.process_pending`):

    mofa-public      led by MOFA, public                      → notice "public" (MOFA → VUFO)
    mofa-embargoed   led by MOFA, restricted, under embargo   → notice "embargoed" (MOFA → VUFO)
    vufo-internal    led by VUFO, internal                    → notice "vufo" (VUFO → MOFA)
    unit-public      led by MOFA's unit, public               → notice "unit" (unit → VUFO)
    secret-internal  led by VUFO's restricted cell, internal  → notice "secret" (cell → MOFA)

Webhook endpoints of VUFO, of MOFA's unit and of MOC; the deliveries of the notices are queued
(not sent). One working calendar (Vietnam) with one holiday.

The expectations (`Actor.reads` and friends) restate the policy for this world, independently of
its code: organisations and agreements follow `core.access` (restricted agreements shared with
their parties); a notice is read by members of its recipient or source (or of an organisation
above either) and by its agreement's coordinators, answered by editors of the recipient, replied
to by editors of the source; calendars are kept by coordinators (anywhere); an organisation's
webhooks by its coordinators (or those above it).
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from liaison.accounts.models import User
from liaison.activities.models import ActivityKind
from liaison.activities.testing import make_activity
from liaison.activities.tests.matrix_world import normalised
from liaison.coordination import delivery, engine, plan, services
from liaison.coordination.models import Agreement, Notice
from liaison.coordination.testing import make_agreement, make_rule
from liaison.core.access import Role
from liaison.core.audit import acting_as
from liaison.core.models import Classification
from liaison.core.testing import make_org, make_superuser, make_user
from liaison.directory.models import Country, Organisation

PUBLIC, INTERNAL, RESTRICTED = Classification.PUBLIC, Classification.INTERNAL, Classification.RESTRICTED
MISSING_PK = 999_999
MISSING_UID = "00000000-0000-4000-8000-000000000000"
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
COUNTRY = "VN"

# Each organisation and the one above it.
PARENTS: dict[str, str | None] = {
    "mofa": None,
    "mofa-unit": "mofa",
    "vufo": None,
    "vufo-secret": "vufo",
    "moc": None,
}
ORG_NAMES = {
    "mofa": "Ministry of Foreign Affairs",
    "mofa-unit": "Department of External Relations",
    "vufo": "Union of Friendship Organisations",
    "vufo-secret": "Special Liaison Cell",
    "moc": "Ministry of Construction",
}
# The organisations' classifications (the others are public).
ORG_LEVELS = {"vufo-secret": RESTRICTED}


def owner_of(org: str) -> str:
    """Top-level organisations keep their own record; units are kept by the one above them."""
    return PARENTS[org] or org


def at_or_above(member: str, org: str | None) -> bool:
    """Is `member` the organisation `org` or one above it?"""
    while org is not None:
        if org == member:
            return True
        org = PARENTS[org]
    return False


# --- the facts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Agr:
    """One agreement and the facts the policy decides from."""

    key: str
    classification: int
    owner: str
    parties: tuple[str, ...]
    coordinators: tuple[str, ...] = ()  # actors' labels
    # its rule: activities of `source` told to `recipient`, only of these kinds / classifications
    kinds: tuple[str, ...] = ()
    levels: tuple[int, ...] = ()

    @property
    def source(self) -> str:
        return self.parties[0]

    @property
    def recipient(self) -> str:
        return self.parties[1]

    @property
    def other_party(self) -> str:
        """The (first) party that does not keep it."""
        return next(p for p in self.parties if p != self.owner)

    @property
    def title(self) -> str:
        return f"Coordination agreement {self.key.replace('-', ' ')}"

    def __str__(self) -> str:
        return self.key


@dataclass(frozen=True)
class Act:
    key: str
    lead: str
    classification: int
    embargoed: bool = False


@dataclass(frozen=True)
class Ntc:
    """One notice the engine writes: under which agreement, about which activity, from and to whom."""

    key: str
    agreement: str
    activity: str
    source: str
    recipient: str

    def __str__(self) -> str:
        return f"notice-{self.key}"


@dataclass(frozen=True)
class Hook:
    key: str
    organisation: str

    def __str__(self) -> str:
        return f"webhook-{self.key}"


AGREEMENTS = (
    Agr("public", PUBLIC, "mofa", ("mofa", "vufo"), ("liaison-officer",), levels=(PUBLIC, INTERNAL)),
    Agr("internal", INTERNAL, "mofa", ("vufo", "mofa", "vufo-secret")),
    Agr("restricted", RESTRICTED, "mofa", ("mofa", "vufo"), ("liaison-officer",), levels=(RESTRICTED,)),
    Agr("vufo-restricted", RESTRICTED, "vufo", ("vufo", "mofa-unit"), kinds=(ActivityKind.INCOMING_VISIT,)),
    Agr("unit-internal", INTERNAL, "mofa-unit", ("mofa-unit", "vufo"), kinds=(ActivityKind.INCOMING_VISIT,)),
)
AGREEMENT_FACTS = {a.key: a for a in AGREEMENTS}
ACTIVITIES = (
    Act("mofa-public", "mofa", PUBLIC),
    Act("mofa-embargoed", "mofa", RESTRICTED, embargoed=True),
    Act("vufo-internal", "vufo", INTERNAL),
    Act("unit-public", "mofa-unit", PUBLIC),
    Act("secret-internal", "vufo-secret", INTERNAL),
)
ACTIVITY_FACTS = {a.key: a for a in ACTIVITIES}
NOTICES = (
    Ntc("public", "public", "mofa-public", "mofa", "vufo"),
    Ntc("embargoed", "restricted", "mofa-embargoed", "mofa", "vufo"),
    Ntc("vufo", "internal", "vufo-internal", "vufo", "mofa"),
    Ntc("unit", "public", "unit-public", "mofa-unit", "vufo"),
    Ntc("secret", "internal", "secret-internal", "vufo-secret", "mofa"),
)
HOOKS = (Hook("vufo", "vufo"), Hook("unit", "mofa-unit"), Hook("moc", "moc"))
HOOK_FACTS = {h.key: h for h in HOOKS}
# The agreements under which notices were sent (they, and their rules, cannot be deleted).
WITH_NOTICES = frozenset(n.agreement for n in NOTICES)


# --- the actors -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """Who sends the requests: a member of one organisation with a role and a clearance, a user
    with no membership, a superuser, or nobody."""

    label: str
    org: str | None = None
    role: int = 0
    clearance: int = -1
    superuser: bool = False
    signed_in: bool = True

    def __str__(self) -> str:
        return self.label

    @property
    def anonymous(self) -> bool:
        return not self.signed_in

    def covers(self, org: str, role: int = Role.VIEWER) -> bool:
        """A member (with at least `role`) of `org` or of an organisation above it."""
        return self.org is not None and self.role >= role and at_or_above(self.org, org)

    # organisations (core.access)
    def reads_org(self, org: str) -> bool:
        if self.superuser:
            return True
        level = ORG_LEVELS.get(org, PUBLIC)
        if self.anonymous or level > self.clearance:
            return False
        return level < RESTRICTED or self.covers(owner_of(org))

    # agreements (core.access)
    def reads(self, a: Agr) -> bool:
        if self.superuser:
            return True
        if self.anonymous or a.classification > self.clearance:
            return False
        if a.classification >= RESTRICTED:
            return any(self.covers(org) for org in (a.owner, *a.parties))
        return True

    def changes(self, a: Agr) -> bool:
        return self.superuser or (self.reads(a) and self.covers(a.owner, Role.EDITOR))

    def deletes(self, a: Agr) -> bool:
        return self.superuser or (self.reads(a) and self.covers(a.owner, Role.COORDINATOR))

    @property
    def opens_agreement_form(self) -> bool:
        """An editor somewhere (or a superuser) may open the new agreement form."""
        return self.superuser or (self.signed_in and self.role >= Role.EDITOR)

    def creates(self, owner: str, classification: int) -> bool:
        return self.superuser or (self.covers(owner, Role.EDITOR) and classification <= self.clearance)

    def raises(self, a: Agr) -> bool:
        """Classify it restricted: change it, and create at that level (unless it already is)."""
        return self.changes(a) and (a.classification >= RESTRICTED or self.creates(a.owner, RESTRICTED))

    def hands_over(self, a: Agr) -> bool:
        """Give it to its other party to keep: change it, and create for the new keeper."""
        return self.changes(a) and self.creates(a.other_party, a.classification)

    # notices
    def coordinates(self, a: Agr) -> bool:
        return self.label in a.coordinators

    def reads_notice(self, n: Ntc) -> bool:
        return (
            self.superuser
            or self.covers(n.recipient)
            or self.covers(n.source)
            or self.coordinates(AGREEMENT_FACTS[n.agreement])
        )

    def answers(self, n: Ntc) -> bool:
        """Acknowledge, ask, decline: an editor of the recipient."""
        return self.superuser or self.covers(n.recipient, Role.EDITOR)

    def replies(self, n: Ntc) -> bool:
        """Reply to a question: an editor of the source."""
        return self.superuser or self.covers(n.source, Role.EDITOR)

    def receives(self, n: Ntc) -> bool:
        """In the inbox: addressed to an organisation of theirs (a superuser without any: all)."""
        return self.superuser or self.covers(n.recipient)

    def sends(self, n: Ntc) -> bool:
        return self.superuser or self.covers(n.source)

    # the activities behind the notices (core.access, with the embargo)
    def reads_activity(self, a: Act) -> bool:
        if self.superuser:
            return True
        if self.anonymous or a.classification > self.clearance:
            return False
        if a.classification >= RESTRICTED or a.embargoed:
            return self.covers(a.lead)
        return True

    # reference data and connections
    @property
    def keeps_calendars(self) -> bool:
        return self.superuser or (self.signed_in and self.role >= Role.COORDINATOR)

    def manages_webhooks(self, h: Hook) -> bool:
        return self.superuser or self.covers(h.organisation, Role.COORDINATOR)


ACTORS = [
    Actor("mofa-viewer", "mofa", Role.VIEWER, INTERNAL),
    Actor("mofa-viewer-restricted", "mofa", Role.VIEWER, RESTRICTED),
    Actor("mofa-editor", "mofa", Role.EDITOR, INTERNAL),
    Actor("mofa-editor-restricted", "mofa", Role.EDITOR, RESTRICTED),
    Actor("mofa-coordinator", "mofa", Role.COORDINATOR, INTERNAL),
    Actor("mofa-coordinator-restricted", "mofa", Role.COORDINATOR, RESTRICTED),
    Actor("unit-editor-restricted", "mofa-unit", Role.EDITOR, RESTRICTED),
    Actor("vufo-viewer", "vufo", Role.VIEWER, INTERNAL),
    Actor("vufo-editor-restricted", "vufo", Role.EDITOR, RESTRICTED),
    Actor("vufo-coordinator", "vufo", Role.COORDINATOR, INTERNAL),
    Actor("outsider", "moc", Role.ADMINISTRATOR, RESTRICTED),
    Actor("liaison-officer", None, 0, PUBLIC),
    Actor("superuser", superuser=True, clearance=RESTRICTED),
    Actor("anonymous", signed_in=False),
]


# --- the world --------------------------------------------------------------------------------


@dataclass
class AgreementRecord:
    facts: Agr
    pk: int
    rule: int
    contact: int
    plan_item: int

    def __str__(self) -> str:
        return self.facts.key


@dataclass
class NoticeRecord:
    facts: Ntc
    pk: int
    uid: str
    activity: int  # the activity's pk

    def __str__(self) -> str:
        return str(self.facts)


@dataclass
class HookRecord:
    facts: Hook
    pk: int
    notices: frozenset[str]  # the uids of the notices queued for delivery to it

    def __str__(self) -> str:
        return str(self.facts)


@dataclass
class World:
    orgs: dict[str, Organisation]
    users: dict[str, User]  # by Actor.label
    agreements: dict[str, AgreementRecord]
    notices: dict[str, NoticeRecord]
    activities: dict[str, int]
    hooks: dict[str, HookRecord]
    holiday: int
    year: int  # of the activities' start
    files: dict[str, bytes] = field(default_factory=dict)

    def user(self, actor: Actor) -> User:
        return self.users[actor.label]

    def org(self, key: str) -> int:
        return int(self.orgs[key].pk)


def activity_start() -> dt.datetime:
    """Every activity starts twenty days from today at 9:00 in Hanoi."""
    day = timezone.localdate() + dt.timedelta(days=20)
    return dt.datetime.combine(day, dt.time(9), tzinfo=HANOI)


def build_world() -> World:
    """Create the organisations, users, agreements, activities and notices (inside the caller's
    transaction)."""
    root = make_superuser("matrix-root")
    orgs: dict[str, Organisation] = {}
    for key, parent in PARENTS.items():
        level = ORG_LEVELS.get(key, PUBLIC)
        orgs[key] = make_org(
            ORG_NAMES[key], parent=orgs[parent] if parent else None, classification=level, by=root
        )
    users = {
        actor.label: make_user(
            f"coord-{actor.label}",
            org=orgs[actor.org] if actor.org else None,
            role=actor.role or Role.VIEWER,
            clearance=actor.clearance,
        )
        for actor in ACTORS
        if actor.signed_in and not actor.superuser
    }
    users["superuser"] = root

    agreements: dict[str, AgreementRecord] = {}
    with acting_as(root, via="test"):
        for a in AGREEMENTS:
            agreement = make_agreement(
                *(orgs[p] for p in a.parties),
                owner=orgs[a.owner],
                by=root,
                title_en=a.title,
                code=f"{len(agreements) + 1:02d}/MTX",
                classification=a.classification,
                coordinators=[users[label] for label in a.coordinators],
            )
            rule = make_rule(
                agreement,
                recipient=orgs[a.recipient],
                source=orgs[a.source],
                by=root,
                name=f"Rule of {a.key}",
                kinds=list(a.kinds),
                classifications=list(a.levels),
                shared_fields=["title"],
            )
            contact = services.add_contact_point(
                by=root,
                agreement=agreement,
                data=services.ContactInput(
                    organisation=orgs[a.recipient], name=f"Contact of {a.key}", email=f"{a.key}@example.org"
                ),
            )
            agreement.signed_text.save(f"agreement-{agreement.pk}.pdf", ContentFile(PDF), save=False)
            agreement.signed_text_name = f"{a.key}.pdf"
            agreement.save()
            item = plan.add_plan_item(
                by=root,
                agreement=agreement,
                data=plan.PlanItemInput(responsible=[orgs[a.owner]], title_en=f"Plan item of {a.key}"),
            )
            agreements[a.key] = AgreementRecord(
                facts=a, pk=agreement.pk, rule=rule.pk, contact=contact.pk, plan_item=item.pk
            )

        start = activity_start()
        activities = {
            act.key: make_activity(
                f"Activity {act.key}",
                lead=orgs[act.lead],
                starts_at=start,
                ends_at=start + dt.timedelta(hours=4),
                classification=act.classification,
                embargo_until=start if act.embargoed else None,
                by=root,
            ).pk
            for act in ACTIVITIES
        }
        endpoints = {
            h.key: services.add_webhook(
                by=root, organisation=orgs[h.organisation], url=f"https://hooks.example.org/{h.key}"
            )
            for h in HOOKS
        }
    engine.process_pending()
    notices = _notices_as_expected(orgs, agreements, activities)
    delivery.queue_deliveries([n.pk for n in notices.values()])
    hooks = {
        key: HookRecord(
            facts=HOOK_FACTS[key],
            pk=endpoint.pk,
            notices=frozenset(str(u) for u in endpoint.deliveries.values_list("notice__uid", flat=True)),
        )
        for key, endpoint in endpoints.items()
    }

    with acting_as(root, via="test"):
        country = Country.objects.get(code=COUNTRY)
        holiday = services.add_holiday(by=root, country=country, date=start.date(), name="Matrix day")
    return World(
        orgs=orgs,
        users=users,
        agreements=agreements,
        notices=notices,
        activities=activities,
        hooks=hooks,
        holiday=holiday.pk,
        year=start.date().year,
        files={a.signed_text.name: PDF for a in Agreement.objects.all()},
    )


def _notices_as_expected(
    orgs: dict[str, Organisation], agreements: dict[str, AgreementRecord], activities: dict[str, int]
) -> dict[str, NoticeRecord]:
    """The notices the engine wrote, checked against `NOTICES` (the matrix's premise)."""
    written = {
        (n.agreement_id, n.activity_id, n.source_id, n.recipient_id): n
        for n in Notice.objects.all().order_by("pk")
    }
    found: dict[str, NoticeRecord] = {}
    for n in NOTICES:
        wanted = (agreements[n.agreement].pk, activities[n.activity], orgs[n.source].pk, orgs[n.recipient].pk)
        notice = written.pop(wanted, None)
        assert notice is not None, f"the engine wrote no notice {n}"
        found[n.key] = NoticeRecord(
            facts=n, pk=notice.pk, uid=str(notice.uid), activity=activities[n.activity]
        )
    assert not written, f"the engine wrote notices the matrix does not expect: {list(written)}"
    return found


def restore_files(world: World) -> None:
    """Put back the signed texts a test removed from the disk."""
    from django.core.files.storage import default_storage

    for name, content in world.files.items():
        if not default_storage.exists(name):
            saved = default_storage.save(name, ContentFile(content))
            assert saved == name, (saved, name)


@contextmanager
def world_for_module(django_db_blocker: Any) -> Iterator[World]:
    """Build the world once, keep it for a module's tests, roll it all back afterwards.

    Signed texts go to a temporary MEDIA_ROOT; webhook addresses are not resolved (no network)."""
    with (
        tempfile.TemporaryDirectory(prefix="liaison-coordination-matrix-") as media,
        override_settings(
            PASSWORD_HASHERS=FAST_HASHER, MEDIA_ROOT=media, LIAISON_WEBHOOKS_ALLOW_INSECURE=True
        ),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        yield build_world()
        transaction.set_rollback(True)


# --- comparing bodies -------------------------------------------------------------------------

_UUID = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def same_as_missing(body: bytes, missing: bytes, pks: tuple[int, ...]) -> bool:
    """Does a refused record's body read exactly like a missing record's (per-request parts,
    pks and notice ids blanked)?"""
    return normalised(_UUID.sub(b"<UID>", body), pks) == normalised(
        _UUID.sub(b"<UID>", missing), (MISSING_PK,)
    )

"""A fixture world for the activities' authorization matrix and leak crawl, and the rules they expect.

Two organisation trees. The acting users are members of the *home* root (each role, cleared for
internal and for restricted); the *other* tree belongs to someone else and has a restricted
department the home users may not read. Nine activities, each a hybrid conference with every
kind of part (a delegation with a member and an itinerary stop, a session with a speaker, a
connected site, an outcome, an attached file, a source):

    home-public, home-internal, home-restricted, home-embargoed (public, embargo in the future),
    other-public, other-internal, other-restricted, other-embargoed,
    other-shared (restricted, shared with the home root).

A home activity's delegation is sent by the other root (its composition a draft: its members
are for the sending side and the activity's editors); an other activity's delegation is sent
by the home root, whose focal point is one of the actors (a viewer cleared for restricted).

References from public records to hidden ones: `other-public` names the other tree's
restricted department as lead organisation, co-organiser, counterpart, host of a second site,
party to and responsible for a second outcome, and sending organisation of a second (approved)
delegation; and the department's restricted person as leader, that site's chair and that
delegation's member. `home-public`'s session has that person as a second speaker, at the same
time (a double booking only those who may read the person may be warned of). A public person
of the other tree speaks in every activity's session, all at the same time.

The expectations (`Actor.reads` and friends) restate the rules of docs/access.md and
`liaison/activities/permissions.py` for this world, independently of their code.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import got_request_exception
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone

from liaison.accounts.models import User
from liaison.activities import delegations, feeds, programme, records, services
from liaison.activities.models import (
    Activity,
    ActivityFormat,
    ActivityKind,
    Attachment,
    CompositionStatus,
    Delegation,
    FocalPoint,
)
from liaison.core.access import Role
from liaison.core.audit import acting_as
from liaison.core.models import Classification
from liaison.core.testing import make_org, make_person, make_superuser, make_user
from liaison.directory.models import Country, Locality, Organisation, Person
from liaison.directory.services import NameInput

PUBLIC, INTERNAL, RESTRICTED = Classification.PUBLIC, Classification.INTERNAL, Classification.RESTRICTED
MISSING_PK = 999_999
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
LOCALITY_CODE = "XX-MTX"
PART_KINDS = (
    "delegation",
    "member",
    "stop",
    "session",
    "participant",
    "site",
    "outcome",
    "attachment",
    "source",
)


@dataclass(frozen=True)
class Marks:
    """Unique strings the leak crawl looks for; empty in the matrix."""

    hidden: str = ""  # every text of the activities no home member may read
    org: str = ""  # the other tree's restricted department, named by public records
    person: str = ""  # the other tree's restricted person, taking part in public activities
    draft: str = ""  # the person in the home activities' draft compositions


@dataclass(frozen=True)
class Act:
    """One activity of the world and the facts the policy decides from."""

    key: str
    pk: int
    classification: int
    home: bool  # owned by the home root (the actors' memberships cover the owner)
    shared_home: bool  # explicitly shared with the home root
    embargoed: bool  # embargo_until is in the future
    sending_home: bool  # its delegation is sent by the home root (the actors are the sending side)
    title: str
    parts: dict[str, int] = field(default_factory=dict, hash=False)

    def __str__(self) -> str:
        return self.key


@dataclass(frozen=True)
class Actor:
    """Who sends the requests: a member of the home root with a role and clearance, or nobody."""

    role: int | None = None
    clearance: int = -1
    superuser: bool = False
    focal_point: bool = False  # designated focal point of the home root

    @property
    def anonymous(self) -> bool:
        return self.role is None and not self.superuser

    @property
    def label(self) -> str:
        if self.superuser:
            return "superuser"
        if self.anonymous:
            return "anonymous"
        role = Role(self.role or Role.VIEWER)
        return f"{role.name.lower()}-cleared-{Classification(self.clearance).name.lower()}"

    def reads(self, a: Act) -> bool:
        """Superuser; or cleared for it, and for a restricted or embargoed activity an insider."""
        if self.superuser:
            return True
        if self.anonymous or a.classification > self.clearance:
            return False
        if a.classification >= RESTRICTED or a.embargoed:
            return a.home or a.shared_home
        return True

    def _holds(self, role: int) -> bool:
        return (self.role or 0) >= role

    def changes(self, a: Act) -> bool:
        return self.superuser or (self.reads(a) and a.home and self._holds(Role.EDITOR))

    def approves(self, a: Act) -> bool:
        return self.superuser or (self.reads(a) and a.home and self._holds(Role.COORDINATOR))

    def deletes(self, a: Act) -> bool:
        return self.approves(a)

    def sees_members(self, a: Act) -> bool:
        """Who is in its draft delegation: the sending side and the activity's editors."""
        return self.reads(a) and (self.superuser or self.changes(a) or a.sending_home)

    def decides(self, a: Act) -> bool:
        """Approve or return its submitted composition: a focal point of the sending organisation."""
        return self.reads(a) and (self.superuser or (self.focal_point and a.sending_home))

    def creates(self, classification: int = PUBLIC) -> bool:
        """May they record an activity owned by the home root?"""
        return self.superuser or (self._holds(Role.EDITOR) and classification <= self.clearance)


MEMBER_ACTORS = [
    Actor(role=role, clearance=clearance, focal_point=(role == Role.VIEWER and clearance == RESTRICTED))
    for role in (Role.VIEWER, Role.EDITOR, Role.COORDINATOR, Role.ADMINISTRATOR)
    for clearance in (INTERNAL, RESTRICTED)
]
ANONYMOUS = Actor()
SUPERUSER = Actor(superuser=True)
ACTORS = [*MEMBER_ACTORS, ANONYMOUS, SUPERUSER]
FOCAL_POINT = next(a for a in MEMBER_ACTORS if a.focal_point)


@dataclass
class World:
    activities: dict[str, Act]
    users: dict[str, User]  # by Actor.label
    orgs: dict[str, Organisation]
    people: dict[str, Person]
    locality: Locality
    feed_tokens: dict[str, str]  # by Actor.label (members and the superuser)
    starts_at: dt.datetime
    marks: Marks
    files: dict[str, bytes] = field(default_factory=dict)  # the attachments' stored names → contents

    def __getitem__(self, key: str) -> Act:
        return self.activities[key]

    def all(self) -> list[Act]:
        return list(self.activities.values())

    def user(self, actor: Actor) -> User:
        return self.users[actor.label]

    def restore_files(self) -> None:
        """Put back attachment files a test removed from the disk: deleting an activity deletes
        its files at once, and the rolled-back transaction brings back the rows, not the files."""
        for name, content in self.files.items():
            if not default_storage.exists(name):
                saved = default_storage.save(name, ContentFile(content))
                assert saved == name, (saved, name)


# (key, classification, home tree, shared with the home root, embargoed)
SPECS = [
    ("home-public", PUBLIC, True, False, False),
    ("home-internal", INTERNAL, True, False, False),
    ("home-restricted", RESTRICTED, True, False, False),
    ("home-embargoed", PUBLIC, True, False, True),
    ("other-public", PUBLIC, False, False, False),
    ("other-internal", INTERNAL, False, False, False),
    ("other-restricted", RESTRICTED, False, False, False),
    ("other-embargoed", PUBLIC, False, False, True),
    ("other-shared", RESTRICTED, False, True, False),
]
# Activities no member of the home root may read: every text of theirs carries `Marks.hidden`.
HIDDEN_FROM_HOME = ("other-restricted", "other-embargoed")


def activity_start() -> dt.datetime:
    """Every activity starts twenty days from today at 9:00 in Hanoi (inside the feeds' window,
    the calendar's month of that day, and the warnings' default 90 days)."""
    day = timezone.localdate() + dt.timedelta(days=20)
    return dt.datetime.combine(day, dt.time(9), tzinfo=HANOI)


def text_file(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/plain")


def local(moment: dt.datetime) -> str:
    """A moment as a datetime-local form value in Hanoi."""
    return moment.astimezone(HANOI).strftime("%Y-%m-%dT%H:%M")


def _person(name: str, *, owner: Organisation, by: User, classification: int = PUBLIC) -> Person:
    return make_person(
        owner=owner,
        classification=classification,
        names=[NameInput(value=name, language="vi")],
        by=by,
    )


def build_world(*, marks: Marks = Marks(), extra: Callable[[World, User], None] | None = None) -> World:
    """Create the trees, people, users, activities and their parts (inside the caller's transaction)."""
    root = make_superuser("matrix-root")
    orgs = {
        "home": make_org("Home Ministry", by=root),
        "other": make_org("Other Committee", by=root),
    }
    orgs["home-unit"] = make_org("Home liaison department", parent=orgs["home"], by=root)
    orgs["other-restricted"] = make_org(
        f"Other secret department {marks.org}".strip(),
        parent=orgs["other"],
        classification=RESTRICTED,
        by=root,
    )
    people = {
        "home": _person("Trần Văn Nhà", owner=orgs["home"], by=root),
        "other": _person("Lê Thị Khách", owner=orgs["other"], by=root),
        "spare": _person("Đỗ Văn Dự", owner=orgs["home"], by=root),
        "draft": _person(f"Phạm Văn Nháp {marks.draft}".strip(), owner=orgs["other"], by=root),
        "hidden": _person(
            f"Nguyễn Bí Mật {marks.person}".strip(),
            owner=orgs["other-restricted"],
            classification=RESTRICTED,
            by=root,
        ),
    }
    locality = Locality.objects.create(
        code=LOCALITY_CODE, kind="province", country=Country.objects.get(code="VN"), name_en="Matrix province"
    )
    users = {
        actor.label: make_user(
            f"act-{actor.label}", org=orgs["home"], role=actor.role or Role.VIEWER, clearance=actor.clearance
        )
        for actor in MEMBER_ACTORS
    }
    users[SUPERUSER.label] = root
    FocalPoint.objects.create(organisation=orgs["home"], user=users[FOCAL_POINT.label])

    start = activity_start()
    end = start + dt.timedelta(days=2, hours=8)
    embargo = timezone.now() + dt.timedelta(days=10)
    activities: dict[str, Act] = {}
    with acting_as(root, via="test"):
        for key, level, home, shared, embargoed in SPECS:
            mark = f" {marks.hidden}" if key in HIDDEN_FROM_HOME and marks.hidden else ""
            tree, sender = ("home", "other") if home else ("other", "home")
            title = f"{key.replace('-', ' ').title()} conference{mark}"
            links: dict[str, Any] = {}
            if key == "other-public":
                hidden_org, hidden_person = orgs["other-restricted"], people["hidden"]
                links = {
                    "lead_organisation": hidden_org,
                    "leader": hidden_person,
                    "leader_rank": "minister",
                    "co_organisers": [hidden_org],
                    "counterpart_organisations": [hidden_org],
                }
            data = services.ActivityInput(
                kind=ActivityKind.CONFERENCE,
                lead_organisation=links.pop("lead_organisation", orgs[tree]),
                owner=orgs[tree],
                starts_at=start,
                ends_at=end,
                title_en=title,
                summary_en=f"Summary of {key}{mark}",
                venue=f"Venue of {key}{mark}",
                format=ActivityFormat.HYBRID,
                city=locality,
                classification=level,
                embargo_until=embargo if embargoed else None,
                shared_with=[orgs["home"]] if shared else [],
                **links,
            )
            activity = services.create_activity(by=root, data=data)
            parts = _add_parts(
                root, activity, sender=orgs[sender], member=people["draft" if home else "home"], mark=mark
            )
            participant = programme.add_session_person(
                by=root,
                session=activity.sessions.get(),
                data=programme.SessionPersonInput(person=people["other"]),
            )
            parts["participant"] = participant.pk
            activities[key] = Act(
                key=key,
                pk=activity.pk,
                classification=level,
                home=home,
                shared_home=shared,
                embargoed=embargoed,
                sending_home=not home,
                title=title,
                parts=parts,
            )
        _link_hidden_records(root, orgs, people, activities, locality)
    feed_tokens = {label: feeds.create_feed(by=user).token for label, user in users.items()}
    world = World(
        activities=activities,
        users=users,
        orgs=orgs,
        people=people,
        locality=locality,
        feed_tokens=feed_tokens,
        starts_at=start,
        marks=marks,
        files={a.file.name: _content(a) for a in Attachment.objects.all()},
    )
    if extra is not None:
        with acting_as(root, via="test"):
            extra(world, root)
    return world


def _content(attachment: Attachment) -> bytes:
    with attachment.file.open("rb") as handle:
        return bytes(handle.read())


def _add_parts(
    root: User, activity: Activity, *, sender: Organisation, member: Person, mark: str
) -> dict[str, int]:
    start = activity.starts_at
    day = start.astimezone(HANOI).date()
    delegation = delegations.add_delegation(
        by=root,
        activity=activity,
        data=delegations.DelegationInput(organisation=sender, name=f"Delegation{mark}".strip()),
    )
    added = delegations.add_member(
        by=root, delegation=delegation, data=delegations.MemberInput(person=member, title=f"Adviser{mark}")
    )
    stop = delegations.add_stop(
        by=root,
        delegation=delegation,
        data=delegations.StopInput(
            arrives_on=day, leaves_on=day, place=f"Stop{mark}".strip(), programme=f"Visits{mark}"
        ),
    )
    session = programme.add_session(
        by=root,
        activity=activity,
        data=programme.SessionInput(
            starts_at=start + dt.timedelta(minutes=30),
            ends_at=start + dt.timedelta(hours=2),
            theme_en=f"Opening session{mark}",
            room=f"Room A{mark}",
        ),
    )
    site = programme.add_site(
        by=root,
        activity=activity,
        data=programme.SiteInput(
            locality=Locality.objects.get(code=LOCALITY_CODE), room=f"Bridge room{mark}", notes=f"Notes{mark}"
        ),
    )
    outcome = records.add_outcome(
        by=root,
        activity=activity,
        data=records.OutcomeInput(kind="memorandum", title_en=f"Memorandum{mark}", description=f"Text{mark}"),
    )
    attachment = records.add_attachment(
        by=root,
        activity=activity,
        upload=text_file(f"minutes{mark.replace(' ', '-')}.txt", f"Minutes of the meeting{mark}\n"),
        title=f"Minutes{mark}",
    )
    source = records.add_source(
        by=root, activity=activity, title=f"Press release{mark}", reference=f"ref{mark}".strip()
    )
    assert delegation.composition_status == CompositionStatus.DRAFT
    return {
        "delegation": delegation.pk,
        "member": added.pk,
        "stop": stop.pk,
        "session": session.pk,
        "site": site.pk,
        "outcome": outcome.pk,
        "attachment": attachment.pk,
        "source": source.pk,
    }


def _link_hidden_records(
    root: User,
    orgs: dict[str, Organisation],
    people: dict[str, Person],
    activities: dict[str, Act],
    locality: Locality,
) -> None:
    """Public activities that name the other tree's restricted department and person."""
    hidden_org, hidden_person = orgs["other-restricted"], people["hidden"]
    other_public = Activity.objects.get(pk=activities["other-public"].pk)
    programme.add_site(
        by=root,
        activity=other_public,
        data=programme.SiteInput(
            locality=locality, room="Second room", host_organisation=hidden_org, chair=hidden_person
        ),
    )
    records.add_outcome(
        by=root,
        activity=other_public,
        data=records.OutcomeInput(
            kind="agreement", title_en="Agreement", parties=[hidden_org], responsible=hidden_org
        ),
    )
    approved = delegations.add_delegation(
        by=root, activity=other_public, data=delegations.DelegationInput(organisation=hidden_org)
    )
    delegations.add_member(by=root, delegation=approved, data=delegations.MemberInput(person=hidden_person))
    Delegation.objects.filter(pk=approved.pk).update(composition_status=CompositionStatus.APPROVED)
    home_public = Activity.objects.get(pk=activities["home-public"].pk)
    programme.add_session_person(
        by=root,
        session=home_public.sessions.get(),
        data=programme.SessionPersonInput(person=hidden_person, topic="Keynote"),
    )


@contextmanager
def world_for_module(django_db_blocker: Any, **kwargs: Any) -> Iterator[World]:
    """Build the world once, keep it for a module's tests, roll it all back afterwards.

    Files go to a temporary MEDIA_ROOT, removed afterwards."""
    with (
        tempfile.TemporaryDirectory(prefix="liaison-matrix-") as media,
        override_settings(PASSWORD_HASHERS=FAST_HASHER, MEDIA_ROOT=media),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        yield build_world(**kwargs)
        transaction.set_rollback(True)


# --- requests --------------------------------------------------------------------------------


class QuietClient(Client):
    """Django's test client without its record of every template rendered and its context, and
    with one request handler for all its instances.

    Nothing here reads that record, and keeping it (a signal and a copy of the context for each
    `<option>` of a long select) costs more than the view itself on the activity form. Each new
    client would load the middleware again (WhiteNoise reads the static files then); the matrix
    makes a client per test."""

    _shared_handler: Any = None

    def __init__(self, **defaults: Any) -> None:
        super().__init__(**defaults)
        if QuietClient._shared_handler is None:
            QuietClient._shared_handler = self.handler
        self.handler = QuietClient._shared_handler

    def request(self, **request: Any) -> Any:
        environ = self._base_environ(**request)  # type: ignore[attr-defined]
        exception_uid = f"request-exception-{id(request)}"
        got_request_exception.connect(self.store_exc_info, dispatch_uid=exception_uid)
        try:
            response = self.handler(environ)
        finally:
            got_request_exception.disconnect(dispatch_uid=exception_uid)
        self.check_exception(response)
        response.client = self
        response.request = request
        if response.cookies:
            self.cookies.update(response.cookies)
        return response


def client_for(world: World, actor: Actor) -> QuietClient:
    client = QuietClient()
    if not actor.anonymous:
        client.force_login(world.user(actor))
    return client


# --- comparing bodies --------------------------------------------------------------------------

_MESSAGES = re.compile(rb'<ul class="messages".*?</ul>', re.S)
_PER_REQUEST = re.compile(rb'(name="csrfmiddlewaretoken" value="|data-csrf-token="|nonce=")[^"]*"')


def normalised(body: bytes, pks: tuple[int, ...]) -> bytes:
    """A body without per-request parts (CSRF token, CSP nonce, flash messages), its pks blanked."""
    body = re.sub(rb"\s+", b" ", _MESSAGES.sub(b"", _PER_REQUEST.sub(rb'\1-"', body)))
    for pk in pks:
        # Only where an id is echoed: a field's value, a path, a query, "No organisation N.".
        echoed = rb'(name="[^"]*" value="|/|[?&][a-z_]+=|(?:organisation|person|activity) )'
        body = re.sub(echoed + str(pk).encode() + rb"(?![0-9])", rb"\1<PK>", body)
    return body

"""A fixture world for the authorization matrix and the leak crawl, and the rules they expect.

Two trees. The acting users are members of the *home* root; the *other* tree belongs to someone
else. Each tree has a public, an internal and a restricted organisation below its root, each
keeping one person of the same classification; the other tree also has a restricted organisation
(and its restricted person) explicitly shared with the home root.

The expectations (`Actor.reads` and friends) restate the rules of `liaison.core.access` for this
world, independently of its code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.test import override_settings

from liaison.accounts.models import User
from liaison.core.access import Role
from liaison.core.audit import acting_as
from liaison.core.models import Classification
from liaison.core.testing import make_org, make_person, make_superuser, make_user
from liaison.directory import services
from liaison.directory.models import Organisation, Person, Position

PUBLIC, INTERNAL, RESTRICTED = Classification.PUBLIC, Classification.INTERNAL, Classification.RESTRICTED
MISSING_PK = 999_999
# The builders set a password; a cheap hasher keeps building the world fast.
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass(frozen=True)
class Record:
    key: str  # e.g. "org:home-restricted", "person:other-shared"
    kind: str  # "organisation" | "person"
    pk: int
    classification: int
    home: bool  # owned within the home tree (the acting users' memberships cover the owner)
    shared_home: bool  # explicitly shared with the home root
    leaf: bool = True  # an organisation with no units below it and no positions in it
    owns_people: bool = False  # an organisation keeping people's records
    name_ids: tuple[int, ...] = ()
    position_id: int | None = None
    mandate_id: int | None = None

    def __str__(self) -> str:
        return self.key


@dataclass(frozen=True)
class Actor:
    """Who sends the requests: a member of the home root with a role and clearance, or nobody."""

    role: int | None = None
    clearance: int = -1
    superuser: bool = False

    @property
    def anonymous(self) -> bool:
        return self.role is None and not self.superuser

    @property
    def label(self) -> str:
        if self.superuser:
            return "superuser"
        if self.anonymous:
            return "anonymous"
        return f"{Role(self.role).name.lower()}-cleared-{Classification(self.clearance).name.lower()}"

    def reads(self, r: Record) -> bool:
        if self.superuser:
            return True
        if self.anonymous or r.classification > self.clearance:
            return False
        return r.classification < RESTRICTED or r.home or r.shared_home

    def changes(self, r: Record) -> bool:
        return self.superuser or (self.reads(r) and r.home and (self.role or 0) >= Role.EDITOR)

    def deletes(self, r: Record) -> bool:
        return self.superuser or (self.reads(r) and r.home and (self.role or 0) >= Role.COORDINATOR)

    def creates_under(self, org: Record, classification: int = PUBLIC) -> bool:
        """May they file a new record (of `classification`) owned by / below `org`?"""
        return self.superuser or (
            self.reads(org)
            and org.home
            and (self.role or 0) >= Role.EDITOR
            and classification <= self.clearance
        )


MEMBER_ACTORS = [
    Actor(role=role, clearance=clearance)
    for role in (Role.VIEWER, Role.EDITOR, Role.COORDINATOR, Role.ADMINISTRATOR)
    for clearance in (INTERNAL, RESTRICTED)
]
ANONYMOUS = Actor()
SUPERUSER = Actor(superuser=True)


@dataclass
class World:
    records: dict[str, Record]
    users: dict[str, User]  # by Actor.label
    orgs: dict[str, Organisation] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)

    def of_kind(self, kind: str) -> list[Record]:
        return [r for r in self.records.values() if r.kind == kind]

    def org(self, key: str) -> Record:
        return self.records[f"org:{key}"]


LEVELS = {"public": PUBLIC, "internal": INTERNAL, "restricted": RESTRICTED}


def build_world(*, tag: str = "", extra: Any = None) -> World:
    """Create the two trees, their people and the users (inside the caller's transaction).

    `tag` is appended to every restricted text of the other tree (the leak crawl's marker);
    `extra(world, superuser)` may add more records before the world is frozen.
    """
    root_user = make_superuser(f"world-root{tag and '-x'}")
    orgs: dict[str, Organisation] = {}
    people: dict[str, Person] = {}
    for tree, name in (("home", "Home Ministry"), ("other", "Other Committee")):
        orgs[tree] = make_org(
            name,
            by=root_user,
            extra_names=[services.NameInput(value=f"{tree.upper()}M", language="en", kind="abbreviation")],
        )
    for tree in ("home", "other"):
        for level_name, level in LEVELS.items():
            marked = tag if (tree == "other" and level == RESTRICTED) else ""
            key = f"{tree}-{level_name}"
            orgs[key] = make_org(
                f"{tree.title()} {level_name} department{marked}",
                parent=orgs[tree],
                classification=level,
                by=root_user,
                extra_names=[
                    services.NameInput(
                        value=f"{tree[0].upper()}{level_name[:3].upper()}D{marked}",
                        language="en",
                        kind="abbreviation",
                    )
                ],
            )
    orgs["other-shared"] = make_org(
        "Other shared cell",
        parent=orgs["other"],
        classification=RESTRICTED,
        shared_with=[orgs["home"]],
        by=root_user,
        extra_names=[services.NameInput(value="OSC", language="en", kind="abbreviation")],
    )
    for key, org in list(orgs.items()):
        if key in ("home", "other"):
            continue
        marked = tag if key == "other-restricted" else ""
        # Public people are kept by their tree's root, so that public departments own nothing
        # and can be deleted; the others are kept by their department.
        people[key] = make_person(
            owner=orgs[key.split("-")[0]] if org.classification == PUBLIC else org,
            classification=org.classification,
            shared_with=[orgs["home"]] if key == "other-shared" else None,
            names=[
                services.NameInput(
                    value=f"Nguyễn {key.replace('-', ' ').title()} Anh{marked}", language="vi"
                ),
                services.NameInput(
                    value=f"Nguyen {key.title()} Anh{marked}", language="en", kind="transliteration"
                ),
            ],
            by=root_user,
        )
    # Every person holds a position in their tree's root (so leaf departments stay deletable);
    # every organisation has a mandate.
    with acting_as(root_user, via="test"):
        mandates = {
            key: services.add_mandate(
                by=root_user, organisation=org, data=services.MandateInput(field="documents", role="lead")
            ).pk
            for key, org in orgs.items()
        }
        for key, person in people.items():
            services.add_position(
                by=root_user,
                person=person,
                data=services.PositionInput(organisation=orgs[key.split("-")[0]], title_en=f"Officer {key}"),
            )
    records: dict[str, Record] = {}
    for key, org in orgs.items():
        records[f"org:{key}"] = Record(
            key=f"org:{key}",
            kind="organisation",
            pk=org.pk,
            classification=org.classification,
            home=key.startswith("home"),
            shared_home=key == "other-shared",
            leaf=key not in ("home", "other"),
            owns_people=Person.objects.filter(owner=org).exists(),
            mandate_id=mandates[key],
            name_ids=tuple(org.names.order_by("id").values_list("pk", flat=True)),
        )
    for key, person in people.items():
        records[f"person:{key}"] = Record(
            key=f"person:{key}",
            kind="person",
            pk=person.pk,
            classification=person.classification,
            home=key.startswith("home"),
            shared_home=key == "other-shared",
            name_ids=tuple(person.names.order_by("id").values_list("pk", flat=True)),
            position_id=Position.objects.get(person=person).pk,
        )
    users: dict[str, User] = {}
    for actor in MEMBER_ACTORS:
        users[actor.label] = make_user(
            f"{actor.label}{tag and '-x'}", org=orgs["home"], role=actor.role, clearance=actor.clearance
        )
    users[SUPERUSER.label] = root_user
    world = World(records=records, users=users, orgs=orgs, people=people)
    if extra is not None:
        extra(world, root_user)
    return world


@contextmanager
def world_for_module(django_db_blocker: Any, **kwargs: Any) -> Iterator[World]:
    """Build the world once, keep it for a module's tests, roll it all back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic(), override_settings(PASSWORD_HASHERS=FAST_HASHER):
        yield build_world(**kwargs)
        transaction.set_rollback(True)


# --- comparing bodies --------------------------------------------------------------------------

_MESSAGES = re.compile(rb'<ul class="messages".*?</ul>', re.S)
_PER_REQUEST = re.compile(rb'(name="csrfmiddlewaretoken" value="|data-csrf-token="|nonce=")[^"]*"')


def normalised(body: bytes, pk: int) -> bytes:
    """A body without per-request parts (CSRF token, CSP nonce, flash messages), its pk blanked."""
    body = re.sub(rb"\s+", b" ", _MESSAGES.sub(b"", _PER_REQUEST.sub(rb'\1-"', body)))
    # Only where an id is echoed: form values, query strings, paths and "No organisation N.".
    return re.sub(rb'(value="|=|/|organisation )' + str(pk).encode() + rb"(?![0-9])", rb"\1<PK>", body)

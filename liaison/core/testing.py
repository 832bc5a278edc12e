"""Builders shared by every module's tests: organisations, people and users with roles."""

from __future__ import annotations

import itertools
from typing import Any

from liaison.accounts.models import Membership, User
from liaison.core.access import Role, forget_principal
from liaison.core.audit import acting_as
from liaison.core.models import Classification
from liaison.directory import services
from liaison.directory.models import Organisation, Person

_counter = itertools.count(1)
PASSWORD = "correct horse battery staple"


def make_superuser(username: str = "root") -> User:
    return User.objects.create_superuser(
        username=username, password=PASSWORD, clearance=Classification.RESTRICTED
    )


def make_org(
    name: str | None = None,
    *,
    parent: Organisation | None = None,
    pillar: str = "state",
    kind: str = "ministry",
    classification: int = Classification.PUBLIC,
    shared_with: list[Organisation] | None = None,
    by: User | None = None,
    extra_names: list[services.NameInput] | None = None,
) -> Organisation:
    by = by or User.objects.filter(is_superuser=True).first() or make_superuser(f"root{next(_counter)}")
    with acting_as(by, via="test"):
        return services.create_organisation(
            by=by,
            data=services.OrganisationInput(
                parent=parent,
                pillar=pillar,
                kind=kind,
                classification=classification,
                shared_with=shared_with or [],
            ),
            names=[
                services.NameInput(value=name or f"Organisation {next(_counter)}", language="en"),
                *(extra_names or []),
            ],
        )


def make_person(
    name: str | None = None,
    *,
    owner: Organisation,
    classification: int = Classification.PUBLIC,
    names: list[services.NameInput] | None = None,
    shared_with: list[Organisation] | None = None,
    by: User | None = None,
) -> Person:
    by = by or User.objects.filter(is_superuser=True).first() or make_superuser(f"root{next(_counter)}")
    with acting_as(by, via="test"):
        return services.create_person(
            by=by,
            data=services.PersonInput(
                owner=owner, classification=classification, shared_with=shared_with or []
            ),
            names=names or [services.NameInput(value=name or f"Person {next(_counter)}", language="vi")],
        )


def make_user(
    username: str | None = None,
    *,
    org: Organisation | None = None,
    role: int = Role.VIEWER,
    clearance: int = Classification.INTERNAL,
    **extra: Any,
) -> User:
    user = User.objects.create_user(
        username=username or f"user{next(_counter)}", password=PASSWORD, clearance=clearance, **extra
    )
    if org is not None:
        Membership.objects.create(user=user, organisation=org, role=role)
        forget_principal(user)
    return user

"""Builders shared by every module's tests: organisations, people and users with roles."""

from __future__ import annotations

import io
import itertools
import zipfile
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


def response_text(response: Any) -> str:
    """Every byte a response gives the user, as text; XLSX files are unzipped and every part read.
    Reading a streamed body to its end closes the response the way the test client wants (a
    second close() would fire request_finished and, on PostgreSQL, close the connection)."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    return content.decode("utf-8", "replace")

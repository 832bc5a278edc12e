"""Builders for implementation-tracking tests."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from liaison.accounts.models import User
from liaison.core.audit import acting_as
from liaison.core.testing import make_superuser
from liaison.directory.models import Organisation
from liaison.implementation import services, tree
from liaison.implementation.models import Assignment, GuidingDocument, Plan, Task

_counter = itertools.count(1)


def _root() -> User:
    return User.objects.filter(is_superuser=True).first() or make_superuser(f"iroot{next(_counter)}")


def make_document(
    *, issuer: Organisation, owner: Organisation | None = None, by: User | None = None, **extra: Any
) -> GuidingDocument:
    by = by or _root()
    with acting_as(by, via="test"):
        return services.create_document(
            by=by,
            data=services.DocumentInput(
                code=extra.pop("code", f"{next(_counter):02d}-CT/TW"),
                kind=extra.pop("kind", "directive"),
                issuer=issuer,
                issued_on=extra.pop("issued_on", dt.date(2022, 1, 10)),
                owner=owner or issuer,
                title_en=extra.pop("title_en", "A directive"),
                **extra,
            ),
        )


def make_plan(
    document: GuidingDocument,
    *,
    owner: Organisation,
    starts_on: dt.date = dt.date(2023, 1, 1),
    ends_on: dt.date = dt.date(2024, 12, 31),
    by: User | None = None,
    **extra: Any,
) -> Plan:
    by = by or _root()
    with acting_as(by, via="test"):
        return services.create_plan(
            by=by,
            data=services.PlanInput(
                document=document,
                owner=owner,
                starts_on=starts_on,
                ends_on=ends_on,
                title_en=extra.pop("title_en", f"Plan {next(_counter)}"),
                **extra,
            ),
        )


def make_task(
    plan: Plan, *, responsible: Organisation | None = None, by: User | None = None, **extra: Any
) -> Task:
    by = by or _root()
    with acting_as(by, via="test"):
        return tree.add_task(
            by=by,
            plan=plan,
            data=tree.TaskInput(
                responsible=responsible or plan.owner,
                title_en=extra.pop("title_en", f"Task {next(_counter)}"),
                **extra,
            ),
        )


def assign_to(
    task: Task, *orgs: Organisation, on: dt.date | None = None, by: User | None = None
) -> list[Assignment]:
    by = by or _root()
    with acting_as(by, via="test"):
        result = tree.assign(by=by, task=task, organisations=list(orgs), on=on or task.plan.starts_on)
    return result.created

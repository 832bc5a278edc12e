"""Builders for membership tests: a small register at home and abroad, members, officers."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from liaison.accounts.models import User
from liaison.core.access import Role
from liaison.core.audit import acting_as
from liaison.core.models import Classification
from liaison.core.testing import make_org, make_superuser, make_user
from liaison.directory.models import Country, Organisation, OrganisationKind
from liaison.membership import services
from liaison.membership.models import Branch, BranchLevel, Member

_counter = itertools.count(1)
LONG_AGO = dt.date(2015, 1, 5)


def country(code: str) -> Country:
    found: Country = Country.objects.get(code=code)
    return found


def make_branch(
    name: str,
    *,
    parent: Organisation | None = None,
    level: str = BranchLevel.BRANCH,
    country_code: str = "VN",
    mission: Organisation | None = None,
    minimum_size: int = 3,
    by: User | None = None,
) -> Branch:
    by = by or User.objects.filter(is_superuser=True).first() or make_superuser(f"mroot{next(_counter)}")
    org = make_org(name, parent=parent, pillar="party", kind=OrganisationKind.PARTY_BRANCH, by=by)
    org.country = country(country_code)
    org.save()
    with acting_as(by, via="test"):
        return services.create_branch(
            by=by,
            organisation=org,
            data=services.BranchInput(level=level, mission=mission, minimum_size=minimum_size),
        )


def make_member(
    name: str | None = None,
    *,
    branch: Branch,
    joined_on: dt.date = LONG_AGO,
    by: User | None = None,
    register_number: str = "",
    **extra: Any,
) -> Member:
    by = by or User.objects.filter(is_superuser=True).first() or make_superuser(f"mroot{next(_counter)}")
    with acting_as(by, via="test"):
        return services.create_member(
            by=by,
            data=services.MemberInput(
                branch=branch,
                names=[services.NameInput(name or f"Nguyễn Văn Thử {next(_counter)}", "vi")],
                joined_on=joined_on,
                register_number=register_number,
                **extra,
            ),
        )


def make_officer(branch: Branch, *, role: int = Role.EDITOR, username: str | None = None) -> User:
    return make_user(username, org=branch.organisation, role=role, clearance=Classification.RESTRICTED)


@dataclass
class Register:
    """Home committee → two branches; committee abroad → a branch in the embassy in France."""

    root: User
    home: Branch
    hanoi: Branch
    hue: Branch
    abroad: Branch
    paris: Branch
    mission: Organisation


def make_register() -> Register:
    root = User.objects.filter(is_superuser=True).first() or make_superuser(f"mroot{next(_counter)}")
    home = make_branch("Home Committee", level=BranchLevel.COMMITTEE, by=root)
    hanoi = make_branch("Hanoi Branch", parent=home.organisation, by=root)
    hue = make_branch("Hue Branch", parent=home.organisation, by=root)
    abroad = make_branch("Committee Abroad", level=BranchLevel.COMMITTEE, country_code="FR", by=root)
    mission = make_org("Embassy in France", kind=OrganisationKind.MISSION, by=root)
    mission.country = country("FR")
    mission.save()
    paris = make_branch(
        "Embassy Branch, Paris", parent=abroad.organisation, country_code="FR", mission=mission, by=root
    )
    return Register(root=root, home=home, hanoi=hanoi, hue=hue, abroad=abroad, paris=paris, mission=mission)

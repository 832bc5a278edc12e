"""Demo users: an administrator and one user per role in the seed organisations, and officers of
the demo membership register (its organisations are made by `liaison.membership.demo`, which gives
them their roles once they exist)."""

from __future__ import annotations

from liaison.accounts.models import Membership, User
from liaison.core.access import Role
from liaison.core.models import Classification

# (user name, organisation external key, role, clearance)
DEMO_USERS = [
    ("mofa.coordinator", "seed:mofa", Role.COORDINATOR, Classification.RESTRICTED),
    ("mofa.editor", "seed:mofa", Role.EDITOR, Classification.INTERNAL),
    ("vufo.editor", "seed:vufo", Role.EDITOR, Classification.RESTRICTED),
    ("cerc.viewer", "seed:cerc", Role.VIEWER, Classification.INTERNAL),
    ("cerc.coordinator", "seed:cerc", Role.COORDINATOR, Classification.INTERNAL),
    ("hatinh.editor", "seed:ha-tinh-party-committee", Role.EDITOR, Classification.INTERNAL),
    # Membership records are restricted: their officers are cleared for RESTRICTED.
    ("paris.officer", "demo-branch-fr-embassy", Role.EDITOR, Classification.RESTRICTED),
    ("abroad.committee", "demo-branch-abroad", Role.COORDINATOR, Classification.RESTRICTED),
    ("hanoi.officer", "demo-branch-dofa-ha-noi", Role.EDITOR, Classification.RESTRICTED),
]


def ensure_demo_users(*, password: str) -> dict[str, User]:
    """Create (or reset) the demo users; memberships are added once their organisations exist."""
    from liaison.directory.models import Organisation

    admin, _ = User.objects.get_or_create(
        username="admin",
        defaults={"is_staff": True, "is_superuser": True, "clearance": Classification.RESTRICTED},
    )
    admin.is_staff = admin.is_superuser = True
    admin.clearance = Classification.RESTRICTED
    admin.set_password(password)
    admin.save()
    users = {"admin": admin}
    for username, org_key, role, clearance in DEMO_USERS:
        user, _ = User.objects.get_or_create(username=username, defaults={"clearance": clearance})
        user.clearance = clearance
        user.set_password(password)
        user.save()
        org = Organisation.objects.filter(external_key=org_key).first()
        if org is not None:
            Membership.objects.update_or_create(user=user, organisation=org, defaults={"role": role})
        users[username] = user
    return users


def add_demo_memberships() -> int:
    """Give the demo users that exist their roles in the organisations that exist now (for a
    demo loader that creates organisations after `ensure_demo_users`); returns how many were added."""
    from liaison.directory.models import Organisation

    users = {u.username: u for u in User.objects.filter(username__in=[row[0] for row in DEMO_USERS])}
    orgs = {
        o.external_key: o
        for o in Organisation.objects.filter(external_key__in=[row[1] for row in DEMO_USERS])
    }
    added = 0
    for username, org_key, role, _clearance in DEMO_USERS:
        user, org = users.get(username), orgs.get(org_key)
        if user is None or org is None:
            continue
        membership, created = Membership.objects.get_or_create(
            user=user, organisation=org, defaults={"role": role}
        )
        if not created and membership.role != role:
            membership.role = role
            membership.save(update_fields=["role"])
        added += created
    return added

"""The access policy, unit by unit: `can_*`, `visible()` and `get_for_user` must tell one story.

The expectations below are written from the rules in the docstring of `liaison.core.access`,
independently of its code:

- PUBLIC: every signed-in user reads. INTERNAL: every signed-in user cleared for INTERNAL reads.
- RESTRICTED: cleared users who are members of the owning organisation or one above it, or of a
  shared-with organisation or one above it.
- Change: readers with EDITOR+ in the owning organisation or above. Delete: the same with
  COORDINATOR+. Superusers do everything; inactive and anonymous users nothing.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.http import Http404
from django.test import override_settings

from liaison.core.access import (
    Action,
    Role,
    can_change,
    can_create,
    can_delete,
    can_read,
    get_for_user,
    readable_ids,
    sharing_widens,
    visible,
)
from liaison.core.models import Classification, SecurityEvent, SecurityEventKind
from liaison.core.testing import make_org, make_person, make_superuser, make_user
from liaison.directory.models import Organisation, Person

ROLES = [Role.VIEWER, Role.EDITOR, Role.COORDINATOR, Role.ADMINISTRATOR]
CLEARANCES = [Classification.PUBLIC, Classification.INTERNAL, Classification.RESTRICTED]
CLASSIFICATIONS = [Classification.PUBLIC, Classification.INTERNAL, Classification.RESTRICTED]

# Where the user's membership sits relative to the record's owning organisation ("owner").
POSITIONS = [
    "same org",
    "ancestor",
    "descendant",
    "other tree",
    "shared-with org",
    "ancestor of shared-with org",
    "descendant of shared-with org",
]
# Positions that cover the owner itself (for reading restricted records, changing, deleting).
_COVER_OWNER = {"same org", "ancestor"}
# Positions that cover a shared-with organisation (reading restricted records only).
_COVER_SHARED = {"shared-with org", "ancestor of shared-with org"}
MODELS = {"organisation": Organisation, "person": Person}
# The builders set a password; a cheap hasher keeps building 80 users fast.
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- the expectation, from the docstring -------------------------------------------------------


def expected_read(clearance: int, position: str, classification: int) -> bool:
    if classification > clearance:
        return False
    if classification < Classification.RESTRICTED:
        return True
    return position in _COVER_OWNER | _COVER_SHARED


def expected(action: Action, role: int, clearance: int, position: str, classification: int) -> bool:
    if not expected_read(clearance, position, classification):
        return False
    if action is Action.READ:
        return True
    needed = Role.EDITOR if action is Action.CHANGE else Role.COORDINATOR
    return role >= needed and position in _COVER_OWNER


def expected_create(role: int, clearance: int, position: str, classification: int) -> bool:
    return classification <= clearance and role >= Role.EDITOR and position in _COVER_OWNER


# --- the tree, built once for the module -------------------------------------------------------


@dataclass
class Tree:
    """root → owner → grandchild; a second tree; shared-ancestor → shared → shared-child."""

    orgs: dict[str, Organisation]
    records: dict[tuple[str, int], Any]  # (model key, classification) → record owned by "owner"
    users: dict[tuple[int, int, str], Any]  # (role, clearance, position) → user


_POSITION_ORG = {
    "same org": "owner",
    "ancestor": "root",
    "descendant": "grandchild",
    "other tree": "other_root",
    "shared-with org": "shared",
    "ancestor of shared-with org": "shared_parent",
    "descendant of shared-with org": "shared_child",
}


@pytest.fixture(scope="module")
def tree(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Tree]:
    with django_db_blocker.unblock(), transaction.atomic(), override_settings(PASSWORD_HASHERS=FAST_HASHER):
        make_superuser("policy-root")
        root = make_org("Root")
        owner = make_org("Owner", parent=root)
        grandchild = make_org("Grandchild", parent=owner)
        other_root = make_org("Other root")
        make_org("Other child", parent=other_root)
        shared_parent = make_org("Shared parent")
        shared = make_org("Shared", parent=shared_parent)
        shared_child = make_org("Shared child", parent=shared)
        orgs = {
            "root": root,
            "owner": owner,
            "grandchild": grandchild,
            "other_root": other_root,
            "shared_parent": shared_parent,
            "shared": shared,
            "shared_child": shared_child,
        }
        records: dict[tuple[str, int], Any] = {}
        for level in CLASSIFICATIONS:
            # An organisation record is owned by its parent: this one sits below "owner".
            records[("organisation", level)] = make_org(
                f"Record org {level}", parent=owner, classification=level, shared_with=[shared]
            )
            records[("person", level)] = make_person(
                f"Record person {level}", owner=owner, classification=level, shared_with=[shared]
            )
        users = {
            (role, clearance, position): make_user(
                f"u-{role}-{clearance}-{i}", org=orgs[_POSITION_ORG[position]], role=role, clearance=clearance
            )
            for i, (role, clearance, position) in enumerate(itertools.product(ROLES, CLEARANCES, POSITIONS))
        }
        yield Tree(orgs=orgs, records=records, users=users)
        transaction.set_rollback(True)


def _qs(model_key: str) -> Any:
    return MODELS[model_key].objects.all()


def _get_ok(user: Any, model_key: str, pk: int, action: Action) -> bool:
    try:
        get_for_user(user, _qs(model_key), pk, action=action)
    except Http404:
        return False
    return True


COMBINATIONS = list(itertools.product(ROLES, CLEARANCES, POSITIONS))


@pytest.mark.django_db
@pytest.mark.parametrize("model_key", list(MODELS))
@pytest.mark.parametrize("classification", CLASSIFICATIONS, ids=lambda c: Classification(c).name.lower())
@pytest.mark.parametrize(
    ("role", "clearance", "position"),
    COMBINATIONS,
    ids=[f"{Role(r).name.lower()}-cleared-{Classification(c).name.lower()}-{p}" for r, c, p in COMBINATIONS],
)
def test_can_visible_and_get_for_user_agree_with_the_documented_rules(
    tree: Tree, model_key: str, classification: int, role: int, clearance: int, position: str
) -> None:
    # given a user whose membership sits at `position` relative to the record's owner
    user = tree.users[(role, clearance, position)]
    record = tree.records[(model_key, classification)]
    for action, can in ((Action.READ, can_read), (Action.CHANGE, can_change), (Action.DELETE, can_delete)):
        want = expected(action, role, clearance, position, classification)
        # when the policy is asked per object, as a queryset filter, and through get_for_user
        per_object = can(user, record)
        in_queryset = visible(user, _qs(model_key), action=action).filter(pk=record.pk).exists()
        counted = visible(user, _qs(model_key), action=action, counting=True).filter(pk=record.pk).exists()
        fetched = _get_ok(user, model_key, record.pk, action)
        # then all four agree with the documented rule
        assert (per_object, in_queryset, counted, fetched) == (want, want, want, want), (
            f"{action}: can()={per_object}, visible()={in_queryset}, visible(counting)={counted}, "
            f"get_for_user={fetched}, expected {want}"
        )
    # and so does readable_ids, which decides by the classification first, asking the filter
    # only about the records that leaves to the user's organisations
    read = expected(Action.READ, role, clearance, position, classification)
    assert (record.pk in readable_ids(user, MODELS[model_key], [record.pk])) == read
    # and may they create a record of this classification owned by the same organisation?
    assert can_create(user, owner=record.owner, classification=classification) == expected_create(
        role, clearance, position, classification
    )


@pytest.mark.django_db
@pytest.mark.parametrize("model_key", list(MODELS))
def test_without_sharing_the_filter_leaves_out_exactly_what_is_read_through_shares(
    tree: Tree, model_key: str
) -> None:
    # `visible(..., sharing=False)`, what a capped count reads first, is a subset of what the user
    # reads: everything but the restricted records they read only as members of a shared-with
    # organisation (or one above it); `sharing_widens` says when it differs.
    for (role, clearance, position), user in tree.users.items():
        for classification in CLASSIFICATIONS:
            record = tree.records[(model_key, classification)]
            reads = visible(user, _qs(model_key)).filter(pk=record.pk).exists()
            subset = visible(user, _qs(model_key), sharing=False).filter(pk=record.pk).exists()
            counted = visible(user, _qs(model_key), sharing=False, counting=True).filter(pk=record.pk)
            assert counted.exists() == subset, (role, clearance, position, classification)
            through_shares = position in _COVER_SHARED and position not in _COVER_OWNER
            want = reads and not (through_shares and classification == Classification.RESTRICTED)
            assert subset == want, (role, clearance, position, classification)
        widens = sharing_widens(user, MODELS[model_key])
        assert widens == (clearance >= Classification.RESTRICTED), (role, clearance, position)


@pytest.mark.django_db
@pytest.mark.parametrize("model_key", list(MODELS))
@override_settings(PASSWORD_HASHERS=FAST_HASHER)
def test_an_inactive_user_sees_and_may_do_nothing(tree: Tree, model_key: str) -> None:
    # given an administrator of the root, cleared for everything, who has been deactivated
    user = make_user("inactive", org=tree.orgs["root"], role=Role.ADMINISTRATOR, clearance=2, is_active=False)
    for level in CLASSIFICATIONS:
        record = tree.records[(model_key, level)]
        # when the policy is asked / then every answer is no
        assert not can_read(user, record)
        assert not can_change(user, record)
        assert not can_delete(user, record)
        assert not _get_ok(user, model_key, record.pk, Action.READ)
    assert not visible(user, _qs(model_key)).exists()
    assert not can_create(user, owner=tree.orgs["owner"], classification=Classification.PUBLIC)


@pytest.mark.django_db
@pytest.mark.parametrize("model_key", list(MODELS))
@pytest.mark.parametrize("user_kind", ["anonymous", "none"])
def test_an_anonymous_user_sees_and_may_do_nothing(tree: Tree, model_key: str, user_kind: str) -> None:
    # given no signed-in user
    user = AnonymousUser() if user_kind == "anonymous" else None
    for level in CLASSIFICATIONS:
        record = tree.records[(model_key, level)]
        # then every answer is no, and the record answers 404
        assert not can_read(user, record)
        assert not can_change(user, record)
        assert not can_delete(user, record)
        with pytest.raises(Http404):
            get_for_user(user, _qs(model_key), record.pk)
    assert not visible(user, _qs(model_key)).exists()
    assert not can_create(user, owner=tree.orgs["owner"], classification=Classification.PUBLIC)


@pytest.mark.django_db
@pytest.mark.parametrize("model_key", list(MODELS))
@override_settings(PASSWORD_HASHERS=FAST_HASHER)
def test_a_superuser_without_memberships_sees_and_may_do_everything(tree: Tree, model_key: str) -> None:
    # given a superuser who is a member of nothing
    user = make_superuser("policy-super")
    # when the policy is asked about every record / then every answer is yes
    for action in Action:
        qs = visible(user, _qs(model_key), action=action)
        assert qs.count() == _qs(model_key).count()
    for level in CLASSIFICATIONS:
        record = tree.records[(model_key, level)]
        assert can_read(user, record) and can_change(user, record) and can_delete(user, record)
        assert _get_ok(user, model_key, record.pk, Action.DELETE)
        assert can_create(user, owner=tree.orgs["other_root"], classification=level)


def _denials() -> int:
    return SecurityEvent.objects.filter(kind=SecurityEventKind.ACCESS_DENIED).count()


@pytest.mark.django_db
@pytest.mark.parametrize("model_key", list(MODELS))
def test_a_hidden_record_raises_the_same_404_as_a_missing_one_and_is_logged(
    tree: Tree, model_key: str
) -> None:
    # given a viewer of another tree, cleared for internal, and a restricted record
    user = tree.users[(Role.VIEWER, Classification.INTERNAL, "other tree")]
    hidden = tree.records[(model_key, Classification.RESTRICTED)]
    before = _denials()
    # when they fetch the hidden record
    with pytest.raises(Http404) as hidden_error:
        get_for_user(user, _qs(model_key), hidden.pk)
    # then it raises a bare Http404 and one ACCESS_DENIED event names the record
    assert _denials() == before + 1
    event = SecurityEvent.objects.filter(kind=SecurityEventKind.ACCESS_DENIED).order_by("-id").first()
    assert event.user_id == user.pk
    assert event.detail == {"model": MODELS[model_key]._meta.label, "pk": str(hidden.pk), "action": "read"}
    # when they fetch a primary key that does not exist
    with pytest.raises(Http404) as missing_error:
        get_for_user(user, _qs(model_key), 999_999)
    # then the exception is indistinguishable and nothing is logged
    assert type(hidden_error.value) is type(missing_error.value)
    assert hidden_error.value.args == missing_error.value.args
    assert _denials() == before + 1


@pytest.mark.django_db
@pytest.mark.parametrize("model_key", list(MODELS))
def test_a_readable_record_the_user_may_not_change_answers_404_for_writes_and_is_logged(
    tree: Tree, model_key: str
) -> None:
    # given a viewer of the owner who may read the public record but not change it
    user = tree.users[(Role.VIEWER, Classification.RESTRICTED, "same org")]
    record = tree.records[(model_key, Classification.PUBLIC)]
    before = _denials()
    # when they fetch it for a change / then it is "not found", and the denial is logged
    with pytest.raises(Http404):
        get_for_user(user, _qs(model_key), record.pk, action=Action.CHANGE)
    assert _denials() == before + 1
    assert SecurityEvent.objects.order_by("-id").first().detail["action"] == "change"


@pytest.mark.django_db
@pytest.mark.parametrize("bad_pk", ["abc", None, "1; DROP TABLE"])
def test_a_malformed_primary_key_answers_404_and_logs_nothing(tree: Tree, bad_pk: Any) -> None:
    # given a signed-in user / when they fetch with a malformed key
    user = tree.users[(Role.VIEWER, Classification.INTERNAL, "same org")]
    before = _denials()
    with pytest.raises(Http404):
        get_for_user(user, _qs("person"), bad_pk)
    # then it is simply not found
    assert _denials() == before

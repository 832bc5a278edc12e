"""The no-leak crawl of test_no_leaks.py by the home root's members cleared for restricted (a file of
its own so that the crawls run on two test workers; the world, the marker and the crawl are
test_no_leaks.py's)."""

from __future__ import annotations

import pytest

from liaison.directory.tests.matrix import MEMBER_ACTORS, RESTRICTED, Actor, World
from liaison.directory.tests.test_no_leaks import crawl_finds_no_leak, world  # noqa: F401 - the fixture


@pytest.mark.django_db
@pytest.mark.parametrize(
    "actor", [a for a in MEMBER_ACTORS if a.clearance == RESTRICTED], ids=lambda a: a.label
)
def test_no_restricted_text_of_another_tree_reaches_a_member_cleared_for_restricted(
    world: World,  # noqa: F811
    actor: Actor,
) -> None:
    # given a member of the home root with some role, cleared for restricted
    # when they crawl every page, API answer, search, export and history they can reach
    # then the crawl was not vacuous, and the other tree's restricted marker appears nowhere
    crawl_finds_no_leak(world, actor)

"""The activity list's count for a reader with roles: the part read through roles or clearance is
counted first and, under the cap, every readable activity (shares and embargoes included)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from liaison.activities import rows, selectors
from liaison.activities.testing import make_activity
from liaison.core import access
from liaison.core.htmx import capped_count
from liaison.core.models import Classification
from liaison.core.testing import make_org, make_user

pytestmark = pytest.mark.django_db


def _count(user: Any, cap: int, filters: selectors.ActivityFilters) -> tuple[tuple[int, bool], list[str]]:
    user = type(user).objects.get(pk=user.pk)  # a fresh principal
    with CaptureQueriesContext(connection) as captured:
        _values, counted, first = rows.activity_values(user, filters)
        found = capped_count(counted, cap, first=first)
    return found, [q["sql"] for q in captured.captured_queries]


def test_the_count_reads_roles_first_then_every_readable_activity() -> None:
    home, other = make_org("Home ministry"), make_org("Other ministry")
    reader = make_user("list-reader", org=home, role=access.Role.VIEWER, clearance=Classification.RESTRICTED)
    for i in range(2):
        make_activity(f"Open {i}", lead=other, classification=Classification.PUBLIC)
    make_activity("Own restricted", lead=home, classification=Classification.RESTRICTED)
    shared = make_activity("Shared restricted", lead=other, classification=Classification.RESTRICTED)
    shared.shared_with.add(home)
    make_activity("Hidden", lead=other, classification=Classification.RESTRICTED)
    soon = timezone.now() + dt.timedelta(days=10)
    embargoed = make_activity("Embargoed", lead=other, classification=Classification.PUBLIC, starts_at=soon)
    embargoed.embargo_until = timezone.now() + dt.timedelta(days=3)
    embargoed.save(update_fields=["embargo_until"])

    filters = selectors.ActivityFilters()
    assert selectors.filtered(reader, filters).count() == 4  # two open, own, shared
    for cap, expected in [(2, (2, False)), (3, (3, False)), (4, (4, True)), (10, (4, True))]:
        found, queries = _count(reader, cap, filters)
        assert found == expected, cap
        assert queries[-1].startswith("SELECT CASE WHEN")

    # A filtered list is counted once, whole (its first part would mostly come short of the cap).
    for narrowed in (selectors.ActivityFilters(q="Shared"), selectors.ActivityFilters(group="high_level")):
        _found, queries = _count(reader, 10, narrowed)
        assert not queries[-1].startswith("SELECT CASE WHEN")
    _found, queries = _count(reader, 10, selectors.ActivityFilters(sort="start"))
    assert queries[-1].startswith("SELECT CASE WHEN")

"""Query budgets of the implementation pages that grow with the data: the home page (documents and
their plans), the plan list, a plan's page, its heatmap and its completeness page each cost the
same number of queries for a small plan and for a larger one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from liaison.core.audit import acting_as
from liaison.core.testing import make_org
from liaison.implementation import reporting, supervision, tree
from liaison.implementation.models import Plan
from liaison.implementation.testing import assign_to, make_document, make_plan, make_task

pytestmark = pytest.mark.django_db


def _queries(client: Client, path: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, path
    return [q["sql"] for q in captured.captured_queries]


def _plan(world: dict[str, Any], *, size: int, code: str) -> Plan:
    """A plan of `size` objectives, 2×`size` tasks (half of them sub-tasks) assigned to `size`
    provinces, with accepted reports, a late one, and `size` visits."""
    root, coordinator = world["root"], world["coordinator"]
    document = make_document(issuer=world["secretariat"], owner=world["cerc"], code=code)
    plan = make_plan(
        document,
        owner=world["cerc"],
        starts_on=dt.date(2023, 1, 1),
        ends_on=dt.date(2024, 12, 31),
        title_en=f"Plan {code}",
    )
    provinces = [world["hanoi"], world["hue"]] + [
        make_org(f"Province {code} {i}", pillar="party", kind="provincial_committee") for i in range(size - 2)
    ]
    provinces = provinces[:size]
    with acting_as(root, via="test"):
        objectives = [
            tree.add_objective(by=root, plan=plan, data=tree.ObjectiveInput(title_en=f"Objective {i}"))
            for i in range(size)
        ]
    for i in range(size):
        parent = make_task(plan, title_en=f"Task {i}", objective=objectives[i])
        leaf = make_task(
            plan, parent=parent, title_en=f"Sub-task {i}", due_on=dt.date(2024, 3, 31), recurrence="once"
        )
        for assignment in assign_to(leaf, *provinces):
            editor = world["hanoi_editor"] if assignment.organisation == world["hanoi"] else root
            with acting_as(editor, via="test"):
                report = reporting.save_report(
                    by=editor,
                    assignment=assignment,
                    period="2023-Q1",
                    data=reporting.ReportInput(percent=Decimal(10 * (i + 1))),
                )
                reporting.submit_report(by=editor, report=report)
            with acting_as(coordinator, via="test"):
                reporting.approve_report(by=coordinator, report=report)
    with acting_as(root, via="test"):
        for province in provinces:
            supervision.plan_inspection(
                by=root,
                plan=plan,
                data=supervision.InspectionInput(
                    kind="inspection",
                    organisation=province,
                    led_by=world["cerc"],
                    planned_on=dt.date(2023, 6, 1),
                ),
            )
    return plan


@pytest.fixture
def plans(world: dict[str, Any]) -> tuple[Plan, Plan]:
    return _plan(world, size=2, code="S-1"), _plan(world, size=5, code="L-1")


def _client(world: dict[str, Any]) -> Client:
    client = Client()
    client.force_login(world["coordinator"])
    client.get(reverse("implementation:home"))  # the session, the user and their memberships
    return client


@pytest.mark.parametrize("page", ["plan-detail", "plan-heatmap", "plan-completeness"])
def test_a_plans_pages_cost_the_same_for_a_small_and_a_larger_plan(world, plans, page):
    # given a plan of 2 objectives, 4 tasks, 2 provinces and one of 5, 10 and 5, both with reports
    small, large = plans
    client = _client(world)
    # (the completeness page for a period some have not reported for: their names are read too)
    query = "?period=2023-Q2" if page == "plan-completeness" else ""
    small_url = reverse(f"implementation:{page}", args=[small.pk]) + query
    large_url = reverse(f"implementation:{page}", args=[large.pk]) + query
    client.get(small_url)
    # when each page is opened, then the larger one costs no query more
    few = _queries(client, small_url)
    many = _queries(client, large_url)
    assert len(many) == len(few), "\n".join(many)
    assert len(few) == BUDGETS[page], "\n".join(few)


# The queries of each page (the session and the user are read before the view runs):
BUDGETS = {
    # session, user, memberships; the plan; the task figures, the tasks, the objectives (roll-up);
    # the periods (current period); the periods, expected and actual reports (completeness);
    # overdue assignments; approval levels; visits; the organisations and their names; the
    # plan's coordinators
    "plan-detail": 17,
    # session, user, memberships; the plan; the leaf tasks, the periods' labels, the assignments;
    # the organisations and their names
    "plan-heatmap": 9,
    # session, user, memberships; the plan; the periods, expected and actual reports; the
    # organisations and their names; who has not reported for the period; those and their names
    "plan-completeness": 12,
}


def test_the_home_page_and_the_plan_list_cost_the_same_for_2_or_7_plans(world):
    # given two documents with a plan each
    for i in range(2):
        make_plan(
            make_document(issuer=world["secretariat"], owner=world["cerc"], code=f"D-{i}"),
            owner=world["cerc"],
        )
    client = _client(world)
    home, plans = reverse("implementation:home"), reverse("implementation:plan-list")
    client.get(plans)
    # Home: session, user, memberships; the count; the documents (with their issuers); the plans
    # implementing them; the issuers' names (2).
    few_home = _queries(client, home)
    # Plans: session, user, memberships; the count; the plans (documents, owners, counts); the
    # owners' names (2); which of their documents the reader may read.
    few_plans = _queries(client, plans)
    assert (len(few_home), len(few_plans)) == (8, 8), (few_home, few_plans)
    # when five more documents with plans by other issuers are added
    for i in range(5):
        issuer = make_org(f"Issuer {i}", pillar="party", kind="commission")
        document = make_document(issuer=issuer, owner=world["cerc"], code=f"E-{i}")
        make_plan(document, owner=world["cerc"])
        make_plan(document, owner=world["cerc"])
    # then both pages cost the same
    assert len(_queries(client, home)) == len(few_home)
    assert len(_queries(client, plans)) == len(few_plans)

"""Roll-ups from assignments to tasks, objectives, plans and documents; completeness rates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from liaison.implementation import reporting, tree
from liaison.implementation.completeness import completeness, not_reported
from liaison.implementation.progress import document_rollup, plan_trees
from liaison.implementation.testing import assign_to, make_plan, make_task

pytestmark = pytest.mark.django_db


def accept(world, report_for, assignment, period, **values):
    report = report_for(assignment, period, submit=True, **values)
    reporting.approve_report(by=world["coordinator"], report=report)
    return report


def test_weighted_rollup_keeps_reported_and_computed_apart(world, report_for):
    plan = world["plan"]
    objective = tree.add_objective(by=world["root"], plan=plan, data=tree.ObjectiveInput(title_en="Reach"))
    heavy = make_task(plan, objective=objective, weight=3)
    light = make_task(plan, objective=objective, weight=1)
    hanoi_heavy, hue_heavy = assign_to(heavy, world["hanoi"], world["hue"])
    (hanoi_light,) = assign_to(light, world["hanoi"])
    accept(world, report_for, hanoi_heavy, "2023-Q1", percent=Decimal(80))
    accept(world, report_for, hanoi_light, "2023-Q1", percent=Decimal(20))
    (tree_,) = plan_trees([plan])
    objective_node = tree_.children[0]
    heavy_node, light_node = objective_node.children
    # Reported: what those who reported said; computed: Huế has not reported and counts as 0.
    assert heavy_node.reported == Decimal("80.0") and heavy_node.computed == Decimal("40.0")
    assert light_node.reported == light_node.computed == Decimal("20.0")
    assert objective_node.reported == Decimal("65.0")  # (3*80 + 20) / 4
    assert objective_node.computed == Decimal("35.0")  # (3*40 + 20) / 4
    assert tree_.computed == Decimal("35.0")
    accept(world, report_for, hue_heavy, "2023-Q1", percent=Decimal(60))
    (tree_,) = plan_trees([plan])
    assert tree_.children[0].children[0].computed == Decimal("70.0")


def test_status_and_indicator_rules(world, report_for):
    by_status = make_plan(world["directive"], owner=world["cerc"], rollup_rule="status")
    task = make_task(by_status)
    a, b = assign_to(task, world["hanoi"], world["hue"])
    accept(world, report_for, a, "2023-Q1", progress="done", percent=Decimal(90))
    accept(world, report_for, b, "2023-Q1", progress="on_track", percent=Decimal(90))
    (node,) = plan_trees([by_status])
    assert node.computed == Decimal("50.0") and node.reported == Decimal("90.0")
    by_indicator = make_plan(world["directive"], owner=world["cerc"], rollup_rule="indicator")
    measured = make_task(
        by_indicator, indicator="Delegations received", unit="delegations", baseline=10, target=50
    )
    (c,) = assign_to(measured, world["hanoi"])
    accept(world, report_for, c, "2023-Q1", value=Decimal(20), percent=Decimal(70))
    (node,) = plan_trees([by_indicator])
    assert node.computed == Decimal("25.0") and node.reported == Decimal("70.0")


def test_a_directive_rolls_up_its_plans_and_the_documents_implementing_it(world, report_for):
    task = make_task(world["plan"])
    (a,) = assign_to(task, world["hanoi"])
    accept(world, report_for, a, "2023-Q1", percent=Decimal(60))
    other = make_plan(world["directive"], owner=world["cerc"])
    make_task(other)
    node = document_rollup(world["directive"], [world["plan"], other])
    assert [c.kind for c in node.children] == ["plan", "plan"]
    # A plan with no assignment has no figure and does not pull the average down.
    assert node.computed == Decimal("60.0")


def test_completeness_counts_expected_actual_and_on_time(world, report_for, time_machine):
    plan = world["plan"]
    task = make_task(plan)
    late_task = make_task(plan, recurrence="once", due_on=dt.date(2023, 3, 31))
    hanoi, hue = assign_to(task, world["hanoi"], world["hue"])
    assign_to(late_task, world["hanoi"])
    time_machine.move_to(dt.datetime(2023, 4, 5, tzinfo=dt.UTC))
    report_for(hanoi, "2023-Q1", submit=True, today=dt.date(2023, 4, 5))
    time_machine.move_to(dt.datetime(2023, 5, 1, tzinfo=dt.UTC))
    report_for(hue, "2023-Q1", submit=True, today=dt.date(2023, 5, 1))
    result = completeness(plan, until=dt.date(2023, 6, 30))
    q1, q2 = result.periods
    assert (
        result.by_period[q1.pk].expected,
        result.by_period[q1.pk].actual,
        result.by_period[q1.pk].on_time,
    ) == (3, 2, 1)
    assert result.by_period[q1.pk].rate == Decimal("66.7")
    assert result.by_period[q2.pk].expected == 2  # the task done once was due in Q1
    assert result.by_organisation[world["hue"].pk].on_time == 0
    missing = not_reported(plan, q1)
    assert [(m.organisation_id, m.task_id) for m in missing] == [(world["hanoi"].pk, late_task.pk)]

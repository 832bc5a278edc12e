"""Objectives, the task tree and assignments to many organisations at once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from liaison.core.access import can_read
from liaison.core.models import Classification
from liaison.core.testing import make_org
from liaison.implementation import tree
from liaison.implementation.testing import assign_to, make_plan, make_task

pytestmark = pytest.mark.django_db


def test_a_task_due_after_its_plan_ends_is_refused(world):
    with pytest.raises(ValidationError) as caught:
        make_task(world["plan"], due_on=dt.date(2025, 1, 1))
    assert "after the plan ends" in caught.value.message_dict["due_on"][0]
    with pytest.raises(ValidationError) as caught:
        make_task(world["plan"], recurrence="once")
    assert "due_on" in caught.value.message_dict


def test_moving_a_task_under_its_own_subtask_is_refused_and_moves_keep_paths(world):
    plan = world["plan"]
    top = make_task(plan)
    middle = make_task(plan, parent=top)
    leaf = make_task(plan, parent=middle)
    with pytest.raises(ValidationError) as caught:
        tree.update_task(by=world["root"], task=top, version=None, changes={"parent": leaf})
    assert "part of itself" in caught.value.message_dict["parent"][0]
    with pytest.raises(ValidationError):
        tree.update_task(by=world["root"], task=top, version=None, changes={"parent": top})
    other = make_task(plan)
    tree.update_task(by=world["root"], task=middle, version=None, changes={"parent": other})
    leaf.refresh_from_db()
    assert leaf.path == f"/{other.pk}/{middle.pk}/{leaf.pk}/"


def test_an_indicator_needs_a_unit_and_a_target_apart_from_its_baseline(world):
    with pytest.raises(ValidationError) as caught:
        make_task(world["plan"], baseline=5, target=5)
    assert {"unit", "target"} <= set(caught.value.message_dict)


def test_a_task_is_assigned_to_every_provincial_unit_valid_on_the_day(world):
    gone = make_org("Hà Tây Party Committee", pillar="party", kind="provincial_committee")
    gone.valid_to = dt.date(2008, 7, 31)
    gone.save()
    task = make_task(world["plan"])
    members = tree.group_members(world["root"], "provincial_committees", dt.date(2023, 1, 1))
    assert {o.pk for o in members} == {world["hanoi"].pk, world["hue"].pk}
    result = tree.assign(by=world["root"], task=task, organisations=members, on=dt.date(2023, 1, 1))
    assert len(result.created) == 2
    again = tree.assign(by=world["root"], task=task, organisations=members, on=dt.date(2023, 1, 1))
    assert not again.created and len(again.already) == 2
    with pytest.raises(ValidationError) as caught:
        tree.assign(by=world["root"], task=task, organisations=[gone], on=dt.date(2023, 1, 1))
    assert "did not exist" in caught.value.message_dict["organisations"][0]


def test_assigned_organisations_read_a_restricted_plan(world):
    from liaison.core.access import Role
    from liaison.core.testing import make_user

    plan = make_plan(world["directive"], owner=world["cerc"], classification=Classification.RESTRICTED)
    reader = make_user(org=world["hanoi"], role=Role.VIEWER, clearance=Classification.RESTRICTED)
    assert not can_read(reader, plan)
    (assignment,) = assign_to(make_task(plan), world["hanoi"])
    plan.refresh_from_db()
    assert can_read(reader, plan)
    tree.unassign(by=world["root"], assignment=assignment)
    assert not can_read(reader, plan)


def test_a_task_with_subtasks_is_not_assigned_and_an_assigned_task_gets_no_subtasks(world):
    plan = world["plan"]
    parent = make_task(plan)
    make_task(plan, parent=parent)
    with pytest.raises(ValidationError):
        assign_to(parent, world["hanoi"])
    leaf = make_task(plan)
    assign_to(leaf, world["hanoi"])
    with pytest.raises(ValidationError) as caught:
        make_task(plan, parent=leaf)
    assert "assigned" in caught.value.message_dict["parent"][0]


def test_objectives_need_a_positive_weight(world):
    with pytest.raises(ValidationError):
        tree.add_objective(
            by=world["root"], plan=world["plan"], data=tree.ObjectiveInput(title_en="x", weight=0)
        )
    objective = tree.add_objective(
        by=world["root"], plan=world["plan"], data=tree.ObjectiveInput(title_en="Grow")
    )
    with pytest.raises(ValidationError):
        other_plan = make_plan(world["directive"], owner=world["cerc"])
        make_task(other_plan, objective=objective)

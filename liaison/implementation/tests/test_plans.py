"""Guiding documents, their relations, plans and their reporting periods."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from liaison.core.audit import history_for
from liaison.implementation import services
from liaison.implementation.periods import periods_for
from liaison.implementation.testing import assign_to, make_document, make_plan, make_task

pytestmark = pytest.mark.django_db


def test_quarterly_periods_are_clipped_to_the_plan_and_due_after_they_end():
    specs = periods_for(
        starts_on=dt.date(2023, 2, 15),
        ends_on=dt.date(2023, 12, 31),
        frequency="quarterly",
        report_within_days=15,
    )
    assert [s.label for s in specs] == ["2023-Q1", "2023-Q2", "2023-Q3", "2023-Q4"]
    assert specs[0].starts_on == dt.date(2023, 2, 15)
    assert specs[0].ends_on == dt.date(2023, 3, 31)
    assert specs[0].due_on == dt.date(2023, 4, 15)
    halves = periods_for(
        starts_on=dt.date(2023, 1, 1),
        ends_on=dt.date(2024, 12, 31),
        frequency="half_yearly",
        report_within_days=0,
    )
    assert [s.label for s in halves] == ["2023-H1", "2023-H2", "2024-H1", "2024-H2"]
    years = periods_for(
        starts_on=dt.date(2021, 6, 1),
        ends_on=dt.date(2025, 12, 31),
        frequency="yearly",
        report_within_days=30,
    )
    assert [s.label for s in years] == ["2021", "2022", "2023", "2024", "2025"]


def test_a_plan_keeps_its_periods_in_step_with_its_dates(world):
    plan = world["plan"]
    assert plan.periods.count() == 8
    services.update_plan(by=world["root"], plan=plan, version=plan.version, changes={"frequency": "yearly"})
    assert list(plan.periods.values_list("label", flat=True)) == ["2023", "2024"]


def test_a_document_code_is_unique_and_relations_refuse_circles(world):
    with pytest.raises(ValidationError) as caught:
        make_document(issuer=world["secretariat"], code="12-ct/tw")
    assert "code" in caught.value.message_dict
    project = make_document(issuer=world["secretariat"], code="01-DA/TW", kind="project")
    plan_doc = make_document(issuer=world["cerc"], code="KH-01", kind="plan")
    services.relate(by=world["root"], source=plan_doc, target=project, kind="implements")
    with pytest.raises(ValidationError) as caught:
        services.relate(by=world["root"], source=project, target=plan_doc, kind="implements")
    assert "circle" in caught.value.message_dict["target"][0]
    with pytest.raises(ValidationError):
        services.relate(by=world["root"], source=project, target=project, kind="amends")
    assert history_for(plan_doc)


def test_a_plan_must_end_after_it_starts_and_after_its_tasks(world):
    with pytest.raises(ValidationError) as caught:
        make_plan(
            world["directive"],
            owner=world["cerc"],
            starts_on=dt.date(2024, 1, 1),
            ends_on=dt.date(2023, 1, 1),
        )
    assert "ends_on" in caught.value.message_dict
    plan = world["plan"]
    make_task(plan, due_on=dt.date(2024, 6, 30))
    with pytest.raises(ValidationError) as caught:
        services.update_plan(
            by=world["root"], plan=plan, version=None, changes={"ends_on": dt.date(2024, 3, 31)}
        )
    assert "due on" in caught.value.message_dict["ends_on"][0]


def test_an_editor_elsewhere_cannot_create_or_change_a_plan(world):
    with pytest.raises(PermissionDenied):
        make_plan(world["directive"], owner=world["cerc"], by=world["hanoi_editor"])
    with pytest.raises(PermissionDenied):
        services.update_plan(
            by=world["hanoi_editor"], plan=world["plan"], version=None, changes={"notes": "x"}
        )


def test_unknown_fields_and_stale_versions_are_refused(world):
    plan = world["plan"]
    with pytest.raises(ValidationError) as caught:
        services.update_plan(by=world["root"], plan=plan, version=None, changes={"colour": "red"})
    assert "colour" in caught.value.message_dict
    from liaison.core.models import StaleRecordError

    with pytest.raises(StaleRecordError):
        services.update_plan(by=world["root"], plan=plan, version=plan.version + 3, changes={"notes": "x"})


def test_a_plan_reported_on_cannot_be_deleted(world, report_for):
    plan = world["plan"]
    task = make_task(plan)
    (assignment,) = assign_to(task, world["hanoi"])
    report_for(assignment, "2023-Q1", submit=True)
    with pytest.raises(ValidationError):
        services.delete_plan(by=world["root"], plan=plan)


def test_approval_levels_are_distinct_organisations(world):
    with pytest.raises(ValidationError):
        services.set_approval_levels(
            by=world["root"], plan=world["plan"], organisations=[world["cerc"], world["cerc"]]
        )
    levels = services.set_approval_levels(
        by=world["root"], plan=world["plan"], organisations=[world["hanoi"], world["cerc"]]
    )
    assert [lv.level for lv in levels] == [1, 2]

"""Progress reports: validation, the workflow with approval levels, versions kept."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from liaison.activities.testing import make_activity
from liaison.core.access import Role
from liaison.core.testing import make_user
from liaison.implementation import reporting, services
from liaison.implementation.models import ReportStatus
from liaison.implementation.testing import assign_to, make_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def assignment(world):
    task = make_task(world["plan"], indicator="Friendship events", unit="events", baseline=0, target=10)
    (assigned,) = assign_to(task, world["hanoi"])
    return assigned


@pytest.mark.parametrize(
    ("values", "period", "field", "words"),
    [
        ({"percent": Decimal(101)}, "2023-Q1", "percent", "between 0 and 100"),
        ({"percent": Decimal(-1)}, "2023-Q1", "percent", "between 0 and 100"),
        ({"value": Decimal(3), "unit": "people"}, "2023-Q1", "unit", "counted in events"),
        ({}, "2025-Q1", "period", "outside this plan"),
        ({}, "2031-Q9", "period", "outside this plan"),
    ],
)
def test_bad_reports_are_refused_with_a_specific_error(
    world, assignment, report_for, values, period, field, words
):
    with pytest.raises(ValidationError) as caught:
        report_for(assignment, period, by=world["hanoi_editor"], **values)
    assert words in " ".join(caught.value.message_dict[field])
    assert not assignment.reports.exists()


def test_a_period_not_begun_is_refused(world, assignment, report_for):
    with pytest.raises(ValidationError) as caught:
        report_for(assignment, "2023-Q3", today=dt.date(2023, 5, 1))
    assert "not begun" in caught.value.message_dict["period"][0]


def test_a_value_for_a_task_without_indicator_is_refused(world, report_for):
    (plain,) = assign_to(make_task(world["plan"]), world["hanoi"])
    with pytest.raises(ValidationError) as caught:
        report_for(plain, "2023-Q1", value=Decimal(2))
    assert "no indicator" in caught.value.message_dict["value"][0]


def test_only_the_assigned_organisation_reports(world, assignment, report_for):
    with pytest.raises(PermissionDenied):
        report_for(assignment, "2023-Q1", by=world["hue_editor"])
    with pytest.raises(PermissionDenied):
        report_for(assignment, "2023-Q1", by=world["hanoi_viewer"])


def test_returned_then_resubmitted_then_accepted_keeps_every_version(world, assignment, report_for):
    editor, coordinator = world["hanoi_editor"], world["coordinator"]
    activity = make_activity("Friendship exchange", lead=world["hanoi"])
    report = report_for(
        assignment,
        "2023-Q1",
        by=editor,
        submit=True,
        percent=Decimal(30),
        value=Decimal(3),
        activities=[activity],
    )
    assert report.status == ReportStatus.SUBMITTED and report.stage == 1
    with pytest.raises(PermissionDenied):
        reporting.approve_report(by=editor, report=report)
    with pytest.raises(ValidationError):
        reporting.return_report(by=coordinator, report=report, comment="  ")
    reporting.return_report(by=coordinator, report=report, comment="Name the events.")
    assert report.status == ReportStatus.RETURNED
    report = report_for(
        assignment,
        "2023-Q1",
        by=editor,
        submit=True,
        percent=Decimal(40),
        value=Decimal(4),
        narrative="Four events",
    )
    reporting.approve_report(by=coordinator, report=report)
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED
    versions = list(report.versions.values_list("number", "percent"))
    assert versions == [(1, Decimal("30.0")), (2, Decimal("40.0"))]
    assert report.versions.first().evidence["activities"] == [activity.pk]
    assert [r.action for r in report.reviews.all()] == ["submit", "return", "submit", "accept"]
    assignment.refresh_from_db()
    assert assignment.reported_percent == Decimal("40.0")
    assert assignment.value == Decimal("4.00")
    with pytest.raises(ValidationError):
        report_for(assignment, "2023-Q1", by=editor, percent=Decimal(50))


def test_a_higher_unit_approves_after_a_lower_one(world, assignment, report_for):
    secretariat_coordinator = make_user(org=world["secretariat"], role=Role.COORDINATOR)
    services.set_approval_levels(
        by=world["root"], plan=world["plan"], organisations=[world["cerc"], world["secretariat"]]
    )
    report = report_for(assignment, "2023-Q1", submit=True, percent=Decimal(10))
    with pytest.raises(PermissionDenied):
        reporting.approve_report(by=secretariat_coordinator, report=report)
    reporting.approve_report(by=world["coordinator"], report=report, comment="Fine by us")
    assert report.stage == 2 and report.status == ReportStatus.SUBMITTED
    with pytest.raises(PermissionDenied):
        reporting.approve_report(by=world["coordinator"], report=report)
    reporting.approve_report(by=secretariat_coordinator, report=report)
    assert report.status == ReportStatus.ACCEPTED


def test_a_report_first_submitted_after_the_deadline_is_late(world, assignment, report_for, time_machine):
    time_machine.move_to(dt.datetime(2023, 4, 20, 10, tzinfo=dt.UTC))
    report = report_for(assignment, "2023-Q1", submit=True, today=dt.date(2023, 4, 20))
    assert report.late
    time_machine.move_to(dt.datetime(2023, 4, 10, 10, tzinfo=dt.UTC))
    on_time = report_for(assignment, "2023-Q2", submit=True, today=dt.date(2023, 7, 10))
    assert not on_time.late

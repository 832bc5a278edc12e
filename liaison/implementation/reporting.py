"""Progress reports and their workflow: draft → submitted → (approved at each level) → accepted,
or returned with comments and submitted again. Every submission is kept as a version.

Who may do what:
- write and submit: editors of the assigned organisation (or of one above it);
- approve or return at a level: coordinators of that level's organisation (or above it); a plan
  without approval levels has one, its owner.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from liaison.activities.models import Activity
from liaison.activities.validation import require
from liaison.core import access
from liaison.core.access import Role, principal_for
from liaison.directory.models import Organisation
from liaison.implementation.models import (
    Assignment,
    GuidingDocument,
    ProgressReport,
    ProgressStatus,
    ReportingPeriod,
    ReportReview,
    ReportStatus,
    ReportVersion,
    ReviewAction,
)
from liaison.implementation.progress import refresh_assignment

MAX_NARRATIVE = 20_000


@dataclass
class ReportInput:
    progress: str = ProgressStatus.ON_TRACK
    percent: Decimal | None = None
    value: Decimal | None = None
    unit: str = ""
    narrative: str = ""
    activities: Sequence[Activity] = ()
    documents: Sequence[GuidingDocument] = ()
    notices: Sequence[Any] = ()


def can_report(user: Any, assignment: Assignment) -> bool:
    p = principal_for(user)
    if p.is_superuser:
        return True
    return p.covers(assignment.organisation.path, role=Role.EDITOR)


def reviewer_for(report: ProgressReport) -> tuple[int, Organisation]:
    """The level a submitted report waits at and the organisation that decides there."""
    plan = report.assignment.task.plan
    levels = list(plan.approval_levels.all())
    if not levels:
        return 1, plan.owner
    level = levels[min(report.stage, len(levels)) - 1]
    return level.level, level.organisation


def last_level(report: ProgressReport) -> int:
    return max(1, len(report.assignment.task.plan.approval_levels.all()))


def can_review(user: Any, report: ProgressReport) -> bool:
    if report.status != ReportStatus.SUBMITTED:
        return False
    p = principal_for(user)
    if p.is_superuser:
        return True
    _level, org = reviewer_for(report)
    return p.covers(org.path, role=Role.COORDINATOR)


def period_of(assignment: Assignment, label: str, *, today: dt.date | None = None) -> ReportingPeriod:
    """The plan's period with this label, refusing periods outside the plan, not yet begun, or
    over before the task was assigned."""
    plan = assignment.task.plan
    period = ReportingPeriod.objects.filter(plan=plan, label=label.strip()).first()
    if period is None:
        raise ValidationError(
            {
                "period": [
                    _("%(period)s is outside this plan (%(start)s – %(end)s).")
                    % {
                        "period": label,
                        "start": date_format(plan.starts_on, "SHORT_DATE_FORMAT"),
                        "end": date_format(plan.ends_on, "SHORT_DATE_FORMAT"),
                    }
                ]
            }
        )
    today = today or timezone.localdate()
    if period.starts_on > today:
        raise ValidationError({"period": [_("%(period)s has not begun yet.") % {"period": period.label}]})
    if period.ends_on < assignment.assigned_on:
        raise ValidationError(
            {
                "period": [
                    _("The task was assigned on %(day)s, after %(period)s ended.")
                    % {
                        "day": date_format(assignment.assigned_on, "SHORT_DATE_FORMAT"),
                        "period": period.label,
                    }
                ]
            }
        )
    return period


def _validate(user: Any, assignment: Assignment, data: ReportInput) -> None:
    errors: dict[str, list[str]] = {}
    task = assignment.task
    if data.progress not in ProgressStatus.values:
        errors["progress"] = [_("Unknown status.")]
    if data.percent is not None and not Decimal(0) <= data.percent <= Decimal(100):
        errors["percent"] = [_("Give a percentage between 0 and 100.")]
    if data.value is not None:
        if not task.has_indicator:
            errors["value"] = [_("This task has no indicator to report a value for.")]
        elif data.unit.strip() and data.unit.strip().casefold() != task.unit.casefold():
            errors["unit"] = [
                _("This task's indicator is counted in %(unit)s, not %(given)s.")
                % {"unit": task.unit, "given": data.unit.strip()}
            ]
        elif abs(data.value) >= Decimal("1e12"):
            errors["value"] = [_("This value is too large.")]
    if len(data.narrative) > MAX_NARRATIVE:
        errors["narrative"] = [_("Keep the narrative under %(max)d characters.") % {"max": MAX_NARRATIVE}]
    if any(not access.can_read(user, a) for a in data.activities):
        errors["activities"] = [_("You may not refer to an activity you cannot see.")]
    if any(not access.can_read(user, d) for d in data.documents):
        errors["documents"] = [_("You may not refer to a document you cannot see.")]
    if data.notices:
        from liaison.coordination.notices import visible_notices

        ids = {n.pk for n in data.notices}
        if visible_notices(user).filter(pk__in=ids).count() != len(ids):
            errors["notices"] = [_("You may not refer to a notice you cannot see.")]
    if errors:
        raise ValidationError(errors)


def _write(report: ProgressReport, data: ReportInput) -> None:
    report.progress = data.progress
    report.percent = data.percent
    report.value = data.value
    report.narrative = data.narrative
    report.save()
    report.evidence_activities.set([a.pk for a in data.activities])
    report.evidence_documents.set([d.pk for d in data.documents])
    report.evidence_notices.set([n.pk for n in data.notices])


@transaction.atomic
def save_report(
    *, by: Any, assignment: Assignment, period: str, data: ReportInput, today: dt.date | None = None
) -> ProgressReport:
    """Write (or rewrite) the organisation's report for a period, as a draft."""
    require(can_report(by, assignment))
    found = period_of(assignment, period, today=today)
    _validate(by, assignment, data)
    report = ProgressReport.objects.filter(assignment=assignment, period=found).first()
    if report is None:
        report = ProgressReport(assignment=assignment, period=found)
    elif report.status in (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED):
        raise ValidationError(
            {
                "__all__": [
                    _("This report is %(status)s: it can no longer be changed.")
                    % {"status": report.get_status_display().lower()}
                ]
            }
        )
    _write(report, data)
    return report


def _evidence(report: ProgressReport) -> dict[str, list[int]]:
    return {
        "activities": sorted(report.evidence_activities.values_list("pk", flat=True)),
        "documents": sorted(report.evidence_documents.values_list("pk", flat=True)),
        "notices": sorted(report.evidence_notices.values_list("pk", flat=True)),
    }


def _review(
    report: ProgressReport, *, by: Any, action: str, level: int, org: Organisation | None, comment: str = ""
) -> None:
    ReportReview.objects.create(
        report=report,
        version=report.versions.count(),
        action=action,
        level=level,
        comment=comment,
        by=by,
        organisation=org,
        at=timezone.now(),
    )


@transaction.atomic
def submit_report(*, by: Any, report: ProgressReport) -> ProgressReport:
    require(can_report(by, report.assignment))
    if report.status not in (ReportStatus.DRAFT, ReportStatus.RETURNED):
        raise ValidationError({"__all__": [_("Only a draft or a returned report can be submitted.")]})
    now = timezone.now()
    number = report.versions.count() + 1
    if number == 1:
        report.late = timezone.localdate(now) > report.period.due_on
    report.status = ReportStatus.SUBMITTED
    report.stage = 1
    report.submitted_at = now
    report.save()
    ReportVersion.objects.create(
        report=report,
        number=number,
        progress=report.progress,
        percent=report.percent,
        value=report.value,
        narrative=report.narrative,
        evidence=_evidence(report),
        submitted_at=now,
        submitted_by=by,
    )
    _review(report, by=by, action=ReviewAction.SUBMIT, level=0, org=report.assignment.organisation)
    from liaison.implementation.reminders import settle

    settle(report, now=now)
    return report


@transaction.atomic
def approve_report(*, by: Any, report: ProgressReport, comment: str = "") -> ProgressReport:
    """Approve at the level the report waits at; the last level's approval accepts it."""
    require(can_review(by, report))
    level, org = reviewer_for(report)
    if report.stage < last_level(report):
        report.stage += 1
        report.save()
        _review(report, by=by, action=ReviewAction.APPROVE, level=level, org=org, comment=comment)
        return report
    report.status = ReportStatus.ACCEPTED
    report.accepted_at = timezone.now()
    report.save()
    _review(report, by=by, action=ReviewAction.ACCEPT, level=level, org=org, comment=comment)
    refresh_assignment(report.assignment)
    return report


@transaction.atomic
def return_report(*, by: Any, report: ProgressReport, comment: str) -> ProgressReport:
    require(can_review(by, report))
    if not comment.strip():
        raise ValidationError({"comment": [_("Say what must change before the report can be accepted.")]})
    level, org = reviewer_for(report)
    report.status = ReportStatus.RETURNED
    report.stage = 0
    report.save()
    _review(report, by=by, action=ReviewAction.RETURN, level=level, org=org, comment=comment.strip())
    return report

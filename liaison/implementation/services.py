"""Writes to guiding documents, their relations, plans and approval levels: one transaction each,
validated with field-level errors, permission-checked, versioned and audited.

The tree below a plan (objectives, tasks, assignments) is written by `tree`, reports by
`reporting`, supervision visits by `supervision`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from liaison.activities.validation import require
from liaison.core import access
from liaison.core.models import Classification
from liaison.core.versioning import check_version
from liaison.directory.models import Organisation
from liaison.implementation.models import (
    ApprovalLevel,
    DocumentKind,
    DocumentRelation,
    Frequency,
    GuidingDocument,
    Plan,
    RelationKind,
    ReportingPeriod,
    RollupRule,
)
from liaison.implementation.periods import periods_for

MAX_DAYS = 366
# Periods and their deadlines are computed from a plan's dates: keep those far from the calendar's
# ends (year 9999 would overflow).
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2200, 12, 31)


def _need_title(data: Any, errors: dict[str, list[str]]) -> None:
    if not (data.title_en.strip() or data.title_vi.strip() or data.title_ar.strip()):
        errors["title_en"] = [_("Give a title in at least one language.")]


def _refer_to(user: Any, orgs: Sequence[Organisation], field: str, errors: dict[str, list[str]]) -> None:
    if any(not access.can_read(user, org) for org in orgs):
        errors.setdefault(field, []).append(_("You may not refer to an organisation you cannot see."))


def _changes(data: Any, editable: frozenset[str], changes: dict[str, Any]) -> None:
    unknown = set(changes) - editable
    if unknown:
        raise ValidationError({k: [_("This field cannot be changed here.")] for k in sorted(unknown)})
    for key, value in changes.items():
        setattr(data, key, value)


# --- Guiding documents ------------------------------------------------------------------------


@dataclass
class DocumentInput:
    code: str
    kind: str
    issuer: Organisation
    issued_on: dt.date
    owner: Organisation
    title_en: str = ""
    title_vi: str = ""
    title_ar: str = ""
    text: str = ""
    classification: int = Classification.PUBLIC
    is_demo: bool = False


DOCUMENT_EDITABLE = frozenset(f.name for f in fields(DocumentInput)) - {"is_demo"}


def _validate_document(user: Any, data: DocumentInput, *, pk: int | None = None) -> None:
    errors: dict[str, list[str]] = {}
    data.code = data.code.strip()
    if not data.code:
        errors["code"] = [_("Give the document's number, e.g. 12-CT/TW.")]
    elif GuidingDocument.objects.filter(code__iexact=data.code).exclude(pk=pk).exists():
        errors["code"] = [_("Another document already has this number.")]
    if data.kind not in DocumentKind.values:
        errors["kind"] = [_("Unknown kind of document.")]
    _need_title(data, errors)
    if data.classification not in Classification.values:
        errors["classification"] = [_("Unknown classification.")]
    _refer_to(user, [data.issuer], "issuer", errors)
    if errors:
        raise ValidationError(errors)


def _save_document(document: GuidingDocument, data: DocumentInput) -> None:
    for name in DOCUMENT_EDITABLE | {"is_demo"}:
        setattr(document, name, getattr(data, name))
    document.save()


@transaction.atomic
def create_document(*, by: Any, data: DocumentInput) -> GuidingDocument:
    _validate_document(by, data)
    require(access.can_create(by, owner=data.owner, classification=data.classification))
    document = GuidingDocument()
    _save_document(document, data)
    return document


def document_input(document: GuidingDocument) -> DocumentInput:
    values = {name: getattr(document, name) for name in DOCUMENT_EDITABLE | {"is_demo"}}
    return DocumentInput(**values)


@transaction.atomic
def update_document(
    *, by: Any, document: GuidingDocument, version: int | None, changes: dict[str, Any]
) -> GuidingDocument:
    require(access.can_change(by, document))
    check_version(document, version)
    data = document_input(document)
    _changes(data, DOCUMENT_EDITABLE, changes)
    _validate_document(by, data, pk=document.pk)
    if data.owner != document.owner or data.classification != document.classification:
        require(access.can_create(by, owner=data.owner, classification=data.classification))
    _save_document(document, data)
    return document


@transaction.atomic
def delete_document(*, by: Any, document: GuidingDocument) -> None:
    require(access.can_delete(by, document))
    if document.plans.exists():
        raise ValidationError({"__all__": [_("Plans implement this document: delete them first.")]})
    if document.relations_in.exists():
        raise ValidationError(
            {"__all__": [_("Other documents refer to this one: remove those relations first.")]}
        )
    stored = document.attachment
    if stored:
        transaction.on_commit(lambda: stored.delete(save=False))
    document.relations.all().delete()
    document.delete()


@transaction.atomic
def attach_text(*, by: Any, document: GuidingDocument, upload: Any, name: str) -> GuidingDocument:
    require(access.can_change(by, document))
    previous = document.attachment.name if document.attachment else ""
    document.attachment.save(name, upload, save=False)
    document.attachment_name = name
    document.save()
    if previous:
        storage = document.attachment.storage
        transaction.on_commit(lambda: storage.delete(previous))
    return document


@transaction.atomic
def relate(*, by: Any, source: GuidingDocument, target: GuidingDocument, kind: str) -> DocumentRelation:
    require(access.can_change(by, source))
    if kind not in RelationKind.values:
        raise ValidationError({"kind": [_("Unknown relation.")]})
    if source.pk == target.pk:
        raise ValidationError({"target": [_("A document cannot refer to itself.")]})
    if not access.can_read(by, target):
        raise ValidationError({"target": [_("You may not refer to a document you cannot see.")]})
    if DocumentRelation.objects.filter(source=source, target=target, kind=kind).exists():
        raise ValidationError({"target": [_("This relation is already recorded.")]})
    if kind in (RelationKind.REPLACES, RelationKind.IMPLEMENTS) and _reaches(target, source, kind):
        raise ValidationError(
            {"target": [_("That would make a circle: the other document already leads back here.")]}
        )
    relation = DocumentRelation(source=source, target=target, kind=kind)
    relation.save()
    return relation


def _reaches(start: GuidingDocument, goal: GuidingDocument, kind: str) -> bool:
    seen: set[int] = set()
    frontier = {start.pk}
    while frontier:
        if goal.pk in frontier:
            return True
        seen |= frontier
        frontier = (
            set(
                DocumentRelation.objects.filter(source_id__in=frontier, kind=kind).values_list(
                    "target_id", flat=True
                )
            )
            - seen
        )
    return False


@transaction.atomic
def unrelate(*, by: Any, relation: DocumentRelation) -> None:
    require(access.can_change(by, relation.source))
    relation.delete()


# --- Plans ------------------------------------------------------------------------------------


@dataclass
class PlanInput:
    document: GuidingDocument
    owner: Organisation
    starts_on: dt.date
    ends_on: dt.date
    title_en: str = ""
    title_vi: str = ""
    title_ar: str = ""
    code: str = ""
    rollup_rule: str = RollupRule.WEIGHTED
    frequency: str = Frequency.QUARTERLY
    report_within_days: int = 15
    remind_days_before: int = 7
    coordinators: Sequence[Any] = ()
    notes: str = ""
    classification: int = Classification.INTERNAL
    is_demo: bool = False


_PLAN_SCALARS = (
    "document",
    "owner",
    "starts_on",
    "ends_on",
    "title_en",
    "title_vi",
    "title_ar",
    "code",
    "rollup_rule",
    "frequency",
    "report_within_days",
    "remind_days_before",
    "notes",
    "classification",
    "is_demo",
)
PLAN_EDITABLE = frozenset(f.name for f in fields(PlanInput)) - {"is_demo"}


def _validate_plan(user: Any, data: PlanInput, plan: Plan | None = None) -> None:
    errors: dict[str, list[str]] = {}
    _need_title(data, errors)
    for name in ("starts_on", "ends_on"):
        if not EARLIEST <= getattr(data, name) <= LATEST:
            errors[name] = [_("This date is out of range.")]
    if "starts_on" in errors or "ends_on" in errors:
        raise ValidationError(errors)
    if data.ends_on < data.starts_on:
        errors["ends_on"] = [_("The plan cannot end before it starts.")]
    elif (data.ends_on - data.starts_on).days > 366 * 15:
        errors["ends_on"] = [_("A plan runs for fifteen years at most.")]
    if data.rollup_rule not in RollupRule.values:
        errors["rollup_rule"] = [_("Unknown roll-up rule.")]
    if data.frequency not in Frequency.values:
        errors["frequency"] = [_("Unknown reporting frequency.")]
    if not 0 <= data.report_within_days <= MAX_DAYS:
        errors["report_within_days"] = [_("Give between 0 and %(max)d days.") % {"max": MAX_DAYS}]
    if not 0 <= data.remind_days_before <= MAX_DAYS:
        errors["remind_days_before"] = [_("Give between 0 and %(max)d days.") % {"max": MAX_DAYS}]
    if data.classification not in Classification.values:
        errors["classification"] = [_("Unknown classification.")]
    if not access.can_read(user, data.document):
        errors["document"] = [_("You may not refer to a document you cannot see.")]
    if plan is not None and not errors:
        late = plan.tasks.filter(due_on__gt=data.ends_on).order_by("due_on").first()
        if late is not None:
            errors["ends_on"] = [
                _("Task %(task)s is due on %(due)s, after this end.") % {"task": late, "due": late.due_on}
            ]
        early = plan.tasks.filter(due_on__lt=data.starts_on).order_by("due_on").first()
        if early is not None:
            errors["starts_on"] = [
                _("Task %(task)s is due on %(due)s, before this start.")
                % {"task": early, "due": early.due_on}
            ]
    if errors:
        raise ValidationError(errors)


def _sync_periods(plan: Plan) -> None:
    """Make the stored periods match the plan's dates and frequency; a period that has reports
    cannot disappear or change its dates."""
    wanted = {
        spec.label: spec
        for spec in periods_for(
            starts_on=plan.starts_on,
            ends_on=plan.ends_on,
            frequency=plan.frequency,
            report_within_days=plan.report_within_days,
        )
    }
    stored = {p.label: p for p in plan.periods.all()}
    reported = set(
        ReportingPeriod.objects.filter(plan=plan, reports__isnull=False)
        .values_list("label", flat=True)
        .distinct()
    )
    for label, period in stored.items():
        spec = wanted.get(label)
        if label in reported and (
            spec is None or (spec.starts_on, spec.ends_on) != (period.starts_on, period.ends_on)
        ):
            raise ValidationError(
                {
                    "ends_on": [
                        _("Reports exist for %(period)s: the plan must keep that period whole.")
                        % {"period": label}
                    ]
                }
            )
        if spec is None:
            period.delete()
        elif (period.starts_on, period.ends_on, period.due_on) != (spec.starts_on, spec.ends_on, spec.due_on):
            period.starts_on, period.ends_on, period.due_on = spec.starts_on, spec.ends_on, spec.due_on
            period.save()
    ReportingPeriod.objects.bulk_create(
        [
            ReportingPeriod(
                plan=plan, label=s.label, starts_on=s.starts_on, ends_on=s.ends_on, due_on=s.due_on
            )
            for label, s in wanted.items()
            if label not in stored
        ]
    )


def _save_plan(plan: Plan, data: PlanInput) -> None:
    for name in _PLAN_SCALARS:
        setattr(plan, name, getattr(data, name))
    plan.save()
    coordinators = sorted({user.pk for user in data.coordinators})
    if sorted(plan.coordinators.values_list("pk", flat=True)) != coordinators:
        plan.coordinators.set(coordinators)
    _sync_periods(plan)


@transaction.atomic
def create_plan(*, by: Any, data: PlanInput) -> Plan:
    _validate_plan(by, data)
    require(access.can_create(by, owner=data.owner, classification=data.classification))
    plan = Plan()
    _save_plan(plan, data)
    return plan


def plan_input(plan: Plan) -> PlanInput:
    values = {name: getattr(plan, name) for name in _PLAN_SCALARS}
    return PlanInput(coordinators=list(plan.coordinators.all()), **values)


@transaction.atomic
def update_plan(*, by: Any, plan: Plan, version: int | None, changes: dict[str, Any]) -> Plan:
    require(access.can_change(by, plan))
    check_version(plan, version)
    data = plan_input(plan)
    _changes(data, PLAN_EDITABLE, changes)
    _validate_plan(by, data, plan)
    if data.owner != plan.owner or data.classification != plan.classification:
        require(access.can_create(by, owner=data.owner, classification=data.classification))
    _save_plan(plan, data)
    return plan


@transaction.atomic
def delete_plan(*, by: Any, plan: Plan) -> None:
    require(access.can_delete(by, plan))
    from liaison.implementation.models import ProgressReport

    if ProgressReport.objects.filter(assignment__task__plan=plan).exclude(status="draft").exists():
        raise ValidationError(
            {"__all__": [_("Organisations have reported on this plan: it cannot be deleted, only ended.")]}
        )
    # Drafts go first: a report protects its period, which the plan's deletion would cascade to.
    ProgressReport.objects.filter(assignment__task__plan=plan).delete()
    plan.delete()


@transaction.atomic
def set_approval_levels(*, by: Any, plan: Plan, organisations: Sequence[Organisation]) -> list[ApprovalLevel]:
    """Level 1 approves first, the last level accepts; none: the plan's owner accepts."""
    require(access.can_change(by, plan))
    errors: dict[str, list[str]] = {}
    if len({o.pk for o in organisations}) != len(organisations):
        errors["organisations"] = [_("An organisation can approve at one level only.")]
    elif len(organisations) > 5:
        errors["organisations"] = [_("Five levels at most.")]
    _refer_to(by, organisations, "organisations", errors)
    if errors:
        raise ValidationError(errors)
    from liaison.implementation.models import ProgressReport, ReportStatus

    if ProgressReport.objects.filter(assignment__task__plan=plan, status=ReportStatus.SUBMITTED).exists():
        raise ValidationError(
            {
                "organisations": [
                    _("Reports are waiting for approval: decide on them before changing the levels.")
                ]
            }
        )
    plan.approval_levels.all().delete()
    levels = []
    for number, org in enumerate(organisations, start=1):
        level = ApprovalLevel(plan=plan, level=number, organisation=org)
        level.save()
        levels.append(level)
    return levels

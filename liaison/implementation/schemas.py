"""The implementation-tracking API's shapes (inputs and outputs apart; inputs refuse unknown fields).

Organisations are referred to by id in inputs; in outputs as `{id, name}`, or null when the
reader may not see the organisation (it is never named). Per cents, weights and indicator values
are JSON numbers; inputs take numbers or decimal strings.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from ninja import Field, Schema

from liaison.activities.schemas import In
from liaison.core.api_support import Page
from liaison.core.models import Classification
from liaison.implementation.models import (
    DocumentKind,
    Frequency,
    InspectionKind,
    InspectionStatus,
    ProgressStatus,
    Recurrence,
    RelationKind,
    RollupRule,
)

# Indicator baselines and targets are stored with 14 digits, 2 of them decimals.
INDICATOR_BOUND = 10**12

# --- references -------------------------------------------------------------------------------


class OrgRef(Schema):
    id: int
    name: str


class DocumentRef(Schema):
    id: int
    code: str
    title: str


class PlanRef(Schema):
    id: int
    code: str
    title: str
    starts_on: dt.date
    ends_on: dt.date


class TaskRef(Schema):
    id: int
    code: str
    title: str
    due_on: dt.date | None
    unit: str


# --- guiding documents ------------------------------------------------------------------------


class DocumentOut(Schema):
    id: int
    code: str
    kind: DocumentKind
    title: str = Field(description="In the reader's language (or the first title there is).")
    title_en: str
    title_vi: str
    title_ar: str
    issuer: OrgRef | None = Field(description="Null when you may not see the organisation.")
    issued_on: dt.date
    owner: OrgRef | None = Field(description="Null when you may not see the organisation.")
    classification: str
    is_demo: bool
    version: int


class DocumentListOut(Page):
    items: list[DocumentOut]


class RelationOut(Schema):
    id: int
    kind: RelationKind
    document: DocumentRef = Field(description="The other document.")


class DocumentDetailOut(DocumentOut):
    text: str
    attachment_name: str
    relations: list[RelationOut] = Field(
        description="This document implements, replaces or amends these (those you may see)."
    )
    referred_by: list[RelationOut] = Field(
        description="These implement, replace or amend this document (those you may see)."
    )
    plans: list[PlanRef] = Field(description="The plans you may see that implement it.")
    can_change: bool


class DocumentIn(In):
    code: str = Field(..., max_length=100)
    kind: DocumentKind
    issuer: int
    issued_on: dt.date
    owner: int | None = Field(None, description="Defaults to the issuer.")
    title_en: str = Field("", max_length=500)
    title_vi: str = Field("", max_length=500)
    title_ar: str = Field("", max_length=500)
    text: str = ""
    classification: Classification = Classification.PUBLIC


class DocumentPatch(In):
    code: str | None = Field(None, max_length=100)
    kind: DocumentKind | None = None
    issuer: int | None = None
    issued_on: dt.date | None = None
    owner: int | None = None
    title_en: str | None = Field(None, max_length=500)
    title_vi: str | None = Field(None, max_length=500)
    title_ar: str | None = Field(None, max_length=500)
    text: str | None = None
    classification: Classification | None = None


class RelationIn(In):
    target: int = Field(description="The document this one implements, replaces or amends.")
    kind: RelationKind


# --- plans ------------------------------------------------------------------------------------


class PlanOut(Schema):
    id: int
    code: str
    title: str
    title_en: str
    title_vi: str
    title_ar: str
    document: DocumentRef | None = Field(description="Null when you may not see the document.")
    owner: OrgRef | None = Field(description="Null when you may not see the organisation.")
    starts_on: dt.date
    ends_on: dt.date
    rollup_rule: RollupRule
    frequency: Frequency
    report_within_days: int
    remind_days_before: int
    classification: str
    is_demo: bool
    version: int
    task_count: int
    organisation_count: int = Field(description="Organisations its tasks are assigned to.")


class PlanListOut(Page):
    items: list[PlanOut]


class ApprovalLevelOut(Schema):
    level: int
    organisation: OrgRef | None = Field(description="Null when you may not see the organisation.")


class ObjectiveOut(Schema):
    id: int
    code: str
    title: str
    title_en: str
    title_vi: str
    title_ar: str
    weight: float
    version: int


class PlanDetailOut(PlanOut):
    assignment_count: int = Field(description="Assignments of its tasks (task × organisation).")
    notes: str
    coordinators: list[str] = Field(description="Usernames.")
    approval_levels: list[ApprovalLevelOut] = Field(
        description="Level 1 approves first, the last accepts; none: the owner accepts."
    )
    objectives: list[ObjectiveOut]
    current_period: str | None = Field(description="The period whose reports are due next.")
    can_change: bool


class PlanIn(In):
    document: int
    owner: int
    starts_on: dt.date
    ends_on: dt.date
    title_en: str = Field("", max_length=500)
    title_vi: str = Field("", max_length=500)
    title_ar: str = Field("", max_length=500)
    code: str = Field("", max_length=100)
    rollup_rule: RollupRule = RollupRule.WEIGHTED
    frequency: Frequency = Frequency.QUARTERLY
    report_within_days: int = 15
    remind_days_before: int = 7
    coordinators: list[str] = Field([], description="Usernames.")
    notes: str = ""
    classification: Classification = Classification.INTERNAL


class PlanPatch(In):
    document: int | None = None
    owner: int | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    title_en: str | None = Field(None, max_length=500)
    title_vi: str | None = Field(None, max_length=500)
    title_ar: str | None = Field(None, max_length=500)
    code: str | None = Field(None, max_length=100)
    rollup_rule: RollupRule | None = None
    frequency: Frequency | None = None
    report_within_days: int | None = None
    remind_days_before: int | None = None
    coordinators: list[str] | None = None
    notes: str | None = None
    classification: Classification | None = None


class ApprovalLevelsIn(In):
    organisations: list[int] = Field(description="Level 1 first; an empty list: the owner accepts.")


class PeriodOut(Schema):
    label: str
    starts_on: dt.date
    ends_on: dt.date
    due_on: dt.date


class NodeOut(Schema):
    kind: str = Field(description="document, plan, objective or task.")
    id: int
    code: str
    title: str
    weight: float
    reported: float | None = Field(description="What the organisations said (those that reported).")
    computed: float | None = Field(description="The plan's rule; organisations not reported count 0.")
    assignments: int
    by_status: dict[str, int]
    children: list[NodeOut]


class HeatTaskOut(Schema):
    id: int
    code: str
    title: str
    due_on: dt.date | None


class CellOut(Schema):
    assignment: int = Field(description="GET /assignments/{id} lists the reports behind the cell.")
    status: ProgressStatus
    computed: float | None
    reported: float | None
    overdue: bool
    last_period: str


class HeatRowOut(Schema):
    organisation: OrgRef | None = Field(description="Null when you may not see the organisation.")
    cells: list[CellOut | None] = Field(description="One per task, in the order of `tasks`.")


class HeatmapOut(Schema):
    tasks: list[HeatTaskOut] = Field(description="The plan's leaf tasks, in tree order.")
    rows: list[HeatRowOut]
    counts: dict[str, int] = Field(description="Cells by status (`overdue` counted apart).")


class RatesOut(Schema):
    expected: int
    actual: int
    on_time: int
    rate: float | None = Field(description="actual / expected, in per cent.")
    on_time_rate: float | None = Field(description="on time / expected, in per cent.")


class PeriodRatesOut(RatesOut):
    period: str


class PeriodTotalsOut(PeriodOut, RatesOut):
    pass


class OrganisationRatesOut(RatesOut):
    organisation: OrgRef | None = Field(description="Null when you may not see the organisation.")
    periods: list[PeriodRatesOut]


class CompletenessOut(Schema):
    periods: list[PeriodTotalsOut]
    organisations: list[OrganisationRatesOut]
    total: RatesOut


class AssignmentRowOut(Schema):
    id: int
    task: TaskRef
    organisation: OrgRef | None = Field(description="Null when you may not see the organisation.")
    assigned_on: dt.date
    status: ProgressStatus
    reported_percent: float | None
    computed_percent: float | None
    value: float | None
    last_period: str | None


class AssignmentPageOut(Page):
    items: list[AssignmentRowOut]


class NotReportedOut(AssignmentPageOut):
    period: PeriodOut


# --- objectives and tasks ---------------------------------------------------------------------


class ObjectiveIn(In):
    title_en: str = Field("", max_length=500)
    title_vi: str = Field("", max_length=500)
    title_ar: str = Field("", max_length=500)
    code: str = Field("", max_length=20)
    weight: Decimal = Decimal(1)


class ObjectivePatch(In):
    title_en: str | None = Field(None, max_length=500)
    title_vi: str | None = Field(None, max_length=500)
    title_ar: str | None = Field(None, max_length=500)
    code: str | None = Field(None, max_length=20)
    weight: Decimal | None = None


class AssignmentOut(Schema):
    id: int
    organisation: OrgRef | None = Field(description="Null when you may not see the organisation.")
    assigned_on: dt.date
    status: ProgressStatus
    reported_percent: float | None
    computed_percent: float | None
    value: float | None
    last_period: str | None
    version: int


class TaskOut(Schema):
    id: int
    plan: int
    code: str
    title: str
    title_en: str
    title_vi: str
    title_ar: str
    objective: int | None
    parent: int | None
    children: list[int]
    depth: int = Field(description="1 for a task directly under its plan.")
    responsible: OrgRef | None = Field(description="Null when you may not see the organisation.")
    cooperating: list[OrgRef] = Field(description="Those you may see.")
    due_on: dt.date | None
    recurrence: Recurrence
    weight: float
    indicator: str
    unit: str
    baseline: float | None
    target: float | None
    notes: str
    origin: int | None = Field(description="The supervision recommendation it follows up.")
    version: int
    assignments: list[AssignmentOut]


class TaskIn(In):
    responsible: int
    title_en: str = Field("", max_length=500)
    title_vi: str = Field("", max_length=500)
    title_ar: str = Field("", max_length=500)
    code: str = Field("", max_length=20)
    objective: int | None = Field(None, description="An objective of the same plan.")
    parent: int | None = Field(None, description="A task of the same plan (not one assigned).")
    cooperating: list[int] = []
    due_on: dt.date | None = Field(None, description="Required for a task done once.")
    recurrence: Recurrence = Recurrence.EVERY_PERIOD
    weight: Decimal = Decimal(1)
    indicator: str = Field("", max_length=300)
    unit: str = Field("", max_length=40)
    baseline: Decimal | None = Field(None, gt=-INDICATOR_BOUND, lt=INDICATOR_BOUND)
    target: Decimal | None = Field(None, gt=-INDICATOR_BOUND, lt=INDICATOR_BOUND)
    notes: str = ""


class TaskPatch(In):
    responsible: int | None = None
    title_en: str | None = Field(None, max_length=500)
    title_vi: str | None = Field(None, max_length=500)
    title_ar: str | None = Field(None, max_length=500)
    code: str | None = Field(None, max_length=20)
    objective: int | None = None
    parent: int | None = None
    cooperating: list[int] | None = None
    due_on: dt.date | None = None
    recurrence: Recurrence | None = None
    weight: Decimal | None = None
    indicator: str | None = Field(None, max_length=300)
    unit: str | None = Field(None, max_length=40)
    baseline: Decimal | None = Field(None, gt=-INDICATOR_BOUND, lt=INDICATOR_BOUND)
    target: Decimal | None = Field(None, gt=-INDICATOR_BOUND, lt=INDICATOR_BOUND)
    notes: str | None = None


class AssignIn(In):
    organisations: list[int] = Field([], description="Organisations chosen one by one …")
    group: str | None = Field(
        None,
        description="… or a group as it stood on `on`: provincial_committees, people_committees, "
        "missions or ministries.",
    )
    region: str | None = Field(
        None,
        description="With the missions group only: the missions whose country lies in this UN M49 "
        "region, by key: a macro-region (africa, americas, asia, europe, oceania) or a sub-region "
        "(e.g. south_eastern_asia, western_europe).",
    )
    on: dt.date | None = Field(None, description="The assignment date (today when omitted).")


class AssignedOut(Schema):
    created: list[AssignmentOut]
    already: list[OrgRef | None] = Field(description="Organisations the task was already assigned to.")


# --- reports ----------------------------------------------------------------------------------


class ReportSummaryOut(Schema):
    id: int
    period: str
    status: str = Field(description="draft, submitted, returned or accepted.")
    stage: int = Field(description="While submitted, the approval level it waits at.")
    progress: ProgressStatus
    percent: float | None
    value: float | None
    late: bool
    submitted_at: dt.datetime | None
    accepted_at: dt.datetime | None
    version: int


class AssignmentDetailOut(AssignmentOut):
    plan: int
    task: TaskRef
    reports: list[ReportSummaryOut]
    can_report: bool


class ReviewerOut(Schema):
    level: int
    organisation: OrgRef | None = Field(description="Null when you may not see the organisation.")


class ReportOut(ReportSummaryOut):
    assignment: int
    plan: int
    task: TaskRef
    organisation: OrgRef | None = Field(description="Null when you may not see the organisation.")
    period_due_on: dt.date
    narrative: str
    activities: list[int] = Field(description="Evidence you may see.")
    documents: list[int] = Field(description="Evidence you may see.")
    notices: list[uuid.UUID] = Field(description="Evidence you may see.")
    waiting_for: ReviewerOut | None = Field(description="Who decides next, while submitted.")
    allowed: list[str] = Field(description="What you may do with it: edit, submit, approve, return.")


class AwaitingReportOut(ReportSummaryOut):
    assignment: int
    plan: int
    task: TaskRef
    organisation: OrgRef | None = Field(description="Null when you may not see the organisation.")
    period_due_on: dt.date


class ReportIn(In):
    progress: ProgressStatus = ProgressStatus.ON_TRACK
    percent: Decimal | None = Field(None, description="0 to 100.")
    value: Decimal | None = Field(None, description="The indicator's value, in the task's unit.")
    unit: str = Field("", max_length=40, description="Checked against the task's unit when given.")
    narrative: str = ""
    activities: list[int] = Field([], description="Activity ids.")
    documents: list[int] = Field([], description="Guiding document ids.")
    notices: list[uuid.UUID] = Field([], description="Coordination notice ids.")


class CommentIn(In):
    comment: str = ""


class EvidenceOut(Schema):
    activities: list[int]
    documents: list[int]
    notices: list[uuid.UUID]


class VersionOut(Schema):
    number: int
    progress: ProgressStatus
    percent: float | None
    value: float | None
    narrative: str
    evidence: EvidenceOut = Field(description="As submitted, the part you may see.")
    submitted_at: dt.datetime
    submitted_by: str | None


class ReviewOut(Schema):
    version: int
    action: str = Field(description="submit, approve, return or accept.")
    level: int
    comment: str
    by: str | None
    organisation: OrgRef | None = Field(description="Null when you may not see the organisation.")
    at: dt.datetime


# --- supervision visits -----------------------------------------------------------------------


class VisitOut(Schema):
    id: int
    plan: int
    kind: InspectionKind
    organisation: OrgRef | None = Field(description="Visited; null when you may not see it.")
    led_by: OrgRef | None = Field(description="Null when you may not see the organisation.")
    planned_on: dt.date
    done_on: dt.date | None
    status: InspectionStatus
    team: list[str] = Field(description="One member per line: name and role.")
    summary: str
    version: int


class VisitListOut(Page):
    items: list[VisitOut]


class RecommendationOut(Schema):
    id: int
    text: str
    due_on: dt.date | None
    follow_up_tasks: list[int]
    version: int


class FindingOut(Schema):
    id: int
    text: str
    recommendations: list[RecommendationOut]
    version: int


class VisitDetailOut(VisitOut):
    findings: list[FindingOut]


class VisitIn(In):
    kind: InspectionKind
    organisation: int = Field(description="The visited organisation.")
    led_by: int
    planned_on: dt.date
    done_on: dt.date | None = None
    status: InspectionStatus = InspectionStatus.PLANNED
    team: list[str] = Field([], description="One member per line: name and role.")
    summary: str = ""


class VisitPatch(In):
    kind: InspectionKind | None = None
    organisation: int | None = None
    led_by: int | None = None
    planned_on: dt.date | None = None
    done_on: dt.date | None = None
    status: InspectionStatus | None = None
    team: list[str] | None = None
    summary: str | None = None


class FindingIn(In):
    text: str
    recommendations: list[str] = []


class RecommendationIn(In):
    text: str
    due_on: dt.date | None = None


class FollowUpIn(TaskIn):
    assign_visited: bool = Field(True, description="Assign the task to the visited organisation.")


NodeOut.model_rebuild()

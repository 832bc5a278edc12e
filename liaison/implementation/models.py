"""Implementation tracking: the chain from a guiding document down to the evidence.

A guiding document (resolution, directive, project, …) is implemented by plans; a plan has
objectives and a tree of tasks; a task is assigned to many organisations at once; each
assignment reports its progress every reporting period, through a review workflow with approval
levels. Supervision and inspection visits produce findings and recommendations whose follow-up
tasks enter the same tree. See docs/implementation.md.

Guiding documents and plans are owned records (the access policy decides who reads and changes
them); the organisations a plan's tasks are assigned to read the plan (`shared_with`), like an
agreement's parties. Everything below a plan follows the plan's access.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from liaison.core.models import AuditedModel, OwnedRecord
from liaison.directory.models import Organisation


class Titled(models.Model):
    """A title in the three interface languages, shown in the reader's."""

    title_en = models.CharField(_("title (English)"), max_length=500, blank=True)
    title_vi = models.CharField(_("title (Vietnamese)"), max_length=500, blank=True)
    title_ar = models.CharField(_("title (Arabic)"), max_length=500, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.title_en or self.title_vi or self.title_ar or f"{self._meta.verbose_name} {self.pk}"

    def title_in(self, language: str) -> str:
        return getattr(self, f"title_{language}", "") or str(self)


class DocumentKind(models.TextChoices):
    RESOLUTION = "resolution", _("Resolution")
    DIRECTIVE = "directive", _("Directive")
    PROJECT = "project", _("Project")
    STRATEGY = "strategy", _("Strategy")
    PLAN = "plan", _("Plan")
    DECISION = "decision", _("Decision")
    LAW = "law", _("Law")


class GuidingDocument(Titled, OwnedRecord):
    """A resolution, directive, project, strategy, plan, decision or law that others implement."""

    code = models.CharField(_("code"), max_length=100, help_text=_("Its number, e.g. 12-CT/TW."))
    kind = models.CharField(_("kind"), max_length=16, choices=DocumentKind.choices)
    issuer = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("issued by")
    )
    issued_on = models.DateField(_("issued on"))
    text = models.TextField(_("text"), blank=True)
    attachment = models.FileField(_("attachment"), upload_to="guiding/%Y/", blank=True)
    attachment_name = models.CharField(max_length=255, blank=True)
    is_demo = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("guiding document")
        verbose_name_plural = _("guiding documents")
        ordering = ["-issued_on", "id"]
        constraints = [models.UniqueConstraint(fields=["code"], name="guiding_document_code_unique")]

    def __str__(self) -> str:
        title = self.title_en or self.title_vi or self.title_ar
        return f"{self.code} {title}".strip() if title else self.code

    def title_in(self, language: str) -> str:
        return getattr(self, f"title_{language}", "") or self.title_en or self.title_vi or self.title_ar

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("implementation:document-detail", args=[self.pk])


class RelationKind(models.TextChoices):
    IMPLEMENTS = "implements", _("implements")
    REPLACES = "replaces", _("replaces")
    AMENDS = "amends", _("amends")


class DocumentRelation(AuditedModel):
    """`source` implements, replaces or amends `target`."""

    source = models.ForeignKey(GuidingDocument, on_delete=models.CASCADE, related_name="relations")
    target = models.ForeignKey(GuidingDocument, on_delete=models.PROTECT, related_name="relations_in")
    kind = models.CharField(_("relation"), max_length=12, choices=RelationKind.choices)

    class Meta:
        verbose_name = _("relation between documents")
        verbose_name_plural = _("relations between documents")
        ordering = ["source_id", "kind", "target_id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="document_relation_once"),
            models.CheckConstraint(
                condition=~Q(source=models.F("target")), name="document_relation_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"

    def audit_subject(self) -> AuditedModel:
        return self.source


class RollupRule(models.TextChoices):
    WEIGHTED = "weighted", _("Weighted average of the parts")
    STATUS = "status", _("Share of the parts done")
    INDICATOR = "indicator", _("Indicator value against its target")


class Frequency(models.TextChoices):
    QUARTERLY = "quarterly", _("Quarterly")
    HALF_YEARLY = "half_yearly", _("Half-yearly")
    YEARLY = "yearly", _("Yearly")


MONTHS_IN = {Frequency.QUARTERLY: 3, Frequency.HALF_YEARLY: 6, Frequency.YEARLY: 12}


class Plan(Titled, OwnedRecord):
    """A plan or programme implementing a guiding document over a period."""

    document = models.ForeignKey(
        GuidingDocument, on_delete=models.PROTECT, related_name="plans", verbose_name=_("implements")
    )
    code = models.CharField(_("code"), max_length=100, blank=True)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    rollup_rule = models.CharField(
        _("roll-up rule"),
        max_length=12,
        choices=RollupRule.choices,
        default=RollupRule.WEIGHTED,
        help_text=_("How the computed progress of a task, an objective and the plan follows from its parts."),
    )
    frequency = models.CharField(
        _("reporting"), max_length=12, choices=Frequency.choices, default=Frequency.QUARTERLY
    )
    report_within_days = models.PositiveSmallIntegerField(
        _("report within (days)"),
        default=15,
        help_text=_("Reports for a period are due this many days after it ends."),
    )
    remind_days_before = models.PositiveSmallIntegerField(
        _("remind (days before)"),
        default=7,
        help_text=_("Organisations that have not reported are reminded this many days before the deadline."),
    )
    coordinators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="coordinated_plans",
        verbose_name=_("coordinators"),
        help_text=_("They are told of reports missing after the deadline."),
    )
    notes = models.TextField(_("notes"), blank=True)
    is_demo = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["-starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="plan_period_ordered"
            )
        ]
        indexes = [models.Index(fields=["document", "starts_on"], name="plan_document")]

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("implementation:plan-detail", args=[self.pk])


class ApprovalLevel(AuditedModel):
    """A report is approved at level 1, then 2, …; the last level's approval accepts it."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="approval_levels")
    level = models.PositiveSmallIntegerField(_("level"))
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("approved by")
    )

    class Meta:
        verbose_name = _("approval level")
        verbose_name_plural = _("approval levels")
        ordering = ["plan_id", "level"]
        constraints = [models.UniqueConstraint(fields=["plan", "level"], name="approval_level_once")]

    def __str__(self) -> str:
        return f"{self.level}: {self.organisation}"

    def audit_subject(self) -> AuditedModel:
        return self.plan


class ReportingPeriod(models.Model):
    """One reporting period of a plan (derived from its period and frequency; see `periods`)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="periods")
    label = models.CharField(_("period"), max_length=16)
    starts_on = models.DateField()
    ends_on = models.DateField()
    due_on = models.DateField(_("reports due"))

    class Meta:
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        ordering = ["plan_id", "starts_on"]
        constraints = [models.UniqueConstraint(fields=["plan", "label"], name="period_label_once")]
        indexes = [models.Index(fields=["due_on"], name="period_due")]

    def __str__(self) -> str:
        return self.label


class Objective(Titled, AuditedModel):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="objectives")
    code = models.CharField(_("number"), max_length=20, blank=True)
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=2, default=Decimal(1))

    class Meta:
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")
        ordering = ["plan_id", "code", "id"]

    def audit_subject(self) -> AuditedModel:
        return self.plan


class Recurrence(models.TextChoices):
    ONCE = "once", _("Once, by its due date")
    EVERY_PERIOD = "every_period", _("Every reporting period")


class Task(Titled, AuditedModel):
    """A task in a plan's tree. Leaf tasks are assigned; a parent's progress rolls up from its
    children by the plan's rule."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="tasks")
    objective = models.ForeignKey(
        Objective,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
        verbose_name=_("objective"),
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
        verbose_name=_("part of"),
    )
    # Materialised path of primary keys ("/4/17/"): subtrees are one prefix match, cycles are
    # refused by looking for the task in its new parent's path.
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    code = models.CharField(_("number"), max_length=20, blank=True)
    responsible = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("responsible")
    )
    cooperating = models.ManyToManyField(
        Organisation, blank=True, related_name="+", verbose_name=_("cooperating")
    )
    due_on = models.DateField(_("due"), null=True, blank=True)
    recurrence = models.CharField(
        _("recurrence"), max_length=16, choices=Recurrence.choices, default=Recurrence.EVERY_PERIOD
    )
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=2, default=Decimal(1))
    indicator = models.CharField(_("indicator"), max_length=300, blank=True)
    unit = models.CharField(_("unit"), max_length=40, blank=True, help_text=_("e.g. activities, %, people"))
    baseline = models.DecimalField(_("baseline"), max_digits=14, decimal_places=2, null=True, blank=True)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=2, null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # A follow-up of a supervision recommendation (see Recommendation).
    origin = models.ForeignKey(
        "Recommendation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_up_tasks",
        verbose_name=_("follows up"),
    )

    audit_exclude = AuditedModel.audit_exclude | {"path"}

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["plan_id", "path"]
        indexes = [models.Index(fields=["plan", "path"], name="task_tree")]

    def audit_subject(self) -> AuditedModel:
        return self.plan

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("implementation:task-detail", args=[self.pk])

    @property
    def has_indicator(self) -> bool:
        return self.target is not None


class ProgressStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    DELAYED = "delayed", _("Delayed")
    DONE = "done", _("Done")


class Assignment(AuditedModel):
    """A task assigned to one organisation, with its own status.

    `status`, `reported_percent`, `computed_percent` and `value` follow from the latest accepted
    report (written by `progress.refresh_assignment`), so heatmaps and roll-ups read assignments,
    not millions of reports. Reported and computed progress are kept apart: one is what the
    organisation said, the other what the plan's rule makes of it.
    """

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="assignments")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    assigned_on = models.DateField(_("assigned on"))
    status = models.CharField(
        _("status"), max_length=12, choices=ProgressStatus.choices, default=ProgressStatus.NOT_STARTED
    )
    reported_percent = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    computed_percent = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    last_period = models.ForeignKey(
        ReportingPeriod, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    audit_exclude = AuditedModel.audit_exclude | {
        "status",
        "reported_percent",
        "computed_percent",
        "value",
        "last_period",
    }

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["task_id", "organisation_id"]
        constraints = [models.UniqueConstraint(fields=["task", "organisation"], name="assignment_once")]
        indexes = [models.Index(fields=["organisation", "task"], name="assignment_by_organisation")]

    def __str__(self) -> str:
        return f"{self.task} → {self.organisation}"

    def audit_subject(self) -> AuditedModel:
        return self.task.plan


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned with comments")
    ACCEPTED = "accepted", _("Accepted")


class ProgressReport(AuditedModel):
    """What one organisation reports on one assignment for one period.

    While submitted, `stage` is the approval level it waits at (1 = the first); the last level's
    approval accepts it. Every submission is kept as a `ReportVersion`, so a returned report
    keeps every earlier version.
    """

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="reports")
    period = models.ForeignKey(ReportingPeriod, on_delete=models.PROTECT, related_name="reports")
    status = models.CharField(
        _("workflow"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    stage = models.PositiveSmallIntegerField(default=0)
    progress = models.CharField(
        _("status"), max_length=12, choices=ProgressStatus.choices, default=ProgressStatus.ON_TRACK
    )
    percent = models.DecimalField(_("per cent done"), max_digits=5, decimal_places=1, null=True, blank=True)
    value = models.DecimalField(_("indicator value"), max_digits=14, decimal_places=2, null=True, blank=True)
    narrative = models.TextField(_("narrative"), blank=True)
    evidence_activities = models.ManyToManyField(
        "activities.Activity", blank=True, related_name="progress_reports", verbose_name=_("activities")
    )
    evidence_documents = models.ManyToManyField(
        GuidingDocument, blank=True, related_name="cited_in_reports", verbose_name=_("documents")
    )
    evidence_notices = models.ManyToManyField(
        "coordination.Notice", blank=True, related_name="cited_in_reports", verbose_name=_("notices")
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    # First submitted after the period's deadline (kept when it is later returned and resubmitted).
    late = models.BooleanField(default=False)
    is_demo = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["assignment_id", "period_id"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "period"], name="report_once_per_period"),
            models.CheckConstraint(
                condition=Q(percent__isnull=True) | Q(percent__gte=0, percent__lte=100),
                name="report_percent_range",
            ),
        ]
        indexes = [
            models.Index(fields=["period", "status"], name="report_period_status"),
            models.Index(fields=["status", "stage"], name="report_awaiting"),
        ]

    def __str__(self) -> str:
        return f"{self.assignment} {self.period}"

    def audit_subject(self) -> AuditedModel:
        return self

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("implementation:report-detail", args=[self.pk])


class ReportVersion(models.Model):
    """One submission of a report, as it was submitted (never changed afterwards)."""

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    progress = models.CharField(max_length=12, choices=ProgressStatus.choices)
    percent = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    narrative = models.TextField(blank=True)
    evidence = models.JSONField(default=dict)
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["report_id", "number"]
        constraints = [models.UniqueConstraint(fields=["report", "number"], name="report_version_once")]

    def __str__(self) -> str:
        return f"{self.report_id} v{self.number}"


class ReviewAction(models.TextChoices):
    SUBMIT = "submit", _("Submitted")
    APPROVE = "approve", _("Approved")
    RETURN = "return", _("Returned")
    ACCEPT = "accept", _("Accepted")


class ReportReview(models.Model):
    """One step of a report's workflow: who did what at which level, with which comment."""

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="reviews")
    version = models.PositiveSmallIntegerField()
    action = models.CharField(max_length=8, choices=ReviewAction.choices)
    level = models.PositiveSmallIntegerField(default=0)
    comment = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    organisation = models.ForeignKey(Organisation, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["report_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.report_id} {self.action} at level {self.level}"


class InspectionKind(models.TextChoices):
    SUPERVISION = "supervision", _("Supervision")
    INSPECTION = "inspection", _("Inspection")


class InspectionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Carried out")
    CANCELLED = "cancelled", _("Cancelled")


class Inspection(AuditedModel):
    """A supervision or inspection visit of a plan's implementation at one organisation."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="inspections")
    kind = models.CharField(_("kind"), max_length=12, choices=InspectionKind.choices)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("visited")
    )
    led_by = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("led by")
    )
    planned_on = models.DateField(_("planned for"))
    done_on = models.DateField(_("carried out on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=InspectionStatus.choices, default=InspectionStatus.PLANNED
    )
    team = models.TextField(_("team"), blank=True, help_text=_("One member per line: name and role."))
    summary = models.TextField(_("summary"), blank=True)
    is_demo = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("supervision visit")
        verbose_name_plural = _("supervision visits")
        ordering = ["plan_id", "planned_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.organisation} {self.planned_on}"

    def audit_subject(self) -> AuditedModel:
        return self.plan

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("implementation:inspection-detail", args=[self.pk])

    @property
    def team_members(self) -> list[str]:
        return [line.strip() for line in self.team.splitlines() if line.strip()]


class Finding(AuditedModel):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    text = models.TextField(_("finding"))

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["inspection_id", "id"]

    def __str__(self) -> str:
        return self.text[:80]

    def audit_subject(self) -> AuditedModel:
        return self.inspection.plan


class Recommendation(AuditedModel):
    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="recommendations")
    text = models.TextField(_("recommendation"))
    due_on = models.DateField(_("due"), null=True, blank=True)

    class Meta:
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        ordering = ["finding_id", "id"]

    def __str__(self) -> str:
        return self.text[:80]

    def audit_subject(self) -> AuditedModel:
        return self.finding.inspection.plan


def tree_order(path: str) -> tuple[int, ...]:
    """A task's place in its plan's tree: parents first, siblings in the order they were made.
    Ordering by the materialised path as text would put "/10/" before "/9/"."""
    return tuple(int(part) for part in path.strip("/").split("/") if part)


def period_label(frequency: str, start: dt.date) -> str:
    if frequency == Frequency.QUARTERLY:
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    if frequency == Frequency.HALF_YEARLY:
        return f"{start.year}-H{(start.month - 1) // 6 + 1}"
    return str(start.year)


def as_percent(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.1"))

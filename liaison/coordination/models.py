"""The coordination mechanism: agreements between agencies, the sharing rules inside them, the
notices the rules produce, and the working calendars their deadlines are counted in.

An agreement is an owned record (the access policy decides who reads and changes it). Its rules
say *when* an activity matching conditions changes, *whom* to tell, *by when* and *with which
fields*. The engine (`liaison.coordination.engine`) turns each recorded change of an activity
(`ActivityChange`, written in the same transaction as the change) into notices, exactly once in
effect. A notice carries a snapshot of the shared fields only: that snapshot is everything the
recipient is allowed to see of the activity. See docs/coordination.md.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from liaison.core.models import AuditedModel, OwnedRecord
from liaison.directory.models import Country, MandateField, Organisation


def delimited(values: Any, allowed: Any) -> str:
    """The stored form of a set of choices: ",a,b," in the order of `allowed` (so `contains`
    on ",a," is exact); empty when nothing is chosen."""
    wanted = {str(v) for v in values}
    chosen = [str(v) for v in allowed if str(v) in wanted]
    return f",{','.join(chosen)}," if chosen else ""


def split(value: str) -> list[str]:
    return [v for v in value.split(",") if v]


class AgreementKind(models.TextChoices):
    AGREEMENT = "agreement", _("Coordination agreement")
    ANNUAL_PLAN = "annual_plan", _("Annual joint plan")
    JOINT_REGULATION = "joint_regulation", _("Joint working regulation")


class Agreement(OwnedRecord):
    """Two or more organisations agree to coordinate in some fields, for a period."""

    kind = models.CharField(_("kind"), max_length=20, choices=AgreementKind.choices)
    code = models.CharField(_("code"), max_length=100, blank=True, help_text=_("Its number, e.g. 01/QCPH."))
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    title_vi = models.CharField(_("title (Vietnamese)"), max_length=300, blank=True)
    title_ar = models.CharField(_("title (Arabic)"), max_length=300, blank=True)
    parties = models.ManyToManyField(
        Organisation, related_name="coordination_agreements", verbose_name=_("parties")
    )
    fields = models.CharField(
        _("fields of coordination"),
        max_length=300,
        blank=True,
        help_text=_("Stored as ,documents,personnel,"),
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    starts_on = models.DateField(_("in force from"))
    ends_on = models.DateField(_("in force until"), null=True, blank=True)
    acknowledge_within_hours = models.PositiveIntegerField(
        _("acknowledge within (hours)"),
        default=48,
        help_text=_("A notice not acknowledged within this time goes to the agreement's coordinators."),
    )
    coordinators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="coordinated_agreements",
        verbose_name=_("coordinators"),
        help_text=_("They receive the escalations: notices sent late or left unacknowledged."),
    )
    notes = models.TextField(_("notes"), blank=True)
    signed_text = models.FileField(_("signed text"), upload_to="agreements/%Y/", blank=True)
    signed_text_name = models.CharField(max_length=255, blank=True)
    is_demo = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("coordination agreement")
        verbose_name_plural = _("coordination agreements")
        ordering = ["-starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="agreement_period_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.title_en or self.title_vi or self.title_ar or self.code or f"Agreement {self.pk}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("coordination:agreement-detail", args=[self.pk])

    def title_in(self, language: str) -> str:
        return getattr(self, f"title_{language}", "") or str(self)

    @property
    def field_list(self) -> list[str]:
        return split(self.fields)

    def field_labels(self) -> list[str]:
        labels = dict(MandateField.choices)
        return [str(labels.get(f, f)) for f in self.field_list]


class ContactPoint(AuditedModel):
    """Who to reach about the agreement in one party's specialised unit."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="contact_points")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    unit = models.CharField(_("unit"), max_length=300, blank=True)
    name = models.CharField(_("name"), max_length=300)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("telephone"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("contact point")
        verbose_name_plural = _("contact points")
        ordering = ["agreement_id", "organisation_id", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})" if self.unit else self.name

    def audit_subject(self) -> AuditedModel:
        return self.agreement


class PlanItemState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    SCHEDULED = "scheduled", _("Scheduled (an activity carries it)")
    DONE = "done", _("Done")
    OVERDUE = "overdue", _("Overdue (no activity by its end)")


class PlanItem(AuditedModel):
    """An item of an annual joint plan: what is to be done, by whom, when, and the activities that
    carry it out (its state follows from them)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="plan_items")
    title_en = models.CharField(_("title (English)"), max_length=500, blank=True)
    title_vi = models.CharField(_("title (Vietnamese)"), max_length=500, blank=True)
    title_ar = models.CharField(_("title (Arabic)"), max_length=500, blank=True)
    responsible = models.ManyToManyField(Organisation, related_name="+", verbose_name=_("responsible"))
    starts_on = models.DateField(_("from"), null=True, blank=True)
    ends_on = models.DateField(_("by"), null=True, blank=True)
    activities = models.ManyToManyField(
        "activities.Activity", blank=True, related_name="plan_items", verbose_name=_("carried out by")
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("plan item")
        verbose_name_plural = _("plan items")
        ordering = ["agreement_id", "starts_on", "id"]

    def __str__(self) -> str:
        return self.title_en or self.title_vi or self.title_ar or f"Item {self.pk}"

    def audit_subject(self) -> AuditedModel:
        return self.agreement

    def title_in(self, language: str) -> str:
        return getattr(self, f"title_{language}", "") or str(self)

    def state(self, activity_statuses: list[str], today: Any) -> str:
        """Done once an activity carrying it is done or reported; scheduled while one is planned;
        overdue when its end passed with none; planned before that."""
        if any(s in ("done", "reported") for s in activity_statuses):
            return PlanItemState.DONE
        if any(s not in ("cancelled",) for s in activity_statuses):
            return PlanItemState.SCHEDULED
        if self.ends_on is not None and self.ends_on < today:
            return PlanItemState.OVERDUE
        return PlanItemState.PLANNED


class Trigger(models.TextChoices):
    CREATED = "created", _("is recorded")
    DATES = "dates", _("changes its dates")
    PLACE = "place", _("changes its place")
    STATUS = "status", _("changes its status")
    CANCELLED = "cancelled", _("is cancelled")


class DayBasis(models.TextChoices):
    CALENDAR = "calendar", _("calendar days")
    WORKING = "working", _("working days")


class SharedField(models.TextChoices):
    """What a notice may carry besides the activity's existence, kind and dates (always shared)."""

    TITLE = "title", pgettext_lazy("what an activity is called", "Title")
    SUMMARY = "summary", _("Summary")
    PLACE = "place", _("Place")
    STATUS = "status", _("Status")
    FORMAT = "format", _("Format")
    LEAD = "lead", _("Lead organisation")
    LEADER = "leader", _("Leader and rank")
    COUNTERPARTS = "counterparts", _("Foreign counterparts")
    DELEGATIONS = "delegations", _("Delegations (approved compositions)")


# Always in a notice, whatever the rule shares.
ALWAYS_SHARED = ("kind", "starts_at", "ends_at", "time_zone")


class SharingRule(AuditedModel):
    """When an activity matching the conditions changes, tell `recipient` in time, with these fields.

    Empty conditions match everything. The lead time applies to the first notice about an
    activity (`lead_days` before it starts); updates and cancellations are due within
    `change_hours` of the change.
    """

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="rules")
    name = models.CharField(_("name"), max_length=300, blank=True)
    source = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("activities of"),
        help_text=_("Activities led by this organisation or one below it; empty: any organisation's."),
    )
    recipient = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("tell")
    )
    kinds = models.CharField(_("kinds"), max_length=300, blank=True)
    high_level_only = models.BooleanField(_("high-level only"), default=False)
    leader_ranks = models.CharField(_("leader's ranks"), max_length=300, blank=True)
    pillars = models.CharField(_("pillars"), max_length=100, blank=True)
    countries = models.ManyToManyField(Country, blank=True, related_name="+", verbose_name=_("countries"))
    classifications = models.CharField(_("classifications"), max_length=20, blank=True)
    triggers = models.CharField(_("when the activity"), max_length=100)
    lead_days = models.IntegerField(_("at least this many days before it starts"), default=0)
    day_basis = models.CharField(
        _("counted in"), max_length=10, choices=DayBasis.choices, default=DayBasis.CALENDAR
    )
    calendar_country = models.ForeignKey(
        Country,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("working calendar of"),
        help_text=_("Whose weekends and holidays count; empty: the recipient's country."),
    )
    change_hours = models.IntegerField(_("changes within (hours)"), default=24)
    shared_fields = models.CharField(_("shared fields"), max_length=300, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("sharing rule")
        verbose_name_plural = _("sharing rules")
        ordering = ["agreement_id", "id"]

    def __str__(self) -> str:
        return self.name or f"Rule {self.pk}"

    def audit_subject(self) -> AuditedModel:
        return self.agreement


class WorkingCalendar(AuditedModel):
    """A country's working week; its holidays are `Holiday` rows. Without one, Saturday and
    Sunday are the weekend and no day is a holiday."""

    country = models.OneToOneField(Country, on_delete=models.CASCADE, related_name="working_calendar")
    # Weekdays off, Monday = 0: "5,6" is Saturday and Sunday, "4,5" Friday and Saturday.
    weekend = models.CharField(_("weekend days"), max_length=20, default="5,6")

    class Meta:
        verbose_name = _("working calendar")
        verbose_name_plural = _("working calendars")

    def __str__(self) -> str:
        return str(self.country)

    @property
    def weekend_days(self) -> frozenset[int]:
        return frozenset(int(d) for d in self.weekend.split(",") if d.strip())


class Holiday(AuditedModel):
    calendar = models.ForeignKey(WorkingCalendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="holiday_once_a_day")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"

    def audit_subject(self) -> AuditedModel:
        return self.calendar


class ChangeKind(models.TextChoices):
    CREATED = "created", _("Recorded")
    UPDATED = "updated", _("Changed")
    STATUS = "status", _("Status changed")
    DELETED = "deleted", _("Deleted")
    REAPPLY = "reapply", _("Rules applied again")


class ActivityChange(models.Model):
    """The outbox: one row per change of an activity, written in the change's own transaction.

    The engine marks it processed once its notices are written (in one transaction with them);
    a periodic sweep picks up any row a lost task left behind. `activity_id` is kept without a
    foreign key so the change of a deleted activity survives it.
    """

    activity_id = models.BigIntegerField()
    kind = models.CharField(max_length=10, choices=ChangeKind.choices)
    fields = models.JSONField(default=list)
    at = models.DateTimeField()
    # For REAPPLY: only these rules.
    rule_ids = models.JSONField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["id"], condition=Q(processed_at__isnull=True), name="change_pending"),
            models.Index(fields=["activity_id", "id"], name="change_activity"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} activity {self.activity_id} at {self.at:%Y-%m-%d %H:%M}"


class NoticeKind(models.TextChoices):
    NEW = "new", _("New")
    UPDATE = "update", _("Update")
    CANCELLATION = "cancellation", _("Cancellation")
    # Notices about reports owed under an implementation plan (see liaison.implementation.reminders).
    REMINDER = "reminder", _("Reminder")
    OVERDUE = "overdue", _("Overdue")


# Kinds a sharing rule writes about an activity; the others come from other modules.
ACTIVITY_KINDS = (NoticeKind.NEW, NoticeKind.UPDATE, NoticeKind.CANCELLATION)


class NoticeStatus(models.TextChoices):
    OPEN = "open", _("Awaiting acknowledgement")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    INFO_REQUESTED = "info_requested", _("More information asked")
    DECLINED = "declined", _("Declined")
    SUPERSEDED = "superseded", _("Superseded")


# Statuses in which a notice still waits for its recipient.
WAITING = (NoticeStatus.OPEN, NoticeStatus.INFO_REQUESTED)


class Notice(models.Model):
    """What one rule told one recipient about one activity, and when it was due.

    The (rule, activity, sequence) triple is unique: the engine cannot write the same notice
    twice. The latest notice of a (rule, activity) pair is `current`; an update or cancellation
    supersedes the one before it.

    Other modules send notices through the same inbox, email and webhooks without a rule: a
    reminder that a report is due, a report missing after its deadline. Those have no rule,
    agreement or activity; `subject` names what they are about (unique: each is written once)
    and `link` where to act on it.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    rule = models.ForeignKey(
        SharingRule, null=True, blank=True, on_delete=models.PROTECT, related_name="notices"
    )
    agreement = models.ForeignKey(
        Agreement, null=True, blank=True, on_delete=models.PROTECT, related_name="notices"
    )
    activity = models.ForeignKey(
        "activities.Activity", null=True, blank=True, on_delete=models.SET_NULL, related_name="notices"
    )
    activity_ref = models.BigIntegerField(null=True, blank=True)
    subject = models.CharField(max_length=120, blank=True, default="")
    link = models.CharField(max_length=300, blank=True, default="")
    source = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=NoticeKind.choices)
    sequence = models.PositiveIntegerField(default=1)
    current = models.BooleanField(default=True)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="superseded_by"
    )
    change = models.ForeignKey(
        ActivityChange, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    fingerprint = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    changed = models.JSONField(_("what changed"), default=list)
    title = models.CharField(max_length=300, blank=True)
    starts_at = models.DateTimeField(_("activity starts"))
    due_at = models.DateTimeField(_("due"))
    sent_at = models.DateTimeField(_("sent"))
    late = models.BooleanField(default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=NoticeStatus.choices, default=NoticeStatus.OPEN
    )
    status_at = models.DateTimeField()
    acknowledge_by = models.DateTimeField(_("acknowledge by"))
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    # When it went to the coordinators for want of an acknowledgement (see `escalation`).
    overdue_escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "activity_ref", "sequence"], name="notice_once"),
            models.UniqueConstraint(
                fields=["rule", "activity_ref"], condition=Q(current=True), name="notice_one_current"
            ),
            models.UniqueConstraint(fields=["subject"], condition=~Q(subject=""), name="notice_subject_once"),
        ]
        indexes = [
            models.Index(fields=["recipient", "sent_at", "id"], name="notice_inbox"),
            models.Index(fields=["source", "sent_at", "id"], name="notice_outbox"),
            models.Index(fields=["recipient", "status", "sent_at"], name="notice_inbox_status"),
            models.Index(fields=["agreement", "starts_at"], name="notice_agreement_start"),
            # The health page's acknowledgements awaited, and its late notices, worst first.
            models.Index(
                fields=["agreement", "starts_at", "acknowledge_by"],
                condition=Q(current=True, status__in=["open", "info_requested"]),
                name="notice_agreement_waiting",
            ),
            models.Index(
                fields=["agreement", "starts_at", "sent_at", "due_at", "id"],
                condition=Q(late=True, kind="new"),
                name="notice_agreement_late",
            ),
            models.Index(fields=["activity_ref", "rule"], name="notice_activity"),
            models.Index(
                fields=["acknowledge_by"],
                condition=Q(status__in=["open", "info_requested"], overdue_escalated_at__isnull=True),
                name="notice_awaiting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("coordination:notice-detail", args=[self.uid])

    def audit_subject(self) -> Notice:
        return self

    @property
    def lead_time(self) -> Any:
        """How long before the activity's start the recipient was told."""
        return self.starts_at - self.sent_at

    @property
    def lateness(self) -> Any:
        return self.sent_at - self.due_at if self.late else None


class NoticeTally(models.Model):
    """How many first notices an agreement's source told a recipient about activities starting in
    a month, by lead time in whole days and by whether they were late.

    Written with the notices (`tallies.add`), only ever incremented: a first notice's dates and
    lateness never change. The health figures of a year read a few hundred of these rows rather
    than a year of notices (see docs/coordination.md).
    """

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="+")
    source = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    lead_days = models.IntegerField()
    late = models.BooleanField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "source", "recipient", "month", "lead_days", "late"], name="tally_key"
            )
        ]
        indexes = [models.Index(fields=["agreement", "month"], name="tally_agreement_month")]

    def __str__(self) -> str:
        return f"{self.agreement_id} {self.month:%Y-%m} {self.lead_days}d: {self.count}"


class ResponseKind(models.TextChoices):
    ACKNOWLEDGE = "acknowledge", _("Acknowledged")
    ASK = "ask", _("Asked for more information")
    REPLY = "reply", _("Replied")
    DECLINE = "decline", _("Declined")


class NoticeResponse(models.Model):
    """One step in the conversation about a notice; kept, never changed."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="responses")
    kind = models.CharField(max_length=12, choices=ResponseKind.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class NoticeRead(models.Model):
    """A user opened a notice (the inbox's unread count is the notices without one)."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "notice"], name="notice_read_once")]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.notice_id}"


class EscalationReason(models.TextChoices):
    LATE = "late", _("Sent after its due date")
    UNACKNOWLEDGED = "unacknowledged", _("Not acknowledged in time")
    REPORT_MISSING = "report_missing", _("Report missing after its deadline")


class Escalation(models.Model):
    """A notice brought to its coordinators (an agreement's, or a plan's for a missing report)."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="escalations")
    reason = models.CharField(max_length=16, choices=EscalationReason.choices)
    at = models.DateTimeField()
    coordinators = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    mailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [models.UniqueConstraint(fields=["notice", "reason"], name="escalation_once")]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.notice_id}"


class WebhookEndpoint(AuditedModel):
    """An organisation's system that receives the notices addressed to it, signed (HMAC-SHA256)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(_("address"), max_length=500)
    secret = models.CharField(max_length=64, editable=False)
    description = models.CharField(_("description"), max_length=300, blank=True)
    active = models.BooleanField(_("active"), default=True)

    audit_exclude = AuditedModel.audit_exclude | {"secret"}

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["organisation_id", "id"]

    def __str__(self) -> str:
        return self.url


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    WEBHOOK = "webhook", _("Webhook")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Given up")


class Delivery(models.Model):
    """One notice to one address (an email box or a webhook endpoint), tried until it succeeds.

    Written with the notice's deliveries in one go; unique per (notice, address), so a notice is
    never queued twice to the same place. A failed attempt waits longer each time
    (`next_attempt_at`); the sweep retries what is due. Receivers deduplicate on the notice's id,
    sent with every attempt.
    """

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    endpoint = models.ForeignKey(
        WebhookEndpoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    address = models.CharField(max_length=500)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [models.UniqueConstraint(fields=["notice", "channel", "address"], name="delivery_once")]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="delivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.address} ({self.status})"


class DeliveryAttempt(models.Model):
    """The delivery log: every try, with its outcome."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField()
    ok = models.BooleanField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["delivery_id", "at", "id"]

    def __str__(self) -> str:
        return f"{'ok' if self.ok else 'failed'} at {self.at:%Y-%m-%d %H:%M:%S}"

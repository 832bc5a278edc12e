"""What is happening, when, where, with whom, and what came of it: the register of external activities."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from liaison.core.models import AuditedModel, AuditedQuerySet, OwnedRecord, Pillar
from liaison.directory.models import Country, Locality, Organisation, Person


class ActivityKind(models.TextChoices):
    OUTGOING_VISIT = "outgoing_visit", _("Outgoing visit")
    INCOMING_VISIT = "incoming_visit", _("Incoming visit")
    RECEPTION = "reception", _("Reception of a delegation")
    TALKS = "talks", _("Talks")
    MEETING = "meeting", _("Meeting")
    CONFERENCE = "conference", _("Conference")
    SIGNING = "signing", _("Signing")
    CEREMONY = "ceremony", _("Ceremony")
    OTHER = "other", pgettext_lazy("activity kind", "Other")


# Kinds in which a foreign delegation comes to us (the hosting side is ours).
INCOMING_KINDS = frozenset({ActivityKind.INCOMING_VISIT, ActivityKind.RECEPTION})


class ActivityFormat(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")
    HYBRID = "hybrid", _("Hybrid (in person and connected sites)")


class ActivityStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    PREPARED = "prepared", _("Prepared")
    UNDER_WAY = "under_way", _("Under way")
    DONE = "done", _("Done")
    REPORTED = "reported", _("Reported")
    CANCELLED = "cancelled", _("Cancelled")
    POSTPONED = "postponed", _("Postponed")


# Where each status may go next. Who may make a move is the access policy's answer
# (see `transition_action` in liaison.activities.workflow).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    ActivityStatus.PROPOSED: (ActivityStatus.APPROVED, ActivityStatus.POSTPONED, ActivityStatus.CANCELLED),
    ActivityStatus.APPROVED: (ActivityStatus.PREPARED, ActivityStatus.POSTPONED, ActivityStatus.CANCELLED),
    ActivityStatus.PREPARED: (ActivityStatus.UNDER_WAY, ActivityStatus.POSTPONED, ActivityStatus.CANCELLED),
    ActivityStatus.UNDER_WAY: (ActivityStatus.DONE,),
    ActivityStatus.DONE: (ActivityStatus.REPORTED,),
    ActivityStatus.REPORTED: (),
    ActivityStatus.POSTPONED: (ActivityStatus.PROPOSED, ActivityStatus.APPROVED, ActivityStatus.CANCELLED),
    ActivityStatus.CANCELLED: (ActivityStatus.PROPOSED,),
}

# Activities that no longer take anybody's time (ignored by the conflict warnings).
INACTIVE_STATUSES = frozenset({ActivityStatus.CANCELLED, ActivityStatus.POSTPONED})


class LeaderRank(models.TextChoices):
    """The rank of the person leading an activity; the first five make it high-level."""

    PARTY_LEADER = "party_leader", _("Party leader (General Secretary)")
    HEAD_OF_STATE = "head_of_state", _("Head of state")
    HEAD_OF_GOVERNMENT = "head_of_government", _("Head of government")
    HEAD_OF_PARLIAMENT = "head_of_parliament", _("Head of parliament")
    HEAD_OF_INTERNATIONAL_ORGANISATION = (
        "head_of_io",
        _("Head of an international organisation"),
    )
    DEPUTY_LEADER = "deputy_leader", _("Deputy leader (vice-president, deputy prime minister, …)")
    POLITBURO = "politburo", _("Politburo or Secretariat member")
    MINISTER = "minister", _("Minister or head of a central body")
    DEPUTY_MINISTER = "deputy_minister", _("Deputy minister")
    PROVINCIAL_LEADER = "provincial_leader", _("Provincial leader")
    AMBASSADOR = "ambassador", _("Ambassador or head of mission")
    OTHER = "other", pgettext_lazy("leader rank", "Other")


HIGH_LEVEL_RANKS = frozenset(
    {
        LeaderRank.PARTY_LEADER,
        LeaderRank.HEAD_OF_STATE,
        LeaderRank.HEAD_OF_GOVERNMENT,
        LeaderRank.HEAD_OF_PARLIAMENT,
        LeaderRank.HEAD_OF_INTERNATIONAL_ORGANISATION,
    }
)


def pillars_value(pillars: Any) -> str:
    """The stored form of a set of pillars: ",party,state," (delimited, so `contains` is exact)."""
    chosen = [p for p in Pillar.values if p in set(pillars)]
    return f",{','.join(chosen)}," if chosen else ""


def pillar_q(pillar: str, prefix: str = "") -> Q:
    return Q(**{f"{prefix}pillars__contains": f",{pillar},"})


# What lasts longer than this is "long-running": the overlap queries look for it apart, so that
# every other row is found in a range of `starts_at` bounded on both sides (`overlapping_ids`).
LONG_RUNNING = dt.timedelta(days=31)


def is_long_running(starts_at: dt.datetime | None, ends_at: dt.datetime | None) -> bool:
    return starts_at is not None and ends_at is not None and ends_at - starts_at > LONG_RUNNING


def overlapping_ids(model: type[models.Model], start: dt.datetime, end: dt.datetime) -> models.QuerySet[Any]:
    """The ids of `model`'s rows (with `starts_at`, `ends_at`, `long_running`) that take place at
    some moment between `start` and `end`.

    "Starts before the end and ends after the start" alone bounds `starts_at` on one side only:
    the database would read every row that started before `end`, years of them. A row that is
    not long-running starts at most `LONG_RUNNING` before `start`, so its range is bounded on
    both sides; the few long-running rows come from their own (partial) index.
    """
    rows = model._base_manager.filter(starts_at__lt=end, ends_at__gt=start)
    short = rows.filter(starts_at__gte=start - LONG_RUNNING).values("pk")
    long = rows.filter(long_running=True).values("pk")
    return short.union(long, all=True)


def overlap_q(model: type[models.Model], start: dt.datetime, end: dt.datetime) -> Q:
    """Filter `model`'s rows to those taking place at some moment between `start` and `end`."""
    return Q(pk__in=overlapping_ids(model, start, end))


def overlapping_q(start: dt.datetime, end: dt.datetime) -> Q:
    """The rows of `overlap_q`, as a condition on the rows themselves rather than on their ids:
    two ranges, each bounded on both sides (the short rows by `starts_at`, the long-running ones
    by their partial index), that the database reads side by side (a bitmap OR on PostgreSQL, a
    multi-index OR on SQLite) and filters further in the same pass, instead of reading the ids
    first and every row again by its primary key."""
    overlapping = Q(starts_at__lt=end, ends_at__gt=start)
    return (overlapping & Q(starts_at__gte=start - LONG_RUNNING)) | (overlapping & Q(long_running=True))


def overlap_filter(model: type[models.Model], start: dt.datetime, end: dt.datetime) -> Q:
    """`overlapping_q` on PostgreSQL, `overlap_q` elsewhere: SQLite's planner takes the OR's
    common `starts_at < end` for the whole condition and reads every earlier row, while it reads
    the ids of `overlap_q`'s union through its two indexes."""
    from django.db import connections, router

    if connections[router.db_for_read(model)].vendor == "postgresql":
        return overlapping_q(start, end)
    return overlap_q(model, start, end)


class ActivityQuerySet(AuditedQuerySet):
    def active(self) -> ActivityQuerySet:
        return self.exclude(status__in=INACTIVE_STATUSES)


class Activity(OwnedRecord):
    """A visit, reception, talks, meeting, conference, signing or ceremony."""

    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    pillars = models.CharField(
        _("pillars"), max_length=40, help_text=_("The pillars of external affairs this activity belongs to.")
    )
    lead_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="led_activities",
        verbose_name=_("lead organisation"),
    )
    co_organisers = models.ManyToManyField(
        Organisation, blank=True, related_name="co_organised_activities", verbose_name=_("co-organisers")
    )
    counterpart_organisations = models.ManyToManyField(
        Organisation,
        blank=True,
        related_name="counterpart_activities",
        verbose_name=_("foreign counterparts"),
        help_text=_("Foreign states' bodies, international organisations, foreign NGOs."),
    )
    counterpart_countries = models.ManyToManyField(
        Country, blank=True, related_name="activities", verbose_name=_("counterpart countries")
    )
    leader = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_activities",
        verbose_name=_("led by"),
    )
    leader_rank = models.CharField(_("leader's rank"), max_length=20, choices=LeaderRank.choices, blank=True)
    # Derived from the leader's rank by the services; stored for filters and counts.
    high_level = models.BooleanField(_("high-level"), default=False, editable=False)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    title_vi = models.CharField(_("title (Vietnamese)"), max_length=300, blank=True)
    title_ar = models.CharField(_("title (Arabic)"), max_length=300, blank=True)
    summary_en = models.TextField(_("summary (English)"), blank=True)
    summary_vi = models.TextField(_("summary (Vietnamese)"), blank=True)
    summary_ar = models.TextField(_("summary (Arabic)"), blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    # Derived from the dates on every save (`is_long_running`); the overlap queries rely on it.
    long_running = models.BooleanField(default=False, editable=False, db_default=False)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="Asia/Ho_Chi_Minh",
        help_text=_("Where it takes place, e.g. Asia/Ho_Chi_Minh."),
    )
    city = models.ForeignKey(
        Locality,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("city or province"),
    )
    country = models.ForeignKey(
        Country, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("country")
    )
    venue = models.CharField(_("venue"), max_length=300, blank=True)
    format = models.CharField(
        _("format"), max_length=12, choices=ActivityFormat.choices, default=ActivityFormat.IN_PERSON
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ActivityStatus.choices, default=ActivityStatus.PROPOSED
    )
    embargo_until = models.DateTimeField(
        _("embargo until"),
        null=True,
        blank=True,
        help_text=_("Until then only the owning and shared organisations' members see this activity."),
    )
    external_key = models.CharField(_("external key"), max_length=100, blank=True)
    is_demo = models.BooleanField(
        _("synthetic demo record"),
        default=False,
        help_text=_("Made up to fill the demo; not a real activity."),
    )

    objects = ActivityQuerySet.as_manager()  # type: ignore[misc]
    embargo_field: ClassVar[str | None] = "embargo_until"
    audit_exclude = AuditedModel.audit_exclude | {"high_level", "long_running"}

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["starts_at", "id"], name="activity_start"),
            models.Index(fields=["starts_at", "ends_at"], name="activity_span"),
            models.Index(
                fields=["ends_at", "starts_at"], condition=Q(long_running=True), name="activity_long_running"
            ),
            models.Index(fields=["kind", "starts_at"], name="activity_kind_start"),
            models.Index(fields=["high_level", "kind", "starts_at"], name="activity_level_start"),
            models.Index(fields=["status", "starts_at"], name="activity_status_start"),
            models.Index(fields=["lead_organisation", "starts_at"], name="activity_lead_start"),
            models.Index(fields=["owner", "starts_at"], name="activity_owner_start"),
            models.Index(fields=["city", "starts_at"], name="activity_city_start"),
            models.Index(fields=["country", "starts_at"], name="activity_country_start"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gte=F("starts_at")), name="activity_dates_ordered"),
            models.CheckConstraint(
                condition=Q(embargo_until__isnull=True) | Q(embargo_until__lte=F("ends_at")),
                name="activity_embargo_before_end",
            ),
            models.UniqueConstraint(
                fields=["external_key"], condition=~Q(external_key=""), name="activity_external_key_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.title_en or self.title_vi or self.title_ar or f"Activity {self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.long_running = is_long_running(self.starts_at, self.ends_at)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("activities:activity-detail", args=[self.pk])

    def title_in(self, language: str) -> str:
        return getattr(self, f"title_{language}", "") or self.title_en or self.title_vi or self.title_ar

    def summary_in(self, language: str) -> str:
        return (
            getattr(self, f"summary_{language}", "") or self.summary_en or self.summary_vi or self.summary_ar
        )

    @property
    def pillar_list(self) -> list[str]:
        return [p for p in self.pillars.split(",") if p]

    @property
    def is_incoming(self) -> bool:
        return self.kind in INCOMING_KINDS


class ActivityChild(AuditedModel):
    """A part of an activity; its changes show on the activity's history."""

    activity: Any

    class Meta:
        abstract = True

    def audit_subject(self) -> AuditedModel:
        subject: AuditedModel = self.activity
        return subject


# --- Delegations -------------------------------------------------------------------------------


class DelegationSide(models.TextChoices):
    VISITING = "visiting", _("Visiting delegation")
    HOSTING = "hosting", _("Hosting side")


class CompositionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for approval")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned for changes")


class Delegation(ActivityChild):
    """A delegation taking part in an activity: the visiting side's, or the hosting side's people.

    Its composition is submitted and approved by the sending organisation's focal points; readers
    from outside the sending organisation see the members only once it is approved.
    """

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="delegations")
    side = models.CharField(
        _("side"), max_length=10, choices=DelegationSide.choices, default=DelegationSide.VISITING
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="delegations",
        verbose_name=_("sending organisation"),
        help_text=_("The organisation the delegation comes from (or, for the hosting side, the host)."),
    )
    name = models.CharField(_("name"), max_length=300, blank=True)
    size = models.PositiveIntegerField(
        _("size"), null=True, blank=True, help_text=_("How many people in all, named here or not.")
    )
    composition_status = models.CharField(
        _("composition"), max_length=10, choices=CompositionStatus.choices, default=CompositionStatus.DRAFT
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("note on the decision"), blank=True)

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        ordering = ["activity_id", "side", "id"]

    def __str__(self) -> str:
        # No organisation name: this text is kept in the audit trail, which readers of the
        # activity see even when they may not read the sending organisation.
        return self.name or str(self.get_side_display())


class MemberRole(models.TextChoices):
    HEAD = "head", _("Head of delegation")
    DEPUTY_HEAD = "deputy_head", _("Deputy head")
    MEMBER = "member", _("Member")
    ADVISER = "adviser", _("Adviser")
    STAFF = "staff", _("Accompanying staff")
    INTERPRETER = "interpreter", _("Interpreter")
    PRESS = "press", _("Press")


class DelegationMember(ActivityChild):
    """One person in a delegation, with their role and place in the protocol order."""

    delegation = models.ForeignKey(Delegation, on_delete=models.CASCADE, related_name="members")
    # Denormalised from the delegation, so a person's activities are one index away.
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="+", editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="delegation_memberships")
    role = models.CharField(_("role"), max_length=12, choices=MemberRole.choices, default=MemberRole.MEMBER)
    title = models.CharField(_("title during the activity"), max_length=300, blank=True)
    protocol_order = models.PositiveSmallIntegerField(_("protocol order"), default=1)

    class Meta:
        verbose_name = _("delegation member")
        verbose_name_plural = _("delegation members")
        ordering = ["delegation_id", "protocol_order", "id"]
        indexes = [models.Index(fields=["person", "activity"], name="member_person")]
        constraints = [
            models.UniqueConstraint(fields=["delegation", "person"], name="member_once_per_delegation"),
        ]

    def __str__(self) -> str:
        # No name here: this text is kept in the audit trail, which readers of the activity see
        # even when they may not see who is in the delegation (or may not read the person).
        return f"{self.get_role_display()} #{self.protocol_order}"


class ItineraryStop(ActivityChild):
    """One city of a delegation's programme, in order."""

    delegation = models.ForeignKey(Delegation, on_delete=models.CASCADE, related_name="stops")
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="+", editable=False)
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    city = models.ForeignKey(
        Locality,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("city or province"),
    )
    place = models.CharField(
        _("place"), max_length=200, blank=True, help_text=_("When the city is not listed.")
    )
    country = models.ForeignKey(Country, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    arrives_on = models.DateField(_("arrives"))
    leaves_on = models.DateField(_("leaves"))
    programme = models.TextField(_("programme"), blank=True)

    class Meta:
        verbose_name = _("itinerary stop")
        verbose_name_plural = _("itinerary stops")
        ordering = ["delegation_id", "order", "arrives_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(leaves_on__gte=F("arrives_on")), name="stop_dates_ordered"),
        ]

    def __str__(self) -> str:
        return self.place or str(self.city or "")


# --- Conferences --------------------------------------------------------------------------------


class SessionKind(models.TextChoices):
    OPENING = "opening", _("Opening")
    PLENARY = "plenary", _("Plenary")
    PANEL = "panel", _("Panel or working session")
    CLOSING = "closing", _("Closing")
    OTHER = "other", pgettext_lazy("session kind", "Other")


class ConferenceSession(ActivityChild):
    """An opening, plenary or closing session of a conference, with its theme and time."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="sessions")
    kind = models.CharField(
        _("kind"), max_length=10, choices=SessionKind.choices, default=SessionKind.PLENARY
    )
    theme_en = models.CharField(_("theme (English)"), max_length=500, blank=True)
    theme_vi = models.CharField(_("theme (Vietnamese)"), max_length=500, blank=True)
    theme_ar = models.CharField(_("theme (Arabic)"), max_length=500, blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    room = models.CharField(_("room"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["activity_id", "starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gte=F("starts_at")), name="session_dates_ordered"),
        ]

    def __str__(self) -> str:
        return self.theme_en or self.theme_vi or self.theme_ar or self.get_kind_display()

    def theme_in(self, language: str) -> str:
        return getattr(self, f"theme_{language}", "") or self.theme_en or self.theme_vi or self.theme_ar


class SessionRole(models.TextChoices):
    CHAIR = "chair", _("Chair")
    SPEAKER = "speaker", _("Speaker")


class SessionParticipant(ActivityChild):
    """A chair or speaker of a session."""

    session = models.ForeignKey(ConferenceSession, on_delete=models.CASCADE, related_name="participants")
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="+", editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="session_roles")
    role = models.CharField(_("role"), max_length=8, choices=SessionRole.choices, default=SessionRole.SPEAKER)
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    topic = models.CharField(_("topic"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("session participant")
        verbose_name_plural = _("session participants")
        ordering = ["session_id", "role", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "person", "role"], name="session_role_once"),
        ]

    def __str__(self) -> str:
        # No name (see DelegationMember.__str__).
        return f"{self.get_role_display()} #{self.order}"


class ConnectionStatus(models.TextChoices):
    NOT_CHECKED = "not_checked", _("Not checked")
    OK = "ok", _("Connection working")
    FAILED = "failed", _("Connection failed")


class ConnectedSite(ActivityChild):
    """A bridge point joined to a hybrid or online conference."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="sites")
    locality = models.ForeignKey(
        Locality, on_delete=models.PROTECT, related_name="+", verbose_name=_("locality")
    )
    host_organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hosted_sites",
        verbose_name=_("host organisation"),
    )
    room = models.CharField(_("room"), max_length=200, blank=True)
    chair = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="chaired_sites",
        verbose_name=_("chaired by"),
    )
    connection_checked_at = models.DateTimeField(_("connection checked at"), null=True, blank=True)
    connection_status = models.CharField(
        _("connection"), max_length=12, choices=ConnectionStatus.choices, default=ConnectionStatus.NOT_CHECKED
    )
    interpretation = models.CharField(
        _("interpretation channels"),
        max_length=100,
        blank=True,
        help_text=_("Language codes separated by commas, e.g. vi, en, fr."),
    )
    expected_attendance = models.PositiveIntegerField(_("expected attendance"), null=True, blank=True)
    attendance = models.PositiveIntegerField(_("attendance"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("connected site")
        verbose_name_plural = _("connected sites")
        ordering = ["activity_id", "locality__name_en", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "locality", "room"], name="site_once_per_locality_room"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.locality}" + (f" — {self.room}" if self.room else "")


# --- Outcomes, attachments, sources -------------------------------------------------------------


class OutcomeKind(models.TextChoices):
    AGREEMENT = "agreement", _("Agreement")
    MEMORANDUM = "memorandum", _("Memorandum of understanding")
    JOINT_STATEMENT = "joint_statement", _("Joint statement")
    DECISION = "decision", _("Decision")
    FOLLOW_UP = "follow_up", _("Follow-up action")


SIGNED_KINDS = frozenset({OutcomeKind.AGREEMENT, OutcomeKind.MEMORANDUM, OutcomeKind.JOINT_STATEMENT})


class Outcome(ActivityChild):
    """What came of an activity: a document signed, a decision, an action to follow up."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="outcomes")
    kind = models.CharField(_("kind"), max_length=16, choices=OutcomeKind.choices)
    title_en = models.CharField(_("title (English)"), max_length=500, blank=True)
    title_vi = models.CharField(_("title (Vietnamese)"), max_length=500, blank=True)
    title_ar = models.CharField(_("title (Arabic)"), max_length=500, blank=True)
    code = models.CharField(_("code"), max_length=100, blank=True, help_text=_("Its number, e.g. 01-DA/TW."))
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    parties = models.ManyToManyField(
        Organisation, blank=True, related_name="outcomes", verbose_name=_("parties")
    )
    responsible = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("responsible organisation"),
    )
    due_on = models.DateField(_("due on"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")
        ordering = ["activity_id", "kind", "id"]

    def __str__(self) -> str:
        return self.title_en or self.title_vi or self.title_ar or self.code or self.get_kind_display()

    def title_in(self, language: str) -> str:
        return getattr(self, f"title_{language}", "") or str(self)


class AttachmentKind(models.TextChoices):
    PROGRAMME = "programme", _("Programme")
    MINUTES = "minutes", _("Minutes")
    PHOTO = "photo", _("Photo")
    REPORT = "report", _("Report")
    OTHER = "other", pgettext_lazy("attachment kind", "Other")


class Attachment(ActivityChild):
    """A file kept with an activity (type and size checked on upload)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(
        _("kind"), max_length=10, choices=AttachmentKind.choices, default=AttachmentKind.OTHER
    )
    title = models.CharField(_("title"), max_length=300, blank=True)
    file = models.FileField(_("file"), upload_to="activities/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["activity_id", "kind", "id"]

    def __str__(self) -> str:
        return self.title or self.original_name


class SourceLink(ActivityChild):
    """A document a record came from: an article, a letter, a report."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="sources")
    title = models.CharField(_("title"), max_length=500)
    url = models.URLField(_("address"), max_length=1000, blank=True)
    reference = models.CharField(
        _("reference"),
        max_length=200,
        blank=True,
        help_text=_("A file or register reference, e.g. seeds/001."),
    )

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["activity_id", "id"]

    def __str__(self) -> str:
        return self.title


# --- Workflow, focal points, participation, feeds ------------------------------------------------


class StatusChange(models.Model):
    """One move of an activity's status, with its author and time (kept for good)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=12, choices=ActivityStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=ActivityStatus.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["activity_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"


class FocalPoint(AuditedModel):
    """A user designated by an organisation to submit and approve its delegations' compositions."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="focal_points")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="focal_points")

    class Meta:
        verbose_name = _("focal point")
        verbose_name_plural = _("focal points")
        constraints = [models.UniqueConstraint(fields=["organisation", "user"], name="focal_point_once")]

    def __str__(self) -> str:
        return f"{self.user} for {self.organisation}"

    def audit_subject(self) -> AuditedModel:
        return self.organisation


class Participation(models.Model):
    """Derived: who takes part in which activity, and when (for the double-booking warning).

    Rebuilt for an activity by `liaison.activities.participation.refresh` whenever its people or
    times change; never edited by hand.
    """

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="participations")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    long_running = models.BooleanField(default=False, db_default=False)  # `is_long_running`
    capacity = models.CharField(max_length=40)
    active = models.BooleanField(default=True)

    class Meta:
        indexes = [
            models.Index(fields=["person", "starts_at"], name="participation_person"),
            models.Index(fields=["activity"], name="participation_activity"),
            models.Index(fields=["starts_at", "ends_at"], name="participation_span"),
            models.Index(
                fields=["ends_at", "starts_at"],
                condition=Q(long_running=True),
                name="participation_long_running",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} in {self.activity_id} ({self.capacity})"


class CalendarFeed(models.Model):
    """A secret address serving a user's (or one organisation's) activities as iCalendar.

    Only a hash of the token is kept; the address is shown once, when the feed is made.
    The feed answers with what its user may read at the time it is fetched.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("organisation"),
        help_text=_("Leave empty for every activity you may see."),
    )
    label = models.CharField(_("label"), max_length=100, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.label or f"feed {self.pk}"

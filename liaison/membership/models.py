"""Membership records: branches at home and abroad, members, postings, transfers, dossiers.

A **branch** is a Directory organisation that keeps members (a committee, a branch or a cell;
friendship associations' chapters too), so the tree, the validity dates and above all the access
policy are the Directory's: a branch's officers are the users with a role in its organisation,
and a committee's officers, with a role above it, see its whole subtree.

A **member** is an owned record, restricted by default, owned by the organisation of the branch
that keeps them. While a member is temporarily attached elsewhere, or released to a branch that
has not received them yet, that branch's organisation is in the member's `shared_with`: its
officers read the record (one access policy, no special case). Nobody else sees personal data.

A member's branch history is a line of **placements** with no gaps and no overlaps (regular,
or in transit between a release and a receipt) from joining onwards, plus temporary attachments
beside it. Their **status** follows from dated **events** by the administrator's **status
rules** (`statuses.py`), each change logged. See docs/membership.md.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from liaison.core.models import AuditedModel, Classification, OwnedRecord
from liaison.directory.models import Country, Organisation


class BranchLevel(models.TextChoices):
    COMMITTEE = "committee", _("Committee")
    BRANCH = "branch", pgettext_lazy("membership unit", "Branch")
    CELL = "cell", _("Cell")


class Branch(AuditedModel):
    """The membership side of an organisation that keeps members (its name, parent, country and
    validity are the organisation's)."""

    organisation = models.OneToOneField(
        Organisation,
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="branch",
        verbose_name=_("organisation"),
    )
    level = models.CharField(_("level"), max_length=16, choices=BranchLevel.choices)
    # Abroad: the organisation's country is not the home country (LIAISON_HOME_COUNTRY).
    abroad = models.BooleanField(_("abroad"), default=False, editable=False)
    mission = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mission_branches",
        verbose_name=_("mission"),
        help_text=_("For a branch abroad: the representative mission it sits in."),
    )
    secretary = models.ForeignKey(
        "Member",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("secretary"),
    )
    minimum_size = models.PositiveSmallIntegerField(
        _("minimum size"), default=3, help_text=_("Fewer members than this shows on the checks.")
    )
    # Members placed here now (regular or temporarily attached); of them the present ones and those
    # of these with a digitised dossier; and the present members whose regular branch this is (each
    # member counted once in the whole tree). Derived, kept by `counters.refresh` wherever
    # placements, statuses and dossiers change.
    member_count = models.PositiveIntegerField(default=0, editable=False)
    present_count = models.PositiveIntegerField(default=0, editable=False)
    digitised_count = models.PositiveIntegerField(default=0, editable=False)
    kept_count = models.PositiveIntegerField(default=0, editable=False)

    audit_exclude = AuditedModel.audit_exclude | {
        "member_count",
        "present_count",
        "digitised_count",
        "kept_count",
        "abroad",
    }

    class Meta:
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        indexes = [models.Index(fields=["abroad", "member_count"], name="branch_abroad_size")]

    def __str__(self) -> str:
        return str(self.organisation)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("membership:branch-detail", args=[self.pk])


class MemberStatus(models.TextChoices):
    PROBATIONARY = "probationary", _("Probationary")
    ACTIVE = "active", pgettext_lazy("member status", "Active")
    TRANSFERRED = "transferred", _("Transferred (in transit)")
    ATTACHED = "attached", _("Temporarily attached")
    SUSPENDED = "suspended", _("Suspended")
    LEFT = "left", _("Left")
    DECEASED = "deceased", _("Deceased")


# Members still in the party's ranks (not left, not deceased): those the checks and counters count.
PRESENT = (
    MemberStatus.PROBATIONARY,
    MemberStatus.ACTIVE,
    MemberStatus.TRANSFERRED,
    MemberStatus.ATTACHED,
    MemberStatus.SUSPENDED,
)


class Member(OwnedRecord):
    """A member of an organisation that keeps members; owned by their current branch's
    organisation (the sending one while in transit)."""

    # Personal data: restricted unless the keeping organisation decides otherwise.
    classification = models.PositiveSmallIntegerField(
        _("classification"), choices=Classification.choices, default=Classification.RESTRICTED
    )
    register_number = models.CharField(
        _("register number"),
        max_length=50,
        blank=True,
        help_text=_("The member's number in the register; imports recognise the member by it."),
    )
    gender = models.CharField(_("gender"), max_length=1, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    joined_on = models.DateField(_("joined on"))
    languages = models.CharField(_("languages"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    is_demo = models.BooleanField(_("demo record"), default=False, editable=False)

    # Derived, maintained by the services (see `statuses.py` and `placements.py`): the name shown
    # (the Vietnamese spelling, else the first), and its folded form for sorting.
    name = models.CharField(_("name"), max_length=300, editable=False, default="")
    sort_name = models.CharField(max_length=300, editable=False, default="")
    # Blank until the status rules first give one, so that first status is logged like every change.
    status = models.CharField(
        _("status"), max_length=16, choices=MemberStatus.choices, blank=True, default="", editable=False
    )
    status_since = models.DateField(_("status since"), null=True, blank=True, editable=False)
    branch = models.ForeignKey(
        Branch,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        editable=False,
        verbose_name=_("branch"),
        db_index=False,  # member_branch_sort starts with it
    )
    attached_to = models.ForeignKey(
        Branch,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attached_members",
        editable=False,
        verbose_name=_("temporarily attached to"),
    )
    posting = models.ForeignKey(
        "Posting",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name=_("latest posting"),
        db_index=False,  # member_posted
    )

    audit_exclude = AuditedModel.audit_exclude | {"sort_name", "name"}
    # Restricted by default: a user with a narrow scope reads members by ids (see core.access).
    read_by_ids: ClassVar[bool] = True

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["sort_name", "id"]
        indexes = [
            models.Index(fields=["sort_name", "id"], name="member_sort"),
            models.Index(fields=["owner", "sort_name", "id"], name="member_owner_sort"),
            models.Index(fields=["branch", "sort_name", "id"], name="member_branch_sort"),
            models.Index(fields=["status", "sort_name", "id"], name="member_status_sort"),
            # A list by status counts its rows (up to the cap) from this index alone: the access
            # policy's columns are in it, no member row is read (1 M members, 20,000 of a status:
            # the scan 13 ms → 1.6 ms on PostgreSQL).
            models.Index(fields=["status", "classification", "owner", "id"], name="member_status_access"),
            # The posting checks join the (few) members with a posting to it and test their status
            # and branches: all in this index, none of the member rows read.
            models.Index(
                fields=["posting", "status", "branch", "attached_to", "id"],
                condition=Q(posting__isnull=False),
                name="member_posted",
            ),
            # The few members who are not restricted: the policy's "open to the reader's clearance"
            # part of a narrow reader's ids (core.access) from an index, not a scan of the table.
            models.Index(
                fields=["id"], condition=Q(classification__lte=Classification.INTERNAL), name="member_open"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["register_number"],
                condition=~Q(register_number=""),
                name="member_register_number_unique",
            )
        ]

    def __str__(self) -> str:
        return self.name or f"Member {self.pk}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("membership:member-detail", args=[self.pk])


class MemberName(AuditedModel):
    """One spelling of a member's name; every spelling is matched by the shared name matcher."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="names")
    value = models.CharField(_("name"), max_length=300)
    language = models.CharField(_("language"), max_length=8, help_text=_("ISO 639-1 code, e.g. vi, en, ar."))

    class Meta:
        verbose_name = _("member name")
        verbose_name_plural = _("member names")
        ordering = ["member_id", "id"]

    def __str__(self) -> str:
        return self.value

    def audit_subject(self) -> AuditedModel:
        return self.member


class Posting(AuditedModel):
    """A member posted abroad for a term (to a representative mission, or to a country)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="postings")
    mission = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("mission"),
    )
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("country")
    )
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True, help_text=_("The end of the term, if known."))
    letter_number = models.CharField(_("letter number"), max_length=100, blank=True)
    # Placed in a branch abroad at some time during the term (derived from the placements by
    # `placements.mark_postings`; the "never attached" check reads it).
    attached_abroad = models.BooleanField(default=False, editable=False)

    audit_exclude = AuditedModel.audit_exclude | {"attached_abroad"}

    class Meta:
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        ordering = ["member_id", "start", "id"]
        indexes = [models.Index(fields=["start", "end"], name="posting_dates")]

    def __str__(self) -> str:
        return f"{self.member} → {self.country} ({self.start})"

    def audit_subject(self) -> AuditedModel:
        return self.member

    def current_on(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or self.end >= day)


class PlacementKind(models.TextChoices):
    REGULAR = "regular", _("Regular")
    TRANSIT = "transit", _("In transit")
    TEMPORARY = "temporary", _("Temporary attachment")


class Placement(AuditedModel):
    """A stretch of a member's branch history. Regular and in-transit stretches follow one another
    with no gap and no overlap from joining onwards; temporary attachments lie beside them."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="placements")
    kind = models.CharField(_("kind"), max_length=16, choices=PlacementKind.choices)
    branch = models.ForeignKey(
        Branch, null=True, blank=True, on_delete=models.PROTECT, related_name="placements"
    )
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True)
    transfer = models.ForeignKey(
        "Transfer", null=True, blank=True, on_delete=models.SET_NULL, related_name="placements"
    )

    class Meta:
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        ordering = ["member_id", "start", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(end__isnull=True) & ~Q(kind="temporary"),
                name="placement_one_open_line",
            ),
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(end__isnull=True) & Q(kind="temporary"),
                name="placement_one_open_attachment",
            ),
            models.CheckConstraint(
                condition=Q(kind="transit") | Q(branch__isnull=False), name="placement_branch_unless_transit"
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")), name="placement_dates_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.get_kind_display()} {self.start}–{self.end or ''}"

    def audit_subject(self) -> AuditedModel:
        return self.member


class TransferKind(models.TextChoices):
    PERMANENT = "permanent", _("Permanent")
    TEMPORARY = "temporary", _("Temporary (while posted abroad)")


class TransferState(models.TextChoices):
    RELEASED = "released", _("Released, awaiting receipt")
    RECEIVED = "received", pgettext_lazy("transfer state", "Received")
    CANCELLED = "cancelled", _("Cancelled")


class Transfer(AuditedModel):
    """A move from one branch to another in two steps: released by the sending branch, received
    by the receiving one."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="transfers")
    kind = models.CharField(_("kind"), max_length=16, choices=TransferKind.choices)
    from_branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="transfers_out", verbose_name=_("from branch")
    )
    to_branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="transfers_in", verbose_name=_("to branch")
    )
    letter_number = models.CharField(_("letter number"), max_length=100)
    letter_date = models.DateField(_("letter date"))
    released_on = models.DateField(_("released on"))
    received_on = models.DateField(_("received on"), null=True, blank=True)
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=TransferState.choices,
        default=TransferState.RELEASED,
        editable=False,
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-released_on", "-id"]
        indexes = [models.Index(fields=["state", "released_on"], name="transfer_pending")]
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=Q(state="released"), name="transfer_one_pending_per_member"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.from_branch} → {self.to_branch} ({self.letter_number})"

    def audit_subject(self) -> AuditedModel:
        return self.member


class TransferDocument(AuditedModel):
    """A document that goes with a transfer (the letter, the member's papers)."""

    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(_("file"), upload_to="membership/transfers/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("transfer document")
        verbose_name_plural = _("transfer documents")
        ordering = ["transfer_id", "id"]

    def __str__(self) -> str:
        return self.original_name

    def audit_subject(self) -> AuditedModel:
        return self.transfer.member


class EventKind(models.TextChoices):
    JOINED = "joined", _("Joined")
    RELEASED = "released", _("Released for transfer")
    RECEIVED = "received", _("Received after transfer")
    TEMPORARY_RELEASE = "temporary_release", _("Released for temporary attachment")
    ATTACHED = "attached", pgettext_lazy("member event", "Temporarily attached")
    DETACHED = "detached", _("Temporary attachment ended")
    SUSPENDED = "suspended", pgettext_lazy("member event", "Suspended")
    REINSTATED = "reinstated", _("Reinstated")
    LEFT = "left", pgettext_lazy("member event", "Left")
    DIED = "died", pgettext_lazy("member event", "Died")


class MemberEvent(AuditedModel):
    """A dated fact in a member's life; the status rules read them."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=24, choices=EventKind.choices)
    on = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    transfer = models.ForeignKey(
        Transfer, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )

    class Meta:
        verbose_name = _("member event")
        verbose_name_plural = _("member events")
        ordering = ["member_id", "on", "id"]
        indexes = [models.Index(fields=["on"], name="member_event_on")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.on}"

    def audit_subject(self) -> AuditedModel:
        return self.member


class StatusRule(AuditedModel):
    """An event of this kind sets this status, `after_days` after the event (CiviCRM-style: e.g.
    joined → probationary at once, → active after 365 days). A later event with a rule of its own
    supersedes an earlier event's rules from its date on."""

    event_kind = models.CharField(_("event"), max_length=24, choices=EventKind.choices)
    after_days = models.PositiveIntegerField(_("after (days)"), default=0)
    status = models.CharField(_("status"), max_length=16, choices=MemberStatus.choices)
    is_active = models.BooleanField(_("in force"), default=True)
    description = models.CharField(_("description"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("status rule")
        verbose_name_plural = _("status rules")
        ordering = ["event_kind", "after_days", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event_kind", "after_days"], name="status_rule_unique_step")
        ]

    def __str__(self) -> str:
        return f"{self.event_kind} +{self.after_days}d → {self.status}"


class StatusCause(models.TextChoices):
    EVENT = "event", _("An event was recorded")
    RULES = "rules", _("The status rules changed")
    TIME = "time", _("Time passed")


class StatusChange(models.Model):
    """The log of every change of a member's status: from what to what, when and why."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="status_changes")
    old_status = models.CharField(max_length=16, choices=MemberStatus.choices, blank=True)
    new_status = models.CharField(max_length=16, choices=MemberStatus.choices)
    effective_on = models.DateField(null=True, blank=True)
    cause = models.CharField(max_length=8, choices=StatusCause.choices)
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["member_id", "-at", "-id"]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.old_status} → {self.new_status}"


class DossierStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not digitised")
    IN_PROGRESS = "in_progress", _("Being digitised")
    DIGITISED = "digitised", _("Digitised")


class Dossier(AuditedModel):
    """A member's paper record and its digitisation; every view of it is audited."""

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="dossier")
    status = models.CharField(
        _("digitisation"), max_length=16, choices=DossierStatus.choices, default=DossierStatus.NOT_STARTED
    )
    digitised_on = models.DateField(_("digitised on"), null=True, blank=True)
    # The sum of its files' pages (each file's upload is audited).
    page_count = models.PositiveIntegerField(_("pages"), default=0, editable=False)

    audit_exclude = AuditedModel.audit_exclude | {"page_count"}

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        indexes = [models.Index(fields=["status", "digitised_on"], name="dossier_progress")]

    def __str__(self) -> str:
        return f"{self.member}"

    def audit_subject(self) -> AuditedModel:
        return self.member


class DigitisedMonth(models.Model):
    """Of a branch's present members (regular placement), how many dossiers were digitised in a
    month: the digitisation progress of any part of the tree, read without touching the members.
    Derived, kept by `counters.refresh` with the branch's counters; not audited (nobody edits it)."""

    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="digitised_months")
    month = models.DateField()
    dossiers = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["branch", "month"], name="digitised_month_once")]

    def __str__(self) -> str:
        return f"{self.branch_id} {self.month:%Y-%m}: {self.dossiers}"


class DossierFile(AuditedModel):
    """A scanned part of a dossier: a PDF or an image, with its page count and checksum."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("file"), upload_to="membership/dossiers/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    pages = models.PositiveIntegerField(_("pages"), default=1)

    class Meta:
        verbose_name = _("dossier file")
        verbose_name_plural = _("dossier files")
        ordering = ["dossier_id", "id"]
        constraints = [models.UniqueConstraint(fields=["dossier", "sha256"], name="dossier_file_once")]

    def __str__(self) -> str:
        return self.original_name

    def audit_subject(self) -> AuditedModel:
        return self.dossier.member

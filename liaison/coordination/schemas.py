"""The coordination API's shapes."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from ninja import Field, Schema

from liaison.activities.models import ActivityKind, LeaderRank
from liaison.activities.schemas import In
from liaison.coordination.models import (
    AgreementKind,
    DayBasis,
    NoticeKind,
    NoticeStatus,
    SharedField,
    Trigger,
)
from liaison.core.api_support import Page
from liaison.core.models import Classification, Pillar
from liaison.directory.models import MandateField


class OrgRef(Schema):
    id: int
    name: str


class NoticeOut(Schema):
    id: uuid.UUID = Field(description="The notice's stable id (also its idempotency key for receivers).")
    kind: NoticeKind
    kind_label: str
    title: str = Field(description="The activity's title when the rule shares it, else empty.")
    activity_kind: str
    activity_kind_label: str
    activity: int | None = Field(description="Null for a notice about something else than an activity.")
    starts_at: dt.datetime = Field(description="When the activity starts, or when the report is due.")
    due_at: dt.datetime
    sent_at: dt.datetime
    late: bool
    status: NoticeStatus
    status_label: str
    acknowledge_by: dt.datetime
    current: bool = Field(description="False once a later notice superseded it.")
    agreement: int | None = Field(description="Null for a notice under no agreement (a report owed).")
    link: str = Field(description="Where to act on a notice about a report owed, else empty.")
    source: OrgRef | None = Field(description="Null when you may not see the organisation.")
    recipient: OrgRef | None = Field(description="Null when you may not see the organisation.")
    unread: bool


class NoticeListOut(Page):
    items: list[NoticeOut]


class ResponseOut(Schema):
    kind: str
    organisation: int
    by: str | None
    note: str
    at: dt.datetime


class NoticeDetailOut(NoticeOut):
    payload: dict[str, Any] = Field(description="The shared fields, exactly as the recipient may see them.")
    changed: list[str]
    supersedes: uuid.UUID | None
    superseded_by: uuid.UUID | None
    responses: list[ResponseOut]
    allowed_responses: list[str]


class AnswerIn(In):
    kind: str = Field(description="acknowledge, ask, reply or decline (see allowed_responses).")
    note: str = ""


class AgreementOut(Schema):
    id: int
    kind: AgreementKind
    code: str
    title_en: str
    title_vi: str
    title_ar: str
    owner: int
    parties: list[int]
    fields: list[str]
    signed_on: dt.date | None
    starts_on: dt.date
    ends_on: dt.date | None
    acknowledge_within_hours: int
    coordinators: list[str]
    notes: str
    classification: Classification
    version: int
    rules: list[RuleOut]


class AgreementListOut(Page):
    items: list[AgreementOut]


class AgreementIn(In):
    kind: AgreementKind
    owner: int
    parties: list[int]
    starts_on: dt.date
    ends_on: dt.date | None = None
    title_en: str = Field("", max_length=300)
    title_vi: str = Field("", max_length=300)
    title_ar: str = Field("", max_length=300)
    code: str = Field("", max_length=100)
    fields: list[MandateField] = []
    signed_on: dt.date | None = None
    acknowledge_within_hours: int = 48
    coordinators: list[str] = Field([], description="Usernames.")
    notes: str = ""
    classification: Classification = Classification.INTERNAL


class AgreementPatch(In):
    kind: AgreementKind | None = None
    owner: int | None = None
    parties: list[int] | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    title_en: str | None = Field(None, max_length=300)
    title_vi: str | None = Field(None, max_length=300)
    title_ar: str | None = Field(None, max_length=300)
    code: str | None = Field(None, max_length=100)
    fields: list[MandateField] | None = None
    signed_on: dt.date | None = None
    acknowledge_within_hours: int | None = None
    coordinators: list[str] | None = None
    notes: str | None = None
    classification: Classification | None = None


class RuleOut(Schema):
    id: int
    name: str
    recipient: int
    source: int | None
    kinds: list[str]
    high_level_only: bool
    leader_ranks: list[str]
    pillars: list[str]
    countries: list[str]
    classifications: list[int]
    triggers: list[str]
    lead_days: int
    day_basis: DayBasis
    calendar_country: str | None
    change_hours: int
    shared_fields: list[str]
    active: bool
    version: int


class RuleIn(In):
    recipient: int
    source: int | None = None
    name: str = Field("", max_length=300)
    kinds: list[ActivityKind] = []
    high_level_only: bool = False
    leader_ranks: list[LeaderRank] = []
    pillars: list[Pillar] = []
    countries: list[str] = Field([], description="ISO 3166 codes.")
    classifications: list[Classification] = []
    triggers: list[Trigger] = Field(list(Trigger), description="Must include `created`.")
    lead_days: int = 0
    day_basis: DayBasis = DayBasis.CALENDAR
    calendar_country: str | None = Field(None, description="ISO 3166 code; empty: the recipient's country.")
    change_hours: int = 24
    shared_fields: list[SharedField] = []
    active: bool = True


class RulePatch(In):
    recipient: int | None = None
    source: int | None = None
    name: str | None = Field(None, max_length=300)
    kinds: list[ActivityKind] | None = None
    high_level_only: bool | None = None
    leader_ranks: list[LeaderRank] | None = None
    pillars: list[Pillar] | None = None
    countries: list[str] | None = None
    classifications: list[Classification] | None = None
    triggers: list[Trigger] | None = None
    lead_days: int | None = None
    day_basis: DayBasis | None = None
    calendar_country: str | None = None
    change_hours: int | None = None
    shared_fields: list[SharedField] | None = None
    active: bool | None = None


class AppliedOut(Schema):
    queued: int = Field(description="Activities not yet started that the rule will be applied to.")


class MonthOut(Schema):
    month: dt.date
    total: int
    on_time: int
    late: int


class LateOut(Schema):
    notice: uuid.UUID
    title: str
    activity: int
    source: str
    recipient: str
    starts_at: dt.datetime
    due_at: dt.datetime
    sent_at: dt.datetime
    late_by_hours: float
    escalated: bool


class HealthOut(Schema):
    start: dt.date
    end: dt.date = Field(description="Exclusive.")
    total: int = Field(description="Activities notified (first notices) starting in the period.")
    on_time: int
    late: int
    share_on_time: float | None
    median_lead_days: int | None
    waiting: int
    overdue: int
    escalations: int
    failed_deliveries: int
    stuck_changes: int
    months: list[MonthOut]
    late_notices: list[LateOut] = Field(description="The worst first, at most 50.")


class WebhookIn(In):
    organisation: int = Field(description="The organisation whose notices it receives.")
    url: str = Field(max_length=500, description="HTTPS; must not resolve to a private address.")
    description: str = Field("", max_length=300)


class WebhookOut(Schema):
    id: int
    organisation: int
    url: str
    description: str
    active: bool
    secret: str | None = Field(description="Shown once, when the endpoint is registered.")


class AttemptOut(Schema):
    at: dt.datetime
    ok: bool
    status_code: int | None
    error: str
    duration_ms: int


class DeliveryOut(Schema):
    notice: uuid.UUID
    status: str
    attempts: int
    next_attempt_at: dt.datetime
    delivered_at: dt.datetime | None
    last_error: str
    log: list[AttemptOut]


class PlanItemOut(Schema):
    id: int
    title_en: str
    title_vi: str
    title_ar: str
    responsible: list[int]
    starts_on: dt.date | None
    ends_on: dt.date | None
    activities: list[int] = Field(description="The carrying activities you may see.")
    state: str = Field(description="planned, scheduled, done or overdue (from the activities).")
    notes: str
    version: int


class PlanItemIn(In):
    responsible: list[int]
    title_en: str = Field("", max_length=500)
    title_vi: str = Field("", max_length=500)
    title_ar: str = Field("", max_length=500)
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    activities: list[int] = []
    notes: str = ""


class PlanItemPatch(In):
    responsible: list[int] | None = None
    title_en: str | None = Field(None, max_length=500)
    title_vi: str | None = Field(None, max_length=500)
    title_ar: str | None = Field(None, max_length=500)
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    activities: list[int] | None = None
    notes: str | None = None


AgreementOut.model_rebuild()

"""API input and output schemas of activities (kept apart: inputs never echo outputs).

Inputs refer to other records by id (organisations, people), ISO code (countries) or locality
id (a JSON number) or code (a JSON string). A date-time sent without a UTC offset is read in
the activity's time zone. Unknown fields are refused, so a misspelt field is not silently lost.
"""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema
from pydantic import ConfigDict

from liaison.activities.models import (
    ActivityFormat,
    ActivityKind,
    ActivityStatus,
    ConnectionStatus,
    DelegationSide,
    LeaderRank,
    MemberRole,
    OutcomeKind,
    SessionKind,
    SessionRole,
)
from liaison.core.api_support import Page
from liaison.core.models import Classification, Pillar
from liaison.directory.schemas import OrganisationRef

# --- references in outputs --------------------------------------------------------------------


class PersonRef(Schema):
    id: int
    name: str


class PlaceOut(Schema):
    id: int
    code: str
    name: str


class CountryRef(Schema):
    code: str
    name: str


# --- activities -------------------------------------------------------------------------------


class ActivityOut(Schema):
    id: int
    kind: str
    pillars: list[str]
    title: str
    title_en: str
    title_vi: str
    title_ar: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    time_zone: str
    city: PlaceOut | None
    country: str | None
    venue: str
    format: str
    status: str
    high_level: bool
    leader_rank: str
    lead_organisation: OrganisationRef | None
    leader: PersonRef | None
    classification: str
    embargo_until: dt.datetime | None
    is_demo: bool
    version: int
    url: str


class ActivityListOut(Page):
    items: list[ActivityOut]


class MemberOut(Schema):
    id: int
    person: PersonRef
    role: str
    title: str
    protocol_order: int
    version: int


class StopOut(Schema):
    id: int
    order: int
    city: PlaceOut | None
    place: str
    country: str | None
    arrives_on: dt.date
    leaves_on: dt.date
    programme: str
    version: int


class DelegationOut(Schema):
    id: int
    side: str
    organisation: OrganisationRef | None
    name: str
    size: int | None
    composition_status: str
    submitted_by: str | None
    submitted_at: dt.datetime | None
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_note: str
    members: list[MemberOut] | None = Field(
        None, description="Null when the composition is not shown to the caller (see members_hidden)."
    )
    members_hidden: bool
    stops: list[StopOut]
    version: int


class SessionPersonOut(Schema):
    id: int
    person: PersonRef
    role: str
    order: int
    topic: str


class SessionOut(Schema):
    id: int
    kind: str
    theme: str
    theme_en: str
    theme_vi: str
    theme_ar: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    room: str
    chairs: list[SessionPersonOut]
    speakers: list[SessionPersonOut]
    version: int


class SiteOut(Schema):
    id: int
    locality: PlaceOut
    host_organisation: OrganisationRef | None
    room: str
    chair: PersonRef | None
    connection_checked_at: dt.datetime | None
    connection_status: str
    interpretation: str
    expected_attendance: int | None
    attendance: int | None
    notes: str
    version: int


class OutcomeOut(Schema):
    id: int
    kind: str
    title: str
    title_en: str
    title_vi: str
    title_ar: str
    code: str
    signed_on: dt.date | None
    parties: list[OrganisationRef]
    responsible: OrganisationRef | None
    due_on: dt.date | None
    description: str
    version: int


class AttachmentOut(Schema):
    id: int
    kind: str
    title: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    created_at: dt.datetime
    download_url: str | None


class SourceOut(Schema):
    id: int
    title: str
    url: str
    reference: str


class StatusChangeOut(Schema):
    from_status: str
    to_status: str
    by: str | None
    at: dt.datetime
    note: str


class ActivityDetailOut(ActivityOut):
    owner_id: int
    summary: str
    summary_en: str
    summary_vi: str
    summary_ar: str
    co_organisers: list[OrganisationRef]
    counterpart_organisations: list[OrganisationRef]
    counterpart_countries: list[CountryRef]
    shared_with: list[int]
    external_key: str
    delegations: list[DelegationOut]
    sessions: list[SessionOut]
    sites: list[SiteOut]
    outcomes: list[OutcomeOut]
    attachments: list[AttachmentOut]
    sources: list[SourceOut]
    status_history: list[StatusChangeOut]
    allowed_transitions: list[str]
    can_change: bool
    created_at: dt.datetime
    updated_at: dt.datetime


# --- inputs -----------------------------------------------------------------------------------


class In(Schema):
    model_config = ConfigDict(extra="forbid")


LocalityRef = int | str


class ActivityIn(In):
    kind: ActivityKind
    lead_organisation: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    owner: int | None = Field(None, description="Defaults to the lead organisation.")
    pillars: list[Pillar] = Field([], description="Defaults to the lead organisation's pillar.")
    title_en: str = Field("", max_length=300)
    title_vi: str = Field("", max_length=300)
    title_ar: str = Field("", max_length=300)
    summary_en: str = ""
    summary_vi: str = ""
    summary_ar: str = ""
    time_zone: str = Field("Asia/Ho_Chi_Minh", max_length=64)
    city: LocalityRef | None = Field(None, description="A locality id (number) or code (string).")
    country: str | None = Field(None, max_length=2, description="ISO 3166 code.")
    venue: str = Field("", max_length=300)
    format: ActivityFormat = ActivityFormat.IN_PERSON
    leader: int | None = None
    leader_rank: LeaderRank | None = None
    embargo_until: dt.datetime | None = None
    classification: Classification = Classification.INTERNAL
    co_organisers: list[int] = []
    counterpart_organisations: list[int] = []
    counterpart_countries: list[str] = Field([], description="ISO 3166 codes.")
    shared_with: list[int] = []
    external_key: str = Field("", max_length=100)
    is_demo: bool = False


class ActivityPatch(In):
    kind: ActivityKind | None = None
    lead_organisation: int | None = None
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    owner: int | None = None
    pillars: list[Pillar] | None = None
    title_en: str | None = Field(None, max_length=300)
    title_vi: str | None = Field(None, max_length=300)
    title_ar: str | None = Field(None, max_length=300)
    summary_en: str | None = None
    summary_vi: str | None = None
    summary_ar: str | None = None
    time_zone: str | None = Field(None, max_length=64)
    city: LocalityRef | None = None
    country: str | None = Field(None, max_length=2)
    venue: str | None = Field(None, max_length=300)
    format: ActivityFormat | None = None
    leader: int | None = None
    leader_rank: LeaderRank | None = None
    embargo_until: dt.datetime | None = None
    classification: Classification | None = None
    co_organisers: list[int] | None = None
    counterpart_organisations: list[int] | None = None
    counterpart_countries: list[str] | None = None
    shared_with: list[int] | None = None
    external_key: str | None = Field(None, max_length=100)
    is_demo: bool | None = None


class TransitionIn(In):
    to: ActivityStatus
    note: str = ""


class DelegationIn(In):
    organisation: int
    side: DelegationSide = DelegationSide.VISITING
    name: str = Field("", max_length=300)
    size: int | None = Field(None, ge=0)


class DelegationPatch(In):
    organisation: int | None = None
    side: DelegationSide | None = None
    name: str | None = Field(None, max_length=300)
    size: int | None = Field(None, ge=0)


class MemberIn(In):
    person: int
    role: MemberRole = MemberRole.MEMBER
    title: str = Field("", max_length=300)
    protocol_order: int | None = Field(None, ge=1, le=32767)


class MemberPatch(In):
    person: int | None = None
    role: MemberRole | None = None
    title: str | None = Field(None, max_length=300)
    protocol_order: int | None = Field(None, ge=1, le=32767)


class DecisionIn(In):
    approve: bool
    note: str = ""


class StopIn(In):
    arrives_on: dt.date
    leaves_on: dt.date
    city: LocalityRef | None = None
    place: str = Field("", max_length=200)
    country: str | None = Field(None, max_length=2)
    programme: str = ""
    order: int | None = Field(None, ge=1, le=32767)


class SessionIn(In):
    starts_at: dt.datetime
    ends_at: dt.datetime
    kind: SessionKind = SessionKind.PLENARY
    theme_en: str = Field("", max_length=500)
    theme_vi: str = Field("", max_length=500)
    theme_ar: str = Field("", max_length=500)
    room: str = Field("", max_length=200)


class SessionPatch(In):
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    kind: SessionKind | None = None
    theme_en: str | None = Field(None, max_length=500)
    theme_vi: str | None = Field(None, max_length=500)
    theme_ar: str | None = Field(None, max_length=500)
    room: str | None = Field(None, max_length=200)


class SessionPersonIn(In):
    person: int
    role: SessionRole = SessionRole.SPEAKER
    topic: str = Field("", max_length=500)
    order: int | None = Field(None, ge=1, le=32767)


class SiteIn(In):
    locality: LocalityRef
    host_organisation: int | None = None
    room: str = Field("", max_length=200)
    chair: int | None = None
    connection_checked_at: dt.datetime | None = None
    connection_status: ConnectionStatus = ConnectionStatus.NOT_CHECKED
    interpretation: str = Field("", max_length=100)
    expected_attendance: int | None = Field(None, ge=0)
    attendance: int | None = Field(None, ge=0)
    notes: str = ""


class SitePatch(In):
    locality: LocalityRef | None = None
    host_organisation: int | None = None
    room: str | None = Field(None, max_length=200)
    chair: int | None = None
    connection_checked_at: dt.datetime | None = None
    connection_status: ConnectionStatus | None = None
    interpretation: str | None = Field(None, max_length=100)
    expected_attendance: int | None = Field(None, ge=0)
    attendance: int | None = Field(None, ge=0)
    notes: str | None = None


class OutcomeIn(In):
    kind: OutcomeKind
    title_en: str = Field("", max_length=500)
    title_vi: str = Field("", max_length=500)
    title_ar: str = Field("", max_length=500)
    code: str = Field("", max_length=100)
    signed_on: dt.date | None = None
    responsible: int | None = None
    due_on: dt.date | None = None
    description: str = ""
    parties: list[int] = []


class OutcomePatch(In):
    kind: OutcomeKind | None = None
    title_en: str | None = Field(None, max_length=500)
    title_vi: str | None = Field(None, max_length=500)
    title_ar: str | None = Field(None, max_length=500)
    code: str | None = Field(None, max_length=100)
    signed_on: dt.date | None = None
    responsible: int | None = None
    due_on: dt.date | None = None
    description: str | None = None
    parties: list[int] | None = None


class SourceIn(In):
    title: str = Field(..., max_length=500)
    url: str = Field("", max_length=1000)
    reference: str = Field("", max_length=200)

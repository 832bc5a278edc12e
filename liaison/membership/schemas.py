"""The membership API's shapes (inputs and outputs apart; inputs refuse unknown fields).

Branches are referred to by id (their organisation's id) in inputs; in outputs as `{id, name}`,
or null when the reader may not see the organisation (it is never named). Countries are ISO
3166 codes. Members are personal data: they appear only to those who may read them.
"""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from liaison.activities.schemas import In
from liaison.core.api_support import Page
from liaison.core.models import Classification
from liaison.membership.models import (
    BranchLevel,
    DossierStatus,
    EventKind,
    MemberStatus,
    PlacementKind,
    StatusCause,
    TransferKind,
    TransferState,
)

HIDDEN = "Null when you may not see the organisation."

# --- references -------------------------------------------------------------------------------


class Ref(Schema):
    id: int
    name: str


class PostingSummaryOut(Schema):
    country: str = Field(description="ISO 3166 code.")
    start: dt.date
    end: dt.date | None


# --- members ----------------------------------------------------------------------------------


NO_STATUS = "Null until a status rule in force gives the member a status (no rule for their events)."


class MemberRowOut(Schema):
    id: int
    name: str = Field(description="The Vietnamese spelling, else the first name given.")
    register_number: str
    status: MemberStatus | None = Field(description=NO_STATUS)
    status_since: dt.date | None
    joined_on: dt.date
    branch: Ref | None = Field(description="The branch the member belongs to; null in transit. " + HIDDEN)
    attached_to: Ref | None = Field(description="The branch abroad they are temporarily attached to.")
    posting: PostingSummaryOut | None = Field(description="The latest posting abroad, if any.")
    dossier: DossierStatus | None


class MemberListOut(Page):
    items: list[MemberRowOut]


class NameIn(In):
    value: str = Field(..., max_length=300)
    language: str = Field("vi", max_length=8, description="ISO 639-1 code, e.g. vi, en, ar.")


class NameOut(Schema):
    id: int
    value: str
    language: str


class PlacementOut(Schema):
    id: int
    kind: PlacementKind
    branch: Ref | None = Field(description="Null in transit. " + HIDDEN)
    start: dt.date
    end: dt.date | None = Field(description="Stretches are half-open: the next one starts on this day.")
    transfer: int | None


class PostingOut(Schema):
    id: int
    member: int
    country: str = Field(description="ISO 3166 code.")
    mission: Ref | None = Field(description=HIDDEN)
    start: dt.date
    end: dt.date | None
    letter_number: str
    version: int


class DocumentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str


class TransferOut(Schema):
    id: int
    member: Ref
    kind: TransferKind
    state: TransferState
    from_branch: Ref | None = Field(description=HIDDEN)
    to_branch: Ref | None = Field(description=HIDDEN)
    letter_number: str
    letter_date: dt.date
    released_on: dt.date
    received_on: dt.date | None
    note: str
    documents: list[DocumentOut]
    version: int


class TransferListOut(Page):
    items: list[TransferOut]


class EventOut(Schema):
    id: int
    kind: EventKind
    on: dt.date
    note: str
    transfer: int | None


class StatusChangeOut(Schema):
    old_status: str = Field(description="Empty for the first status.")
    new_status: MemberStatus
    effective_on: dt.date | None
    cause: StatusCause
    at: dt.datetime
    by: str | None = Field(description="Username, or null for the background sweep.")


class DossierSummaryOut(Schema):
    member: int
    status: DossierStatus
    digitised_on: dt.date | None
    page_count: int
    file_count: int
    version: int


class MemberOut(Schema):
    id: int
    name: str
    names: list[NameOut]
    register_number: str
    gender: str
    birth_date: dt.date | None
    joined_on: dt.date
    languages: str
    notes: str
    classification: str
    status: MemberStatus | None = Field(description=NO_STATUS)
    status_since: dt.date | None
    owner: Ref | None = Field(description="The organisation that keeps the record. " + HIDDEN)
    branch: Ref | None = Field(description="Null in transit. " + HIDDEN)
    attached_to: Ref | None = Field(description=HIDDEN)
    placements: list[PlacementOut] = Field(description="The branch history, oldest first.")
    postings: list[PostingOut] = Field(description="Latest first.")
    transfers: list[TransferOut] = Field(description="Latest first.")
    events: list[EventOut] = Field(description="Latest first.")
    status_changes: list[StatusChangeOut] = Field(description="The latest 50, latest first.")
    dossier: DossierSummaryOut | None = Field(
        description="Its digitisation only; the files are read (and the reading audited) at /dossier."
    )
    is_demo: bool
    can_change: bool
    version: int


class MemberIn(In):
    branch: int = Field(description="The branch that keeps the member (its organisation's id).")
    names: list[NameIn] = Field(description="At least one; the Vietnamese spelling is shown.")
    joined_on: dt.date
    register_number: str = Field("", max_length=50)
    gender: str = Field("", max_length=1, description="f, m, x or empty.")
    birth_date: dt.date | None = None
    languages: str = Field("", max_length=200)
    notes: str = ""
    classification: Classification = Classification.RESTRICTED


class MemberPatch(In):
    names: list[NameIn] | None = Field(None, description="Replaces every spelling.")
    joined_on: dt.date | None = Field(
        None, description="Moves the first placement and the joining event; not after a later event."
    )
    register_number: str | None = Field(None, max_length=50)
    gender: str | None = Field(None, max_length=1)
    birth_date: dt.date | None = None
    languages: str | None = Field(None, max_length=200)
    notes: str | None = None
    classification: Classification | None = None


class PostingIn(In):
    country: str = Field(..., max_length=2, description="ISO 3166 code; not the home country.")
    start: dt.date
    end: dt.date | None = None
    mission: int | None = Field(None, description="A representative mission in that country.")
    letter_number: str = Field("", max_length=100)


class PostingPatch(In):
    country: str | None = Field(None, max_length=2)
    start: dt.date | None = None
    end: dt.date | None = None
    mission: int | None = None
    letter_number: str | None = Field(None, max_length=100)


class EventIn(In):
    kind: EventKind = Field(
        description="suspended, reinstated, left or died (the others follow from transfers)."
    )
    on: dt.date
    note: str = Field("", max_length=500)


class ReleaseIn(In):
    kind: TransferKind
    to_branch: int
    letter_number: str = Field(..., max_length=100)
    letter_date: dt.date
    released_on: dt.date
    note: str = ""


class ReceiveIn(In):
    received_on: dt.date | None = Field(None, description="Defaults to today.")


class CancelIn(In):
    note: str = ""


class DayIn(In):
    on: dt.date | None = Field(None, description="Defaults to today.")


# --- dossiers ---------------------------------------------------------------------------------


class DossierFileOut(DocumentOut):
    pages: int
    uploaded_at: dt.datetime


class DossierOut(DossierSummaryOut):
    files: list[DossierFileOut]


# --- branches ---------------------------------------------------------------------------------


class BranchOut(Schema):
    id: int = Field(description="Its organisation's id.")
    name: str
    level: BranchLevel
    abroad: bool
    country: str | None = Field(description="ISO 3166 code of its organisation's country.")
    parent: int | None = Field(description="The parent organisation's id.")
    mission: Ref | None = Field(description=HIDDEN)
    secretary: Ref | None = Field(description="Null when none, or when you may not read the member.")
    minimum_size: int
    member_count: int = Field(description="Members placed in it now (regular or attached).")
    present_count: int = Field(description="Present members placed in it now (regular or attached).")
    digitised_count: int = Field(description="Of those, members whose dossier is digitised.")
    kept_count: int = Field(description="Present members whose regular branch it is (each member once).")
    valid_to: dt.date | None
    version: int


class BranchListOut(Page):
    items: list[BranchOut]


class BranchIn(In):
    organisation: int = Field(description="The organisation that is to keep members.")
    level: BranchLevel
    mission: int | None = None
    minimum_size: int = Field(3, ge=0, le=1000)


class BranchPatch(In):
    level: BranchLevel | None = None
    mission: int | None = None
    minimum_size: int | None = Field(None, ge=0, le=1000)
    secretary: int | None = Field(None, description="A member placed in the branch, or null.")


# --- checks -----------------------------------------------------------------------------------


class CheckOut(Schema):
    slug: str
    title: str
    help: str
    subject: str = Field(description="member, branch or transfer: what its list holds.")
    count: int
    count_exact: bool


class CheckPageOut(Page):
    slug: str
    title: str
    subject: str
    items: list[MemberRowOut] | list[BranchOut] | list[TransferOut]


class BranchDigitisationOut(Schema):
    branch_id: int
    branch: str
    members: int = Field(description="Present members.")
    left: int = Field(description="Of which not digitised.")


class MonthOut(Schema):
    month: dt.date
    digitised: int
    total: int = Field(description="Digitised up to this month.")
    share: float = Field(description="Per cent of the members you may read.")


class DigitisationOut(Schema):
    not_digitised_by_branch: list[BranchDigitisationOut]
    progress: list[MonthOut]


# --- status rules -----------------------------------------------------------------------------


class RuleOut(Schema):
    id: int
    event_kind: EventKind
    after_days: int
    status: MemberStatus
    is_active: bool
    description: str
    version: int


class RuleIn(In):
    event_kind: EventKind
    after_days: int = Field(0, ge=0, le=36_500)
    status: MemberStatus
    is_active: bool = True
    description: str = Field("", max_length=300)


class RulePatch(In):
    event_kind: EventKind | None = None
    after_days: int | None = Field(None, ge=0, le=36_500)
    status: MemberStatus | None = None
    is_active: bool | None = None
    description: str | None = Field(None, max_length=300)

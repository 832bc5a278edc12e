"""API input and output schemas of the Directory (kept apart: inputs never echo outputs)."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from liaison.core.api_support import Page
from liaison.core.models import Classification, Pillar
from liaison.directory.models import Gender, MandateField, MandateRole, NameKind, OrganisationKind


class NameOut(Schema):
    id: int
    value: str
    language: str
    script: str
    kind: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    source: str


class PersonNameOut(NameOut):
    family: str
    given: str


class NameIn(Schema):
    value: str = Field(..., min_length=1, max_length=300)
    language: str = Field(..., min_length=2, max_length=8)
    kind: NameKind = NameKind.OFFICIAL
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    source: str = Field("", max_length=300)


class PersonNameIn(NameIn):
    family: str = Field("", max_length=150)
    given: str = Field("", max_length=150)


class OrganisationRef(Schema):
    id: int
    name: str


class OrganisationOut(Schema):
    id: int
    name: str
    parent: OrganisationRef | None
    pillar: str
    kind: str
    country: str | None
    locality: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    classification: str
    version: int
    url: str


class MandateOut(Schema):
    id: int
    field: str
    role: str
    start: dt.date | None
    end: dt.date | None
    source: str


class MandateIn(Schema):
    field: MandateField
    role: MandateRole = MandateRole.LEAD
    start: dt.date | None = None
    end: dt.date | None = None
    source: str = Field("", max_length=300)


class OrganisationDetailOut(OrganisationOut):
    owner_id: int
    names: list[NameOut]
    mandates: list[MandateOut]
    email: str
    phone: str
    website: str
    address: str
    notes: str
    shared_with: list[int]
    updated_at: dt.datetime


class OrganisationListOut(Page):
    items: list[OrganisationOut]


class OrganisationIn(Schema):
    parent_id: int | None = None
    pillar: Pillar
    kind: OrganisationKind
    country: str | None = Field(None, min_length=2, max_length=2)
    locality: str | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=50)
    website: str = Field("", max_length=200)
    address: str = ""
    notes: str = ""
    classification: Classification = Classification.PUBLIC
    shared_with: list[int] = []
    names: list[NameIn] = Field(..., min_length=1)


class OrganisationPatch(Schema):
    parent_id: int | None = None
    pillar: Pillar | None = None
    kind: OrganisationKind | None = None
    country: str | None = Field(None, max_length=2)
    locality: str | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=50)
    website: str | None = Field(None, max_length=200)
    address: str | None = None
    notes: str | None = None
    classification: Classification | None = None
    shared_with: list[int] | None = None


class PositionOut(Schema):
    id: int
    organisation: OrganisationRef
    title: str
    title_en: str
    title_vi: str
    title_ar: str
    start: dt.date | None
    end: dt.date | None
    source: str


class PersonOut(Schema):
    id: int
    name: str
    nationality: str | None
    classification: str
    version: int
    url: str
    current_positions: list[PositionOut]


class PersonDetailOut(PersonOut):
    owner_id: int
    names: list[PersonNameOut]
    positions: list[PositionOut]
    gender: str
    birth_date: dt.date | None
    death_date: dt.date | None
    languages: str
    notes: str
    shared_with: list[int]
    updated_at: dt.datetime


class PersonListOut(Page):
    items: list[PersonOut]


class PersonIn(Schema):
    owner_id: int
    nationality: str | None = Field(None, min_length=2, max_length=2)
    gender: Gender | None = None
    birth_date: dt.date | None = None
    death_date: dt.date | None = None
    languages: str = Field("", max_length=200)
    notes: str = ""
    classification: Classification = Classification.PUBLIC
    shared_with: list[int] = []
    names: list[PersonNameIn] = Field(..., min_length=1)


class PersonPatch(Schema):
    owner_id: int | None = None
    nationality: str | None = Field(None, max_length=2)
    gender: Gender | None = None
    birth_date: dt.date | None = None
    death_date: dt.date | None = None
    languages: str | None = Field(None, max_length=200)
    notes: str | None = None
    classification: Classification | None = None
    shared_with: list[int] | None = None


class PositionIn(Schema):
    organisation_id: int
    title_en: str = Field(..., min_length=1, max_length=200)
    title_vi: str = Field("", max_length=200)
    title_ar: str = Field("", max_length=200)
    start: dt.date | None = None
    end: dt.date | None = None
    source: str = Field("", max_length=300)


class HolderOut(Schema):
    person: OrganisationRef
    position: PositionOut


class CountryOut(Schema):
    code: str
    alpha3: str
    name: str
    name_en: str
    name_vi: str
    name_ar: str


class LocalityOut(Schema):
    code: str
    kind: str
    country: str
    name: str
    name_en: str
    name_vi: str
    name_ar: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    predecessors: list[str]
    successors: list[str]


class HistoryOut(Schema):
    at: dt.datetime
    actor: str | None
    via: str
    action: str
    record: str
    changes: dict[str, list[object]]


class MatchOut(Schema):
    id: int
    name: str
    matched: str
    score: float

"""Writes to a conference's programme: sessions with their chairs and speakers, connected sites."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from liaison.activities import participation
from liaison.activities.models import (
    Activity,
    ActivityFormat,
    ConferenceSession,
    ConnectedSite,
    ConnectionStatus,
    SessionKind,
    SessionParticipant,
    SessionRole,
)
from liaison.activities.validation import (
    check_locality_on,
    check_order,
    check_session_within,
    local_date,
    require,
)
from liaison.core import access
from liaison.core.versioning import check_version
from liaison.directory.models import Locality, Organisation, Person


@dataclass
class SessionInput:
    starts_at: dt.datetime
    ends_at: dt.datetime
    kind: str = SessionKind.PLENARY
    theme_en: str = ""
    theme_vi: str = ""
    theme_ar: str = ""
    room: str = ""


@dataclass
class SessionPersonInput:
    person: Person
    role: str = SessionRole.SPEAKER
    topic: str = ""
    order: int | None = None


@dataclass
class SiteInput:
    locality: Locality
    host_organisation: Organisation | None = None
    room: str = ""
    chair: Person | None = None
    connection_checked_at: dt.datetime | None = None
    connection_status: str = ConnectionStatus.NOT_CHECKED
    interpretation: str = ""
    expected_attendance: int | None = None
    attendance: int | None = None
    notes: str = ""


def _check_session(activity: Activity, data: SessionInput) -> None:
    if data.kind not in SessionKind.values:
        raise ValidationError({"kind": [_("Unknown kind of session.")]})
    check_order(data.starts_at, data.ends_at, end_field="ends_at")
    check_session_within(
        data.starts_at, data.ends_at, outer_start=activity.starts_at, outer_end=activity.ends_at
    )


@transaction.atomic
def add_session(*, by: Any, activity: Activity, data: SessionInput) -> ConferenceSession:
    require(access.can_change(by, activity))
    _check_session(activity, data)
    return ConferenceSession.objects.create(activity=activity, **vars(data))


@transaction.atomic
def update_session(
    *, by: Any, session: ConferenceSession, data: SessionInput, version: int | None
) -> ConferenceSession:
    require(access.can_change(by, session.activity))
    check_version(session, version)
    _check_session(session.activity, data)
    for key, value in vars(data).items():
        setattr(session, key, value)
    session.save()
    participation.refresh(session.activity)
    return session


@transaction.atomic
def delete_session(*, by: Any, session: ConferenceSession) -> None:
    activity = session.activity
    require(access.can_change(by, activity))
    session.participants.all().delete()
    session.delete()
    participation.refresh(activity)


@transaction.atomic
def add_session_person(
    *, by: Any, session: ConferenceSession, data: SessionPersonInput
) -> SessionParticipant:
    require(access.can_change(by, session.activity))
    if not access.can_read(by, data.person):
        raise ValidationError({"person": [_("You may not refer to a person you cannot see.")]})
    if data.role not in SessionRole.values:
        raise ValidationError({"role": [_("Unknown role.")]})
    if session.participants.filter(person=data.person, role=data.role).exists():
        raise ValidationError({"person": [_("This person already has this role in the session.")]})
    row = SessionParticipant.objects.create(
        session=session,
        activity_id=session.activity_id,
        person=data.person,
        role=data.role,
        topic=data.topic,
        order=data.order or session.participants.filter(role=data.role).count() + 1,
    )
    participation.refresh(session.activity)
    return row


@transaction.atomic
def remove_session_person(*, by: Any, participant: SessionParticipant) -> None:
    activity = participant.session.activity
    require(access.can_change(by, activity))
    participant.delete()
    participation.refresh(activity)


# --- Connected sites ---------------------------------------------------------------------------


def _check_site(by: Any, activity: Activity, data: SiteInput, *, current: ConnectedSite | None) -> None:
    if activity.format == ActivityFormat.IN_PERSON:
        raise ValidationError(
            {
                "locality": [
                    _("Only an online or hybrid activity has connected sites; change its format first.")
                ]
            }
        )
    check_locality_on(data.locality, local_date(activity.starts_at, activity.time_zone), field="locality")
    if data.connection_status not in ConnectionStatus.values:
        raise ValidationError({"connection_status": [_("Unknown connection status.")]})
    if data.connection_checked_at is not None and data.connection_checked_at > activity.starts_at:
        raise ValidationError(
            {"connection_checked_at": [_("The connection must be checked before the start.")]}
        )
    if data.host_organisation is not None and not access.can_read(by, data.host_organisation):
        raise ValidationError(
            {"host_organisation": [_("You may not refer to an organisation you cannot see.")]}
        )
    if data.chair is not None and not access.can_read(by, data.chair):
        raise ValidationError({"chair": [_("You may not refer to a person you cannot see.")]})
    same = activity.sites.filter(locality=data.locality, room=data.room)
    if current is not None:
        same = same.exclude(pk=current.pk)
    if same.exists():
        raise ValidationError({"locality": [_("This site is already connected.")]})
    codes = [c.strip() for c in data.interpretation.split(",") if c.strip()]
    if any(len(c) > 8 or not c.replace("-", "").isalpha() for c in codes):
        raise ValidationError(
            {"interpretation": [_("List language codes separated by commas, e.g. vi, en, fr.")]}
        )
    data.interpretation = ", ".join(codes)


@transaction.atomic
def add_site(*, by: Any, activity: Activity, data: SiteInput) -> ConnectedSite:
    require(access.can_change(by, activity))
    _check_site(by, activity, data, current=None)
    site = ConnectedSite.objects.create(activity=activity, **vars(data))
    participation.refresh(activity)
    return site


@transaction.atomic
def update_site(*, by: Any, site: ConnectedSite, data: SiteInput, version: int | None) -> ConnectedSite:
    require(access.can_change(by, site.activity))
    check_version(site, version)
    _check_site(by, site.activity, data, current=site)
    for key, value in vars(data).items():
        setattr(site, key, value)
    site.save()
    participation.refresh(site.activity)
    return site


@transaction.atomic
def delete_site(*, by: Any, site: ConnectedSite) -> None:
    activity = site.activity
    require(access.can_change(by, activity))
    site.delete()
    participation.refresh(activity)

"""Writes to delegations: their members, itinerary and the composition's approval.

Who may change a delegation: whoever may change its activity (the access policy). Who may approve
or return a submitted composition: a focal point of the sending organisation
(`permissions.can_decide_composition`). Any change to the members of a submitted or approved
composition puts it back to draft: what was approved is exactly what the hosting side sees.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liaison.activities import participation
from liaison.activities.models import (
    Activity,
    CompositionStatus,
    Delegation,
    DelegationMember,
    DelegationSide,
    ItineraryStop,
    MemberRole,
)
from liaison.activities.permissions import can_decide_composition
from liaison.activities.validation import check_locality_on, check_order, local_date, require
from liaison.core import access
from liaison.core.versioning import check_version
from liaison.directory.models import Country, Locality, Organisation, Person


@dataclass
class DelegationInput:
    organisation: Organisation
    side: str = DelegationSide.VISITING
    name: str = ""
    size: int | None = None


@dataclass
class MemberInput:
    person: Person
    role: str = MemberRole.MEMBER
    title: str = ""
    protocol_order: int | None = None


@dataclass
class StopInput:
    arrives_on: dt.date
    leaves_on: dt.date
    city: Locality | None = None
    place: str = ""
    country: Country | None = None
    programme: str = ""
    order: int | None = None


def _check_delegation(
    by: Any, activity: Activity, data: DelegationInput, *, current: Delegation | None
) -> None:
    if data.side not in DelegationSide.values:
        raise ValidationError({"side": [_("Choose the visiting delegation or the hosting side.")]})
    if not access.can_read(by, data.organisation):
        raise ValidationError({"organisation": [_("You may not refer to an organisation you cannot see.")]})
    if data.side == DelegationSide.HOSTING:
        others = activity.delegations.filter(side=DelegationSide.HOSTING)
        if current is not None:
            others = others.exclude(pk=current.pk)
        if others.exists():
            raise ValidationError({"side": [_("This activity already has its hosting side.")]})
    if data.size is not None and current is not None and data.size < current.members.count():
        raise ValidationError({"size": [_("The size cannot be smaller than the number of members named.")]})


@transaction.atomic
def add_delegation(*, by: Any, activity: Activity, data: DelegationInput) -> Delegation:
    require(access.can_change(by, activity))
    _check_delegation(by, activity, data, current=None)
    return Delegation.objects.create(
        activity=activity, organisation=data.organisation, side=data.side, name=data.name, size=data.size
    )


@transaction.atomic
def update_delegation(
    *, by: Any, delegation: Delegation, data: DelegationInput, version: int | None
) -> Delegation:
    require(access.can_change(by, delegation.activity))
    check_version(delegation, version)
    _check_delegation(by, delegation.activity, data, current=delegation)
    sending_changed = data.organisation.pk != delegation.organisation_id
    delegation.organisation = data.organisation
    delegation.side = data.side
    delegation.name = data.name
    delegation.size = data.size
    if sending_changed:
        _back_to_draft(delegation)
    delegation.save()
    return delegation


@transaction.atomic
def delete_delegation(*, by: Any, delegation: Delegation) -> None:
    activity = delegation.activity
    require(access.can_change(by, activity))
    delegation.stops.all().delete()
    delegation.members.all().delete()
    delegation.delete()
    participation.refresh(activity)


def _back_to_draft(delegation: Delegation) -> None:
    if delegation.composition_status in (CompositionStatus.SUBMITTED, CompositionStatus.APPROVED):
        delegation.composition_status = CompositionStatus.DRAFT
        delegation.decided_by = None
        delegation.decided_at = None


def _check_member(delegation: Delegation, data: MemberInput, *, current: DelegationMember | None) -> None:
    elsewhere = (
        DelegationMember.objects.filter(activity_id=delegation.activity_id, person=data.person)
        .exclude(pk=current.pk if current else None)
        .select_related("delegation")
        .first()
    )
    if elsewhere is not None:
        if elsewhere.delegation_id == delegation.pk:
            message = _("%(person)s is already in this delegation.")
        elif elsewhere.delegation.side == DelegationSide.HOSTING:
            message = _(
                "%(person)s is on the hosting side of this activity; one person cannot be on both sides."
            )
        elif delegation.side == DelegationSide.HOSTING:
            message = _(
                "%(person)s is in a visiting delegation of this activity; one person cannot be on both sides."
            )
        else:
            message = _("%(person)s is already in another delegation of this activity.")
        raise ValidationError({"person": [message % {"person": data.person}]})
    if data.role == MemberRole.HEAD:
        heads = delegation.members.filter(role=MemberRole.HEAD).exclude(pk=current.pk if current else None)
        if heads.exists():
            raise ValidationError({"role": [_("This delegation already has a head.")]})
    if data.role not in MemberRole.values:
        raise ValidationError({"role": [_("Unknown role.")]})


@transaction.atomic
def add_member(*, by: Any, delegation: Delegation, data: MemberInput) -> DelegationMember:
    require(access.can_change(by, delegation.activity))
    if not access.can_read(by, data.person):
        raise ValidationError({"person": [_("You may not refer to a person you cannot see.")]})
    _check_member(delegation, data, current=None)
    count = delegation.members.count()
    if delegation.size is not None and count >= delegation.size:
        delegation.size = count + 1
    order = data.protocol_order or count + 1
    member = DelegationMember.objects.create(
        delegation=delegation,
        activity_id=delegation.activity_id,
        person=data.person,
        role=data.role,
        title=data.title,
        protocol_order=order,
    )
    _back_to_draft(delegation)
    delegation.save()
    participation.refresh(delegation.activity)
    return member


@transaction.atomic
def update_member(*, by: Any, member: DelegationMember, data: MemberInput) -> DelegationMember:
    delegation = member.delegation
    require(access.can_change(by, delegation.activity))
    if data.person.pk != member.person_id and not access.can_read(by, data.person):
        raise ValidationError({"person": [_("You may not refer to a person you cannot see.")]})
    _check_member(delegation, data, current=member)
    member.person = data.person
    member.role = data.role
    member.title = data.title
    member.protocol_order = data.protocol_order or member.protocol_order
    member.save()
    _back_to_draft(delegation)
    delegation.save()
    participation.refresh(delegation.activity)
    return member


@transaction.atomic
def remove_member(*, by: Any, member: DelegationMember) -> None:
    delegation = member.delegation
    require(access.can_change(by, delegation.activity))
    member.delete()
    _back_to_draft(delegation)
    delegation.save()
    participation.refresh(delegation.activity)


# --- Composition approval -----------------------------------------------------------------------


@transaction.atomic
def submit_composition(*, by: Any, delegation: Delegation) -> Delegation:
    require(access.can_change(by, delegation.activity))
    if delegation.composition_status not in (CompositionStatus.DRAFT, CompositionStatus.RETURNED):
        raise ValidationError(
            {"composition_status": [_("This composition is already submitted or approved.")]}
        )
    if not delegation.members.exists():
        raise ValidationError({"composition_status": [_("Name at least one member before submitting.")]})
    delegation.composition_status = CompositionStatus.SUBMITTED
    delegation.submitted_by = by
    delegation.submitted_at = timezone.now()
    delegation.save()
    return delegation


@transaction.atomic
def decide_composition(*, by: Any, delegation: Delegation, approve: bool, note: str = "") -> Delegation:
    """A focal point of the sending organisation approves the composition, or returns it."""
    require(can_decide_composition(by, delegation))
    if delegation.composition_status != CompositionStatus.SUBMITTED:
        raise ValidationError(
            {"composition_status": [_("Only a submitted composition can be approved or returned.")]}
        )
    if not approve and not note.strip():
        raise ValidationError({"decision_note": [_("Say what must change.")]})
    delegation.composition_status = CompositionStatus.APPROVED if approve else CompositionStatus.RETURNED
    delegation.decided_by = by
    delegation.decided_at = timezone.now()
    delegation.decision_note = note
    delegation.save()
    return delegation


# --- Itinerary ---------------------------------------------------------------------------------


def _check_stop(delegation: Delegation, data: StopInput) -> None:
    if data.city is None and not data.place.strip():
        raise ValidationError({"city": [_("Choose a city or name the place.")]})
    check_order(data.arrives_on, data.leaves_on, end_field="leaves_on")
    activity = delegation.activity
    first = local_date(activity.starts_at, activity.time_zone)
    last = local_date(activity.ends_at, activity.time_zone)
    if data.arrives_on < first or data.arrives_on > last:
        raise ValidationError({"arrives_on": [_("The stop must fall within the activity's dates.")]})
    if data.leaves_on > last:
        raise ValidationError({"leaves_on": [_("The stop must fall within the activity's dates.")]})
    check_locality_on(data.city, data.arrives_on, field="city")


@transaction.atomic
def add_stop(*, by: Any, delegation: Delegation, data: StopInput) -> ItineraryStop:
    require(access.can_change(by, delegation.activity))
    _check_stop(delegation, data)
    country = data.country or (data.city.country if data.city else None)
    return ItineraryStop.objects.create(
        delegation=delegation,
        activity_id=delegation.activity_id,
        order=data.order or delegation.stops.count() + 1,
        city=data.city,
        place=data.place.strip(),
        country=country,
        arrives_on=data.arrives_on,
        leaves_on=data.leaves_on,
        programme=data.programme,
    )


@transaction.atomic
def remove_stop(*, by: Any, stop: ItineraryStop) -> None:
    require(access.can_change(by, stop.delegation.activity))
    stop.delete()

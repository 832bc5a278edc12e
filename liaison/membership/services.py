"""Writes to branches, members, their names, postings and events: one transaction each,
validated with field-level errors, permission-checked through the access policy, versioned and
audited. Transfers are written by `transfers`, dossiers by `dossiers`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from liaison.activities.validation import require
from liaison.core import access, name_index
from liaison.core.models import Classification
from liaison.core.names import fold
from liaison.core.versioning import check_version
from liaison.directory.models import Country, Organisation, OrganisationKind
from liaison.membership import placements, statuses
from liaison.membership.models import (
    Branch,
    BranchLevel,
    Dossier,
    EventKind,
    Member,
    MemberEvent,
    MemberName,
    MemberStatus,
    Placement,
    PlacementKind,
    Posting,
    StatusCause,
    StatusRule,
    Transfer,
    TransferState,
)

NAME_KIND = "member"
EARLIEST = dt.date(1900, 1, 1)
# Events an officer records by hand; the others come from joining and transfers.
MANUAL_EVENTS = (EventKind.SUSPENDED, EventKind.REINSTATED, EventKind.LEFT, EventKind.DIED)
GONE = (MemberStatus.LEFT, MemberStatus.DECEASED)


def today() -> dt.date:
    return timezone.localdate()


def check_day(
    value: dt.date | None, field: str, *, not_before: dt.date | None = None, label: str = ""
) -> None:
    """A recorded date: not in the future, not before `not_before`."""
    if value is None:
        raise ValidationError({field: [_("Give a date.")]})
    if value > today():
        raise ValidationError({field: [_("This date is in the future; record it when it has happened.")]})
    if value < EARLIEST:
        raise ValidationError({field: [_("This date is too far in the past.")]})
    if not_before is not None and value < not_before:
        raise ValidationError(
            {
                field: [
                    _("This date is before %(what)s (%(day)s).")
                    % {"what": label, "day": not_before.isoformat()}
                ]
            }
        )


# --- Branches ------------------------------------------------------------------------------


def is_abroad(organisation: Organisation) -> bool:
    country = organisation.country
    code = country.code if country is not None else ""
    return bool(code) and code.upper() != settings.LIAISON_HOME_COUNTRY


@dataclass
class BranchInput:
    level: str
    mission: Organisation | None = None
    minimum_size: int = 3


def _validate_branch(user: Any, organisation: Organisation, data: BranchInput) -> None:
    errors: dict[str, list[str]] = {}
    if data.level not in BranchLevel.values:
        errors["level"] = [_("Choose committee, branch or cell.")]
    if data.mission is not None:
        if data.mission.kind != OrganisationKind.MISSION:
            errors["mission"] = [_("Choose a representative mission abroad.")]
        elif not access.can_read(user, data.mission):
            errors["mission"] = [_("No such organisation.")]
        elif not is_abroad(organisation):
            errors["mission"] = [
                _("Only a branch abroad sits in a mission; give the organisation its country first.")
            ]
    if not 0 <= int(data.minimum_size) <= 1000:
        errors["minimum_size"] = [_("Give a number from 0 to 1000.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_branch(*, by: Any, organisation: Organisation, data: BranchInput) -> Branch:
    """Make an organisation keep members (its officers are the users with a role in it)."""
    require(access.can_change(by, organisation))
    if Branch.objects.filter(pk=organisation.pk).exists():
        raise ValidationError({"organisation": [_("This organisation already keeps members.")]})
    _validate_branch(by, organisation, data)
    branch = Branch(
        organisation=organisation,
        level=data.level,
        mission=data.mission,
        minimum_size=data.minimum_size,
        abroad=is_abroad(organisation),
    )
    branch.save()
    return branch


@transaction.atomic
def update_branch(*, by: Any, branch: Branch, version: int | None, changes: dict[str, Any]) -> Branch:
    require(access.can_change(by, branch.organisation))
    check_version(branch, version)
    data = BranchInput(level=branch.level, mission=branch.mission, minimum_size=branch.minimum_size)
    for name in ("level", "mission", "minimum_size"):
        if name in changes:
            setattr(data, name, changes[name])
    _validate_branch(by, branch.organisation, data)
    if "secretary" in changes:
        secretary = changes["secretary"]
        placed = Member.objects.filter(placements.placed_in_q(branch))
        if secretary is not None and (
            not access.can_read(by, secretary) or not placed.filter(pk=secretary.pk).exists()
        ):
            raise ValidationError({"secretary": [_("The secretary must be a member placed in this branch.")]})
        branch.secretary = secretary
    branch.level, branch.mission, branch.minimum_size = data.level, data.mission, data.minimum_size
    branch.abroad = is_abroad(branch.organisation)
    branch.save()
    return branch


# --- Members -------------------------------------------------------------------------------


@dataclass
class NameInput:
    value: str
    language: str = "vi"


@dataclass
class MemberInput:
    branch: Branch
    names: Sequence[NameInput]
    joined_on: dt.date
    register_number: str = ""
    gender: str = ""
    birth_date: dt.date | None = None
    languages: str = ""
    notes: str = ""
    classification: int = Classification.RESTRICTED
    is_demo: bool = False


MEMBER_EDITABLE = ("register_number", "gender", "birth_date", "languages", "notes", "classification")


def _check_names(names: Sequence[NameInput]) -> list[NameInput]:
    kept = [
        NameInput(n.value.strip(), (n.language or "vi").strip().lower()[:8]) for n in names if n.value.strip()
    ]
    if not kept:
        raise ValidationError({"names": [_("Give at least one name.")]})
    for name in kept:
        if len(name.value) > 300:
            raise ValidationError({"names": [_("A name is at most 300 characters.")]})
    return kept


def _check_identity(values: dict[str, Any], *, pk: int | None = None) -> None:
    errors: dict[str, list[str]] = {}
    number = (values.get("register_number") or "").strip()
    if number and Member.objects.filter(register_number=number).exclude(pk=pk).exists():
        errors["register_number"] = [_("Another member has this register number.")]
    if values.get("gender", "") not in ("", "f", "m", "x"):
        errors["gender"] = [_("Give f, m or x.")]
    birth = values.get("birth_date")
    if birth is not None and (birth > today() or birth < EARLIEST):
        errors["birth_date"] = [_("Give a date of birth in the past.")]
    if values.get("classification") not in Classification.values:
        errors["classification"] = [_("Choose a classification.")]
    if errors:
        raise ValidationError(errors)


def shown_name(names: Sequence[NameInput]) -> str:
    return next((n.value for n in names if n.language == "vi"), names[0].value)[:300]


def set_names(member: Member, names: Sequence[NameInput]) -> None:
    member.name = shown_name(names)
    member.sort_name = fold(member.name)[:300] or member.name


def index_names(member: Member) -> None:
    name_index.index_entity(
        kind=NAME_KIND, entity_id=member.pk, names=member.names.values_list("value", flat=True)
    )


@transaction.atomic
def create_member(*, by: Any, data: MemberInput) -> Member:
    """A new member of a branch: joined on a day, placed there from that day, with a dossier to digitise."""
    require(access.can_create(by, owner=data.branch.organisation, classification=data.classification))
    names = _check_names(data.names)
    check_day(data.joined_on, "joined_on")
    values = {name: getattr(data, name) for name in MEMBER_EDITABLE}
    values["register_number"] = (values["register_number"] or "").strip()
    _check_identity(values)
    member = Member(owner=data.branch.organisation, joined_on=data.joined_on, is_demo=data.is_demo, **values)
    set_names(member, names)
    member.save()
    for name in names:
        MemberName(member=member, value=name.value, language=name.language).save()
    Placement(member=member, kind=PlacementKind.REGULAR, branch=data.branch, start=data.joined_on).save()
    MemberEvent(member=member, kind=EventKind.JOINED, on=data.joined_on).save()
    Dossier(member=member).save()
    placements.sync(member)
    index_names(member)
    statuses.refresh([member.pk], cause=StatusCause.EVENT)
    member.refresh_from_db()
    return member


@transaction.atomic
def update_member(*, by: Any, member: Member, version: int | None, changes: dict[str, Any]) -> Member:
    """Identity fields and the joining date (which moves the first placement and the joining event)."""
    require(access.can_change(by, member))
    check_version(member, version)
    values = {name: changes.get(name, getattr(member, name)) for name in MEMBER_EDITABLE}
    values["register_number"] = (values["register_number"] or "").strip()
    _check_identity(values, pk=member.pk)
    if values["classification"] != member.classification:
        require(access.can_create(by, owner=member.owner, classification=values["classification"]))
    names = _check_names(changes["names"]) if "names" in changes else []
    if "joined_on" in changes and changes["joined_on"] != member.joined_on:
        _move_joining(member, changes["joined_on"])
    for name, value in values.items():
        setattr(member, name, value)
    if "names" in changes:
        kept = {(n.value, n.language) for n in names}
        for old in list(member.names.all()):
            if (old.value, old.language) not in kept:
                old.delete()
        existing = set(member.names.values_list("value", "language"))
        for new in names:
            if (new.value, new.language) not in existing:
                MemberName(member=member, value=new.value, language=new.language).save()
        set_names(member, names)
    member.save()
    if "names" in changes:
        index_names(member)
    if "joined_on" in changes:
        statuses.refresh([member.pk], cause=StatusCause.EVENT)
        member.refresh_from_db()
    return member


def _move_joining(member: Member, joined_on: dt.date) -> None:
    check_day(joined_on, "joined_on")
    later = member.events.exclude(kind=EventKind.JOINED).order_by("on").first()
    if later is not None and joined_on > later.on:
        raise ValidationError(
            {
                "joined_on": [
                    _(
                        "The joining date cannot be after the member's first change of status "
                        "(%(event)s on %(day)s)."
                    )
                    % {"event": later.get_kind_display(), "day": later.on.isoformat()}
                ]
            }
        )
    first = member.placements.filter(kind=PlacementKind.REGULAR).order_by("start", "id").first()
    if first is not None and first.end is not None and joined_on >= first.end:
        raise ValidationError(
            {"joined_on": [_("The joining date cannot be after the member's first transfer.")]}
        )
    member.joined_on = joined_on
    if first is not None:
        first.start = joined_on
        first.save()
    for event in member.events.filter(kind=EventKind.JOINED):
        event.on = joined_on
        event.save()


# --- Postings ------------------------------------------------------------------------------


@dataclass
class PostingInput:
    country: Country
    start: dt.date
    end: dt.date | None = None
    mission: Organisation | None = None
    letter_number: str = ""


def _validate_posting(user: Any, member: Member, data: PostingInput, *, pk: int | None = None) -> None:
    errors: dict[str, list[str]] = {}
    if data.country is None:
        errors["country"] = [_("Choose the country.")]
    elif data.country.code.upper() == settings.LIAISON_HOME_COUNTRY:
        errors["country"] = [_("A posting is abroad: choose another country than the home country.")]
    if data.mission is not None:
        if data.mission.kind != OrganisationKind.MISSION or not access.can_read(user, data.mission):
            errors["mission"] = [_("Choose a representative mission abroad.")]
        elif (
            data.country is not None
            and data.mission.country_id
            and data.mission.country_id != data.country.pk
        ):
            errors["mission"] = [_("This mission is in another country.")]
    if data.start is None:
        errors["start"] = [_("Give the date the posting starts.")]
    elif data.start < member.joined_on:
        errors["start"] = [_("A posting cannot start before the member joined.")]
    if data.start and data.end and data.end < data.start:
        errors["end"] = [_("The end date must not be before the start date.")]
    if errors:
        raise ValidationError(errors)
    far = dt.date.max
    others = member.postings.exclude(pk=pk) if pk is not None else member.postings.all()
    for other in others:
        if data.start <= (other.end or far) and other.start <= (data.end or far):
            raise ValidationError(
                {
                    "start": [
                        _("This posting overlaps the posting to %(country)s from %(start)s.")
                        % {
                            "country": other.country.name_in(get_language() or "en"),
                            "start": other.start.isoformat(),
                        }
                    ]
                }
            )


def _latest_posting(member: Member) -> None:
    member.posting = member.postings.order_by("-start", "-id").first()
    member.save()
    placements.mark_postings([member.pk])


@transaction.atomic
def add_posting(*, by: Any, member: Member, data: PostingInput) -> Posting:
    require(access.can_change(by, member))
    _validate_posting(by, member, data)
    posting = Posting(member=member, **data.__dict__)
    posting.save()
    _latest_posting(member)
    return posting


@transaction.atomic
def update_posting(*, by: Any, posting: Posting, version: int | None, data: PostingInput) -> Posting:
    member = posting.member
    require(access.can_change(by, member))
    check_version(posting, version)
    _validate_posting(by, member, data, pk=posting.pk)
    for name, value in data.__dict__.items():
        setattr(posting, name, value)
    posting.save()
    _latest_posting(member)
    return posting


@transaction.atomic
def delete_posting(*, by: Any, posting: Posting) -> None:
    member = posting.member
    require(access.can_change(by, member))
    posting.delete()
    _latest_posting(member)


# --- Events --------------------------------------------------------------------------------


@transaction.atomic
def record_event(*, by: Any, member: Member, kind: str, on: dt.date, note: str = "") -> MemberEvent:
    """Suspension, reinstatement, leaving or death; the status follows by the rules."""
    require(access.can_change(by, member))
    if kind not in MANUAL_EVENTS:
        raise ValidationError({"kind": [_("Choose suspended, reinstated, left or died.")]})
    latest = member.events.order_by("-on", "-id").first()
    check_day(
        on, "on", not_before=latest.on if latest else member.joined_on, label=_("the member's latest event")
    )
    if member.status in GONE:
        raise ValidationError({"kind": [_("This member has left or died; nothing more can be recorded.")]})
    if kind == EventKind.REINSTATED and member.status != MemberStatus.SUSPENDED:
        raise ValidationError({"kind": [_("Only a suspended member can be reinstated.")]})
    if kind == EventKind.SUSPENDED and member.status == MemberStatus.SUSPENDED:
        raise ValidationError({"kind": [_("This member is already suspended.")]})
    if kind in (EventKind.LEFT, EventKind.DIED):
        if Transfer.objects.filter(member=member, state=TransferState.RELEASED).exists():
            raise ValidationError({"kind": [_("Cancel or complete the pending transfer first.")]})
        for placement in member.placements.filter(end__isnull=True):
            placement.end = on
            placement.save()
    event = MemberEvent(member=member, kind=kind, on=on, note=note[:500])
    event.save()
    placements.sync(member)
    statuses.refresh([member.pk], cause=StatusCause.EVENT)
    return event


# --- Status rules --------------------------------------------------------------------------


def require_rule_admin(user: Any) -> None:
    """Status rules apply to every register: only administrators (superusers) change them."""
    require(bool(getattr(user, "is_superuser", False)))


@transaction.atomic
def save_rule(
    *,
    by: Any,
    rule: StatusRule | None,
    event_kind: str,
    after_days: int,
    status: str,
    is_active: bool,
    description: str = "",
) -> StatusRule:
    require_rule_admin(by)
    errors: dict[str, list[str]] = {}
    if event_kind not in {k.value for k in EventKind}:
        errors["event_kind"] = [_("Choose an event.")]
    if status not in MemberStatus.values:
        errors["status"] = [_("Choose a status.")]
    if not 0 <= int(after_days) <= 36_500:
        errors["after_days"] = [_("Give a number of days from 0 to 36500.")]
    clash = StatusRule.objects.filter(event_kind=event_kind, after_days=after_days)
    if rule is not None:
        clash = clash.exclude(pk=rule.pk)
    if clash.exists():
        errors["after_days"] = [_("A rule for this event after this many days exists already.")]
    if errors:
        raise ValidationError(errors)
    rule = rule or StatusRule()
    rule.event_kind, rule.after_days, rule.status = event_kind, int(after_days), status
    rule.is_active, rule.description = is_active, description[:300]
    rule.save()
    _reapply_rules()
    return rule


@transaction.atomic
def delete_rule(*, by: Any, rule: StatusRule) -> None:
    require_rule_admin(by)
    rule.delete()
    _reapply_rules()


def _reapply_rules() -> None:
    """Every member's status again under the changed rules, in the background after the commit."""
    from liaison.membership.tasks import reapply_status_rules

    transaction.on_commit(lambda: reapply_status_rules.enqueue())

"""Every write to an activity itself, and its status workflow: one transaction each, validated,
permission-checked, versioned and audited. Parts of an activity have their own service modules
(`delegations`, `programme`, `records`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from liaison.activities import participation
from liaison.activities.models import (
    HIGH_LEVEL_RANKS,
    TRANSITIONS,
    Activity,
    ActivityFormat,
    ActivityStatus,
    StatusChange,
    pillars_value,
)
from liaison.activities.signals import activity_changed
from liaison.activities.validation import check_locality_on, local_date, require, zone
from liaison.core import access, audit, search
from liaison.core.access import Action
from liaison.core.models import Classification
from liaison.core.versioning import check_version
from liaison.directory.models import Country, Locality, Organisation, Person

ACTIVITY = "activity"


@dataclass
class ActivityInput:
    """Everything a form or the API may set on an activity."""

    kind: str
    lead_organisation: Organisation
    starts_at: dt.datetime
    ends_at: dt.datetime
    owner: Organisation | None = None  # defaults to the lead organisation
    pillars: Sequence[str] = ()  # defaults to the lead organisation's pillar
    title_en: str = ""
    title_vi: str = ""
    title_ar: str = ""
    summary_en: str = ""
    summary_vi: str = ""
    summary_ar: str = ""
    time_zone: str = "Asia/Ho_Chi_Minh"
    city: Locality | None = None
    country: Country | None = None
    venue: str = ""
    format: str = ActivityFormat.IN_PERSON
    leader: Person | None = None
    leader_rank: str = ""
    embargo_until: dt.datetime | None = None
    classification: int = Classification.INTERNAL
    co_organisers: Sequence[Organisation] = ()
    counterpart_organisations: Sequence[Organisation] = ()
    counterpart_countries: Sequence[Country] = ()
    shared_with: Sequence[Organisation] = ()
    external_key: str = ""
    is_demo: bool = False


# Fields copied straight onto the model (the rest are relations set after saving).
_SCALARS = (
    "kind",
    "lead_organisation",
    "starts_at",
    "ends_at",
    "title_en",
    "title_vi",
    "title_ar",
    "summary_en",
    "summary_vi",
    "summary_ar",
    "time_zone",
    "city",
    "country",
    "venue",
    "format",
    "leader",
    "leader_rank",
    "embargo_until",
    "classification",
    "external_key",
    "is_demo",
)
_RELATIONS = ("co_organisers", "counterpart_organisations", "counterpart_countries", "shared_with")
EDITABLE = frozenset({f.name for f in fields(ActivityInput)})


def _validate(user: Any, data: ActivityInput) -> None:
    errors: dict[str, list[str]] = {}
    if not (data.title_en.strip() or data.title_vi.strip() or data.title_ar.strip()):
        errors["title_en"] = [_("Give a title in at least one language.")]
    if not data.pillars:
        errors["pillars"] = [_("Choose at least one pillar.")]
    if data.ends_at < data.starts_at:
        errors["ends_at"] = [_("The end must not be before the start.")]
    if data.embargo_until is not None and data.embargo_until > data.ends_at:
        errors["embargo_until"] = [_("The embargo must lift before the activity ends.")]
    if data.city is not None and data.country is not None and data.city.country_id != data.country.pk:
        errors["city"] = [_("This place is not in the country chosen.")]
    if data.leader_rank and data.leader is None and data.leader_rank in HIGH_LEVEL_RANKS:
        errors["leader"] = [_("Name the leader of a high-level activity.")]
    if errors:
        raise ValidationError(errors)
    zone(data.time_zone)
    check_locality_on(data.city, local_date(data.starts_at, data.time_zone), field="city")
    readable = [
        data.lead_organisation,
        *data.co_organisers,
        *data.counterpart_organisations,
        *data.shared_with,
    ]
    for org in readable:
        if not access.can_read(user, org):
            raise ValidationError(
                {"lead_organisation": [_("You may not refer to an organisation you cannot see.")]}
            )
    if data.leader is not None and not access.can_read(user, data.leader):
        raise ValidationError({"leader": [_("You may not refer to a person you cannot see.")]})


def _normalise(data: ActivityInput) -> ActivityInput:
    if not data.pillars:
        data.pillars = [data.lead_organisation.pillar]
    if data.city is not None and data.country is None:
        data.country = data.city.country
    if data.owner is None:
        data.owner = data.lead_organisation
    return data


def _refresh_derived(activity: Activity) -> None:
    search.index_record(
        kind=ACTIVITY,
        entity_id=activity.pk,
        parts=[
            activity.title_en,
            activity.title_vi,
            activity.title_ar,
            activity.summary_en,
            activity.summary_vi,
            activity.summary_ar,
            activity.venue,
        ],
    )
    participation.refresh(activity)


@transaction.atomic
def create_activity(*, by: Any, data: ActivityInput) -> Activity:
    data = _normalise(data)
    _validate(by, data)
    assert data.owner is not None
    require(access.can_create(by, owner=data.owner, classification=data.classification))
    activity = Activity(
        owner=data.owner,
        pillars=pillars_value(data.pillars),
        high_level=data.leader_rank in HIGH_LEVEL_RANKS,
        **{name: getattr(data, name) for name in _SCALARS},
    )
    activity.save()
    StatusChange.objects.create(activity=activity, from_status="", to_status=activity.status, by=_user(by))
    _set_relations(activity, data, creating=True)
    _refresh_derived(activity)
    activity_changed.send(sender=Activity, activity=activity, kind="created", fields=[])
    return activity


def _user(by: Any) -> Any:
    return by if getattr(by, "is_authenticated", False) else None


def _set_relations(activity: Activity, data: ActivityInput, *, creating: bool) -> list[str]:
    """Set the many-to-many relations; the names of those that changed."""
    changed = []
    for name in _RELATIONS:
        wanted = list(getattr(data, name))
        manager = getattr(activity, name)
        before = [] if creating else sorted(manager.values_list("pk", flat=True))
        after = sorted(obj.pk for obj in wanted)
        if before != after:
            manager.set(wanted)
            audit.record_note(activity, {name: [before, after]})
            changed.append(name)
    return changed


def input_from(activity: Activity) -> ActivityInput:
    """The current values of an activity as an input, to apply a partial change to."""
    values: dict[str, Any] = {name: getattr(activity, name) for name in _SCALARS}
    values.update({name: list(getattr(activity, name).all()) for name in _RELATIONS})
    return ActivityInput(owner=activity.owner, pillars=activity.pillar_list, **values)


@transaction.atomic
def update_activity(*, by: Any, activity: Activity, version: int | None, changes: dict[str, Any]) -> Activity:
    """Change an activity's fields; refused when the record moved on since `version`."""
    require(access.can_change(by, activity))
    check_version(activity, version)
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValidationError({k: [_("This field cannot be changed here.")] for k in sorted(unknown)})
    data = input_from(activity)
    for key, value in changes.items():
        setattr(data, key, value)
    data = _normalise(data)
    _validate(by, data)
    assert data.owner is not None
    if data.owner != activity.owner or data.classification != activity.classification:
        require(access.can_create(by, owner=data.owner, classification=data.classification))
    before = {name: getattr(activity, name) for name in (*_SCALARS, "owner", "pillars")}
    for name in _SCALARS:
        setattr(activity, name, getattr(data, name))
    activity.owner = data.owner
    activity.pillars = pillars_value(data.pillars)
    activity.high_level = data.leader_rank in HIGH_LEVEL_RANKS
    changed = [name for name, value in before.items() if getattr(activity, name) != value]
    activity.save()
    changed += _set_relations(activity, data, creating=False)
    _refresh_derived(activity)
    if changed:
        activity_changed.send(sender=Activity, activity=activity, kind="updated", fields=changed)
    return activity


@transaction.atomic
def delete_activity(*, by: Any, activity: Activity) -> None:
    require(access.can_delete(by, activity))
    search.remove_record(kind=ACTIVITY, entity_id=activity.pk)
    # The files go only once the rows are gone for good (a rollback keeps both).
    stored = [attachment.file for attachment in activity.attachments.all()]
    transaction.on_commit(lambda: [f.delete(save=False) for f in stored])
    for related in ("delegations", "sessions", "sites", "outcomes", "attachments", "sources"):
        getattr(activity, related).all().delete()
    activity_changed.send(sender=Activity, activity=activity, kind="deleted", fields=[])
    activity.delete()


# --- Workflow ---------------------------------------------------------------------------------


def transition_action(to_status: str) -> Action:
    """The access policy's action a move needs: approving or cancelling is a decision."""
    if to_status in (ActivityStatus.APPROVED, ActivityStatus.CANCELLED):
        return Action.APPROVE
    return Action.CHANGE


def allowed_transitions(user: Any, activity: Activity) -> list[str]:
    return [to for to in TRANSITIONS[activity.status] if access.can(user, transition_action(to), activity)]


@transaction.atomic
def transition(
    *, by: Any, activity: Activity, to_status: str, note: str = "", version: int | None = None
) -> Activity:
    """Move an activity to another status; the move, its author and time are kept."""
    if to_status not in ActivityStatus.values:
        raise ValidationError({"status": [_("Unknown status.")]})
    check_version(activity, version)
    if to_status not in TRANSITIONS[activity.status]:
        raise ValidationError(
            {
                "status": [
                    _("An activity cannot go from “%(from)s” to “%(to)s”.")
                    % {"from": activity.get_status_display(), "to": ActivityStatus(to_status).label}
                ]
            }
        )
    require(access.can(by, transition_action(to_status), activity))
    before = activity.status
    activity.status = to_status
    activity.save()
    StatusChange.objects.create(
        activity=activity, from_status=before, to_status=to_status, by=_user(by), note=note
    )
    participation.refresh(activity)
    activity_changed.send(sender=Activity, activity=activity, kind="status", fields=["status"])
    return activity

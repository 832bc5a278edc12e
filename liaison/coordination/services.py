"""Writes to agreements, their contact points and sharing rules, and the working calendars: one
transaction each, validated with field-level errors, permission-checked, versioned and audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from liaison.activities.models import HIGH_LEVEL_RANKS, ActivityKind, LeaderRank
from liaison.activities.validation import require
from liaison.coordination.models import (
    Agreement,
    AgreementKind,
    ContactPoint,
    DayBasis,
    Holiday,
    SharedField,
    SharingRule,
    Trigger,
    WebhookEndpoint,
    WorkingCalendar,
    delimited,
)
from liaison.core import access
from liaison.core.models import Classification, Pillar
from liaison.core.versioning import check_version
from liaison.directory.models import Country, MandateField, Organisation

MAX_LEAD_DAYS = 366
MAX_HOURS = 24 * 90


@dataclass
class AgreementInput:
    kind: str
    owner: Organisation
    parties: Sequence[Organisation]
    starts_on: dt.date
    ends_on: dt.date | None = None
    title_en: str = ""
    title_vi: str = ""
    title_ar: str = ""
    code: str = ""
    fields: Sequence[str] = ()
    signed_on: dt.date | None = None
    acknowledge_within_hours: int = 48
    coordinators: Sequence[Any] = ()
    notes: str = ""
    classification: int = Classification.INTERNAL
    is_demo: bool = False


_AGREEMENT_SCALARS = (
    "kind",
    "starts_on",
    "ends_on",
    "title_en",
    "title_vi",
    "title_ar",
    "code",
    "signed_on",
    "acknowledge_within_hours",
    "notes",
    "classification",
    "is_demo",
)
AGREEMENT_EDITABLE = frozenset(f.name for f in fields(AgreementInput))


def _validate_agreement(user: Any, data: AgreementInput, *, keep: frozenset[int] = frozenset()) -> None:
    """Field-level checks; `keep`: parties already on the agreement, kept even when the editor
    cannot read them (an editor's form never shows them, so it must not drop them either)."""
    errors: dict[str, list[str]] = {}
    if data.kind not in AgreementKind.values:
        errors["kind"] = [_("Unknown kind of agreement.")]
    if not (data.title_en.strip() or data.title_vi.strip() or data.title_ar.strip()):
        errors["title_en"] = [_("Give a title in at least one language.")]
    if len({org.pk for org in data.parties}) < 2:
        errors["parties"] = [_("An agreement is between two or more organisations.")]
    if data.ends_on is not None and data.ends_on < data.starts_on:
        errors["ends_on"] = [_("The agreement cannot end before it starts.")]
    unknown = set(data.fields) - set(MandateField.values)
    if unknown:
        errors["fields"] = [
            _("Unknown field of coordination: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        ]
    if not 1 <= data.acknowledge_within_hours <= MAX_HOURS:
        errors["acknowledge_within_hours"] = [
            _("Give between 1 and %(max)d hours.") % {"max": MAX_HOURS},
        ]
    if data.classification not in Classification.values:
        errors["classification"] = [_("Unknown classification.")]
    if data.parties and not _within(data.owner, list(data.parties)):
        errors["owner"] = [_("The agreement is kept by one of its parties (or a unit of one).")]
    if errors:
        raise ValidationError(errors)
    for org in data.parties:
        if org.pk in keep and not access.can_read(user, org):
            continue
        if not access.can_read(user, org):
            raise ValidationError({"parties": [_("You may not refer to an organisation you cannot see.")]})


def _save_agreement(agreement: Agreement, data: AgreementInput) -> None:
    for name in _AGREEMENT_SCALARS:
        setattr(agreement, name, getattr(data, name))
    agreement.owner = data.owner
    agreement.fields = delimited(data.fields, MandateField.values)
    agreement.save()
    parties = sorted({org.pk for org in data.parties})
    if sorted(agreement.parties.values_list("pk", flat=True)) != parties:
        agreement.parties.set(parties)
    # The parties read their agreement whatever its classification.
    agreement.shared_with.set(parties)
    coordinators = sorted({user.pk for user in data.coordinators})
    if sorted(agreement.coordinators.values_list("pk", flat=True)) != coordinators:
        agreement.coordinators.set(coordinators)


@transaction.atomic
def create_agreement(*, by: Any, data: AgreementInput) -> Agreement:
    _validate_agreement(by, data)
    require(access.can_create(by, owner=data.owner, classification=data.classification))
    agreement = Agreement()
    _save_agreement(agreement, data)
    return agreement


def agreement_input(agreement: Agreement) -> AgreementInput:
    values = {name: getattr(agreement, name) for name in _AGREEMENT_SCALARS}
    return AgreementInput(
        owner=agreement.owner,
        parties=list(agreement.parties.all()),
        fields=agreement.field_list,
        coordinators=list(agreement.coordinators.all()),
        **values,
    )


@transaction.atomic
def update_agreement(
    *, by: Any, agreement: Agreement, version: int | None, changes: dict[str, Any]
) -> Agreement:
    require(access.can_change(by, agreement))
    check_version(agreement, version)
    unknown = set(changes) - AGREEMENT_EDITABLE
    if unknown:
        raise ValidationError({k: [_("This field cannot be changed here.")] for k in sorted(unknown)})
    data = agreement_input(agreement)
    for key, value in changes.items():
        setattr(data, key, value)
    hidden = [p for p in agreement.parties.all() if not access.can_read(by, p)]
    if hidden:
        data.parties = [*data.parties, *(p for p in hidden if p.pk not in {q.pk for q in data.parties})]
    _validate_agreement(by, data, keep=frozenset(p.pk for p in hidden))
    if data.owner != agreement.owner or data.classification != agreement.classification:
        require(access.can_create(by, owner=data.owner, classification=data.classification))
    _save_agreement(agreement, data)
    return agreement


@transaction.atomic
def delete_agreement(*, by: Any, agreement: Agreement) -> None:
    require(access.can_delete(by, agreement))
    if agreement.notices.exists():
        raise ValidationError(
            {"__all__": [_("Notices were sent under this agreement: end it (set its end date) instead.")]}
        )
    stored = agreement.signed_text
    if stored:
        transaction.on_commit(lambda: stored.delete(save=False))
    agreement.contact_points.all().delete()
    agreement.rules.all().delete()
    agreement.delete()


# --- Contact points ---------------------------------------------------------------------------


@dataclass
class ContactInput:
    organisation: Organisation
    name: str
    unit: str = ""
    email: str = ""
    phone: str = ""


@transaction.atomic
def add_contact_point(*, by: Any, agreement: Agreement, data: ContactInput) -> ContactPoint:
    require(access.can_change(by, agreement))
    if not data.name.strip():
        raise ValidationError({"name": [_("Give the contact's name.")]})
    if data.organisation.pk not in set(agreement.parties.values_list("pk", flat=True)):
        raise ValidationError(
            {"organisation": [_("A contact point belongs to one of the agreement's parties.")]}
        )
    contact = ContactPoint(
        agreement=agreement, **{f.name: getattr(data, f.name) for f in fields(ContactInput)}
    )
    contact.full_clean(exclude=["agreement", "organisation"])
    contact.save()
    return contact


@transaction.atomic
def delete_contact_point(*, by: Any, contact: ContactPoint) -> None:
    require(access.can_change(by, contact.agreement))
    contact.delete()


# --- Sharing rules ----------------------------------------------------------------------------


@dataclass
class RuleInput:
    recipient: Organisation
    source: Organisation | None = None
    name: str = ""
    kinds: Sequence[str] = ()
    high_level_only: bool = False
    leader_ranks: Sequence[str] = ()
    pillars: Sequence[str] = ()
    countries: Sequence[Country] = ()
    classifications: Sequence[int] = ()
    triggers: Sequence[str] = field(default_factory=lambda: list(Trigger.values))
    lead_days: int = 0
    day_basis: str = DayBasis.CALENDAR
    calendar_country: Country | None = None
    change_hours: int = 24
    shared_fields: Sequence[str] = ()
    active: bool = True


RULE_EDITABLE = frozenset(f.name for f in fields(RuleInput))

_CHOICES = {
    "kinds": ActivityKind.values,
    "leader_ranks": LeaderRank.values,
    "pillars": Pillar.values,
    "triggers": Trigger.values,
    "shared_fields": SharedField.values,
}


def _within(org: Organisation, parties: list[Organisation]) -> bool:
    return any(org.path.startswith(party.path) for party in parties)


def _validate_rule(user: Any, agreement: Agreement, data: RuleInput) -> None:
    errors: dict[str, list[str]] = {}
    for name, allowed in _CHOICES.items():
        unknown = {str(v) for v in getattr(data, name)} - set(allowed)
        if unknown:
            errors[name] = [_("Unknown choice: %(values)s.") % {"values": ", ".join(sorted(unknown))}]
    if {int(c) for c in data.classifications} - set(Classification.values):
        errors["classifications"] = [_("Unknown classification.")]
    if data.day_basis not in DayBasis.values:
        errors["day_basis"] = [_("Count in calendar days or in working days.")]
    if data.lead_days < 0:
        errors["lead_days"] = [_("The lead time cannot be negative.")]
    elif data.lead_days > MAX_LEAD_DAYS:
        errors["lead_days"] = [_("At most %(max)d days.") % {"max": MAX_LEAD_DAYS}]
    if data.change_hours < 0:
        errors["change_hours"] = [_("The time allowed for a change cannot be negative.")]
    elif data.change_hours > MAX_HOURS:
        errors["change_hours"] = [_("At most %(max)d hours.") % {"max": MAX_HOURS}]
    if Trigger.CREATED not in data.triggers:
        errors["triggers"] = [
            _(
                "Without “is recorded” the recipient is never told of an activity, "
                "so it could not be told of its changes either."
            )
        ]
    if data.source is not None and data.recipient.path.startswith(data.source.path):
        errors["recipient"] = [_("A rule cannot tell its own source: choose another recipient.")]
    if data.high_level_only and data.leader_ranks and not set(data.leader_ranks) & HIGH_LEVEL_RANKS:
        errors["leader_ranks"] = [
            _(
                "None of these ranks makes an activity high-level: "
                "with “high-level only” the rule could never match."
            )
        ]
    parties = list(agreement.parties.all())
    if not _within(data.recipient, parties):
        errors.setdefault("recipient", []).append(
            _("The recipient must be one of the agreement's parties, or part of one.")
        )
    if data.source is not None and not _within(data.source, parties):
        errors["source"] = [_("The source must be one of the agreement's parties, or part of one.")]
    if errors:
        raise ValidationError(errors)
    for name, org in (("recipient", data.recipient), ("source", data.source)):
        if org is not None and not access.can_read(user, org):
            raise ValidationError({name: [_("You may not refer to an organisation you cannot see.")]})


def _save_rule(rule: SharingRule, data: RuleInput) -> None:
    rule.recipient = data.recipient
    rule.source = data.source
    rule.name = data.name.strip()
    for name, allowed in _CHOICES.items():
        setattr(rule, name, delimited(getattr(data, name), allowed))
    rule.classifications = delimited(
        (str(int(c)) for c in data.classifications), map(str, Classification.values)
    )
    for name in ("high_level_only", "lead_days", "day_basis", "calendar_country", "change_hours", "active"):
        setattr(rule, name, getattr(data, name))
    rule.save()
    countries = sorted({c.pk for c in data.countries})
    if sorted(rule.countries.values_list("pk", flat=True)) != countries:
        rule.countries.set(countries)


@transaction.atomic
def add_rule(*, by: Any, agreement: Agreement, data: RuleInput) -> SharingRule:
    require(access.can_change(by, agreement))
    _validate_rule(by, agreement, data)
    rule = SharingRule(agreement=agreement)
    _save_rule(rule, data)
    return rule


def rule_input(rule: SharingRule) -> RuleInput:
    from liaison.coordination.models import split

    return RuleInput(
        recipient=rule.recipient,
        source=rule.source,
        name=rule.name,
        kinds=split(rule.kinds),
        high_level_only=rule.high_level_only,
        leader_ranks=split(rule.leader_ranks),
        pillars=split(rule.pillars),
        countries=list(rule.countries.all()),
        classifications=[int(c) for c in split(rule.classifications)],
        triggers=split(rule.triggers),
        lead_days=rule.lead_days,
        day_basis=rule.day_basis,
        calendar_country=rule.calendar_country,
        change_hours=rule.change_hours,
        shared_fields=split(rule.shared_fields),
        active=rule.active,
    )


@transaction.atomic
def update_rule(*, by: Any, rule: SharingRule, version: int | None, changes: dict[str, Any]) -> SharingRule:
    require(access.can_change(by, rule.agreement))
    check_version(rule, version)
    unknown = set(changes) - RULE_EDITABLE
    if unknown:
        raise ValidationError({k: [_("This field cannot be changed here.")] for k in sorted(unknown)})
    data = rule_input(rule)
    for key, value in changes.items():
        setattr(data, key, value)
    if set(changes) == {"active"} and not data.active:
        # Switching a rule off is always possible, even one the agreement's changes made invalid.
        rule.active = False
        rule.save()
        return rule
    _validate_rule(by, rule.agreement, data)
    _save_rule(rule, data)
    return rule


@transaction.atomic
def delete_rule(*, by: Any, rule: SharingRule) -> None:
    """A rule that produced notices is kept (deactivated) so its notices keep their source."""
    require(access.can_change(by, rule.agreement))
    if rule.notices.exists():
        raise ValidationError({"__all__": [_("This rule has produced notices: deactivate it instead.")]})
    rule.delete()


def apply_rule_to_future(*, by: Any, rule: SharingRule) -> int:
    """Apply a rule to the activities that have not started yet (in the background)."""
    from liaison.coordination import engine

    require(access.can_change(by, rule.agreement))
    if not rule.active:
        raise ValidationError({"__all__": [_("Activate the rule first.")]})
    return engine.apply_rules_to_future([rule.pk])


# --- Working calendars ------------------------------------------------------------------------


def can_manage_calendars(user: Any) -> bool:
    """Coordinators (and administrators) anywhere keep the working calendars."""
    p = access.principal_for(user)
    return p.is_superuser or any(s.role >= access.Role.COORDINATOR for s in p.scopes)


def calendar_for(country: Country) -> WorkingCalendar:
    calendar, _created = WorkingCalendar.objects.get_or_create(country=country)
    return calendar


@transaction.atomic
def set_weekend(*, by: Any, country: Country, days: Sequence[int]) -> WorkingCalendar:
    require(can_manage_calendars(by))
    chosen = sorted({int(d) for d in days})
    if any(d < 0 or d > 6 for d in chosen):
        raise ValidationError({"weekend": [_("Weekdays are numbered 0 (Monday) to 6 (Sunday).")]})
    if len(chosen) > 3:
        raise ValidationError({"weekend": [_("A working week needs at least four working days.")]})
    calendar = calendar_for(country)
    calendar.weekend = ",".join(str(d) for d in chosen)
    calendar.save()
    return calendar


@transaction.atomic
def add_holiday(*, by: Any, country: Country, date: dt.date, name: str) -> Holiday:
    require(can_manage_calendars(by))
    if not name.strip():
        raise ValidationError({"name": [_("Name the holiday.")]})
    calendar = calendar_for(country)
    if calendar.holidays.filter(date=date).exists():
        raise ValidationError({"date": [_("This day is already a holiday in this calendar.")]})
    return Holiday.objects.create(calendar=calendar, date=date, name=name.strip())


@transaction.atomic
def delete_holiday(*, by: Any, holiday: Holiday) -> None:
    require(can_manage_calendars(by))
    holiday.delete()


# --- Webhook endpoints ------------------------------------------------------------------------


def can_manage_webhooks(user: Any, organisation: Organisation) -> bool:
    """An organisation's coordinators (or administrators) connect its systems."""
    p = access.principal_for(user)
    return p.is_superuser or p.covers(organisation.path, role=access.Role.COORDINATOR)


@transaction.atomic
def add_webhook(*, by: Any, organisation: Organisation, url: str, description: str = "") -> WebhookEndpoint:
    """Register an endpoint for the notices addressed to `organisation`; its secret is generated
    here and shown once to whoever registered it."""
    from liaison.coordination.delivery import check_webhook_url, new_secret

    require(can_manage_webhooks(by, organisation))
    url = url.strip()
    check_webhook_url(url)
    if WebhookEndpoint.objects.filter(organisation=organisation, url=url).exists():
        raise ValidationError({"url": [_("This address is already registered for this organisation.")]})
    endpoint = WebhookEndpoint(organisation=organisation, url=url, description=description.strip())
    endpoint.secret = new_secret()
    endpoint.full_clean(exclude=["organisation", "secret"])
    endpoint.save()
    return endpoint


@transaction.atomic
def set_webhook_active(*, by: Any, endpoint: WebhookEndpoint, active: bool) -> WebhookEndpoint:
    require(can_manage_webhooks(by, endpoint.organisation))
    endpoint.active = active
    endpoint.save()
    return endpoint


@transaction.atomic
def delete_webhook(*, by: Any, endpoint: WebhookEndpoint) -> None:
    require(can_manage_webhooks(by, endpoint.organisation))
    endpoint.delete()

"""Items of annual joint plans: what is to be done, by which parties, when, and the activities
that carry them out. One transaction per write, validated field by field, permission-checked
(the agreement's change permission), versioned and audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from liaison.activities.models import Activity
from liaison.activities.validation import require
from liaison.coordination.models import Agreement, PlanItem
from liaison.core import access
from liaison.directory.models import Organisation


@dataclass
class PlanItemInput:
    responsible: Sequence[Organisation]
    title_en: str = ""
    title_vi: str = ""
    title_ar: str = ""
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    activities: Sequence[Activity] = ()
    notes: str = ""


_SCALARS = ("title_en", "title_vi", "title_ar", "starts_on", "ends_on", "notes")


def _validate(user: Any, agreement: Agreement, data: PlanItemInput) -> None:
    errors: dict[str, list[str]] = {}
    if not (data.title_en.strip() or data.title_vi.strip() or data.title_ar.strip()):
        errors["title_en"] = [_("Give a title in at least one language.")]
    if not data.responsible:
        errors["responsible"] = [_("Name at least one responsible organisation.")]
    parties = list(agreement.parties.all())
    outside = [o for o in data.responsible if not any(o.path.startswith(p.path) for p in parties)]
    if outside:
        errors["responsible"] = [
            _("The responsible organisations are the agreement's parties, or units of them.")
        ]
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        errors["ends_on"] = [_("The end must not be before the start.")]
    for day, name in ((data.starts_on, "starts_on"), (data.ends_on, "ends_on")):
        if day is None:
            continue
        if day < agreement.starts_on or (agreement.ends_on is not None and day > agreement.ends_on):
            errors.setdefault(name, []).append(_("Outside the agreement's period."))
    hidden = [a for a in data.activities if not access.can_read(user, a)]
    if hidden:
        errors["activities"] = [_("You may not refer to an activity you cannot see.")]
    if errors:
        raise ValidationError(errors)


def _save(item: PlanItem, data: PlanItemInput) -> None:
    for name in _SCALARS:
        setattr(item, name, getattr(data, name))
    item.save()
    item.responsible.set([o.pk for o in data.responsible])
    item.activities.set([a.pk for a in data.activities])


@transaction.atomic
def add_plan_item(*, by: Any, agreement: Agreement, data: PlanItemInput) -> PlanItem:
    require(access.can_change(by, agreement))
    _validate(by, agreement, data)
    item = PlanItem(agreement=agreement)
    _save(item, data)
    return item


@transaction.atomic
def update_plan_item(*, by: Any, item: PlanItem, data: PlanItemInput) -> PlanItem:
    """Replace the item's values; activities and responsible organisations the editor cannot see
    stay (the form never shows them, so it must not drop them)."""
    require(access.can_change(by, item.agreement))
    hidden = [a for a in item.activities.all() if not access.can_read(by, a)]
    hidden_orgs = [o for o in item.responsible.all() if not access.can_read(by, o)]
    data.responsible = [*data.responsible, *(o for o in hidden_orgs if o not in data.responsible)]
    _validate(by, item.agreement, data)
    data.activities = [*data.activities, *(a for a in hidden if a not in data.activities)]
    _save(item, data)
    return item


@transaction.atomic
def delete_plan_item(*, by: Any, item: PlanItem) -> None:
    require(access.can_change(by, item.agreement))
    item.delete()

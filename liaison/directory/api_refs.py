"""API input: ids and codes to the directory records they name, checked against the access policy.

A hidden organisation is refused exactly like a missing one, naming the field it came from.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from liaison.core.access import visible
from liaison.directory.models import Country, Organisation
from liaison.directory.permissions import get_organisation_for_user


def organisation(user: Any, pk: int, field: str) -> Organisation:
    """An organisation the user may read; a hidden one is refused like a missing one."""
    try:
        return get_organisation_for_user(user, pk)
    except Http404:
        raise ValidationError({field: [_("No organisation %(id)s.") % {"id": pk}]}) from None


def organisations(user: Any, ids: list[int], field: str) -> list[Organisation]:
    found = list(visible(user, Organisation.objects.filter(pk__in=ids)))
    missing = sorted(set(ids) - {o.pk for o in found})
    if missing:
        raise ValidationError({field: [_("No organisation %(id)s.") % {"id": pk} for pk in missing]})
    return found


def country(code: str, field: str) -> Country:
    found = Country.objects.filter(code=code.upper()).first()
    if found is None:
        raise ValidationError({field: [_("Unknown ISO 3166 country code “%(code)s”.") % {"code": code}]})
    return found


def countries(codes: list[str], field: str) -> list[Country]:
    wanted = {c.upper() for c in codes}
    found = list(Country.objects.filter(code__in=wanted))
    missing = sorted(wanted - {c.code for c in found})
    if missing:
        raise ValidationError(
            {field: [_("Unknown ISO 3166 country code “%(code)s”.") % {"code": c} for c in missing]}
        )
    return found

"""Lookups of Directory records for a user, all through the one access policy."""

from __future__ import annotations

from typing import Any, cast

from django.http import Http404

from liaison.core.access import Action, can_change, get_for_user
from liaison.directory.models import Organisation, Person, Position


def _action(write: bool, delete: bool) -> Action:
    return Action.DELETE if delete else Action.CHANGE if write else Action.READ


def get_organisation_for_user(
    user: Any, pk: Any, *, write: bool = False, delete: bool = False, request: Any = None
) -> Organisation:
    qs = Organisation.objects.select_related("owner", "parent", "country", "locality")
    return cast(Organisation, get_for_user(user, qs, pk, action=_action(write, delete), request=request))


def get_person_for_user(
    user: Any, pk: Any, *, write: bool = False, delete: bool = False, request: Any = None
) -> Person:
    qs = Person.objects.select_related("owner", "nationality")
    return cast(Person, get_for_user(user, qs, pk, action=_action(write, delete), request=request))


def get_position_for_user(user: Any, pk: Any, *, person: Person, request: Any = None) -> Position:
    """A position of a person the user may change (positions follow their person's policy)."""
    position = Position.objects.filter(pk=pk, person=person).select_related("person__owner").first()
    if position is None or not can_change(user, person):
        raise Http404
    return cast(Position, position)

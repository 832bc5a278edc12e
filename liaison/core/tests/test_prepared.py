"""`core.prepared`: reads compiled once answer as their querysets do, and `readable_ids`'
statements compiled per principal never outlive the facts they were made of."""

from __future__ import annotations

import pytest
from django.db.models import CharField

from liaison.accounts.models import Membership, User
from liaison.core import access
from liaison.core.access import Role, forget_principal, readable_ids
from liaison.core.listed_names import names_by_owner
from liaison.core.models import Classification
from liaison.core.prepared import IdsIn, Prepared, Slot
from liaison.core.testing import make_org, make_person, make_user
from liaison.directory.models import Organisation, OrganisationName, Person

pytestmark = pytest.mark.django_db


def _names(kind: str, ids: str) -> object:
    return OrganisationName.objects.filter(IdsIn("organisation_id", ids), kind=Slot(kind, CharField()))


def test_a_prepared_read_answers_as_its_queryset_for_each_set_of_values():
    # given organisations with names of several kinds
    orgs = [make_org(f"Org {i}") for i in range(4)]
    prepared = Prepared(
        lambda: _names("kind", "ids").order_by("id").values_list("organisation_id", "value", "created_at")
    )
    for ids, kind in (([orgs[0].pk, orgs[2].pk], "official"), ([orgs[1].pk], "official"), ([], "alias")):
        # when it runs with new values
        rows = prepared.rows(ids=ids, kind=kind)
        # then it reads what the ORM reads, converted alike (aware datetimes on SQLite too)
        expected = list(
            OrganisationName.objects.filter(organisation_id__in=ids, kind=kind)
            .order_by("id")
            .values_list("organisation_id", "value", "created_at")
        )
        assert rows == expected
    assert rows == [] and prepared.rows(ids=[orgs[3].pk], kind="official")[0][2].tzinfo is not None
    # and it was compiled once, with placeholders for the values
    assert "%s" in prepared.sql() and str(orgs[0].pk) not in prepared.sql()


def test_names_by_owner_reads_each_records_names_in_id_order():
    a, b = make_org("Alpha"), make_org("Beta")
    found = names_by_owner(Organisation, [a.pk, b.pk, None])
    assert [n.value for n in found[a.pk]] == list(a.names.order_by("id").values_list("value", flat=True))
    assert set(found) == {a.pk, b.pk}
    assert names_by_owner(Organisation, []) == {}


def test_readable_ids_follows_a_change_of_memberships_and_clearance():
    # given a restricted person of the Ministry, and a user of another organisation
    mofa, vufo = make_org("MOFA"), make_org("VUFO")
    secret = make_person("Restricted Person", owner=mofa, classification=Classification.RESTRICTED)
    open_one = make_person("Open Person", owner=mofa)
    user = make_user(org=vufo, role=Role.EDITOR, clearance=Classification.RESTRICTED)
    assert readable_ids(user, Person, [secret.pk, open_one.pk]) == {open_one.pk}
    # when they join the Ministry (the same user object, its facts forgotten as after any change)
    Membership.objects.create(user=user, organisation=mofa, role=Role.VIEWER)
    forget_principal(user)
    # then the statement made for their new facts reads the restricted person
    assert readable_ids(user, Person, [secret.pk, open_one.pk]) == {secret.pk, open_one.pk}
    # and when their clearance drops, no more
    User.objects.filter(pk=user.pk).update(clearance=Classification.INTERNAL)
    user = User.objects.get(pk=user.pk)
    assert readable_ids(user, Person, [secret.pk, open_one.pk]) == {open_one.pk}
    # and another user with the same roles and clearance shares that statement
    before = len(access._READABLE_STATEMENTS)
    twin = make_user(org=vufo, role=Role.EDITOR, clearance=Classification.INTERNAL)
    Membership.objects.create(user=twin, organisation=mofa, role=Role.VIEWER)
    assert readable_ids(twin, Person, [secret.pk, open_one.pk]) == {open_one.pk}
    assert len(access._READABLE_STATEMENTS) == before

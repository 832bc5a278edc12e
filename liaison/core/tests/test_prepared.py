"""`core.prepared`: reads compiled once answer as their querysets do, and `readable_ids`'
statements compiled per principal never outlive the facts they were made of."""

from __future__ import annotations

import pytest
from django.db.models import CharField, F

from liaison.accounts.models import Membership, User
from liaison.core import access
from liaison.core.access import Role, forget_principal, readable_ids
from liaison.core.listed_names import names_by_owner
from liaison.core.models import Classification
from liaison.core.prepared import Binding, IdsIn, Prepared, Shapes, Slot
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


def test_a_paged_read_takes_its_page_and_a_counted_one_counts_it():
    # given names in a known order
    orgs = [make_org(f"Org {i}") for i in range(5)]
    ids = [o.pk for o in orgs]
    every = list(
        OrganisationName.objects.filter(organisation_id__in=ids).order_by("id").values("id", "value")
    )
    page = Prepared(lambda: _names("kind", "ids").order_by("id").values("id", "value"), paged=True)
    count = Prepared(lambda: _names("kind", "ids").values("id"), paged=True, counted=True)
    # when pages are asked for, then they are the queryset's slices, as dicts by column name
    assert page.dicts(ids=ids, kind="official", limit=2, offset=1) == every[1:3]
    assert page.dicts(ids=ids, kind="official", limit=10, offset=4) == every[4:]
    # and the count is of the rows of its page, up to the limit
    assert count.rows(ids=ids, kind="official", limit=100, offset=0) == [(len(every),)]
    assert count.rows(ids=ids, kind="official", limit=3, offset=0) == [(3,)]
    # and a queryset that can match nothing runs nothing and counts none
    nothing = Organisation.objects.filter(pk__in=[]).values("pk")
    assert Prepared(lambda: nothing, paged=True).dicts(limit=5, offset=0) == []
    assert Prepared(lambda: nothing, paged=True, counted=True).rows(limit=5, offset=0) == [(0,)]
    # and a queryset already sliced is refused rather than paged twice
    with pytest.raises(ValueError, match="do not slice"):
        Prepared(lambda: OrganisationName.objects.values("id")[:5], paged=True).compile()


def test_a_binding_builds_the_same_query_with_values_or_with_slots():
    orgs = [make_org(f"Org {i}") for i in range(4)]
    ranked = [orgs[2].pk, orgs[0].pk, orgs[3].pk]

    def build(bound: Binding) -> object:
        qs = Organisation.objects.filter(bound.ids_in("pk", "ranked"))
        if "pillar" in bound:
            qs = qs.filter(pillar=bound.value("pillar", CharField()))
        return qs.annotate(rank=bound.position_in(F("pk"), "ranked")).order_by("rank").values_list("pk")

    values = {"ranked": ranked, "pillar": "state"}
    prepared = Prepared(lambda: build(Binding(values, slots=True)))
    # when run with the values, the prepared read orders as the matcher ranked, like the queryset
    assert prepared.rows(**values) == list(build(Binding(values))) == [(pk,) for pk in ranked]
    assert prepared.rows(ranked=ranked[::-1], pillar="state") == [(pk,) for pk in ranked[::-1]]
    assert prepared.rows(ranked=ranked, pillar="party") == []


def test_shapes_make_each_shape_once_and_forget_them_past_their_bound():
    shapes: Shapes[list[int]] = Shapes(bound=2)
    made: list[str] = []

    def make(key: str) -> list[int]:
        made.append(key)
        return [len(made)]

    first = shapes.get("a", lambda: make("a"))
    assert shapes.get("a", lambda: make("a")) is first and made == ["a"]
    shapes.get("b", lambda: make("b"))
    shapes.get("c", lambda: make("c"))  # past the bound: the cache starts again
    assert len(shapes) == 1
    shapes.get("a", lambda: make("a"))
    assert made == ["a", "b", "c", "a"]

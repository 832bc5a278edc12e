"""Directory services: trees, validation, positions over time."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from liaison.core.access import Role
from liaison.core.models import Classification
from liaison.core.testing import make_org, make_person, make_superuser, make_user
from liaison.directory import services
from liaison.directory.models import Organisation, Position
from liaison.directory.selectors import holders_on

pytestmark = pytest.mark.django_db


def test_a_unit_sits_below_its_parent_and_is_owned_by_it():
    root = make_org("MOFA")
    unit = make_org("Department of Consular Affairs", parent=root)
    assert unit.path == f"{root.path}{unit.pk}/"
    assert unit.depth == 1
    assert unit.owner == root
    assert root.owner == root


def test_moving_an_organisation_moves_its_subtree():
    a, b = make_org("A"), make_org("B")
    child = make_org("Child", parent=a)
    grandchild = make_org("Grandchild", parent=child)
    admin = make_superuser("mover")
    services.update_organisation(by=admin, organisation=child, version=child.version, changes={"parent": b})
    grandchild.refresh_from_db()
    assert grandchild.path == f"{b.path}{child.pk}/{grandchild.pk}/"
    assert grandchild.depth == 2


def test_an_organisation_cannot_move_below_itself():
    a = make_org("A")
    child = make_org("Child", parent=a)
    admin = make_superuser("mover")
    with pytest.raises(ValidationError) as error:
        services.update_organisation(by=admin, organisation=a, version=a.version, changes={"parent": child})
    assert "parent" in error.value.message_dict


def test_an_organisation_needs_a_name_and_ordered_dates():
    admin = make_superuser("x")
    with pytest.raises(ValidationError) as error:
        services.create_organisation(
            by=admin,
            data=services.OrganisationInput(
                pillar="state", kind="ministry", valid_from=dt.date(2025, 1, 1), valid_to=dt.date(2024, 1, 1)
            ),
            names=[services.NameInput(value="  ", language="en")],
        )
    assert "names" in error.value.message_dict or "valid_to" in error.value.message_dict
    assert not Organisation.objects.exists()


def test_a_viewer_cannot_create_units_and_an_editor_cannot_classify_above_clearance():
    root = make_org("MOFA")
    viewer = make_user(org=root, role=Role.VIEWER)
    editor = make_user(org=root, role=Role.EDITOR, clearance=Classification.INTERNAL)
    data = services.OrganisationInput(pillar="state", kind="department", parent=root)
    with pytest.raises(PermissionDenied):
        services.create_organisation(
            by=viewer, data=data, names=[services.NameInput(value="X", language="en")]
        )
    restricted = services.OrganisationInput(
        pillar="state", kind="department", parent=root, classification=Classification.RESTRICTED
    )
    with pytest.raises(PermissionDenied):
        services.create_organisation(
            by=editor, data=restricted, names=[services.NameInput(value="Y", language="en")]
        )


def test_who_held_a_title_on_a_day():
    # given two successive ministers
    mofa = make_org("Ministry of Foreign Affairs")
    admin = make_superuser("clerk")
    old = make_person("Phạm Bình Minh", owner=mofa)
    new = make_person("Bùi Thanh Sơn", owner=mofa)
    for person, start, end in (
        (old, dt.date(2011, 8, 3), dt.date(2021, 4, 7)),
        (new, dt.date(2021, 4, 8), None),
    ):
        services.add_position(
            by=admin,
            person=person,
            data=services.PositionInput(
                organisation=mofa, title_en="Minister of Foreign Affairs", start=start, end=end
            ),
        )
    # when we ask who was minister on 19 Dec 2023, then the answer is the second one only
    held = list(holders_on(admin, day=dt.date(2023, 12, 19), title="Minister of Foreign"))
    assert [p.person for p in held] == [new]
    assert [p.person for p in holders_on(admin, day=dt.date(2015, 1, 1), title="Minister")] == [old]


def test_a_position_must_not_end_before_it_starts():
    mofa = make_org("MOFA")
    person = make_person("Ngô Lê Văn", owner=mofa)
    admin = make_superuser("clerk")
    with pytest.raises(ValidationError):
        services.add_position(
            by=admin,
            person=person,
            data=services.PositionInput(
                organisation=mofa,
                title_en="Deputy Minister",
                start=dt.date(2024, 1, 1),
                end=dt.date(2023, 1, 1),
            ),
        )
    assert not Position.objects.exists()


def test_a_person_keeps_at_least_one_name():
    mofa = make_org("MOFA")
    person = make_person("Ngô Lê Văn", owner=mofa)
    admin = make_superuser("clerk")
    with pytest.raises(ValidationError):
        services.remove_person_name(by=admin, person=person, name_id=person.names.get().pk)


def test_an_organisation_with_units_or_positions_cannot_be_deleted():
    root = make_org("MOFA")
    make_org("Unit", parent=root)
    admin = make_superuser("clerk")
    with pytest.raises(ValidationError):
        services.delete_organisation(by=admin, organisation=root)


def test_a_2023_province_is_followed_to_its_successor_after_the_2025_merger():
    from liaison.directory.models import Locality
    from liaison.directory.selectors import locality_on

    ha_giang = Locality.objects.get(name_en__icontains="Ha Giang", valid_to=dt.date(2025, 6, 30))
    assert locality_on(ha_giang, dt.date(2023, 11, 24)) == [ha_giang]
    after = locality_on(ha_giang, dt.date(2025, 7, 1))
    assert [loc.name_vi for loc in after] == ["Tuyên Quang"]
    assert after[0].valid_from == dt.date(2025, 7, 1)

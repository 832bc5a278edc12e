"""Every create, change and delete leaves history; bulk writes too."""

import pytest
from django.contrib.contenttypes.models import ContentType

from liaison.core.audit import acting_as, history_for
from liaison.core.models import AuditEvent, SecurityEvent, SecurityEventKind
from liaison.core.testing import make_org, make_person, make_superuser
from liaison.directory import services
from liaison.directory.models import Organisation, Person, PersonName

pytestmark = pytest.mark.django_db


def test_creating_an_organisation_records_one_create_event_with_its_values():
    # given an administrator
    admin = make_superuser()
    # when they create an organisation
    org = make_org("Ministry of Foreign Affairs", by=admin)
    # then its history holds a create event by them, with the final owner and names
    events = list(history_for(org))
    creates = [e for e in events if e.action == "create" and e.content_type.model == "organisation"]
    assert len(creates) == 1
    assert creates[0].actor == admin
    assert creates[0].changes["owner"] == [None, org.pk]
    assert any(e.content_type.model == "organisationname" for e in events)


def test_changing_a_field_records_before_and_after():
    # given an organisation
    admin = make_superuser()
    org = make_org("MOFA", by=admin)
    # when its email changes through the service
    with acting_as(admin, via="test"):
        services.update_organisation(
            by=admin, organisation=org, version=org.version, changes={"email": "a@b.vn"}
        )
    # then the history shows the change
    event = history_for(org).filter(action="update").first()
    assert event is not None
    assert event.changes["email"] == ["", "a@b.vn"]
    assert event.actor == admin


def test_bulk_update_leaves_history_for_every_row():
    # given three people
    owner = make_org("VUFO")
    people = [make_person(f"Person {i}", owner=owner) for i in range(3)]
    before = AuditEvent.objects.filter(action="update").count()
    # when a bulk update changes them all
    Person.objects.filter(pk__in=[p.pk for p in people]).update(notes="checked")
    # then each has an update event and a new version
    assert AuditEvent.objects.filter(action="update").count() == before + 3
    assert set(Person.objects.filter(pk__in=[p.pk for p in people]).values_list("version", flat=True)) == {
        people[0].version + 1
    }


def test_bulk_delete_and_bulk_create_leave_history():
    # given a person
    owner = make_org("VUFO")
    person = make_person("Ngô Lê Văn", owner=owner)
    # when names are bulk-created and then bulk-deleted
    PersonName.objects.bulk_create([PersonName(person=person, value="نغو لي فان", language="ar")])
    PersonName.objects.filter(person=person, language="ar").delete()
    # then the person's history shows both
    kinds = [(e.action, e.content_type.model) for e in history_for(person)]
    assert ("create", "personname") in kinds
    assert ("delete", "personname") in kinds


def test_deleting_a_person_keeps_their_history():
    owner = make_org("VUFO")
    admin = make_superuser("boss")
    person = make_person("Phan Anh Sơn", owner=owner, by=admin)
    pk = person.pk
    with acting_as(admin, via="test"):
        services.delete_person(by=admin, person=person)
    ct = ContentType.objects.get_for_model(Person)
    assert AuditEvent.objects.filter(subject_type=ct, subject_id=str(pk), action="delete").exists()
    assert not Organisation.objects.filter(pk=pk, sort_name="Phan Anh Sơn").exists()


def test_the_security_log_cannot_be_changed_or_deleted():
    # given a logged event
    event = SecurityEvent.objects.create(kind=SecurityEventKind.SIGN_IN, username="x")
    # when someone tries to change or delete it, then it refuses
    event.username = "y"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        SecurityEvent.objects.filter(pk=event.pk).update(username="z")
    with pytest.raises(PermissionError):
        SecurityEvent.objects.all().delete()
    assert SecurityEvent.objects.get(pk=event.pk).username == "x"

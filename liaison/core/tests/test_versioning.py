"""Two people editing one record: the second save is refused, nothing is lost."""

import pytest
from django.db import transaction
from django.urls import reverse

from liaison.core.access import Role
from liaison.core.models import Classification, StaleRecordError
from liaison.core.testing import PASSWORD, make_org, make_user
from liaison.directory import services
from liaison.directory.models import Organisation

pytestmark = pytest.mark.django_db


def test_a_save_from_a_stale_copy_is_refused():
    # given two copies of one record
    org = make_org("MOFA")
    first = Organisation.objects.get(pk=org.pk)
    second = Organisation.objects.get(pk=org.pk)
    # when both change it
    first.notes = "first"
    first.save()
    second.notes = "second"
    # then the second save is refused and the first change stays
    with pytest.raises(StaleRecordError), transaction.atomic():
        second.save()
    assert Organisation.objects.get(pk=org.pk).notes == "first"


def test_the_service_refuses_an_edit_started_from_an_old_version():
    root = make_org("MOFA")
    editor = make_user(org=root, role=Role.EDITOR)
    old_version = root.version
    services.update_organisation(by=editor, organisation=root, version=old_version, changes={"notes": "a"})
    with pytest.raises(StaleRecordError):
        services.update_organisation(
            by=editor, organisation=root, version=old_version, changes={"notes": "b"}
        )


def test_the_edit_page_shows_what_changed_when_someone_saved_first(client):
    # given an editor who opened the edit form
    root = make_org("MOFA")
    editor = make_user(org=root, role=Role.EDITOR)
    client.login(username=editor.username, password=PASSWORD)
    url = reverse("directory:organisation-edit", args=[root.pk])
    version = root.version
    # when someone else saves first
    services.update_organisation(by=editor, organisation=root, version=version, changes={"phone": "+84 24 1"})
    # and the editor submits the form from the old version
    response = client.post(
        url,
        {
            "pillar": "state",
            "kind": "ministry",
            "classification": Classification.PUBLIC,
            "phone": "+84 24 2",
            "version": version,
        },
    )
    # then the save is refused with a conflict view and the first change is kept
    assert response.status_code == 409
    assert "Someone else changed this record" in response.text
    assert "+84 24 1" in response.text
    assert Organisation.objects.get(pk=root.pk).phone == "+84 24 1"


def test_the_api_answers_412_to_a_stale_if_match(client):
    root = make_org("MOFA")
    editor = make_user(org=root, role=Role.EDITOR)
    client.login(username=editor.username, password=PASSWORD)
    url = f"/api/directory/organisations/{root.pk}"
    etag = client.get(url).headers["ETag"]
    ok = client.patch(url, {"notes": "one"}, content_type="application/json", headers={"If-Match": etag})
    assert ok.status_code == 200
    stale = client.patch(url, {"notes": "two"}, content_type="application/json", headers={"If-Match": etag})
    assert stale.status_code == 412
    assert stale.json()["current_version"] == ok.json()["version"]
    assert Organisation.objects.get(pk=root.pk).notes == "one"

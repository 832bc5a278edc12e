"""Mandates on organisations and the end of positions, through the pages."""

import datetime as dt

import pytest
from django.urls import reverse

from liaison.core.access import Role
from liaison.core.models import AuditEvent
from liaison.core.testing import PASSWORD, make_org, make_person, make_superuser, make_user
from liaison.directory import services
from liaison.directory.models import Mandate, Position

pytestmark = pytest.mark.django_db


def test_an_editor_records_that_mofa_leads_external_affairs_from_2025(client):
    mofa = make_org("Ministry of Foreign Affairs")
    editor = make_user(org=mofa, role=Role.EDITOR)
    client.login(username=editor.username, password=PASSWORD)
    response = client.post(
        reverse("directory:mandate-add", args=[mofa.pk]),
        {"field": "external_affairs", "role": "lead", "start": "2025-03-01", "source": "2025 decree"},
    )
    assert response.status_code == 302
    mandate = Mandate.objects.get(organisation=mofa)
    assert mandate.start == dt.date(2025, 3, 1)
    assert AuditEvent.objects.filter(content_type__model="mandate", action="create").exists()
    page = client.get(reverse("directory:organisation-detail", args=[mofa.pk]))
    assert "2025 decree" in page.text


def test_a_mandate_ending_before_it_starts_is_refused_on_the_field(client):
    mofa = make_org("MOFA")
    editor = make_user(org=mofa, role=Role.EDITOR)
    client.login(username=editor.username, password=PASSWORD)
    response = client.post(
        reverse("directory:mandate-add", args=[mofa.pk]),
        {"field": "external_affairs", "role": "lead", "start": "2025-03-01", "end": "2024-01-01"},
    )
    assert response.status_code == 200
    assert "The end date must not be before the start date." in response.text
    assert not Mandate.objects.exists()


def test_a_viewer_cannot_add_mandates(client):
    mofa = make_org("MOFA")
    viewer = make_user(org=mofa, role=Role.VIEWER)
    client.login(username=viewer.username, password=PASSWORD)
    response = client.post(
        reverse("directory:mandate-add", args=[mofa.pk]), {"field": "other", "role": "lead"}
    )
    assert response.status_code == 404
    assert not Mandate.objects.exists()


def test_ending_a_position_keeps_it_in_the_history_as_past(client):
    mofa = make_org("MOFA")
    admin = make_superuser("admin")
    person = make_person("Bùi Thanh Sơn", owner=mofa)
    position = services.add_position(
        by=admin,
        person=person,
        data=services.PositionInput(organisation=mofa, title_en="Minister", start=dt.date(2021, 4, 8)),
    )
    client.login(username="admin", password=PASSWORD)
    bad = client.post(
        reverse("directory:position-end", args=[person.pk, position.pk]), {"end": "2020-01-01"}, follow=True
    )
    assert "The end date must not be before the start date." in bad.text
    ok = client.post(reverse("directory:position-end", args=[person.pk, position.pk]), {"end": "2025-09-30"})
    assert ok.status_code == 302
    assert Position.objects.get(pk=position.pk).end == dt.date(2025, 9, 30)

"""Annual joint plans: items with responsible parties and dates, linked to the activities that
carry them out; pages, API and validation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from liaison.activities.testing import make_activity
from liaison.coordination import plan
from liaison.coordination.models import PlanItem, PlanItemState
from liaison.coordination.testing import make_agreement
from liaison.core.access import Role
from liaison.core.audit import history_for
from liaison.core.models import Classification
from liaison.core.testing import PASSWORD, make_org, make_superuser, make_user, response_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    root = make_superuser("root")
    cerc = make_org("Commission for External Relations", pillar="party")
    vufo = make_org("VUFO", pillar="people")
    other = make_org("Ministry of Culture")
    agreement = make_agreement(
        cerc, vufo, kind="annual_plan", starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 12, 31)
    )
    return {"root": root, "cerc": cerc, "vufo": vufo, "other": other, "agreement": agreement}


def test_an_items_state_follows_its_activities(world):
    item = plan.add_plan_item(
        by=world["root"],
        agreement=world["agreement"],
        data=plan.PlanItemInput(
            responsible=[world["vufo"]], title_en="Friendship week", ends_on=dt.date(2026, 3, 1)
        ),
    )
    today = dt.date(2026, 2, 1)
    assert item.state([], today) == PlanItemState.PLANNED
    assert item.state([], dt.date(2026, 3, 2)) == PlanItemState.OVERDUE
    assert item.state(["approved"], today) == PlanItemState.SCHEDULED
    assert item.state(["cancelled"], dt.date(2026, 3, 2)) == PlanItemState.OVERDUE
    assert item.state(["done", "cancelled"], today) == PlanItemState.DONE
    assert history_for(world["agreement"]).filter(object_repr="Friendship week").exists()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"title_en": ""}, "title_en"),
        ({"responsible": []}, "responsible"),
        ({"starts_on": dt.date(2026, 5, 1), "ends_on": dt.date(2026, 4, 1)}, "ends_on"),
        ({"ends_on": dt.date(2027, 2, 1)}, "ends_on"),
    ],
)
def test_bad_items_are_refused_field_by_field(world, values, field):
    data = {"responsible": [world["vufo"]], "title_en": "Item", **values}
    with pytest.raises(ValidationError) as refused:
        plan.add_plan_item(by=world["root"], agreement=world["agreement"], data=plan.PlanItemInput(**data))
    assert field in refused.value.message_dict


def test_a_responsible_organisation_must_be_a_party(world):
    with pytest.raises(ValidationError) as refused:
        plan.add_plan_item(
            by=world["root"],
            agreement=world["agreement"],
            data=plan.PlanItemInput(responsible=[world["other"]], title_en="Item"),
        )
    assert "responsible" in refused.value.message_dict


def test_an_editor_adds_an_item_through_the_page_and_sees_its_state(client, world):
    make_user("cerc-editor", org=world["cerc"], role=Role.EDITOR)
    start = timezone.make_aware(dt.datetime(2026, 6, 10, 9))
    activity = make_activity("Friendship festival", lead=world["vufo"], starts_at=start)
    client.login(username="cerc-editor", password=PASSWORD)
    url = reverse("coordination:plan-item-create", args=[world["agreement"].pk])
    refused = client.post(url, {"title_en": "", "responsible": [world["vufo"].pk]})
    assert refused.status_code == 400 and "Give a title in at least one language." in response_text(refused)
    response = client.post(
        url,
        {
            "title_en": "Festival of friendship",
            "responsible": [world["vufo"].pk],
            "starts_on": "2026-06-01",
            "ends_on": "2026-06-30",
            "activities": [activity.pk],
        },
    )
    assert response.status_code == 302
    item = PlanItem.objects.get()
    assert list(item.activities.all()) == [activity]
    page = client.get(world["agreement"].get_absolute_url())
    text = response_text(page)
    assert "Festival of friendship" in text and "Friendship festival" in text
    assert "Scheduled (an activity carries it)" in text


def test_a_viewer_cannot_add_items_and_the_detail_hides_unreadable_activities(client, world):
    make_user("vufo-viewer", org=world["vufo"], role=Role.VIEWER)
    secret = make_activity(
        "Closed meeting",
        lead=world["cerc"],
        classification=Classification.RESTRICTED,
        starts_at=timezone.make_aware(dt.datetime(2026, 5, 1, 9)),
    )
    plan.add_plan_item(
        by=world["root"],
        agreement=world["agreement"],
        data=plan.PlanItemInput(responsible=[world["cerc"]], title_en="Consultations", activities=[secret]),
    )
    client.login(username="vufo-viewer", password=PASSWORD)
    assert (
        client.get(reverse("coordination:plan-item-create", args=[world["agreement"].pk])).status_code == 404
    )
    text = response_text(client.get(world["agreement"].get_absolute_url()))
    assert "Consultations" in text and "Closed meeting" not in text and "you may not see" in text


def test_plan_items_through_the_api(client, world):
    client.force_login(world["root"])
    base = f"/api/coordination/agreements/{world['agreement'].pk}/plan-items"
    created = client.post(
        base, {"responsible": [world["vufo"].pk], "title_en": "Exchange"}, content_type="application/json"
    )
    assert created.status_code == 201 and created.json()["state"] == "planned"
    item_id = created.json()["id"]
    patched = client.patch(f"{base}/{item_id}", {"ends_on": "2025-01-01"}, content_type="application/json")
    assert patched.status_code == 400 and "ends_on" in patched.json()["errors"]
    patched = client.patch(f"{base}/{item_id}", {"title_vi": "Giao lưu"}, content_type="application/json")
    assert patched.status_code == 200 and patched.json()["title_vi"] == "Giao lưu"
    assert [i["id"] for i in client.get(base).json()] == [item_id]
    assert client.delete(f"{base}/{item_id}").status_code == 204
    assert not PlanItem.objects.exists()

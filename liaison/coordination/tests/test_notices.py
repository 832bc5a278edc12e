"""Notices as their readers meet them: the inbox, one notice, answering, and the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from liaison.accounts.models import Membership
from liaison.activities.models import ActivityKind, LeaderRank
from liaison.activities.testing import make_activity
from liaison.coordination import engine
from liaison.coordination.models import Notice, NoticeStatus, SharedField
from liaison.coordination.testing import make_agreement, make_rule
from liaison.core.access import Role, forget_principal
from liaison.core.models import Classification
from liaison.core.testing import PASSWORD, make_org, make_person, make_superuser, make_user, response_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    make_superuser("root")
    mofa = make_org("Ministry of Foreign Affairs")
    vufo = make_org("VUFO", pillar="people", kind="mass_organisation")
    outsider_org = make_org("Ministry of Culture")
    agreement = make_agreement(mofa, vufo, owner=mofa)
    make_rule(
        agreement,
        recipient=vufo,
        source=mofa,
        high_level_only=True,
        lead_days=14,
        shared_fields=[SharedField.TITLE, SharedField.PLACE],
    )
    leader = make_person("Trần Văn B", owner=mofa)
    start = timezone.now() + dt.timedelta(days=21)
    activity = make_activity(
        "State visit of the King",
        lead=mofa,
        kind=ActivityKind.INCOMING_VISIT,
        leader=leader,
        leader_rank=LeaderRank.HEAD_OF_STATE,
        starts_at=start,
        ends_at=start + dt.timedelta(days=2),
        summary_en="The secret agenda",
        classification=Classification.RESTRICTED,
        embargo_until=start,
    )
    engine.process_pending()
    notice = Notice.objects.get()
    return {
        "mofa": mofa,
        "vufo": vufo,
        "activity": activity,
        "notice": notice,
        "vufo_editor": make_user("vufo-editor", org=vufo, role=Role.EDITOR),
        "vufo_viewer": make_user("vufo-viewer", org=vufo, role=Role.VIEWER),
        "mofa_editor": make_user(
            "mofa-editor", org=mofa, role=Role.EDITOR, clearance=Classification.RESTRICTED
        ),
        "outsider": make_user("outsider", org=outsider_org, role=Role.ADMINISTRATOR),
    }


def signed_in(client, user):
    client.login(username=user.username, password=PASSWORD)
    return client


def test_the_recipient_reads_the_shared_fields_but_not_the_embargoed_activity(client, setup):
    signed_in(client, setup["vufo_viewer"])
    page = client.get(reverse("coordination:notice-detail", args=[setup["notice"].uid]))
    text = response_text(page)
    assert page.status_code == 200
    assert "State visit of the King" in text
    assert "The secret agenda" not in text and "Trần Văn B" not in text
    assert "Open the activity" not in text
    assert client.get(setup["activity"].get_absolute_url()).status_code == 404


def test_an_outsider_cannot_see_the_notice(client, setup):
    signed_in(client, setup["outsider"])
    assert client.get(reverse("coordination:notice-detail", args=[setup["notice"].uid])).status_code == 404
    page = client.get(reverse("coordination:inbox"))
    assert "State visit of the King" not in response_text(page)


def test_the_inbox_lists_the_notice_unread_until_opened(client, setup):
    signed_in(client, setup["vufo_viewer"])
    badge = client.get(reverse("coordination:unread-badge"))
    assert ">1<" in badge.content.decode()
    page = client.get(reverse("coordination:inbox"))
    assert "State visit of the King" in response_text(page)
    assert 'class="unread"' in page.content.decode()
    client.get(reverse("coordination:notice-detail", args=[setup["notice"].uid]))
    assert ">1<" not in client.get(reverse("coordination:unread-badge")).content.decode()


def test_the_source_sees_it_in_the_sent_box_not_the_inbox(client, setup):
    signed_in(client, setup["mofa_editor"])
    assert "State visit of the King" not in response_text(client.get(reverse("coordination:inbox")))
    sent = client.get(reverse("coordination:inbox") + "?box=sent")
    assert "State visit of the King" in response_text(sent)


def test_the_inbox_speaks_arabic(client, setup):
    signed_in(client, setup["vufo_viewer"])
    client.post(reverse("accounts:language"), {"language": "ar", "next": "/"})
    page = client.get(reverse("coordination:inbox"))
    assert 'dir="rtl"' in page.content.decode()


def test_an_editor_of_the_recipient_acknowledges(client, setup):
    signed_in(client, setup["vufo_editor"])
    url = reverse("coordination:notice-answer", args=[setup["notice"].uid])
    response = client.post(url, {"kind": "acknowledge"})
    assert response.status_code == 302
    notice = Notice.objects.get()
    assert notice.status == NoticeStatus.ACKNOWLEDGED and notice.acknowledged_at is not None
    page = client.get(reverse("coordination:notice-detail", args=[notice.uid]))
    assert "vufo-editor" in response_text(page)


def test_a_viewer_cannot_answer(client, setup):
    signed_in(client, setup["vufo_viewer"])
    url = reverse("coordination:notice-answer", args=[setup["notice"].uid])
    assert client.post(url, {"kind": "acknowledge"}).status_code == 404
    assert Notice.objects.get().status == NoticeStatus.OPEN


def test_asking_needs_a_note_and_the_source_replies(client, setup):
    signed_in(client, setup["vufo_editor"])
    url = reverse("coordination:notice-answer", args=[setup["notice"].uid])
    page = client.post(url, {"kind": "ask", "note": ""}, follow=True)
    assert "Say what you need, or why." in response_text(page)
    assert Notice.objects.get().status == NoticeStatus.OPEN
    client.post(url, {"kind": "ask", "note": "Which provinces will the delegation visit?"})
    assert Notice.objects.get().status == NoticeStatus.INFO_REQUESTED
    client.logout()
    signed_in(client, setup["mofa_editor"])
    client.post(url, {"kind": "reply", "note": "Hanoi and Huế."})
    notice = Notice.objects.get()
    assert notice.status == NoticeStatus.OPEN
    assert [r.kind for r in notice.responses.all()] == ["ask", "reply"]


def test_an_unknown_answer_is_refused_with_a_message(client, setup):
    signed_in(client, setup["vufo_editor"])
    url = reverse("coordination:notice-answer", args=[setup["notice"].uid])
    page = client.post(url, {"kind": "shrug"}, follow=True)
    assert "Unknown answer." in response_text(page)


def test_the_inbox_reads_a_constant_number_of_queries(client, setup, django_assert_max_num_queries):
    signed_in(client, setup["vufo_viewer"])
    client.get(reverse("coordination:inbox"))
    with django_assert_max_num_queries(10):
        client.get(reverse("coordination:inbox"))
    for n in range(15):
        make_activity(
            f"Visit {n}",
            lead=setup["mofa"],
            kind=ActivityKind.OUTGOING_VISIT,
            leader_rank=LeaderRank.HEAD_OF_GOVERNMENT,
            leader=make_person(f"Leader {n}", owner=setup["mofa"]),
            starts_at=timezone.now() + dt.timedelta(days=30 + n),
        )
    engine.process_pending()
    assert Notice.objects.count() == 16
    with django_assert_max_num_queries(10):
        page = client.get(reverse("coordination:inbox"))
    assert "Visit 14" in response_text(page)


def test_membership_below_the_recipient_sees_its_inbox(client, setup):
    unit = make_org("VUFO Europe department", parent=setup["vufo"])
    user = make_user("unit-user")
    Membership.objects.create(user=user, organisation=setup["vufo"], role=Role.VIEWER)
    forget_principal(user)
    signed_in(client, user)
    assert "State visit of the King" in response_text(client.get(reverse("coordination:inbox")))
    assert unit.pk


# --- the API ----------------------------------------------------------------------------------


def test_the_api_lists_and_answers_notices(client, setup):
    signed_in(client, setup["vufo_editor"])
    listed = client.get("/api/coordination/notices").json()
    assert listed["count"] == 1
    item = listed["items"][0]
    assert item["title"] == "State visit of the King" and item["unread"] is True
    detail = client.get(f"/api/coordination/notices/{item['id']}").json()
    assert "summary" not in detail["payload"] and detail["payload"]["place"]["venue"] == ""
    assert detail["allowed_responses"] == ["acknowledge", "ask", "decline"]
    answered = client.post(
        f"/api/coordination/notices/{item['id']}/answers",
        {"kind": "acknowledge"},
        content_type="application/json",
    )
    assert answered.status_code == 201 and answered.json()["status"] == "acknowledged"
    again = client.post(
        f"/api/coordination/notices/{item['id']}/answers",
        {"kind": "acknowledge"},
        content_type="application/json",
    )
    assert again.status_code == 400 and "kind" in again.json()["errors"]


def test_the_api_hides_notices_from_outsiders(client, setup):
    signed_in(client, setup["outsider"])
    assert client.get("/api/coordination/notices").json()["count"] == 0
    assert client.get(f"/api/coordination/notices/{setup['notice'].uid}").status_code == 404


def test_the_api_refuses_bad_rules_naming_the_field(client, setup):
    root = make_superuser("api-root")
    signed_in(client, root)
    agreement = Notice.objects.get().agreement
    url = f"/api/coordination/agreements/{agreement.pk}/rules"
    bad = client.post(
        url,
        {"recipient": setup["mofa"].pk, "source": setup["mofa"].pk, "lead_days": -3},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) >= {"recipient", "lead_days"}
    never = client.post(
        url, {"recipient": setup["vufo"].pk, "triggers": ["dates"]}, content_type="application/json"
    )
    assert never.status_code == 400 and "triggers" in never.json()["errors"]
    good = client.post(
        url,
        {"recipient": setup["vufo"].pk, "kinds": ["conference"], "lead_days": 7},
        content_type="application/json",
    )
    assert good.status_code == 201 and good.json()["kinds"] == ["conference"]


def test_the_api_refuses_an_agreement_that_ends_before_it_starts(client, setup):
    signed_in(client, make_superuser("api-root2"))
    response = client.post(
        "/api/coordination/agreements",
        {
            "kind": "agreement",
            "owner": setup["mofa"].pk,
            "parties": [setup["mofa"].pk, setup["vufo"].pk],
            "starts_on": "2026-01-01",
            "ends_on": "2025-12-31",
            "title_en": "Backwards",
        },
        content_type="application/json",
    )
    assert response.status_code == 400 and "ends_on" in response.json()["errors"]

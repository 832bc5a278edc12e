"""Coordination health: on-time share, median lead time, trend, late list; page, API and XLSX."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse

from liaison.activities.models import ActivityKind
from liaison.activities.testing import at, make_activity
from liaison.coordination import engine, health, outbox
from liaison.coordination.models import ChangeKind, EscalationReason
from liaison.coordination.testing import make_agreement, make_rule
from liaison.core.access import Role
from liaison.core.testing import PASSWORD, make_org, make_superuser, make_user, response_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def told():
    """Four conferences in 2027 under a 10-day rule, "entered" 30, 12, 8 and 2 days ahead."""
    make_superuser("root")
    mofa = make_org("Ministry of Foreign Affairs")
    vufo = make_org("VUFO", pillar="people")
    agreement = make_agreement(mofa, vufo, title_en="VUFO–MOFA regulation")
    plan = [(at(2027, 3, 10), 30), (at(2027, 3, 20), 12), (at(2027, 4, 5), 8), (at(2027, 4, 25), 2)]
    activities = [
        make_activity(f"Conference {n}", lead=mofa, kind=ActivityKind.CONFERENCE, starts_at=start)
        for n, (start, _ahead) in enumerate(plan)
    ]
    engine.process_pending()  # recorded before the rule existed: nothing
    make_rule(
        agreement,
        recipient=vufo,
        source=mofa,
        kinds=[ActivityKind.CONFERENCE],
        lead_days=10,
        shared_fields=["title"],
    )
    for activity, (start, ahead) in zip(activities, plan, strict=True):
        outbox.record_many([activity.pk], kind=ChangeKind.REAPPLY, at=start - dt.timedelta(days=ahead))
    engine.process_pending()
    return {"mofa": mofa, "vufo": vufo, "agreement": agreement}


def test_the_figures_of_a_year(told):
    figures = health.measure(
        health.scope(make_superuser("reader"), agreement=told["agreement"].pk),
        *health.year_bounds(2027),
        language="en",
        now=at(2027, 1, 1),
    )
    assert (figures.total, figures.on_time, figures.late) == (4, 2, 2)
    assert figures.share_on_time == 0.5
    assert figures.median_lead_days == 8  # 30, 12, 8, 2 → the lower middle
    assert [(m.month.month, m.total, m.late) for m in figures.months] == [(3, 2, 0), (4, 2, 2)]
    assert [row.title for row in figures.late_rows] == ["Conference 3", "Conference 2"]
    assert figures.late_rows[0].late_by == dt.timedelta(days=8)
    assert all(row.escalated for row in figures.late_rows)
    assert figures.escalations == 2
    assert figures.waiting == 4 and figures.overdue == 0


def test_an_organisations_health_counts_what_it_sent(told):
    reader = make_superuser("reader")
    sent = health.measure(
        health.scope(reader, organisation=told["mofa"].pk, side="source"),
        *health.year_bounds(2027),
        language="en",
    )
    received = health.measure(
        health.scope(reader, organisation=told["mofa"].pk, side="recipient"),
        *health.year_bounds(2027),
        language="en",
    )
    assert sent.total == 4 and received.total == 0


def test_the_page_shows_the_late_activity_with_its_escalation(client, told):
    user = make_user("vufo-viewer", org=told["vufo"], role=Role.VIEWER)
    client.login(username=user.username, password=PASSWORD)
    page = client.get(reverse("coordination:health") + f"?agreement={told['agreement'].pk}&year=2027")
    text = response_text(page)
    assert page.status_code == 200
    assert "50%" in text and "Conference 3" in text and "Escalated" in text
    assert "8 days" in text


def test_an_organisations_page_links_to_its_health_which_counts_what_it_sent(client, told):
    user = make_user("vufo-viewer", org=told["vufo"], role=Role.VIEWER)
    client.login(username=user.username, password=PASSWORD)
    health_url = reverse("coordination:health") + f"?organisation={told['mofa'].pk}"
    assert (
        health_url
        in client.get(reverse("directory:organisation-detail", args=[told["mofa"].pk])).content.decode()
    )
    text = response_text(client.get(health_url + "&year=2027"))
    assert "Ministry of Foreign Affairs" in text and "2 of 4 activities" in text
    received = response_text(client.get(health_url + "&year=2027&side=recipient"))
    assert "No notice about an activity starting in this year." in received


def test_the_page_has_an_empty_state(client, told):
    user = make_user("vufo-viewer", org=told["vufo"], role=Role.VIEWER)
    client.login(username=user.username, password=PASSWORD)
    page = client.get(reverse("coordination:health") + "?year=2024")
    assert "No notice about an activity starting in this year." in response_text(page)


def test_the_api_and_the_xlsx_give_the_same_figures(client, told):
    from openpyxl import load_workbook

    user = make_user("vufo-viewer", org=told["vufo"], role=Role.VIEWER)
    client.login(username=user.username, password=PASSWORD)
    body = client.get(f"/api/coordination/health?year=2027&agreement={told['agreement'].pk}").json()
    assert body["total"] == 4 and body["late"] == 2 and body["median_lead_days"] == 8
    assert body["late_notices"][0]["late_by_hours"] == 192.0
    export = client.get(
        reverse("coordination:health-export") + f"?agreement={told['agreement'].pk}&year=2027"
    )
    book = load_workbook(io.BytesIO(export.content))
    summary = {row[0]: row[1] for row in book.worksheets[0].iter_rows(values_only=True)}
    assert summary["Activities notified"] == 4 and summary["Late"] == 2
    assert book.worksheets[2].max_row == 3  # a header and the two late ones


def test_the_api_refuses_a_bad_year_with_a_400(client, told):
    user = make_user("vufo-viewer", org=told["vufo"], role=Role.VIEWER)
    client.login(username=user.username, password=PASSWORD)
    response = client.get("/api/coordination/health?year=1900")
    assert response.status_code == 400 and "year" in response.json()["errors"]


def test_someone_who_cannot_read_the_agreement_sees_nothing(client, told):
    from liaison.core.models import Classification

    told["agreement"].classification = Classification.RESTRICTED
    told["agreement"].save()
    outsider = make_user("outsider", org=make_org("Elsewhere"), role=Role.ADMINISTRATOR)
    client.login(username=outsider.username, password=PASSWORD)
    body = client.get(f"/api/coordination/health?year=2027&agreement={told['agreement'].pk}").json()
    assert body["total"] == 0


def test_the_tallies_can_be_rebuilt_from_the_notices(told):
    from liaison.coordination import tallies
    from liaison.coordination.models import NoticeTally

    before = sorted(NoticeTally.objects.values_list("month", "lead_days", "late", "count"))
    tallies.rebuild()
    assert sorted(NoticeTally.objects.values_list("month", "lead_days", "late", "count")) == before
    assert sum(row[3] for row in before) == 4


def test_late_escalations_are_recorded_as_such(told):
    from liaison.coordination.models import Escalation

    assert set(Escalation.objects.values_list("reason", flat=True)) == {EscalationReason.LATE}

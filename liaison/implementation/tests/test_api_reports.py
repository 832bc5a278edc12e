"""The implementation API, continued: progress reports and their review, the read-outs (roll-ups,
heatmap, completeness, overdue, not reported) and supervision visits."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liaison.activities.testing import make_activity
from liaison.core.access import Role
from liaison.core.models import AuditEvent, Classification
from liaison.core.testing import make_org, make_user
from liaison.implementation import reporting, services
from liaison.implementation.models import Inspection, ProgressReport, ReportStatus, Task
from liaison.implementation.schemas import (
    AssignmentPageOut,
    CompletenessOut,
    HeatmapOut,
    NodeOut,
    NotReportedOut,
    VisitListOut,
)
from liaison.implementation.testing import assign_to, make_document, make_plan, make_task

pytestmark = pytest.mark.django_db
API = "/api/implementation"
JSON = "application/json"


def _as(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def assignment(world):
    task = make_task(world["plan"], indicator="Friendship events", unit="events", baseline=0, target=10)
    (assigned,) = assign_to(task, world["hanoi"])
    return assigned


def _url(assignment, period="2023-Q1"):
    return f"{API}/assignments/{assignment.pk}/reports/{period}"


def accept(world, report_for, assignment, period, **values):
    report = report_for(assignment, period, submit=True, **values)
    reporting.approve_report(by=world["coordinator"], report=report)
    return report


# --- the workflow -----------------------------------------------------------------------------


def test_a_province_reports_is_returned_resubmits_and_is_accepted_with_every_version_kept(
    client, world, assignment
):
    # given Hà Nội's editor, an activity of theirs as evidence, and the plan's coordinator
    editor, coordinator = world["hanoi_editor"], world["coordinator"]
    activity = make_activity("Friendship exchange", lead=world["hanoi"])
    client = _as(client, editor)
    # when the editor writes a draft for 2023-Q1
    created = client.put(
        _url(assignment),
        {"percent": 30, "value": "3", "unit": "Events", "narrative": "Three", "activities": [activity.pk]},
        content_type=JSON,
    )
    # then it is a draft the editor may edit and submit, attributed to the API
    assert created.status_code == 201, created.content
    body = created.json()
    assert created["Location"] == f"{API}/reports/{body['id']}"
    assert (body["status"], body["period"], body["percent"], body["value"]) == ("draft", "2023-Q1", 30.0, 3.0)
    assert body["organisation"] == {"id": world["hanoi"].pk, "name": "Hà Nội Party Committee"}
    assert body["activities"] == [activity.pk] and body["allowed"] == ["edit", "submit"]
    event = AuditEvent.objects.get(
        object_id=str(body["id"]), content_type__model="progressreport", action="create"
    )
    assert (event.actor, event.via) == (editor, "api")
    # when it is rewritten with its ETag and submitted
    rewritten = client.put(
        _url(assignment),
        {"percent": 35, "value": 3},
        content_type=JSON,
        headers={"If-Match": created["ETag"]},
    )
    assert rewritten.status_code == 200, rewritten.content
    assert rewritten.json()["activities"] == []
    submitted = client.post(f"{API}/reports/{body['id']}/submit")
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["waiting_for"] == {
        "level": 1,
        "organisation": {"id": world["cerc"].pk, "name": "Commission for External Relations"},
    }
    # then the editor can neither change nor approve it
    assert client.put(_url(assignment), {"percent": 90}, content_type=JSON).status_code == 400
    assert client.post(f"{API}/reports/{body['id']}/approve", {}, content_type=JSON).status_code == 404
    # when the coordinator returns it, a comment required
    client = _as(client, coordinator)
    assert client.get(f"{API}/reports/{body['id']}").json()["allowed"] == ["approve", "return"]
    bare = client.post(f"{API}/reports/{body['id']}/return", {"comment": "  "}, content_type=JSON)
    assert bare.status_code == 400 and "comment" in bare.json()["errors"]
    returned = client.post(
        f"{API}/reports/{body['id']}/return", {"comment": "Name the events."}, content_type=JSON
    )
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
    # and the province resubmits, and the coordinator accepts
    client = _as(client, editor)
    client.put(_url(assignment), {"percent": 40, "value": 4, "narrative": "Four"}, content_type=JSON)
    assert client.post(f"{API}/reports/{body['id']}/submit").status_code == 200
    client = _as(client, coordinator)
    accepted = client.post(f"{API}/reports/{body['id']}/approve", {"comment": "Good"}, content_type=JSON)
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "accepted" and accepted.json()["allowed"] == []
    # then every version and every step is kept
    versions = client.get(f"{API}/reports/{body['id']}/versions").json()
    assert [(v["number"], v["percent"], v["submitted_by"]) for v in versions] == [
        (1, 35.0, editor.username),
        (2, 40.0, editor.username),
    ]
    reviews = client.get(f"{API}/reports/{body['id']}/reviews").json()
    assert [(r["action"], r["level"]) for r in reviews] == [
        ("submit", 0),
        ("return", 1),
        ("submit", 0),
        ("accept", 1),
    ]
    assert reviews[1]["comment"] == "Name the events." and reviews[1]["by"] == coordinator.username
    # and the assignment carries the accepted figures, with its reports listed
    detail = client.get(f"{API}/assignments/{assignment.pk}").json()
    assert (detail["status"], detail["reported_percent"], detail["value"], detail["last_period"]) == (
        "on_track",
        40.0,
        4.0,
        "2023-Q1",
    )
    assert [r["status"] for r in detail["reports"]] == ["accepted"]
    assert client.get(_url(assignment)).json()["id"] == body["id"]


def test_a_report_waits_for_each_approval_level_in_turn(client, world, assignment, report_for):
    secretariat_coordinator = make_user(org=world["secretariat"], role=Role.COORDINATOR)
    _as(client, world["root"]).put(
        f"{API}/plans/{world['plan'].pk}/approval-levels",
        {"organisations": [world["cerc"].pk, world["secretariat"].pk]},
        content_type=JSON,
    )
    report = report_for(assignment, "2023-Q1", submit=True, percent=Decimal(10))
    url = f"{API}/reports/{report.pk}/approve"
    assert _as(client, secretariat_coordinator).post(url, {}, content_type=JSON).status_code == 404
    first = _as(client, world["coordinator"]).post(url, {}, content_type=JSON).json()
    assert (first["status"], first["stage"], first["waiting_for"]["level"]) == ("submitted", 2, 2)
    assert (
        _as(client, secretariat_coordinator).post(url, {}, content_type=JSON).json()["status"] == "accepted"
    )


def test_reports_waiting_for_my_decision_are_listed_level_by_level(client, world, report_for):
    # given a plan approved by the Commission, then the Secretariat, and its coordinators
    secretariat_coordinator = make_user(org=world["secretariat"], role=Role.COORDINATOR)
    _as(client, world["root"]).put(
        f"{API}/plans/{world['plan'].pk}/approval-levels",
        {"organisations": [world["cerc"].pk, world["secretariat"].pk]},
        content_type=JSON,
    )
    task = make_task(world["plan"], title_en="Exchange delegations")
    hanoi, hue = assign_to(task, world["hanoi"], world["hue"])
    # when Huế submits, then Hà Nội, and Hà Nội also keeps a draft for the next quarter
    first = report_for(hue, "2023-Q1", submit=True, percent=Decimal(20))
    second = report_for(hanoi, "2023-Q1", submit=True, percent=Decimal(10))
    report_for(hanoi, "2023-Q2", percent=Decimal(15))
    # then the first level's coordinator sees both submitted reports, the longest waiting first
    url = f"{API}/reviews/awaiting"
    waiting = _as(client, world["coordinator"]).get(url)
    assert waiting.status_code == 200, waiting.content
    body = waiting.json()
    assert [(r["id"], r["stage"], r["percent"]) for r in body] == [(first.pk, 1, 20.0), (second.pk, 1, 10.0)]
    assert body[0]["organisation"] == {"id": world["hue"].pk, "name": "Huế Party Committee"}
    assert (body[0]["assignment"], body[0]["plan"], body[0]["task"]["id"]) == (
        hue.pk,
        world["plan"].pk,
        task.pk,
    )
    assert body[0]["period_due_on"] == str(first.period.due_on)
    # and neither the second level nor the reporting editor has anything to decide yet
    assert _as(client, secretariat_coordinator).get(url).json() == []
    assert _as(client, world["hanoi_editor"]).get(url).json() == []
    # when the Commission approves Huế's report, it moves on to the Secretariat
    _as(client, world["coordinator"]).post(f"{API}/reports/{first.pk}/approve", {}, content_type=JSON)
    assert [r["id"] for r in _as(client, world["coordinator"]).get(url).json()] == [second.pk]
    assert [(r["id"], r["stage"]) for r in _as(client, secretariat_coordinator).get(url).json()] == [
        (first.pk, 2)
    ]
    # and `limit` keeps the oldest, refusing nonsense like the lists do
    assert [r["id"] for r in _as(client, world["root"]).get(url, {"limit": 1}).json()] == [first.pk]
    assert _as(client, world["root"]).get(url, {"limit": 0}).status_code == 400


def test_the_reports_waiting_for_a_decision_cost_the_same_queries_however_many_wait(
    client, world, report_for
):
    # given the plan's coordinator and a task assigned to ever more provinces that all report
    client = _as(client, world["coordinator"])
    task = make_task(world["plan"], title_en="Exchange delegations")
    url = f"{API}/reviews/awaiting"
    client.get(url)  # sessions and caches warmed up
    counts = []
    for n in (1, 4):
        provinces = [make_org(f"Province {n}.{i}", kind="provincial_committee") for i in range(n)]
        for assigned in assign_to(task, *provinces):
            report_for(assigned, "2023-Q1", submit=True, percent=Decimal(5))
        # when the coordinator asks what waits for a decision
        queries, body = _queries(client, url)
        counts.append(queries)
    # then session, user, memberships (3); the submitted reports with their periods, tasks and
    # plans, their plans' approval levels, the organisations the reader may see, their names (4)
    assert len(body) == 5
    assert counts == [3 + 4, 3 + 4]


@pytest.mark.parametrize(
    ("body", "period", "field", "words"),
    [
        ({"percent": 101}, "2023-Q1", "percent", "between 0 and 100"),
        ({"percent": -0.5}, "2023-Q1", "percent", "between 0 and 100"),
        ({"percent": "lots"}, "2023-Q1", "percent", ""),
        ({"value": 3, "unit": "people"}, "2023-Q1", "unit", "counted in events"),
        ({"value": 10**13}, "2023-Q1", "value", "too large"),
        ({}, "2025-Q1", "period", "outside this plan"),
        ({}, "2022-Q4", "period", "outside this plan"),
        ({}, "nonsense", "period", "outside this plan"),
        ({"progress": "great"}, "2023-Q1", "progress", ""),
        ({"activities": [999999]}, "2023-Q1", "activities", "No activity 999999."),
        ({"documents": [999999]}, "2023-Q1", "documents", "No document 999999."),
        ({"notices": [str(uuid.UUID(int=1))]}, "2023-Q1", "notices", "No notice"),
        ({"notices": ["not-a-uuid"]}, "2023-Q1", "notices", ""),
        ({"narrative": "x" * 20_001}, "2023-Q1", "narrative", "under"),
        ({"status": "accepted"}, "2023-Q1", "status", ""),
    ],
)
def test_bad_reports_are_a_400_naming_the_field(client, world, assignment, body, period, field, words):
    response = _as(client, world["hanoi_editor"]).put(_url(assignment, period), body, content_type=JSON)
    assert response.status_code == 400, response.content
    assert words in " ".join(response.json()["errors"][field]), response.json()
    assert not ProgressReport.objects.exists()


def test_non_numbers_are_refused_as_numbers(client, world, assignment):
    # Python's JSON parser reads NaN and Infinity: they must not reach the database
    client = _as(client, world["hanoi_editor"])
    for raw in ['{"percent": NaN}', '{"value": Infinity}', '{"percent": -Infinity}', '{"value": "1e400"}']:
        response = client.put(_url(assignment), raw, content_type=JSON)
        assert response.status_code == 400, (raw, response.content)
    assert not ProgressReport.objects.exists()


def test_a_value_for_a_task_without_an_indicator_is_refused(client, world):
    (plain,) = assign_to(make_task(world["plan"]), world["hanoi"])
    response = _as(client, world["hanoi_editor"]).put(_url(plain), {"value": 2}, content_type=JSON)
    assert response.status_code == 400
    assert "no indicator" in response.json()["errors"]["value"][0]


def test_an_editor_of_another_province_cannot_report_for_ha_noi(client, world, assignment):
    # given Huế's editor and Hà Nội's viewer, who both read the plan
    for user in (world["hue_editor"], world["hanoi_viewer"]):
        client = _as(client, user)
        assert client.get(f"{API}/assignments/{assignment.pk}").json()["can_report"] is False
        # when they write Hà Nội's report
        refused = client.put(_url(assignment), {"percent": 50}, content_type=JSON)
        missing = client.put(f"{API}/assignments/999999/reports/2023-Q1", {"percent": 50}, content_type=JSON)
        # then it is refused as the other APIs refuse a change one may not make: 404, like a missing one
        assert refused.status_code == missing.status_code == 404
        assert refused.content == missing.content
    assert not ProgressReport.objects.exists()


def test_a_report_on_a_hidden_plan_answers_like_a_missing_one(client, world, report_for):
    secret = make_plan(world["directive"], owner=world["cerc"], classification=Classification.RESTRICTED)
    (assigned,) = assign_to(make_task(secret), world["hanoi"])
    report = report_for(assigned, "2023-Q1", submit=True)
    client = _as(client, world["hue_editor"])
    for suffix in ["", "/versions", "/reviews"]:
        assert (
            client.get(f"{API}/reports/{report.pk}{suffix}").content
            == client.get(f"{API}/reports/999999{suffix}").content
        )
    assert client.get(f"{API}/assignments/{assigned.pk}").status_code == 404
    assert client.post(f"{API}/reports/{report.pk}/approve", {}, content_type=JSON).status_code == 404


def test_a_stale_if_match_on_a_report_is_412(client, world, assignment, report_for):
    report = report_for(assignment, "2023-Q1", by=world["hanoi_editor"], percent=Decimal(5))
    client = _as(client, world["hanoi_editor"])
    stale = client.put(_url(assignment), {"percent": 9}, content_type=JSON, headers={"If-Match": '"99"'})
    assert stale.status_code == 412
    assert client.post(f"{API}/reports/{report.pk}/submit", headers={"If-Match": '"99"'}).status_code == 412
    report.refresh_from_db()
    assert (report.percent, report.status) == (Decimal("5.0"), ReportStatus.DRAFT)


def test_evidence_the_reader_may_not_see_is_left_out(client, world, assignment):
    # given a restricted activity of Hà Nội cited by its editor, who is cleared for it
    editor = make_user(org=world["hanoi"], role=Role.EDITOR, clearance=Classification.RESTRICTED)
    secret = make_activity("Closed talks", lead=world["hanoi"], classification=Classification.RESTRICTED)
    shown = make_activity("Open exchange", lead=world["hanoi"])
    created = _as(client, editor).put(
        _url(assignment), {"activities": [secret.pk, shown.pk]}, content_type=JSON
    )
    assert sorted(created.json()["activities"]) == sorted([secret.pk, shown.pk])
    client.post(f"{API}/reports/{created.json()['id']}/submit")
    # when the plan's coordinator (cleared for internal) reads the report and its versions
    client = _as(client, world["coordinator"])
    report = client.get(f"{API}/reports/{created.json()['id']}").json()
    versions = client.get(f"{API}/reports/{created.json()['id']}/versions").json()
    # then only the activity they may see is listed
    assert report["activities"] == [shown.pk]
    assert versions[0]["evidence"] == {"activities": [shown.pk], "documents": [], "notices": []}
    # and Huế's editor may not cite Hà Nội's restricted activity either
    hue = make_user(org=world["hue"], role=Role.EDITOR, clearance=Classification.RESTRICTED)
    (hue_assignment,) = assign_to(assignment.task, world["hue"])
    refused = _as(client, hue).put(_url(hue_assignment), {"activities": [secret.pk]}, content_type=JSON)
    assert refused.json()["errors"]["activities"] == [f"No activity {secret.pk}."]


# --- read-outs --------------------------------------------------------------------------------


def test_heatmap_rollup_and_completeness_follow_the_reports(client, world, report_for, time_machine):
    # given a weighted plan with two tasks assigned to Hà Nội and Huế, and one report accepted
    plan = world["plan"]
    heavy = make_task(plan, weight=3, code="1")
    light = make_task(plan, weight=1, code="2", due_on=dt.date(2023, 6, 30), recurrence="once")
    hanoi_heavy, hue_heavy = assign_to(heavy, world["hanoi"], world["hue"])
    (hanoi_light,) = assign_to(light, world["hanoi"])
    time_machine.move_to(dt.datetime(2023, 4, 10, 10, tzinfo=dt.UTC))
    accept(world, report_for, hanoi_heavy, "2023-Q1", percent=Decimal(80), today=dt.date(2023, 4, 10))
    time_machine.move_to(dt.datetime(2023, 5, 10, 10, tzinfo=dt.UTC))
    report_for(hue_heavy, "2023-Q1", submit=True, percent=Decimal(20), today=dt.date(2023, 5, 10))  # late
    time_machine.move_to(dt.datetime(2023, 8, 1, 10, tzinfo=dt.UTC))
    client = _as(client, world["hanoi_viewer"])
    # when the heatmap is read
    response = client.get(f"{API}/plans/{plan.pk}/heatmap")
    assert response.status_code == 200
    heat = HeatmapOut.model_validate(response.json())
    # then rows are organisations, columns the leaf tasks, the light task overdue for Hà Nội
    assert [t.code for t in heat.tasks] == ["1", "2"]
    assert [row.organisation.name for row in heat.rows] == ["Hà Nội Party Committee", "Huế Party Committee"]
    hanoi_cells, hue_cells = heat.rows[0].cells, heat.rows[1].cells
    assert (hanoi_cells[0].status, hanoi_cells[0].computed, hanoi_cells[0].last_period) == (
        "on_track",
        80.0,
        "2023-Q1",
    )
    assert hanoi_cells[1].overdue and hue_cells[1] is None
    assert hanoi_cells[0].assignment == hanoi_heavy.pk
    assert heat.counts == {"on_track": 1, "not_started": 1, "overdue": 1}
    # and the roll-up keeps reported and computed apart
    rollup = NodeOut.model_validate(client.get(f"{API}/plans/{plan.pk}/rollup").json())
    assert rollup.kind == "plan" and [c.code for c in rollup.children] == ["1", "2"]
    assert (rollup.children[0].reported, rollup.children[0].computed) == (80.0, 40.0)
    assert rollup.computed == 30.0 and rollup.assignments == 3
    # and completeness counts expected, actual and on-time reports per period and organisation
    body = client.get(f"{API}/plans/{plan.pk}/completeness", {"until": "2023-06-30"}).json()
    result = CompletenessOut.model_validate(body)
    assert [p.label for p in result.periods] == ["2023-Q1", "2023-Q2"]
    q1 = result.periods[0]
    assert (q1.expected, q1.actual, q1.on_time, q1.rate, q1.on_time_rate) == (3, 2, 1, 66.7, 33.3)
    hue = next(o for o in result.organisations if o.organisation.name == "Huế Party Committee")
    assert [(p.period, p.expected, p.actual, p.on_time) for p in hue.periods] == [
        ("2023-Q1", 1, 1, 0),
        ("2023-Q2", 1, 0, 0),
    ]
    assert result.total.expected == 6
    # and overdue and not reported list who is behind
    overdue = AssignmentPageOut.model_validate(client.get(f"{API}/plans/{plan.pk}/overdue").json())
    assert [(a.id, a.task.code) for a in overdue.items] == [(hanoi_light.pk, "2")]
    missing = NotReportedOut.model_validate(
        client.get(f"{API}/plans/{plan.pk}/not-reported", {"period": "2023-Q1"}).json()
    )
    assert [a.id for a in missing.items] == [hanoi_light.pk]
    current = client.get(f"{API}/plans/{plan.pk}/not-reported").json()
    assert current["period"]["label"] == "2023-Q3" and current["count"] == 2  # due next
    unknown = client.get(f"{API}/plans/{plan.pk}/not-reported", {"period": "2030-Q1"})
    assert unknown.status_code == 400
    assert "outside this plan" in unknown.json()["errors"]["period"][0]


def test_a_documents_rollup_averages_the_plans_implementing_it(client, world, report_for):
    # given Project 01 implementing Directive 12, a plan under each, and a restricted third plan
    project = make_document(issuer=world["secretariat"], code="01-ĐA/TW", kind="project")
    services.relate(by=world["root"], source=project, target=world["directive"], kind="implements")
    by_status = make_plan(project, owner=world["cerc"], rollup_rule="status")
    hidden = make_plan(world["directive"], owner=world["cerc"], classification=Classification.RESTRICTED)
    (done,) = assign_to(make_task(by_status), world["hanoi"])
    (plain,) = assign_to(make_task(world["plan"]), world["hanoi"])
    assign_to(make_task(hidden), world["hanoi"])
    accept(world, report_for, done, "2023-Q1", progress="done", percent=Decimal(90))
    accept(world, report_for, plain, "2023-Q1", percent=Decimal(50))
    # when a reader who may not see the restricted plan reads the directive's roll-up
    response = _as(client, world["hanoi_viewer"]).get(f"{API}/documents/{world['directive'].pk}/rollup")
    node = NodeOut.model_validate(response.json())
    # then it averages the two plans they may see
    assert node.kind == "document" and sorted(c.id for c in node.children) == sorted(
        [by_status.pk, world["plan"].pk]
    )
    assert node.computed == 75.0 and node.reported == 70.0


def test_hidden_organisations_are_null_in_the_read_outs(client, world, report_for):
    secret = make_org(
        "Secret Cell", pillar="party", kind="provincial_committee", classification=Classification.RESTRICTED
    )
    task = make_task(world["plan"], due_on=dt.date(2023, 3, 31), recurrence="once")
    assign_to(task, world["hanoi"], secret)
    client = _as(client, world["hanoi_viewer"])
    for suffix in ["heatmap", "completeness", "overdue", "not-reported?period=2023-Q1"]:
        response = client.get(f"{API}/plans/{world['plan'].pk}/{suffix}")
        assert response.status_code == 200, suffix
        assert "Secret Cell" not in response.content.decode(), suffix
    heat = client.get(f"{API}/plans/{world['plan'].pk}/heatmap").json()
    assert [row["organisation"] and row["organisation"]["name"] for row in heat["rows"]] == [
        "Hà Nội Party Committee",
        None,
    ]
    overdue = client.get(f"{API}/plans/{world['plan'].pk}/overdue").json()["items"]
    assert sorted(str(a["organisation"]) for a in overdue) == sorted(
        [str({"id": world["hanoi"].pk, "name": "Hà Nội Party Committee"}), "None"]
    )


def _queries(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), response.json()


# Every read-out: session, user, memberships, the plan (4); then:
READ_OUT_QUERIES = {
    # leaf tasks, period labels, assignments, organisations the reader may see and their names,
    # which of the rows' organisations are readable
    "heatmap": 4 + 6,
    # assignments aggregated per task and status, tasks, objectives
    "rollup": 4 + 3,
    # periods, expected (one aggregate), actual and on time (one aggregate), organisations, names
    "completeness": 4 + 5,
    # count, page, period labels, organisations, names
    "overdue": 4 + 5,
    # the period, the assignments without a report, period labels, organisations, names
    "not-reported?period=2023-Q1": 4 + 5,
    # count, page, organisations, names
    "visits": 4 + 4,
    # the periods
    "periods": 4 + 1,
}


def test_the_read_outs_cost_the_same_number_of_queries_whatever_the_size_of_the_plan(
    client, world, report_for
):
    # given a small plan and a plan five times its size
    small = make_plan(world["directive"], owner=world["cerc"])
    large = make_plan(world["directive"], owner=world["cerc"])
    for plan, n in [(small, 1), (large, 5)]:
        objective = None
        for i in range(n):
            orgs = [make_org(f"Province {plan.pk}-{i}-{j}", kind="provincial_committee") for j in range(2)]
            task = make_task(plan, objective=objective, due_on=dt.date(2023, 3, 31), recurrence="once")
            first, _ = assign_to(task, *orgs)
            accept(world, report_for, first, "2023-Q1", percent=Decimal(10))
            Inspection.objects.create(
                plan=plan,
                kind="supervision",
                organisation=orgs[0],
                led_by=world["cerc"],
                planned_on=dt.date(2023, 5, 1),
            )
    client = _as(client, world["hanoi_viewer"])
    client.get(f"{API}/plans")  # warm the session
    for suffix, budget in READ_OUT_QUERIES.items():
        few, small_body = _queries(client, f"{API}/plans/{small.pk}/{suffix}")
        many, large_body = _queries(client, f"{API}/plans/{large.pk}/{suffix}")
        assert few == many, (suffix, few, many)
        assert many <= budget, (suffix, many)
        assert suffix == "periods" or small_body != large_body
    VisitListOut.model_validate(_queries(client, f"{API}/plans/{large.pk}/visits")[1])
    few, _ = _queries(client, f"{API}/documents/{world['directive'].pk}/rollup")
    make_plan(world["directive"], owner=world["cerc"])
    many, _ = _queries(client, f"{API}/documents/{world['directive'].pk}/rollup")
    assert few == many


# --- supervision visits -----------------------------------------------------------------------


def test_a_supervision_visit_with_findings_recommendations_and_a_follow_up_task(client, world):
    # given the plan's coordinator
    plan = world["plan"]
    client = _as(client, world["coordinator"])
    # when they plan a visit to Hà Nội
    created = client.post(
        f"{API}/plans/{plan.pk}/visits",
        {
            "kind": "supervision",
            "organisation": world["hanoi"].pk,
            "led_by": world["cerc"].pk,
            "planned_on": "2023-10-02",
            "team": ["Nguyễn Văn A, head", " ", "Trần Thị B, member"],
        },
        content_type=JSON,
    )
    assert created.status_code == 201, created.content
    visit = created.json()
    assert visit["team"] == ["Nguyễn Văn A, head", "Trần Thị B, member"]
    assert visit["organisation"]["name"] == "Hà Nội Party Committee" and visit["findings"] == []
    location = created["Location"]
    assert location == f"{API}/visits/{visit['id']}"
    # and record it done, with a finding and its recommendations
    done = client.patch(
        location,
        {"status": "done", "done_on": "2023-10-03"},
        content_type=JSON,
        headers={"If-Match": created["ETag"]},
    )
    assert done.status_code == 200, done.content
    found = client.post(
        f"{location}/findings",
        {"text": "Reports are late", "recommendations": ["Name a focal point"]},
        content_type=JSON,
    )
    assert found.status_code == 201, found.content
    finding = found.json()["findings"][0]
    more = client.post(
        f"{location}/findings/{finding['id']}/recommendations",
        {"text": "Train the staff", "due_on": "2024-03-31"},
        content_type=JSON,
    )
    assert more.status_code == 201
    recommendations = more.json()["findings"][0]["recommendations"]
    assert [r["text"] for r in recommendations] == ["Name a focal point", "Train the staff"]
    # and follow one up with a task in the plan's own tree
    followed = client.post(
        f"{location}/recommendations/{recommendations[0]['id']}/follow-up",
        {
            "responsible": world["hanoi"].pk,
            "title_en": "Name a focal point",
            "due_on": "2023-12-31",
            "recurrence": "once",
        },
        content_type=JSON,
    )
    # then the task is in the plan, assigned to the visited organisation, and the visit shows it
    assert followed.status_code == 201, followed.content
    task = followed.json()
    assert task["plan"] == plan.pk and task["origin"] == recommendations[0]["id"]
    assert [(a["organisation"]["id"], a["assigned_on"]) for a in task["assignments"]] == [
        (world["hanoi"].pk, "2023-10-03")
    ]
    shown = client.get(location).json()
    assert shown["findings"][0]["recommendations"][0]["follow_up_tasks"] == [task["id"]]
    listed = client.get(f"{API}/plans/{plan.pk}/visits").json()
    assert [v["id"] for v in listed["items"]] == [visit["id"]]
    # and the visit stays on record once it has a follow-up
    refused = client.delete(location)
    assert refused.status_code == 400 and "Follow-up" in refused.json()["errors"]["__all__"][0]
    Task.objects.filter(pk=task["id"]).delete()
    assert client.delete(location).status_code == 204


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"planned_on": "2025-02-01"}, "planned_on"),
        ({"status": "done"}, "done_on"),
        ({"done_on": "2023-10-03"}, "status"),
        ({"kind": "audit"}, "kind"),
        ({"organisation": 999999}, "organisation"),
        ({"led_by": None}, "led_by"),
        ({"team": "everyone"}, "team"),
    ],
)
def test_bad_visits_are_a_400_naming_the_field(client, world, changes, field):
    body = {
        "kind": "inspection",
        "organisation": world["hanoi"].pk,
        "led_by": world["cerc"].pk,
        "planned_on": "2023-10-02",
    }
    body.update(changes)
    response = _as(client, world["coordinator"]).post(
        f"{API}/plans/{world['plan'].pk}/visits", body, content_type=JSON
    )
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()
    assert not Inspection.objects.exists()


def test_findings_and_follow_ups_are_refused_with_a_field_error_and_to_readers(client, world):
    visit = Inspection.objects.create(
        plan=world["plan"],
        kind="supervision",
        organisation=world["hanoi"],
        led_by=world["cerc"],
        planned_on=dt.date(2023, 5, 1),
    )
    client = _as(client, world["coordinator"])
    assert client.post(f"{API}/visits/{visit.pk}/findings", {"text": " "}, content_type=JSON).json()[
        "errors"
    ] == {"text": ["Write the finding."]}
    reader = _as(client, world["hanoi_editor"])
    assert reader.get(f"{API}/visits/{visit.pk}").status_code == 200
    assert (
        reader.post(f"{API}/visits/{visit.pk}/findings", {"text": "x"}, content_type=JSON).status_code == 404
    )
    assert reader.patch(f"{API}/visits/{visit.pk}", {"summary": "x"}, content_type=JSON).status_code == 404
    assert reader.post(
        f"{API}/visits/{visit.pk}/recommendations/999999/follow-up", {}, content_type=JSON
    ).status_code in (
        400,
        404,
    )

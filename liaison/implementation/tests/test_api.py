"""The implementation API: documents, plans, objectives, tasks and assignments. The same rules as
the services, JSON errors naming the field, ETags, 404 for what the caller may not see (or may
not change), hidden organisations never named, a constant number of queries for the lists.

Reports, visits and the read-outs (roll-ups, heatmap, completeness) are in test_api_reports.py.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liaison.accounts.tokens import create_api_token
from liaison.core.access import Role
from liaison.core.models import AuditEvent, Classification
from liaison.core.testing import make_org, make_user
from liaison.directory.models import Organisation
from liaison.implementation.models import Assignment, GuidingDocument, Objective, Plan, Task
from liaison.implementation.schemas import DocumentListOut, PlanListOut
from liaison.implementation.testing import assign_to, make_document, make_plan, make_task

pytestmark = pytest.mark.django_db
API = "/api/implementation"
JSON = "application/json"


def _as(client, user):
    client.force_login(user)
    return client


def _bearer(user):
    return {"Authorization": f"Bearer {create_api_token(user=user, name='test')}"}


def _plan_body(world, **changes):
    values = {
        "document": world["directive"].pk,
        "owner": world["cerc"].pk,
        "starts_on": "2025-01-01",
        "ends_on": "2026-12-31",
        "title_en": "Plan for 2025-2026",
    }
    values.update(changes)
    return values


def _task_body(world, **changes):
    values = {"responsible": world["cerc"].pk, "title_en": "Receive delegations"}
    values.update(changes)
    return values


# --- guiding documents ------------------------------------------------------------------------


def test_an_editor_records_relates_and_changes_a_document_and_a_coordinator_deletes_it(client, world):
    # given an editor and a coordinator of the Commission, with API tokens
    editor, coordinator = world["cerc_editor"], world["coordinator"]
    headers = _bearer(editor)
    # when the editor records a project that implements Directive 12
    created = client.post(
        f"{API}/documents",
        {
            "code": "01-ĐA/TW",
            "kind": "project",
            "issuer": world["secretariat"].pk,
            "owner": world["cerc"].pk,
            "issued_on": "2023-03-01",
            "title_vi": "Đề án 01",
        },
        content_type=JSON,
        headers=headers,
    )
    # then it is saved, attributed to the API, and the answer points at it
    assert created.status_code == 201, created.content
    body = created.json()
    assert created["ETag"] == '"1"'
    assert created["Location"] == f"{API}/documents/{body['id']}"
    assert body["issuer"] == {"id": world["secretariat"].pk, "name": "Secretariat"}
    assert body["title"] == "Đề án 01" and body["classification"] == "public"
    event = AuditEvent.objects.get(
        object_id=str(body["id"]), action="create", content_type__model="guidingdocument"
    )
    assert (event.actor, event.via) == (editor, "api")
    location = created["Location"]
    related = client.post(
        f"{location}/relations",
        {"target": world["directive"].pk, "kind": "implements"},
        content_type=JSON,
        headers=headers,
    )
    assert related.status_code == 201, related.content
    assert [(r["kind"], r["document"]["code"]) for r in related.json()["relations"]] == [
        ("implements", "12-CT/TW")
    ]
    # and the directive shows who implements it, and a circle is refused on its field
    directive = client.get(f"{API}/documents/{world['directive'].pk}", headers=headers).json()
    assert [r["document"]["id"] for r in directive["referred_by"]] == [body["id"]]
    assert [p["id"] for p in directive["plans"]] == [world["plan"].pk]
    circle = client.post(
        f"{API}/documents/{world['directive'].pk}/relations",
        {"target": body["id"], "kind": "implements"},
        content_type=JSON,
        headers=_bearer(world["root"]),
    )
    assert circle.status_code == 400
    assert "circle" in circle.json()["errors"]["target"][0]
    # when the editor changes a field with the ETag, then with the stale one
    patched = client.patch(
        location, {"title_en": "Project 01"}, content_type=JSON, headers={**headers, "If-Match": '"1"'}
    )
    assert patched.status_code == 200, patched.content
    assert patched["ETag"] == '"2"' and patched.json()["title_en"] == "Project 01"
    stale = client.patch(location, {"text": "…"}, content_type=JSON, headers={**headers, "If-Match": '"1"'})
    assert stale.status_code == 412
    # then the editor may not delete it (404, as for a missing one), the coordinator may once the
    # relation is removed
    assert client.delete(location, headers=headers).status_code == 404
    relation_id = related.json()["relations"][0]["id"]
    removed = client.delete(f"{location}/relations/{relation_id}", headers=headers)
    assert removed.status_code == 204
    assert client.delete(location, headers=_bearer(coordinator)).status_code == 204
    assert not GuidingDocument.objects.filter(pk=body["id"]).exists()
    assert client.get(location, headers=headers).status_code == 404


def test_the_document_list_filters_and_pages(client, world):
    make_document(issuer=world["secretariat"], code="01-ĐA/TW", kind="project", title_en="Project 01")
    make_document(issuer=world["secretariat"], code="13/NQ", kind="resolution", title_en="Resolution")
    client = _as(client, world["hanoi_viewer"])

    def codes(**params):
        response = client.get(f"{API}/documents", params)
        assert response.status_code == 200, response.content
        return [item["code"] for item in response.json()["items"]]

    assert sorted(codes()) == ["01-ĐA/TW", "12-CT/TW", "13/NQ"]
    assert codes(kind="project") == ["01-ĐA/TW"]
    assert codes(q="resol") == ["13/NQ"]
    assert len(codes(limit=1)) == 1
    assert client.get(f"{API}/documents", {"limit": 0}).status_code == 400
    assert client.get(f"{API}/documents", {"limit": "many"}).status_code == 400


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"code": ""}, "code"),
        ({"code": "12-ct/tw"}, "code"),  # taken, whatever the case
        ({"kind": "memo"}, "kind"),
        ({"title_vi": ""}, "title_en"),
        ({"issuer": 999999}, "issuer"),
        ({"issuer": "the Secretariat"}, "issuer"),
        ({"issued_on": "2023-02-30"}, "issued_on"),
        ({"classification": 7}, "classification"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_document_input_is_a_400_naming_the_field(client, world, changes, field):
    body = {"code": "01-ĐA/TW", "kind": "project", "issuer": world["cerc"].pk, "issued_on": "2023-03-01"}
    body["title_vi"] = "Đề án 01"
    body.update(changes)
    response = _as(client, world["cerc_editor"]).post(f"{API}/documents", body, content_type=JSON)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()
    assert GuidingDocument.objects.count() == 1


def test_malformed_json_and_wrong_types_are_4xx_never_5xx(client, world):
    client = _as(client, world["coordinator"])
    plan = world["plan"]
    task = make_task(plan)
    for url, method in [
        (f"{API}/documents", client.post),
        (f"{API}/plans", client.post),
        (f"{API}/plans/{plan.pk}", client.patch),
        (f"{API}/plans/{plan.pk}/tasks", client.post),
        (f"{API}/plans/{plan.pk}/approval-levels", client.put),
        (f"{API}/tasks/{task.pk}", client.patch),
        (f"{API}/tasks/{task.pk}/assignments", client.post),
    ]:
        for body in ["{not json", "[1, 2]", "null", '"text"', '{"weight": {"a": 1}}']:
            response = method(url, body, content_type=JSON)
            assert 400 <= response.status_code < 500, (url, body, response.status_code)
    wrong_types = [
        {"weight": "heavy"},
        {"weight": "NaN"},
        {"due_on": 20240101},
        {"cooperating": "all"},
        {"parent": "root"},
        {"target": "1e400"},
        {"baseline": 10**20},
    ]
    for body in wrong_types:
        response = client.patch(f"{API}/tasks/{task.pk}", body, content_type=JSON)
        assert response.status_code == 400, (body, response.content)
        assert set(response.json()["errors"]) == set(body), response.json()
    assert client.get(f"{API}/plans", {"active_on": "soon"}).status_code == 400
    assert client.get(f"{API}/plans/{plan.pk}/completeness", {"until": "2024-13-01"}).status_code == 400


# --- plans ------------------------------------------------------------------------------------


def test_a_coordinator_creates_reads_changes_and_deletes_a_plan(client, world):
    # given a coordinator of the Commission
    client = _as(client, world["coordinator"])
    # when they create a half-yearly plan under Directive 12
    created = client.post(
        f"{API}/plans",
        _plan_body(world, frequency="half_yearly", coordinators=["coord"], code="KH-25"),
        content_type=JSON,
    )
    # then its periods follow from its dates, and it reads back the same
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["document"] == {"id": world["directive"].pk, "code": "12-CT/TW", "title": "Directive 12"}
    assert body["owner"]["name"] == "Commission for External Relations"
    assert body["coordinators"] == ["coord"]
    assert body["approval_levels"] == [] and body["task_count"] == 0
    location = created["Location"]
    assert location == f"{API}/plans/{body['id']}"
    periods = client.get(f"{location}/periods").json()
    assert [p["label"] for p in periods] == ["2025-H1", "2025-H2", "2026-H1", "2026-H2"]
    assert periods[0]["due_on"] == "2025-07-15"
    assert client.get(location).json() == body
    # when it is made yearly with its ETag
    patched = client.patch(
        location, {"frequency": "yearly"}, content_type=JSON, headers={"If-Match": created["ETag"]}
    )
    assert patched.status_code == 200, patched.content
    assert [p["label"] for p in client.get(f"{location}/periods").json()] == ["2025", "2026"]
    # and approval levels are set, lower unit first
    levels = client.put(
        f"{location}/approval-levels",
        {"organisations": [world["cerc"].pk, world["secretariat"].pk]},
        content_type=JSON,
    )
    assert levels.status_code == 200, levels.content
    assert [(lv["level"], lv["organisation"]["id"]) for lv in levels.json()] == [
        (1, world["cerc"].pk),
        (2, world["secretariat"].pk),
    ]
    twice = client.put(
        f"{location}/approval-levels", {"organisations": [world["cerc"].pk] * 2}, content_type=JSON
    )
    assert twice.status_code == 400 and "organisations" in twice.json()["errors"]
    # then a stale ETag is refused, and the plan is deleted
    assert client.delete(location, headers={"If-Match": created["ETag"]}).status_code == 412
    assert client.delete(location).status_code == 204
    assert not Plan.objects.filter(pk=body["id"]).exists()


def test_a_plan_with_draft_reports_only_can_be_deleted(client, world, report_for):
    # given a plan on which Hà Nội has a draft, but nothing submitted
    (assignment,) = assign_to(make_task(world["plan"]), world["hanoi"])
    report_for(assignment, "2023-Q1", percent=10)
    # when its coordinator deletes it / then it goes, drafts included
    response = _as(client, world["coordinator"]).delete(f"{API}/plans/{world['plan'].pk}")
    assert response.status_code == 204, response.content
    assert not Plan.objects.filter(pk=world["plan"].pk).exists()


def test_a_plan_with_submitted_reports_cannot_be_deleted(client, world, report_for):
    (assignment,) = assign_to(make_task(world["plan"]), world["hanoi"])
    report_for(assignment, "2023-Q1", percent=10, submit=True)
    response = _as(client, world["coordinator"]).delete(f"{API}/plans/{world['plan'].pk}")
    assert response.status_code == 400
    assert "only ended" in response.json()["errors"]["__all__"][0]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_on": "2024-12-31"}, "ends_on"),
        ({"ends_on": "2045-01-01"}, "ends_on"),
        ({"starts_on": "9999-10-01", "ends_on": "9999-12-31"}, "ends_on"),  # no year 10000 period
        ({"starts_on": "0001-01-01"}, "starts_on"),
        ({"frequency": "monthly"}, "frequency"),
        ({"rollup_rule": "vibes"}, "rollup_rule"),
        ({"report_within_days": -1}, "report_within_days"),
        ({"report_within_days": 10**9}, "report_within_days"),
        ({"coordinators": ["nobody"]}, "coordinators"),
        ({"document": 999999}, "document"),
        ({"owner": 999999}, "owner"),
        ({"title_en": ""}, "title_en"),
    ],
)
def test_bad_plan_input_is_a_400_naming_the_field(client, world, changes, field):
    response = _as(client, world["coordinator"]).post(
        f"{API}/plans", _plan_body(world, **changes), content_type=JSON
    )
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()
    assert Plan.objects.count() == 1


def test_a_plan_cannot_end_before_its_tasks_are_due(client, world):
    make_task(world["plan"], due_on=dt.date(2024, 11, 30), recurrence="once")
    client = _as(client, world["coordinator"])
    response = client.patch(f"{API}/plans/{world['plan'].pk}", {"ends_on": "2024-06-30"}, content_type=JSON)
    assert response.status_code == 400
    assert "after this end" in response.json()["errors"]["ends_on"][0]
    emptied = client.patch(f"{API}/plans/{world['plan'].pk}", {"ends_on": None}, content_type=JSON)
    assert emptied.status_code == 400 and "ends_on" in emptied.json()["errors"]


def test_a_hidden_plan_answers_404_exactly_like_a_missing_one(client, world):
    # given a restricted plan of the Commission and a Hà Nội editor cleared for restricted
    secret = make_plan(world["directive"], owner=world["cerc"], classification=Classification.RESTRICTED)
    task = make_task(secret)
    client = _as(client, make_user(org=world["hanoi"], role=Role.EDITOR, clearance=Classification.RESTRICTED))
    # when they ask for it and its parts, and for a plan that does not exist
    for suffix in ["", "/periods", "/rollup", "/heatmap", "/completeness", "/overdue", "/visits"]:
        hidden = client.get(f"{API}/plans/{secret.pk}{suffix}")
        missing = client.get(f"{API}/plans/999999{suffix}")
        # then both answers are the same 404
        assert hidden.status_code == missing.status_code == 404, suffix
        assert hidden.content == missing.content
    assert client.get(f"{API}/tasks/{task.pk}").content == client.get(f"{API}/tasks/999999").content
    added = client.post(f"{API}/plans/{secret.pk}/tasks", _task_body(world), content_type=JSON)
    assert added.status_code == 404
    assert secret.pk not in [p["id"] for p in client.get(f"{API}/plans").json()["items"]]


def test_a_reader_who_may_not_change_a_plan_gets_404_for_its_writes(client, world):
    plan = world["plan"]
    task = make_task(plan)
    client = _as(client, world["hanoi_editor"])
    assert client.get(f"{API}/plans/{plan.pk}").status_code == 200
    assert client.patch(f"{API}/plans/{plan.pk}", {"notes": "x"}, content_type=JSON).status_code == 404
    assert client.delete(f"{API}/plans/{plan.pk}").status_code == 404
    assert (
        client.post(f"{API}/plans/{plan.pk}/tasks", _task_body(world), content_type=JSON).status_code == 404
    )
    assert client.patch(f"{API}/tasks/{task.pk}", {"title_en": "x"}, content_type=JSON).status_code == 404
    assert client.delete(f"{API}/tasks/{task.pk}").status_code == 404
    # a viewer may not create a plan at all (404, as the other APIs answer a refused write)
    assert client.post(f"{API}/plans", _plan_body(world), content_type=JSON).status_code == 404
    assert Task.objects.get(pk=task.pk).title_en == task.title_en


def test_a_document_the_reader_may_not_see_is_not_named_by_its_plan(client, world):
    # given a restricted document of the Commission and a public plan implementing it
    secret = make_document(
        issuer=world["secretariat"],
        owner=world["cerc"],
        code="SECRET",
        classification=Classification.RESTRICTED,
    )
    plan = make_plan(secret, owner=world["cerc"], classification=Classification.PUBLIC)
    client = _as(client, world["hanoi_viewer"])
    # then the plan reads, without its document, in the list and the detail
    assert client.get(f"{API}/plans/{plan.pk}").json()["document"] is None
    items = {p["id"]: p for p in client.get(f"{API}/plans").json()["items"]}
    assert items[plan.pk]["document"] is None
    assert "SECRET" not in client.get(f"{API}/plans").content.decode()
    # and a plan cannot be filed under it
    response = client.post(f"{API}/plans", _plan_body(world, document=secret.pk), content_type=JSON)
    assert response.status_code == 400
    assert response.json()["errors"]["document"] == [f"No document {secret.pk}."]


def test_the_plan_list_filters_by_text_document_and_day(client, world):
    other = make_document(issuer=world["secretariat"], code="01-ĐA/TW", kind="project")
    make_plan(
        other, owner=world["cerc"], code="KH-01", starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2025, 12, 31)
    )
    client = _as(client, world["hanoi_viewer"])

    def ids(**params):
        response = client.get(f"{API}/plans", params)
        assert response.status_code == 200, response.content
        return [p["document"]["code"] for p in response.json()["items"]]

    assert ids() == ["01-ĐA/TW", "12-CT/TW"]
    assert ids(document=world["directive"].pk) == ["12-CT/TW"]
    assert ids(active_on="2023-06-01") == ["12-CT/TW"]
    assert ids(q="KH-01") == ["01-ĐA/TW"]
    assert ids(q="12-CT") == ["12-CT/TW"]


# --- objectives and tasks ---------------------------------------------------------------------


def test_objectives_and_a_task_tree_through_the_api(client, world):
    # given the plan's coordinator
    plan = world["plan"]
    client = _as(client, world["coordinator"])
    # when they add an objective, a task under it, and a sub-task with an indicator
    objective = client.post(
        f"{API}/plans/{plan.pk}/objectives", {"title_en": "Reach", "weight": "2.5"}, content_type=JSON
    )
    assert objective.status_code == 201, objective.content
    assert objective.json()["weight"] == 2.5
    objective_id = objective.json()["id"]
    parent = client.post(
        f"{API}/plans/{plan.pk}/tasks",
        _task_body(world, objective=objective_id, cooperating=[world["hanoi"].pk, world["hue"].pk]),
        content_type=JSON,
    )
    assert parent.status_code == 201, parent.content
    parent_id = parent.json()["id"]
    assert parent["Location"] == f"{API}/tasks/{parent_id}"
    assert [c["name"] for c in parent.json()["cooperating"]] == [
        "Hà Nội Party Committee",
        "Huế Party Committee",
    ]
    child = client.post(
        f"{API}/plans/{plan.pk}/tasks",
        _task_body(
            world,
            parent=parent_id,
            indicator="Delegations",
            unit="delegations",
            baseline=0,
            target="12.5",
            due_on="2024-06-30",
            recurrence="once",
        ),
        content_type=JSON,
    )
    assert child.status_code == 201, child.content
    body = child.json()
    assert (body["parent"], body["depth"], body["target"], body["due_on"]) == (
        parent_id,
        2,
        12.5,
        "2024-06-30",
    )
    assert client.get(f"{API}/tasks/{parent_id}").json()["children"] == [body["id"]]
    # then the objective changes with its ETag, and deleting it keeps its tasks
    patched = client.patch(
        f"{API}/objectives/{objective_id}",
        {"weight": 3},
        content_type=JSON,
        headers={"If-Match": objective["ETag"]},
    )
    assert patched.status_code == 200 and patched.json()["weight"] == 3.0
    assert client.patch(f"{API}/objectives/{objective_id}", {"weight": 0}, content_type=JSON).json()[
        "errors"
    ] == {"weight": ["Give a weight above 0 and at most 1000."]}
    assert client.delete(f"{API}/objectives/{objective_id}").status_code == 204
    assert not Objective.objects.filter(pk=objective_id).exists()
    assert Task.objects.get(pk=parent_id).objective_id is None
    # and deleting the parent takes the sub-task with it
    assert client.delete(f"{API}/tasks/{parent_id}").status_code == 204
    assert not Task.objects.filter(pk=body["id"]).exists()


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"due_on": "2025-01-15"}, "due_on", "after the plan ends"),
        ({"due_on": "2022-12-31"}, "due_on", "before the plan starts"),
        ({"recurrence": "once"}, "due_on", "needs its due date"),
        ({"target": 10}, "unit", "unit"),
        ({"baseline": 5, "unit": "events"}, "target", "needs a target"),
        ({"weight": 0}, "weight", "above 0"),
        ({"responsible": 999999}, "responsible", "No organisation"),
        ({"cooperating": [999999]}, "cooperating", "No organisation"),
        ({"objective": 999999}, "objective", "objective of this plan"),
        ({"parent": 999999}, "parent", "task of this plan"),
        ({"title_en": "  "}, "title_en", "title"),
        ({"recurrence": "weekly"}, "recurrence", ""),
    ],
)
def test_bad_task_input_is_a_400_naming_the_field(client, world, changes, field, words):
    client = _as(client, world["coordinator"])
    response = client.post(
        f"{API}/plans/{world['plan'].pk}/tasks", _task_body(world, **changes), content_type=JSON
    )
    assert response.status_code == 400, response.content
    assert words in " ".join(response.json()["errors"][field]), response.json()
    assert not Task.objects.exists()


def test_a_cycle_in_the_task_hierarchy_is_refused_on_the_parent_field(client, world):
    # given a task with a sub-task with a sub-task
    plan = world["plan"]
    top = make_task(plan)
    middle = make_task(plan, parent=top)
    bottom = make_task(plan, parent=middle)
    client = _as(client, world["coordinator"])
    # when the top task is moved under its own descendant, or under itself
    for parent in (bottom, middle, top):
        response = client.patch(f"{API}/tasks/{top.pk}", {"parent": parent.pk}, content_type=JSON)
        # then it is refused on the parent field and nothing moves
        assert response.status_code == 400, response.content
        assert "part of itself" in response.json()["errors"]["parent"][0]
    top.refresh_from_db()
    assert top.parent_id is None and top.version == 1
    # and a task of another plan is not a parent either
    elsewhere = make_task(make_plan(world["directive"], owner=world["cerc"]))
    response = client.patch(f"{API}/tasks/{top.pk}", {"parent": elsewhere.pk}, content_type=JSON)
    assert response.json()["errors"] == {"parent": ["Choose a task of this plan."]}
    # while a real move works and moves the subtree
    moved = client.patch(f"{API}/tasks/{bottom.pk}", {"parent": None}, content_type=JSON)
    assert moved.status_code == 200, moved.content
    assert moved.json()["depth"] == 1


def test_a_stale_if_match_on_a_task_is_412_and_nothing_changes(client, world):
    task = make_task(world["plan"], title_en="Before")
    client = _as(client, world["coordinator"])
    etag = client.get(f"{API}/tasks/{task.pk}")["ETag"]
    assert (
        client.patch(
            f"{API}/tasks/{task.pk}", {"code": "1"}, content_type=JSON, headers={"If-Match": etag}
        ).status_code
        == 200
    )
    stale = client.patch(
        f"{API}/tasks/{task.pk}", {"title_en": "After"}, content_type=JSON, headers={"If-Match": etag}
    )
    assert stale.status_code == 412
    assert client.delete(f"{API}/tasks/{task.pk}", headers={"If-Match": etag}).status_code == 412
    task.refresh_from_db()
    assert (task.title_en, task.code) == ("Before", "1")


# --- assignments ------------------------------------------------------------------------------


def test_a_task_is_assigned_to_every_provincial_committee_as_the_group_stood_on_the_day(client, world):
    # given a province merged away at the end of June 2023, and a mission (not in the group)
    merged = make_org("Hà Tây Party Committee", pillar="party", kind="provincial_committee")
    Organisation.objects.filter(pk=merged.pk).update(valid_to=dt.date(2023, 6, 30))
    make_org("Embassy in Vientiane", kind="mission")
    task = make_task(world["plan"])
    client = _as(client, world["coordinator"])
    url = f"{API}/tasks/{task.pk}/assignments"
    # when the task is assigned to the group on two days
    before = client.post(url, {"group": "provincial_committees", "on": "2023-03-01"}, content_type=JSON)
    after = client.post(url, {"group": "provincial_committees", "on": "2023-09-01"}, content_type=JSON)
    # then the first assigns the three committees of that day, the second none (already assigned)
    assert before.status_code == 201, before.content
    assert {a["organisation"]["name"] for a in before.json()["created"]} == {
        "Hà Nội Party Committee",
        "Hà Tây Party Committee",
        "Huế Party Committee",
    }
    assert after.status_code == 200, after.content
    assert after.json()["created"] == []
    assert {o["name"] for o in after.json()["already"]} == {"Hà Nội Party Committee", "Huế Party Committee"}
    # and the task lists its assignments, whose detail reads
    assignments = client.get(f"{API}/tasks/{task.pk}").json()["assignments"]
    assert len(assignments) == 3 and {a["status"] for a in assignments} == {"not_started"}
    detail = client.get(f"{API}/assignments/{assignments[0]['id']}")
    assert detail.status_code == 200 and detail.json()["reports"] == []
    # and one is removed again
    removed = client.delete(f"{API}/assignments/{assignments[0]['id']}")
    assert removed.status_code == 204
    assert Assignment.objects.filter(task=task).count() == 2


def test_an_assignment_to_an_organisation_that_did_not_exist_on_the_day_is_refused_by_name(client, world):
    # given Hà Nội, valid only from 2024
    Organisation.objects.filter(pk=world["hanoi"].pk).update(valid_from=dt.date(2024, 1, 1))
    task = make_task(world["plan"])
    client = _as(client, world["coordinator"])
    # when the task is assigned to Hà Nội and Huế in 2023
    response = client.post(
        f"{API}/tasks/{task.pk}/assignments",
        {"organisations": [world["hue"].pk, world["hanoi"].pk], "on": "2023-05-01"},
        content_type=JSON,
    )
    # then it is refused naming Hà Nội, and no one is assigned
    assert response.status_code == 400, response.content
    (message,) = response.json()["errors"]["organisations"]
    assert message.startswith("Hà Nội Party Committee did not exist on")
    assert not Assignment.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"organisations": [], "on": "2023-05-01"}, "organisations"),
        ({"organisations": [999999], "on": "2023-05-01"}, "organisations"),
        ({"group": "everyone", "on": "2023-05-01"}, "group"),
        ({"group": "missions", "on": "2023-05-01"}, "group"),  # none exists
        ({"group": "provincial_committees", "organisations": [1], "on": "2023-05-01"}, "group"),
        ({"organisations": ["HN"], "on": "2023-05-01"}, "organisations"),
        ({"organisations": [0], "on": "2031-05-01"}, "on"),
        ({"organisations": [0], "on": "yesterday"}, "on"),
    ],
)
def test_bad_assignments_are_a_400_naming_the_field(client, world, body, field):
    task = make_task(world["plan"])
    body = {
        **body,
        "organisations": [world["hanoi"].pk if pk == 0 else pk for pk in body.get("organisations", [])],
    }
    response = _as(client, world["coordinator"]).post(
        f"{API}/tasks/{task.pk}/assignments", body, content_type=JSON
    )
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()
    assert not Assignment.objects.exists()


def test_a_task_with_sub_tasks_is_not_assigned_and_an_assigned_task_takes_no_sub_task(client, world):
    plan = world["plan"]
    parent = make_task(plan)
    make_task(plan, parent=parent)
    leaf = make_task(plan)
    assign_to(leaf, world["hanoi"])
    client = _as(client, world["coordinator"])
    refused = client.post(
        f"{API}/tasks/{parent.pk}/assignments",
        {"organisations": [world["hanoi"].pk], "on": "2023-02-01"},
        content_type=JSON,
    )
    assert "sub-tasks" in refused.json()["errors"]["organisations"][0]
    under = client.post(f"{API}/plans/{plan.pk}/tasks", _task_body(world, parent=leaf.pk), content_type=JSON)
    assert "assigned" in under.json()["errors"]["parent"][0]


def test_hidden_organisations_are_never_named_in_a_task(client, world):
    # given a restricted unit assigned the task (and cooperating), and a reader not cleared for it
    secret = make_org(
        "Secret Cell", pillar="party", kind="provincial_committee", classification=Classification.RESTRICTED
    )
    task = make_task(world["plan"], cooperating=[secret, world["hue"]])
    assign_to(task, world["hanoi"], secret)
    client = _as(client, world["hanoi_viewer"])
    # when they read the task
    response = client.get(f"{API}/tasks/{task.pk}")
    # then the hidden unit is left out or null, and its name appears nowhere
    body = response.json()
    assert [c["name"] for c in body["cooperating"]] == ["Huế Party Committee"]
    assert [a["organisation"] and a["organisation"]["name"] for a in body["assignments"]] == [
        "Hà Nội Party Committee",
        None,
    ]
    assert "Secret Cell" not in response.content.decode()
    # and it cannot be assigned by someone who may not see it (refused like a missing one)
    task2 = make_task(world["plan"])
    refused = _as(client, world["coordinator"]).post(
        f"{API}/tasks/{task2.pk}/assignments",
        {"organisations": [secret.pk], "on": "2023-02-01"},
        content_type=JSON,
    )
    assert refused.json()["errors"]["organisations"] == [f"No organisation {secret.pk}."]


# --- queries ----------------------------------------------------------------------------------


def _queries(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), response.json()


def test_the_document_and_plan_lists_cost_the_same_number_of_queries_whatever_their_length(client, world):
    for i in range(5):
        document = make_document(issuer=make_org(f"Issuer {i}"), code=f"D-{i}")
        plan = make_plan(document, owner=make_org(f"Owner {i}"))
        assign_to(make_task(plan), world["hanoi"], world["hue"])
    client = _as(client, world["hanoi_viewer"])
    client.get(f"{API}/plans")  # warm the session
    for url, schema in [(f"{API}/documents", DocumentListOut), (f"{API}/plans", PlanListOut)]:
        few, one = _queries(client, url, {"limit": 1})
        many, six = _queries(client, url, {"limit": 6})
        assert (len(one["items"]), len(six["items"])) == (1, 6)
        assert few == many, url
        # session, user, memberships; count; page; readable documents (plans only); organisations
        # the reader may see; their names
        assert many <= (8 if schema is PlanListOut else 7), (url, many)
        schema.model_validate(six)
    listed = _queries(client, f"{API}/plans")[1]["items"]
    assert all(
        p["task_count"] == 1 and p["organisation_count"] == 2
        for p in listed
        if p["document"]["code"].startswith("D-")
    )

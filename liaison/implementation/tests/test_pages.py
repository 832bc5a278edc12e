"""Implementation tracking pages: every page renders for a permitted user (in English and in
Arabic), a hidden plan answers exactly like a missing one, forms put each refusal on its field
with a 400, and the report workflow driven through the pages changes the heatmap and the roll-up.

The query budgets of the list and plan pages are in test_pages_queries.py."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from liaison.accounts.models import User
from liaison.activities.testing import make_activity
from liaison.core.access import Role
from liaison.core.audit import acting_as
from liaison.core.models import Classification
from liaison.core.testing import make_org, make_user
from liaison.implementation import reporting, supervision, tree
from liaison.implementation.models import Assignment, ProgressReport, ReportStatus, tree_order
from liaison.implementation.testing import assign_to, make_document, make_task

pytestmark = pytest.mark.django_db


def url(name: str, *args: Any) -> str:
    return reverse(f"implementation:{name}", args=args)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def tracked(world: dict[str, Any]) -> dict[str, Any]:
    """Directive 12's plan with an objective, a task with two sub-tasks (one measured by an
    indicator), assigned to Hà Nội and Huế; Hà Nội's 2023-Q1 report accepted; a visit to Huế with
    a finding and a recommendation."""
    plan, root = world["plan"], world["root"]
    with acting_as(root, via="test"):
        objective = tree.add_objective(
            by=root, plan=plan, data=tree.ObjectiveInput(title_en="Deepen friendship", code="1")
        )
    parent = make_task(plan, title_en="Friendship activities", code="1.1", objective=objective)
    events = make_task(
        plan,
        parent=parent,
        title_en="Hold friendship events",
        title_ar="تنظيم فعاليات الصداقة",
        code="1.1.1",
        indicator="Friendship events held",
        unit="events",
        baseline=Decimal(0),
        target=Decimal(10),
        due_on=dt.date(2024, 6, 30),
        recurrence="once",
    )
    delegations = make_task(plan, parent=parent, title_en="Report on delegations", code="1.1.2")
    hanoi_events, hue_events = assign_to(events, world["hanoi"], world["hue"])
    (hanoi_delegations,) = assign_to(delegations, world["hanoi"])
    activity = make_activity("Friendship evening", lead=world["hanoi"], starts_at=_aware(2023, 2, 10))
    with acting_as(world["hanoi_editor"], via="test"):
        report = reporting.save_report(
            by=world["hanoi_editor"],
            assignment=hanoi_events,
            period="2023-Q1",
            data=reporting.ReportInput(
                percent=Decimal(40), value=Decimal(4), narrative="Four events.", activities=[activity]
            ),
        )
        reporting.submit_report(by=world["hanoi_editor"], report=report)
    with acting_as(world["coordinator"], via="test"):
        reporting.approve_report(by=world["coordinator"], report=report, comment="Good.")
        visit = supervision.plan_inspection(
            by=root,
            plan=plan,
            data=supervision.InspectionInput(
                kind="supervision",
                organisation=world["hue"],
                led_by=world["cerc"],
                planned_on=dt.date(2023, 9, 12),
                team="Nguyễn Văn A, head",
            ),
        )
        finding = supervision.add_finding(
            by=root, inspection=visit, text="Reports arrive late.", recommendations=["Report on time"]
        )
    return {
        **world,
        "objective": objective,
        "parent": parent,
        "events": events,
        "delegations": delegations,
        "hanoi_events": hanoi_events,
        "hue_events": hue_events,
        "hanoi_delegations": hanoi_delegations,
        "report": report,
        "visit": visit,
        "recommendation": finding.recommendations.get(),
        "activity": activity,
    }


def _aware(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, 10, 0, tzinfo=dt.UTC)


def _pages(t: dict[str, Any]) -> list[str]:
    plan, document = t["plan"], t["directive"]
    return [
        url("home"),
        url("home") + "?q=12-CT&kind=directive",
        url("plan-list"),
        url("plan-list") + "?active=yes&q=plan",
        url("worklist"),
        url("document-create"),
        url("document-detail", document.pk),
        url("document-edit", document.pk),
        url("document-delete", document.pk),
        url("plan-create"),
        url("plan-create") + f"?document={document.pk}",
        url("plan-detail", plan.pk),
        url("plan-edit", plan.pk),
        url("plan-delete", plan.pk),
        url("plan-levels", plan.pk),
        url("plan-heatmap", plan.pk),
        url("plan-completeness", plan.pk),
        url("plan-completeness", plan.pk) + "?period=2023-Q2",
        url("plan-timeline", plan.pk),
        url("task-create", plan.pk),
        url("task-create", plan.pk) + f"?parent={t['parent'].pk}",
        url("task-detail", t["parent"].pk),
        url("task-detail", t["events"].pk),
        url("task-edit", t["events"].pk),
        url("task-delete", t["delegations"].pk),
        url("assignment-detail", t["hanoi_events"].pk),
        url("report-detail", t["report"].pk),
        url("inspection-create", plan.pk),
        url("inspection-detail", t["visit"].pk),
        url("inspection-edit", t["visit"].pk),
    ]


@pytest.mark.parametrize(("language", "direction"), [("en", "ltr"), ("ar", "rtl"), ("vi", "ltr")])
def test_every_page_renders_for_the_plans_coordinator_in_each_language(tracked, language, direction):
    # given the coordinator of the Commission that keeps the plan, reading in the language
    coordinator = tracked["coordinator"]
    coordinator.language = language
    coordinator.save()
    client = client_for(coordinator)
    # when they open every page, then each answers 200 in the right direction
    for page in _pages(tracked):
        response = client.get(page)
        assert response.status_code == 200, (page, response.status_code)
        assert f'dir="{direction}"' in response.content.decode()[:400], page


def test_the_assigned_organisation_writes_its_report_and_reads_the_plan(tracked):
    client = client_for(tracked["hanoi_editor"])
    for page in [
        url("plan-detail", tracked["plan"].pk),
        url("assignment-detail", tracked["hanoi_delegations"].pk),
        url("report-write", tracked["hanoi_delegations"].pk),
        url("report-write", tracked["hanoi_events"].pk) + "?period=2023-Q2",
        url("worklist"),
    ]:
        assert client.get(page).status_code == 200, page


def test_the_plan_page_shows_the_tree_with_reported_and_computed_apart(tracked):
    # given Hà Nội's accepted report (40 %, 4 of 10 events) and Huế's silence
    response = client_for(tracked["coordinator"]).get(url("plan-detail", tracked["plan"].pk))
    body = response.content.decode()
    # then the events task shows 40 % reported and 20 % computed (Huế counts as 0)
    rows = {node.pk: node for depth, node in response.context["rows"] if node.kind == "task"}
    events = rows[tracked["events"].pk]
    assert (events.reported, events.computed) == (Decimal("40.0"), Decimal("20.0"))
    assert [depth for depth, node in response.context["rows"]] == [1, 2, 3, 3]
    assert "Hold friendship events" in body and "Deepen friendship" in body
    assert 'data-depth="3"' in body
    # and the links to the plan's other views are there
    for name in ("plan-heatmap", "plan-completeness", "plan-timeline", "plan-report-pdf", "plan-report-xlsx"):
        assert url(name, tracked["plan"].pk) in body
    assert url("inspection-detail", tracked["visit"].pk) in body


def test_the_document_page_shows_each_plans_reported_and_computed_progress(tracked):
    response = client_for(tracked["coordinator"]).get(url("document-detail", tracked["directive"].pk))
    (plan_node,) = response.context["rollup"].children
    assert plan_node.record == tracked["plan"]
    assert plan_node.reported is not None and plan_node.computed is not None
    assert plan_node.reported != plan_node.computed


def test_the_home_page_and_plan_list_answer_htmx_with_their_results_only(tracked):
    client = client_for(tracked["coordinator"])
    for page in (url("home") + "?q=12-CT", url("plan-list") + "?q=plan"):
        response = client.get(page, headers={"HX-Request": "true"})
        body = response.content.decode()
        assert response.status_code == 200
        assert "<html" not in body and 'class="count"' in body, page


def test_the_home_page_explains_what_to_do_when_there_is_nothing(db):
    body = client_for(_stranger()).get(url("home")).content.decode()
    assert "No guiding documents yet." in body
    assert "Then plan its implementation" in body


# --- Hidden is missing ---------------------------------------------------------------------------

MISSING = 987654


def _normalise(body: bytes) -> bytes:
    body = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", body)
    body = re.sub(rb'nonce="[^"]+"', b"", body)
    return re.sub(rb"\d+", b"N", body)


@pytest.mark.parametrize(
    ("name", "record"),
    [
        ("plan-detail", "plan"),
        ("plan-edit", "plan"),
        ("plan-delete", "plan"),
        ("plan-levels", "plan"),
        ("plan-heatmap", "plan"),
        ("plan-completeness", "plan"),
        ("plan-timeline", "plan"),
        ("task-create", "plan"),
        ("inspection-create", "plan"),
        ("task-detail", "events"),
        ("task-edit", "events"),
        ("assignment-detail", "hanoi_events"),
        ("report-detail", "report"),
        ("report-write", "hanoi_events"),
        ("inspection-detail", "visit"),
        ("document-detail", "directive"),
    ],
)
def test_a_hidden_plan_answers_exactly_like_a_missing_one(tracked, name, record):
    # given a restricted plan (and document) of the Commission, and an editor of a ministry the
    # plan does not concern
    _restrict(tracked, tracked["plan"], tracked["directive"])
    client = client_for(_stranger())
    # when they open the page of a record of the plan, and of a record that does not exist
    hidden = client.get(url(name, tracked[record].pk))
    missing = client.get(url(name, MISSING))
    # then both are the same 404
    assert hidden.status_code == missing.status_code == 404
    assert _normalise(hidden.content) == _normalise(missing.content)
    assert b"Directive 12" not in hidden.content


def _restrict(t: dict[str, Any], *records: Any) -> None:
    with acting_as(t["root"], via="test"):
        for record in records:
            type(record).objects.filter(pk=record.pk).update(classification=Classification.RESTRICTED)


def _stranger() -> User:
    return make_user("stranger", org=make_org("Ministry of Culture"), role=Role.EDITOR)


def test_lists_never_name_a_plan_the_reader_cannot_see(tracked):
    _restrict(tracked, tracked["plan"], tracked["directive"])
    client = client_for(_stranger())
    for page in (url("home"), url("plan-list"), url("worklist")):
        body = client.get(page).content.decode()
        assert "Directive 12" not in body and "Hold friendship events" not in body, page


def test_a_reader_of_the_plan_who_cannot_read_the_document_is_not_told_its_title(tracked):
    # given a restricted document and plan of the Commission, and a reader at Hà Nội cleared for
    # restricted records (Hà Nội is assigned a task, so it reads the plan, not the document)
    _restrict(tracked, tracked["plan"], tracked["directive"])
    reader = make_user(org=tracked["hanoi"], clearance=Classification.RESTRICTED)
    response = client_for(reader).get(url("plan-detail", tracked["plan"].pk))
    assert response.status_code == 200
    body = response.content.decode()
    # then the plan's page does not name the document
    assert "Directive 12" not in body
    assert "a document you cannot see" in body


# --- Bad input: each refusal on its field, with a 400 --------------------------------------------


def _report_data(**changes: Any) -> dict[str, Any]:
    data = {"period": "2023-Q2", "progress": "on_track", "percent": "50", "narrative": "", "save": "1"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"percent": "101"}, "percent", "between 0 and 100"),
        ({"percent": "-5"}, "percent", "between 0 and 100"),
        ({"value": "3", "unit": "people"}, "unit", "counted in events"),
        ({"period": "2031-Q1"}, "period", "Select a valid choice"),
    ],
)
def test_a_bad_report_is_refused_on_its_field(tracked, changes, field, words):
    client = client_for(tracked["hanoi_editor"])
    response = client.post(url("report-write", tracked["hanoi_events"].pk), _report_data(**changes))
    assert response.status_code == 400
    assert words in " ".join(response.context["form"].errors[field])
    assert 'class="error"' in response.content.decode()
    assert not ProgressReport.objects.filter(period__label="2023-Q2").exists()


def test_a_task_due_after_the_plan_ends_is_refused_on_its_due_date(tracked):
    client = client_for(tracked["coordinator"])
    response = client.post(
        url("task-create", tracked["plan"].pk),
        {
            "title_en": "Too late",
            "responsible": tracked["cerc"].pk,
            "due_on": "2025-03-01",
            "recurrence": "once",
            "weight": "1",
        },
    )
    assert response.status_code == 400
    assert "after the plan ends" in response.context["form"].errors["due_on"][0]


def test_moving_a_task_under_its_own_sub_task_is_refused_on_its_parent(tracked):
    # given the parent task, whose sub-task is not offered as its parent
    client = client_for(tracked["coordinator"])
    form_page = client.get(url("task-edit", tracked["parent"].pk)).content.decode()
    assert f'value="{tracked["events"].pk}"' not in form_page
    # when the sub-task is sent as its parent anyway
    response = client.post(
        url("task-edit", tracked["parent"].pk),
        {
            "title_en": "Friendship activities",
            "responsible": tracked["cerc"].pk,
            "parent": tracked["events"].pk,
            "recurrence": "every_period",
            "weight": "1",
            "version": tracked["parent"].version,
        },
    )
    # then the service's own words are on the parent field
    assert response.status_code == 400
    assert "part of itself" in response.context["form"].errors["parent"][0]


def test_a_cycle_of_documents_is_refused_on_the_relation_form(tracked):
    client = client_for(tracked["coordinator"])
    project = make_document(issuer=tracked["secretariat"], owner=tracked["cerc"], code="01-DA/TW")
    ok = client.post(
        url("relation-add", project.pk), {"kind": "implements", "target": tracked["directive"].pk}
    )
    assert ok.status_code == 302
    response = client.post(
        url("relation-add", tracked["directive"].pk), {"kind": "implements", "target": project.pk}
    )
    assert response.status_code == 400
    assert "circle" in response.context["relation_form"].errors["target"][0]


def test_assigning_to_an_organisation_that_did_not_exist_on_the_day_is_refused_by_name(tracked):
    # given Hà Tây, merged into Hà Nội in 2008
    gone = make_org("Hà Tây Party Committee", pillar="party", kind="provincial_committee")
    gone.valid_to = dt.date(2008, 7, 31)
    gone.save()
    task = make_task(tracked["plan"], title_en="Welcome delegations")
    # when the coordinator assigns the task to it in 2023
    response = client_for(tracked["coordinator"]).post(
        url("task-assign", task.pk), {"organisations": [gone.pk], "on": "2023-02-01"}
    )
    # then the form names it on the organisations field
    assert response.status_code == 400
    assert "Hà Tây Party Committee did not exist on" in response.context["form"].errors["organisations"][0]
    assert not task.assignments.exists()


def test_assigning_outside_the_plan_is_refused_on_the_date(tracked):
    task = make_task(tracked["plan"], title_en="Welcome delegations")
    response = client_for(tracked["coordinator"]).post(
        url("task-assign", task.pk), {"organisations": [tracked["hue"].pk], "on": "2031-01-01"}
    )
    assert response.status_code == 400
    assert "within the plan" in response.context["form"].errors["on"][0]


def test_assigning_a_task_to_every_provincial_committee(tracked):
    # given a new task and the two provincial committees of the world
    task = make_task(tracked["plan"], title_en="Welcome delegations")
    # when the coordinator assigns it to the group
    response = client_for(tracked["coordinator"]).post(
        url("task-assign", task.pk), {"group": "provincial_committees", "on": "2023-02-01"}, follow=True
    )
    # then both are assigned, and the page says so
    assert response.status_code == 200
    assert {a.organisation_id for a in task.assignments.all()} == {tracked["hanoi"].pk, tracked["hue"].pk}
    assert "Assigned to 2 organisations." in response.content.decode()


def test_returning_a_report_without_a_comment_is_refused_on_the_comment(tracked, report_for):
    submitted = report_for(
        tracked["hue_events"], "2023-Q1", submit=True, by=tracked["hue_editor"], percent=10
    )
    response = client_for(tracked["coordinator"]).post(
        url("report-review", submitted.pk), {"decision": "return"}
    )
    assert response.status_code == 400
    assert "Say what must change" in response.context["review_form"].errors["comment"][0]
    submitted.refresh_from_db()
    assert submitted.status == ReportStatus.SUBMITTED


# --- The workflow through the pages --------------------------------------------------------------


def _cell(client: Client, plan_id: int, assignment: Assignment) -> Any:
    grid = client.get(url("plan-heatmap", plan_id)).context["grid"]
    return next(c for _o, _n, cells in grid.rows for c in cells if c and c.assignment_id == assignment.pk)


def test_the_report_workflow_through_the_pages_changes_the_heatmap_and_the_rollup(tracked):
    plan, hue_events = tracked["plan"], tracked["hue_events"]
    province = client_for(tracked["hue_editor"])
    coordinator = client_for(tracked["coordinator"])
    before = coordinator.get(url("plan-detail", plan.pk)).context["rollup"]
    assert _cell(coordinator, plan.pk, hue_events).status == "not_started"
    # when Huế writes a draft, then submits it
    draft = province.post(url("report-write", hue_events.pk), _report_data(period="2023-Q1", percent="30"))
    assert draft.status_code == 302
    report = ProgressReport.objects.get(assignment=hue_events)
    assert report.status == ReportStatus.DRAFT
    province.post(url("report-submit", report.pk))
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    # and the coordinator sees it waiting and returns it with a comment
    assert report in [row["report"] for row in coordinator.get(url("worklist")).context["waiting"]]
    page = coordinator.get(url("report-detail", report.pk))
    assert page.context["can_review"] and 'name="decision"' in page.content.decode()
    coordinator.post(url("report-review", report.pk), {"decision": "return", "comment": "Give the number."})
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED
    assert _cell(coordinator, plan.pk, hue_events).status == "not_started"
    # when Huế rewrites and resubmits it from the form
    resubmitted = province.post(
        url("report-write", hue_events.pk),
        _report_data(period="2023-Q1", percent="60", value="6", unit="events", save=None, submit="1"),
    )
    assert resubmitted.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    # and the coordinator accepts it
    coordinator.post(url("report-review", report.pk), {"decision": "approve"})
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED
    # then the heatmap cell and the plan's roll-up changed
    cell = _cell(coordinator, plan.pk, hue_events)
    assert (cell.status, cell.reported) == ("on_track", Decimal("60.0"))
    after = coordinator.get(url("plan-detail", plan.pk)).context["rollup"]
    assert after.reported != before.reported and after.computed > before.computed
    # and the report's page keeps both versions and the comment
    body = coordinator.get(url("report-detail", report.pk)).content.decode()
    assert body.count('<th scope="row">') >= 2 and "Give the number." in body
    assert [v.percent for v in report.versions.all()] == [Decimal("30.0"), Decimal("60.0")]


def test_the_heatmap_cells_open_the_assignments_reports(tracked):
    client = client_for(tracked["coordinator"])
    response = client.get(url("plan-heatmap", tracked["plan"].pk))
    body = response.content.decode()
    assert url("assignment-detail", tracked["hanoi_events"].pk) in body
    # (the events were due on 30 June 2024 and are not done: overdue, whatever was reported)
    assert 'class="cell-overdue"' in body and 'class="cell-not_started"' in body
    # every cell says its status in words, not colour alone
    assert "Hà Nội Party Committee · Hold friendship events: On track · Overdue · 2023-Q1" in body
    legend = {key: count for key, _label, count in response.context["legend"]}
    assert (legend["overdue"], legend["not_started"], legend["on_track"]) == (2, 1, 0)
    assignment = client.get(url("assignment-detail", tracked["hanoi_events"].pk)).content.decode()
    assert tracked["report"].get_absolute_url() in assignment


def test_the_completeness_page_lists_who_has_not_reported_for_the_chosen_period(tracked):
    response = client_for(tracked["coordinator"]).get(
        url("plan-completeness", tracked["plan"].pk) + "?period=2023-Q1"
    )
    assert response.context["period"].label == "2023-Q1"
    missing = {(a.organisation_id, a.task_id) for a, _name in response.context["missing"]}
    assert missing == {
        (tracked["hue"].pk, tracked["events"].pk),
        (tracked["hanoi"].pk, tracked["delegations"].pk),
    }
    q1 = {p.label: r for p, r in response.context["periods"]}["2023-Q1"]
    assert (q1.expected, q1.actual) == (3, 1)


def test_the_timeline_draws_with_attributes_and_no_inline_style(tracked):
    body = client_for(tracked["coordinator"]).get(url("plan-timeline", tracked["plan"].pk)).content.decode()
    assert "<svg" in body and "style=" not in body
    assert 'class="tl-due"' in body and "tl-visit tl-visit-planned" in body
    assert url("task-detail", tracked["events"].pk) in body


def test_a_follow_up_task_enters_the_tree_assigned_to_the_visited_organisation(tracked):
    client = client_for(tracked["coordinator"])
    response = client.post(url("follow-up", tracked["recommendation"].pk), {"due_on": "2024-03-31"})
    assert response.status_code == 302
    task = tracked["recommendation"].follow_up_tasks.get()
    assert [a.organisation_id for a in task.assignments.all()] == [tracked["hue"].pk]
    body = client.get(url("inspection-detail", tracked["visit"].pk)).content.decode()
    assert task.get_absolute_url() in body


def test_tasks_keep_the_trees_order_past_the_ninth(world):
    # given twelve sibling tasks (on a fresh SQLite database their keys run from 1 to 12, and the
    # materialised paths "/10/", "/11/" sort before "/9/" as text)
    tasks = [make_task(world["plan"], title_en=f"Task {i}", code=f"{i}") for i in range(1, 13)]
    assign_to(tasks[0], world["hanoi"])
    client = client_for(world["coordinator"])
    # then the plan's tree and the heatmap's columns keep the order they were made in
    rows = client.get(url("plan-detail", world["plan"].pk)).context["rows"]
    assert [node.record.code for _depth, node in rows] == [str(i) for i in range(1, 13)]
    columns = client.get(url("plan-heatmap", world["plan"].pk)).context["grid"].tasks
    assert [task.code for task in columns] == [str(i) for i in range(1, 13)]
    assert tree_order("/9/12/") < tree_order("/10/") < tree_order("/10/3/") < tree_order("/11/")


def test_an_objective_and_a_finding_are_added_from_their_pages(tracked):
    client = client_for(tracked["coordinator"])
    added = client.post(
        url("objective-add", tracked["plan"].pk),
        {"title_en": "Train the officers", "code": "2", "weight": "2"},
    )
    assert added.status_code == 302 and added["Location"].endswith("#objectives")
    assert tracked["plan"].objectives.filter(title_en="Train the officers").exists()
    found = client.post(
        url("finding-add", tracked["visit"].pk),
        {"text": "No focal point.", "recommendations": "Name a focal point\nReport monthly"},
    )
    assert found.status_code == 302
    body = client.get(url("inspection-detail", tracked["visit"].pk)).content.decode()
    assert "No focal point." in body and "Report monthly" in body


def test_a_document_that_plans_implement_is_not_deleted_and_the_page_says_why(tracked):
    response = client_for(tracked["root"]).post(url("document-delete", tracked["directive"].pk))
    assert response.status_code == 400
    assert "Plans implement this document" in response.content.decode()


def test_a_relation_is_added_and_removed_from_the_documents_page(tracked):
    client = client_for(tracked["coordinator"])
    project = make_document(issuer=tracked["secretariat"], owner=tracked["cerc"], code="01-DA/TW")
    client.post(url("relation-add", project.pk), {"kind": "amends", "target": tracked["directive"].pk})
    relation = project.relations.get()
    page = client.get(url("document-detail", tracked["directive"].pk)).content.decode()
    assert "Amended by" in page and "01-DA/TW" in page
    removed = client.post(url("relation-delete", project.pk, relation.pk))
    assert removed.status_code == 302 and not project.relations.exists()


def test_a_draft_is_submitted_from_its_page(tracked, report_for):
    draft = report_for(tracked["hue_events"], "2023-Q1", by=tracked["hue_editor"], percent=Decimal(15))
    client = client_for(tracked["hue_editor"])
    page = client.get(url("report-detail", draft.pk))
    assert page.context["can_edit"] and not page.context["can_review"]
    client.post(url("report-submit", draft.pk))
    draft.refresh_from_db()
    assert draft.status == ReportStatus.SUBMITTED

"""Every URL of implementation tracking (pages and API) × the kinds of actor.

The world: CERC keeps a restricted guiding document and a restricted plan implementing it; the
plan's task is assigned to the Hà Nội committee (which therefore reads the plan), which has
submitted a report; a supervision visit to Hà Nội has a finding and a recommendation. Huế is a
provincial committee the plan does not concern; the outsider administers an unrelated ministry.

Rules encoded here (restated, not computed by calling the policy):
- the document and the plan: read by members of CERC (or above it) and, for the plan, of the
  organisations its tasks are assigned to, when cleared for restricted; everything below a plan
  (tasks, assignments, reports, visits) is read with the plan;
- changing the plan, its tree and its visits: editors of CERC; reviewing a report: coordinators of
  CERC (the plan has no approval levels); writing and submitting Hà Nội's report: editors of Hà
  Nội only;
- anonymous: pages → 302 to sign-in, API → 401;
- a record the actor may not read, or may read but not act on, answers 404 with a body identical
  to a missing record's; lists and roll-ups never name the hidden plan.

Every implementation URL name and API operation must have a case (`CASES`, built from the kind of
record each URL addresses and whether it reads or acts); `test_every_url_is_in_the_matrix` fails
naming any that is not.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from liaison.core.access import Role
from liaison.core.audit import acting_as
from liaison.core.models import AuditEvent, Classification
from liaison.core.testing import PASSWORD, make_org, make_superuser, make_user
from liaison.directory.tests.test_authorization_matrix import enumerate_urls
from liaison.implementation import reporting, supervision
from liaison.implementation.testing import assign_to, make_document, make_plan, make_task

pytestmark = pytest.mark.django_db

MISSING = 987654
PAGES = "implementation:"
API = "/api/implementation"
TITLE = "Secret plan of the matrix"


def implementation_keys() -> list[str]:
    return sorted(k for k in enumerate_urls() if k.startswith(PAGES) or k.split(" ")[-1].startswith(API))


# The record each URL parameter addresses, by the parameter's name (pages and API alike).
PARAMS = {
    "document_id": "document",
    "plan_id": "plan",
    "task_id": "task",
    "assignment_id": "assignment",
    "report_id": "report",
    "visit_id": "visit",
    "inspection_id": "visit",
    "objective_id": "objective",
    "finding_id": "finding",
    "recommendation_id": "recommendation",
    "relation_id": "relation",
    "level": "level",
    "period": "period",
    "fid": "finding",
    "rid": "recommendation",
}
# Pages name their record `pk`: which one, by the URL name's first word.
PAGE_RECORD = {
    "document": "document",
    "relation": "document",
    "plan": "plan",
    "objective": "plan",
    "task": "task",
    "assignment": "assignment",
    "report": "report",
    "inspection": "visit",
    "finding": "visit",
    "follow": "recommendation",
}
# Pages that change something (GET shows a form to those who may act).
ACTING_PAGES = re.compile(r"-(create|edit|delete|levels|assign|add|submit|review|write)$|follow-up$")


@dataclass
class World:
    records: dict[str, Any]
    actors: dict[str, Any]


@pytest.fixture
def world() -> World:
    root = make_superuser("mroot")
    cerc = make_org("Commission for External Relations", pillar="party", kind="commission")
    hanoi = make_org("Hà Nội Party Committee", pillar="party", kind="provincial_committee")
    hue = make_org("Huế Party Committee", pillar="party", kind="provincial_committee")
    ministry = make_org("Ministry of Culture")
    restricted = Classification.RESTRICTED
    document = make_document(
        issuer=cerc, code="99-CT/TW", title_en="Secret directive", classification=restricted
    )
    plan = make_plan(
        document, owner=cerc, classification=restricted, title_en=TITLE, starts_on=dt.date(2023, 1, 1)
    )
    from liaison.implementation import tree

    objective = tree.add_objective(by=root, plan=plan, data=tree.ObjectiveInput(title_en="Secret objective"))
    task = make_task(plan, title_en="Secret task")
    (assignment,) = assign_to(task, hanoi)
    hanoi_editor = make_user("m.hanoi.editor", org=hanoi, role=Role.EDITOR, clearance=restricted)
    with acting_as(hanoi_editor, via="test"):
        report = reporting.save_report(
            by=hanoi_editor,
            assignment=assignment,
            period="2023-Q1",
            data=reporting.ReportInput(percent=Decimal(20)),
            today=dt.date(2024, 1, 1),
        )
        reporting.submit_report(by=hanoi_editor, report=report)
    with acting_as(root, via="test"):
        visit = supervision.plan_inspection(
            by=root,
            plan=plan,
            data=supervision.InspectionInput(
                kind="supervision", organisation=hanoi, led_by=cerc, planned_on=dt.date(2023, 6, 1)
            ),
        )
        finding = supervision.add_finding(
            by=root, inspection=visit, text="Late", recommendations=["Report on time"]
        )
    from liaison.implementation import services

    other = make_document(issuer=cerc, code="98-CT/TW", classification=restricted)
    relation = services.relate(by=root, source=document, target=other, kind="amends")
    records = {
        "document": document.pk,
        "plan": plan.pk,
        "task": task.pk,
        "assignment": assignment.pk,
        "report": report.pk,
        "visit": visit.pk,
        "objective": objective.pk,
        "finding": finding.pk,
        "recommendation": finding.recommendations.get().pk,
        "relation": relation.pk,
        "level": 1,
        "period": "2023-Q1",
    }
    actors = {
        "anonymous": None,
        "outsider": make_user("m.outsider", org=ministry, role=Role.ADMINISTRATOR, clearance=restricted),
        "hue_editor": make_user("m.hue", org=hue, role=Role.EDITOR, clearance=restricted),
        "hanoi_editor": hanoi_editor,
        "cerc_viewer": make_user("m.cerc.viewer", org=cerc, role=Role.VIEWER, clearance=restricted),
        "cerc_coordinator": make_user("m.cerc.coord", org=cerc, role=Role.COORDINATOR, clearance=restricted),
        "superuser": root,
    }
    return World(records, actors)


# Parameters that stay as they are when the record asked for is made missing (the missing one is
# the record the URL is about; these only narrow it).
KEPT = ("relation", "level", "period", "finding", "recommendation")
READERS = {"hanoi_editor", "cerc_viewer", "cerc_coordinator", "superuser"}
# The restricted document is CERC's: Hà Nội reads the plan (assigned to it), not the document.
DOCUMENT_READERS = {"cerc_viewer", "cerc_coordinator", "superuser"}
STRANGERS = {"outsider", "hue_editor"}


def _page_params(name: str) -> list[str]:
    from liaison.implementation.urls import urlpatterns

    for pattern in urlpatterns:
        if pattern.name == name:
            return list(pattern.pattern.converters)
    raise KeyError(name)


def _url_for(key: str, records: dict[str, Any], *, missing: bool = False) -> tuple[str, str] | None:
    """(method, URL) for a key, its record parameters filled (with a missing pk when asked)."""
    if key.startswith(PAGES):
        name = key[len(PAGES) :]
        kwargs = {}
        for param in _page_params(name):
            record = PARAMS.get(param) or (PAGE_RECORD.get(name.split("-")[0]) if param == "pk" else None)
            if record is None:
                return None
            kwargs[param] = MISSING if missing and record not in KEPT else records[record]
        return "GET", reverse(key, kwargs=kwargs)
    method, path = key.split(" ", 1)
    for param in re.findall(r"{(\w+)}", path):
        record = PARAMS.get(param)
        if record is None:
            return None
        value = MISSING if missing and record not in KEPT else records[record]
        path = path.replace("{" + param + "}", str(value))
    return method, path


def _client(actor: Any) -> Client:
    client = Client()
    if actor is not None:
        assert client.login(username=actor.username, password=PASSWORD)
    return client


def _request(client: Client, method: str, url: str) -> Any:
    if method == "GET":
        return client.get(url)
    return getattr(client, method.lower())(url, data="{}", content_type="application/json")


def readers_for(key: str) -> set[str]:
    """Who reads the record a URL is about."""
    if key.startswith((f"{PAGES}document", f"{PAGES}relation")) or key.split(" ")[-1].startswith(
        f"{API}/documents"
    ):
        return DOCUMENT_READERS
    return READERS


def _is_page(key: str) -> bool:
    return key.startswith(PAGES)


def _reads_only(key: str, method: str) -> bool:
    if _is_page(key):
        return not ACTING_PAGES.search(key[len(PAGES) :])
    return method == "GET"


def _normalise(body: bytes, pk: int) -> bytes:
    body = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", body)
    body = re.sub(rb'nonce="[^"]+"', b"", body)
    return body.replace(str(pk).encode(), b"<PK>").replace(str(MISSING).encode(), b"<PK>")


def test_every_url_is_in_the_matrix(world: World) -> None:
    keys = implementation_keys()
    assert keys, "implementation URLs are not routed"
    unmapped = [k for k in keys if _url_for(k, world.records) is None]
    assert not unmapped, f"URLs the matrix cannot address (add their parameter to PARAMS): {unmapped}"


def _keys_with_records() -> list[str]:
    return [k for k in implementation_keys() if "{" in k or _page_has_record(k)]


def _page_has_record(key: str) -> bool:
    return _is_page(key) and bool(_page_params(key[len(PAGES) :]))


@pytest.mark.parametrize("key", _keys_with_records())
def test_strangers_and_anonymous_meet_a_missing_record(world: World, key: str) -> None:
    """Those who may not read the plan get exactly what a missing record gives, and change nothing."""
    method, url = _url_for(key, world.records)  # type: ignore[misc]
    _m, missing_url = _url_for(key, world.records, missing=True)  # type: ignore[misc]
    before = AuditEvent.objects.count()
    anonymous = _request(_client(None), method, url)
    assert anonymous.status_code == (302 if _is_page(key) else 401), key
    for name in sorted(STRANGERS):
        client = _client(world.actors[name])
        hidden = _request(client, method, url)
        gone = _request(client, method, missing_url)
        if hidden.status_code == 405 and gone.status_code == 405:
            hidden = client.post(url)
            gone = client.post(missing_url)
        # A write whose body the API refuses before looking anything up answers 400 for both.
        assert hidden.status_code in (400, 404), (key, name, hidden.status_code)
        assert gone.status_code == hidden.status_code, (key, name, gone.status_code)
        assert _normalise(hidden.content, 0) == _normalise(gone.content, 0), (key, name)
        assert TITLE.encode() not in hidden.content
    assert AuditEvent.objects.count() == before, key


@pytest.mark.parametrize("key", [k for k in implementation_keys() if _is_page(k)])
def test_pages_answer_readers_and_refuse_others_to_act(world: World, key: str) -> None:
    method, url = _url_for(key, world.records)  # type: ignore[misc]
    name = key[len(PAGES) :]
    for actor in sorted(READERS | STRANGERS):
        response = _client(world.actors[actor]).get(url)
        if response.status_code == 405:
            continue  # POST-only: checked by the strangers' test and the workflow tests
        if not _page_has_record(key):
            # Lists and new-record forms: everyone signed in; lists never name the hidden plan.
            assert response.status_code in (200, 403), (key, actor, response.status_code)
            if actor in STRANGERS:
                assert TITLE.encode() not in response.content, (key, actor)
            continue
        if actor in STRANGERS or actor not in readers_for(key):
            assert response.status_code == 404, (key, actor)
            continue
        if _reads_only(key, method):
            assert response.status_code == 200, (key, actor, response.status_code)
        elif name == "report-write":
            assert response.status_code == (200 if actor in ("hanoi_editor", "superuser") else 404), (
                key,
                actor,
            )
        else:
            may_change = actor in ("cerc_coordinator", "superuser")
            assert response.status_code == (200 if may_change else 404), (key, actor, response.status_code)


@pytest.mark.parametrize(
    "key", [k for k in implementation_keys() if not _is_page(k) and k.startswith("GET ")]
)
def test_api_reads_answer_the_plans_readers(world: World, key: str) -> None:
    _method, url = _url_for(key, world.records)  # type: ignore[misc]
    for actor in sorted(readers_for(key)):
        response = _client(world.actors[actor]).get(url)
        assert response.status_code == 200, (key, actor, response.status_code, response.content[:300])


def test_only_cercs_coordinators_review_and_only_hanoi_reports(world: World) -> None:
    report = world.records["report"]
    url = reverse("implementation:report-review", args=[report])
    for actor in ("hanoi_editor", "cerc_viewer", "hue_editor", "outsider"):
        response = _client(world.actors[actor]).post(url, {"decision": "approve"})
        assert response.status_code == 404, actor
    response = _client(world.actors["cerc_coordinator"]).post(url, {"decision": "approve"})
    assert response.status_code == 302
    from liaison.implementation.models import ProgressReport

    assert ProgressReport.objects.get(pk=report).status == "accepted"

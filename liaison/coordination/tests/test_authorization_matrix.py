"""Every URL of the coordination module (pages and API) × its records × the kinds of actor.

The world (see `matrix_world.py`): MOFA with a unit, VUFO with a restricted cell, and an unrelated
ministry; five agreements (public, internal and restricted ones kept by MOFA with VUFO as party,
the internal one also with VUFO's cell; a restricted one kept by VUFO with MOFA's unit as party;
an internal one kept by MOFA's unit), each with a rule, a contact point and a signed text; five
notices written by the real engine, one about an embargoed restricted activity, one sent by
VUFO's cell; webhook endpoints with their deliveries; a working calendar. Actors: viewers, editors
and coordinators of MOFA (cleared for internal and for restricted), an editor of MOFA's unit, a
viewer, an editor and a coordinator of VUFO, the outsider (administrator of the unrelated
ministry), a liaison officer without membership who coordinates two agreements, a superuser,
anonymous.

Rules encoded here (restated in `matrix_world.Actor`, not computed by calling the policy):

- agreements are owned records: read by everyone cleared for them, restricted ones only by
  members of the keeper or of a party (or of an organisation above either); changed (with their
  rules and contact points) by readers who are editors of the keeper or above; deleted by its
  coordinators; created, handed to another keeper or classified higher only by editors of the
  (new) keeper cleared for its classification; the new agreement form: editors of any
  organisation, others 403;
- a notice is read by members of its recipient or source (or of an organisation above either) and
  by its agreement's coordinators; editors of the recipient acknowledge, ask or decline, editors
  of the source reply to a question; it shows its payload, neither its agreement nor its activity
  (whose page stays 404 to those who may not read it, e.g. while it is under embargo);
- working calendars: read by everyone signed in, changed by coordinators anywhere (403 otherwise);
- an organisation's webhook endpoints: its coordinators (or those above it);
- health pages, API and export count only the notices of agreements the user may read.

Answers:

- pages: anonymous → 302 to sign-in; API: anonymous → 401;
- allowed → 200 (a form or page), 302 after a successful form post; 200/201/202/204 in the API;
  deleting an agreement (or a rule) under which notices were sent → 400, and it stays;
- a record the user may not read, or may read but not change / delete / answer → 404 whose body
  is byte-identical to that of a missing one (pages and API); one exception: a reader of a notice
  who may answer it only the other way (an editor of the source acknowledging, of the recipient
  replying) is told it cannot be answered so (the page: back to the notice with the error; the
  API: 400);
- a refused write leaves the data as it was;
- lists (inbox, sent box, agreement lists, filters' options, webhooks, deliveries) hold exactly
  the records the actor may see, and the health figures count exactly theirs;
- no answer names an agreement or an organisation the actor may not read (checked on every
  answer of every case), nor lists the id of a party they may not see.

Which actors run a case: a case names the rules its answers depend on; the actors are grouped by
the answers those rules (and which organisations they may see) give them in this world, and one
actor of each group runs the case (which one rotates from case to case;
`test_every_actor_runs_some_cases`): two actors in one group get the same answer to every request
of the case. The inbox and the notices' pages run with every actor.

Wrong answers of known bugs (`KNOWN_BUGS`) are kept apart; each has a test of its own at the end,
marked xfail (strict).

`CASES` maps every coordination URL name and API operation to the function that tests it;
`test_every_coordination_url_and_api_operation_is_in_the_matrix` fails naming any that is not.
"""

from __future__ import annotations

import datetime as dt
import difflib
import io
import json
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from liaison.activities.tests.matrix_world import QuietClient
from liaison.coordination.models import (
    ActivityChange,
    Agreement,
    ContactPoint,
    Holiday,
    Notice,
    NoticeResponse,
    NoticeStatus,
    PlanItem,
    SharingRule,
    WebhookEndpoint,
    WorkingCalendar,
)
from liaison.coordination.tests.matrix_world import (
    ACTIVITY_FACTS,
    ACTORS,
    AGREEMENT_FACTS,
    AGREEMENTS,
    COUNTRY,
    HOOKS,
    MISSING_PK,
    MISSING_UID,
    NOTICES,
    ORG_NAMES,
    PARENTS,
    PDF,
    PUBLIC,
    RESTRICTED,
    WITH_NOTICES,
    Actor,
    Agr,
    AgreementRecord,
    HookRecord,
    NoticeRecord,
    World,
    restore_files,
    same_as_missing,
    world_for_module,
)
from liaison.directory.tests.test_authorization_matrix import belongs_to_other_module, enumerate_urls

SIGN_IN = "/accounts/sign-in/"
API = "/api/coordination"
MODULE = "coordination"
# What a notice's payload may hold under the world's rules (they share the title only).
PAYLOAD_KEYS = {"activity", "kind", "starts_at", "ends_at", "time_zone", "status", "title"}


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    with world_for_module(django_db_blocker) as w:
        yield w


# --- known bugs ----------------------------------------------------------------------------------

# Wrong answers the matrix found, each shown by a test of its own at the end of this module (marked
# xfail, strict: it fails once the bug is fixed, and then its mark and entry here go). The matrix
# keeps them apart from the other wrong answers (`Run.fail(..., bug=...)`), so that it stays green
# and strict about everything else.
KNOWN_BUGS: dict[str, str] = {}
# Where the answers name what they should not, as the known bugs do: (path, what, bug).
KNOWN_LEAKS: list[tuple[re.Pattern[str], str, str]] = []


def _leak(path: str, what: str) -> str | None:
    """The known bug that explains a leak of `what` at `path`, if any."""
    return next((bug for pattern, kind, bug in KNOWN_LEAKS if kind == what and pattern.search(path)), None)


# --- the request runner -------------------------------------------------------------------------

Rec = Any  # AgreementRecord | NoticeRecord | HookRecord
Url = Callable[[Rec | None], str]


@dataclass
class Run:
    """One actor's requests against one case; collects every mismatch before failing."""

    client: Client
    actor: Actor
    world: World
    failures: list[str] = field(default_factory=list)
    known: dict[str, list[str]] = field(default_factory=dict)  # wrong answers of known bugs

    # requests
    def send(self, method: str, url: str, data: Any = None, *, api: bool = False) -> Any:
        kwargs: dict[str, Any] = {}
        if api and data is not None:
            kwargs = {"data": json.dumps(data), "content_type": "application/json"}
        elif data is not None:
            kwargs = {"data": data}
        response = getattr(self.client, method.lower())(url, **kwargs)
        if response.streaming:
            response.body = b"".join(response.streaming_content)
        else:
            response.body = response.content
        if not self.actor.anonymous and response.status_code < 300:
            self.nothing_hidden(method, url, response.body)
        return response

    # expectations
    def fail(self, message: str, *, bug: str | None = None) -> None:
        """A wrong answer; one a known bug gives (`KNOWN_BUGS`) is kept apart: its own test shows it."""
        if bug is None:
            self.failures.append(message)
        else:
            assert bug in KNOWN_BUGS, bug
            self.known.setdefault(bug, []).append(message)

    def expect(self, response: Any, status: int, label: str) -> bool:
        if response.status_code != status:
            said = response.body[:300].decode(errors="replace") if _is_json(response) else ""
            self.fail(f"{label}: expected {status}, got {response.status_code} {said}".rstrip())
            return False
        return True

    def expect_anonymous(self, response: Any, label: str, *, api: bool) -> None:
        if api:
            self.expect(response, 401, label)
            return
        location = response.get("Location", "")
        if response.status_code != 302 or not location.startswith(SIGN_IN):
            self.fail(f"{label}: expected a redirect to sign-in, got {response.status_code} {location}")

    def expect_same(self, response: Any, missing: Any, pks: tuple[int, ...], label: str) -> None:
        """The refused record's answer must not differ from the missing record's."""
        if response.status_code != missing.status_code:
            self.fail(f"{label}: {response.status_code} but a missing record answers {missing.status_code}")
        elif not same_as_missing(response.body, missing.body, pks):
            self.fail(f"{label}: body differs from a missing record's:\n{_diff(response, missing)}")

    def plain(self, method: str, url: str, status: int, data: Any = None, *, api: bool = False) -> Any:
        """A URL with no record: signed-in users get `status`, anonymous the sign-in (or 401)."""
        response = self.send(method, url, data, api=api)
        if self.actor.anonymous:
            self.expect_anonymous(response, f"{method} {url}", api=api)
        else:
            self.expect(response, status, f"{method} {url}")
        return response

    def per_record(
        self,
        method: str,
        url: Url,
        records: Iterable[Rec],
        allowed: Callable[[Rec], bool],
        ok: int | Callable[[Rec], int],
        *,
        data: Callable[[Rec | None], Any] | None = None,
        api: bool = False,
        otherwise: Callable[[Rec], int | None] | None = None,
        check: Callable[[Rec, Any], None] | None = None,
        state: Callable[[Rec], Any] | None = None,
    ) -> None:
        """Request `url` for each record: `ok` where allowed (then `check` the answer); else what
        `otherwise` says, or exactly what a missing record gets. A refused request leaves the
        record's `state` as it was."""
        body = data or (lambda r: None)
        records = list(records)
        missing = None
        if not self.actor.anonymous:
            missing = self.send(method, url(None), body(None), api=api)
            self.expect(missing, 404, f"{method} {url(None)} (missing)")
        for record in records:
            address = url(record)
            label = f"{method} {address} [{record}]"
            before = state(record) if state else None
            response = self.send(method, address, body(record), api=api)
            refused = True
            if self.actor.anonymous:
                self.expect_anonymous(response, label, api=api)
            elif allowed(record):
                refused = False
                status = ok(record) if callable(ok) else ok
                if self.expect(response, status, label) and check is not None:
                    check(record, response)
            elif otherwise is not None and (other := otherwise(record)) is not None:
                self.expect(response, other, label)
            else:
                assert missing is not None
                self.expect_same(response, missing, _pks(address), label)
            if refused and state is not None and state(record) != before:
                self.fail(f"{label}: refused, but the data changed: {before} → {state(record)}")

    def per_agreement(
        self,
        method: str,
        url: Url,
        rule: Callable[[Actor, Agr], bool],
        ok: int | Callable[[Rec], int],
        **kwargs: Any,
    ) -> None:
        """`per_record` over the world's agreements, allowed where `rule` says; a write's refusal
        must leave the agreement, its rules and contact points as they were."""
        if method != "GET":
            kwargs.setdefault("state", _agreement_state)
        records = [self.world.agreements[a.key] for a in AGREEMENTS]
        self.per_record(method, url, records, lambda a: rule(self.actor, a.facts), ok, **kwargs)

    def nothing_hidden(self, method: str, url: str, body: bytes) -> None:
        """No answer names an agreement or an organisation the actor may not read."""
        path = url.split("?")[0]
        titles = [a.key for a in AGREEMENTS if not self.actor.reads(a) and a.title.encode() in body]
        if titles:
            self.fail(
                f"{method} {url}: names agreements it may not read: {titles}", bug=_leak(path, "agreement")
            )
        names = [o for o in PARENTS if not self.actor.reads_org(o) and ORG_NAMES[o].encode() in body]
        if names:
            self.fail(f"{method} {url}: names organisations it may not read: {names}", bug=_leak(path, "org"))

    def listed(self, got: Iterable[Any], expected: Iterable[Any], label: str) -> None:
        got, expected = set(got), set(expected)
        if got != expected:
            unwanted, missed = sorted(map(str, got - expected)), sorted(map(str, expected - got))
            self.fail(f"{label}: lists {unwanted} it should not, misses {missed}")


def _is_json(response: Any) -> bool:
    return "json" in response.get("Content-Type", "")


def _pks(url: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"(?<=/)\d+(?=/|$)", url.split("?")[0]))


def _diff(response: Any, missing: Any) -> str:
    def lines(body: bytes) -> list[str]:
        return body.decode(errors="replace").replace("><", ">\n<").splitlines()

    diff = difflib.unified_diff(
        lines(missing.body), lines(response.body), "missing", "refused", n=0, lineterm=""
    )
    return "\n".join(list(diff)[:12])


def _uids_in_html(body: bytes) -> set[str]:
    return {m.decode() for m in re.findall(rb'href="/coordination/notices/([0-9a-f-]{36})/"', body)}


def _agreement_ids_in_html(body: bytes) -> set[int]:
    return {int(pk) for pk in re.findall(rb'href="/coordination/agreements/(\d+)/"', body)}


def _options(body: bytes, select_id: str) -> set[int]:
    found = re.search(rb'<select id="' + select_id.encode() + rb'".*?</select>', body, re.S)
    return {int(v) for v in re.findall(rb'value="(\d+)"', found.group(0))} if found else set()


# --- the world's records and what the actor should see of them ------------------------------------


def _agreements(run: Run) -> list[AgreementRecord]:
    return [run.world.agreements[a.key] for a in AGREEMENTS]


def _notices(run: Run) -> list[NoticeRecord]:
    return [run.world.notices[n.key] for n in NOTICES]


def _hooks(run: Run) -> list[HookRecord]:
    return [run.world.hooks[h.key] for h in HOOKS]


def _readable_agreements(run: Run, keep: Callable[[AgreementRecord], bool] = lambda a: True) -> set[int]:
    return {a.pk for a in _agreements(run) if run.actor.reads(a.facts) and keep(a)}


def _readable_orgs(run: Run) -> set[int]:
    return {run.world.org(o) for o in PARENTS if run.actor.reads_org(o)}


def _counted(run: Run, keep: Callable[[NoticeRecord], bool] = lambda n: True) -> int:
    """How many notices the health figures count for the actor: of agreements they read."""
    return sum(1 for n in _notices(run) if run.actor.reads(AGREEMENT_FACTS[n.facts.agreement]) and keep(n))


# --- the data a refused write must leave alone ---------------------------------------------------


def _agreement_state(a: AgreementRecord) -> Any:
    return (
        Agreement.objects.filter(pk=a.pk)
        .values_list("version", "owner_id", "classification", "notes")
        .first(),
        sorted(SharingRule.objects.filter(agreement_id=a.pk).values_list("pk", "version", "name", "active")),
        sorted(ContactPoint.objects.filter(agreement_id=a.pk).values_list("pk", flat=True)),
    )


def _agreement_and_changes_state(a: AgreementRecord) -> Any:
    return (_agreement_state(a), ActivityChange.objects.count())


def _notice_state(n: NoticeRecord) -> Any:
    return (
        Notice.objects.filter(pk=n.pk).values_list("status", "acknowledged_at").first(),
        NoticeResponse.objects.filter(notice_id=n.pk).count(),
    )


def _hook_state(h: HookRecord) -> Any:
    return WebhookEndpoint.objects.filter(pk=h.pk).values_list("url", "active").first()


def _calendar_state() -> Any:
    return (
        list(WorkingCalendar.objects.values_list("country__code", "weekend").order_by("pk")),
        list(Holiday.objects.values_list("pk", "date", "name").order_by("pk")),
    )


# --- the cases ------------------------------------------------------------------------------------

Case = Callable[[Run], None]


def _tuple(fn: Callable[[Actor, Any], bool], records: Iterable[Any]) -> Callable[[Actor], tuple[bool, ...]]:
    return lambda actor: tuple(fn(actor, r) for r in records)


# What a case's answers may depend on: the rules restated in matrix_world.Actor, for this world.
RULES: dict[str, Callable[[Actor], tuple[Any, ...]]] = {
    "reads": _tuple(Actor.reads, AGREEMENTS),
    "changes": _tuple(Actor.changes, AGREEMENTS),
    "deletes": _tuple(Actor.deletes, AGREEMENTS),
    "hands_over": _tuple(Actor.hands_over, AGREEMENTS),
    "raises": _tuple(Actor.raises, AGREEMENTS),
    "creates": lambda actor: (
        actor.opens_agreement_form,
        actor.creates("mofa", PUBLIC),
        actor.creates("mofa", RESTRICTED),
    ),
    "reads_orgs": lambda actor: tuple(actor.reads_org(org) for org in PARENTS),
    "reads_notices": _tuple(Actor.reads_notice, NOTICES),
    "answers": _tuple(Actor.answers, NOTICES),
    "replies": _tuple(Actor.replies, NOTICES),
    "boxes": lambda actor: tuple((actor.receives(n), actor.sends(n)) for n in NOTICES),
    "reads_activities": _tuple(Actor.reads_activity, ACTIVITY_FACTS.values()),
    "calendars": lambda actor: (actor.keeps_calendars,),
    "webhooks": _tuple(Actor.manages_webhooks, HOOKS),
}


@dataclass(frozen=True)
class Spec:
    fn: Case
    rules: tuple[str, ...]
    every_actor: bool


CASES: dict[str, Spec] = {}


def case(*names: str, rules: tuple[str, ...], every_actor: bool = False) -> Callable[[Case], Case]:
    """Register a case for URL names / API operations, with the rules its answers depend on (and
    which organisations the actor may see: any answer could name one), or to run with every actor."""

    def register(fn: Case) -> Case:
        for name in names:
            assert name not in CASES, name
            CASES[name] = Spec(fn, ("reads_orgs", *rules), every_actor)
        return fn

    return register


def page(name: str, part: str | None = None) -> Url:
    """The address of an agreement's page (and of one of its rules or contact points)."""

    def url(a: AgreementRecord | None) -> str:
        args = [a.pk if a else MISSING_PK]
        if part is not None:
            args.append(getattr(a, part) if a else MISSING_PK)
        return reverse(f"coordination:{name}", args=args)

    return url


def notice_page(name: str) -> Url:
    return lambda n: reverse(f"coordination:{name}", args=[n.uid if n else MISSING_UID])


def api(template: str) -> Url:
    """An API address of an agreement: `{pk}` and `{rule}`."""

    def url(a: AgreementRecord | None) -> str:
        return API + template.format(pk=a.pk if a else MISSING_PK, rule=a.rule if a else MISSING_PK)

    return url


def _through_another(run: Run, method: str, address: str, data: Any = None, *, api: bool = False) -> None:
    """For the superuser (who may change everything): a rule or contact point asked for through the
    address of another agreement is 404."""
    if run.actor.superuser:
        response = run.send(method, address, data, api=api)
        run.expect(response, 404, f"{method} {address} (a part of another agreement)")


def _another(run: Run) -> tuple[AgreementRecord, AgreementRecord]:
    return run.world.agreements["public"], run.world.agreements["restricted"]


# --- notices: pages -------------------------------------------------------------------------------


def _boxes(run: Run) -> list[tuple[str, Callable[[NoticeRecord], bool]]]:
    """Queries of the inbox and what each should list for the actor: the received and the sent
    box, each narrowed to one organisation (which narrows only an organisation of theirs)."""
    actor = run.actor
    vufo, unit = run.world.org("vufo"), run.world.org("mofa-unit")

    def received(n: NoticeRecord) -> bool:
        return actor.receives(n.facts)

    def sent(n: NoticeRecord) -> bool:
        return actor.sends(n.facts)

    def received_by_vufo(n: NoticeRecord) -> bool:
        return received(n) and n.facts.recipient == "vufo"

    def sent_by_the_unit(n: NoticeRecord) -> bool:
        return sent(n) and n.facts.source == "mofa-unit"

    return [
        ("", received),
        ("?box=sent", sent),
        (f"?box=received&organisation={vufo}", received_by_vufo),
        (f"?box=sent&organisation={unit}", sent_by_the_unit),
        ("?state=waiting&kind=new", received),
    ]


@case("coordination:inbox", rules=("boxes", "reads"), every_actor=True)
def _inbox(run: Run) -> None:
    url = reverse("coordination:inbox")
    for query, wanted in _boxes(run):
        response = run.plain("GET", url + query, 200)
        if not run.actor.anonymous:
            expected = {n.uid for n in _notices(run) if wanted(n)}
            run.listed(_uids_in_html(response.body), expected, f"GET {url}{query}")
            # the agreement filter offers the agreements they may read, and no other
            options = _options(response.body, "f-agreement")
            run.listed(options, _readable_agreements(run), f"GET {url}{query}: agreement filter")


@case("coordination:unread-badge", rules=("boxes",))
def _unread_badge(run: Run) -> None:
    url = reverse("coordination:unread-badge")
    response = run.plain("GET", url, 200)
    if not run.actor.anonymous:
        # given no notice opened yet, every notice received is unread
        found = re.search(rb">(\d+)\+?</span>", response.body)
        count = int(found.group(1)) if found else 0
        expected = sum(1 for n in NOTICES if run.actor.receives(n))
        if count != expected:
            run.fail(f"GET {url}: counts {count} unread notices, expected {expected}")


@case("coordination:notice-detail", rules=("reads_notices", "reads_activities"), every_actor=True)
def _notice_detail(run: Run) -> None:
    def opens_no_door_to_the_activity(n: NoticeRecord, response: Any) -> None:
        label = f"GET notice-{n.facts.key}"
        activity = ACTIVITY_FACTS[n.facts.activity]
        activity_url = reverse("activities:activity-detail", args=[n.activity])
        reads = run.actor.reads_activity(activity)
        if (f'href="{activity_url}"'.encode() in response.body) != reads:
            run.fail(f"{label}: the link to the activity is {'missing' if reads else 'shown'}")
        # The notice is no grant to the activity itself (e.g. while it is under embargo).
        run.expect(run.send("GET", activity_url), 200 if reads else 404, f"{label}: GET {activity_url}")

    run.per_record(
        "GET",
        notice_page("notice-detail"),
        _notices(run),
        lambda n: run.actor.reads_notice(n.facts),
        200,
        check=opens_no_door_to_the_activity,
    )


def _asked() -> None:
    """Every notice waiting for the source's reply to a question (rolled back with the test)."""
    Notice.objects.update(status=NoticeStatus.INFO_REQUESTED)


def _answers(run: Run, *, api: bool) -> None:
    """Acknowledging: editors of the recipient. A reader who may only reply is told the notice
    cannot be answered so (the page: back to it with the error; the API: 400); anyone else gets
    the missing notice's 404. Then replying to a question: editors of the source, likewise."""
    actor = run.actor

    def api_url(n: NoticeRecord | None) -> str:
        return f"{API}/notices/{n.uid if n else MISSING_UID}/answers"

    url, ok, invalid = (api_url, 201, 400) if api else (notice_page("notice-answer"), 302, 302)

    def now(status: str) -> Callable[[NoticeRecord, Any], None]:
        def check(n: NoticeRecord, response: Any) -> None:
            got = Notice.objects.values_list("status", flat=True).get(pk=n.pk)
            if got != status:
                run.fail(f"answer to notice-{n.facts.key}: its status is {got}, expected {status}")

        return check

    run.per_record(
        "POST",
        url,
        _notices(run),
        lambda n: actor.answers(n.facts),
        ok,
        data=lambda n: {"kind": "acknowledge"},
        api=api,
        otherwise=lambda n: invalid if actor.reads_notice(n.facts) and actor.replies(n.facts) else None,
        check=now(NoticeStatus.ACKNOWLEDGED),
        state=_notice_state,
    )
    _asked()
    run.per_record(
        "POST",
        url,
        _notices(run),
        lambda n: actor.replies(n.facts),
        ok,
        data=lambda n: {"kind": "reply", "note": "The programme follows."},
        api=api,
        otherwise=lambda n: invalid if actor.reads_notice(n.facts) and actor.answers(n.facts) else None,
        check=now(NoticeStatus.OPEN),
        state=_notice_state,
    )


@case("coordination:notice-answer", rules=("reads_notices", "answers", "replies"), every_actor=True)
def _notice_answer(run: Run) -> None:
    _answers(run, api=False)


# --- notices: API ---------------------------------------------------------------------------------


@case("GET /api/coordination/notices", rules=("boxes",))
def _api_notices(run: Run) -> None:
    for query, wanted in _boxes(run):
        response = run.plain("GET", f"{API}/notices{query}", 200, api=True)
        if not run.actor.anonymous and response.status_code == 200:
            data = json.loads(response.body)
            expected = {n.uid for n in _notices(run) if wanted(n)}
            run.listed({item["id"] for item in data["items"]}, expected, f"GET {API}/notices{query}")
            if data["count"] != len(expected):
                run.fail(f"GET {API}/notices{query}: count {data['count']}, expected {len(expected)}")


@case("GET /api/coordination/notices/{uid}", rules=("reads_notices",))
def _api_notice(run: Run) -> None:
    def the_payload_only(n: NoticeRecord, response: Any) -> None:
        data = json.loads(response.body)
        extra = set(data["payload"]) - PAYLOAD_KEYS
        if extra:
            run.fail(
                f"GET notice-{n.facts.key}: the payload carries {sorted(extra)} beyond the shared fields"
            )

    run.per_record(
        "GET",
        lambda n: f"{API}/notices/{n.uid if n else MISSING_UID}",
        _notices(run),
        lambda n: run.actor.reads_notice(n.facts),
        200,
        api=True,
        check=the_payload_only,
    )


@case("POST /api/coordination/notices/{uid}/answers", rules=("reads_notices", "answers", "replies"))
def _api_notice_answer(run: Run) -> None:
    _answers(run, api=True)


# --- health ---------------------------------------------------------------------------------------


def _health_queries(run: Run) -> list[tuple[str, int]]:
    """Queries of the health figures and how many notices each should count for the actor (-1: as
    for a missing agreement or organisation, which the page ignores and the API counts nothing
    of): all theirs; one agreement's; those received by VUFO; those sent by VUFO's cell."""
    year = run.world.year
    queries = [(f"year={year}", _counted(run)), (f"year={year}&agreement={MISSING_PK}", -1)]
    for a in _agreements(run):
        mine = sum(1 for n in NOTICES if n.agreement == a.facts.key) if run.actor.reads(a.facts) else -1
        queries.append((f"year={year}&agreement={a.pk}", mine))
    vufo = run.world.org("vufo")
    by_vufo = _counted(run, lambda n: n.facts.recipient == "vufo")
    queries.append((f"year={year}&organisation={vufo}&side=recipient", by_vufo))
    cell = run.world.org("vufo-secret")
    by_cell = _counted(run, lambda n: n.facts.source == "vufo-secret")
    queries.append(
        (
            f"year={year}&organisation={cell}&side=source",
            by_cell if run.actor.reads_org("vufo-secret") else -1,
        )
    )
    return queries


def _health_total(body: bytes) -> int:
    found = re.search(rb"(\d+) of (\d+) activities", body)
    return int(found.group(2)) if found else 0


@case("coordination:health", rules=("reads",))
def _health(run: Run) -> None:
    url = reverse("coordination:health")
    for query, expected in _health_queries(run):
        response = run.plain("GET", f"{url}?{query}", 200)
        if run.actor.anonymous:
            continue
        expected = _counted(run) if expected == -1 else expected
        if _health_total(response.body) != expected:
            run.fail(f"GET {url}?{query}: counts {_health_total(response.body)} notices, expected {expected}")
        run.listed(
            _options(response.body, "h-agreement"), _readable_agreements(run), f"GET {url}?{query}: options"
        )


@case("coordination:health-export", rules=("reads",))
def _health_export(run: Run) -> None:
    from openpyxl import load_workbook

    url = reverse("coordination:health-export")
    year = run.world.year
    restricted = run.world.agreements["restricted"]
    queries = [(f"year={year}", _counted(run))]
    mine = _counted(run, lambda n: n.facts.agreement == "restricted")
    queries.append(
        (f"year={year}&agreement={restricted.pk}", mine if run.actor.reads(restricted.facts) else -1)
    )
    for query, expected in queries:
        response = run.plain("GET", f"{url}?{query}", 200)
        if run.actor.anonymous or response.status_code != 200:
            continue
        summary = load_workbook(io.BytesIO(response.body)).active
        assert summary is not None
        values = {row[0]: row[1] for row in summary.iter_rows(values_only=True)}
        expected = _counted(run) if expected == -1 else expected
        if values.get("Activities notified") != expected:
            run.fail(f"GET {url}?{query}: counts {values.get('Activities notified')}, expected {expected}")


@case("GET /api/coordination/health", rules=("reads",))
def _api_health(run: Run) -> None:
    for query, expected in _health_queries(run):
        response = run.plain("GET", f"{API}/health?{query}", 200, api=True)
        if run.actor.anonymous or response.status_code != 200:
            continue
        expected = 0 if expected == -1 else expected
        total = json.loads(response.body)["total"]
        if total != expected:
            run.fail(f"GET {API}/health?{query}: counts {total} notices, expected {expected}")


# --- agreements: pages ----------------------------------------------------------------------------


@case("coordination:agreement-list", rules=("reads",))
def _agreement_list(run: Run) -> None:
    url = reverse("coordination:agreement-list")
    vufo, unit = run.world.org("vufo"), run.world.org("mofa-unit")
    views: list[tuple[str, Callable[[AgreementRecord], bool]]] = [
        ("", lambda a: True),
        (f"?party={vufo}", lambda a: "vufo" in a.facts.parties),
        (f"?party={unit}&in_force=yes", lambda a: "mofa-unit" in a.facts.parties),
        ("?q=restricted", lambda a: "restricted" in a.facts.key),
    ]
    # the parties they may see of the agreements they may read
    parties = {
        run.world.org(p) for a in AGREEMENTS if run.actor.reads(a) for p in a.parties
    } & _readable_orgs(run)
    for query, keep in views:
        response = run.plain("GET", url + query, 200)
        if not run.actor.anonymous:
            got = _agreement_ids_in_html(response.body)
            run.listed(got, _readable_agreements(run, keep), f"GET {url}{query}")
            # the party filter offers the parties of the agreements they may read, and no other
            run.listed(_options(response.body, "f-party"), parties, f"GET {url}{query}: party filter")


def _new_agreement(run: Run, level: int) -> dict[str, Any]:
    mofa, vufo = run.world.org("mofa"), run.world.org("vufo")
    return {
        "kind": "agreement",
        "title_en": f"New agreement {level}",
        "owner": mofa,
        "parties": [mofa, vufo],
        "starts_on": "2025-01-01",
        "acknowledge_within_hours": "48",
        "classification": str(level),
    }


@case("coordination:agreement-create", rules=("creates",))
def _agreement_create(run: Run) -> None:
    url = reverse("coordination:agreement-create")
    actor = run.actor
    run.plain("GET", url, 200 if actor.opens_agreement_form else 403)
    for level in (PUBLIC, RESTRICTED):
        before = Agreement.objects.count()
        allowed = actor.creates("mofa", level)
        # Those who may open the form but not keep an agreement for MOFA at this level see it again.
        status = 302 if allowed else 200 if actor.opens_agreement_form else 403
        run.plain("POST", url, status, _new_agreement(run, level))
        if Agreement.objects.count() != before + (1 if allowed else 0):
            run.fail(f"POST {url} ({level}): {Agreement.objects.count() - before} agreements created")


@case("coordination:agreement-detail", rules=("reads", "changes", "deletes"))
def _agreement_detail(run: Run) -> None:
    def offers_what_they_may_do(a: AgreementRecord, response: Any) -> None:
        for name, may in (("agreement-edit", run.actor.changes), ("agreement-delete", run.actor.deletes)):
            link = f'href="{reverse(f"coordination:{name}", args=[a.pk])}"'.encode()
            if (link in response.body) != may(a.facts):
                run.fail(f"GET agreement {a}: the {name} link is {'missing' if may(a.facts) else 'shown'}")

    run.per_agreement("GET", page("agreement-detail"), Actor.reads, 200, check=offers_what_they_may_do)


def _agreement_form(run: Run, a: AgreementRecord | None) -> dict[str, Any]:
    """The edit form as the actor gets it (parties they may not see left out), with a note added."""
    if a is None:
        return {"kind": "agreement", "title_en": "Missing", "starts_on": "2025-01-01", "version": "1"}
    agreement = Agreement.objects.get(pk=a.pk)

    def day(value: dt.date | None) -> str:
        return value.isoformat() if value else ""

    return {
        "kind": agreement.kind,
        "code": agreement.code,
        "title_en": agreement.title_en,
        "title_vi": agreement.title_vi,
        "title_ar": agreement.title_ar,
        "owner": agreement.owner_id,
        "parties": [p.pk for p in agreement.parties.all() if p.pk in _readable_orgs(run)],
        "fields": agreement.field_list,
        "signed_on": day(agreement.signed_on),
        "starts_on": day(agreement.starts_on),
        "ends_on": day(agreement.ends_on),
        "acknowledge_within_hours": str(agreement.acknowledge_within_hours),
        "coordinators": list(agreement.coordinators.values_list("pk", flat=True)),
        "notes": "Edited by the matrix",
        "classification": str(agreement.classification),
        "version": str(agreement.version),
    }


def _notes_are(text: str, run: Run) -> Callable[[AgreementRecord, Any], None]:
    def check(a: AgreementRecord, response: Any) -> None:
        notes = Agreement.objects.values_list("notes", flat=True).get(pk=a.pk)
        if notes != text:
            run.fail(f"agreement {a}: its notes are {notes!r}, expected {text!r}")

    return check


@case("coordination:agreement-edit", rules=("changes",))
def _agreement_edit(run: Run) -> None:
    url = page("agreement-edit")
    run.per_agreement("GET", url, Actor.changes, 200)
    run.per_agreement(
        "POST",
        url,
        Actor.changes,
        302,
        data=lambda a: _agreement_form(run, a),
        check=_notes_are("Edited by the matrix", run),
    )


def _deleted(run: Run) -> Callable[[AgreementRecord, Any], None]:
    """Agreements under which notices were sent are kept (400, with the reason); the others go."""

    def check(a: AgreementRecord, response: Any) -> None:
        exists = Agreement.objects.filter(pk=a.pk).exists()
        if exists != (a.facts.key in WITH_NOTICES):
            run.fail(f"delete agreement {a}: it {'is still there' if exists else 'was deleted'}")

    return check


def _delete_status(ok: int) -> Callable[[AgreementRecord], int]:
    return lambda a: 400 if a.facts.key in WITH_NOTICES else ok


@case("coordination:agreement-delete", rules=("deletes",))
def _agreement_delete(run: Run) -> None:
    url = page("agreement-delete")
    run.per_agreement("GET", url, Actor.deletes, 200)
    run.per_agreement(
        "POST",
        url,
        Actor.deletes,
        _delete_status(302),
        check=_deleted(run),
    )


@case("coordination:agreement-signed-text", rules=("reads",))
def _agreement_signed_text(run: Run) -> None:
    restore_files(run.world)

    def a_download_of_the_file(a: AgreementRecord, response: Any) -> None:
        disposition = response.get("Content-Disposition", "")
        if response.body != PDF or not disposition.startswith("attachment"):
            run.fail(f"GET signed text of {a}: not the file as a download ({disposition})")

    run.per_agreement("GET", page("agreement-signed-text"), Actor.reads, 200, check=a_download_of_the_file)


# --- contact points and rules: pages --------------------------------------------------------------


@case("coordination:contact-add", rules=("changes",))
def _contact_add(run: Run) -> None:
    for a in _agreements(run):
        run.plain("GET", page("contact-add")(a), 405)

    def body(a: AgreementRecord | None) -> dict[str, Any]:
        party = run.world.org(a.facts.recipient) if a else run.world.org("vufo")
        return {"organisation": party, "name": "New contact", "email": "new@example.org"}

    def added(a: AgreementRecord, response: Any) -> None:
        if not ContactPoint.objects.filter(agreement_id=a.pk, name="New contact").exists():
            run.fail(f"add a contact point to {a}: none added")

    run.per_agreement(
        "POST",
        page("contact-add"),
        Actor.changes,
        302,
        data=body,
        check=added,
    )


@case("coordination:contact-delete", rules=("changes",))
def _contact_delete(run: Run) -> None:
    def removed(a: AgreementRecord, response: Any) -> None:
        if ContactPoint.objects.filter(pk=a.contact).exists():
            run.fail(f"remove the contact point of {a}: still there")

    host, donor = _another(run)
    _through_another(run, "POST", reverse("coordination:contact-delete", args=[host.pk, donor.contact]))
    run.per_agreement(
        "POST",
        page("contact-delete", "contact"),
        Actor.changes,
        302,
        check=removed,
    )


def _rule_form(run: Run, a: AgreementRecord | None, *, name: str) -> dict[str, Any]:
    facts = a.facts if a else AGREEMENT_FACTS["public"]
    data: dict[str, Any] = {
        "name": name,
        "recipient": run.world.org(facts.recipient),
        "source": run.world.org(facts.source),
        "triggers": ["created", "dates", "cancelled"],
        "lead_days": "7",
        "day_basis": "calendar",
        "change_hours": "24",
        "shared_fields": ["title"],
        "active": "on",
    }
    if a is not None:
        data["version"] = str(SharingRule.objects.values_list("version", flat=True).get(pk=a.rule))
    return data


@case("coordination:rule-create", rules=("changes",))
def _rule_create(run: Run) -> None:
    url = page("rule-create")

    def added(a: AgreementRecord, response: Any) -> None:
        if not SharingRule.objects.filter(agreement_id=a.pk, name="Added by the matrix").exists():
            run.fail(f"add a rule to {a}: none added")

    run.per_agreement("GET", url, Actor.changes, 200)
    run.per_agreement(
        "POST",
        url,
        Actor.changes,
        302,
        data=lambda a: _rule_form(run, a, name="Added by the matrix"),
        check=added,
    )


def _rule_named(run: Run, name: str) -> Callable[[AgreementRecord, Any], None]:
    def check(a: AgreementRecord, response: Any) -> None:
        got = SharingRule.objects.values_list("name", flat=True).get(pk=a.rule)
        if got != name:
            run.fail(f"rule of {a}: named {got!r}, expected {name!r}")

    return check


@case("coordination:rule-edit", rules=("changes",))
def _rule_edit(run: Run) -> None:
    url = page("rule-edit", "rule")
    host, donor = _another(run)
    _through_another(run, "GET", reverse("coordination:rule-edit", args=[host.pk, donor.rule]))
    run.per_agreement("GET", url, Actor.changes, 200)
    run.per_agreement(
        "POST",
        url,
        Actor.changes,
        302,
        data=lambda a: _rule_form(run, a, name="Edited by the matrix"),
        check=_rule_named(run, "Edited by the matrix"),
    )


@case("coordination:rule-toggle", rules=("changes",))
def _rule_toggle(run: Run) -> None:
    def switched_off(a: AgreementRecord, response: Any) -> None:
        if SharingRule.objects.values_list("active", flat=True).get(pk=a.rule):
            run.fail(f"toggle the rule of {a}: still active")

    def body(a: AgreementRecord | None) -> dict[str, Any]:
        version = SharingRule.objects.values_list("version", flat=True).get(pk=a.rule) if a else 1
        return {"version": str(version)}

    run.per_agreement(
        "POST",
        page("rule-toggle", "rule"),
        Actor.changes,
        302,
        data=body,
        check=switched_off,
    )


def _rule_deleted(run: Run) -> Callable[[AgreementRecord, Any], None]:
    """A rule that produced notices is kept (400, with the reason); the others go."""

    def check(a: AgreementRecord, response: Any) -> None:
        exists = SharingRule.objects.filter(pk=a.rule).exists()
        if exists != (a.facts.key in WITH_NOTICES):
            run.fail(f"delete the rule of {a}: it {'is still there' if exists else 'was deleted'}")

    return check


@case("coordination:rule-delete", rules=("changes",))
def _rule_delete(run: Run) -> None:
    url = page("rule-delete", "rule")
    run.per_agreement("GET", url, Actor.changes, 200)
    run.per_agreement(
        "POST",
        url,
        Actor.changes,
        _delete_status(302),
        check=_rule_deleted(run),
    )


def _queued(run: Run) -> Callable[[AgreementRecord, Any], None]:
    """Applying a rule queues a change for each activity not yet started (the world's four)."""

    def check(a: AgreementRecord, response: Any) -> None:
        pending = ActivityChange.objects.filter(rule_ids=[a.rule]).count()
        if pending != len(ACTIVITY_FACTS):
            run.fail(f"apply the rule of {a}: {pending} changes queued, expected {len(ACTIVITY_FACTS)}")

    return check


@case("coordination:rule-apply", rules=("changes",))
def _rule_apply(run: Run) -> None:
    run.per_agreement(
        "POST",
        page("rule-apply", "rule"),
        Actor.changes,
        302,
        check=_queued(run),
        state=_agreement_and_changes_state,
    )


# --- agreements and rules: API --------------------------------------------------------------------


@case("GET /api/coordination/agreements", rules=("reads",))
def _api_agreements(run: Run) -> None:
    response = run.plain("GET", f"{API}/agreements", 200, api=True)
    if not run.actor.anonymous and response.status_code == 200:
        data = json.loads(response.body)
        run.listed({item["id"] for item in data["items"]}, _readable_agreements(run), f"GET {API}/agreements")
        if data["count"] != len(_readable_agreements(run)):
            run.fail(f"GET {API}/agreements: count {data['count']}")
        hidden = {p for item in data["items"] for p in item["parties"]} - _readable_orgs(run)
        if hidden:
            run.fail(f"GET {API}/agreements: lists parties it may not see: {sorted(hidden)}")


@case("POST /api/coordination/agreements", rules=("creates",))
def _api_agreement_create(run: Run) -> None:
    mofa, vufo = run.world.org("mofa"), run.world.org("vufo")

    def body(level: int, owner: int = mofa) -> dict[str, Any]:
        return {
            "kind": "agreement",
            "owner": owner,
            "parties": [mofa, vufo],
            "starts_on": "2025-01-01",
            "title_en": "API agreement",
            "classification": level,
        }

    for level in (PUBLIC, RESTRICTED):
        before = Agreement.objects.count()
        allowed = run.actor.creates("mofa", level)
        # Kept by a readable organisation they may not write for: 404, as for a record of theirs.
        run.plain("POST", f"{API}/agreements", 201 if allowed else 404, body(level), api=True)
        if Agreement.objects.count() != before + (1 if allowed else 0):
            run.fail(f"POST {API}/agreements ({level}): {Agreement.objects.count() - before} created")
    # Kept by a missing organisation: 400, naming the field.
    run.plain("POST", f"{API}/agreements", 400, body(PUBLIC, owner=MISSING_PK), api=True)


@case("GET /api/coordination/agreements/{agreement_id}", rules=("reads",))
def _api_agreement(run: Run) -> None:
    def with_its_rule(a: AgreementRecord, response: Any) -> None:
        data = json.loads(response.body)
        rules = [r["id"] for r in data["rules"]]
        if rules != [a.rule] or response.get("ETag") is None:
            run.fail(f"GET agreement {a}: rules {rules}, ETag {response.get('ETag')}")
        hidden = set(data["parties"]) - _readable_orgs(run)
        if hidden:
            run.fail(f"GET agreement {a}: lists parties it may not see: {sorted(hidden)}")

    run.per_agreement("GET", api("/agreements/{pk}"), Actor.reads, 200, api=True, check=with_its_rule)


@case("PATCH /api/coordination/agreements/{agreement_id}", rules=("changes", "hands_over", "raises"))
def _api_agreement_patch(run: Run) -> None:
    url = api("/agreements/{pk}")
    notes = "Patched by the matrix"
    check = _notes_are(notes, run)
    run.per_agreement(
        "PATCH", url, Actor.changes, 200, data=lambda a: {"notes": notes}, api=True, check=check
    )

    # Given to its other party to keep: also an editor of the new keeper, cleared for it.
    def other(a: AgreementRecord | None) -> dict[str, Any]:
        return {"owner": run.world.org(a.facts.other_party if a else "vufo")}

    run.per_agreement("PATCH", url, Actor.hands_over, 200, data=other, api=True)
    # Classified restricted: also cleared for restricted records.
    run.per_agreement(
        "PATCH", url, Actor.raises, 200, data=lambda a: {"classification": RESTRICTED}, api=True
    )


@case("DELETE /api/coordination/agreements/{agreement_id}", rules=("deletes",))
def _api_agreement_delete(run: Run) -> None:
    run.per_agreement(
        "DELETE",
        api("/agreements/{pk}"),
        Actor.deletes,
        _delete_status(204),
        api=True,
        check=_deleted(run),
    )


@case("POST /api/coordination/agreements/{agreement_id}/rules", rules=("changes",))
def _api_rule_add(run: Run) -> None:
    def body(a: AgreementRecord | None) -> dict[str, Any]:
        facts = a.facts if a else AGREEMENT_FACTS["public"]
        return {
            "recipient": run.world.org(facts.recipient),
            "source": run.world.org(facts.source),
            "name": "Added through the API",
        }

    def added(a: AgreementRecord, response: Any) -> None:
        if not SharingRule.objects.filter(agreement_id=a.pk, name="Added through the API").exists():
            run.fail(f"add a rule to {a}: none added")

    run.per_agreement(
        "POST",
        api("/agreements/{pk}/rules"),
        Actor.changes,
        201,
        data=body,
        api=True,
        check=added,
    )


@case("PATCH /api/coordination/agreements/{agreement_id}/rules/{rule_id}", rules=("changes",))
def _api_rule_patch(run: Run) -> None:
    host, donor = _another(run)
    address = f"{API}/agreements/{host.pk}/rules/{donor.rule}"
    _through_another(run, "PATCH", address, {"name": "Patched"}, api=True)
    run.per_agreement(
        "PATCH",
        api("/agreements/{pk}/rules/{rule}"),
        Actor.changes,
        200,
        data=lambda a: {"name": "Patched by the matrix"},
        api=True,
        check=_rule_named(run, "Patched by the matrix"),
    )


@case("DELETE /api/coordination/agreements/{agreement_id}/rules/{rule_id}", rules=("changes",))
def _api_rule_delete(run: Run) -> None:
    run.per_agreement(
        "DELETE",
        api("/agreements/{pk}/rules/{rule}"),
        Actor.changes,
        _delete_status(204),
        api=True,
        check=_rule_deleted(run),
    )


@case("POST /api/coordination/agreements/{agreement_id}/rules/{rule_id}/apply", rules=("changes",))
def _api_rule_apply(run: Run) -> None:
    run.per_agreement(
        "POST",
        api("/agreements/{pk}/rules/{rule}/apply"),
        Actor.changes,
        202,
        api=True,
        check=_queued(run),
        state=_agreement_and_changes_state,
    )


# --- annual joint plans ---------------------------------------------------------------------------


def _plan_state(a: AgreementRecord) -> Any:
    return (
        _agreement_state(a),
        sorted(PlanItem.objects.filter(agreement_id=a.pk).values_list("pk", "version", "title_en")),
    )


def _plan_form(run: Run, a: AgreementRecord | None, title: str) -> dict[str, Any]:
    facts = a.facts if a else AGREEMENT_FACTS["public"]
    return {"title_en": title, "responsible": [run.world.org(facts.owner)]}


def _item_titled(run: Run, title: str) -> Callable[[AgreementRecord, Any], None]:
    def check(a: AgreementRecord, response: Any) -> None:
        if not PlanItem.objects.filter(agreement_id=a.pk, title_en=title).exists():
            run.fail(f"plan of {a}: no item titled {title!r}")

    return check


def _item_deleted(run: Run) -> Callable[[AgreementRecord, Any], None]:
    def check(a: AgreementRecord, response: Any) -> None:
        if PlanItem.objects.filter(pk=a.plan_item).exists():
            run.fail(f"delete the plan item of {a}: still there")

    return check


def plan_api(template: str) -> Url:
    """An API address of an agreement's plan: `{pk}` and `{item}`."""

    def url(a: AgreementRecord | None) -> str:
        return API + template.format(pk=a.pk if a else MISSING_PK, item=a.plan_item if a else MISSING_PK)

    return url


@case("coordination:plan-item-create", rules=("changes",))
def _plan_item_create(run: Run) -> None:
    url = page("plan-item-create")
    run.per_agreement("GET", url, Actor.changes, 200)
    run.per_agreement(
        "POST",
        url,
        Actor.changes,
        302,
        data=lambda a: _plan_form(run, a, "Added by the matrix"),
        check=_item_titled(run, "Added by the matrix"),
        state=_plan_state,
    )


@case("coordination:plan-item-edit", rules=("changes",))
def _plan_item_edit(run: Run) -> None:
    url = page("plan-item-edit", "plan_item")
    host, donor = _another(run)
    _through_another(run, "GET", reverse("coordination:plan-item-edit", args=[host.pk, donor.plan_item]))
    run.per_agreement("GET", url, Actor.changes, 200)
    run.per_agreement(
        "POST",
        url,
        Actor.changes,
        302,
        data=lambda a: _plan_form(run, a, "Edited by the matrix"),
        check=_item_titled(run, "Edited by the matrix"),
        state=_plan_state,
    )


@case("coordination:plan-item-delete", rules=("changes",))
def _plan_item_delete(run: Run) -> None:
    url = page("plan-item-delete", "plan_item")
    run.per_agreement("GET", url, Actor.changes, 200)
    run.per_agreement("POST", url, Actor.changes, 302, check=_item_deleted(run), state=_plan_state)


@case("GET /api/coordination/agreements/{agreement_id}/plan-items", rules=("reads",))
def _api_plan_items(run: Run) -> None:
    def listed(a: AgreementRecord, response: Any) -> None:
        run.listed([item["id"] for item in json.loads(response.body)], [a.plan_item], f"plan of {a}")

    run.per_agreement(
        "GET", plan_api("/agreements/{pk}/plan-items"), Actor.reads, 200, api=True, check=listed
    )


@case("POST /api/coordination/agreements/{agreement_id}/plan-items", rules=("changes",))
def _api_plan_item_add(run: Run) -> None:
    run.per_agreement(
        "POST",
        plan_api("/agreements/{pk}/plan-items"),
        Actor.changes,
        201,
        data=lambda a: _plan_form(run, a, "Added through the API"),
        api=True,
        check=_item_titled(run, "Added through the API"),
        state=_plan_state,
    )


@case("PATCH /api/coordination/agreements/{agreement_id}/plan-items/{item_id}", rules=("changes",))
def _api_plan_item_patch(run: Run) -> None:
    host, donor = _another(run)
    _through_another(run, "PATCH", f"{API}/agreements/{host.pk}/plan-items/{donor.plan_item}", {}, api=True)
    run.per_agreement(
        "PATCH",
        plan_api("/agreements/{pk}/plan-items/{item}"),
        Actor.changes,
        200,
        data=lambda a: {"title_en": "Patched by the matrix"},
        api=True,
        check=_item_titled(run, "Patched by the matrix"),
        state=_plan_state,
    )


@case("DELETE /api/coordination/agreements/{agreement_id}/plan-items/{item_id}", rules=("changes",))
def _api_plan_item_delete(run: Run) -> None:
    run.per_agreement(
        "DELETE",
        plan_api("/agreements/{pk}/plan-items/{item}"),
        Actor.changes,
        204,
        api=True,
        check=_item_deleted(run),
        state=_plan_state,
    )


# --- working calendars ----------------------------------------------------------------------------


@case("coordination:calendar-list", rules=("calendars",))
def _calendar_list(run: Run) -> None:
    url = reverse("coordination:calendar-list")
    response = run.plain("GET", url, 200)
    if not run.actor.anonymous and (b'name="weekend-country"' in response.body) != run.actor.keeps_calendars:
        run.fail(f"GET {url}: the forms are {'missing' if run.actor.keeps_calendars else 'shown'}")
    run.plain("GET", f"{url}?country={COUNTRY}", 200)


def _calendar_write(run: Run, url: str, data: dict[str, Any], *, ok: int = 302, refused: int = 403) -> None:
    """A write to the calendars: keepers get `ok`, others `refused` and the calendars unchanged."""
    before = _calendar_state()
    response = run.plain("POST", url, ok if run.actor.keeps_calendars else refused, data)
    changed = _calendar_state() != before
    if (run.actor.anonymous or not run.actor.keeps_calendars) and changed:
        run.fail(f"POST {url}: refused ({response.status_code}), but the calendars changed")
    elif run.actor.keeps_calendars and ok == 302 and not changed:
        run.fail(f"POST {url}: nothing changed")


@case("coordination:calendar-weekend", rules=("calendars",))
def _calendar_weekend(run: Run) -> None:
    data = {"weekend-country": COUNTRY, "weekend-weekend": ["4", "5"]}
    _calendar_write(run, reverse("coordination:calendar-weekend"), data)


@case("coordination:holiday-add", rules=("calendars",))
def _holiday_add(run: Run) -> None:
    day = dt.date(run.world.year + 1, 1, 2).isoformat()
    data = {"holiday-country": COUNTRY, "holiday-date": day, "holiday-name": "Added by the matrix"}
    _calendar_write(run, reverse("coordination:holiday-add"), data)


@case("coordination:holiday-delete", rules=("calendars",))
def _holiday_delete(run: Run) -> None:
    _calendar_write(run, reverse("coordination:holiday-delete", args=[MISSING_PK]), {}, ok=404)
    _calendar_write(run, reverse("coordination:holiday-delete", args=[run.world.holiday]), {})


# --- webhook endpoints (API) ----------------------------------------------------------------------


def _manages(run: Run) -> Callable[[HookRecord], bool]:
    return lambda h: run.actor.manages_webhooks(h.facts)


def _hook_url(template: str) -> Url:
    return lambda h: API + template.format(pk=h.pk if h else MISSING_PK)


@case("GET /api/coordination/webhooks", rules=("webhooks",))
def _api_webhooks(run: Run) -> None:
    response = run.plain("GET", f"{API}/webhooks", 200, api=True)
    if not run.actor.anonymous and response.status_code == 200:
        items = json.loads(response.body)
        expected = {h.pk for h in _hooks(run) if run.actor.manages_webhooks(h.facts)}
        run.listed({item["id"] for item in items}, expected, f"GET {API}/webhooks")
        if any(item["secret"] for item in items):
            run.fail(f"GET {API}/webhooks: shows a secret")


@case("POST /api/coordination/webhooks", rules=("webhooks",))
def _api_webhook_add(run: Run) -> None:
    for h in _hooks(run):
        org = run.world.org(h.facts.organisation)
        before = WebhookEndpoint.objects.filter(organisation_id=org).count()
        allowed = run.actor.manages_webhooks(h.facts)
        body = {"organisation": org, "url": f"https://hooks.example.org/new-{h.facts.key}"}
        # For a readable organisation they do not coordinate: 404, as for a record of theirs.
        run.plain("POST", f"{API}/webhooks", 201 if allowed else 404, body, api=True)
        if WebhookEndpoint.objects.filter(organisation_id=org).count() != before + (1 if allowed else 0):
            run.fail(f"POST {API}/webhooks for {h.facts.organisation}: endpoints added wrongly")
    body = {"organisation": MISSING_PK, "url": "https://hooks.example.org/missing"}
    run.plain("POST", f"{API}/webhooks", 400, body, api=True)


@case("DELETE /api/coordination/webhooks/{endpoint_id}", rules=("webhooks",))
def _api_webhook_delete(run: Run) -> None:
    def gone(h: HookRecord, response: Any) -> None:
        if WebhookEndpoint.objects.filter(pk=h.pk).exists():
            run.fail(f"DELETE {h}: still there")

    run.per_record(
        "DELETE",
        _hook_url("/webhooks/{pk}"),
        _hooks(run),
        _manages(run),
        204,
        api=True,
        check=gone,
        state=_hook_state,
    )


@case("GET /api/coordination/webhooks/{endpoint_id}/deliveries", rules=("webhooks",))
def _api_webhook_deliveries(run: Run) -> None:
    def its_deliveries(h: HookRecord, response: Any) -> None:
        got = {item["notice"] for item in json.loads(response.body)}
        run.listed(got, h.notices, f"GET deliveries of {h}")

    run.per_record(
        "GET",
        _hook_url("/webhooks/{pk}/deliveries"),
        _hooks(run),
        _manages(run),
        200,
        api=True,
        check=its_deliveries,
    )


# --- which actors run which case ------------------------------------------------------------------


def actors_for(name: str) -> list[Actor]:
    """One actor of each group the case's rules tell apart (see the module's docstring)."""
    spec = CASES[name]
    if spec.every_actor:
        return list(ACTORS)
    groups: dict[tuple[Any, ...], list[Actor]] = {}
    for actor in ACTORS:
        answers = tuple(RULES[rule](actor) for rule in spec.rules)
        groups.setdefault((actor.anonymous, actor.superuser, answers), []).append(actor)
    turn = zlib.crc32(name.encode())
    return [group[turn % len(group)] for group in groups.values()]


# One test per case function (a function covering several names runs once, under its first).
CASE_NAMES = sorted({spec.fn: name for name, spec in reversed(list(CASES.items()))}.values())
RUNS = [(actor, name) for name in CASE_NAMES for actor in actors_for(name)]


# --- the tests -----------------------------------------------------------------------------------


def test_every_coordination_url_and_api_operation_is_in_the_matrix() -> None:
    # given every coordination URL name and API operation the project routes
    routed = {key for key in enumerate_urls() if belongs_to_other_module(key, MODULE)}
    assert routed, "no coordination URL found"
    # then each has a case, and the matrix tests nothing that is no longer routed
    untested = sorted(routed - set(CASES))
    stale = sorted(set(CASES) - routed)
    assert not untested, f"URLs / API operations missing from the coordination matrix: {untested}"
    assert not stale, f"matrix cases for URLs that no longer exist: {stale}"


def test_the_coordination_router_is_mounted_and_enumerated() -> None:
    # given the coordination's ninja router
    from liaison.coordination.api import router

    routed = enumerate_urls()
    found = 0
    for path, view in router.path_operations.items():
        for operation in view.operations:
            for method in operation.methods:
                # then every path operation is an enumerated API operation
                key = re.sub(r"\{\w+:", "{", f"{method} {API}{path}").rstrip("/")
                assert key in routed, key
                found += 1
    assert found == sum(1 for key in routed if key.split(" ")[-1].startswith(API))


def test_every_actor_runs_some_cases() -> None:
    # given the actors each case runs with / then every kind of actor is among them
    assert {actor.label for actor, _name in RUNS} == {actor.label for actor in ACTORS}
    # and every case runs with anonymous and with a superuser
    assert all(
        any(a.superuser for a in actors_for(n)) and any(a.anonymous for a in actors_for(n)) for n in CASES
    )


@pytest.mark.django_db
def test_the_world_is_what_the_matrix_expects(world: World) -> None:
    # given the world / then the restricted agreement kept by MOFA is shared with its party VUFO
    restricted = Agreement.objects.get(pk=world.agreements["restricted"].pk)
    assert set(restricted.shared_with.values_list("pk", flat=True)) == {world.org("mofa"), world.org("vufo")}
    # and the outsider has nothing to do with any agreement or notice
    outsider = next(a for a in ACTORS if a.label == "outsider")
    assert not any(outsider.reads_notice(n) for n in NOTICES)
    assert not any(outsider.reads(a) for a in AGREEMENTS if a.classification >= RESTRICTED)
    # and one notice is about an activity under embargo, readable by VUFO's members but not its record
    embargoed = world.notices["embargoed"]
    assert ACTIVITY_FACTS[embargoed.facts.activity].embargoed
    vufo_viewer = next(a for a in ACTORS if a.label == "vufo-viewer")
    assert vufo_viewer.reads_notice(embargoed.facts)
    assert not vufo_viewer.reads_activity(ACTIVITY_FACTS[embargoed.facts.activity])


@pytest.mark.django_db
@pytest.mark.parametrize(("actor", "name"), RUNS, ids=[f"{a.label}-{n}" for a, n in RUNS])
def test_each_url_answers_each_actor_as_the_policy_says(world: World, actor: Actor, name: str) -> None:
    # given an actor signed in (or not) and one URL pattern or API operation
    client = QuietClient()
    if not actor.anonymous:
        client.force_login(world.user(actor))
    run = Run(client=client, actor=actor, world=world)
    # when every record of the world is requested through it
    CASES[name].fn(run)
    # then each answer is the one the policy gives, refused records answer like missing ones, and
    # refused writes change nothing
    assert not run.failures, f"{len(run.failures)} wrong answers for {actor.label}:\n" + "\n".join(
        run.failures
    )


# --- leaks the matrix found (since fixed), one regression test each; a new known bug gets its own
# test here, marked with `_known_bug(key)`, and an entry in KNOWN_BUGS


def _known_bug(key: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, reason=f"KNOWN BUG {key}: {KNOWN_BUGS[key]}")


def _signed_in(world: World, label: str) -> tuple[Actor, QuietClient]:
    actor = next(a for a in ACTORS if a.label == label)
    client = QuietClient()
    client.force_login(world.user(actor))
    return actor, client


# Actors who read a notice sent under an agreement they may not read (cleared below it, or not a
# member of its keeper or parties: the coordinators named on it).
TITLE_READERS = [
    actor
    for actor in ACTORS
    if any(actor.reads_notice(n) and not actor.reads(AGREEMENT_FACTS[n.agreement]) for n in NOTICES)
]


@pytest.mark.django_db
@pytest.mark.parametrize("label", [a.label for a in TITLE_READERS])
def test_a_notice_does_not_name_an_agreement_its_reader_may_not_read(world: World, label: str) -> None:
    # given a reader of notices sent under agreements they may not read
    actor, client = _signed_in(world, label)
    for n in NOTICES:
        agreement = AGREEMENT_FACTS[n.agreement]
        if not actor.reads_notice(n) or actor.reads(agreement):
            continue
        # when they open such a notice
        response = client.get(reverse("coordination:notice-detail", args=[world.notices[n.key].uid]))
        # then they read it, without the agreement's title
        assert response.status_code == 200
        assert agreement.title.encode() not in response.content, f"{n}: shows {agreement.title!r}"


@pytest.mark.django_db
@pytest.mark.parametrize("view", ["inbox", "notice page", "notices API", "notice API"])
def test_notices_do_not_name_an_organisation_their_reader_may_not_see(world: World, view: str) -> None:
    # given a viewer of MOFA, to whom VUFO's restricted cell sent a notice (through VUFO's rule)
    actor, client = _signed_in(world, "mofa-viewer")
    notice = world.notices["secret"]
    assert actor.reads_notice(notice.facts) and not actor.reads_org("vufo-secret")
    # when they read it
    url = {
        "inbox": reverse("coordination:inbox"),
        "notice page": reverse("coordination:notice-detail", args=[notice.uid]),
        "notices API": f"{API}/notices",
        "notice API": f"{API}/notices/{notice.uid}",
    }[view]
    response = client.get(url)
    # then they read the notice, which does not name the cell
    assert response.status_code == 200 and notice.uid.encode() in response.content
    assert ORG_NAMES["vufo-secret"].encode() not in response.content


@pytest.mark.django_db
def test_the_contact_form_offers_only_the_parties_its_editor_may_see(world: World) -> None:
    # given an editor of MOFA and the internal agreement, one of whose parties is VUFO's restricted cell
    actor, client = _signed_in(world, "mofa-editor")
    agreement = world.agreements["internal"]
    assert actor.changes(agreement.facts) and not actor.reads_org("vufo-secret")
    # when they open the agreement
    response = client.get(reverse("coordination:agreement-detail", args=[agreement.pk]))
    # then the page, and its contact point form, do not name the cell
    assert response.status_code == 200 and b'name="organisation"' in response.content
    assert ORG_NAMES["vufo-secret"].encode() not in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("view", ["list", "detail"])
def test_the_agreements_api_lists_only_the_parties_its_reader_may_see(world: World, view: str) -> None:
    # given a viewer of MOFA and the internal agreement, one of whose parties is VUFO's restricted cell
    actor, client = _signed_in(world, "mofa-viewer")
    agreement = world.agreements["internal"]
    assert actor.reads(agreement.facts) and not actor.reads_org("vufo-secret")
    # when they read the agreement through the API
    if view == "list":
        items = json.loads(client.get(f"{API}/agreements").content)["items"]
        parties = next(item["parties"] for item in items if item["id"] == agreement.pk)
    else:
        parties = json.loads(client.get(f"{API}/agreements/{agreement.pk}").content)["parties"]
    # then its parties are those they may see
    assert set(parties) == {world.org("vufo"), world.org("mofa")}


@pytest.mark.django_db
def test_the_health_api_counts_a_hidden_organisation_like_a_missing_one(world: World) -> None:
    # given a viewer of MOFA, to whom VUFO's restricted cell sent a notice they may count
    actor, client = _signed_in(world, "mofa-viewer")
    assert not actor.reads_org("vufo-secret")

    def total(organisation: int) -> int:
        query = f"year={world.year}&organisation={organisation}&side=source"
        return int(json.loads(client.get(f"{API}/health?{query}").content)["total"])

    # when they ask for the cell's figures / then they get those of a missing organisation
    assert total(world.org("vufo-secret")) == total(MISSING_PK) == 0


def test_every_known_bug_has_its_test() -> None:
    # given the known bugs / then each is shown by a test of this module marked with it
    marked = {
        mark.kwargs["reason"].split(":")[0].removeprefix("KNOWN BUG ")
        for test in list(globals().values())
        if callable(test) and getattr(test, "__name__", "").startswith("test_")
        for mark in getattr(test, "pytestmark", [])
        if mark.name == "xfail"
    }
    assert marked == set(KNOWN_BUGS)

"""Every URL of the activities module (pages and API) × the activities × the roles and clearances.

The world (see `matrix_world.py`): nine activities in two trees — public, internal, restricted
and embargoed in each, and a restricted one of the other tree shared with the home root — each
with every kind of part. Users: each role in the home root, cleared for internal and for
restricted (the viewer cleared for restricted is also the home root's focal point); anonymous; a
superuser.

Rules encoded here (restated in `matrix_world.Actor`, not computed by calling the policy):

- read: superuser, or classification within one's clearance and, for a restricted or embargoed
  activity, a member of the owner's tree or of an organisation it is shared with;
- change (the activity and every part of it): may read, and editor or higher in the owner's tree;
- approve (a move to approved or cancelled) and delete: the same with coordinator or higher;
- a draft composition's members: readers on the sending side and those who may change it;
- approving a submitted composition: a reader who is a focal point of the sending organisation.

Answers:

- pages: anonymous → 302 to sign-in; API: anonymous → 401;
- allowed → 200 (a form or page), 302 after a successful form post; 200/201/204 in the API;
- an activity the user may not read → 404 whose body is byte-identical to that of a missing pk;
- readable but not changeable (deletable, approvable, decidable) → the same 404, pages and API;
- a part asked for through another activity's address → 404;
- the ICS feed needs no sign-in (its token is the credential): an unknown token is 404, a known
  one serves exactly what the feed's owner may read;
- lists, exports, feeds, calendars and counts hold exactly the activities the actor may read.

Which actors and activities each case requests. A case names the rules its answers depend on and
the activities it requests; the actors are grouped by the answers those rules give them for
those activities, and one actor of each group runs the case (which one rotates from case to
case, so that every role and clearance runs somewhere; `test_every_actor_runs_some_cases`).
Two actors in one group get the same answer for every request of the case, so the second adds
nothing the policy tells apart; every actor the policy treats differently is run. Read cases
request all nine activities. Writes to an activity request six: not the internal ones (every
actor here is cleared for internal, so an internal activity answers like a public one), nor
other-embargoed (hidden from every member, like other-restricted). Writes to its parts request
three: home-public, other-public, other-restricted (theirs; readable but not theirs; hidden);
the parts' pages and operations look the activity up as the activity's own write URLs do, which
request the other cases (hidden by clearance, by embargo; shared for reading only). The
superuser requests only the other tree's activities: for the home tree's its answers are the
administrators'. Together they keep the matrix to about 1,700 requests.

`CASES` maps every URL name and API operation to the function that tests it;
`test_every_activities_url_and_api_operation_is_in_the_matrix` fails naming any that is not.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import json
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from liaison.activities.models import (
    Activity,
    CalendarFeed,
    CompositionStatus,
    ConferenceSession,
    ConnectedSite,
    Delegation,
    DelegationMember,
    Outcome,
)
from liaison.activities.tests.matrix_world import (
    ACTORS,
    INTERNAL,
    LOCALITY_CODE,
    MEMBER_ACTORS,
    MISSING_PK,
    PART_KINDS,
    PUBLIC,
    RESTRICTED,
    SPECS,
    SUPERUSER,
    Act,
    Actor,
    World,
    client_for,
    local,
    normalised,
    text_file,
    world_for_module,
)
from liaison.directory.tests.test_authorization_matrix import belongs_to_other_module, enumerate_urls

SIGN_IN = "/accounts/sign-in/"
API = "/api/activities"
ALL_KEYS = tuple(spec[0] for spec in SPECS)
WRITE_KEYS = (
    "home-public",
    "home-restricted",
    "home-embargoed",
    "other-public",
    "other-restricted",
    "other-shared",
)
PART_KEYS = ("home-public", "other-public", "other-restricted")
# The facts of each activity, known before the world is built (to group the actors).
FACTS = {
    key: Act(key, 0, level, home, shared, embargoed, sending_home=not home, title="")
    for key, level, home, shared, embargoed in SPECS
}


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    with world_for_module(django_db_blocker) as w:
        yield w


# --- the request runner -------------------------------------------------------------------------

Url = Callable[[Act | None], str]
Body = Callable[[Act | None], Any]


@dataclass
class Run:
    """One actor's requests against one case; collects every mismatch before failing."""

    client: Client
    actor: Actor
    world: World
    keys: tuple[str, ...]
    failures: list[str] = field(default_factory=list)

    # requests
    def send(self, method: str, url: str, data: Any = None, *, api: bool = False) -> Any:
        kwargs: dict[str, Any] = {}
        if api and data is not None and not _multipart(data):
            kwargs = {"data": json.dumps(data), "content_type": "application/json"}
        elif data is not None:
            kwargs = {"data": data}
        response = getattr(self.client, method.lower())(url, **kwargs)
        if response.streaming:
            # Read to the end, which closes it as the test client wants (a second close() would
            # fire request_finished and, on PostgreSQL, close the connection mid-test).
            response.body = b"".join(response.streaming_content)
        else:
            response.body = response.content
        return response

    # expectations
    def expect(self, response: Any, status: int, label: str) -> bool:
        if response.status_code != status:
            said = response.body[:300].decode(errors="replace") if _is_json(response) else ""
            self.failures.append(f"{label}: expected {status}, got {response.status_code} {said}".rstrip())
            return False
        return True

    def expect_anonymous(self, response: Any, label: str, *, api: bool) -> None:
        if api:
            self.expect(response, 401, label)
            return
        location = response.get("Location", "")
        if response.status_code != 302 or not location.startswith(SIGN_IN):
            self.failures.append(
                f"{label}: expected a redirect to sign-in, got {response.status_code} {location}"
            )

    def expect_same(self, response: Any, missing: Any, pks: tuple[int, ...], label: str) -> None:
        """The refused record's answer must not differ from the missing record's."""
        if response.status_code != missing.status_code:
            self.failures.append(
                f"{label}: {response.status_code} but a missing pk answers {missing.status_code}"
            )
        elif normalised(response.body, pks) != normalised(missing.body, (MISSING_PK,)):
            self.failures.append(
                f"{label}: body differs from a missing pk's:\n{_diff(response, missing, pks)}"
            )

    def plain(self, method: str, url: str, status: int, data: Any = None, *, api: bool = False) -> Any:
        """A URL with no record: signed-in users get `status`, anonymous the sign-in (or 401)."""
        response = self.send(method, url, data, api=api)
        if self.actor.anonymous:
            self.expect_anonymous(response, f"{method} {url}", api=api)
        else:
            self.expect(response, status, f"{method} {url}")
        return response

    def per_activity(
        self,
        method: str,
        url: Url,
        allowed: Callable[[Act], bool],
        ok: int,
        *,
        data: Body | None = None,
        api: bool = False,
        refused: int = 404,
        check: Callable[[Act, Any], None] | None = None,
    ) -> None:
        """Request `url` for each activity of the case: `ok` where allowed, otherwise exactly
        what a missing pk gets."""
        body = data or (lambda a: None)
        records = [self.world[k] for k in self.keys]
        missing = None
        if self.actor.superuser:
            # Its answers for the home tree's activities are the home administrators' (allowed).
            records = [a for a in records if not a.home]
        if self.actor.anonymous:
            # Anonymous requests never reach a record: one public and one restricted suffice.
            public = next(a for a in records if a.classification == PUBLIC)
            records = [public, next(a for a in records if a.classification == RESTRICTED)]
        elif not all(allowed(a) for a in records):
            missing = self.send(method, url(None), body(None), api=api)
            self.expect(missing, refused, f"{method} {url(None)} (missing)")
        for a in records:
            label = f"{method} {url(a)} [{a}]"
            response = self.send(method, url(a), body(a), api=api)
            if self.actor.anonymous:
                self.expect_anonymous(response, label, api=api)
            elif allowed(a):
                if self.expect(response, ok, label) and check is not None:
                    check(a, response)
            else:
                assert missing is not None
                self.expect_same(response, missing, _pks(url(a)), label)

    def readable(self, ids: set[int], label: str, *, owner: Actor | None = None, some: bool = False) -> None:
        """`ids` (of the world's activities) are exactly those the actor (or `owner`) may read
        (with `some`, only some of them: a view that shows a few per day)."""
        by_pk = {a.pk: a.key for a in self.world.all()}
        got = {by_pk.get(pk, f"#{pk}") for pk in ids}
        expected = {a.key for a in self.world.all() if (owner or self.actor).reads(a)}
        if got - expected if some else got != expected:
            self.failures.append(
                f"{label}: has {sorted(got - expected)} it should not, misses {sorted(expected - got)}"
            )


def _is_json(response: Any) -> bool:
    return "json" in response.get("Content-Type", "")


def _multipart(data: Any) -> bool:
    return isinstance(data, dict) and any(hasattr(v, "read") for v in data.values())


def _pks(url: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"(?<=/)\d+(?=/|$)", url.split("?")[0]))


def _diff(response: Any, missing: Any, pks: tuple[int, ...]) -> str:
    def lines(body: bytes, ids: tuple[int, ...]) -> list[str]:
        return normalised(body, ids).decode(errors="replace").replace("> <", ">\n<").splitlines()

    diff = difflib.unified_diff(
        lines(missing.body, (MISSING_PK,)),
        lines(response.body, pks),
        "missing pk",
        "refused",
        n=0,
        lineterm="",
    )
    return "\n".join(list(diff)[:12])


def _ids_in_html(body: bytes) -> set[int]:
    return {int(pk) for pk in re.findall(rb'href="/activities/(\d+)/"', body)}


def _ids_in_csv(body: bytes) -> set[int]:
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    return {int(row[0]) for row in rows[1:] if row and row[0].isdigit()}


# --- the cases ------------------------------------------------------------------------------------

Case = Callable[[Run], None]
Rule = Callable[[Actor, Act], bool]
# What a case's answers may depend on: the rules restated in matrix_world.Actor.
RULES: dict[str, Rule] = {
    "reads": Actor.reads,
    "changes": Actor.changes,
    "approves": Actor.approves,
    "deletes": Actor.deletes,
    "sees_members": Actor.sees_members,
    "decides": Actor.decides,
    "creates": lambda actor, a: actor.creates(a.classification),
}


@dataclass(frozen=True)
class Spec:
    fn: Case
    rules: tuple[str, ...]
    keys: tuple[str, ...]


CASES: dict[str, Spec] = {}


def case(
    *names: str, rules: tuple[str, ...] = ("changes",), keys: tuple[str, ...] = PART_KEYS
) -> Callable[[Case], Case]:
    """Register a case for URL names / API operations: the rules its answers depend on and the
    activities it requests (by default: a write to a part of an activity)."""

    def register(fn: Case) -> Case:
        for name in names:
            assert name not in CASES, name
            CASES[name] = Spec(fn, rules, keys)
        return fn

    return register


def page(name: str, part: str | None = None) -> Url:
    """The address of a page of an activity (and of one of its parts)."""

    def url(a: Act | None) -> str:
        args = [a.pk if a else MISSING_PK]
        if part is not None:
            args.append(a.parts[part] if a else MISSING_PK)
        return reverse(f"activities:{name}", args=args)

    return url


def api(template: str) -> Url:
    """An API address of an activity: `{pk}` and the parts' names (`{delegation}`, `{member}`…)."""

    def url(a: Act | None) -> str:
        values = a.parts if a else dict.fromkeys(PART_KINDS, MISSING_PK)
        return API + template.format(pk=a.pk if a else MISSING_PK, **values)

    return url


def _day(run: Run) -> str:
    return run.world.starts_at.date().isoformat()


def _through_another(
    run: Run, method: str, url: Url, part: str, data: Body | None = None, *, api: bool = False
) -> None:
    """For the superuser (who may change everything): a part asked for through the address of
    another activity is 404."""
    if not run.actor.superuser:
        return
    host, donor = run.world["home-public"], run.world["other-restricted"]
    mixed = Act(**{**vars(host), "parts": {**host.parts, part: donor.parts[part]}})
    address = url(mixed)
    response = run.send(method, address, data(host) if data else None, api=api)
    run.expect(response, 404, f"{method} {address} (a part of other-restricted through home-public)")


def _submitted(run: Run) -> None:
    """Every activity's delegation submitted for approval (rolled back with the test)."""
    ids = [a.parts["delegation"] for a in run.world.all()]
    Delegation.objects.filter(pk__in=ids).update(composition_status=CompositionStatus.SUBMITTED)


def _version(model: type[Any], pk: int) -> int:
    return int(model.objects.values_list("version", flat=True).get(pk=pk))


# --- activity pages -------------------------------------------------------------------------------


@case("activities:activity-list", rules=("reads",), keys=ALL_KEYS)
def _activity_list(run: Run) -> None:
    url = reverse("activities:activity-list")
    response = run.plain("GET", url, 200)
    if not run.actor.anonymous:
        run.readable(_ids_in_html(response.body), f"GET {url}")
    run.plain("GET", url + "?q=conference&sort=start&kind=conference&status=proposed", 200)
    # Filtering by any organisation (hidden, missing or not) is a filter, not a lookup: 200.
    run.plain("GET", f"{url}?organisation={run.world.orgs['other-restricted'].pk}", 200)
    run.plain("GET", f"{url}?organisation={MISSING_PK}&person={MISSING_PK}", 200)


@case("activities:activity-detail", rules=("reads",), keys=ALL_KEYS)
def _activity_detail(run: Run) -> None:
    run.per_activity("GET", page("activity-detail"), run.actor.reads, 200)


@case("activities:section", rules=("reads",), keys=ALL_KEYS)
def _section(run: Run) -> None:
    # A section with its long lists whole: without HTMX, a redirect to the detail page saying so.
    for section in ("delegations", "programme", "outcomes"):

        def url(a: Act | None, section: str = section) -> str:
            return reverse("activities:section", args=[a.pk if a else MISSING_PK, section])

        run.per_activity("GET", url, run.actor.reads, 302)


def _create_body(run: Run, org: str) -> dict[str, Any]:
    start = run.world.starts_at
    return {
        "kind": "meeting",
        "title_en": "Matrix meeting",
        "lead_organisation": run.world.orgs[org].pk if org else MISSING_PK,
        "starts_at": local(start),
        "ends_at": local(start + dt.timedelta(hours=2)),
        "time_zone": "Asia/Ho_Chi_Minh",
        "format": "in_person",
        "classification": PUBLIC,
    }


@case("activities:activity-create", rules=("creates",), keys=ALL_KEYS)
def _activity_create(run: Run) -> None:
    url = reverse("activities:activity-create")
    run.plain("GET", url, 200)
    # Led (and so owned) by a unit of the home root: editors and above; a viewer's form says why not.
    run.plain("POST", url, 302 if run.actor.creates() else 200, _create_body(run, "home-unit"))
    if run.actor.anonymous:
        return
    # Led by a hidden organisation: the same page as for a missing one (the superuser records it).
    missing = run.send("POST", url, _create_body(run, ""))
    run.expect(missing, 200, f"POST {url} led by a missing organisation")
    hidden = run.send("POST", url, _create_body(run, "other-restricted"))
    label = f"POST {url} led by other-restricted"
    if run.actor.superuser:
        run.expect(hidden, 302, label)
    else:
        run.expect_same(hidden, missing, (run.world.orgs["other-restricted"].pk,), label)


def _edit_body(a: Act | None) -> dict[str, Any]:
    if a is None:
        return {"kind": "meeting", "title_en": "x", "version": 1}
    activity = Activity.objects.get(pk=a.pk)
    return {
        "kind": activity.kind,
        "title_en": activity.title_en,
        "summary_en": "Edited by the matrix",
        "lead_organisation": activity.lead_organisation_id,
        "owner": activity.owner_id,
        "starts_at": local(activity.starts_at),
        "ends_at": local(activity.ends_at),
        "embargo_until": local(activity.embargo_until) if activity.embargo_until else "",
        "time_zone": activity.time_zone,
        "format": activity.format,
        "city": activity.city_id or "",
        "venue": activity.venue,
        "classification": activity.classification,
        "shared_with": [o.pk for o in activity.shared_with.all()],
        "version": activity.version,
    }


@case("activities:activity-edit", keys=WRITE_KEYS)
def _activity_edit(run: Run) -> None:
    run.per_activity("GET", page("activity-edit"), run.actor.changes, 200)
    run.per_activity("POST", page("activity-edit"), run.actor.changes, 302, data=_edit_body)


@case("activities:activity-delete", rules=("deletes",), keys=WRITE_KEYS)
def _activity_delete(run: Run) -> None:
    run.per_activity("GET", page("activity-delete"), run.actor.deletes, 200)
    run.per_activity("POST", page("activity-delete"), run.actor.deletes, 302)


@case("activities:activity-transition", rules=("changes", "approves"), keys=WRITE_KEYS)
def _activity_transition(run: Run) -> None:
    url = page("activity-transition")
    run.per_activity("GET", url, lambda a: True, 405, refused=405)
    # Postponing is a change (editors); approving, a decision (coordinators).
    run.per_activity("POST", url, run.actor.changes, 302, data=lambda a: {"to_status": "postponed"})
    run.per_activity("POST", url, run.actor.approves, 302, data=lambda a: {"to_status": "approved"})


# --- parts of an activity: pages ------------------------------------------------------------------


def _form(run: Run, name: str, body: Body, part: str | None = None) -> None:
    """A page that adds or edits a part (or confirms its removal): GET it, POST it."""
    url = page(name, part)
    run.per_activity("GET", url, run.actor.changes, 200)
    run.per_activity("POST", url, run.actor.changes, 302, data=body)
    if part is not None:
        _through_another(run, "GET", url, part)


@case("activities:delegation-add")
def _delegation_add(run: Run) -> None:
    other = run.world.orgs["other"].pk
    _form(run, "delegation-add", lambda a: {"side": "visiting", "organisation": other, "name": "Added"})


@case("activities:delegation-edit")
def _delegation_edit(run: Run) -> None:
    def body(a: Act | None) -> dict[str, Any]:
        if a is None:
            return {"side": "visiting", "organisation": run.world.orgs["other"].pk}
        d = Delegation.objects.get(pk=a.parts["delegation"])
        return {"side": d.side, "organisation": d.organisation_id, "name": "Edited", "version": d.version}

    _form(run, "delegation-edit", body, "delegation")


@case("activities:delegation-delete")
def _delegation_delete(run: Run) -> None:
    _form(run, "delegation-delete", lambda a: {}, "delegation")


@case("activities:member-add")
def _member_add(run: Run) -> None:
    spare = run.world.people["spare"].pk
    _form(run, "member-add", lambda a: {"person": spare, "role": "member"}, "delegation")


@case("activities:member-edit")
def _member_edit(run: Run) -> None:
    def body(a: Act | None) -> dict[str, Any]:
        if a is None:
            return {"person": run.world.people["spare"].pk, "role": "member"}
        m = DelegationMember.objects.get(pk=a.parts["member"])
        return {
            "person": m.person_id,
            "role": m.role,
            "title": "Edited",
            "protocol_order": 1,
            "version": m.version,
        }

    _form(run, "member-edit", body, "member")


@case("activities:member-remove")
def _member_remove(run: Run) -> None:
    _form(run, "member-remove", lambda a: {}, "member")


@case("activities:composition-submit")
def _composition_submit(run: Run) -> None:
    _form(run, "composition-submit", lambda a: {}, "delegation")


@case("activities:composition-decide", rules=("decides",), keys=ALL_KEYS)
def _composition_decide(run: Run) -> None:
    # given every delegation submitted: a focal point of the sending organisation decides
    _submitted(run)
    url = page("composition-decide", "delegation")
    run.per_activity("GET", url, run.actor.decides, 200)
    run.per_activity("POST", url, run.actor.decides, 302, data=lambda a: {"decision": "approve"})
    _through_another(run, "GET", url, "delegation")


@case("activities:stop-add")
def _stop_add(run: Run) -> None:
    day = _day(run)
    _form(
        run, "stop-add", lambda a: {"arrives_on": day, "leaves_on": day, "place": "Added stop"}, "delegation"
    )


@case("activities:stop-remove")
def _stop_remove(run: Run) -> None:
    _form(run, "stop-remove", lambda a: {}, "stop")


def _session_body(run: Run, a: Act | None = None) -> dict[str, Any]:
    start = run.world.starts_at
    return {
        "kind": "plenary",
        "theme_en": "Matrix session",
        "starts_at": local(start + dt.timedelta(hours=3)),
        "ends_at": local(start + dt.timedelta(hours=4)),
        "version": _version(ConferenceSession, a.parts["session"]) if a else 1,
    }


@case("activities:session-add")
def _session_add(run: Run) -> None:
    _form(run, "session-add", lambda a: _session_body(run))


@case("activities:session-edit")
def _session_edit(run: Run) -> None:
    _form(run, "session-edit", lambda a: _session_body(run, a), "session")


@case("activities:session-delete")
def _session_delete(run: Run) -> None:
    _form(run, "session-delete", lambda a: {}, "session")


@case("activities:session-person-add")
def _session_person_add(run: Run) -> None:
    spare = run.world.people["spare"].pk
    _form(run, "session-person-add", lambda a: {"person": spare, "role": "chair"}, "session")


@case("activities:session-person-remove")
def _session_person_remove(run: Run) -> None:
    _form(run, "session-person-remove", lambda a: {}, "participant")


@case("activities:site-add")
def _site_add(run: Run) -> None:
    _form(run, "site-add", lambda a: {"locality": LOCALITY_CODE, "room": "Added", "connection_status": "ok"})


@case("activities:site-edit")
def _site_edit(run: Run) -> None:
    def body(a: Act | None) -> dict[str, Any]:
        if a is None:
            return {"locality": LOCALITY_CODE, "connection_status": "ok"}
        site = ConnectedSite.objects.get(pk=a.parts["site"])
        return {
            "locality": LOCALITY_CODE,
            "room": site.room,
            "connection_status": "ok",
            "version": site.version,
        }

    _form(run, "site-edit", body, "site")


@case("activities:site-delete")
def _site_delete(run: Run) -> None:
    _form(run, "site-delete", lambda a: {}, "site")


@case("activities:outcome-add")
def _outcome_add(run: Run) -> None:
    _form(run, "outcome-add", lambda a: {"kind": "decision", "title_en": "Added decision"})


@case("activities:outcome-edit")
def _outcome_edit(run: Run) -> None:
    def body(a: Act | None) -> dict[str, Any]:
        version = _version(Outcome, a.parts["outcome"]) if a else 1
        return {"kind": "memorandum", "title_en": "Edited memorandum", "version": version}

    _form(run, "outcome-edit", body, "outcome")


@case("activities:outcome-delete")
def _outcome_delete(run: Run) -> None:
    _form(run, "outcome-delete", lambda a: {}, "outcome")


@case("activities:attachment-add")
def _attachment_add(run: Run) -> None:
    _form(run, "attachment-add", lambda a: {"file": text_file("added.txt", "Added\n"), "kind": "other"})


@case("activities:attachment-download", rules=("reads",), keys=ALL_KEYS)
def _attachment_download(run: Run) -> None:
    url = page("attachment-download", "attachment")

    def is_the_file(a: Act, response: Any) -> None:
        if not response.body.startswith(b"Minutes of the meeting"):
            run.failures.append(f"GET {url(a)}: not the file but {response.body[:60]!r}")

    run.per_activity("GET", url, run.actor.reads, 200, check=is_the_file)
    run.per_activity("POST", url, lambda a: True, 405, refused=405)
    _through_another(run, "GET", url, "attachment")


@case("activities:attachment-delete")
def _attachment_delete(run: Run) -> None:
    _form(run, "attachment-delete", lambda a: {}, "attachment")


@case("activities:source-add")
def _source_add(run: Run) -> None:
    _form(run, "source-add", lambda a: {"title": "Added source", "url": "https://example.org/s"})


@case("activities:source-delete")
def _source_delete(run: Run) -> None:
    _form(run, "source-delete", lambda a: {}, "source")


@case("activities:person-autocomplete", rules=())
def _person_autocomplete(run: Run) -> None:
    url = reverse("activities:person-autocomplete")
    run.plain("GET", url + "?q=Khách", 200)
    run.plain("GET", url + "?q=", 200)


# --- calendar, counts, warnings, feeds, exports ---------------------------------------------------


@case("activities:calendar", rules=("reads",), keys=ALL_KEYS)
def _calendar(run: Run) -> None:
    url = reverse("activities:calendar")
    run.plain("GET", url, 200)
    for view in ("month", "agenda"):
        response = run.plain("GET", f"{url}?view={view}&date={_day(run)}", 200)
        if not run.actor.anonymous:
            # a month shows a few activities a day (calendar.PER_DAY); the agenda lists them all
            run.readable(_ids_in_html(response.body), f"GET {url}?view={view}", some=view == "month")


@case("activities:counts", rules=())
def _counts(run: Run) -> None:
    url = reverse("activities:counts")
    run.plain("GET", url, 200)
    run.plain("GET", f"{url}?from={_day(run)}&to={_day(run)}&format=csv", 200)


@case("activities:warnings", rules=())
def _warnings(run: Run) -> None:
    url = reverse("activities:warnings")
    run.plain("GET", f"{url}?from={_day(run)}&to={_day(run)}", 200)


@case("activities:export", rules=("reads",), keys=ALL_KEYS)
def _export(run: Run) -> None:
    response = run.plain("GET", reverse("activities:export", args=["csv"]), 200)
    if not run.actor.anonymous:
        run.readable(_ids_in_csv(response.body), "GET export.csv")
    run.plain("GET", reverse("activities:export", args=["xlsx"]), 200)
    run.plain("GET", reverse("activities:export", args=["pdf"]), 404)


@case("activities:feed", rules=("reads",), keys=ALL_KEYS)
def _feed(run: Run) -> None:
    # No sign-in: the token is the credential. An unknown or malformed one is 404 for everyone.
    for token in ("x" * 43, "not-a-token"):
        url = reverse("activities:feed", args=[token])
        run.expect(run.send("GET", url), 404, f"GET {url}")
    # A known token serves what its owner may read, whoever holds it (anonymous: a viewer's).
    owner = MEMBER_ACTORS[0] if run.actor.anonymous else run.actor
    url = reverse("activities:feed", args=[run.world.feed_tokens[owner.label]])
    response = run.send("GET", url)
    if run.expect(response, 200, f"GET the feed of {owner.label}"):
        ids = {int(pk) for pk in re.findall(rb"UID:activity-(\d+)", response.body)}
        run.readable(ids, f"the feed of {owner.label}", owner=owner)
    run.expect(run.send("POST", url), 405, f"POST the feed of {owner.label}")


@case("activities:feed-list", rules=())
def _feed_list(run: Run) -> None:
    url = reverse("activities:feed-list")
    run.plain("GET", url, 200)
    run.plain("POST", url, 200, {"label": "Matrix feed"})


@case("activities:feed-revoke", rules=())
def _feed_revoke(run: Run) -> None:
    def revoke(pk: int) -> str:
        return reverse("activities:feed-revoke", args=[pk])

    someone = run.world.user(MEMBER_ACTORS[0] if run.actor == SUPERUSER else SUPERUSER)
    theirs = CalendarFeed.objects.filter(user=someone).get()
    if run.actor.anonymous:
        run.expect_anonymous(run.send("POST", revoke(theirs.pk)), "POST revoke", api=False)
        return
    run.expect(run.send("GET", revoke(MISSING_PK)), 405, "GET revoke")
    missing = run.send("POST", revoke(MISSING_PK))
    run.expect(missing, 404, "POST revoke a missing feed")
    # Someone else's feed answers like a missing one, even to a superuser.
    run.expect_same(
        run.send("POST", revoke(theirs.pk)), missing, (theirs.pk,), "POST revoke someone else's feed"
    )
    own = CalendarFeed.objects.filter(user=run.world.user(run.actor)).get()
    run.expect(run.send("POST", revoke(own.pk)), 302, "POST revoke one's own feed")


# --- API: activities ------------------------------------------------------------------------------


@case("GET /api/activities", rules=("reads",), keys=ALL_KEYS)
def _api_list(run: Run) -> None:
    response = run.plain("GET", API + "?limit=200", 200, api=True)
    if not run.actor.anonymous:
        run.readable({item["id"] for item in json.loads(response.body)["items"]}, "GET /api/activities")
    run.plain("GET", API + "?q=conference&kind=conference&sort=start", 200, api=True)
    run.plain("GET", f"{API}?organisation={run.world.orgs['other-restricted'].pk}", 200, api=True)
    run.plain("GET", f"{API}?limit=0", 400, api=True)


@case("POST /api/activities", rules=("creates",), keys=ALL_KEYS)
def _api_create(run: Run) -> None:
    start = run.world.starts_at

    def body(org: str, level: int = PUBLIC) -> dict[str, Any]:
        return {
            "kind": "meeting",
            "lead_organisation": run.world.orgs[org].pk if org else MISSING_PK,
            "starts_at": start.isoformat(),
            "ends_at": (start + dt.timedelta(hours=2)).isoformat(),
            "title_en": "API meeting",
            "classification": int(level),
        }

    # Owned by a unit of the home root, at each classification: editors cleared for it.
    for level in (PUBLIC, INTERNAL, RESTRICTED):
        status = 201 if run.actor.creates(level) else 404
        run.plain("POST", API, status, body("home-unit", level), api=True)
    if run.actor.anonymous:
        return
    # Led by the other tree (readable, not theirs): 404, as for a write to a record of theirs.
    run.expect(
        run.send("POST", API, body("other"), api=True),
        201 if run.actor.superuser else 404,
        "POST led by other",
    )
    # Led by a hidden organisation: the same 400 as for a missing one.
    missing = run.send("POST", API, body(""), api=True)
    run.expect(missing, 400, "POST /api/activities led by a missing organisation")
    hidden = run.send("POST", API, body("other-restricted"), api=True)
    if run.actor.superuser:
        run.expect(hidden, 201, "POST /api/activities led by other-restricted")
    else:
        label = "POST /api/activities led by other-restricted"
        run.expect_same(hidden, missing, (run.world.orgs["other-restricted"].pk,), label)


@case("GET /api/activities/{activity_id}", rules=("reads", "sees_members"), keys=ALL_KEYS)
def _api_get(run: Run) -> None:
    def members_shown_as_the_rule_says(a: Act, response: Any) -> None:
        data = json.loads(response.body)
        delegation = next(d for d in data["delegations"] if d["id"] == a.parts["delegation"])
        if delegation["members_hidden"] == run.actor.sees_members(a):
            run.failures.append(
                f"GET {API}/{a.pk} [{a}]: members_hidden is {delegation['members_hidden']}, "
                f"but the sending side and the editors (only) see a draft composition"
            )

    run.per_activity(
        "GET", api("/{pk}"), run.actor.reads, 200, api=True, check=members_shown_as_the_rule_says
    )


@case("PATCH /api/activities/{activity_id}", keys=WRITE_KEYS)
def _api_patch(run: Run) -> None:
    run.per_activity(
        "PATCH", api("/{pk}"), run.actor.changes, 200, api=True, data=lambda a: {"venue": "Patched"}
    )


@case("DELETE /api/activities/{activity_id}", rules=("deletes",), keys=WRITE_KEYS)
def _api_delete(run: Run) -> None:
    run.per_activity("DELETE", api("/{pk}"), run.actor.deletes, 204, api=True)


@case("POST /api/activities/{activity_id}/status", rules=("changes", "approves"), keys=WRITE_KEYS)
def _api_transition(run: Run) -> None:
    url = api("/{pk}/status")
    run.per_activity("POST", url, run.actor.changes, 200, api=True, data=lambda a: {"to": "postponed"})
    run.per_activity("POST", url, run.actor.approves, 200, api=True, data=lambda a: {"to": "approved"})


# --- API: parts -----------------------------------------------------------------------------------


def _api_write(
    run: Run, method: str, template: str, ok: int, body: Body | None = None, *, part: str = ""
) -> None:
    """A write to a part through the API (and, with `part`, the same through another activity)."""
    run.per_activity(method, api(template), run.actor.changes, ok, api=True, data=body)
    if part:
        _through_another(run, method, api(template), part, body, api=True)


@case("POST /api/activities/{activity_id}/delegations")
def _api_delegation_add(run: Run) -> None:
    other = run.world.orgs["other"].pk
    _api_write(run, "POST", "/{pk}/delegations", 201, lambda a: {"organisation": other})


@case("PATCH /api/activities/{activity_id}/delegations/{delegation_id}")
def _api_delegation_patch(run: Run) -> None:
    _api_write(
        run, "PATCH", "/{pk}/delegations/{delegation}", 200, lambda a: {"name": "Patched"}, part="delegation"
    )


@case("DELETE /api/activities/{activity_id}/delegations/{delegation_id}")
def _api_delegation_delete(run: Run) -> None:
    _api_write(run, "DELETE", "/{pk}/delegations/{delegation}", 204, part="delegation")


@case("POST /api/activities/{activity_id}/delegations/{delegation_id}/members")
def _api_member_add(run: Run) -> None:
    spare = run.world.people["spare"].pk
    _api_write(
        run,
        "POST",
        "/{pk}/delegations/{delegation}/members",
        201,
        lambda a: {"person": spare},
        part="delegation",
    )


@case("PATCH /api/activities/{activity_id}/delegations/{delegation_id}/members/{member_id}")
def _api_member_patch(run: Run) -> None:
    url = "/{pk}/delegations/{delegation}/members/{member}"
    _api_write(run, "PATCH", url, 200, lambda a: {"title": "Patched"}, part="member")


@case("DELETE /api/activities/{activity_id}/delegations/{delegation_id}/members/{member_id}")
def _api_member_remove(run: Run) -> None:
    _api_write(run, "DELETE", "/{pk}/delegations/{delegation}/members/{member}", 204, part="member")


@case("POST /api/activities/{activity_id}/delegations/{delegation_id}/submit")
def _api_submit(run: Run) -> None:
    _api_write(run, "POST", "/{pk}/delegations/{delegation}/submit", 200, part="delegation")


@case(
    "POST /api/activities/{activity_id}/delegations/{delegation_id}/decision",
    rules=("decides",),
    keys=ALL_KEYS,
)
def _api_decide(run: Run) -> None:
    # given every delegation submitted: a focal point of the sending organisation decides
    _submitted(run)
    url = api("/{pk}/delegations/{delegation}/decision")
    run.per_activity("POST", url, run.actor.decides, 200, api=True, data=lambda a: {"approve": True})
    _through_another(run, "POST", url, "delegation", lambda a: {"approve": True}, api=True)


@case("POST /api/activities/{activity_id}/delegations/{delegation_id}/stops")
def _api_stop_add(run: Run) -> None:
    day = _day(run)
    url = "/{pk}/delegations/{delegation}/stops"
    _api_write(
        run,
        "POST",
        url,
        201,
        lambda a: {"arrives_on": day, "leaves_on": day, "place": "API"},
        part="delegation",
    )


@case("DELETE /api/activities/{activity_id}/delegations/{delegation_id}/stops/{stop_id}")
def _api_stop_remove(run: Run) -> None:
    _api_write(run, "DELETE", "/{pk}/delegations/{delegation}/stops/{stop}", 204, part="stop")


@case("POST /api/activities/{activity_id}/sessions")
def _api_session_add(run: Run) -> None:
    start = run.world.starts_at
    body = {
        "starts_at": (start + dt.timedelta(hours=3)).isoformat(),
        "ends_at": (start + dt.timedelta(hours=4)).isoformat(),
        "theme_en": "API session",
    }
    _api_write(run, "POST", "/{pk}/sessions", 201, lambda a: body)


@case("PATCH /api/activities/{activity_id}/sessions/{session_id}")
def _api_session_patch(run: Run) -> None:
    _api_write(run, "PATCH", "/{pk}/sessions/{session}", 200, lambda a: {"room": "Patched"}, part="session")


@case("DELETE /api/activities/{activity_id}/sessions/{session_id}")
def _api_session_delete(run: Run) -> None:
    _api_write(run, "DELETE", "/{pk}/sessions/{session}", 204, part="session")


@case("POST /api/activities/{activity_id}/sessions/{session_id}/people")
def _api_session_person_add(run: Run) -> None:
    spare = run.world.people["spare"].pk
    body = {"person": spare, "role": "chair"}
    _api_write(run, "POST", "/{pk}/sessions/{session}/people", 201, lambda a: body, part="session")


@case("DELETE /api/activities/{activity_id}/sessions/{session_id}/people/{participant_id}")
def _api_session_person_remove(run: Run) -> None:
    _api_write(run, "DELETE", "/{pk}/sessions/{session}/people/{participant}", 204, part="participant")


@case("POST /api/activities/{activity_id}/sites")
def _api_site_add(run: Run) -> None:
    _api_write(run, "POST", "/{pk}/sites", 201, lambda a: {"locality": LOCALITY_CODE, "room": "API room"})


@case("PATCH /api/activities/{activity_id}/sites/{site_id}")
def _api_site_patch(run: Run) -> None:
    _api_write(run, "PATCH", "/{pk}/sites/{site}", 200, lambda a: {"notes": "Patched"}, part="site")


@case("DELETE /api/activities/{activity_id}/sites/{site_id}")
def _api_site_delete(run: Run) -> None:
    _api_write(run, "DELETE", "/{pk}/sites/{site}", 204, part="site")


@case("POST /api/activities/{activity_id}/outcomes")
def _api_outcome_add(run: Run) -> None:
    _api_write(run, "POST", "/{pk}/outcomes", 201, lambda a: {"kind": "decision", "title_en": "API decision"})


@case("PATCH /api/activities/{activity_id}/outcomes/{outcome_id}")
def _api_outcome_patch(run: Run) -> None:
    _api_write(
        run, "PATCH", "/{pk}/outcomes/{outcome}", 200, lambda a: {"description": "Patched"}, part="outcome"
    )


@case("DELETE /api/activities/{activity_id}/outcomes/{outcome_id}")
def _api_outcome_delete(run: Run) -> None:
    _api_write(run, "DELETE", "/{pk}/outcomes/{outcome}", 204, part="outcome")


@case("POST /api/activities/{activity_id}/attachments")
def _api_attachment_add(run: Run) -> None:
    _api_write(
        run,
        "POST",
        "/{pk}/attachments",
        201,
        lambda a: {"file": text_file("api.txt", "API\n"), "kind": "other"},
    )


@case("DELETE /api/activities/{activity_id}/attachments/{attachment_id}")
def _api_attachment_delete(run: Run) -> None:
    _api_write(run, "DELETE", "/{pk}/attachments/{attachment}", 204, part="attachment")


@case("POST /api/activities/{activity_id}/sources")
def _api_source_add(run: Run) -> None:
    _api_write(run, "POST", "/{pk}/sources", 201, lambda a: {"title": "API source"})


@case("DELETE /api/activities/{activity_id}/sources/{source_id}")
def _api_source_delete(run: Run) -> None:
    _api_write(run, "DELETE", "/{pk}/sources/{source}", 204, part="source")


# --- API: calendar, counts, warnings, export ------------------------------------------------------


@case("GET /api/activities/calendar", rules=("reads",), keys=ALL_KEYS)
def _api_calendar(run: Run) -> None:
    run.plain("GET", API + "/calendar", 200, api=True)
    for view in ("week", "agenda"):
        response = run.plain("GET", f"{API}/calendar?view={view}&date={_day(run)}", 200, api=True)
        if not run.actor.anonymous:
            ids = {item["id"] for item in json.loads(response.body)["activities"]}
            run.readable(ids, f"GET {API}/calendar?view={view}")


@case("GET /api/activities/counts", rules=("reads",), keys=ALL_KEYS)
def _api_counts(run: Run) -> None:
    response = run.plain("GET", f"{API}/counts?from={_day(run)}&to={_day(run)}", 200, api=True)
    if not run.actor.anonymous:
        counted = json.loads(response.body)["groups"][0]["total"]["count"]
        expected = sum(1 for a in run.world.all() if run.actor.reads(a))
        if counted != expected:
            run.failures.append(f"GET {API}/counts: counts {counted} activities, expected {expected}")


@case("GET /api/activities/warnings", rules=())
def _api_warnings(run: Run) -> None:
    run.plain("GET", f"{API}/warnings?from={_day(run)}&to={_day(run)}", 200, api=True)


@case("GET /api/activities/export", rules=("reads",), keys=ALL_KEYS)
def _api_export(run: Run) -> None:
    response = run.plain("GET", API + "/export?format=csv", 200, api=True)
    if not run.actor.anonymous:
        run.readable(_ids_in_csv(response.body), "GET /api/activities/export")
    run.plain("GET", API + "/export?format=xlsx", 200, api=True)
    run.plain("GET", API + "/export?format=pdf", 400, api=True)


# --- which actors run which case ------------------------------------------------------------------


def actors_for(name: str) -> list[Actor]:
    """One actor of each group the case's rules tell apart (see the module's docstring)."""
    spec = CASES[name]
    acts = [FACTS[k] for k in spec.keys]
    groups: dict[tuple[Any, ...], list[Actor]] = {}
    for actor in ACTORS:
        answers = tuple(RULES[rule](actor, a) for rule in spec.rules for a in acts)
        groups.setdefault((actor.anonymous, actor.superuser, answers), []).append(actor)
    turn = zlib.crc32(name.encode())
    return [group[turn % len(group)] for group in groups.values()]


# One test per case function (a function covering several names runs once, under its first).
CASE_NAMES = sorted({spec.fn: name for name, spec in reversed(list(CASES.items()))}.values())
RUNS = [(actor, name) for name in CASE_NAMES for actor in actors_for(name)]


# --- the tests -----------------------------------------------------------------------------------


def test_every_activities_url_and_api_operation_is_in_the_matrix() -> None:
    # given every activities URL name and API operation the project routes (those the
    # Directory's matrix leaves to this module)
    routed = {key for key in enumerate_urls() if belongs_to_other_module(key)}
    # then each has a case, and the matrix tests nothing that is no longer routed
    untested = sorted(routed - set(CASES))
    stale = sorted(set(CASES) - routed)
    assert not untested, f"URLs / API operations missing from the activities matrix: {untested}"
    assert not stale, f"matrix cases for URLs that no longer exist: {stale}"


def test_the_activities_routers_are_mounted_and_enumerated() -> None:
    # given the activities' ninja router and the routers mounted in it
    from liaison.activities.api import router

    routed = enumerate_urls()
    found = 0
    for prefix, sub in [("", router), *[(p, r) for p, r, _tags in router._routers]]:
        for path, view in sub.path_operations.items():
            for operation in view.operations:
                for method in operation.methods:
                    # then every path operation is an enumerated API operation
                    key = f"{method} {API}{prefix}{path}".replace("{int:", "{").rstrip("/")
                    assert key in routed, key
                    found += 1
    assert found == sum(1 for key in routed if key.split(" ")[-1].startswith(API))


def test_every_actor_runs_some_cases() -> None:
    # given the actors each case runs with / then every role and clearance is among them
    ran = {actor.label for actor, _name in RUNS}
    assert ran == {actor.label for actor in ACTORS}
    # and every case runs with anonymous and with a superuser
    assert all(
        any(a.superuser for a in actors_for(n)) and any(a.anonymous for a in actors_for(n)) for n in CASES
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("actor", "name"), RUNS, ids=[f"{a.label}-{n}" for a, n in RUNS])
def test_each_url_answers_each_actor_as_the_policy_says(world: World, actor: Actor, name: str) -> None:
    # given an actor signed in (or not) and one URL pattern or API operation
    world.restore_files()
    run = Run(client=client_for(world, actor), actor=actor, world=world, keys=CASES[name].keys)
    # when every activity of the case (and its parts) is requested through it
    CASES[name].fn(run)
    # then each answer is the one the policy gives, and refused records answer like missing ones
    assert not run.failures, f"{len(run.failures)} wrong answers for {actor.label}:\n" + "\n".join(
        run.failures
    )

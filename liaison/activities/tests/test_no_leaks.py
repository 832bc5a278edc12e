"""Nothing a home member may not see reaches them through any page, API answer, file or feed.

The world of `matrix_world.py`, with a unique marker in every text of what must stay hidden:

- HIDDEN: every text of the other tree's restricted and embargoed activities (title, summary,
  venue, delegation, itinerary, session, site, outcome, file name and content, source), and of
  two more activities of the other tree: a restricted one that ended while still proposed (the
  warnings list those) and a restricted high-level visit in the same city and on the same day
  as a public one of the home tree (the warnings pair those);
- ORG: the name of the other tree's restricted department, which a public activity names as
  lead organisation, co-organiser, counterpart, site host, outcome party and responsible, and
  sending organisation of a delegation;
- PERSON: the name of the other tree's restricted person, leader of that public activity,
  member of its delegation, chair of its site, and speaker in a public activity of the home
  tree at the same time (the warnings would call it a double booking);
- DRAFT: the name of the (public) person in the home activities' draft compositions, which only
  the sending side and the activities' editors may see.

Members of the home root (see CRAWLERS) crawl the activities pages reachable from the list
(detail pages with their history and warnings; the forms and confirmations of two activities;
downloads), every activity, file and composition decision by id, page and API; the list, the
API's list, the calendar's agenda, the CSV export and the people autocomplete searched for each
marker; the calendar's month and week, the counts (page, CSV, API), the XLSX exports, the
warnings (page and API) and their own ICS feed. The first three markers must appear nowhere;
DRAFT nowhere for viewers. A superuser's crawl finds every marker, and an editor's finds DRAFT:
the test is not vacuous.

Then searches (by name, by id) for a person or organisation one may not see somewhere must find
no activity, while the same searches for someone one may see find exactly their activities. And
an activity's history never names a hidden sending organisation.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import unescape
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import pytest
from django.utils import timezone

from liaison.accounts.models import User
from liaison.activities import delegations, services
from liaison.activities.models import (
    Activity,
    ActivityKind,
    Attachment,
    CompositionStatus,
    Delegation,
    LeaderRank,
)
from liaison.activities.tests.matrix_world import (
    MEMBER_ACTORS,
    PUBLIC,
    RESTRICTED,
    SUPERUSER,
    Actor,
    Marks,
    QuietClient,
    World,
    client_for,
    world_for_module,
)
from liaison.core.access import Role
from liaison.core.testing import response_text

HIDDEN = f"ZZHIDE{uuid.uuid4().hex[:10].upper()}"
ORG = f"ZZORG{uuid.uuid4().hex[:10].upper()}"
PERSON = f"ZZPERSON{uuid.uuid4().hex[:10].upper()}"
DRAFT = f"ZZDRAFT{uuid.uuid4().hex[:10].upper()}"
MARKS = Marks(hidden=HIDDEN, org=ORG, person=PERSON, draft=DRAFT)
NEVER_FOR_MEMBERS = (HIDDEN, ORG, PERSON)
MAX_PAGES = 400

# Who crawls: a viewer of each clearance (one of them the focal point, who opens the decision
# pages), and an editor cleared for restricted, who may change the home activities (their
# forms, who is in their draft compositions) and reads all a member may. Coordinators and
# administrators see the same pages, with a delete button and the approval moves added.
CRAWLERS = [
    next(a for a in MEMBER_ACTORS if a.label == label)
    for label in ("viewer-cleared-internal", "viewer-cleared-restricted", "editor-cleared-restricted")
]


def _seed(world: World, root: User) -> None:
    """Activities the warnings speak of: a hidden one over but still proposed, a hidden
    high-level visit in the same city on the same day as a public one; compositions of the
    other tree's activities submitted (their focal point's decision page lists the members)."""
    day = world.starts_at + dt.timedelta(days=3)
    past = timezone.now() - dt.timedelta(days=30)
    other = world.orgs["other"]
    common: dict[str, Any] = {"city": world.locality, "lead_organisation": other, "owner": other}
    services.create_activity(
        by=root,
        data=services.ActivityInput(
            kind=ActivityKind.MEETING,
            starts_at=past,
            ends_at=past + dt.timedelta(hours=2),
            title_en=f"Forgotten talks {HIDDEN}",
            classification=RESTRICTED,
            **common,
        ),
    )
    for title, level, tree in (
        (f"State visit {HIDDEN}", RESTRICTED, "other"),
        ("Open state visit", PUBLIC, "home"),
    ):
        services.create_activity(
            by=root,
            data=services.ActivityInput(
                kind=ActivityKind.INCOMING_VISIT,
                starts_at=day,
                ends_at=day + dt.timedelta(hours=5),
                title_en=title,
                classification=level,
                leader=world.people["other"],
                leader_rank=LeaderRank.HEAD_OF_STATE,
                **(common | {"lead_organisation": world.orgs[tree], "owner": world.orgs[tree]}),
            ),
        )
    for act in world.all():
        if act.sending_home:
            delegations.submit_composition(
                by=root, delegation=Delegation.objects.get(pk=act.parts["delegation"])
            )
    assert Delegation.objects.filter(composition_status=CompositionStatus.SUBMITTED).count() == 5


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    with world_for_module(django_db_blocker, marks=MARKS, extra=_seed) as w:
        yield w


# --- crawling ------------------------------------------------------------------------------------

_LINK = re.compile(r'(?:href|hx-get|src|action|data-autocomplete-url)="([^"]+)"')
_CRAWLED = ("/activities/", "/api/activities")


@dataclass
class Crawl:
    client: QuietClient
    bodies: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)

    def get(self, url: str) -> str:
        if url not in self.bodies:
            response = self.client.get(url)
            self.statuses[url] = response.status_code
            self.bodies[url] = response_text(response)
        return self.bodies[url]

    def follow_links(self, start: str, forms_of: tuple[int, ...], limit: int = MAX_PAGES) -> int:
        """Breadth-first over the module's GET links from `start`; returns the pages visited.

        One address per path: the list's and the calendar's sorting, filtering and paging links
        lead to the same rows, which `crawl_everything` asks for with each search anyway. The
        pages below an activity's (its forms and confirmations) only for the activities
        `forms_of`: the others' are the same forms about records that name nothing hidden."""
        queue, seen = [start], {urlsplit(start).path}
        visited = 0
        while queue and visited < limit:
            url = queue.pop(0)
            body = self.get(url)
            visited += 1
            if self.statuses[url] != 200 or "<html" not in body[:500].lower():
                continue
            for raw in _LINK.findall(body):
                target = urljoin(url, unescape(raw)).split("#")[0]
                parts = urlsplit(target)
                if parts.scheme or parts.netloc or not target.startswith(_CRAWLED):
                    continue
                below = re.match(r"/activities/(\d+)/.", parts.path)
                if "/revoke/" in target or parts.path in seen or (below and int(below[1]) not in forms_of):
                    continue
                seen.add(parts.path)
                queue.append(target)
        return visited

    def found(self, marker: str) -> list[str]:
        """URLs whose body holds `marker`. Searches send it in lower case and pages echo the
        query back, so where the URL holds it the stored (upper-case) spelling is looked for.
        """
        hits = []
        for url, body in self.bodies.items():
            echoed = marker.lower() in url.lower()
            if (marker in body) if echoed else (marker.lower() in body.lower()):
                hits.append(url)
        return sorted(hits)

    def around(self, url: str, marker: str, width: int = 100) -> str:
        body = self.bodies[url]
        at = body.find(marker)
        at = at if at >= 0 else body.lower().find(marker.lower())
        return body[max(0, at - width) : at + len(marker) + 20].replace("\n", " ")


def _ids(model: type[Any]) -> list[int]:
    top = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return list(range(1, top + 2))


def crawl_everything(world: World, actor: Actor) -> tuple[Crawl, int]:
    crawl = Crawl(client_for(world, actor))
    day = world.starts_at.date()
    # given every page reachable from the list by following links, and the month around them
    pages = crawl.follow_links("/activities/", forms_of=(world["home-public"].pk, world["other-public"].pk))
    crawl.get(f"/activities/calendar/?view=month&date={day}")
    # and every activity, file and decision page by id
    for pk in _ids(Activity):
        crawl.get(f"/activities/{pk}/")
        crawl.get(f"/api/activities/{pk}")
    for attachment in Attachment.objects.all():
        crawl.get(f"/activities/{attachment.activity_id}/attachments/{attachment.pk}/")
    for delegation in Delegation.objects.all():
        crawl.get(f"/activities/{delegation.activity_id}/delegations/{delegation.pk}/decide/")
    # and every list, search, calendar, count, export and feed, plain and searched for each marker
    window = f"from={day - dt.timedelta(days=60)}&to={day + dt.timedelta(days=10)}"
    for q in ("", *[quote(m.lower()) for m in (*NEVER_FOR_MEMBERS, DRAFT)], quote("Nguyễn Bí Mật")):
        search = f"q={q}" if q else "sort=start"
        for url in (
            f"/activities/?{search}",
            f"/activities/calendar/?view=agenda&date={day}&days=14&{search}",
            f"/activities/export.csv?{search}",
            f"/api/activities?limit=200&{search}",
        ):
            crawl.get(url)
        if DRAFT.lower() not in q:  # the draft member is a person anyone may read and look up
            crawl.get(f"/activities/people/autocomplete/?{search}")
    for url in (
        f"/activities/calendar/?view=week&date={day}",
        f"/activities/counts/?{window}",
        f"/activities/counts/?{window}&format=csv",
        f"/api/activities/counts?{window}",
        f"/api/activities/calendar?view=month&date={day}",
        "/api/activities/export?format=csv",
        "/activities/export.xlsx",
        "/api/activities/export?format=xlsx",
        f"/activities/warnings/?{window}",
        f"/api/activities/warnings?{window}",
        "/activities/warnings/",
        "/api/activities/warnings",
        "/activities/feeds/",
    ):
        crawl.get(url)
    # and their own calendar feed (fetched by its secret address, as a calendar app does)
    feed = f"/activities/feeds/{world.feed_tokens[actor.label]}.ics"
    crawl.bodies[feed] = response_text(QuietClient().get(feed))
    return crawl, pages


def _report(crawl: Crawl, marker: str, actor: Actor) -> str:
    hits = crawl.found(marker)
    return f"{marker} reached {actor.label} through {len(hits)} answers:\n" + "\n".join(
        f"{url}: …{crawl.around(url, marker)}…" for url in hits[:25]
    )


@pytest.mark.django_db
@pytest.mark.parametrize("actor", CRAWLERS, ids=lambda a: a.label)
def test_nothing_hidden_reaches_a_member_of_the_home_root(world: World, actor: Actor) -> None:
    # given a member of the home root with some role and clearance
    # when they crawl every page, API answer, search, export, feed and history they can reach
    crawl, pages = crawl_everything(world, actor)
    # then the crawl was not vacuous
    assert pages >= 10, f"the crawl followed links to only {pages} pages"
    assert sum(1 for s in crawl.statuses.values() if s == 200) >= 60
    # and no text of a hidden activity, hidden organisation or hidden person is in any of it
    for marker in NEVER_FOR_MEMBERS:
        assert not crawl.found(marker), _report(crawl, marker, actor)
    # and who is in a draft composition reaches the activity's editors, not its viewers
    if actor.role == Role.VIEWER:
        assert not crawl.found(DRAFT), _report(crawl, DRAFT, actor)
    else:
        assert any(re.fullmatch(r"/activities/\d+/", u) for u in crawl.found(DRAFT)), crawl.found(DRAFT)


@pytest.mark.django_db
def test_a_superusers_crawl_finds_every_marker(world: World) -> None:
    # given a superuser, who may read everything
    # when they crawl the same way
    crawl, pages = crawl_everything(world, SUPERUSER)
    assert pages >= 30
    # then each marker is there: the hidden activities in every kind of answer
    hidden = crawl.found(HIDDEN)
    for surface in (
        r"/activities/\d+/",  # the detail page
        r"/api/activities/\d+",  # the API's detail
        r"/activities/\d+/attachments/\d+/",  # the file
        r"/activities/\?q=.*",  # the list searched
        r"/activities/export\.(csv|xlsx)\?.*",  # the exports
        r"/activities/calendar/\?.*",  # the calendar
        r"/api/activities\?limit=200&.*",  # the API's list
        r"/activities/warnings/\?.*",  # the warnings
        r"/activities/feeds/.*\.ics",  # the calendar feed
        r"/api/activities/calendar\?.*",
        r"/api/activities/export\?format=(csv|xlsx)",
        r"/api/activities/warnings\?.*",
    ):
        assert any(re.fullmatch(surface, u) for u in hidden), (surface, hidden)
    warnings = crawl.bodies[next(u for u in hidden if u.startswith("/activities/warnings/?"))]
    assert f"Forgotten talks {HIDDEN}" in warnings  # over but still proposed
    assert f"State visit {HIDDEN}" in warnings  # two high-level visits in one city on one day
    # and the hidden organisation and person where public activities name them
    assert any(re.fullmatch(r"/activities/\d+/", u) for u in crawl.found(ORG)), crawl.found(ORG)
    assert any(re.fullmatch(r"/api/activities/\d+", u) for u in crawl.found(PERSON)), crawl.found(PERSON)
    assert any(u.startswith("/activities/warnings/") for u in crawl.found(PERSON)), crawl.found(PERSON)
    assert any(re.fullmatch(r"/activities/\d+/", u) for u in crawl.found(DRAFT)), crawl.found(DRAFT)


@pytest.mark.django_db
def test_the_history_does_not_name_a_hidden_sending_organisation(world: World) -> None:
    # given a public activity with a delegation (no name of its own) sent by an organisation
    # the home members may not read; and a member of the home root cleared for restricted
    client = client_for(world, CRAWLERS[1])
    # when they open the activity's page, with its history
    response = client.get(f"/activities/{world['other-public'].pk}/")
    # then it answers, and the organisation's name is nowhere in it
    assert response.status_code == 200
    assert ORG.lower() not in response.content.decode().lower()


# --- searching by what one may not see ------------------------------------------------------------

SURFACES = {
    "list": "/activities/?{query}",
    "api": "/api/activities?limit=200&{query}",
    "export": "/activities/export.csv?{query}",
    "counts": "/api/activities/counts?from=2021-01-01&to={last}&{query}",
}


def _found(surface: str, body: str) -> int:
    """How many activities the answer lists (or counts)."""
    if surface == "api":
        return len(json.loads(body)["items"])
    if surface == "counts":
        return int(json.loads(body)["groups"][0]["total"]["count"])
    if surface == "export":
        return sum(1 for line in body.splitlines()[1:] if line.split(",")[0].isdigit())
    return len(set(re.findall(r'href="/activities/(\d+)/"', body)))


def _query(world: World, who: str, by: str) -> str:
    if by == "id":
        return f"person={world.people[who].pk}"
    name = {
        "hidden": f"Nguyễn Bí Mật {PERSON}",
        "draft": f"Phạm Văn Nháp {DRAFT}",
        "org": f"Other secret department {ORG}",
    }[who]
    return f"q={quote(name)}"


@pytest.mark.django_db
@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize(
    ("who", "by"),
    [
        pytest.param("hidden", "name", id="hidden-person-by-name"),
        pytest.param("hidden", "id", id="hidden-person-by-id"),
        pytest.param("draft", "name", id="draft-member-by-name"),
        pytest.param("draft", "id", id="draft-member-by-id"),
        pytest.param("org", "name", id="hidden-organisation-by-name"),
    ],
)
def test_searching_for_someone_one_may_not_see_there_finds_nothing(
    world: World, who: str, by: str, surface: str
) -> None:
    # given a viewer of the home root cleared for restricted; public activities in which a
    # person they may not read takes part (speaker, leader, member) or that an organisation they
    # may not read leads; and activities whose draft composition names a person they may read
    # but may not see there
    client = client_for(world, CRAWLERS[1])
    last = (world.starts_at + dt.timedelta(days=30)).date()
    # when they search the activities for that person (or organisation), by name or by id
    response = client.get(SURFACES[surface].format(query=_query(world, who, by), last=last))
    # then it answers, and finds nothing: it does not tell in which activities they take part
    assert response.status_code == 200
    assert _found(surface, response_text(response)) == 0


@pytest.mark.django_db
@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize("by", ["name", "id"])
def test_a_search_for_someone_one_may_see_there_finds_their_activities(
    world: World, by: str, surface: str
) -> None:
    # given the same viewer and a public person speaking in every activity's session
    client = client_for(world, CRAWLERS[1])
    person = world.people["other"]
    query = f"person={person.pk}" if by == "id" else f"q={quote('Lê Thị Khách')}"
    last = (world.starts_at + dt.timedelta(days=30)).date()
    # when they search for that person
    response = client.get(SURFACES[surface].format(query=query, last=last))
    # then they find the seven of the world's activities they may read, and the public state
    # visit the person leads (not the restricted one of the other tree)
    assert response.status_code == 200
    assert _found(surface, response_text(response)) == 7 + 1


def test_the_markers_are_unique() -> None:
    markers = [HIDDEN, ORG, PERSON, DRAFT]
    assert len({m.lower() for m in markers}) == 4
    assert not any(a in b for a in markers for b in markers if a != b)

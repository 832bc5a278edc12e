"""No restricted text of another tree reaches the home tree's users, by any page, API or file.

The other tree's restricted department and its restricted person carry a unique marker in their
names, notes, email, address, position title and (after an edit) their history. Every member of
the home root (each role, cleared for internal and for restricted) crawls every page reachable
from the home page, every API list and detail, searches for the marker and the person's name,
the matcher, history, holders, both exports in both formats and the autocomplete; the marker must
appear nowhere. A superuser's crawl must find it (the markers are reachable, the test is not
vacuous).

A second marker sits on another restricted organisation that *public* records point at: a public
unit below it, a public person holding a position in it. Those references are the classic leaks
(a parent's name, a position's organisation); each surface is checked on its own below.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import unescape
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Max, Min
from django.test import Client

from liaison.core.audit import acting_as
from liaison.core.models import Classification
from liaison.core.testing import make_org, make_person, response_text
from liaison.directory import services
from liaison.directory.models import Country, Organisation, Person
from liaison.directory.tests.matrix import (
    INTERNAL,
    MEMBER_ACTORS,
    SUPERUSER,
    Actor,
    World,
    world_for_module,
)
from liaison.membership import dossiers
from liaison.membership import services as membership_services
from liaison.membership.models import Member

MARKER = f"ZZLEAK{uuid.uuid4().hex[:10].upper()}"
LINK_MARKER = f"ZZLINK{uuid.uuid4().hex[:10].upper()}"
PERSON_NAME = "Nguyễn Other Restricted Anh"
MAX_PAGES = 200
MIN_PAGES = 25
# The same page with other query strings (filters, pages, months) at most this often: the
# calendar's "next month" alone would otherwise fill the crawl with a chain of months.
MAX_PER_PATH = 8


def _seed(world: World, root: Any) -> None:
    """Mark every restricted text of the other tree; add public records pointing at a hidden one."""
    org = Organisation.objects.get(pk=world.org("other-restricted").pk)
    person = Person.objects.get(pk=world.records["person:other-restricted"].pk)
    with acting_as(root, via="test"):
        # Restricted history: an edit whose before and after both carry the marker.
        services.update_organisation(
            by=root,
            organisation=org,
            version=org.version,
            changes={
                "notes": f"Briefing notes {MARKER}",
                "email": f"{MARKER}@example.org",
                "address": f"1 {MARKER} Street",
            },
        )
        org.refresh_from_db()
        services.update_organisation(
            by=root, organisation=org, version=org.version, changes={"notes": f"Revised notes {MARKER}"}
        )
        services.update_person(
            by=root,
            person=person,
            version=person.version,
            changes={"notes": f"Dossier {MARKER}", "languages": f"fr, {MARKER}"},
        )
        services.add_position(
            by=root,
            person=person,
            data=services.PositionInput(
                organisation=org, title_en=f"Envoy {MARKER}", title_vi=f"Đặc phái viên {MARKER}"
            ),
        )
        # Public records that point at a hidden organisation carrying the second marker.
        hidden = make_org(
            f"Secret Bureau {LINK_MARKER}",
            parent=world.orgs["other"],
            classification=Classification.RESTRICTED,
            by=root,
        )
        make_org("Open Liaison Desk", parent=hidden, classification=Classification.PUBLIC, by=root)
        # A member of the other tree's branch, restricted as every member is, the marker in her name,
        # her notes, her posting's letter and a dossier scan's file name.
        branch = membership_services.create_branch(
            by=root,
            organisation=Organisation.objects.get(pk=world.orgs["other"].pk),
            data=membership_services.BranchInput(level="committee"),
        )
        member = membership_services.create_member(
            by=root,
            data=membership_services.MemberInput(
                branch=branch,
                names=[membership_services.NameInput(f"Vũ Thị {MARKER}", "vi")],
                joined_on=dt.date(2010, 1, 1),
                register_number=f"R-{MARKER}",
                notes=f"Member notes {MARKER}",
            ),
        )
        membership_services.add_posting(
            by=root,
            member=member,
            data=membership_services.PostingInput(
                country=Country.objects.get(code="FR"), start=dt.date(2024, 1, 1), letter_number=MARKER
            ),
        )
        dossiers.add_file(
            by=root, member=member, upload=SimpleUploadedFile(f"{MARKER}.png", b"\x89PNG\r\n\x1a\nscan")
        )
        public_person = make_person("Trần Công Khai", owner=world.orgs["other"], by=root)
        services.add_position(
            by=root,
            person=public_person,
            data=services.PositionInput(organisation=hidden, title_en="Liaison officer"),
        )


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    with world_for_module(django_db_blocker, tag=f" {MARKER}", extra=_seed) as w:
        yield w


# --- crawling ------------------------------------------------------------------------------------

_LINK = re.compile(r'(?:href|hx-get|src)="([^"]+)"')
_SKIP = ("/static/", "/admin/", "/media/")


@dataclass
class Crawl:
    client: Client
    bodies: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)

    def get(self, url: str) -> str:
        if url not in self.bodies:
            response = self.client.get(url)
            self.statuses[url] = response.status_code
            self.bodies[url] = response_text(response)
        return self.bodies[url]

    def follow_links(self, start: str = "/", limit: int = MAX_PAGES) -> int:
        """Breadth-first over same-origin GET links from `start`; returns the pages visited."""
        queue, seen = [start], {start}
        per_path: dict[str, int] = {}
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
                if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(_SKIP):
                    continue
                if target not in seen and per_path.get(parts.path, 0) < MAX_PER_PATH:
                    seen.add(target)
                    per_path[parts.path] = per_path.get(parts.path, 0) + 1
                    queue.append(target)
        return visited

    def leaks(self, marker: str) -> list[str]:
        """URLs whose body holds `marker`. Searches send it in lower case and pages echo the
        query back, so where the URL holds it the stored (upper-case) spelling is looked for."""
        found = []
        for url, body in self.bodies.items():
            echoed = marker.lower() in url.lower()
            if (marker in body) if echoed else (marker.lower() in body.lower()):
                found.append(url)
        return sorted(found)


def _around(body: str, marker: str, width: int = 80) -> str:
    at = body.find(marker)
    at = at if at >= 0 else body.lower().find(marker.lower())
    return body[max(0, at - width) : at + len(marker) + 20].replace("\n", " ")


def _every_id(model: type[Any]) -> list[int]:
    """Every id from the lowest stored to two past the highest. Not from 1: on PostgreSQL the
    sequences keep counting through the rolled-back tests that ran before in the same process, so
    the world's ids may start in the tens of thousands."""
    ids = model.objects.aggregate(low=Min("pk"), high=Max("pk"))
    low, high = ids["low"] or 1, ids["high"] or 0
    return list(range(max(1, low - 2), high + 3))


def crawl_everything(client: Client, world: World) -> tuple[Crawl, int]:
    crawl = Crawl(client)
    # given every page reachable by following links from the home page
    pages = crawl.follow_links("/")
    # and every search, matcher, history, holder, export and autocomplete answer
    queries = [
        MARKER.lower(),
        PERSON_NAME,
        "Nguyen Other Restricted Anh",
        "Other restricted department",
        "Envoy",
    ]
    for q in queries:
        for url in (
            f"/directory/people/?q={q}",
            f"/directory/organisations/?q={q}",
            f"/directory/organisations/autocomplete/?q={q}&target=x",
            f"/directory/people/holders/?title={q}",
            f"/api/directory/people?q={q}",
            f"/api/directory/organisations?q={q}",
            f"/api/directory/match/person?q={q}",
            f"/api/directory/match/organisation?q={q}",
            f"/api/directory/holders?on=2030-01-01&title={q}",
            f"/directory/people/export/?q={q}&format=csv",
            f"/directory/organisations/export/?q={q}&format=xlsx",
        ):
            crawl.get(url)
    for kind in ("organisations", "people"):
        for fmt in ("csv", "xlsx"):
            crawl.get(f"/directory/{kind}/export/?format={fmt}")
        crawl.get(f"/api/directory/{kind}?limit=200")
    crawl.get("/directory/organisations/tree/")
    crawl.get("/api/directory/holders?on=2030-01-01")
    for pk in _every_id(Organisation):
        for url in (
            f"/directory/organisations/{pk}/",
            f"/directory/organisations/tree/?root={pk}",
            f"/directory/people/holders/?organisation={pk}",
            f"/directory/people/?organisation={pk}",
            f"/directory/organisations/?parent={pk}",
            f"/api/directory/organisations/{pk}",
            f"/api/directory/organisations/{pk}/history",
        ):
            crawl.get(url)
    for fmt in ("csv", "xlsx"):
        crawl.get(f"/membership/members/export/?format={fmt}")
    crawl.get("/api/membership/members?limit=200")
    for q in queries:
        crawl.get(f"/membership/members/?q={q}")
        crawl.get(f"/api/membership/members?q={q}")
    for pk in _every_id(Member):
        for url in (
            f"/membership/members/{pk}/",
            f"/membership/members/{pk}/dossier/",
            f"/api/membership/members/{pk}",
            f"/api/membership/members/{pk}/dossier",
        ):
            crawl.get(url)
    for pk in _every_id(Person):
        for url in (
            f"/directory/people/{pk}/",
            f"/directory/people/{pk}/edit/",
            f"/api/directory/people/{pk}",
            f"/api/directory/people/{pk}/history",
        ):
            crawl.get(url)
    return crawl, pages


def _client(world: World, actor: Actor) -> Client:
    client = Client()
    client.force_login(world.users[actor.label])
    return client


def crawl_finds_no_leak(world: World, actor: Actor) -> None:
    """A member's crawl of everything reachable: not vacuous, and the marker nowhere."""
    client = _client(world, actor)
    crawl, pages = crawl_everything(client, world)
    assert pages >= MIN_PAGES, f"the crawl visited only {pages} pages"
    assert len(crawl.bodies) >= 200
    assert sum(1 for s in crawl.statuses.values() if s == 200) >= 100
    leaks = crawl.leaks(MARKER)
    assert leaks == [], f"{MARKER} leaked to {actor.label}:\n" + "\n".join(
        f"{url}: …{_around(crawl.bodies[url], MARKER)}…" for url in leaks
    )


# Members cleared for internal crawl here; those cleared for restricted in
# test_no_leaks_restricted.py, so that the two halves run on two test workers.
@pytest.mark.django_db
@pytest.mark.parametrize(
    "actor", [a for a in MEMBER_ACTORS if a.clearance == INTERNAL], ids=lambda a: a.label
)
def test_no_restricted_text_of_another_tree_reaches_a_home_member(world: World, actor: Actor) -> None:
    # given a member of the home root with some role, cleared for internal
    # when they crawl every page, API answer, search, export and history they can reach
    # then the crawl was not vacuous, and the other tree's restricted marker appears nowhere
    crawl_finds_no_leak(world, actor)


@pytest.mark.django_db
def test_a_superusers_crawl_does_find_the_markers(world: World) -> None:
    # given a superuser, who may read everything
    client = _client(world, SUPERUSER)
    # when they crawl the same way
    crawl, pages = crawl_everything(client, world)
    # then the marker is found in the pages, the API, the searches, the history and the exports
    found = crawl.leaks(MARKER)
    assert pages >= MIN_PAGES
    assert any(
        u.startswith("/directory/organisations/") and u.rstrip("/").split("/")[-1].isdigit() for u in found
    )
    assert any(u.startswith("/directory/people/") and u.rstrip("/").split("/")[-1].isdigit() for u in found)
    assert any(u.startswith(f"/directory/people/?q={MARKER.lower()}") for u in found), found
    assert any(u.startswith(f"/api/directory/match/person?q={MARKER.lower()}") for u in found), found
    assert any(u.endswith("/history") for u in found)
    assert any("format=csv" in u for u in found) and any("format=xlsx" in u for u in found)
    assert any("autocomplete" in u for u in found)
    # and the member's page, dossier, API record and the member list's search and export
    assert any(u.startswith("/membership/members/") and u.endswith("/dossier/") for u in found), found
    assert any(u.startswith("/api/membership/members/") and u.split("/")[-1].isdigit() for u in found), found
    assert any(u.startswith(f"/membership/members/?q={MARKER.lower()}") for u in found), found
    assert any(u.startswith("/membership/members/export/") for u in found), found
    assert "/directory/organisations/tree/" in found
    assert any(u.startswith("/directory/people/holders/") for u in found)


# --- references from public records to a hidden organisation --------------------------------------


def _hidden_link_targets(world: World) -> dict[str, int]:
    hidden = Organisation.objects.get(sort_name__contains=LINK_MARKER)
    unit = Organisation.objects.get(parent=hidden)
    person = Person.objects.get(sort_name="Trần Công Khai")
    return {"hidden": hidden.pk, "unit": unit.pk, "person": person.pk, "other": world.orgs["other"].pk}


SURFACES: list[Any] = [
    pytest.param(
        "organisation list (Parent column)",
        "/directory/organisations/?q=Open Liaison Desk",
    ),
    pytest.param(
        "organisation detail (breadcrumbs)",
        "/directory/organisations/{unit}/",
    ),
    pytest.param(
        "API organisation detail (parent.name)",
        "/api/directory/organisations/{unit}",
    ),
    pytest.param(
        "API organisation list filtered by the hidden parent",
        "/api/directory/organisations?parent={hidden}",
    ),
    pytest.param(
        "API organisation list",
        "/api/directory/organisations?limit=200",
    ),
    pytest.param(
        "organisation tree below the visible root",
        "/directory/organisations/tree/?root={other}",
    ),
    pytest.param(
        "person detail (positions)",
        "/directory/people/{person}/",
    ),
    pytest.param(
        "person list (current positions)",
        "/directory/people/?q=Trần Công Khai",
    ),
    pytest.param(
        "API person detail (positions)",
        "/api/directory/people/{person}",
    ),
    pytest.param(
        "API person list (current positions)",
        "/api/directory/people?q=Trần Công Khai",
    ),
    pytest.param(
        "holders page",
        "/directory/people/holders/?title=Liaison officer",
    ),
    pytest.param(
        "API holders",
        "/api/directory/holders?on=2030-01-01&title=Liaison officer",
    ),
    pytest.param("person history", "/api/directory/people/{person}/history"),
    pytest.param("person export (CSV)", "/directory/people/export/?format=csv"),
    pytest.param("organisation export (XLSX)", "/directory/organisations/export/?format=xlsx"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("surface", "url"), SURFACES)
def test_a_public_record_does_not_reveal_the_name_of_a_hidden_organisation_it_points_at(
    world: World, surface: str, url: str
) -> None:
    # given a hidden restricted organisation of the other tree, a public unit below it and a
    # public person holding a position in it; and an editor of the home root cleared for restricted
    actor = MEMBER_ACTORS[3]
    assert actor.label == "editor-cleared-restricted"
    client = _client(world, actor)
    targets = _hidden_link_targets(world)
    # when they open the surface
    response = client.get(url.format(**targets))
    # then it answers, and the hidden organisation's name is not in it
    assert response.status_code == 200, surface
    assert LINK_MARKER.lower() not in response_text(response).lower(), (
        f"{surface} reveals the hidden organisation"
    )

"""Every intake URL × the kinds of actor.

The world: MOFA keeps a restricted document with its proposals. VUFO's editor (cleared for
restricted) is an outsider to it; MOFA's viewer reads it; MOFA's editor reviews it.

Rules encoded here (restated, not computed by calling the policy):
- anonymous: every page → 302 to sign-in;
- a document the actor may not read, and its proposals, answer 404 with a body identical to a
  missing record's, and nothing is written;
- readers see the document's review page; deciding on a proposal (accept, correct, reject,
  accept all) needs the right to change the document: others get the same 404;
- the list and the add form answer everyone signed in; the list never names a hidden document.

Every `intake:` URL name must have a case: `test_every_url_is_in_the_matrix` fails naming any
that the matrix cannot address.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from liaison.core.access import Role
from liaison.core.audit import acting_as
from liaison.core.models import AuditEvent, Classification
from liaison.core.testing import PASSWORD, make_org, make_superuser, make_user
from liaison.directory.tests.test_authorization_matrix import enumerate_urls
from liaison.intake import services
from liaison.intake.models import ProposalState

pytestmark = pytest.mark.django_db

PAGES = "intake:"
MISSING = 987654
TITLE = "Secret intake matrix article"
TEXT = f"{TITLE}\nوزير الخارجية يترأس مؤتمراً في هانوي في 19 ديسمبر 2023 بمشاركة 45 وفداً.\n"

# The record a URL's `pk` addresses, by the URL name's first word; None: no record.
RECORD = {"document": "document", "proposal": "proposal"}
NO_RECORD = {"document-list", "document-create"}
# What each URL does: read (GET answers readers) or act (needs the right to change).
READS = {"document-review"}
POST_ONLY = {"document-accept-all", "proposal-accept", "proposal-reject"}


def intake_names() -> list[str]:
    return sorted(k[len(PAGES) :] for k in enumerate_urls() if k.startswith(PAGES))


@pytest.fixture
def world(media) -> dict[str, Any]:
    root = make_superuser("intake-matrix-root")
    mofa = make_org("Ministry of Foreign Affairs", by=root)
    vufo = make_org("VUFO", by=root)
    restricted = Classification.RESTRICTED
    editor = make_user("im.editor", org=mofa, role=Role.EDITOR, clearance=restricted)
    with acting_as(editor, via="test"):
        document = services.ingest(
            editor,
            owner=mofa,
            classification=restricted,
            name="secret.txt",
            content=TEXT.encode(),
            published_on=dt.date(2023, 12, 19),
        ).document
    proposal = document.proposals.filter(type="date").first()
    assert proposal is not None
    return {
        "records": {"document": document.pk, "proposal": proposal.pk},
        "actors": {
            "anonymous": None,
            "outsider": make_user("im.outsider", org=vufo, role=Role.EDITOR, clearance=restricted),
            "viewer": make_user("im.viewer", org=mofa, role=Role.VIEWER, clearance=restricted),
            "editor": editor,
            "superuser": root,
        },
    }


def _url(name: str, records: dict[str, int], *, missing: bool = False) -> str | None:
    if name in NO_RECORD:
        return reverse(PAGES + name)
    record = RECORD.get(name.split("-")[0])
    if record is None:
        return None
    return reverse(PAGES + name, args=[MISSING if missing else records[record]])


def _client(actor: Any) -> Client:
    client = Client()
    if actor is not None:
        assert client.login(username=actor.username, password=PASSWORD)
    return client


def _normalise(body: bytes) -> bytes:
    body = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", body)
    body = re.sub(rb'nonce="[^"]+"', b"", body)
    return body.replace(str(MISSING).encode(), b"<PK>")


def _send(client: Client, name: str, url: str) -> Any:
    return client.post(url) if name in POST_ONLY else client.get(url)


def test_every_url_is_in_the_matrix(world) -> None:
    names = intake_names()
    assert names, "intake URLs are not routed"
    unmapped = [n for n in names if _url(n, world["records"]) is None]
    assert not unmapped, f"intake URLs the matrix cannot address: {unmapped}"
    unknown = [n for n in names if n not in NO_RECORD | READS | POST_ONLY | {"proposal-correct"}]
    assert not unknown, f"intake URLs with no rule in the matrix: {unknown}"


@pytest.mark.parametrize("name", intake_names())
def test_anonymous_is_sent_to_sign_in(world, name: str) -> None:
    url = _url(name, world["records"])
    assert url is not None
    response = _send(_client(None), name, url)
    assert response.status_code == 302 and "/accounts/" in response.url, name


@pytest.mark.parametrize("name", [n for n in intake_names() if n not in NO_RECORD])
def test_a_hidden_document_is_a_missing_one(world, name: str) -> None:
    url, missing = _url(name, world["records"]), _url(name, world["records"], missing=True)
    assert url and missing
    before = AuditEvent.objects.count()
    # who may not read the document; and the viewer, who may not act on it
    actors = ["outsider"] + ([] if name in READS else ["viewer"])
    for actor in actors:
        client = _client(world["actors"][actor])
        hidden, gone = _send(client, name, url), _send(client, name, missing)
        assert hidden.status_code == gone.status_code == 404, (name, actor, hidden.status_code)
        assert _normalise(hidden.content) == _normalise(gone.content), (name, actor)
        assert TITLE.encode() not in hidden.content
    assert AuditEvent.objects.count() == before, name


@pytest.mark.parametrize("name", intake_names())
def test_readers_read_and_editors_act(world, name: str) -> None:
    url = _url(name, world["records"])
    assert url is not None
    for actor in ("viewer", "editor", "superuser"):
        client = _client(world["actors"][actor])
        if name in POST_ONLY:
            assert client.get(url).status_code == 405, (name, actor)
            continue
        response = client.get(url)
        may = name in NO_RECORD or name in READS or actor != "viewer"
        assert response.status_code == (200 if may else 404), (name, actor, response.status_code)


def test_the_list_never_names_a_hidden_document(world) -> None:
    client = _client(world["actors"]["outsider"])
    for query in ({}, {"q": "Secret"}):
        response = client.get(reverse("intake:document-list"), query)
        assert response.status_code == 200 and TITLE.encode() not in response.content


@pytest.mark.parametrize("name", sorted(POST_ONLY))
def test_only_editors_decide(world, name: str) -> None:
    url = _url(name, world["records"])
    assert url is not None
    assert _client(world["actors"]["viewer"]).post(url).status_code == 404
    response = _client(world["actors"]["editor"]).post(url)
    assert response.status_code in (200, 302), (name, response.status_code)
    from liaison.intake.models import Proposal

    assert Proposal.objects.exclude(state=ProposalState.PENDING).exists()

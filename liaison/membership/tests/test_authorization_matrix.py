"""Every URL of membership records (pages and API) × the kinds of actor.

The world: the home committee has two branches, Hà Nội and Huế; the committee abroad has the
branch in the embassy in Paris. Hà Nội keeps a restricted member (named TITLE) with a posting, a
dossier scan and the rules' status log; a second Hà Nội member has been released to Huế and awaits
receipt, with a letter attached to the transfer.

Rules encoded here (restated, not computed by calling the policy):
- a member, and everything about them (postings, transfers, documents, dossier): read by the
  officers of their branch and of the committees above it, cleared for restricted; while a
  transfer is pending, also by the receiving branch's officers;
- changing a member: editors of the branch (or above); receiving a transfer: editors of the
  receiving branch; adding a transfer's documents: either side;
- branches are read by everyone signed in (their organisations are public); status rules are read
  by everyone signed in and changed by superusers only (403 for others, the rules being public);
- anonymous: pages → 302 to sign-in, API → 401;
- a record the actor may not read, or may read but not act on, answers 404 with a body identical
  to a missing record's; lists never name a hidden member.

Every membership URL name and API operation must have a case; `test_every_url_is_in_the_matrix`
fails naming any that is not.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from liaison.core.access import Role
from liaison.core.audit import acting_as
from liaison.core.models import AuditEvent, Classification
from liaison.core.testing import PASSWORD, make_org, make_user
from liaison.directory.tests.test_authorization_matrix import enumerate_urls
from liaison.membership import dossiers, services, transfers
from liaison.membership.models import StatusRule, TransferKind
from liaison.membership.testing import country, make_member, make_register

pytestmark = pytest.mark.django_db

MISSING = 987654
PAGES = "membership:"
API = "/api/membership"
TITLE = "Phạm Bí Mật Matrix"
TODAY = dt.date.today()

# The record a URL parameter addresses, by the parameter's name (API) ...
PARAMS = {
    "member_id": "member",
    "posting_id": "posting",
    "transfer_id": "transfer",
    "document_id": "transfer_document",
    "file_id": "dossier_file",
    "branch_id": "branch",
    "rule_id": "rule",
    "slug": "slug",
}
# ... and a page's `pk`, by the page's name.
PAGE_RECORD = {
    "posting-edit": "posting",
    "posting-delete": "posting",
    "transfer-receive": "transfer",
    "transfer-cancel": "transfer",
    "transfer-document-add": "transfer",
    "transfer-document": "transfer_document",
    "dossier-file": "dossier_file",
    "dossier-file-delete": "dossier_file",
    "branch-detail": "branch",
    "branch-edit": "branch",
    "rule-edit": "rule",
    "rule-delete": "rule",
}
# Records of a member (hidden from strangers); the transfer's member is also read by Huế.
MEMBER_BOUND = {"member", "posting", "dossier_file", "transfer", "transfer_document"}
TRANSFER_BOUND = {"transfer", "transfer_document"}
READERS = {"hanoi_viewer", "hanoi_editor", "home_viewer", "superuser"}
STRANGERS = {"outsider", "paris_editor", "hue_editor"}
CHANGERS = {"hanoi_editor", "superuser"}
# Pages that change something (GET shows a form to those who may act).
ACTING = re.compile(
    r"-(create|edit|delete|add|release|receive|cancel|digitised|reopen)$|^attachment-end$|^transfer-release$"
)


@dataclass
class World:
    records: dict[str, Any]
    actors: dict[str, Any]


@pytest.fixture
def world() -> World:
    register = make_register()
    root = register.root
    restricted = Classification.RESTRICTED
    member = make_member(TITLE, branch=register.hanoi)
    moving = make_member("Đỗ Văn Chuyển", branch=register.hanoi)
    with acting_as(root, via="test"):
        posting = services.add_posting(
            by=root,
            member=member,
            data=services.PostingInput(country=country("FR"), start=TODAY - dt.timedelta(days=30)),
        )
        scan = dossiers.add_file(
            by=root, member=member, upload=SimpleUploadedFile("p.png", b"\x89PNG\r\n\x1a\nxx")
        )
        transfer = transfers.release(
            by=root,
            member=moving,
            data=transfers.ReleaseInput(
                kind=TransferKind.PERMANENT,
                to_branch=register.hue,
                letter_number="7-CV",
                letter_date=TODAY,
                released_on=TODAY,
                documents=[SimpleUploadedFile("letter.png", b"\x89PNG\r\n\x1a\nletter")],
            ),
        )
    records = {
        "member": member.pk,
        "posting": posting.pk,
        "dossier_file": scan.pk,
        "transfer": transfer.pk,
        "transfer_document": transfer.documents.get().pk,
        "branch": register.hanoi.pk,
        "rule": StatusRule.objects.order_by("pk").first().pk,  # type: ignore[union-attr]
        "slug": "abroad-without-branch",
    }
    actors = {
        "anonymous": None,
        "outsider": make_user(
            "m.outsider", org=make_org("Ministry of Culture"), role=Role.ADMINISTRATOR, clearance=restricted
        ),
        "paris_editor": make_user(
            "m.paris", org=register.paris.organisation, role=Role.EDITOR, clearance=restricted
        ),
        "hue_editor": make_user(
            "m.hue", org=register.hue.organisation, role=Role.EDITOR, clearance=restricted
        ),
        "hanoi_viewer": make_user(
            "m.hn.v", org=register.hanoi.organisation, role=Role.VIEWER, clearance=restricted
        ),
        "hanoi_editor": make_user(
            "m.hn.e", org=register.hanoi.organisation, role=Role.EDITOR, clearance=restricted
        ),
        "home_viewer": make_user(
            "m.home", org=register.home.organisation, role=Role.VIEWER, clearance=restricted
        ),
        "superuser": root,
    }
    return World(records, actors)


def membership_keys() -> list[str]:
    return sorted(k for k in enumerate_urls() if k.startswith(PAGES) or k.split(" ")[-1].startswith(API))


def _page_params(name: str) -> list[str]:
    from liaison.membership.urls import urlpatterns

    for pattern in urlpatterns:
        if pattern.name == name:
            return list(pattern.pattern.converters)
    raise KeyError(name)


def record_of(key: str) -> str | None:
    """The record a URL is about (None for lists and new-record forms)."""
    if key.startswith(PAGES):
        name = key[len(PAGES) :]
        params = _page_params(name)
        if "slug" in params:
            return "slug"
        if "pk" not in params:
            return None
        return PAGE_RECORD.get(name, "member")
    found = re.findall(r"{(\w+)}", key)
    return PARAMS.get(found[0]) if found else None


def _url_for(key: str, records: dict[str, Any], *, missing: bool = False) -> tuple[str, str] | None:
    record = record_of(key)
    value = records.get(record) if record else None
    if missing and record is not None:
        value = "no-such-check" if record == "slug" else MISSING
    if key.startswith(PAGES):
        name = key[len(PAGES) :]
        params = _page_params(name)
        if params and value is None:
            return None
        kwargs = dict.fromkeys(params, value)
        return "GET", reverse(key, kwargs=kwargs)
    method, path = key.split(" ", 1)
    for param in re.findall(r"{(\w+)}", path):
        if PARAMS.get(param) is None or value is None:
            return None
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


def _body(response: Any) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    content: bytes = response.content
    return content


def _normalise(body: bytes, pk: int) -> bytes:
    body = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", body)
    body = re.sub(rb'nonce="[^"]+"', b"", body)
    return body.replace(str(pk).encode(), b"<PK>").replace(str(MISSING).encode(), b"<PK>")


def readers_of(record: str) -> set[str]:
    return READERS | {"hue_editor"} if record in TRANSFER_BOUND else READERS


def test_every_url_is_in_the_matrix(world: World) -> None:
    keys = membership_keys()
    assert len(keys) > 40, "membership URLs are not routed"
    unmapped = [k for k in keys if _url_for(k, world.records) is None]
    assert not unmapped, f"URLs the matrix cannot address (add them to PARAMS or PAGE_RECORD): {unmapped}"


def _member_bound_keys() -> list[str]:
    return [k for k in membership_keys() if record_of(k) in MEMBER_BOUND]


@pytest.mark.parametrize("key", _member_bound_keys())
def test_strangers_and_anonymous_meet_a_missing_record(world: World, key: str) -> None:
    """Those who may not read the member get exactly what a missing record gives, and change nothing."""
    method, url = _url_for(key, world.records)  # type: ignore[misc]
    _m, missing_url = _url_for(key, world.records, missing=True)  # type: ignore[misc]
    before = AuditEvent.objects.count()
    anonymous = _request(_client(None), method, url)
    assert anonymous.status_code == (302 if key.startswith(PAGES) else 401), key
    strangers = STRANGERS - readers_of(record_of(key))  # type: ignore[arg-type]
    for name in sorted(strangers):
        client = _client(world.actors[name])
        hidden = _request(client, method, url)
        gone = _request(client, method, missing_url)
        if hidden.status_code == 405 and gone.status_code == 405:
            hidden, gone = client.post(url), client.post(missing_url)
        # A write whose body the API refuses before looking anything up answers 400 for both.
        assert hidden.status_code in (400, 404), (key, name, hidden.status_code)
        assert gone.status_code == hidden.status_code, (key, name, gone.status_code)
        assert _normalise(_body(hidden), 0) == _normalise(_body(gone), 0), (key, name)
        assert TITLE.encode() not in _body(hidden)
    assert AuditEvent.objects.count() == before, key


def _expected_page_status(name: str, record: str | None, actor: str) -> int | None:
    """What a GET of the page answers the actor (None: POST only, checked elsewhere)."""
    if name in ("rule-edit", "rule-delete"):
        return 200 if actor == "superuser" else 403
    if record is None or record in ("slug", "branch", "rule"):
        if name == "branch-edit":
            return 200 if actor == "superuser" else 404
        return 200
    if actor not in readers_of(record):
        return 404
    if name == "attachment-end":
        return 404  # the member is attached nowhere: there is nothing to end, for anyone
    if not ACTING.search(name):
        return 200
    if name == "transfer-receive":
        return 200 if actor in ("hue_editor", "superuser") else 404
    if name == "transfer-document-add":
        return 200 if actor in ("hue_editor", "hanoi_editor", "superuser") else 404
    return 200 if actor in CHANGERS else 404


@pytest.mark.parametrize("key", [k for k in membership_keys() if k.startswith(PAGES)])
def test_pages_answer_readers_and_refuse_others_to_act(world: World, key: str) -> None:
    _method, url = _url_for(key, world.records)  # type: ignore[misc]
    name = key[len(PAGES) :]
    record = record_of(key)
    for actor in sorted(READERS | STRANGERS):
        response = _client(world.actors[actor]).get(url)
        if response.status_code == 405:
            continue  # POST only: the strangers' test and the workflow tests cover it
        expected = _expected_page_status(name, record, actor)
        if record is None and expected == 200:
            # lists and new-record forms: everyone signed in (or 403 where one may create nothing)
            assert response.status_code in (200, 403), (key, actor, response.status_code)
        else:
            assert response.status_code == expected, (key, actor, response.status_code)
        if actor not in READERS:
            assert TITLE.encode() not in _body(response), (key, actor)


@pytest.mark.parametrize(
    "key", [k for k in membership_keys() if not k.startswith(PAGES) and k.startswith("GET ")]
)
def test_api_reads_answer_their_readers_and_lists_hide_the_member(world: World, key: str) -> None:
    _method, url = _url_for(key, world.records)  # type: ignore[misc]
    record = record_of(key)
    for actor in sorted(READERS | STRANGERS):
        response = _client(world.actors[actor]).get(url)
        if record in MEMBER_BOUND:
            expected = 200 if actor in readers_of(record) else 404
            assert response.status_code == expected, (key, actor, response.status_code)
        else:
            assert response.status_code == 200, (key, actor, response.status_code, _body(response)[:300])
        if actor not in READERS:
            assert TITLE.encode() not in _body(response), (key, actor)


def test_the_members_list_names_the_member_to_its_readers_only(world: World) -> None:
    for actor in sorted(READERS | STRANGERS):
        body = _client(world.actors[actor]).get(reverse("membership:members")).content
        assert (TITLE.encode() in body) == (actor in READERS), actor


@pytest.mark.parametrize("actor", ["hanoi_viewer", "home_viewer", "hue_editor"])
def test_readers_who_may_not_change_a_member_are_refused_as_not_found(world: World, actor: str) -> None:
    client = _client(world.actors[actor])
    member = world.records["member"]
    before = AuditEvent.objects.count()
    response = client.patch(f"{API}/members/{member}", {"languages": "xx"}, content_type="application/json")
    assert response.status_code == 404
    response = client.post(
        reverse("membership:event-add", args=[member]), {"kind": "suspended", "on": "2024-01-01"}
    )
    assert response.status_code == 404
    assert AuditEvent.objects.count() == before


def test_only_the_receiving_branch_receives(world: World) -> None:
    transfer = world.records["transfer"]
    url = f"{API}/transfers/{transfer}/receive"
    body = {"received_on": TODAY.isoformat()}
    assert (
        _client(world.actors["hanoi_editor"]).post(url, body, content_type="application/json").status_code
        == 404
    )
    response = _client(world.actors["hue_editor"]).post(url, body, content_type="application/json")
    assert response.status_code == 200, response.content

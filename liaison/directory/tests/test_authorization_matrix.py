"""Every URL of the Directory (pages and API) × every record × every role and clearance.

The world (see `matrix.py`): a home tree where the acting users are members of the root, another
tree; in each a public, an internal and a restricted department keeping one person each; one
restricted department of the other tree (and its person) shared with the home root. Users: each
role in the home root, cleared for internal and for restricted; anonymous; a superuser.

Rules encoded here (what the code does, and what the policy asks for):

- pages: anonymous → 302 to sign-in; API: anonymous → 401; OpenAPI schema and docs are open.
- a record the user may read → 200 (302 after a successful form post, 201/204 in the API);
- a record the user may not read → 404 whose body is byte-identical to that of pk 999999;
- a record the user may read but not change/delete → the edit/delete URLs also answer 404
  (identical to a missing pk): the policy says "not found" for writes too;
- creating below / owned by an organisation: the page re-renders the form with an error (200),
  identical for a hidden and a missing organisation; the API answers 400 "No organisation N."
  (identical for hidden and missing) and 404 for a readable organisation one may not write to.

`CASES` maps every URL name and API operation to the function that tests it;
`test_every_url_and_api_operation_is_in_the_matrix` fails naming any that is not.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, reverse

from liaison.directory.models import Organisation, Person
from liaison.directory.tests.matrix import (
    ANONYMOUS,
    MEMBER_ACTORS,
    MISSING_PK,
    PUBLIC,
    RESTRICTED,
    SUPERUSER,
    Actor,
    Record,
    World,
    normalised,
    world_for_module,
)

ACTORS = [*MEMBER_ACTORS, ANONYMOUS, SUPERUSER]
SIGN_IN = "/accounts/sign-in/"


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    with world_for_module(django_db_blocker) as w:
        yield w


# --- the request runner -------------------------------------------------------------------------


@dataclass
class Run:
    """One actor's requests against one case; collects every mismatch before failing."""

    client: Client
    actor: Actor
    world: World
    failures: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)

    # requests
    def send(self, method: str, url: str, data: Any = None, *, api: bool = False) -> Any:
        kwargs: dict[str, Any] = {}
        if api and data is not None:
            kwargs = {"data": json.dumps(data), "content_type": "application/json"}
        elif data is not None:
            kwargs = {"data": data}
        try:
            return getattr(self.client, method.lower())(url, **kwargs)
        except NotImplementedError:
            self.pending.append(f"{method} {url}")
            return None

    # expectations
    def expect(self, response: Any, status: int, label: str) -> bool:
        if response is None:
            return False
        if response.status_code != status:
            self.failures.append(f"{label}: expected {status}, got {response.status_code}")
            return False
        return True

    def expect_sign_in(self, response: Any, label: str) -> None:
        if response is None:
            return
        location = response.get("Location", "")
        if response.status_code != 302 or not location.startswith(SIGN_IN):
            self.failures.append(
                f"{label}: expected a redirect to sign-in, got {response.status_code} {location}"
            )

    def expect_same(self, response: Any, missing: Any, pk: int, label: str) -> None:
        """The hidden record's answer must not differ from the missing record's."""
        if response is None or missing is None:
            return
        if response.status_code != missing.status_code:
            self.failures.append(
                f"{label}: {response.status_code} but a missing pk answers {missing.status_code}"
            )
        elif normalised(response.content, pk) != normalised(missing.content, MISSING_PK):
            self.failures.append(
                f"{label}: body differs from a missing pk's:\n{_diff(response, missing, pk)}"
            )

    def plain(self, method: str, url: str, status: int, data: Any = None, *, api: bool = False) -> None:
        """A URL with no record: signed-in users get `status`, anonymous the sign-in (or 401)."""
        response = self.send(method, url, data, api=api)
        label = f"{method} {url}"
        if self.actor.anonymous:
            if api:
                self.expect(response, 401, label)
            else:
                self.expect_sign_in(response, label)
        else:
            self.expect(response, status, label)

    def per_record(
        self,
        method: str,
        url: Callable[[int, Record | None], str],
        records: list[Record],
        allowed: Callable[[Record], bool],
        ok: int | Callable[[Record], int],
        *,
        data: Callable[[Record | None], Any] | None = None,
        api: bool = False,
        refused: int = 404,
        refused_readable: int | None = None,
    ) -> None:
        """Request `url` for each record: `ok` where allowed; else the answer for a missing pk."""
        body = data or (lambda r: None)
        missing = None
        if self.actor.anonymous:
            # Anonymous requests never reach a record: one readable and one restricted suffice.
            records = [r for r in records if r.classification == PUBLIC][:1] + [
                r for r in records if r.classification == RESTRICTED
            ][:1]
        else:
            missing = self.send(method, url(MISSING_PK, None), body(None), api=api)
            self.expect(missing, refused, f"{method} {url(MISSING_PK, None)} (missing)")
        for record in records:
            label = f"{method} {url(record.pk, record)} [{record}]"
            response = self.send(method, url(record.pk, record), body(record), api=api)
            if self.actor.anonymous:
                if api:
                    self.expect(response, 401, label)
                else:
                    self.expect_sign_in(response, label)
            elif allowed(record):
                self.expect(response, ok(record) if callable(ok) else ok, label)
            elif refused_readable is not None and self.actor.reads(record):
                self.expect(response, refused_readable, label + " (readable, not writable)")
            else:
                self.expect_same(response, missing, record.pk, label)


def _diff(response: Any, missing: Any, pk: int) -> str:
    hidden = normalised(response.content, pk).decode(errors="replace").splitlines()
    absent = normalised(missing.content, MISSING_PK).decode(errors="replace").splitlines()
    lines = difflib.unified_diff(absent, hidden, "missing pk", "hidden record", n=0, lineterm="")
    return "\n".join(list(lines)[:12])


Case = Callable[[Run], None]
CASES: dict[str, Case] = {}
# URL names deliberately left out of the matrix, with the reason.
OUT_OF_SCOPE = {"admin": "the Django admin is not part of the Directory; it is tested with the admin"}


def case(*keys: str) -> Callable[[Case], Case]:
    def register(fn: Case) -> Case:
        for key in keys:
            CASES[key] = fn
        return fn

    return register


def _orgs(run: Run) -> list[Record]:
    return run.world.of_kind("organisation")


def _people(run: Run) -> list[Record]:
    return run.world.of_kind("person")


def _version(record: Record) -> int:
    model = Organisation if record.kind == "organisation" else Person
    return int(model.objects.values_list("version", flat=True).get(pk=record.pk))


def _second_name(record: Record | None) -> int:
    return record.name_ids[-1] if record else MISSING_PK


# --- home and accounts --------------------------------------------------------------------------


@case("home")
def _home(run: Run) -> None:
    run.plain("GET", reverse("home"), 200)


@case("accounts:sign-in")
def _sign_in(run: Run) -> None:
    response = run.send("GET", reverse("accounts:sign-in"))
    run.expect(response, 200, "GET sign-in")


@case("accounts:two-factor")
def _two_factor(run: Run) -> None:
    # No sign-in is pending: everyone is sent back to the sign-in page.
    response = run.send("GET", reverse("accounts:two-factor"))
    if run.expect(response, 302, "GET two-factor") and response["Location"] != SIGN_IN:
        run.failures.append(f"two-factor redirected to {response['Location']}")


@case("accounts:two-factor-setup")
def _two_factor_setup(run: Run) -> None:
    run.plain("GET", reverse("accounts:two-factor-setup"), 200)


@case("accounts:sign-out")
def _sign_out(run: Run) -> None:
    run.expect(run.send("GET", reverse("accounts:sign-out")), 405, "GET sign-out")
    response = run.send("POST", reverse("accounts:sign-out"))
    if run.expect(response, 302, "POST sign-out") and response["Location"] != SIGN_IN:
        run.failures.append(f"sign-out redirected to {response['Location']}")


@case("accounts:language")
def _language(run: Run) -> None:
    run.expect(
        run.send("POST", reverse("accounts:language"), {"language": "vi", "next": "/"}), 302, "POST language"
    )


# --- directory pages without a record ------------------------------------------------------------


@case("directory:organisation-list")
def _organisation_list(run: Run) -> None:
    url = reverse("directory:organisation-list")
    run.plain("GET", url, 200)
    run.plain("GET", url + "?q=department&sort=-updated", 200)
    # Filtering by any parent (hidden or not) is a filter, not a lookup: always 200.
    run.per_record("GET", lambda pk, r: f"{url}?parent={pk}", _orgs(run), run.actor.reads, 200, refused=200)


@case("directory:person-list")
def _person_list(run: Run) -> None:
    url = reverse("directory:person-list")
    run.plain("GET", url, 200)
    run.plain("GET", url + "?q=Nguyen", 200)
    run.per_record(
        "GET", lambda pk, r: f"{url}?organisation={pk}", _orgs(run), run.actor.reads, 200, refused=200
    )


@case("directory:organisation-tree")
def _organisation_tree(run: Run) -> None:
    url = reverse("directory:organisation-tree")
    run.plain("GET", url, 200)
    run.per_record("GET", lambda pk, r: f"{url}?root={pk}", _orgs(run), run.actor.reads, 200)


@case("directory:holders")
def _holders(run: Run) -> None:
    url = reverse("directory:holders")
    run.plain("GET", url + "?title=Officer", 200)
    run.per_record("GET", lambda pk, r: f"{url}?organisation={pk}", _orgs(run), run.actor.reads, 200)


@case("directory:organisation-autocomplete")
def _autocomplete(run: Run) -> None:
    run.plain("GET", reverse("directory:organisation-autocomplete") + "?q=department&target=x", 200)


@case("directory:organisation-export", "directory:person-export")
def _exports(run: Run) -> None:
    for name in ("directory:organisation-export", "directory:person-export"):
        for fmt in ("csv", "xlsx"):
            run.plain("GET", f"{reverse(name)}?format={fmt}", 200)


@case("directory:organisation-import", "directory:person-import")
def _imports(run: Run) -> None:
    # The upload itself is a write whose file format belongs to transfer.py; the page is tested.
    for name in ("directory:organisation-import", "directory:person-import"):
        run.plain("GET", reverse(name), 200)


@case("directory:organisation-create")
def _organisation_create(run: Run) -> None:
    url = reverse("directory:organisation-create")
    run.plain("GET", url, 200)
    # The picker must not label a hidden parent: same page as for a missing one.
    run.per_record("GET", lambda pk, r: f"{url}?parent={pk}", _orgs(run), run.actor.reads, 200, refused=200)
    run.per_record(
        "POST",
        lambda pk, r: url,
        _orgs(run),
        run.actor.creates_under,
        302,
        data=lambda r: {
            "name_en": "New unit",
            "pillar": "state",
            "kind": "department",
            "classification": PUBLIC,
            "parent": r.pk if r else MISSING_PK,
            "confirm_duplicate": "1",
        },
        refused=200,
        refused_readable=200,
    )


@case("directory:person-create")
def _person_create(run: Run) -> None:
    url = reverse("directory:person-create")
    run.plain("GET", url, 200)
    run.per_record(
        "POST",
        lambda pk, r: url,
        _orgs(run),
        run.actor.creates_under,
        302,
        data=lambda r: {
            "name_vi": "Trần Văn Mới",
            "owner": r.pk if r else MISSING_PK,
            "classification": PUBLIC,
            "confirm_duplicate": "1",
        },
        refused=200,
        refused_readable=200,
    )


# --- organisation pages --------------------------------------------------------------------------


def _org_url(name: str, *extra: Any) -> Callable[[int, Record | None], str]:
    return lambda pk, r: reverse(f"directory:{name}", args=[pk, *[e(r) for e in extra]])


@case("directory:organisation-detail")
def _organisation_detail(run: Run) -> None:
    run.per_record("GET", _org_url("organisation-detail"), _orgs(run), run.actor.reads, 200)


@case("directory:organisation-edit")
def _organisation_edit(run: Run) -> None:
    run.per_record("GET", _org_url("organisation-edit"), _orgs(run), run.actor.changes, 200)

    def body(r: Record | None) -> dict[str, Any]:
        if r is None:
            return {"pillar": "state", "kind": "department", "classification": PUBLIC, "version": 1}
        org = Organisation.objects.get(pk=r.pk)
        return {
            "parent": org.parent_id or "",
            "pillar": org.pillar,
            "kind": org.kind,
            "classification": org.classification,
            "version": org.version,
            "notes": "Edited by the matrix",
        }

    run.per_record("POST", _org_url("organisation-edit"), _orgs(run), run.actor.changes, 302, data=body)


def _deletable_orgs(run: Run) -> list[Record]:
    """Organisations to delete: those keeping people are left to a test of their own (a bug:
    `test_deleting_an_organisation_that_keeps_people_is_refused_with_an_explanation`)."""
    return [r for r in _orgs(run) if not (r.owns_people and run.actor.deletes(r))]


@case("directory:organisation-delete")
def _organisation_delete(run: Run) -> None:
    run.per_record("GET", _org_url("organisation-delete"), _orgs(run), run.actor.deletes, 200)
    # Allowed: empty leaves go (302); roots with units below are refused with an explanation (400).
    run.per_record(
        "POST",
        _org_url("organisation-delete"),
        _deletable_orgs(run),
        run.actor.deletes,
        lambda r: 302 if r.leaf else 400,
    )


@case("directory:organisation-name-add")
def _organisation_name_add(run: Run) -> None:
    run.per_record("GET", _org_url("organisation-name-add"), _orgs(run), run.actor.changes, 200)
    run.per_record(
        "POST",
        _org_url("organisation-name-add"),
        _orgs(run),
        run.actor.changes,
        302,
        data=lambda r: {"value": "Matrix alias", "language": "en", "kind": "alias"},
    )


@case("directory:organisation-name-remove")
def _organisation_name_remove(run: Run) -> None:
    url = _org_url("organisation-name-remove", _second_name)
    run.per_record("GET", url, _orgs(run), lambda r: True, 405, refused=405)
    run.per_record("POST", url, _orgs(run), run.actor.changes, 302)


@case("directory:mandate-add")
def _mandate_add(run: Run) -> None:
    run.per_record("GET", _org_url("mandate-add"), _orgs(run), run.actor.changes, 200)
    run.per_record(
        "POST",
        _org_url("mandate-add"),
        _orgs(run),
        run.actor.changes,
        302,
        data=lambda r: {"field": "honours", "role": "coordinate"},
    )


@case("directory:mandate-remove")
def _mandate_remove(run: Run) -> None:
    url = _org_url("mandate-remove", lambda r: r.mandate_id if r else MISSING_PK)
    run.per_record("GET", url, _orgs(run), lambda r: True, 405, refused=405)
    run.per_record("POST", url, _orgs(run), run.actor.changes, 302)


# --- person pages --------------------------------------------------------------------------------


def _person_url(name: str, *extra: Any) -> Callable[[int, Record | None], str]:
    return lambda pk, r: reverse(f"directory:{name}", args=[pk, *[e(r) for e in extra]])


@case("directory:person-detail")
def _person_detail(run: Run) -> None:
    run.per_record("GET", _person_url("person-detail"), _people(run), run.actor.reads, 200)


@case("directory:person-edit")
def _person_edit(run: Run) -> None:
    run.per_record("GET", _person_url("person-edit"), _people(run), run.actor.changes, 200)

    def body(r: Record | None) -> dict[str, Any]:
        if r is None:
            return {"owner": MISSING_PK, "classification": PUBLIC, "version": 1}
        person = Person.objects.get(pk=r.pk)
        return {
            "owner": person.owner_id,
            "classification": person.classification,
            "version": person.version,
            "notes": "Edited by the matrix",
        }

    run.per_record("POST", _person_url("person-edit"), _people(run), run.actor.changes, 302, data=body)


@case("directory:person-delete")
def _person_delete(run: Run) -> None:
    run.per_record("GET", _person_url("person-delete"), _people(run), run.actor.deletes, 200)
    run.per_record("POST", _person_url("person-delete"), _people(run), run.actor.deletes, 302)


@case("directory:person-name-add")
def _person_name_add(run: Run) -> None:
    run.per_record("GET", _person_url("person-name-add"), _people(run), run.actor.changes, 200)
    run.per_record(
        "POST",
        _person_url("person-name-add"),
        _people(run),
        run.actor.changes,
        302,
        data=lambda r: {"value": "Anh Nguyen", "language": "en", "kind": "alias"},
    )


@case("directory:person-name-remove")
def _person_name_remove(run: Run) -> None:
    url = _person_url("person-name-remove", _second_name)
    run.per_record("GET", url, _people(run), lambda r: True, 405, refused=405)
    run.per_record("POST", url, _people(run), run.actor.changes, 302)


@case("directory:position-add")
def _position_add(run: Run) -> None:
    run.per_record("GET", _person_url("position-add"), _people(run), run.actor.changes, 200)
    home_public = run.world.org("home-public").pk
    run.per_record(
        "POST",
        _person_url("position-add"),
        _people(run),
        run.actor.changes,
        302,
        data=lambda r: {"organisation": home_public, "title_en": "Adviser"},
    )


@case("directory:position-remove")
def _position_remove(run: Run) -> None:
    url = _person_url("position-remove", lambda r: r.position_id if r else MISSING_PK)
    run.per_record("GET", url, _people(run), lambda r: True, 405, refused=405)
    run.per_record("POST", url, _people(run), run.actor.changes, 302)


@case("directory:position-end")
def _position_end(run: Run) -> None:
    url = _person_url("position-end", lambda r: r.position_id if r else MISSING_PK)
    run.per_record("GET", url, _people(run), lambda r: True, 405, refused=405)
    run.per_record("POST", url, _people(run), run.actor.changes, 302, data=lambda r: {"end": "2030-01-01"})


# --- API -----------------------------------------------------------------------------------------

API = "/api/directory"


def _api(template: str) -> Callable[[int, Record | None], str]:
    def url(pk: int, r: Record | None) -> str:
        return API + template.format(
            pk=pk,
            name=_second_name(r),
            position=(r.position_id if r else MISSING_PK),
            mandate=(r.mandate_id if r and r.mandate_id else MISSING_PK),
        )

    return url


@case("api:openapi-json", "api:openapi-view")
def _openapi(run: Run) -> None:
    # The schema and its viewer describe the API, not its data; they are open to everyone.
    run.expect(run.send("GET", reverse("api:openapi-json")), 200, "GET openapi.json")
    run.expect(run.send("GET", reverse("api:openapi-view")), 200, "GET docs")


@case("api:api-root")
def _api_root(run: Run) -> None:
    run.expect(run.send("GET", reverse("api:api-root")), 404, "GET /api/")


@case("GET /api/directory/organisations", "GET /api/directory/people")
def _api_lists(run: Run) -> None:
    for path in ("/organisations", "/people"):
        run.plain("GET", API + path, 200, api=True)
        run.plain("GET", API + path + "?q=Nguyen&limit=5", 200, api=True)
    run.per_record(
        "GET",
        lambda pk, r: f"{API}/people?organisation={pk}",
        _orgs(run),
        run.actor.reads,
        200,
        api=True,
        refused=200,
    )
    run.per_record(
        "GET",
        lambda pk, r: f"{API}/organisations?parent={pk}",
        _orgs(run),
        run.actor.reads,
        200,
        api=True,
        refused=200,
    )


@case("GET /api/directory/organisations/{organisation_id}")
def _api_org_get(run: Run) -> None:
    run.per_record("GET", _api("/organisations/{pk}"), _orgs(run), run.actor.reads, 200, api=True)


@case("GET /api/directory/organisations/{organisation_id}/history")
def _api_org_history(run: Run) -> None:
    run.per_record("GET", _api("/organisations/{pk}/history"), _orgs(run), run.actor.reads, 200, api=True)


@case("POST /api/directory/organisations")
def _api_org_create(run: Run) -> None:
    run.per_record(
        "POST",
        lambda pk, r: API + "/organisations",
        _orgs(run),
        run.actor.creates_under,
        201,
        api=True,
        data=lambda r: {
            "parent_id": r.pk if r else MISSING_PK,
            "pillar": "state",
            "kind": "department",
            "names": [{"value": "API unit", "language": "en"}],
        },
        refused=400,
        refused_readable=404,
    )


@case("PATCH /api/directory/organisations/{organisation_id}")
def _api_org_patch(run: Run) -> None:
    run.per_record(
        "PATCH",
        _api("/organisations/{pk}"),
        _orgs(run),
        run.actor.changes,
        200,
        api=True,
        data=lambda r: {"notes": "Patched by the matrix"},
    )


@case("DELETE /api/directory/organisations/{organisation_id}")
def _api_org_delete(run: Run) -> None:
    run.per_record(
        "DELETE",
        _api("/organisations/{pk}"),
        _deletable_orgs(run),
        run.actor.deletes,
        lambda r: 204 if r.leaf else 400,
        api=True,
    )


@case("POST /api/directory/organisations/{organisation_id}/names")
def _api_org_name_add(run: Run) -> None:
    run.per_record(
        "POST",
        _api("/organisations/{pk}/names"),
        _orgs(run),
        run.actor.changes,
        201,
        api=True,
        data=lambda r: {"value": "API alias", "language": "en", "kind": "alias"},
    )


@case("DELETE /api/directory/organisations/{organisation_id}/names/{name_id}")
def _api_org_name_remove(run: Run) -> None:
    run.per_record(
        "DELETE", _api("/organisations/{pk}/names/{name}"), _orgs(run), run.actor.changes, 204, api=True
    )


@case("POST /api/directory/organisations/{organisation_id}/mandates")
def _api_mandate_add(run: Run) -> None:
    run.per_record(
        "POST",
        _api("/organisations/{pk}/mandates"),
        _orgs(run),
        run.actor.changes,
        201,
        api=True,
        data=lambda r: {"field": "honours", "role": "coordinate"},
    )


@case("DELETE /api/directory/organisations/{organisation_id}/mandates/{mandate_id}")
def _api_mandate_remove(run: Run) -> None:
    run.per_record(
        "DELETE", _api("/organisations/{pk}/mandates/{mandate}"), _orgs(run), run.actor.changes, 204, api=True
    )


@case("GET /api/directory/people/{person_id}")
def _api_person_get(run: Run) -> None:
    run.per_record("GET", _api("/people/{pk}"), _people(run), run.actor.reads, 200, api=True)


@case("GET /api/directory/people/{person_id}/history")
def _api_person_history(run: Run) -> None:
    run.per_record("GET", _api("/people/{pk}/history"), _people(run), run.actor.reads, 200, api=True)


@case("POST /api/directory/people")
def _api_person_create(run: Run) -> None:
    run.per_record(
        "POST",
        lambda pk, r: API + "/people",
        _orgs(run),
        run.actor.creates_under,
        201,
        api=True,
        data=lambda r: {
            "owner_id": r.pk if r else MISSING_PK,
            "names": [{"value": "Lê Thị Mới", "language": "vi"}],
        },
        refused=400,
        refused_readable=404,
    )


@case("PATCH /api/directory/people/{person_id}")
def _api_person_patch(run: Run) -> None:
    run.per_record(
        "PATCH",
        _api("/people/{pk}"),
        _people(run),
        run.actor.changes,
        200,
        api=True,
        data=lambda r: {"notes": "Patched by the matrix"},
    )


@case("DELETE /api/directory/people/{person_id}")
def _api_person_delete(run: Run) -> None:
    run.per_record("DELETE", _api("/people/{pk}"), _people(run), run.actor.deletes, 204, api=True)


@case("POST /api/directory/people/{person_id}/names")
def _api_person_name_add(run: Run) -> None:
    run.per_record(
        "POST",
        _api("/people/{pk}/names"),
        _people(run),
        run.actor.changes,
        201,
        api=True,
        data=lambda r: {"value": "API alias", "language": "en", "kind": "alias"},
    )


@case("DELETE /api/directory/people/{person_id}/names/{name_id}")
def _api_person_name_remove(run: Run) -> None:
    run.per_record(
        "DELETE", _api("/people/{pk}/names/{name}"), _people(run), run.actor.changes, 204, api=True
    )


@case("POST /api/directory/people/{person_id}/positions")
def _api_position_add(run: Run) -> None:
    home_public = run.world.org("home-public").pk
    run.per_record(
        "POST",
        _api("/people/{pk}/positions"),
        _people(run),
        run.actor.changes,
        201,
        api=True,
        data=lambda r: {"organisation_id": home_public, "title_en": "Adviser"},
    )


@case("DELETE /api/directory/people/{person_id}/positions/{position_id}")
def _api_position_remove(run: Run) -> None:
    run.per_record(
        "DELETE", _api("/people/{pk}/positions/{position}"), _people(run), run.actor.changes, 204, api=True
    )


@case("GET /api/directory/holders")
def _api_holders(run: Run) -> None:
    run.plain("GET", API + "/holders?on=2030-01-01", 200, api=True)
    run.per_record(
        "GET",
        lambda pk, r: f"{API}/holders?on=2030-01-01&organisation={pk}",
        _orgs(run),
        run.actor.reads,
        200,
        api=True,
        refused=400,
    )


@case("GET /api/directory/match/{kind}")
def _api_match(run: Run) -> None:
    for kind in ("person", "organisation"):
        run.plain("GET", f"{API}/match/{kind}?q=Nguyen", 200, api=True)
    run.plain("GET", f"{API}/match/place?q=Hanoi", 400, api=True)


@case("GET /api/directory/countries", "GET /api/directory/localities")
def _api_reference(run: Run) -> None:
    run.plain("GET", API + "/countries", 200, api=True)
    run.plain("GET", API + "/localities?country=VN", 200, api=True)


# --- the tests -----------------------------------------------------------------------------------


def _url_names(patterns: list[Any], namespace: str = "") -> Iterator[str]:
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or ""
            if ns in OUT_OF_SCOPE:
                continue
            yield from _url_names(p.url_patterns, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{namespace}{p.name}"


def enumerate_urls() -> set[str]:
    """Every named URL (minus the admin) and every API operation, found programmatically."""
    from config import urls
    from config.api import api

    schema = api.get_openapi_schema()
    operations = {
        f"{method.upper()} {path}": op["operationId"]
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
    }
    # The API's own URL patterns are its operations; keep only the other named API URLs.
    names = {
        n
        for n in _url_names(urls.urlpatterns)
        if not (n.startswith("api:") and any(opid.endswith("_" + n[4:]) for opid in operations.values()))
    }
    return names | set(operations)


# Modules with a matrix of their own (each checks that its URLs are all in it): the prefixes of
# their URL names and of their API operations' paths.
OTHER_MODULES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "activities": (("activities:",), ("/api/activities",)),
    "coordination": (("coordination:",), ("/api/coordination",)),
    "implementation": (("implementation:",), ("/api/implementation",)),
    "intake": (("intake:",), ("/api/intake",)),
    "membership": (("membership:",), ("/api/membership",)),
}


def module_of(key: str) -> str | None:
    """The module with a matrix of its own that a URL name or API operation belongs to, if any."""
    path = key.split(" ")[-1]
    for module, (names, paths) in OTHER_MODULES.items():
        # An API path is the prefix itself or below it ("/api/activitiesx" is not below it).
        if key.startswith(names) or any(path == p or path.startswith(p + "/") for p in paths):
            return module
    return None


def belongs_to_other_module(key: str, module: str = "activities") -> bool:
    """Is the key that module's? (The activities' matrix, the first with its own, names none.)"""
    return module_of(key) == module


def test_every_url_and_api_operation_is_in_the_matrix() -> None:
    # given every URL name and API operation the project routes, outside modules with their own matrix
    routed = {key for key in enumerate_urls() if module_of(key) is None}
    # then each has a case in the matrix, and the matrix tests nothing that is no longer routed
    untested = sorted(routed - set(CASES))
    stale = sorted(set(CASES) - routed)
    assert not untested, f"URLs / API operations missing from the authorization matrix: {untested}"
    assert not stale, f"matrix cases for URLs that no longer exist: {stale}"


def test_the_directory_router_is_mounted_and_enumerated() -> None:
    # given the Directory's ninja router / then its every path operation appears under /api/directory
    from liaison.directory.api import router

    routed = enumerate_urls()
    for path, view in router.path_operations.items():
        for operation in view.operations:
            for method in operation.methods:
                key = f"{method} /api/directory{path}"
                assert key in routed, key


# One test per case function (a function covering several keys runs once, under its first key).
CASE_KEYS = sorted({fn: key for key, fn in reversed(list(CASES.items()))}.values())


def _client_for(world: World, actor: Actor) -> Client:
    client = Client()
    if not actor.anonymous:
        client.force_login(world.users[actor.label])
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("key", CASE_KEYS, ids=str)
@pytest.mark.parametrize("actor", ACTORS, ids=lambda a: a.label)
def test_each_url_answers_each_actor_as_the_policy_says(world: World, actor: Actor, key: str) -> None:
    # given an actor signed in (or not) and one URL pattern or API operation
    run = Run(client=_client_for(world, actor), actor=actor, world=world)
    # when every record is requested through it
    CASES[key](run)
    # then each answer is the one the policy gives, and hidden records answer like missing ones
    assert not run.failures, f"{len(run.failures)} wrong answers:\n" + "\n".join(run.failures)
    assert not run.pending, run.pending


@pytest.mark.django_db
@pytest.mark.parametrize("api", [False, True], ids=["page", "api"])
def test_deleting_an_organisation_that_keeps_people_is_refused_with_an_explanation(
    world: World, api: bool
) -> None:
    # given a coordinator of the home root and a department that keeps a person's record
    actor = next(a for a in MEMBER_ACTORS if a.label == "coordinator-cleared-restricted")
    department = world.org("home-internal")
    assert department.owns_people and department.leaf
    client = _client_for(world, actor)
    # when they delete the department
    if api:
        response = client.delete(f"{API}/organisations/{department.pk}")
    else:
        response = client.post(reverse("directory:organisation-delete", args=[department.pk]))
    # then it is refused with an explanation, like a department with units below it
    assert response.status_code == 400
    assert Organisation.objects.filter(pk=department.pk).exists()

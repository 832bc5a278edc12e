"""What the membership API's modules share: the router they are built on, the error responses,
output helpers (organisations named only for readers who may see them) and input helpers (ids to
the records they name, checked against the access policy).

The helpers keep their leading underscore: they belong to the `api*.py` modules of this package.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router

from liaison.core.access import visible
from liaison.core.api_support import ErrorOut, etag
from liaison.core.models import AuditedModel
from liaison.directory.models import Organisation
from liaison.membership.models import Branch, Member, Transfer
from liaison.membership.permissions import get_branch_for_user

ERRORS: dict[int, Any] = {400: ErrorOut, 404: ErrorOut, 412: ErrorOut}
READ_ERRORS: dict[int, Any] = {404: ErrorOut}
Names = dict[int, str]


class MembershipRouter(Router):
    """A router whose operation ids are `liaison_membership_api_<function>` whichever `api*.py`
    module holds the function. A change the caller may not make answers 404, like every module's
    (the shared handler of `PermissionDenied`)."""

    def add_api_operation(
        self, path: str, methods: list[str], view_func: Callable[..., Any], **options: Any
    ) -> None:
        options["operation_id"] = (
            options.get("operation_id") or f"liaison_membership_api_{view_func.__name__}"
        )
        super().add_api_operation(path, methods, view_func, **options)


# --- output helpers ---------------------------------------------------------------------------


def _names(user: Any, ids: Iterable[int | None]) -> Names:
    """Names of the organisations the reader may see (one query; none for no ids)."""
    wanted = {pk for pk in ids if pk is not None}
    if not wanted:
        return {}
    return dict(visible(user, Organisation.objects.filter(pk__in=wanted)).values_list("pk", "sort_name"))


def _ref(names: Names, pk: int | None) -> dict[str, Any] | None:
    """A named reference, or None when there is none or the reader may not see it."""
    if pk is None or pk not in names:
        return None
    return {"id": pk, "name": names[pk]}


def _with_etag(response: HttpResponse, record: AuditedModel) -> None:
    response["ETag"] = etag(record)


def _page(
    *, count: int, exact: bool, limit: int, offset: int, items: list[Any], **extra: Any
) -> HttpResponse:
    """A list page of JSON-ready dicts, returned as is (the tests check them against the schema)."""
    body = {**extra, "count": count, "count_exact": exact, "limit": limit, "offset": offset, "items": items}
    return HttpResponse(json.dumps(body, cls=DjangoJSONEncoder), content_type="application/json")


def _member_row(row: dict[str, Any], names: Names) -> dict[str, Any]:
    """A row of `selectors.member_rows` as the list's item."""
    start = row["posting__start"]
    return {
        "id": row["pk"],
        "name": row["name"],
        "register_number": row["register_number"],
        "status": row["status"] or None,
        "status_since": row["status_since"],
        "joined_on": row["joined_on"],
        "branch": _ref(names, row["branch_id"]),
        "attached_to": _ref(names, row["attached_to_id"]),
        "posting": None
        if start is None
        else {"country": row["posting__country__code"], "start": start, "end": row["posting__end"]},
        "dossier": row["dossier__status"],
    }


def _member_rows(user: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    names = _names(user, [pk for r in rows for pk in (r["branch_id"], r["attached_to_id"])])
    return [_member_row(r, names) for r in rows]


def _transfer_out(transfer: Transfer, names: Names) -> dict[str, Any]:
    """A transfer whose member and documents are loaded (`select_related`, `prefetch_related`)."""
    return {
        "id": transfer.pk,
        "member": {"id": transfer.member_id, "name": transfer.member.name},
        "kind": transfer.kind,
        "state": transfer.state,
        "from_branch": _ref(names, transfer.from_branch_id),
        "to_branch": _ref(names, transfer.to_branch_id),
        "letter_number": transfer.letter_number,
        "letter_date": transfer.letter_date,
        "released_on": transfer.released_on,
        "received_on": transfer.received_on,
        "note": transfer.note,
        "documents": [_document_out(d) for d in transfer.documents.all()],
        "version": transfer.version,
    }


def _document_out(document: Any) -> dict[str, Any]:
    return {
        "id": document.pk,
        "name": document.original_name,
        "content_type": document.content_type,
        "size": document.size,
        "sha256": document.sha256,
    }


# --- input helpers ----------------------------------------------------------------------------


def _resolved(values: dict[str, Any], resolve: Callable[[str, Any], Any]) -> dict[str, Any]:
    """Each value through `resolve`, every field's errors reported together."""
    out: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for key, value in values.items():
        try:
            out[key] = resolve(key, value)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return out


def _branch_ref(user: Any, pk: int, field: str) -> Branch:
    """A branch whose organisation the user may read; hidden ones are refused like missing ones."""
    try:
        return get_branch_for_user(user, pk)
    except Http404:
        raise ValidationError({field: [_("No branch %(id)s.") % {"id": pk}]}) from None


def _member_ref(user: Any, pk: int, field: str) -> Member:
    """A member the user may read; hidden ones are refused like missing ones."""
    found: Member | None = visible(user, Member.objects.filter(pk=pk)).first()
    if found is None:
        raise ValidationError({field: [_("No member %(id)s.") % {"id": pk}]})
    return found

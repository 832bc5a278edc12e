"""What every API router shares: authentication, error bodies, ETags and pagination."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import HttpError
from ninja.errors import ValidationError as SchemaError
from ninja.security import HttpBearer, SessionAuth

from liaison.core.models import AuditedModel, StaleRecordError

MAX_LIMIT = 200


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from liaison.accounts.tokens import user_for_token

        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


AUTH = [TokenAuth(), SessionAuth()]


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = {}


class Page(Schema):
    count: int
    count_exact: bool = True
    limit: int
    offset: int


def list_response(*, count: int, exact: bool, limit: int, offset: int, items: list[Any]) -> HttpResponse:
    """A list page whose items are already plain JSON-ready dicts in the route's response schema.

    Returned as is, without validating each item again: list endpoints build their rows from
    `values()` (see e.g. `liaison.directory.rows`), and the tests check them against the schema.
    """
    body = {"count": count, "count_exact": exact, "limit": limit, "offset": offset, "items": items}
    return HttpResponse(json.dumps(body, cls=DjangoJSONEncoder), content_type="application/json")


def refuse_nulls(sent: dict[str, Any], nullable: Any) -> None:
    """A PATCH may not send null for a field that cannot be empty (400 naming each)."""
    from django.utils.translation import gettext as _

    allowed = set(nullable)
    empty = sorted(k for k, v in sent.items() if v is None and k not in allowed)
    if empty:
        raise ValidationError({k: [_("This field cannot be empty.")] for k in empty})


def etag(record: AuditedModel) -> str:
    return f'"{record.version}"'


def check_if_match(request: HttpRequest, record: AuditedModel) -> None:
    """Refuse a write whose If-Match names another version (412), as RFC 9110 asks."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return
    wanted = [v.strip().removeprefix("W/") for v in header.split(",")]
    if etag(record) not in wanted:
        raise StaleRecordError(record, -1, record.version)


MAX_OFFSET = 1_000_000_000


def clamp(limit: int, offset: int) -> tuple[int, int]:
    if limit < 1 or limit > MAX_LIMIT:
        raise HttpError(400, f"limit must be between 1 and {MAX_LIMIT}")
    if offset < 0:
        raise HttpError(400, "offset must not be negative")
    if offset > MAX_OFFSET:
        # A larger offset overflows the database's integers (a 500 on SQLite).
        raise HttpError(400, f"offset must not be above {MAX_OFFSET}")
    return limit, offset


def _field_of(loc: Any) -> str:
    """The input field a schema error is about: ("body", "payload", "pillars", 0) → "pillars"."""
    parts = [str(p) for p in list(loc)[1:] if not isinstance(p, int)]
    if parts and parts[0] == "payload":
        parts = parts[1:]
    return parts[0] if parts else "__all__"


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(SchemaError)
    def _schema(request: HttpRequest, exc: SchemaError) -> HttpResponse:
        """Input the schemas refuse (wrong type, unknown choice) is a 400 naming the field, like a
        service's `ValidationError`, rather than django-ninja's 422."""
        errors: dict[str, list[str]] = {}
        for problem in exc.errors:
            errors.setdefault(_field_of(problem.get("loc", ())), []).append(str(problem.get("msg", "")))
        return api.create_response(request, {"detail": "Invalid input.", "errors": errors}, status=400)

    @api.exception_handler(ValidationError)
    def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return api.create_response(request, {"detail": "Invalid input.", "errors": errors}, status=400)

    @api.exception_handler(PermissionDenied)
    def _denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return api.create_response(request, {"detail": "Not Found"}, status=404)

    @api.exception_handler(StaleRecordError)
    def _stale(request: HttpRequest, exc: StaleRecordError) -> HttpResponse:
        return api.create_response(
            request,
            {
                "detail": "The record changed since the version you sent; fetch it again and retry.",
                "current_version": exc.current,
            },
            status=412,
        )

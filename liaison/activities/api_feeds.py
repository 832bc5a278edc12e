"""Exports of the activity list through the API (the same filters, policy and log as the pages)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status
from ninja.params.functions import Query

from liaison.activities import exports
from liaison.core.api_support import AUTH, ErrorOut

router = Router(auth=AUTH, tags=["activities"])

_FILE_TYPES = {
    "text/csv": {"schema": {"type": "string"}},
    exports.XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
}


@router.get(
    "/export",
    response={400: ErrorOut},
    summary="Export activities as CSV or XLSX",
    openapi_extra={"responses": {200: {"description": "The file", "content": _FILE_TYPES}}},
)
def export_activities(
    request: HttpRequest,
    format: str = "csv",
    q: str = "",
    pillar: str = "",
    kind: list[str] = Query([]),  # noqa: B008
    organisation: str = "",
    country: str = "",
    level: str = "",
    status: str = "",
    date_from: str = Query("", alias="from"),
    date_to: str = Query("", alias="to"),
    group: str = "",
    person: str = "",
    sort: str = "-start",
) -> Any:
    """The activities the list shows with the same filters, as a file (`format=csv` or `xlsx`).

    Filters, as on the list page: `q`, `pillar`, `kind` (repeatable), `organisation` (and its
    units), `country` (ISO code), `level=high`, `status`, `from` and `to` (YYYY-MM-DD, days of
    the site's time zone), `group`, `person`, `sort` (`start`, `-start`, `updated`, `-updated`).
    Unknown filter values are ignored. At most 100,000 rows: a longer export stops there, says
    so in its last row and sends the header `X-Liaison-Export-Capped`.
    """
    if format not in exports.FORMATS:
        return Status(
            400, {"detail": "Unknown format: use csv or xlsx.", "errors": {"format": ["csv, xlsx"]}}
        )
    return exports.export_response(request, fmt=format, via="api")

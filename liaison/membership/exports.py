"""Members, branches and transfers as CSV (streamed) or XLSX: what the member list or a check's
list shows, with the same filters.

The rows come from the same querysets as the pages (`selectors.members`, each check's queryset),
so they pass through the access policy: a member the reader may not read is never in a file.
Members' records are personal data, so every export writes an EXPORT event to the security log
(who, which list, which filters, how many rows), as the Directory's and the activities' exports
do. The files are written by the Directory's `tabular` helpers (a byte-order mark for Excel,
formulas neutralised, every XLSX cell text). A file holds at most MAX_ROWS rows; a longer export
stops there and says so in its last row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from liaison.core.models import SecurityEventKind
from liaison.core.security_log import log_security_event
from liaison.directory import tabular
from liaison.membership import selectors
from liaison.membership.checks import Check
from liaison.membership.models import Branch, Transfer

FORMATS = ("csv", "xlsx")
MAX_ROWS = 100_000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CAPPED_HEADER = "X-Liaison-Export-Capped"
_PK = 987654321  # stands for a record's id in its page's address

MEMBER_COLUMNS = (
    "id",
    "register_number",
    "name",
    "status",
    "status_since",
    "joined_on",
    "branch",
    "attached_to",
    "posting_country",
    "posting_start",
    "posting_end",
    "dossier",
    "url",
)
BRANCH_COLUMNS = (
    "id",
    "name",
    "level",
    "abroad",
    "country",
    "mission",
    "members",
    "minimum_size",
    "has_secretary",
    "url",
)
TRANSFER_COLUMNS = (
    "id",
    "member_id",
    "member",
    "kind",
    "from_branch",
    "to_branch",
    "letter_number",
    "letter_date",
    "released_on",
    "state",
    "url",
)


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def _bool(value: bool) -> str:
    return "true" if value else "false"


def member_cells(row: dict[str, Any], url: str) -> list[str]:
    """One row of `selectors.member_rows` as the file's cells (codes, not labels: files are read
    by programs as much as by people)."""
    return [
        str(row["pk"]),
        row["register_number"] or "",
        row["name"] or "",
        row["status"] or "",
        _date(row["status_since"]),
        _date(row["joined_on"]),
        row["branch_name"] or "",
        row["attached_to_name"] or "",
        row["posting__country__code"] or "",
        _date(row["posting__start"]),
        _date(row["posting__end"]),
        row["dossier__status"] or "",
        url.replace(str(_PK), str(row["pk"])),
    ]


def branch_cells(branch: Branch, url: str) -> list[str]:
    organisation = branch.organisation
    return [
        str(branch.pk),
        organisation.sort_name,
        branch.level,
        _bool(branch.abroad),
        organisation.country.code if organisation.country is not None else "",
        branch.mission.sort_name if branch.mission is not None else "",
        str(branch.member_count),
        str(branch.minimum_size),
        _bool(branch.secretary_id is not None),
        url.replace(str(_PK), str(branch.pk)),
    ]


def transfer_cells(transfer: Transfer, url: str) -> list[str]:
    return [
        str(transfer.pk),
        str(transfer.member_id),
        transfer.member.name,
        transfer.kind,
        transfer.from_branch.organisation.sort_name,
        transfer.to_branch.organisation.sort_name,
        transfer.letter_number,
        _date(transfer.letter_date),
        _date(transfer.released_on),
        transfer.state,
        url.replace(str(_PK), str(transfer.member_id)),
    ]


def check_queryset(check: Check, user: Any, day: dt.date) -> QuerySet[Any]:
    """A check's rows in list order, with what the page and the file show of them."""
    rows = check.rows(user, day)
    if check.subject == "member":
        return rows.order_by("sort_name", "id")
    if check.subject == "branch":
        return rows.select_related("organisation", "organisation__country", "mission").order_by(
            "organisation__path"
        )
    return rows.select_related("member", "from_branch__organisation", "to_branch__organisation").order_by(
        "released_on", "id"
    )


def _rows(subject: str, queryset: QuerySet[Any], url: str) -> Iterator[list[str]]:
    """The rows (at most MAX_ROWS), read in chunks (fixed queries per chunk)."""
    if subject == "member":
        for row in selectors.member_rows(queryset)[:MAX_ROWS].iterator(chunk_size=2000):
            yield member_cells(row, url)
    elif subject == "branch":
        for branch in queryset[:MAX_ROWS].iterator(chunk_size=2000):
            yield branch_cells(branch, url)
    else:
        for transfer in queryset[:MAX_ROWS].iterator(chunk_size=2000):
            yield transfer_cells(transfer, url)


COLUMNS = {"member": MEMBER_COLUMNS, "branch": BRANCH_COLUMNS, "transfer": TRANSFER_COLUMNS}
DETAIL = {
    "member": "membership:member-detail",
    "branch": "membership:branch-detail",
    "transfer": "membership:member-detail",
}


def _with_note(rows: Iterable[list[str]], note: str, width: int) -> Iterator[list[str]]:
    yield from rows
    if note:
        yield [note] + [""] * (width - 1)


def _log_export(
    request: HttpRequest, *, list_name: str, fmt: str, rows: int, capped: bool, filters: dict[str, Any]
) -> None:
    log_security_event(
        kind=SecurityEventKind.EXPORT,
        request=request,
        user=request.user,
        detail={
            "kind": "membership",
            "list": list_name,
            "format": fmt,
            "rows": rows,
            "filters": {k: v for k, v in filters.items() if v not in ("", None)},
            **({"capped": True} if capped else {}),
        },
    )


def bad_format(fmt: str) -> HttpResponseBadRequest:
    return HttpResponseBadRequest(
        _("Unknown export format “%(format)s”: use csv or xlsx.") % {"format": fmt[:20]},
        content_type="text/plain; charset=utf-8",
    )


def export_response(
    request: HttpRequest,
    *,
    subject: str,
    queryset: QuerySet[Any],
    list_name: str,
    filters: dict[str, Any],
    fmt: str,
) -> HttpResponseBase:
    """The list as a CSV (streamed) or XLSX download, logged; `fmt` must be one of FORMATS."""
    assert fmt in FORMATS and subject in COLUMNS
    columns: Sequence[str] = COLUMNS[subject]
    url = request.build_absolute_uri(reverse(DETAIL[subject], args=[_PK]))
    found = queryset.order_by().values("pk")[: MAX_ROWS + 1].count()
    capped = found > MAX_ROWS
    count = min(found, MAX_ROWS)
    note = (
        _("This export stops at %(max)s rows; more match. Narrow the filters to export the rest.")
        % {"max": f"{MAX_ROWS:,}"}
        if capped
        else ""
    )
    if capped:
        messages.warning(request, note)
    rows = _with_note(_rows(subject, queryset, url), note, len(columns))
    filename = f"liaison-{list_name}-{timezone.localdate():%Y%m%d}.{fmt}"
    headers = {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "private, no-store",
    }
    if capped:
        headers[CAPPED_HEADER] = str(MAX_ROWS)
    _log_export(request, list_name=list_name, fmt=fmt, rows=count, capped=capped, filters=filters)
    if fmt == "xlsx":
        content, _written = tabular.xlsx_bytes(columns, rows, title=list_name)
        return HttpResponse(content, content_type=XLSX_TYPE, headers=headers)
    return StreamingHttpResponse(
        tabular.csv_chunks(columns, rows), content_type="text/csv; charset=utf-8", headers=headers
    )

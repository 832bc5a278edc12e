"""The checks in the membership API: each check's count, the list behind it, and digitisation
progress; over the members and branches the caller may read, the same querysets as the page."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone

from liaison.core.api_support import AUTH, ErrorOut, clamp
from liaison.core.htmx import capped_count
from liaison.membership import checks, selectors
from liaison.membership.api_branches import _branch_rows
from liaison.membership.api_common import (
    READ_ERRORS,
    MembershipRouter,
    _member_rows,
    _names,
    _page,
    _transfer_out,
)
from liaison.membership.schemas import CheckOut, CheckPageOut, DigitisationOut

router = MembershipRouter(auth=AUTH)


@router.get("/checks", response=list[CheckOut], summary="Checks")
def list_checks(request: HttpRequest) -> list[dict[str, Any]]:
    """Every check with how many members, branches or transfers it finds among those you may
    read (counted up to 10,000; `count_exact` says whether the count stopped there)."""
    day = timezone.localdate()
    out = []
    for check in checks.CHECKS:
        count, exact = capped_count(check.rows(request.user, day))
        out.append(
            {
                "slug": check.slug,
                "title": str(check.title),
                "help": str(check.help),
                "subject": check.subject,
                "count": count,
                "count_exact": exact,
            }
        )
    return out


# Before /checks/{slug}: its path would take this one.
@router.get("/checks/digitisation", response=DigitisationOut, summary="Digitisation progress")
def digitisation(request: HttpRequest) -> dict[str, Any]:
    """The branches with most dossiers left to digitise (present members), and the dossiers
    digitised month by month with the running share of the members you may read."""
    return {
        "not_digitised_by_branch": checks.not_digitised_by_branch(request.user),
        "progress": checks.digitisation_progress(request.user),
    }


def _items(user: Any, check: checks.Check, rows: Any, limit: int, offset: int) -> list[dict[str, Any]]:
    if check.subject == "member":
        return _member_rows(
            user, list(selectors.member_rows(rows.order_by("sort_name", "id"))[offset : offset + limit])
        )
    if check.subject == "branch":
        ordered = rows.select_related("organisation__country").order_by("organisation__path")
        return _branch_rows(user, list(ordered[offset : offset + limit]))
    ordered = rows.select_related("member").prefetch_related("documents").order_by("released_on", "id")
    page = list(ordered[offset : offset + limit])
    names = _names(user, [pk for t in page for pk in (t.from_branch_id, t.to_branch_id)])
    return [_transfer_out(t, names) for t in page]


@router.get("/checks/{slug}", response={200: CheckPageOut, 400: ErrorOut, **READ_ERRORS})
def get_check(request: HttpRequest, slug: str, limit: int = 50, offset: int = 0) -> HttpResponse:
    """The members, branches or transfers a check finds (`subject` says which; the items are
    those of the members', branches' or transfers' list), a page at a time."""
    check = checks.BY_SLUG.get(slug)
    if check is None:
        raise Http404
    limit, offset = clamp(limit, offset)
    rows = check.rows(request.user, timezone.localdate())
    count, exact = capped_count(rows)
    items = _items(request.user, check, rows, limit, offset)
    return _page(
        count=count,
        exact=exact,
        limit=limit,
        offset=offset,
        items=items,
        slug=check.slug,
        title=str(check.title),
        subject=check.subject,
    )

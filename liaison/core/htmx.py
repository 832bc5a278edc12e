"""One view, two answers: the full page, or a named partial of it for an HTMX request."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page, Paginator
from django.db import connections
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import cached_property

from liaison.core.prepared import PreparedList

PAGE_SIZE = 50
# Lists count their rows up to this many: an exact count of a national directory costs more than
# the page itself, and nobody pages through ten thousand rows (they refine the filters).
COUNT_CAP = 10_000


def capped_count(items: Any, cap: int = COUNT_CAP, *, first: Any = None) -> tuple[int, bool]:
    """The number of rows, counted up to `cap` (one bounded query); and whether it is exact.

    `first`: a subset of `items` that is cheaper to count (e.g. `access.visible(..., sharing=False)`
    rows). The statement counts it first and, only when it stays under the cap, counts `items`: a
    wide reader's list reaches the cap on the subset alone. Still one statement.

    `items` may also be a list, or a `core.prepared.PreparedList`, which counts itself."""
    if isinstance(items, list):
        return len(items), True
    if isinstance(items, PreparedList):
        return items.capped_count(cap)
    if first is None:
        count = _up_to(items, cap).count()
    else:
        count = _first_then_all(_up_to(first, cap), _up_to(items, cap), cap)
    return min(count, cap), count <= cap


def _up_to(items: Any, cap: int) -> Any:
    # Only the primary keys: no joins for columns, no annotations, no prefetching.
    return items.order_by().select_related(None).prefetch_related(None).values("pk")[: cap + 1]


def _first_then_all(first: Any, items: Any, cap: int) -> int:
    """`cap + 1` when `first` has more than `cap` rows, else the rows of `items` (up to `cap + 1`).

    Both databases evaluate a CASE's branches lazily and an uncorrelated subquery only when reached,
    so the second count runs only when needed."""
    try:
        first_sql, first_params = first.query.get_compiler(first.db).as_sql()
        items_sql, items_params = items.query.get_compiler(items.db).as_sql()
    except EmptyResultSet:  # a filter that matches nothing (e.g. no name matched)
        return int(items.count())
    sql = (  # the ORM's own statements, their values as parameters
        f"SELECT CASE WHEN (SELECT COUNT(*) FROM ({first_sql}) first_rows) > %s THEN %s "  # noqa: S608
        f"ELSE (SELECT COUNT(*) FROM ({items_sql}) all_rows) END"
    )
    with connections[items.db].cursor() as cursor:
        cursor.execute(sql, (*first_params, cap, cap + 1, *items_params))
        row = cursor.fetchone()
    return int(row[0])


class CappedPaginator(Paginator):  # type: ignore[type-arg]
    """A paginator whose count stops at COUNT_CAP; `exact` says whether it did.

    `count_from`: the rows to count when they are cheaper to count than `object_list` (a
    `values()` projection joins the tables its columns come from; counting needs none of them)."""

    exact = True

    def __init__(
        self, object_list: Any, per_page: int, *, count_from: Any = None, count_first: Any = None
    ) -> None:
        super().__init__(object_list, per_page)
        self.count_from = object_list if count_from is None else count_from
        self.count_first = count_first

    @cached_property
    def count(self) -> int:
        total, self.exact = capped_count(self.count_from, first=self.count_first)
        return total


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    partial: str | None = None,
    status: int = 200,
) -> HttpResponse:
    if partial and getattr(request, "htmx", False) and not request.htmx.boosted:  # type: ignore[attr-defined]
        template = f"{template}#{partial}"
    return render(request, template, context, status=status)


def paginate(
    request: HttpRequest,
    items: Any,
    *,
    per_page: int = PAGE_SIZE,
    count_from: Any = None,
    count_first: Any = None,
) -> Page[Any]:
    """`count_from`, `count_first`: see `CappedPaginator` and `capped_count`."""
    paginator = CappedPaginator(items, per_page, count_from=count_from, count_first=count_first)
    return paginator.get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    """The current query string minus `page`, for pagination links."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()

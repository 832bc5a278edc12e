"""One view, two answers: the full page, or a named partial of it for an HTMX request."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import cached_property

PAGE_SIZE = 50
# Lists count their rows up to this many: an exact count of a national directory costs more than
# the page itself, and nobody pages through ten thousand rows (they refine the filters).
COUNT_CAP = 10_000


def capped_count(items: Any, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """The number of rows, counted up to `cap` (one bounded query); and whether it is exact."""
    if isinstance(items, list):
        return len(items), True
    # Only the primary keys: no joins for columns, no annotations, no prefetching.
    count = items.order_by().select_related(None).prefetch_related(None).values("pk")[: cap + 1].count()
    return min(count, cap), count <= cap


class CappedPaginator(Paginator):  # type: ignore[type-arg]
    """A paginator whose count stops at COUNT_CAP; `exact` says whether it did.

    `count_from`: the rows to count when they are cheaper to count than `object_list` (a
    `values()` projection joins the tables its columns come from; counting needs none of them)."""

    exact = True

    def __init__(self, object_list: Any, per_page: int, *, count_from: Any = None) -> None:
        super().__init__(object_list, per_page)
        self.count_from = object_list if count_from is None else count_from

    @cached_property
    def count(self) -> int:
        total, self.exact = capped_count(self.count_from)
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
    request: HttpRequest, items: Any, *, per_page: int = PAGE_SIZE, count_from: Any = None
) -> Page[Any]:
    paginator = CappedPaginator(items, per_page, count_from=count_from)
    return paginator.get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    """The current query string minus `page`, for pagination links."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()

"""Directory pages anyone signed in may open: lists, detail pages, the tree, autocomplete."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.dateparse import parse_date
from django.utils.translation import get_language

from liaison.core import search
from liaison.core.access import can_change, can_delete, organisations_user_can_write, visible
from liaison.core.htmx import paginate, query_without_page, render_page
from liaison.core.models import Pillar
from liaison.directory import rows, selectors
from liaison.directory.models import Organisation, OrganisationKind
from liaison.directory.permissions import get_organisation_for_user, get_person_for_user


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@login_required
def home(request: HttpRequest) -> HttpResponse:
    context = {
        "organisation_count": visible(request.user, Organisation.objects.all()).count(),
        "person_count": selectors.person_rows_for_user(request.user, selectors.PersonFilters()).count(),
    }
    return render(request, "directory/home.html", context)


@login_required
def organisation_list(request: HttpRequest) -> HttpResponse:
    filters = selectors.OrganisationFilters(
        q=request.GET.get("q", "")[:200],
        text=request.GET.get("text", "")[:200],
        pillar=request.GET.get("pillar", ""),
        kind=request.GET.get("kind", ""),
        country=request.GET.get("country", "")[:2],
        parent=_int_or_none(request.GET.get("parent")),
        valid_on=parse_date(request.GET.get("on", "") or "") if _valid_date(request.GET.get("on")) else None,
        sort=request.GET.get("sort", "name"),
    )
    page = paginate(request, rows.organisation_list(request.user, filters))
    page.object_list = rows.organisation_rows(request.user, page.object_list, get_language(), display=True)
    context: dict[str, Any] = {
        "page": page,
        "snippets": _snippets("organisation", filters.text, page),
        "filters": filters,
        "pillars": Pillar.choices,
        "kinds": OrganisationKind.choices,
        "query": query_without_page(request),
        "language": get_language(),
    }
    return render_page(request, "directory/organisation_list.html", context, partial="results")


def _snippets(kind: str, text: str, page: Any) -> dict[int, Any]:
    """Highlighted extracts for the rows on this page (one query, only with a text search)."""
    if not text.strip():
        return {}
    return search.snippets(kind=kind, query=text, ids=[row["id"] for row in page.object_list])


def _valid_date(value: str | None) -> bool:
    if not value:
        return False
    try:
        return parse_date(value) is not None
    except ValueError:
        return False


@login_required
def organisation_detail(request: HttpRequest, organisation_id: int) -> HttpResponse:
    org = get_organisation_for_user(request.user, organisation_id, request=request)
    context = {
        "org": org,
        "names": org.names.order_by("language", "id"),
        "ancestors": selectors.organisation_ancestors(request.user, org),
        "children": selectors.organisation_children_for_user(request.user, org),
        "positions": selectors.positions_in_organisation_for_user(request.user, org),
        "mandates": org.mandates.all(),
        "locality_now": [
            loc
            for loc in (selectors.locality_on(org.locality, dt.date.today()) if org.locality else [])
            if loc != org.locality
        ],
        "history": selectors.history(org),
        "can_change": can_change(request.user, org),
        "can_delete": can_delete(request.user, org),
        "language": get_language(),
    }
    return render(request, "directory/organisation_detail.html", context)


@login_required
def organisation_tree(request: HttpRequest) -> HttpResponse:
    root_id = _int_or_none(request.GET.get("root"))
    root = get_organisation_for_user(request.user, root_id, request=request) if root_id else None
    nodes = selectors.organisation_tree_for_user(request.user, root=root, max_depth=4)
    return render(
        request,
        "directory/organisation_tree.html",
        {"nodes": nodes, "root": root, "language": get_language()},
    )


@login_required
def person_list(request: HttpRequest) -> HttpResponse:
    filters = selectors.PersonFilters(
        q=request.GET.get("q", "")[:200],
        text=request.GET.get("text", "")[:200],
        nationality=request.GET.get("nationality", "")[:2],
        organisation=_int_or_none(request.GET.get("organisation")),
        sort=request.GET.get("sort", "name"),
    )
    page = paginate(request, rows.person_list(request.user, filters))
    page.object_list = rows.person_rows(request.user, page.object_list, get_language(), display=True)
    context: dict[str, Any] = {
        "page": page,
        "snippets": _snippets("person", filters.text, page),
        "filters": filters,
        "query": query_without_page(request),
        "language": get_language(),
    }
    return render_page(request, "directory/person_list.html", context, partial="results")


@login_required
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    person = get_person_for_user(request.user, person_id, request=request)
    context = {
        "person": person,
        "names": person.names.order_by("language", "id"),
        "positions": selectors.person_positions(request.user, person),
        "history": selectors.history(person),
        "can_change": can_change(request.user, person),
        "can_delete": can_delete(request.user, person),
        "language": get_language(),
    }
    return render(request, "directory/person_detail.html", context)


@login_required
def holders(request: HttpRequest) -> HttpResponse:
    """Who held a title on a day, e.g. the Minister of Foreign Affairs on 19 Dec 2023."""
    day = parse_date(request.GET.get("on", "")) if _valid_date(request.GET.get("on")) else dt.date.today()
    assert day is not None
    title = request.GET.get("title", "")[:200]
    org_id = _int_or_none(request.GET.get("organisation"))
    org = get_organisation_for_user(request.user, org_id, request=request) if org_id else None
    positions = selectors.holders_on(request.user, day=day, organisation=org, title=title)[:100]
    return render(
        request,
        "directory/holders.html",
        {"positions": positions, "day": day, "title": title, "org": org, "language": get_language()},
    )


@login_required
def organisation_autocomplete(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:200]
    results: Any = []
    if q.strip():
        results = selectors.organisation_list_for_user(request.user, selectors.OrganisationFilters(q=q))
        if request.GET.get("write"):
            results = results.filter(organisations_user_can_write(request.user))
        results = results[:10]
    return render(
        request,
        "directory/autocomplete.html",
        {"results": results, "language": get_language(), "target": request.GET.get("target", "")[:50]},
    )

"""Membership pages that read: the member list with its filters, a member's page, the branch list
and a branch's page, the pending transfers.

Each view looks its record up through `permissions` (hidden = 404, as missing), reads through
`selectors` (lists as plain rows, a constant number of queries per page) and renders the page or,
for HTMX, the named partial of the same template. Pages that change records are in
`views_manage`, the dossier's in `views_dossier`, the checks and exports in `views_checks`, the
status rules in `views_rules`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from liaison.core import access
from liaison.core.audit import history_for
from liaison.core.htmx import paginate, query_without_page, render_page
from liaison.core.models import Classification
from liaison.directory.models import Gender, display_name
from liaison.directory.selectors import country_choices
from liaison.membership import checks, selectors, transfers
from liaison.membership.forms import member_filters
from liaison.membership.models import (
    DossierStatus,
    Member,
    MemberStatus,
    TransferState,
)
from liaison.membership.permissions import get_branch_for_user, get_member_for_user
from liaison.membership.services import GONE


def _language() -> str:
    return get_language() or "en"


def member_table(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """`selectors.member_rows` with the labels a page shows (no query: labels are choices, country
    names a cached list)."""
    countries = dict(country_choices(_language()))
    statuses, dossiers = dict(MemberStatus.choices), dict(DossierStatus.choices)
    return [
        {
            **row,
            "status_label": statuses.get(row["status"], row["status"]),
            "dossier_label": dossiers.get(row["dossier__status"] or "", ""),
            "posting_country": countries.get(row["posting__country__code"] or "", "")
            or (row["posting__country__code"] or ""),
        }
        for row in rows
    ]


def can_add_members(user: Any) -> bool:
    p = access.principal_for(user)
    return p.is_superuser or any(s.role >= access.Role.EDITOR for s in p.scopes)


# --- Members -----------------------------------------------------------------------------------


# The branch filter offers at most OPTIONS branches: for a reader with roles, their organisations'
# branches and those directly below (the filter includes every branch below the one chosen); for a
# superuser, the committees. A thousand options cost ~20 ms to render.
OPTIONS = 200
OPTIONS_READ = 5000  # the branches read to choose them from (a unit's children rarely reach it)


def _branch_options(user: Any) -> list[tuple[int, str]]:
    # Put in path order here: ordered and cut in SQL, PostgreSQL walks the path index of every
    # organisation to find these few hundred (10 ms).
    branches = checks.responsible_branches(user, near=True).order_by()
    rows = sorted(branches.values_list("organisation__path", "pk", "organisation__sort_name")[:OPTIONS_READ])
    return [(pk, name) for _, pk, name in rows[:OPTIONS]]


@login_required
@require_GET
def member_list(request: HttpRequest) -> HttpResponse:
    filters, given = member_filters(request.user, request.GET)
    listed = selectors.member_list(request.user, filters)
    rows = selectors.member_rows(listed.rows)
    page = paginate(request, rows, count_from=listed.count_from, count_first=listed.count_first)
    branch_options = _branch_options(request.user)
    context = {
        "page": page,
        "rows": member_table(page.object_list),
        "given": given,
        "filtered": any(given.values()),
        "branch_options": branch_options,
        "statuses": MemberStatus.choices,
        "dossier_statuses": DossierStatus.choices,
        "query": query_without_page(request),
        "export_query": query_without_page(request),
        "can_create": can_add_members(request.user),
        "language": _language(),
    }
    return render_page(request, "membership/member_list.html", context, partial="results")


def member_page_context(request: HttpRequest, member: Member) -> dict[str, Any]:
    user = request.user
    detail = selectors.member_detail(member)
    can_change = access.can_change(user, member)
    pending = next((t for t in detail["transfers"] if t.state == TransferState.RELEASED), None)
    attached_to = member.attached_to
    gone = member.status in GONE
    return {
        "member": member,
        **detail,
        "history": history_for(member)[:200],
        "pending": pending,
        "can_change": can_change,
        "can_act": can_change and not gone,
        "can_release": can_change and not gone and pending is None and member.branch_id is not None,
        "can_receive": pending is not None and transfers.may_receive(user, pending.to_branch, member),
        "can_end_attachment": attached_to is not None
        and (can_change or transfers.may_receive(user, attached_to, member)),
        "gone": gone,
        "gender": dict(Gender.choices).get(member.gender, ""),
        "today": timezone.localdate(),
        "language": _language(),
    }


@login_required
@require_GET
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_member_for_user(request.user, pk, request=request)
    return render(request, "membership/member_detail.html", member_page_context(request, member))


# --- Branches ----------------------------------------------------------------------------------

ABROAD = {"yes": True, "no": False}


@login_required
@require_GET
def branch_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:200]
    abroad = request.GET.get("abroad", "")
    abroad = abroad if abroad in ABROAD else ""
    page = paginate(request, selectors.branches(request.user, q=q, abroad=ABROAD.get(abroad)))
    context = {
        "page": page,
        "rows": list(page.object_list),
        "q": q,
        "abroad": abroad,
        "filtered": bool(q or abroad),
        "query": query_without_page(request),
        "today": timezone.localdate(),
        "language": _language(),
    }
    return render_page(request, "membership/branch_list.html", context, partial="results")


@login_required
@require_GET
def branch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    branch = get_branch_for_user(request.user, pk, request=request)
    members = selectors.branch_members(request.user, branch)
    page = paginate(request, selectors.member_rows(members), count_from=members)
    secretary = branch.secretary
    organisation = branch.organisation
    context = {
        "branch": branch,
        "organisation": organisation,
        "name": display_name(organisation.names.all(), _language()) or organisation.sort_name,
        "secretary": secretary
        if secretary is not None and access.can_read(request.user, secretary)
        else None,
        "has_secretary": secretary is not None,
        "page": page,
        "rows": member_table(page.object_list),
        "query": query_without_page(request),
        "can_edit": access.can_change(request.user, branch.organisation),
        "can_add": access.can_create(
            request.user, owner=branch.organisation, classification=Classification.RESTRICTED
        ),
        "today": timezone.localdate(),
        "language": _language(),
    }
    return render_page(request, "membership/branch_detail.html", context, partial="results")


# --- Transfers ---------------------------------------------------------------------------------

DIRECTIONS = ("incoming", "outgoing")


@login_required
@require_GET
def transfer_list(request: HttpRequest) -> HttpResponse:
    """Transfers awaiting receipt: coming to the user's branches, or going from them."""
    direction = request.GET.get("direction", "incoming")
    direction = direction if direction in DIRECTIONS else "incoming"
    mine = checks.responsible_branches(request.user)
    rows = selectors.transfers(request.user, pending=True)
    rows = rows.filter(to_branch__in=mine) if direction == "incoming" else rows.filter(from_branch__in=mine)
    page = paginate(request, rows)
    user = request.user
    context = {
        "page": page,
        "rows": [
            {
                "transfer": t,
                "can_receive": direction == "incoming" and transfers.may_receive(user, t.to_branch, t.member),
            }
            for t in page.object_list
        ],
        "direction": direction,
        "query": query_without_page(request),
        "today": timezone.localdate(),
        "language": _language(),
    }
    return render_page(request, "membership/transfer_list.html", context, partial="results")

"""The checks page (each check's count, dossiers not digitised by branch, digitisation progress),
the list behind each check, and the exports of those lists and of the member list."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from liaison.core.htmx import capped_count, paginate, query_without_page, render_page
from liaison.membership import checks, exports, selectors
from liaison.membership.forms import member_filters
from liaison.membership.views import member_table


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Each check with its count (capped, like every list) and a link to its list."""
    day = timezone.localdate()
    rows = []
    for check in checks.CHECKS:
        count, exact = capped_count(check.rows(request.user, day))
        rows.append({"check": check, "count": count, "exact": exact})
    progress = checks.digitisation_progress(request.user)
    context = {
        "rows": rows,
        "by_branch": checks.not_digitised_by_branch(request.user),
        "progress": progress,
        "day": day,
        "language": get_language(),
    }
    return render_page(request, "membership/home.html", context)


def _check(slug: str) -> checks.Check:
    check = checks.BY_SLUG.get(slug)
    if check is None:
        raise Http404
    return check


@login_required
@require_GET
def check_list(request: HttpRequest, slug: str) -> HttpResponse:
    check = _check(slug)
    day = timezone.localdate()
    queryset = exports.check_queryset(check, request.user, day)
    context = {"check": check, "day": day, "query": query_without_page(request), "language": get_language()}
    if check.subject == "member":
        page = paginate(request, selectors.member_rows(queryset), count_from=queryset)
        context |= {"page": page, "rows": member_table(page.object_list)}
    else:
        page = paginate(request, queryset)
        context |= {"page": page, "rows": list(page.object_list)}
    return render_page(request, "membership/check.html", context, partial="results")


def _format(request: HttpRequest) -> str:
    return request.GET.get("format", "csv")


@login_required
@require_GET
def check_export(request: HttpRequest, slug: str) -> HttpResponseBase:
    check = _check(slug)
    fmt = _format(request)
    if fmt not in exports.FORMATS:
        return exports.bad_format(fmt)
    day = timezone.localdate()
    return exports.export_response(
        request,
        subject=check.subject,
        queryset=exports.check_queryset(check, request.user, day),
        list_name=f"check-{check.slug}",
        filters={"day": day.isoformat()},
        fmt=fmt,
    )


@login_required
@require_GET
def member_export(request: HttpRequest) -> HttpResponseBase:
    fmt = _format(request)
    if fmt not in exports.FORMATS:
        return exports.bad_format(fmt)
    filters, given = member_filters(request.user, request.GET)
    return exports.export_response(
        request,
        subject="member",
        queryset=selectors.members(request.user, filters),
        list_name="members",
        filters=given,
        fmt=fmt,
    )

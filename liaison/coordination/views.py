"""The inbox, one notice, and answering it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liaison.activities.models import Activity
from liaison.coordination import inbox as inbox_rows
from liaison.coordination import notices as notice_rules
from liaison.coordination import payload
from liaison.coordination.models import Agreement, Notice, NoticeKind, NoticeStatus, ResponseKind
from liaison.core.access import can_read, readable_ids, visible
from liaison.core.htmx import capped_count, paginate, query_without_page, render_page
from liaison.directory.models import Organisation

UNREAD_CAP = 99


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    filters = inbox_rows.filters_from(request.GET)
    notices = inbox_rows.notices_for(request.user, filters)
    page = paginate(request, notices.values(*inbox_rows.COLUMNS), count_from=notices)
    page.object_list = inbox_rows.notice_rows(request.user, page.object_list, get_language())
    context: dict[str, Any] = {
        "page": page,
        "filters": filters,
        "states": [
            ("waiting", _("Awaiting an answer")),
            ("overdue", _("Overdue (not acknowledged in time)")),
            ("late", _("Sent late")),
            *NoticeStatus.choices,
        ],
        "kinds": NoticeKind.choices,
        "agreements": visible(request.user, Agreement.objects.order_by("-starts_on")).values_list(
            "pk", "title_en", "code"
        ),
        "query": query_without_page(request),
        "now": timezone.now(),
    }
    return render_page(request, "coordination/inbox.html", context, partial="results")


@login_required
def unread_badge(request: HttpRequest) -> HttpResponse:
    """The number of unread notices waiting for the user, for the navigation (loaded after the page)."""
    received = inbox_rows.notices_for(request.user, inbox_rows.InboxFilters())
    count, exact = capped_count(inbox_rows.unread(request.user, received), cap=UNREAD_CAP)
    return render(request, "coordination/_unread_badge.html", {"count": count, "exact": exact})


def _notice_for(request: HttpRequest, uid: Any) -> Notice:
    notice = (
        notice_rules.visible_notices(request.user)
        .select_related("recipient", "source", "agreement", "rule", "supersedes")
        .filter(uid=uid)
        .first()
    )
    if notice is None:
        raise Http404
    return notice


@login_required
def notice_detail(request: HttpRequest, uid: Any) -> HttpResponse:
    notice = _notice_for(request, uid)
    notice_rules.mark_read(request.user, notice)
    language = get_language()
    chain = (
        list(
            Notice.objects.filter(rule_id=notice.rule_id, activity_ref=notice.activity_ref)
            .order_by("sequence")
            .values("uid", "kind", "sequence", "sent_at", "status")
        )
        if notice.rule_id
        else []
    )
    # The organisations, and the agreement, only where the reader may see them: a notice shows
    # its payload, not the records around it.
    shown = Organisation.objects.filter(pk__in=[notice.source_id, notice.recipient_id])
    names = {org.pk: org for org in visible(request.user, shown).prefetch_related("names")}
    context = {
        "notice": notice,
        "lines": payload.describe(notice.payload, language),
        "language": language,
        "source": names.get(notice.source_id),
        "recipient": names.get(notice.recipient_id),
        "agreement_readable": notice.agreement is not None and can_read(request.user, notice.agreement),
        "chain": chain,
        "responses": notice.responses.select_related("by", "organisation"),
        "visible_orgs": set(names),
        "escalations": notice.escalations.all(),
        "allowed": notice_rules.allowed_responses(request.user, notice),
        "response_kinds": dict(ResponseKind.choices),
        "notice_kinds": dict(NoticeKind.choices),
        "statuses": dict(NoticeStatus.choices),
        # The notice shows the shared fields; the activity itself only to those who may read it.
        "can_open_activity": bool(readable_ids(request.user, Activity, [notice.activity_id])),
    }
    return render(request, "coordination/notice_detail.html", context)


@login_required
@require_POST
def notice_answer(request: HttpRequest, uid: Any) -> HttpResponse:
    notice = _notice_for(request, uid)
    kind = request.POST.get("kind", "")
    try:
        notice_rules.respond(by=request.user, notice=notice, kind=kind, note=request.POST.get("note", ""))
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        for messages_ in error.message_dict.values():
            for message in messages_:
                messages.error(request, message)
    else:
        messages.success(request, _("Your answer was recorded."))
    return redirect(notice.get_absolute_url())

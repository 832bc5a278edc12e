"""The coordination health page (per agreement or per organisation), and its XLSX export."""

from __future__ import annotations

import io
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from liaison.coordination import health
from liaison.coordination.models import Agreement
from liaison.core.access import visible
from liaison.core.models import SecurityEventKind
from liaison.core.security_log import log_security_event
from liaison.directory.models import Organisation

CHART_HEIGHT = 120


def _number(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _scope(request: HttpRequest) -> dict[str, Any]:
    """What the page is about, from the query: an agreement, or an organisation and a side."""
    today = timezone.localdate()
    year = _number(request.GET.get("year")) or today.year
    year = min(max(year, 2000), today.year + 5)
    agreement = visible(
        request.user, Agreement.objects.filter(pk=_number(request.GET.get("agreement")) or 0)
    ).first()
    organisation = visible(
        request.user, Organisation.objects.filter(pk=_number(request.GET.get("organisation")) or 0)
    ).first()
    side = "recipient" if request.GET.get("side") == "recipient" else "source"
    return {"year": year, "agreement": agreement, "organisation": organisation, "side": side}


def _measure(request: HttpRequest, chosen: dict[str, Any]) -> health.Health:
    notices = health.scope(
        request.user,
        agreement=chosen["agreement"].pk if chosen["agreement"] else None,
        organisation=chosen["organisation"].pk if chosen["organisation"] else None,
        side=chosen["side"],
    )
    start, end = health.year_bounds(chosen["year"])
    return health.measure(notices, start, end, language=get_language(), reader=request.user)


def _bars(figures: health.Health) -> list[dict[str, Any]]:
    """The month chart's bars, scaled to the busiest month (SVG attributes, no inline style)."""
    top = max((m.total for m in figures.months), default=0) or 1
    bars = []
    for index, month in enumerate(figures.months):
        on_time = round(CHART_HEIGHT * month.on_time / top)
        late = round(CHART_HEIGHT * month.late / top)
        bars.append(
            {
                "month": month,
                "x": index * 44 + 30,
                "on_time_height": on_time,
                "on_time_y": CHART_HEIGHT - on_time + 10,
                "late_height": late,
                "late_y": CHART_HEIGHT - on_time - late + 10,
            }
        )
    return bars


@login_required
def health_page(request: HttpRequest) -> HttpResponse:
    chosen = _scope(request)
    figures = _measure(request, chosen)
    agreements = visible(request.user, Agreement.objects.order_by("-starts_on", "id")).values_list(
        "pk", "code", "title_en"
    )
    context = {
        **chosen,
        "figures": figures,
        "bars": _bars(figures),
        "chart_width": max(len(figures.months) * 44 + 40, 200),
        "chart_height": CHART_HEIGHT + 40,
        "agreements": agreements,
        "years": range(timezone.localdate().year - 5, timezone.localdate().year + 2),
        "query": request.GET.urlencode(),
    }
    return render(request, "coordination/health.html", context)


@login_required
def health_export(request: HttpRequest) -> HttpResponse:
    from openpyxl import Workbook

    chosen = _scope(request)
    figures = _measure(request, chosen)
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = _("Summary")
    share = figures.share_on_time
    for label, value in (
        (_("From"), figures.start),
        (_("To (exclusive)"), figures.end),
        (_("Activities notified"), figures.total),
        (_("On time"), figures.on_time),
        (_("Late"), figures.late),
        (_("Share on time"), round(share, 4) if share is not None else None),
        (_("Median lead time (days)"), figures.median_lead_days),
        (_("Awaiting acknowledgement"), figures.waiting),
        (_("Overdue acknowledgements"), figures.overdue),
        (_("Escalations"), figures.escalations),
        (_("Deliveries given up"), figures.failed_deliveries),
    ):
        summary.append([label, value])
    months = book.create_sheet(_("Months"))
    months.append([_("Month"), _("Notified"), _("On time"), _("Late")])
    for m in figures.months:
        months.append([m.month.strftime("%Y-%m"), m.total, m.on_time, m.late])
    late = book.create_sheet(_("Late"))
    late.append([_("Activity"), _("From"), _("To"), _("Starts"), _("Due"), _("Sent"), _("Late by (hours)")])
    for row in figures.late_rows:
        late.append(
            [
                row.title,
                row.source,
                row.recipient,
                row.starts_at.replace(tzinfo=None),
                row.due_at.replace(tzinfo=None),
                row.sent_at.replace(tzinfo=None),
                round(row.late_by.total_seconds() / 3600, 1),
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    log_security_event(
        kind=SecurityEventKind.EXPORT,
        request=request,
        user=request.user,
        detail={"export": "coordination-health"},
    )
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="coordination-health-{chosen["year"]}.xlsx"'
    return response

"""Pages that show how a plan is going: the heatmap of organisations × tasks, reporting
completeness and timeliness, who has not reported, the timeline, and the printable report."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from liaison.core.models import SecurityEventKind
from liaison.core.security_log import log_security_event
from liaison.implementation.completeness import completeness, not_reported
from liaison.implementation.models import ProgressStatus
from liaison.implementation.permissions import get_plan_for_user
from liaison.implementation.selectors import current_period, heatmap, name_or_hidden, organisation_names


def _language() -> str:
    return get_language() or "en"


STATUS_ORDER = [*ProgressStatus.values, "overdue"]


@login_required
def plan_heatmap(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_plan_for_user(request.user, pk, request=request)
    today = timezone.localdate()
    language = _language()
    grid = heatmap(request.user, plan, language=language, today=today)
    labels: dict[str, Any] = {**dict(ProgressStatus.choices), "overdue": _("Overdue")}
    context = {
        "plan": plan,
        "grid": grid,
        "rows": heatmap_rows(grid, labels, language),
        "total": sum(grid.counts.values()),
        "legend": [(key, labels.get(key, ""), grid.counts.get(key, 0)) for key in STATUS_ORDER],
        "status_labels": labels,
        "language": language,
    }
    return render(request, "implementation/plan_heatmap.html", context)


def heatmap_rows(grid: Any, labels: dict[str, Any], language: str) -> list[tuple[str, SafeString]]:
    """Each organisation's name and its row of cells as HTML, built here rather than in the
    template: a plan of 90 tasks × 63 organisations is 5,670 cells, and the template language
    takes half a second over them where string building takes a few milliseconds."""
    base = reverse("implementation:assignment-detail", args=[0])[: -len("0/")]
    overdue_label = str(labels["overdue"])
    not_assigned = escape(_("Not assigned"))
    titles = [str(task.title_in(language)) for task in grid.tasks]
    status_text = {key: str(value) for key, value in labels.items()}
    rows = []
    for _org_id, name, cells in grid.rows:
        parts = []
        for title, cell in zip(titles, cells, strict=True):
            if cell is None:
                parts.append(
                    f'<td class="cell-none"><span class="visually-hidden">{not_assigned}</span></td>'
                )
                continue
            status = status_text.get(cell.status, cell.status)
            label = f"{name} · {title}: {status}"
            hidden = status
            if cell.overdue:
                label += f" · {overdue_label}"
                hidden += f", {overdue_label}"
            if cell.last_period:
                label += f" · {cell.last_period}"
            figure = "·" if cell.computed is None else f"{cell.computed:.0f}"
            css = "overdue" if cell.overdue else cell.status
            parts.append(
                f'<td class="cell-{css}"><a href="{base}{cell.assignment_id}/" title="{escape(label)}">'
                f'{figure}<span class="visually-hidden"> {escape(hidden)}</span></a></td>'
            )
        rows.append((name, mark_safe("".join(parts))))  # noqa: S308 - every value above is escaped
    return rows


@login_required
def plan_completeness(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_plan_for_user(request.user, pk, request=request)
    today = timezone.localdate()
    language = _language()
    rates = completeness(plan, until=today)
    names = organisation_names(request.user, set(rates.by_organisation), language)
    organisations = sorted(
        ((org_id, name_or_hidden(names, org_id), r) for org_id, r in rates.by_organisation.items()),
        key=lambda row: (row[2].rate if row[2].rate is not None else 101, row[1]),
    )
    chosen = request.GET.get("period", "")
    periods = {p.label: p for p in rates.periods}
    period = periods.get(chosen) or current_period(plan, today)
    missing = not_reported(plan, period) if period is not None else []
    missing_names = organisation_names(request.user, {a.organisation_id for a in missing}, language)
    context = {
        "plan": plan,
        "rates": rates,
        "periods": [(p, rates.by_period.get(p.pk)) for p in rates.periods],
        "organisations": [
            (org_id, name, total, [rates.cells.get(org_id, {}).get(p.pk) for p in rates.periods])
            for org_id, name, total in organisations
        ],
        "period": period,
        "missing": [(a, name_or_hidden(missing_names, a.organisation_id)) for a in missing],
        "missing_by_organisation": _by_organisation(missing, missing_names),
        "past_due": period is not None and period.due_on < today,
        "today": today,
        "language": language,
    }
    return render(request, "implementation/plan_completeness.html", context)


def _by_organisation(missing: list[Any], names: dict[int, str]) -> list[tuple[str, list[Any]]]:
    """The assignments that have not reported, one row per organisation (in the order given)."""
    grouped: dict[int, list[Any]] = {}
    for assignment in missing:
        grouped.setdefault(assignment.organisation_id, []).append(assignment)
    return [(name_or_hidden(names, org_id), assignments) for org_id, assignments in grouped.items()]


@dataclass
class Bar:
    label: str
    x: float
    width: float
    kind: str
    url: str = ""
    note: str = ""
    # The day the mark stands for (a task's due date, a visit's date, a period's deadline).
    day: dt.date | None = None
    # Where the period's reports are due (periods only).
    due_x: float | None = None
    # The row's vertical position in the drawing (tasks and visits).
    y: int = 0

    @property
    def anchor_end(self) -> bool:
        """Labels of marks in the right part of the drawing run to their left."""
        return self.x > 60


TIMELINE_TOP = 100  # below the years, periods and deadlines
TIMELINE_ROW = 22


def _position(day: dt.date, start: dt.date, span: int) -> float:
    return round(max(0.0, min(100.0, (day - start).days / span * 100)), 2)


@login_required
def plan_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan's period with its reporting periods and deadlines, its tasks' due dates and its
    supervision visits, drawn as SVG (positions are attributes, not inline styles)."""
    plan = get_plan_for_user(request.user, pk, request=request)
    language = _language()
    start, end = plan.starts_on, plan.ends_on
    span = max(1, (end - start).days)
    today = timezone.localdate()
    periods = [
        Bar(
            p.label,
            _position(p.starts_on, start, span),
            _position(p.ends_on, start, span) - _position(p.starts_on, start, span),
            "period",
            note=p.due_on.isoformat(),
            day=p.due_on,
            due_x=_position(p.due_on, start, span) if p.due_on <= end else None,
        )
        for p in plan.periods.all()
    ]
    tasks = [
        Bar(
            t.title_in(language),
            _position(t.due_on, start, span),
            0,
            "due",
            url=t.get_absolute_url(),
            note=t.due_on.isoformat(),
            day=t.due_on,
        )
        for t in plan.tasks.filter(due_on__isnull=False).order_by("due_on", "path")[:60]
    ]
    visits = list(plan.inspections.order_by("planned_on")[:60])
    names = organisation_names(request.user, {v.organisation_id for v in visits}, language)
    visit_bars = [
        Bar(
            name_or_hidden(names, v.organisation_id),
            _position(v.done_on or v.planned_on, start, span),
            0,
            v.status,
            url=v.get_absolute_url(),
            note=(v.done_on or v.planned_on).isoformat(),
            day=v.done_on or v.planned_on,
        )
        for v in visits
    ]
    for row, bar in enumerate([*tasks, *visit_bars]):
        bar.y = TIMELINE_TOP + TIMELINE_ROW * row
    years = [
        (year, _position(dt.date(year, 1, 1), start, span)) for year in range(start.year + 1, end.year + 1)
    ]
    context = {
        "plan": plan,
        "periods": periods,
        "tasks": tasks,
        "visits": visit_bars,
        "years": years,
        "today": _position(today, start, span) if start <= today <= end else None,
        "height": TIMELINE_TOP + TIMELINE_ROW * (len(tasks) + len(visit_bars)) + 8,
        "language": language,
    }
    return render(request, "implementation/plan_timeline.html", context)


def _report_inputs(request: HttpRequest, pk: int) -> tuple[Any, dict[str, Any]]:
    from liaison.implementation.progress import plan_trees

    plan = get_plan_for_user(request.user, pk, request=request)
    language = _language()
    today = timezone.localdate()
    trees = plan_trees([plan], language)
    rates = completeness(plan, until=today)
    names = organisation_names(request.user, set(rates.by_organisation), language)
    return plan, {"trees": trees, "completeness": rates, "names": names, "language": language}


def _log_export(request: HttpRequest, plan_id: int, fmt: str) -> None:
    log_security_event(
        kind=SecurityEventKind.EXPORT,
        request=request,
        user=request.user,
        detail={"kind": "plan_progress", "format": fmt, "plan": plan_id},
    )


@login_required
def plan_report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    from liaison.implementation import printing

    plan, inputs = _report_inputs(request, pk)
    user = request.user
    content = printing.plan_report_pdf(
        plan,
        generated_at=timezone.localtime(),
        reader_name=user.get_full_name() or user.get_username(),  # type: ignore[union-attr]
        **inputs,
    )
    _log_export(request, plan.pk, "pdf")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="plan-{plan.pk}-progress.pdf"'
    return response


@login_required
def plan_report_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    from liaison.implementation import printing

    plan, inputs = _report_inputs(request, pk)
    content = printing.plan_report_xlsx(plan, generated_at=timezone.localtime(), **inputs)
    _log_export(request, plan.pk, "xlsx")
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="plan-{plan.pk}-progress.xlsx"'
    return response

"""The inbox and the sent box: notices addressed to (or sent from) the user's organisations, as
plain rows shared by the page and the API.

An inbox can hold a million notices. The user's organisations (and those below them) are read
first as ids, so the list is one range of the `notice_inbox` index (recipient, sent_at, id) per
organisation; the rows are read with `.values()`, the organisations' names in one query, and
whether the user opened each notice in one more.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict

from liaison.coordination.models import WAITING, Escalation, Notice, NoticeKind, NoticeRead, NoticeStatus
from liaison.core.access import paths_q, principal_for, readable_ids
from liaison.core.listed_names import names_by_owner
from liaison.directory.models import Organisation, display_name

BOXES = ("received", "sent", "escalated")
STATES = ("waiting", "overdue", "late", *NoticeStatus.values)

COLUMNS = (
    "id",
    "uid",
    "kind",
    "title",
    "payload__kind",
    "starts_at",
    "due_at",
    "sent_at",
    "late",
    "status",
    "acknowledge_by",
    "source_id",
    "recipient_id",
    "agreement_id",
    "activity_ref",
    "current",
    "link",
)


@dataclass
class InboxFilters:
    box: str = "received"
    state: str = ""
    kind: str = ""
    agreement: int | None = None
    organisation: int | None = None


def filters_from(params: QueryDict | dict[str, Any]) -> InboxFilters:
    """Unknown values are ignored, not refused (a filter link that went stale still opens)."""
    box = params.get("box") or "received"
    state = params.get("state") or ""
    kind = params.get("kind") or ""

    def number(name: str) -> int | None:
        value = str(params.get(name) or "")
        return int(value) if value.isdigit() else None

    return InboxFilters(
        box=box if box in BOXES else "received",
        state=state if state in STATES else "",
        kind=kind if kind in NoticeKind.values else "",
        agreement=number("agreement"),
        organisation=number("organisation"),
    )


def my_organisation_ids(user: Any) -> list[int] | None:
    """The ids of the user's organisations and those below them; None: every organisation
    (a superuser without memberships)."""
    p = principal_for(user)
    if p.user_id is None:
        return []
    if p.is_superuser and not p.scopes:
        return None
    below = paths_q("path", [scope.path for scope in p.scopes])
    return list(Organisation.objects.filter(below).values_list("pk", flat=True))


def notices_for(user: Any, filters: InboxFilters, *, now: Any = None) -> QuerySet[Notice]:
    notices = Notice.objects.all()
    if filters.box == "escalated":
        # What went to the user as a coordinator of its agreement: late, or left unacknowledged.
        escalated = Escalation.coordinators.through.objects.filter(user_id=user.pk).values(
            "escalation__notice_id"
        )
        notices = notices.filter(pk__in=escalated)
        return _filtered(notices, filters, now)
    side = "recipient_id" if filters.box == "received" else "source_id"
    ids = my_organisation_ids(user)
    if filters.organisation is not None:
        if ids is not None and filters.organisation not in ids:
            return notices.none()
        ids = [filters.organisation]
    if ids is not None:
        notices = notices.filter(**{f"{side}__in": ids})
    return _filtered(notices, filters, now)


def _filtered(notices: QuerySet[Notice], filters: InboxFilters, now: Any) -> QuerySet[Notice]:
    from django.utils import timezone

    if filters.state == "waiting":
        notices = notices.filter(status__in=WAITING)
    elif filters.state == "overdue":
        notices = notices.filter(status__in=WAITING, acknowledge_by__lt=now or timezone.now())
    elif filters.state == "late":
        notices = notices.filter(late=True)
    elif filters.state:
        notices = notices.filter(status=filters.state)
    if filters.kind:
        notices = notices.filter(kind=filters.kind)
    if filters.agreement is not None:
        notices = notices.filter(agreement_id=filters.agreement)
    return notices.order_by("-sent_at", "-id")


def unread(user: Any, notices: QuerySet[Notice]) -> QuerySet[Notice]:
    from django.db.models import Exists, OuterRef

    return notices.filter(status__in=WAITING, current=True).exclude(
        Exists(NoticeRead.objects.filter(notice_id=OuterRef("pk"), user_id=user.pk))
    )


def notice_rows(user: Any, page: Any, language: str) -> list[dict[str, Any]]:
    """The rows of one page of notices (a sliced `values(*COLUMNS)` queryset)."""
    rows = list(page)
    if not rows:
        return []
    org_ids = {r["source_id"] for r in rows} | {r["recipient_id"] for r in rows}
    # An organisation the reader may not see is not named (the notice's payload is what it shows).
    readable = readable_ids(user, Organisation, org_ids)
    names = names_by_owner(Organisation, readable)

    def org(pk: int) -> dict[str, Any] | None:
        return {"id": pk, "name": display_name(names.get(pk, ()), language)} if pk in readable else None

    opened = set(
        NoticeRead.objects.filter(user_id=user.pk, notice_id__in=[r["id"] for r in rows]).values_list(
            "notice_id", flat=True
        )
    )
    kinds = dict(NoticeKind.choices)
    statuses = dict(NoticeStatus.choices)
    from liaison.activities.models import ActivityKind

    activity_kinds = dict(ActivityKind.choices)
    out = []
    for r in rows:
        out.append(
            {
                "id": str(r["uid"]),
                "kind": r["kind"],
                "kind_label": str(kinds.get(r["kind"], r["kind"])),
                "title": r["title"],
                "activity_kind": r["payload__kind"] or "",
                "activity_kind_label": str(activity_kinds.get(r["payload__kind"], r["payload__kind"] or "")),
                "activity": r["activity_ref"],
                "starts_at": r["starts_at"],
                "due_at": r["due_at"],
                "sent_at": r["sent_at"],
                "late": r["late"],
                "status": r["status"],
                "status_label": str(statuses.get(r["status"], r["status"])),
                "acknowledge_by": r["acknowledge_by"],
                "current": r["current"],
                "agreement": r["agreement_id"],
                "link": r["link"],
                "source": {
                    "id": r["source_id"],
                    "name": display_name(names.get(r["source_id"], ()), language),
                },
                "recipient": {
                    "id": r["recipient_id"],
                    "name": display_name(names.get(r["recipient_id"], ()), language),
                },
                "unread": r["id"] not in opened,
            }
        )
    return out

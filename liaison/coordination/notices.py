"""Who reads and answers notices, and the answers: acknowledge, ask for more, reply, decline.

Decided here from the access policy's facts (`core.access.principal_for`), as the activities'
delegation rules are: a notice is read by members of its recipient organisation and of its
source organisation (or of one above either), by its agreement's coordinators, and by those it
was escalated to (a plan's coordinators, for a report missing after its deadline). Reading a
notice shows its payload, the shared fields, and nothing else of the activity: the notice is
the grant, so it is readable even while the activity is under embargo. Members of the recipient
holding the editor role (or higher) answer it; the source's editors reply to a question.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from liaison.coordination.models import (
    WAITING,
    Agreement,
    Escalation,
    Notice,
    NoticeRead,
    NoticeResponse,
    NoticeStatus,
    ResponseKind,
)
from liaison.core import audit
from liaison.core.access import Role, paths_q, principal_for

# What each answer does to the notice's status (a reply sends a question back to the recipient).
_STATUS_AFTER = {
    ResponseKind.ACKNOWLEDGE: NoticeStatus.ACKNOWLEDGED,
    ResponseKind.ASK: NoticeStatus.INFO_REQUESTED,
    ResponseKind.DECLINE: NoticeStatus.DECLINED,
    ResponseKind.REPLY: NoticeStatus.OPEN,
}


def visible_notices(user: Any) -> QuerySet[Notice]:
    p = principal_for(user)
    notices = Notice.objects.all()
    if p.user_id is None:
        return notices.none()
    if p.is_superuser:
        return notices
    paths = [s.path for s in p.scopes]
    coordinated = Exists(
        Agreement.coordinators.through.objects.filter(
            agreement_id=OuterRef("agreement_id"), user_id=p.user_id
        )
    )
    escalated = Exists(
        Escalation.coordinators.through.objects.filter(
            escalation__notice_id=OuterRef("pk"), user_id=p.user_id
        )
    )
    return notices.filter(
        paths_q("recipient__path", paths) | paths_q("source__path", paths) | Q(coordinated) | Q(escalated)
    )


def inbox_q(user: Any) -> Q:
    """Notices addressed to an organisation the user belongs to (or one below it)."""
    p = principal_for(user)
    if p.is_superuser and not p.scopes:
        return Q()
    return paths_q("recipient__path", [s.path for s in p.scopes])


def sent_q(user: Any) -> Q:
    p = principal_for(user)
    if p.is_superuser and not p.scopes:
        return Q()
    return paths_q("source__path", [s.path for s in p.scopes])


def can_answer(user: Any, notice: Notice) -> bool:
    """Acknowledge, ask or decline: an editor (or higher) of the recipient organisation."""
    p = principal_for(user)
    return p.user_id is not None and (p.is_superuser or p.covers(notice.recipient.path, role=Role.EDITOR))


def can_reply(user: Any, notice: Notice) -> bool:
    """Answer a question about the notice: an editor (or higher) of the source organisation."""
    p = principal_for(user)
    return p.user_id is not None and (p.is_superuser or p.covers(notice.source.path, role=Role.EDITOR))


def allowed_responses(user: Any, notice: Notice) -> list[str]:
    if not notice.current or notice.status not in (*WAITING, NoticeStatus.ACKNOWLEDGED):
        return []
    allowed = []
    if can_answer(user, notice):
        if notice.status != NoticeStatus.ACKNOWLEDGED:
            allowed.append(ResponseKind.ACKNOWLEDGE)
        allowed += [ResponseKind.ASK, ResponseKind.DECLINE]
    if can_reply(user, notice) and notice.status == NoticeStatus.INFO_REQUESTED:
        allowed.append(ResponseKind.REPLY)
    return [str(kind) for kind in allowed]


def _acting_organisation(user: Any, notice: Notice, kind: str) -> Any:
    return notice.source if kind == ResponseKind.REPLY else notice.recipient


@transaction.atomic
def respond(*, by: Any, notice: Notice, kind: str, note: str = "") -> NoticeResponse:
    """Record one answer to a notice and move its status; each step is kept."""
    if kind not in ResponseKind.values:
        raise ValidationError({"kind": [_("Unknown answer.")]})
    locked = Notice.objects.select_for_update().select_related("recipient", "source").get(pk=notice.pk)
    if kind not in allowed_responses(by, locked):
        if not (can_answer(by, locked) or can_reply(by, locked)):
            raise PermissionDenied(_("You may not answer this notice."))
        if not locked.current or locked.status not in (*WAITING, NoticeStatus.ACKNOWLEDGED):
            closed = _("This notice can no longer be answered: a later notice replaced it, or it was closed.")
            raise ValidationError({"kind": [closed]})
        raise ValidationError({"kind": [_("This answer is not open to you on this notice now.")]})
    if kind in (ResponseKind.ASK, ResponseKind.DECLINE, ResponseKind.REPLY) and not note.strip():
        raise ValidationError({"note": [_("Say what you need, or why.")]})
    now = timezone.now()
    response = NoticeResponse.objects.create(
        notice=locked,
        kind=kind,
        by=by if getattr(by, "is_authenticated", False) else None,
        organisation=_acting_organisation(by, locked, kind),
        note=note.strip(),
    )
    before = locked.status
    locked.status = _STATUS_AFTER[ResponseKind(kind)]
    locked.status_at = now
    if kind == ResponseKind.ACKNOWLEDGE:
        locked.acknowledged_at = now
    locked.save(update_fields=["status", "status_at", "acknowledged_at"])
    # A notice is not an AuditedModel (the engine writes a million of them); its answers are.
    audit.record_note(locked, {"status": [before, locked.status], "note": note.strip()})  # type: ignore[arg-type]
    notice.status, notice.status_at, notice.acknowledged_at = locked.status, now, locked.acknowledged_at
    return response


def mark_read(user: Any, notice: Notice) -> None:
    if getattr(user, "is_authenticated", False):
        NoticeRead.objects.bulk_create([NoticeRead(notice=notice, user=user)], ignore_conflicts=True)

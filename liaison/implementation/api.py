"""The implementation-tracking endpoints: guiding documents, plans and their tree, assignments,
progress reports and their review, roll-ups, heatmap, completeness, supervision visits.

The same services, selectors and policy as the pages: a record the caller may not see answers 404
exactly like a missing one, and so does a change the caller may not make; refused input answers
400 naming the field (input the schemas refuse too), a stale `If-Match` 412. Detail responses
carry an `ETag`. An organisation the caller may not see is never named: it is `null`.

This module holds guiding documents and plans, and the one `router` that config/api.py mounts at
/implementation; the rest is mounted on it from `api_tree` (objectives, tasks, assignments),
`api_reports` (reports and their workflow), `api_visits` (visits, findings, follow-up) and
`api_progress` (roll-ups, heatmap, completeness, who is behind); `api_common` holds what they
share. Operation ids stay `liaison_implementation_api_<function>` wherever the function lives.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Status

from liaison.accounts.models import User
from liaison.core import access
from liaison.core.access import Action, readable_ids, visible
from liaison.core.api_support import AUTH, ErrorOut, check_if_match, clamp, list_response, refuse_nulls
from liaison.core.htmx import capped_count
from liaison.core.models import classification_name
from liaison.directory.api_refs import organisation
from liaison.implementation import services
from liaison.implementation.api_common import (
    ERRORS,
    READ_ERRORS,
    ImplementationRouter,
    Names,
    _names,
    _ordered_organisations,
    _org,
    _period,
    _plan,
    _resolved,
    _titles,
    _with_etag,
)
from liaison.implementation.api_progress import router as progress_router
from liaison.implementation.api_reports import router as reports_router
from liaison.implementation.api_tree import _objective_out
from liaison.implementation.api_tree import router as tree_router
from liaison.implementation.api_visits import router as visits_router
from liaison.implementation.models import Assignment, GuidingDocument, Plan
from liaison.implementation.permissions import get_document_for_user
from liaison.implementation.schemas import (
    ApprovalLevelOut,
    ApprovalLevelsIn,
    DocumentDetailOut,
    DocumentIn,
    DocumentListOut,
    DocumentPatch,
    PeriodOut,
    PlanDetailOut,
    PlanIn,
    PlanListOut,
    PlanPatch,
    RelationIn,
)
from liaison.implementation.selectors import PlanFilters, current_period, documents_for, plans_for

router = ImplementationRouter(auth=AUTH, tags=["implementation"])
router.add_router("", tree_router)
router.add_router("", reports_router)
router.add_router("", visits_router)
router.add_router("", progress_router)


# --- input helpers ----------------------------------------------------------------------------


def _document_ref(user: Any, pk: int, field: str) -> GuidingDocument:
    """A document the user may read; a hidden one is refused like a missing one."""
    try:
        return get_document_for_user(user, pk)
    except Http404:
        raise ValidationError({field: [_("No document %(id)s.") % {"id": pk}]}) from None


def _users(usernames: list[str]) -> list[User]:
    found = list(User.objects.filter(username__in=usernames, is_active=True))
    missing = sorted(set(usernames) - {u.username for u in found})
    if missing:
        raise ValidationError({"coordinators": [_("No user “%(name)s”.") % {"name": n} for n in missing]})
    return found


# --- guiding documents ------------------------------------------------------------------------


def _document_out(document: GuidingDocument, names: Names) -> dict[str, Any]:
    return {
        "id": document.pk,
        "code": document.code,
        "kind": document.kind,
        **_titles(document),
        "issuer": _org(names, document.issuer_id),
        "issued_on": document.issued_on,
        "owner": _org(names, document.owner_id),
        "classification": classification_name(document.classification),
        "is_demo": document.is_demo,
        "version": document.version,
    }


def _doc_ref(document: GuidingDocument) -> dict[str, Any]:
    return {"id": document.pk, "code": document.code, "title": document.title_in(get_language())}


def _plan_ref(plan: Plan) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "code": plan.code,
        "title": plan.title_in(get_language()),
        "starts_on": plan.starts_on,
        "ends_on": plan.ends_on,
    }


def _document_detail(user: Any, document: GuidingDocument) -> dict[str, Any]:
    """The document with its relations to documents the reader may see and its visible plans."""
    outgoing = list(document.relations.all())
    incoming = list(document.relations_in.all())
    wanted = {r.target_id for r in outgoing} | {r.source_id for r in incoming}
    others = {d.pk: d for d in visible(user, GuidingDocument.objects.filter(pk__in=wanted))} if wanted else {}
    plans = visible(user, document.plans.all()).order_by("starts_on", "id")
    names = _names(user, [document.issuer_id, document.owner_id])
    return _document_out(document, names) | {
        "text": document.text,
        "attachment_name": document.attachment_name,
        "relations": [
            {"id": r.pk, "kind": r.kind, "document": _doc_ref(others[r.target_id])}
            for r in outgoing
            if r.target_id in others
        ],
        "referred_by": [
            {"id": r.pk, "kind": r.kind, "document": _doc_ref(others[r.source_id])}
            for r in incoming
            if r.source_id in others
        ],
        "plans": [_plan_ref(p) for p in plans],
        "can_change": access.can_change(user, document),
    }


def _document_values(user: Any, sent: dict[str, Any]) -> dict[str, Any]:
    def resolve(key: str, value: Any) -> Any:
        if key in ("issuer", "owner"):
            return None if value is None else organisation(user, value, key)
        return value

    return _resolved(sent, resolve)


@router.get("/documents", response={200: DocumentListOut, 400: ErrorOut}, summary="Guiding documents")
def list_documents(
    request: HttpRequest, q: str = "", kind: str = "", limit: int = 50, offset: int = 0
) -> HttpResponse:
    """Those you may see, newest first; `q` searches the code and the titles."""
    limit, offset = clamp(limit, offset)
    documents = documents_for(request.user, q, kind)
    count, exact = capped_count(documents)
    page = list(documents[offset : offset + limit])
    names = _names(request.user, [pk for d in page for pk in (d.issuer_id, d.owner_id)])
    items = [_document_out(d, names) for d in page]
    return list_response(count=count, exact=exact, limit=limit, offset=offset, items=items)


@router.post("/documents", response={201: DocumentDetailOut, **ERRORS}, summary="Record a guiding document")
def create_document(
    request: HttpRequest, payload: DocumentIn, response: HttpResponse
) -> Status[dict[str, Any]]:
    user = request.user
    values = _document_values(user, payload.dict())
    values["owner"] = values["owner"] or values["issuer"]
    document = services.create_document(by=user, data=services.DocumentInput(**values))
    document = get_document_for_user(user, document.pk, request=request)
    _with_etag(response, document)
    response["Location"] = reverse("api:document", args=[document.pk])
    return Status(201, _document_detail(user, document))


@router.get(
    "/documents/{int:document_id}", response={200: DocumentDetailOut, **READ_ERRORS}, url_name="document"
)
def get_document(request: HttpRequest, document_id: int, response: HttpResponse) -> dict[str, Any]:
    """With its relations and the plans implementing it."""
    document = get_document_for_user(request.user, document_id, request=request)
    _with_etag(response, document)
    return _document_detail(request.user, document)


@router.patch("/documents/{int:document_id}", response={200: DocumentDetailOut, **ERRORS})
def patch_document(
    request: HttpRequest, document_id: int, payload: DocumentPatch, response: HttpResponse
) -> dict[str, Any]:
    """Send `If-Match` with the ETag you read; only the fields sent change."""
    user = request.user
    document = get_document_for_user(user, document_id, action=Action.CHANGE, request=request)
    check_if_match(request, document)
    sent = payload.dict(exclude_unset=True)
    refuse_nulls(sent, ())
    changes = _document_values(user, sent)
    services.update_document(by=user, document=document, version=document.version, changes=changes)
    document = get_document_for_user(user, document_id, request=request)
    _with_etag(response, document)
    return _document_detail(user, document)


@router.delete("/documents/{int:document_id}", response={204: None, **ERRORS})
def delete_document(request: HttpRequest, document_id: int) -> Status[None]:
    """Refused while plans implement it or other documents refer to it."""
    document = get_document_for_user(request.user, document_id, action=Action.DELETE, request=request)
    check_if_match(request, document)
    services.delete_document(by=request.user, document=document)
    return Status(204, None)


@router.post("/documents/{int:document_id}/relations", response={201: DocumentDetailOut, **ERRORS})
def add_relation(request: HttpRequest, document_id: int, payload: RelationIn) -> Status[dict[str, Any]]:
    """This document implements, replaces or amends `target` (no circles of implements or replaces)."""
    user = request.user
    document = get_document_for_user(user, document_id, action=Action.CHANGE, request=request)
    target = _document_ref(user, payload.target, "target")
    services.relate(by=user, source=document, target=target, kind=payload.kind)
    return Status(201, _document_detail(user, document))


@router.delete("/documents/{int:document_id}/relations/{int:relation_id}", response={204: None, **ERRORS})
def delete_relation(request: HttpRequest, document_id: int, relation_id: int) -> Status[None]:
    document = get_document_for_user(request.user, document_id, action=Action.CHANGE, request=request)
    relation = document.relations.filter(pk=relation_id).first()
    if relation is None:
        raise Http404
    relation.source = document
    services.unrelate(by=request.user, relation=relation)
    return Status(204, None)


# --- plans ------------------------------------------------------------------------------------


def _plan_out(plan: Plan, names: Names, documents: set[int]) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "code": plan.code,
        **_titles(plan),
        "document": _doc_ref(plan.document) if plan.document_id in documents else None,
        "owner": _org(names, plan.owner_id),
        "starts_on": plan.starts_on,
        "ends_on": plan.ends_on,
        "rollup_rule": plan.rollup_rule,
        "frequency": plan.frequency,
        "report_within_days": plan.report_within_days,
        "remind_days_before": plan.remind_days_before,
        "classification": classification_name(plan.classification),
        "is_demo": plan.is_demo,
        "version": plan.version,
        "task_count": plan.task_count,  # type: ignore[attr-defined]
        "organisation_count": plan.organisation_count,  # type: ignore[attr-defined]
    }


def _levels_out(levels: list[Any], names: Names) -> list[dict[str, Any]]:
    return [{"level": lv.level, "organisation": _org(names, lv.organisation_id)} for lv in levels]


def _plan_detail(user: Any, plan: Plan) -> dict[str, Any]:
    plan.task_count = plan.tasks.count()  # type: ignore[attr-defined]
    plan.organisation_count = plan.shared_with.count()  # type: ignore[attr-defined]
    assignment_count = Assignment.objects.filter(task__plan=plan).count()
    levels = list(plan.approval_levels.all())
    names = _names(user, [plan.owner_id, *(lv.organisation_id for lv in levels)])
    current = current_period(plan, timezone.localdate())
    return _plan_out(plan, names, readable_ids(user, GuidingDocument, [plan.document_id])) | {
        "assignment_count": assignment_count,
        "notes": plan.notes,
        "coordinators": list(plan.coordinators.order_by("username").values_list("username", flat=True)),
        "approval_levels": _levels_out(levels, names),
        "objectives": [_objective_out(o) for o in plan.objectives.all()],
        "current_period": current.label if current else None,
        "can_change": access.can_change(user, plan),
    }


def _plan_values(user: Any, sent: dict[str, Any]) -> dict[str, Any]:
    def resolve(key: str, value: Any) -> Any:
        if key == "document":
            return _document_ref(user, value, key)
        if key == "owner":
            return organisation(user, value, key)
        if key == "coordinators":
            return _users(value)
        return value

    return _resolved(sent, resolve)


@router.get("/plans", response={200: PlanListOut, 400: ErrorOut}, summary="Plans and programmes")
def list_plans(
    request: HttpRequest,
    q: str = "",
    document: int | None = None,
    active_on: dt.date | None = None,
    limit: int = 50,
    offset: int = 0,
) -> HttpResponse:
    """Those you may see, latest first; `q` searches codes and titles (the document's code too),
    `document` keeps the plans implementing it, `active_on` those running on the day."""
    limit, offset = clamp(limit, offset)
    plans = plans_for(request.user, PlanFilters(q=q, document=document, active_on=active_on))
    count, exact = capped_count(plans)
    page = list(plans[offset : offset + limit])
    names = _names(request.user, [p.owner_id for p in page])
    documents = readable_ids(request.user, GuidingDocument, [p.document_id for p in page])
    items = [_plan_out(p, names, documents) for p in page]
    return list_response(count=count, exact=exact, limit=limit, offset=offset, items=items)


@router.post("/plans", response={201: PlanDetailOut, **ERRORS}, summary="Create a plan")
def create_plan(request: HttpRequest, payload: PlanIn, response: HttpResponse) -> Status[dict[str, Any]]:
    """Its reporting periods follow from its dates and frequency."""
    user = request.user
    values = _plan_values(user, payload.dict())
    plan = services.create_plan(by=user, data=services.PlanInput(**values))
    plan = _plan(request, plan.pk)
    _with_etag(response, plan)
    response["Location"] = reverse("api:plan", args=[plan.pk])
    return Status(201, _plan_detail(user, plan))


@router.get("/plans/{int:plan_id}", response={200: PlanDetailOut, **READ_ERRORS}, url_name="plan")
def get_plan(request: HttpRequest, plan_id: int, response: HttpResponse) -> dict[str, Any]:
    plan = _plan(request, plan_id)
    _with_etag(response, plan)
    return _plan_detail(request.user, plan)


@router.patch("/plans/{int:plan_id}", response={200: PlanDetailOut, **ERRORS})
def patch_plan(
    request: HttpRequest, plan_id: int, payload: PlanPatch, response: HttpResponse
) -> dict[str, Any]:
    """Send `If-Match` with the ETag you read. A period that has reports must stay whole."""
    user = request.user
    plan = _plan(request, plan_id, Action.CHANGE)
    check_if_match(request, plan)
    sent = payload.dict(exclude_unset=True)
    refuse_nulls(sent, ())
    services.update_plan(by=user, plan=plan, version=plan.version, changes=_plan_values(user, sent))
    plan = _plan(request, plan_id)
    _with_etag(response, plan)
    return _plan_detail(user, plan)


@router.delete("/plans/{int:plan_id}", response={204: None, **ERRORS})
def delete_plan(request: HttpRequest, plan_id: int) -> Status[None]:
    """Refused once organisations have reported on it (it can only be ended)."""
    plan = _plan(request, plan_id, Action.DELETE)
    check_if_match(request, plan)
    services.delete_plan(by=request.user, plan=plan)
    return Status(204, None)


@router.put("/plans/{int:plan_id}/approval-levels", response={200: list[ApprovalLevelOut], **ERRORS})
def put_approval_levels(
    request: HttpRequest, plan_id: int, payload: ApprovalLevelsIn
) -> list[dict[str, Any]]:
    """Level 1 approves first, the last level accepts; an empty list: the plan's owner accepts.
    Refused while reports wait for approval."""
    user = request.user
    plan = _plan(request, plan_id, Action.CHANGE)
    chosen = _ordered_organisations(user, payload.organisations, "organisations")
    levels = services.set_approval_levels(by=user, plan=plan, organisations=chosen)
    return _levels_out(levels, _names(user, [lv.organisation_id for lv in levels]))


@router.get("/plans/{int:plan_id}/periods", response={200: list[PeriodOut], **READ_ERRORS})
def list_periods(request: HttpRequest, plan_id: int) -> list[dict[str, Any]]:
    """The plan's reporting periods, each with the day its reports are due."""
    plan = _plan(request, plan_id)
    return [_period(p) for p in plan.periods.all()]

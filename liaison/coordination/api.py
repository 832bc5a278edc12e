"""The coordination endpoints: notices (the inbox and the sent box, answering), agreements and
their sharing rules. Same services and policy as the pages; a record the caller may not see
answers 404 like a missing one, refused input 400 naming the field, a stale `If-Match` 412."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Router, Status

from liaison.accounts.models import User
from liaison.activities.models import Activity
from liaison.coordination import health, inbox, plan, services
from liaison.coordination import notices as notice_rules
from liaison.coordination.models import (
    Agreement,
    Delivery,
    Notice,
    PlanItem,
    SharingRule,
    WebhookEndpoint,
    split,
)
from liaison.coordination.schemas import (
    AgreementIn,
    AgreementListOut,
    AgreementOut,
    AgreementPatch,
    AnswerIn,
    AppliedOut,
    DeliveryOut,
    HealthOut,
    NoticeDetailOut,
    NoticeListOut,
    PlanItemIn,
    PlanItemOut,
    PlanItemPatch,
    RuleIn,
    RuleOut,
    RulePatch,
    WebhookIn,
    WebhookOut,
)
from liaison.core.access import Action, get_for_user, readable_ids, visible
from liaison.core.api_support import AUTH, ErrorOut, check_if_match, clamp, etag, list_response, refuse_nulls
from liaison.core.htmx import capped_count
from liaison.directory.api_refs import countries, country, organisation, organisations
from liaison.directory.models import Organisation

router = Router(auth=AUTH, tags=["coordination"])
ERRORS: dict[int, Any] = {400: ErrorOut, 404: ErrorOut, 412: ErrorOut}
READ_ERRORS: dict[int, Any] = {404: ErrorOut}


# --- notices ----------------------------------------------------------------------------------


@router.get("/notices", response=NoticeListOut, summary="The inbox (or the sent box)")
def list_notices(
    request: HttpRequest,
    box: str = "received",
    state: str = "",
    kind: str = "",
    agreement: int | None = None,
    organisation: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> HttpResponse:
    """`box`: received (addressed to your organisations or those below them) or sent; `state`:
    waiting, overdue, late or a status. Newest first; `unread` is per caller."""
    limit, offset = clamp(limit, offset)
    filters = inbox.filters_from(request.GET)
    notices = inbox.notices_for(request.user, filters)
    count, exact = capped_count(notices)
    page = notices.values(*inbox.COLUMNS)[offset : offset + limit]
    items = inbox.notice_rows(request.user, page, get_language())
    return list_response(count=count, exact=exact, limit=limit, offset=offset, items=items)


def _notice(request: HttpRequest, uid: Any) -> Notice:
    notice = (
        notice_rules.visible_notices(request.user)
        .select_related("recipient", "source")
        .filter(uid=uid)
        .first()
    )
    if notice is None:
        raise Http404
    return notice


def _notice_out(request: HttpRequest, notice: Notice) -> dict[str, Any]:
    row = inbox.notice_rows(
        request.user, Notice.objects.filter(pk=notice.pk).values(*inbox.COLUMNS), get_language()
    )[0]
    later = Notice.objects.filter(supersedes=notice).values_list("uid", flat=True).first()
    earlier = (
        Notice.objects.filter(pk=notice.supersedes_id).values_list("uid", flat=True).first()
        if notice.supersedes_id is not None
        else None
    )
    return {
        **row,
        "payload": notice.payload,
        "changed": notice.changed,
        "supersedes": earlier,
        "superseded_by": later,
        "responses": [
            {
                "kind": r.kind,
                "organisation": r.organisation_id,
                "by": r.by.get_username() if r.by else None,
                "note": r.note,
                "at": r.at,
            }
            for r in notice.responses.select_related("by")
        ],
        "allowed_responses": notice_rules.allowed_responses(request.user, notice),
    }


@router.get("/notices/{uuid:uid}", response={200: NoticeDetailOut, **READ_ERRORS}, url_name="notice")
def get_notice(request: HttpRequest, uid: Any) -> dict[str, Any]:
    """Reading a notice marks it read for the caller."""
    notice = _notice(request, uid)
    notice_rules.mark_read(request.user, notice)
    return _notice_out(request, notice)


@router.post("/notices/{uuid:uid}/answers", response={201: NoticeDetailOut, **ERRORS})
def answer_notice(request: HttpRequest, uid: Any, payload: AnswerIn) -> Status[dict[str, Any]]:
    """Acknowledge, ask for more information (note required), decline (note required), or, for
    the source, reply to a question. Each answer is kept."""
    notice = _notice(request, uid)
    notice_rules.respond(by=request.user, notice=notice, kind=payload.kind, note=payload.note)
    return Status(201, _notice_out(request, notice))


# --- agreements -------------------------------------------------------------------------------


def _rule_out(rule: SharingRule) -> dict[str, Any]:
    return {
        "id": rule.pk,
        "name": rule.name,
        "recipient": rule.recipient_id,
        "source": rule.source_id,
        "kinds": split(rule.kinds),
        "high_level_only": rule.high_level_only,
        "leader_ranks": split(rule.leader_ranks),
        "pillars": split(rule.pillars),
        "countries": sorted(c.code for c in rule.countries.all()),
        "classifications": [int(c) for c in split(rule.classifications)],
        "triggers": split(rule.triggers),
        "lead_days": rule.lead_days,
        "day_basis": rule.day_basis,
        "calendar_country": rule.calendar_country.code if rule.calendar_country else None,
        "change_hours": rule.change_hours,
        "shared_fields": split(rule.shared_fields),
        "active": rule.active,
        "version": rule.version,
    }


def _agreement_out(agreement: Agreement, user: Any) -> dict[str, Any]:
    """A party the reader may not see is left out (as the activities API leaves out hidden
    references)."""
    parties = [p.pk for p in agreement.parties.all()]
    readable = readable_ids(user, Organisation, parties)
    return {
        "id": agreement.pk,
        "kind": agreement.kind,
        "code": agreement.code,
        "title_en": agreement.title_en,
        "title_vi": agreement.title_vi,
        "title_ar": agreement.title_ar,
        "owner": agreement.owner_id,
        "parties": sorted(pk for pk in parties if pk in readable),
        "fields": agreement.field_list,
        "signed_on": agreement.signed_on,
        "starts_on": agreement.starts_on,
        "ends_on": agreement.ends_on,
        "acknowledge_within_hours": agreement.acknowledge_within_hours,
        "coordinators": sorted(u.get_username() for u in agreement.coordinators.all()),
        "notes": agreement.notes,
        "classification": agreement.classification,
        "version": agreement.version,
        "rules": [_rule_out(rule) for rule in agreement.rules.all()],
    }


def _agreements() -> Any:
    return Agreement.objects.prefetch_related(
        "parties", "coordinators", "rules__countries", "rules__calendar_country"
    )


@router.get("/agreements", response=AgreementListOut)
def list_agreements(request: HttpRequest, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    limit, offset = clamp(limit, offset)
    agreements = visible(request.user, _agreements().order_by("-starts_on", "id"))
    count, exact = capped_count(agreements)
    items = [_agreement_out(a, request.user) for a in agreements[offset : offset + limit]]
    return {"count": count, "count_exact": exact, "limit": limit, "offset": offset, "items": items}


def _agreement(request: HttpRequest, pk: int, action: Action = Action.READ) -> Agreement:
    agreement: Agreement = get_for_user(request.user, _agreements(), pk, action=action, request=request)
    return agreement


@router.get(
    "/agreements/{int:agreement_id}", response={200: AgreementOut, **READ_ERRORS}, url_name="agreement"
)
def get_agreement(request: HttpRequest, agreement_id: int, response: HttpResponse) -> dict[str, Any]:
    agreement = _agreement(request, agreement_id)
    response["ETag"] = etag(agreement)
    return _agreement_out(agreement, request.user)


def _users(usernames: list[str]) -> list[User]:
    found = list(User.objects.filter(username__in=usernames, is_active=True))
    missing = sorted(set(usernames) - {u.username for u in found})
    if missing:
        raise ValidationError({"coordinators": [_("No user “%(name)s”.") % {"name": n} for n in missing]})
    return found


def _agreement_values(user: Any, sent: dict[str, Any]) -> dict[str, Any]:
    values = dict(sent)
    if "owner" in values:
        values["owner"] = organisation(user, values["owner"], "owner")
    if "parties" in values:
        values["parties"] = organisations(user, values["parties"], "parties")
    if "coordinators" in values:
        values["coordinators"] = _users(values["coordinators"])
    return values


@router.post("/agreements", response={201: AgreementOut, **ERRORS})
def create_agreement(
    request: HttpRequest, payload: AgreementIn, response: HttpResponse
) -> Status[dict[str, Any]]:
    values = _agreement_values(request.user, payload.dict())
    agreement = services.create_agreement(by=request.user, data=services.AgreementInput(**values))
    agreement = _agreement(request, agreement.pk)
    response["ETag"] = etag(agreement)
    response["Location"] = reverse("api:agreement", args=[agreement.pk])
    return Status(201, _agreement_out(agreement, request.user))


@router.patch("/agreements/{int:agreement_id}", response={200: AgreementOut, **ERRORS})
def patch_agreement(
    request: HttpRequest, agreement_id: int, payload: AgreementPatch, response: HttpResponse
) -> dict[str, Any]:
    agreement = _agreement(request, agreement_id, Action.CHANGE)
    check_if_match(request, agreement)
    sent = payload.dict(exclude_unset=True)
    refuse_nulls(sent, {"ends_on", "signed_on"})
    changes = _agreement_values(request.user, sent)
    services.update_agreement(
        by=request.user, agreement=agreement, version=agreement.version, changes=changes
    )
    agreement = _agreement(request, agreement_id)
    response["ETag"] = etag(agreement)
    return _agreement_out(agreement, request.user)


@router.delete("/agreements/{int:agreement_id}", response={204: None, **ERRORS})
def delete_agreement(request: HttpRequest, agreement_id: int) -> Status[None]:
    agreement = _agreement(request, agreement_id, Action.DELETE)
    check_if_match(request, agreement)
    services.delete_agreement(by=request.user, agreement=agreement)
    return Status(204, None)


# --- rules ------------------------------------------------------------------------------------


def _rule_values(user: Any, sent: dict[str, Any]) -> dict[str, Any]:
    values = dict(sent)
    if "recipient" in values:
        values["recipient"] = organisation(user, values["recipient"], "recipient")
    if values.get("source") is not None:
        values["source"] = organisation(user, values["source"], "source")
    if "countries" in values:
        values["countries"] = countries(values["countries"], "countries")
    if values.get("calendar_country") is not None:
        values["calendar_country"] = country(values["calendar_country"], "calendar_country")
    return values


def _rule(request: HttpRequest, agreement_id: int, rule_id: int) -> SharingRule:
    agreement = _agreement(request, agreement_id, Action.CHANGE)
    rule: SharingRule | None = (
        agreement.rules.filter(pk=rule_id).select_related("recipient", "source", "agreement").first()
    )
    if rule is None:
        raise Http404
    return rule


@router.post("/agreements/{int:agreement_id}/rules", response={201: RuleOut, **ERRORS})
def add_rule(request: HttpRequest, agreement_id: int, payload: RuleIn) -> Status[dict[str, Any]]:
    agreement = _agreement(request, agreement_id, Action.CHANGE)
    values = _rule_values(request.user, payload.dict())
    rule = services.add_rule(by=request.user, agreement=agreement, data=services.RuleInput(**values))
    return Status(201, _rule_out(rule))


@router.patch("/agreements/{int:agreement_id}/rules/{int:rule_id}", response={200: RuleOut, **ERRORS})
def patch_rule(request: HttpRequest, agreement_id: int, rule_id: int, payload: RulePatch) -> dict[str, Any]:
    rule = _rule(request, agreement_id, rule_id)
    check_if_match(request, rule)
    sent = payload.dict(exclude_unset=True)
    refuse_nulls(sent, {"source", "calendar_country"})
    rule = services.update_rule(
        by=request.user, rule=rule, version=rule.version, changes=_rule_values(request.user, sent)
    )
    return _rule_out(rule)


@router.delete("/agreements/{int:agreement_id}/rules/{int:rule_id}", response={204: None, **ERRORS})
def delete_rule(request: HttpRequest, agreement_id: int, rule_id: int) -> Status[None]:
    rule = _rule(request, agreement_id, rule_id)
    services.delete_rule(by=request.user, rule=rule)
    return Status(204, None)


@router.post("/agreements/{int:agreement_id}/rules/{int:rule_id}/apply", response={202: AppliedOut, **ERRORS})
def apply_rule(request: HttpRequest, agreement_id: int, rule_id: int) -> Status[dict[str, int]]:
    """Apply the rule to every activity not yet started, in the background."""
    rule = _rule(request, agreement_id, rule_id)
    return Status(202, {"queued": services.apply_rule_to_future(by=request.user, rule=rule)})


# --- health -----------------------------------------------------------------------------------


@router.get("/health", response=HealthOut, summary="Coordination health for a year")
def get_health(
    request: HttpRequest,
    year: int,
    agreement: int | None = None,
    organisation: int | None = None,
    side: str = "source",
) -> dict[str, Any]:
    """The health page's figures: of one agreement, or of the notices an organisation (and the
    units below it) sent (`side=source`) or received (`side=recipient`); only agreements you read."""
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": [_("Give a year between 2000 and 2100.")]})
    if side not in ("source", "recipient"):
        raise ValidationError({"side": [_("Choose source or recipient.")]})
    notices = health.scope(request.user, agreement=agreement, organisation=organisation, side=side)
    start, end = health.year_bounds(year)
    return health.as_dict(health.measure(notices, start, end, language=get_language(), reader=request.user))


# --- webhook endpoints ------------------------------------------------------------------------


def _endpoint_out(endpoint: WebhookEndpoint, *, secret: bool = False) -> dict[str, Any]:
    return {
        "id": endpoint.pk,
        "organisation": endpoint.organisation_id,
        "url": endpoint.url,
        "description": endpoint.description,
        "active": endpoint.active,
        "secret": endpoint.secret if secret else None,
    }


def _endpoint(request: HttpRequest, endpoint_id: int) -> WebhookEndpoint:
    endpoint: WebhookEndpoint | None = (
        WebhookEndpoint.objects.select_related("organisation").filter(pk=endpoint_id).first()
    )
    if endpoint is None or not services.can_manage_webhooks(request.user, endpoint.organisation):
        raise Http404
    return endpoint


@router.get("/webhooks", response=list[WebhookOut], summary="Webhook endpoints you manage")
def list_webhooks(request: HttpRequest) -> list[dict[str, Any]]:
    """The endpoints of the organisations you coordinate (or every one, for an administrator)."""
    endpoints = WebhookEndpoint.objects.select_related("organisation").order_by("pk")
    return [_endpoint_out(e) for e in endpoints if services.can_manage_webhooks(request.user, e.organisation)]


@router.post("/webhooks", response={201: WebhookOut, **ERRORS})
def add_webhook(request: HttpRequest, payload: WebhookIn) -> Status[dict[str, Any]]:
    """Register an HTTPS endpoint for the notices addressed to an organisation you coordinate.
    The answer carries the signing secret: the only time it is shown."""
    org = organisation(request.user, payload.organisation, "organisation")
    endpoint = services.add_webhook(
        by=request.user, organisation=org, url=payload.url, description=payload.description
    )
    return Status(201, _endpoint_out(endpoint, secret=True))


@router.delete("/webhooks/{int:endpoint_id}", response={204: None, **ERRORS})
def delete_webhook(request: HttpRequest, endpoint_id: int) -> Status[None]:
    services.delete_webhook(by=request.user, endpoint=_endpoint(request, endpoint_id))
    return Status(204, None)


@router.get("/webhooks/{int:endpoint_id}/deliveries", response={200: list[DeliveryOut], **READ_ERRORS})
def webhook_deliveries(request: HttpRequest, endpoint_id: int, limit: int = 50) -> list[dict[str, Any]]:
    """The endpoint's latest deliveries, each with its attempts (the delivery log)."""
    limit, _offset = clamp(limit, 0)
    endpoint = _endpoint(request, endpoint_id)
    deliveries = (
        Delivery.objects.filter(endpoint=endpoint)
        .select_related("notice")
        .prefetch_related("log")
        .order_by("-pk")
    )[:limit]
    return [
        {
            "notice": d.notice.uid,
            "status": d.status,
            "attempts": d.attempts,
            "next_attempt_at": d.next_attempt_at,
            "delivered_at": d.delivered_at,
            "last_error": d.last_error,
            "log": [
                {
                    "at": a.at,
                    "ok": a.ok,
                    "status_code": a.status_code,
                    "error": a.error,
                    "duration_ms": a.duration_ms,
                }
                for a in d.log.all()
            ],
        }
        for d in deliveries
    ]


# --- annual joint plans -----------------------------------------------------------------------


def _plan_item_out(item: PlanItem, user: Any) -> dict[str, Any]:
    from django.utils import timezone

    activities = list(item.activities.all())
    readable = readable_ids(user, Activity, [a.pk for a in activities])
    responsible = [o.pk for o in item.responsible.all()]
    return {
        "id": item.pk,
        "title_en": item.title_en,
        "title_vi": item.title_vi,
        "title_ar": item.title_ar,
        "responsible": sorted(
            pk for pk in responsible if pk in readable_ids(user, Organisation, responsible)
        ),
        "starts_on": item.starts_on,
        "ends_on": item.ends_on,
        "activities": sorted(a.pk for a in activities if a.pk in readable),
        "state": item.state([a.status for a in activities], timezone.localdate()),
        "notes": item.notes,
        "version": item.version,
    }


def _plan_values(user: Any, sent: dict[str, Any]) -> dict[str, Any]:
    values = dict(sent)
    if "responsible" in values:
        values["responsible"] = organisations(user, values["responsible"], "responsible")
    if "activities" in values:
        wanted = set(values["activities"])
        found = list(visible(user, Activity.objects.filter(pk__in=wanted)))
        missing = sorted(wanted - {a.pk for a in found})
        if missing:
            raise ValidationError({"activities": [_("No activity %(id)s.") % {"id": pk} for pk in missing]})
        values["activities"] = found
    return values


def _plan_item(request: HttpRequest, agreement_id: int, item_id: int) -> PlanItem:
    agreement = _agreement(request, agreement_id, Action.CHANGE)
    item: PlanItem | None = agreement.plan_items.filter(pk=item_id).first()
    if item is None:
        raise Http404
    return item


@router.get("/agreements/{int:agreement_id}/plan-items", response={200: list[PlanItemOut], **READ_ERRORS})
def list_plan_items(request: HttpRequest, agreement_id: int) -> list[dict[str, Any]]:
    """The items of an agreement's joint plan; `state` follows from the carrying activities."""
    agreement = _agreement(request, agreement_id)
    items = agreement.plan_items.prefetch_related("responsible", "activities").order_by("starts_on", "id")
    return [_plan_item_out(item, request.user) for item in items]


@router.post("/agreements/{int:agreement_id}/plan-items", response={201: PlanItemOut, **ERRORS})
def add_plan_item(request: HttpRequest, agreement_id: int, payload: PlanItemIn) -> Status[dict[str, Any]]:
    agreement = _agreement(request, agreement_id, Action.CHANGE)
    values = _plan_values(request.user, payload.dict())
    item = plan.add_plan_item(by=request.user, agreement=agreement, data=plan.PlanItemInput(**values))
    return Status(201, _plan_item_out(item, request.user))


@router.patch(
    "/agreements/{int:agreement_id}/plan-items/{int:item_id}", response={200: PlanItemOut, **ERRORS}
)
def patch_plan_item(
    request: HttpRequest, agreement_id: int, item_id: int, payload: PlanItemPatch
) -> dict[str, Any]:
    item = _plan_item(request, agreement_id, item_id)
    check_if_match(request, item)
    sent = payload.dict(exclude_unset=True)
    refuse_nulls(sent, {"starts_on", "ends_on"})
    current = {
        "responsible": [
            o for o in item.responsible.all() if o.pk in readable_ids(request.user, Organisation, [o.pk])
        ],
        "activities": [
            a for a in item.activities.all() if a.pk in readable_ids(request.user, Activity, [a.pk])
        ],
        **{
            name: getattr(item, name)
            for name in ("title_en", "title_vi", "title_ar", "starts_on", "ends_on", "notes")
        },
    }
    current.update(_plan_values(request.user, sent))
    item = plan.update_plan_item(by=request.user, item=item, data=plan.PlanItemInput(**current))
    return _plan_item_out(item, request.user)


@router.delete("/agreements/{int:agreement_id}/plan-items/{int:item_id}", response={204: None, **ERRORS})
def delete_plan_item(request: HttpRequest, agreement_id: int, item_id: int) -> Status[None]:
    plan.delete_plan_item(by=request.user, item=_plan_item(request, agreement_id, item_id))
    return Status(204, None)

"""Pages for guiding documents and plans: lists, details with the roll-up, forms.

Each view looks its record up through `permissions` (hidden = 404), calls one service or
selector, and renders the page or, for HTMX, the named partial of the same template."""

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

from liaison.core import access
from liaison.core.access import Action
from liaison.core.htmx import paginate, query_without_page, render_page
from liaison.directory.views_manage import apply_service_errors
from liaison.implementation import services, tree
from liaison.implementation.completeness import completeness
from liaison.implementation.forms import (
    ApprovalLevelsForm,
    DocumentForm,
    ObjectiveForm,
    PlanForm,
    RelationForm,
)
from liaison.implementation.models import DocumentKind, DocumentRelation, GuidingDocument, Plan
from liaison.implementation.permissions import get_document_for_user, get_plan_for_user
from liaison.implementation.progress import document_rollup, implementing_documents, plan_trees
from liaison.implementation.selectors import (
    PlanFilters,
    current_period,
    documents_for,
    name_or_hidden,
    organisation_names,
    overdue_assignments,
    plans_for,
)


def _language() -> str:
    return get_language() or "en"


def _can_create(user: Any) -> bool:
    return access.principal_for(user).is_superuser or any(
        s.role >= access.Role.EDITOR for s in access.principal_for(user).scopes
    )


# --- Lists ------------------------------------------------------------------------------------


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Guiding documents, newest first, with the plans implementing them."""
    q = request.GET.get("q", "").strip()[:200]
    kind = request.GET.get("kind", "")
    kind = kind if kind in DocumentKind.values else ""
    page = paginate(request, documents_for(request.user, q, kind))
    documents = list(page.object_list)
    plans = access.visible(
        request.user, Plan.objects.filter(document__in=[d.pk for d in documents])
    ).order_by("starts_on", "id")
    by_document: dict[int, list[Plan]] = {}
    for plan in plans:
        by_document.setdefault(plan.document_id, []).append(plan)
    names = organisation_names(request.user, {d.issuer_id for d in documents}, _language())
    context = {
        "page": page,
        "rows": [
            {
                "document": d,
                "plans": by_document.get(d.pk, []),
                "issuer": name_or_hidden(names, d.issuer_id),
            }
            for d in documents
        ],
        "q": q,
        "kind": kind,
        "kinds": DocumentKind.choices,
        "filtered": bool(q or kind),
        "query": query_without_page(request),
        "can_create": _can_create(request.user),
        "language": _language(),
    }
    return render_page(request, "implementation/home.html", context, partial="results")


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:200]
    active = request.GET.get("active", "")
    filters = PlanFilters(q=q, active_on=timezone.localdate() if active == "yes" else None)
    page = paginate(request, plans_for(request.user, filters))
    plans = list(page.object_list)
    names = organisation_names(request.user, {p.owner_id for p in plans}, _language())
    # A plan's reader may not read the document it implements: then it is not named.
    documents = access.readable_ids(request.user, GuidingDocument, {p.document_id for p in plans})
    context = {
        "page": page,
        "rows": [
            {
                "plan": p,
                "owner": name_or_hidden(names, p.owner_id),
                "document_readable": p.document_id in documents,
            }
            for p in plans
        ],
        "q": q,
        "active": active,
        "filtered": bool(q or active),
        "query": query_without_page(request),
        "can_create": _can_create(request.user),
        "language": _language(),
    }
    return render_page(request, "implementation/plan_list.html", context, partial="results")


# --- Guiding documents ------------------------------------------------------------------------


def _document_values(data: dict[str, Any]) -> dict[str, Any]:
    values = {name: data.get(name) for name in services.DOCUMENT_EDITABLE}
    for name in ("title_en", "title_vi", "title_ar", "text", "code"):
        values[name] = values[name] or ""
    return values


def _document_page(
    request: HttpRequest,
    document: GuidingDocument,
    *,
    relation_form: RelationForm | None = None,
    status: int = 200,
) -> HttpResponse:
    language = _language()
    ids = implementing_documents(document)
    plans = list(
        access.visible(request.user, Plan.objects.filter(document_id__in=ids))
        .select_related("document")
        .prefetch_related("objectives")
        .order_by("starts_on", "id")
    )
    rollup = document_rollup(document, plans, language)
    relations = DocumentRelation.objects.filter(source=document).select_related("target")
    incoming = DocumentRelation.objects.filter(target=document).select_related("source")
    readable = access.readable_ids(
        request.user,
        type(document),
        [r.target_id for r in relations] + [r.source_id for r in incoming],
    )
    # Plans implementing the document through others name those only if the reader may read them.
    through = access.readable_ids(request.user, GuidingDocument, {p.document_id for p in plans})
    can_edit = access.can_change(request.user, document)
    if relation_form is None and can_edit:
        relation_form = RelationForm(user=request.user, document=document)
    context = {
        "document": document,
        "rollup": rollup,
        "through": through,
        "relations": [r for r in relations if r.target_id in readable],
        "incoming": [r for r in incoming if r.source_id in readable],
        "names": organisation_names(request.user, {document.issuer_id, document.owner_id}, language),
        "can_edit": can_edit,
        "can_delete": access.can_delete(request.user, document),
        "relation_form": relation_form if can_edit else None,
        "language": language,
    }
    return render(request, "implementation/document_detail.html", context, status=status)


@login_required
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _document_page(request, get_document_for_user(request.user, pk, request=request))


def _document_form_page(request: HttpRequest, document: Any) -> HttpResponse:
    initial: dict[str, Any] = {}
    if document is not None:
        initial = services.document_input(document).__dict__ | {"version": document.version}
    form = DocumentForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = _document_values(form.cleaned_data)
        try:
            if document is None:
                document = services.create_document(by=request.user, data=services.DocumentInput(**values))
            else:
                document = services.update_document(
                    by=request.user,
                    document=document,
                    version=form.cleaned_data.get("version"),
                    changes=values,
                )
        except ValidationError as error:
            apply_service_errors(form, error)
        except PermissionDenied:
            form.add_error(
                "owner", _("You may not keep records for this organisation at this classification.")
            )
        else:
            messages.success(request, _("Document saved."))
            return redirect(document.get_absolute_url())
    context = {"form": form, "document": document, "language": _language()}
    return render(request, "implementation/document_form.html", context, status=400 if form.errors else 200)


@login_required
def document_create(request: HttpRequest) -> HttpResponse:
    return _document_form_page(request, None)


@login_required
def document_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _document_form_page(
        request, get_document_for_user(request.user, pk, action=Action.CHANGE, request=request)
    )


@login_required
def document_delete(request: HttpRequest, pk: int) -> HttpResponse:
    document = get_document_for_user(request.user, pk, action=Action.DELETE, request=request)
    error = ""
    if request.method == "POST":
        try:
            services.delete_document(by=request.user, document=document)
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            messages.success(request, _("Document deleted."))
            return redirect("implementation:home")
    context = {
        "record": document,
        "error": error,
        "cancel": document.get_absolute_url(),
        "language": _language(),
    }
    return render(request, "implementation/confirm_delete.html", context, status=400 if error else 200)


@login_required
@require_POST
def relation_add(request: HttpRequest, pk: int) -> HttpResponse:
    document = get_document_for_user(request.user, pk, action=Action.CHANGE, request=request)
    form = RelationForm(request.POST, user=request.user, document=document)
    if form.is_valid():
        try:
            services.relate(
                by=request.user,
                source=document,
                target=form.cleaned_data["target"],
                kind=form.cleaned_data["kind"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Relation recorded."))
            return redirect(document.get_absolute_url() + "#relations")
    return _document_page(request, document, relation_form=form, status=400)


@login_required
@require_POST
def relation_delete(request: HttpRequest, pk: int, relation_id: int) -> HttpResponse:
    document = get_document_for_user(request.user, pk, action=Action.CHANGE, request=request)
    relation = DocumentRelation.objects.filter(source=document, pk=relation_id).first()
    if relation is None:
        raise Http404
    services.unrelate(by=request.user, relation=relation)
    messages.success(request, _("Relation removed."))
    return redirect(document.get_absolute_url() + "#relations")


# --- Plans ------------------------------------------------------------------------------------


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_plan_for_user(request.user, pk, request=request)
    language = _language()
    today = timezone.localdate()
    (rollup,) = plan_trees([plan], language)
    period = current_period(plan, today)
    rates = completeness(plan, until=today)
    overdue = list(overdue_assignments(plan, today)[:20])
    levels = list(plan.approval_levels.all())
    inspections = list(plan.inspections.order_by("planned_on", "id")[:10])
    names = organisation_names(
        request.user,
        {
            plan.owner_id,
            *(a.organisation_id for a in overdue),
            *(lv.organisation_id for lv in levels),
            *(v.organisation_id for v in inspections),
            *(n.record.responsible_id for _d, n in rollup.walk() if n.kind == "task"),
        },
        language,
    )
    can_edit = access.can_change(request.user, plan)
    context = {
        "plan": plan,
        # An organisation assigned a task reads the plan, not necessarily the document.
        "document_readable": access.can_read(request.user, plan.document),
        "rollup": rollup,
        "rows": [(depth, node) for depth, node in rollup.walk() if depth > 0],
        "objectives": [node for node in rollup.children if node.kind == "objective"],
        "period": period,
        "rates": rates,
        "recent": [(p, rates.by_period.get(p.pk)) for p in rates.periods[-4:]],
        "overdue": overdue,
        "levels": levels,
        "names": names,
        "inspections": inspections,
        "current": rates.by_period.get(period.pk) if period is not None else None,
        "can_edit": can_edit,
        "can_delete": access.can_delete(request.user, plan),
        "objective_form": ObjectiveForm() if can_edit else None,
        "today": today,
        "language": language,
    }
    return render(request, "implementation/plan_detail.html", context)


def _plan_values(data: dict[str, Any]) -> dict[str, Any]:
    values = {name: data.get(name) for name in services.PLAN_EDITABLE}
    for name in ("title_en", "title_vi", "title_ar", "code", "notes"):
        values[name] = values[name] or ""
    values["coordinators"] = list(data.get("coordinators") or [])
    return values


def _plan_form_page(request: HttpRequest, plan: Plan | None) -> HttpResponse:
    initial: dict[str, Any] = {}
    if plan is not None:
        initial = services.plan_input(plan).__dict__ | {"version": plan.version}
    elif (document_id := request.GET.get("document", "")).isdecimal():
        initial = {"document": document_id}
    form = PlanForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = _plan_values(form.cleaned_data)
        try:
            if plan is None:
                plan = services.create_plan(by=request.user, data=services.PlanInput(**values))
            else:
                plan = services.update_plan(
                    by=request.user, plan=plan, version=form.cleaned_data.get("version"), changes=values
                )
        except ValidationError as error:
            apply_service_errors(form, error)
        except PermissionDenied:
            form.add_error(
                "owner", _("You may not keep records for this organisation at this classification.")
            )
        else:
            messages.success(request, _("Plan saved."))
            return redirect(plan.get_absolute_url())
    context = {"form": form, "plan": plan, "language": _language()}
    return render(request, "implementation/plan_form.html", context, status=400 if form.errors else 200)


@login_required
def plan_create(request: HttpRequest) -> HttpResponse:
    return _plan_form_page(request, None)


@login_required
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _plan_form_page(
        request, get_plan_for_user(request.user, pk, action=Action.CHANGE, request=request)
    )


@login_required
def plan_delete(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_plan_for_user(request.user, pk, action=Action.DELETE, request=request)
    error = ""
    if request.method == "POST":
        try:
            services.delete_plan(by=request.user, plan=plan)
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            messages.success(request, _("Plan deleted."))
            return redirect(plan.document.get_absolute_url())
    context = {"record": plan, "error": error, "cancel": plan.get_absolute_url(), "language": _language()}
    return render(request, "implementation/confirm_delete.html", context, status=400 if error else 200)


@login_required
def plan_levels(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_plan_for_user(request.user, pk, action=Action.CHANGE, request=request)
    initial = {
        "organisations": [lv.organisation for lv in plan.approval_levels.select_related("organisation")]
    }
    form = ApprovalLevelsForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        # Keep the order in which the organisations were given.
        chosen = {o.pk: o for o in form.cleaned_data["organisations"]}
        ordered = [
            chosen[int(i)]
            for i in request.POST.getlist("organisations")
            if i.isdecimal() and int(i) in chosen
        ]
        try:
            services.set_approval_levels(by=request.user, plan=plan, organisations=ordered)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Approval levels saved."))
            return redirect(plan.get_absolute_url() + "#levels")
    context = {"form": form, "plan": plan, "language": _language()}
    return render(request, "implementation/plan_levels.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def objective_add(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_plan_for_user(request.user, pk, action=Action.CHANGE, request=request)
    form = ObjectiveForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            tree.add_objective(
                by=request.user,
                plan=plan,
                data=tree.ObjectiveInput(
                    title_en=data["title_en"] or "",
                    title_vi=data["title_vi"] or "",
                    title_ar=data["title_ar"] or "",
                    code=data["code"] or "",
                    weight=data["weight"],
                ),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Objective added."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(plan.get_absolute_url() + "#objectives")

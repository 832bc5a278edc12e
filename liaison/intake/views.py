"""Intake pages: the document list with search, adding a document, the review page.

Documents are looked up through the access policy (`access.get_for_user`): a hidden document
answers the same 404 as a missing one, and so do its proposals. Deciding on a proposal needs the
right to change the document; the services behind it check the rest.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liaison.core import access
from liaison.core.access import Action
from liaison.core.htmx import paginate, query_without_page
from liaison.directory.models import Organisation, Person
from liaison.intake import review, search, services
from liaison.intake.extraction.proposals import ProposalType
from liaison.intake.forms import CorrectionForm, DocumentForm
from liaison.intake.models import Document, Proposal, ProposalState

# The order of the groups on the review page, and their headings.
TYPE_ORDER = [
    ProposalType.EVENT,
    ProposalType.PERSON,
    ProposalType.ORGANISATION,
    ProposalType.PLACE,
    ProposalType.DATE,
    ProposalType.FIGURE,
    ProposalType.DOCUMENT_REF,
]


def _type_labels() -> dict[str, str]:
    return {
        ProposalType.EVENT: _("Events"),
        ProposalType.PERSON: _("People"),
        ProposalType.ORGANISATION: _("Organisations"),
        ProposalType.PLACE: _("Places"),
        ProposalType.DATE: _("Dates"),
        ProposalType.FIGURE: _("Figures"),
        ProposalType.DOCUMENT_REF: _("Document references"),
    }


def _document(request: HttpRequest, pk: int, *, write: bool = False) -> Document:
    document: Document = access.get_for_user(
        request.user,
        Document.objects.select_related("owner"),
        pk,
        action=Action.CHANGE if write else Action.READ,
        request=request,
    )
    return document


def _proposal(request: HttpRequest, pk: int) -> Proposal:
    """A proposal of a document the user may change; otherwise the 404 of a missing one."""
    document_id = Proposal.objects.filter(pk=pk).values_list("document_id", flat=True).first()
    document = _document(request, document_id if document_id is not None else 0, write=True)
    return document.proposals.get(pk=pk)


# --- The list and search ------------------------------------------------------------------------


@login_required
def document_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:200]
    results = None
    page = None
    if q:
        results = search.search(request.user, q, limit=50)
    else:
        documents = access.visible(request.user, Document.objects.select_related("owner")).order_by(
            "-published_on", "-pk"
        )
        page = paginate(request, documents)
    context = {
        "q": q,
        "results": results,
        "page": page,
        "query": query_without_page(request),
        "can_create": _can_create(request.user),
    }
    return render(request, "intake/document_list.html", context)


def _can_create(user: Any) -> bool:
    p = access.principal_for(user)
    return p.is_superuser or any(s.role >= access.Role.EDITOR for s in p.scopes)


# --- Adding a document ------------------------------------------------------------------------


@login_required
def document_create(request: HttpRequest) -> HttpResponse:
    form = DocumentForm(request.POST or None, request.FILES or None, user=request.user)
    duplicate = None
    if request.method == "POST" and form.is_valid():
        name, content, field = form.content()
        try:
            result = services.ingest(
                request.user,
                owner=form.cleaned_data["owner"],
                classification=form.cleaned_data["classification"],
                name=name,
                content=content,
                published_on=form.cleaned_data.get("published_on"),
            )
        except PermissionDenied as error:
            form.add_error("owner", str(error))
        except ValidationError as error:
            for key, errors in error.message_dict.items():
                form.add_error(field if key == "content" else (key if key in form.fields else None), errors)
        else:
            if result.created:
                messages.success(request, _("The document is stored; review its proposals below."))
                return redirect("intake:document-review", result.document.pk)
            duplicate = result.document
    return render(request, "intake/document_form.html", {"form": form, "duplicate": duplicate})


# --- The review page ----------------------------------------------------------------------------


def highlighted(document: Document, proposals: list[Proposal]) -> SafeString:
    """The document's text, each proposal's span a `<mark>` (escaped piece by piece). Where spans
    overlap, the first (then the longest) is marked; every proposal stays in the side list."""
    text = document.text
    parts: list[str] = []
    cursor = 0
    for p in sorted(proposals, key=lambda p: (p.start, -(p.end - p.start))):
        if p.start < cursor or p.end > len(text) or p.state == ProposalState.REJECTED:
            continue
        parts.append(escape(text[cursor : p.start]))
        parts.append(
            f'<mark id="span-{p.pk}" class="proposal-mark type-{escape(p.type)} state-{escape(p.state)}"'
            f' title="{escape(_describe(p))}"><a href="#proposal-{p.pk}">'
            f"{escape(text[p.start : p.end])}</a></mark>"
        )
        cursor = p.end
    parts.append(escape(text[cursor:]))
    return mark_safe("".join(parts))  # noqa: S308 - every piece of the text is escaped


def _describe(p: Proposal) -> str:
    """The normalised value in a few words."""
    v = review.effective_value(p)
    if p.type in (ProposalType.PERSON, ProposalType.ORGANISATION, ProposalType.PLACE):
        name = v.get("name") or p.surface
        titles = "; ".join(str(t.get("label")) for t in v.get("titles") or [] if t.get("label"))
        new = _("new entry") if v.get("new") else ""
        return " · ".join(x for x in (str(name), titles, new) if x)
    if p.type == ProposalType.DATE:
        return str(v.get("value", "")) + (" (" + _("year inferred") + ")" if v.get("inferred_year") else "")
    if p.type == ProposalType.FIGURE:
        number = v.get("number")
        return " ".join(
            str(x) for x in (v.get("qualifier") or "", number, v.get("unit") or "") if x not in ("", None)
        )
    if p.type == ProposalType.DOCUMENT_REF:
        return str(v.get("code") or v.get("number") or p.surface)
    if p.type == ProposalType.EVENT:
        bits = [v.get("kind"), v.get("start"), v.get("end"), v.get("place_name"), v.get("format")]
        if v.get("sites"):
            bits.append(_("%(sites)s sites") % {"sites": v["sites"]})
        return " · ".join(str(b) for b in bits if b)
    return p.surface


def _review_context(request: HttpRequest, document: Document, *, notice: str = "") -> dict[str, Any]:
    proposals = list(document.proposals.all())
    records: dict[int, Any] = {}
    for link in document.provenance.select_related("content_type"):
        model = link.content_type.model_class()
        if link.proposal_id and model is not None:
            record: Any = model._default_manager.filter(pk=link.object_id).first()
            if record is not None and access.can_read(request.user, record):
                records[link.proposal_id] = record
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in proposals:
        groups[p.type].append({"proposal": p, "summary": _describe(p), "record": records.get(p.pk)})
    labels = _type_labels()
    return {
        "document": document,
        "text": highlighted(document, proposals),
        "rtl": document.language == "ar",
        "groups": [
            {"type": t, "label": labels.get(t, t), "items": groups[t]} for t in [*TYPE_ORDER] if groups.get(t)
        ],
        "pending": sum(1 for p in proposals if p.state == ProposalState.PENDING),
        "can_review": access.can_change(request.user, document),
        "notice": notice,
    }


@login_required
def document_review(request: HttpRequest, pk: int) -> HttpResponse:
    document = _document(request, pk)
    return render(request, "intake/document_review.html", _review_context(request, document))


def _after_decision(
    request: HttpRequest, document: Document, *, done: str, refused: str = ""
) -> HttpResponse:
    """HTMX: the review area again with the outcome; else back to the page (a refusal shown on it)."""
    if refused or getattr(request, "htmx", False):
        context = _review_context(request, document, notice=refused or done)
        context["notice_is_error"] = bool(refused)
        template = "intake/document_review.html"
        if getattr(request, "htmx", False):
            template += "#review"
        return render(request, template, context)
    messages.success(request, done)
    return redirect(reverse("intake:document-review", args=[document.pk]))


@login_required
@require_POST
def proposal_accept(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal(request, pk)
    try:
        review.accept(request.user, proposal)
    except (PermissionDenied, ValidationError) as error:
        refused = _("Not accepted: %(reason)s") % {"reason": review.message_of(error)}
        return _after_decision(request, proposal.document, done="", refused=refused)
    return _after_decision(
        request, proposal.document, done=_("Accepted: %(text)s") % {"text": proposal.surface}
    )


@login_required
@require_POST
def proposal_reject(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal(request, pk)
    try:
        services.reject(request.user, proposal, everywhere=request.POST.get("everywhere") == "1")
    except (PermissionDenied, ValidationError) as error:
        refused = _("Not rejected: %(reason)s") % {"reason": review.message_of(error)}
        return _after_decision(request, proposal.document, done="", refused=refused)
    return _after_decision(
        request, proposal.document, done=_("Rejected: %(text)s") % {"text": proposal.surface}
    )


@login_required
@require_POST
def document_accept_all(request: HttpRequest, pk: int) -> HttpResponse:
    document = _document(request, pk, write=True)
    result = review.accept_all(request.user, document)
    done = _("%(count)s proposals accepted.") % {"count": len(result.accepted)}
    refused = ""
    if result.refused:
        reasons = sorted({reason for _p, reason in result.refused})
        refused = (
            done
            + " "
            + _("%(count)s not accepted, left pending: %(reasons)s")
            % {"count": len(result.refused), "reasons": " ".join(reasons)}
        )
    return _after_decision(request, document, done=done, refused=refused)


def _candidates(request: HttpRequest, proposal: Proposal) -> list[tuple[int, str]]:
    """Directory entries the reviewer may pick instead: those whose names match the surface."""
    from liaison.core.name_index import lookup
    from liaison.directory.indexing import ORGANISATION, PERSON

    if proposal.type not in (ProposalType.PERSON, ProposalType.ORGANISATION):
        return []
    model = Person if proposal.type == ProposalType.PERSON else Organisation
    kind = PERSON if model is Person else ORGANISATION
    ids = [m.key for m in lookup(kind=kind, query=proposal.surface, limit=10)]
    current = proposal.value.get("id")
    if isinstance(current, int):
        ids.insert(0, current)
    rows = access.visible(request.user, model.objects.filter(pk__in=ids)).values_list("pk", "sort_name")
    names = dict(rows)
    return [(pk, names[pk]) for pk in dict.fromkeys(ids) if pk in names]


@login_required
def proposal_correct(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal(request, pk)
    form = CorrectionForm(request.POST or None, proposal=proposal, candidates=_candidates(request, proposal))
    if request.method == "POST" and form.is_valid():
        try:
            review.correct(request.user, proposal, form.correction())
        except PermissionDenied as error:
            form.add_error(None, review.message_of(error))
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for key, errors in error.message_dict.items():
                    form.add_error(key if key in form.fields else None, errors)
            else:
                form.add_error(None, error.messages)
        else:
            messages.success(request, _("Corrected and accepted: %(text)s") % {"text": proposal.surface})
            return redirect(
                reverse("intake:document-review", args=[proposal.document_id]) + f"#proposal-{pk}"
            )
    context = {
        "form": form,
        "proposal": proposal,
        "document": proposal.document,
        "summary": _describe(proposal),
        "quote": review.quote(proposal.document.text, proposal.start, proposal.end),
        "rtl": proposal.document.language == "ar",
    }
    return render(request, "intake/proposal_correct.html", context)

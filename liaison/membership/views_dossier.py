"""A member's digitised dossier: its files, uploading scans, marking it digitised; downloading a
scan or a transfer's document.

Every opening of the dossier page and every download of one of its files is written to the audit
(`dossiers.record_view`: who looked, when, which file), shown in the member's history. Whoever
reads the member opens the dossier; whoever may change the member uploads and removes scans."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from liaison.core import access
from liaison.core.access import Action
from liaison.membership import dossiers
from liaison.membership.forms import DayForm, DocumentForm
from liaison.membership.models import DossierStatus, Member
from liaison.membership.permissions import (
    get_dossier_file_for_user,
    get_member_for_user,
    get_transfer_document_for_user,
)
from liaison.membership.views_manage import show_errors


def _url(member: Member) -> str:
    return reverse("membership:dossier", args=[member.pk])


def _page(
    request: HttpRequest,
    member: Member,
    *,
    upload_form: DocumentForm | None = None,
    digitised_form: DayForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The dossier as its reader sees it; the opening is audited."""
    dossier = dossiers.record_view(user=request.user, member=member)
    files = list(dossier.files.order_by("id"))
    can_change = access.can_change(request.user, member)
    context: dict[str, Any] = {
        "member": member,
        "dossier": dossier,
        "files": files,
        "can_change": can_change,
        "upload_form": (upload_form or DocumentForm()) if can_change else None,
        "digitised_form": digitised_form
        or (DayForm() if can_change and files and dossier.status != DossierStatus.DIGITISED else None),
        "can_reopen": can_change and dossier.status == DossierStatus.DIGITISED,
        "language": get_language(),
    }
    return render(request, "membership/dossier.html", context, status=status)


@login_required
def dossier(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the dossier. POST: upload a scan (a PDF or an image within the size limit)."""
    if request.method != "POST":
        return _page(request, get_member_for_user(request.user, pk, request=request))
    member = get_member_for_user(request.user, pk, action=Action.CHANGE, request=request)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            item = dossiers.add_file(by=request.user, member=member, upload=form.cleaned_data["file"])
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("“%(name)s” added to the dossier.") % {"name": item.original_name})
            return redirect(_url(member))
    return _page(request, member, upload_form=form, status=400)


@login_required
@require_POST
def dossier_digitised(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_member_for_user(request.user, pk, action=Action.CHANGE, request=request)
    form = DayForm(request.POST)
    if form.is_valid():
        try:
            dossiers.mark_digitised(by=request.user, member=member, on=form.cleaned_data["on"])
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("The dossier is marked digitised."))
            return redirect(_url(member))
    return _page(request, member, digitised_form=form, status=400)


@login_required
@require_POST
def dossier_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_member_for_user(request.user, pk, action=Action.CHANGE, request=request)
    try:
        dossiers.reopen(by=request.user, member=member)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The dossier is being digitised again."))
    return redirect(_url(member))


@login_required
@require_POST
def dossier_file_delete(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_dossier_file_for_user(request.user, pk, request=request)
    member = get_member_for_user(request.user, item.dossier.member_id, action=Action.CHANGE, request=request)
    name = item.original_name
    dossiers.remove_file(by=request.user, item=item)
    messages.success(request, _("“%(name)s” removed from the dossier.") % {"name": name})
    return redirect(_url(member))


def _download(field: Any, *, name: str, content_type: str) -> FileResponse:
    """A stored file sent as a download, never rendered inline, never cached."""
    try:
        handle = field.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=name or "file",
        content_type=content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def dossier_file(request: HttpRequest, pk: int) -> FileResponse:
    item = get_dossier_file_for_user(request.user, pk, request=request)
    response = _download(item.file, name=item.original_name, content_type=item.content_type)
    dossiers.record_view(user=request.user, member=item.dossier.member, file=item)
    return response


@login_required
@require_GET
def transfer_document(request: HttpRequest, pk: int) -> FileResponse:
    item = get_transfer_document_for_user(request.user, pk, request=request)
    return _download(item.file, name=item.original_name, content_type=item.content_type)

"""Membership pages that change records: members, postings, events, transfers, branches.

GET shows the form, POST writes through one service and goes back to the record's page. A record
the user may read but not change answers 404, exactly as a missing one (the policy says "not
found" for writes too). A service's refusal lands on the field it names, with a 400 and nothing
saved; an edit started from an older version than the stored one is refused with a 409 and the
form shown again at the current version."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from liaison.core import access
from liaison.core.access import Action
from liaison.core.models import StaleRecordError
from liaison.directory.views_manage import CONFLICT_MESSAGE, apply_service_errors
from liaison.membership import services, transfers
from liaison.membership.forms import (
    NAME_FIELDS,
    BranchEditForm,
    CancelForm,
    DayForm,
    DocumentForm,
    EventForm,
    MemberForm,
    NewBranchForm,
    NewMemberForm,
    PostingForm,
    ReceiveForm,
    ReleaseForm,
    member_initial,
)
from liaison.membership.models import Branch, Member, MemberName, Posting, Transfer
from liaison.membership.permissions import (
    get_branch_for_user,
    get_member_for_user,
    get_posting_for_user,
    get_transfer_for_user,
)

FORM_TEMPLATE = "membership/form.html"
# Service error keys that have no field of that name on the form, and the field they belong to.
ALIASES = {"names": "name_vi"}


def _language() -> str:
    return get_language() or "en"


def show_errors(form: Form, error: ValidationError) -> None:
    """The service's errors on the form's fields (`names` on the first name field)."""
    if hasattr(error, "error_dict"):
        error = ValidationError(
            {ALIASES.get(k, k) if k not in form.fields else k: v for k, v in error.error_dict.items()}
        )
    apply_service_errors(form, error)


def form_page(request: HttpRequest, form: Form, *, status: int | None = None, **context: Any) -> HttpResponse:
    """The one template every membership form is shown in (title, what it does, where it leads)."""
    context = {"form": form, "language": _language(), **context}
    if status is None:
        status = 400 if form.errors else 200
    return render(request, FORM_TEMPLATE, context, status=status)


def _write(form: Form, act: Callable[[], Any]) -> Any:
    """Run a service; on refusal put its errors on the form and return None."""
    try:
        return act()
    except ValidationError as error:
        show_errors(form, error)
    return None


def show_conflict(request: HttpRequest, form: Form, version: int) -> None:
    """Someone saved the record meanwhile: show the form again at the stored version."""
    resubmit = request.POST.copy()
    resubmit["version"] = str(version)
    form.data = resubmit
    form.add_error(None, CONFLICT_MESSAGE)


# --- Members -----------------------------------------------------------------------------------


def _form_names(data: dict[str, Any]) -> list[services.NameInput]:
    return [
        services.NameInput((data.get(field) or "").strip(), language)
        for field, language in NAME_FIELDS
        if (data.get(field) or "").strip()
    ]


def _identity(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "register_number": data.get("register_number") or "",
        "gender": data.get("gender") or "",
        "birth_date": data.get("birth_date"),
        "languages": data.get("languages") or "",
        "notes": data.get("notes") or "",
        "classification": data["classification"],
    }


@login_required
def member_create(request: HttpRequest) -> HttpResponse:
    branch = request.GET.get("branch", "")
    initial = {"branch": branch} if branch.isdecimal() else {}
    form = NewMemberForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member = services.create_member(
                by=request.user,
                data=services.MemberInput(
                    branch=data["branch"],
                    names=_form_names(data),
                    joined_on=data["joined_on"],
                    **_identity(data),
                ),
            )
        except ValidationError as error:
            show_errors(form, error)
        except PermissionDenied:
            form.add_error(
                "classification", _("You may not keep records at this classification in this branch.")
            )
        else:
            messages.success(request, _("Member recorded."))
            return redirect(member.get_absolute_url())
    return form_page(
        request,
        form,
        title=_("New member"),
        intro=_(
            "Give the member's name in at least one language; every spelling is found by the search. "
            "The member is placed in the branch from the day they joined, with a dossier to digitise."
        ),
        cancel=reverse("membership:members"),
    )


def _names_after_edit(names: list[MemberName], data: dict[str, Any]) -> list[services.NameInput] | None:
    """The member's names after the form: the first Vietnamese, English and Arabic spellings are
    the form's, every other spelling stays. None when nothing changed."""
    languages = {language for _field, language in NAME_FIELDS}
    shown = {n.language: n for n in reversed(names) if n.language in languages}
    kept = [services.NameInput(n.value, n.language) for n in names if shown.get(n.language) is not n]
    after = kept + _form_names(data)
    if {(n.value, n.language) for n in after} == {(n.value, n.language) for n in names}:
        return None
    return after


@login_required
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_member_for_user(request.user, pk, action=Action.CHANGE, request=request)
    names = list(member.names.order_by("id"))
    form = MemberForm(request.POST or None, initial=member_initial(member, names))
    conflict = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes: dict[str, Any] = {**_identity(data), "joined_on": data["joined_on"]}
        new_names = _names_after_edit(names, data)
        if new_names is not None:
            changes["names"] = new_names
        try:
            services.update_member(
                by=request.user, member=member, version=data.get("version"), changes=changes
            )
        except StaleRecordError:
            conflict = True
            show_conflict(request, form, Member.objects.values_list("version", flat=True).get(pk=member.pk))
        except ValidationError as error:
            show_errors(form, error)
        except PermissionDenied:
            form.add_error("classification", _("You may not keep records at this classification."))
        else:
            messages.success(request, _("Changes saved."))
            return redirect(member.get_absolute_url())
    return form_page(
        request,
        form,
        status=409 if conflict else None,
        title=_("Edit member"),
        member=member,
        cancel=member.get_absolute_url(),
    )


# --- Postings ----------------------------------------------------------------------------------


def _posting_input(data: dict[str, Any]) -> services.PostingInput:
    return services.PostingInput(
        country=data["country"],
        start=data["start"],
        end=data.get("end"),
        mission=data.get("mission"),
        letter_number=data.get("letter_number") or "",
    )


POSTING_INTRO = gettext_lazy("A term abroad. Postings of one member never overlap.")


@login_required
def posting_add(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_member_for_user(request.user, pk, action=Action.CHANGE, request=request)
    form = PostingForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _write(
            form, lambda: services.add_posting(by=request.user, member=member, data=_posting_input(data))
        ):
            messages.success(request, _("Posting recorded."))
            return redirect(member.get_absolute_url() + "#postings")
    return form_page(
        request,
        form,
        title=_("New posting abroad"),
        intro=str(POSTING_INTRO),
        member=member,
        cancel=member.get_absolute_url(),
    )


def _posting_for_change(request: HttpRequest, pk: int) -> tuple[Posting, Member]:
    posting = get_posting_for_user(request.user, pk, request=request)
    member = get_member_for_user(request.user, posting.member_id, action=Action.CHANGE, request=request)
    return posting, member


@login_required
def posting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    posting, member = _posting_for_change(request, pk)
    initial = {
        "country": posting.country.code,
        "mission": posting.mission_id,
        "start": posting.start,
        "end": posting.end,
        "letter_number": posting.letter_number,
        "version": posting.version,
    }
    form = PostingForm(request.POST or None, user=request.user, initial=initial)
    conflict = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_posting(
                by=request.user, posting=posting, version=data.get("version"), data=_posting_input(data)
            )
        except StaleRecordError:
            conflict = True
            show_conflict(request, form, Posting.objects.values_list("version", flat=True).get(pk=posting.pk))
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(member.get_absolute_url() + "#postings")
    return form_page(
        request,
        form,
        status=409 if conflict else None,
        title=_("Edit posting"),
        intro=str(POSTING_INTRO),
        member=member,
        cancel=member.get_absolute_url(),
    )


@login_required
def posting_delete(request: HttpRequest, pk: int) -> HttpResponse:
    posting, member = _posting_for_change(request, pk)
    if request.method == "POST":
        services.delete_posting(by=request.user, posting=posting)
        messages.success(request, _("Posting deleted."))
        return redirect(member.get_absolute_url() + "#postings")
    return form_page(
        request,
        Form(),
        title=_("Delete this posting?"),
        intro=_(
            "The posting to %(country)s from %(start)s will be gone; the record's history keeps what it was."
        )
        % {"country": posting.country.name_in(_language()), "start": posting.start.isoformat()},
        member=member,
        cancel=member.get_absolute_url(),
        submit=_("Delete"),
        danger=True,
    )


# --- Events ------------------------------------------------------------------------------------


@login_required
def event_add(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_member_for_user(request.user, pk, action=Action.CHANGE, request=request)
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = _write(
            form,
            lambda: services.record_event(
                by=request.user, member=member, kind=data["kind"], on=data["on"], note=data.get("note") or ""
            ),
        )
        if done:
            messages.success(request, _("Event recorded; the status follows by the rules."))
            return redirect(member.get_absolute_url())
    return form_page(
        request,
        form,
        title=_("Record an event"),
        intro=_(
            "Suspension, reinstatement, leaving or death. The member's status follows by the status rules."
        ),
        member=member,
        cancel=member.get_absolute_url(),
    )


# --- Transfers ---------------------------------------------------------------------------------


@login_required
def transfer_release(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_member_for_user(request.user, pk, action=Action.CHANGE, request=request)
    form = ReleaseForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        release = transfers.ReleaseInput(
            kind=data["kind"],
            to_branch=data["to_branch"],
            letter_number=data["letter_number"],
            letter_date=data["letter_date"],
            released_on=data["released_on"],
            note=data.get("note") or "",
            documents=data.get("documents") or [],
        )
        if _write(form, lambda: transfers.release(by=request.user, member=member, data=release)):
            messages.success(request, _("Member released; the receiving branch receives them."))
            return redirect(member.get_absolute_url() + "#transfers")
    return form_page(
        request,
        form,
        title=_("Release for transfer"),
        intro=_(
            "Step one of two: the sending branch releases the member with the official letter. "
            "A permanent transfer puts them in transit until the receiving branch receives them; "
            "a temporary one (while posted abroad) attaches them there and keeps their home branch."
        ),
        member=member,
        cancel=member.get_absolute_url(),
        multipart=True,
    )


def _pending_for(request: HttpRequest, pk: int) -> Transfer:
    return get_transfer_for_user(request.user, pk, request=request)


@login_required
def transfer_receive(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = _pending_for(request, pk)
    member = transfer.member
    if not transfers.may_receive(request.user, transfer.to_branch, member):
        raise Http404
    form = ReceiveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        day = form.cleaned_data["received_on"]
        if _write(form, lambda: transfers.receive(by=request.user, transfer=transfer, received_on=day)):
            messages.success(request, _("Member received."))
            return redirect(member.get_absolute_url())
    return form_page(
        request,
        form,
        title=_("Receive the member"),
        intro=_("Step two: %(branch)s receives %(member)s (letter %(letter)s).")
        % {"branch": transfer.to_branch, "member": member.name, "letter": transfer.letter_number},
        member=member,
        cancel=member.get_absolute_url(),
        submit=_("Receive"),
    )


@login_required
def transfer_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = _pending_for(request, pk)
    member = get_member_for_user(request.user, transfer.member_id, action=Action.CHANGE, request=request)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        note = form.cleaned_data.get("note") or ""
        if _write(form, lambda: transfers.cancel(by=request.user, transfer=transfer, note=note)):
            messages.success(request, _("Transfer cancelled; the member is back where they were."))
            return redirect(member.get_absolute_url())
    return form_page(
        request,
        form,
        title=_("Cancel the transfer"),
        intro=_("The member goes back where they were, as if the transfer had not been released."),
        member=member,
        cancel=member.get_absolute_url(),
        submit=_("Cancel the transfer"),
        danger=True,
    )


@login_required
def transfer_document_add(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = _pending_for(request, pk)
    member = transfer.member
    if not (
        access.can_change(request.user, member)
        or transfers.may_receive(request.user, transfer.to_branch, member)
    ):
        raise Http404
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if _write(form, lambda: transfers.add_document(by=request.user, transfer=transfer, upload=upload)):
            messages.success(request, _("Document added."))
            return redirect(member.get_absolute_url() + "#transfers")
    return form_page(
        request,
        form,
        title=_("Add a document to the transfer"),
        intro=_("A PDF or an image (JPEG, PNG or TIFF)."),
        member=member,
        cancel=member.get_absolute_url(),
        multipart=True,
        submit=_("Upload"),
    )


@login_required
def attachment_end(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_member_for_user(request.user, pk, request=request)
    attached_to = member.attached_to
    if attached_to is None or not (
        access.can_change(request.user, member) or transfers.may_receive(request.user, attached_to, member)
    ):
        raise Http404
    form = DayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        day = form.cleaned_data["on"]
        if _write(form, lambda: transfers.end_attachment(by=request.user, member=member, on=day)):
            messages.success(request, _("The temporary attachment has ended."))
            return redirect(member.get_absolute_url())
    return form_page(
        request,
        form,
        title=_("End the temporary attachment"),
        intro=_("The posting is over and the member is back at their home branch only."),
        member=member,
        cancel=member.get_absolute_url(),
    )


# --- Branches ----------------------------------------------------------------------------------


def _branch_input(data: dict[str, Any]) -> services.BranchInput:
    return services.BranchInput(
        level=data["level"], mission=data.get("mission"), minimum_size=data["minimum_size"]
    )


@login_required
def branch_create(request: HttpRequest) -> HttpResponse:
    """Make an organisation keep members (a party branch, a friendship association's chapter)."""
    organisation_id = request.GET.get("organisation", "")
    initial: dict[str, Any] = {"organisation": organisation_id} if organisation_id.isdecimal() else {}
    form = NewBranchForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        organisation = data["organisation"]
        try:
            branch = services.create_branch(
                by=request.user, organisation=organisation, data=_branch_input(data)
            )
        except ValidationError as error:
            show_errors(form, error)
        except PermissionDenied:
            form.add_error("organisation", _("You may not change this organisation."))
        else:
            messages.success(request, _("The organisation keeps members now."))
            return redirect(branch.get_absolute_url())
    return form_page(
        request,
        form,
        title=_("Keep members in an organisation"),
        intro=_(
            "A party committee, branch or cell (or a friendship association's chapter) keeps members. "
            "Its officers are the users with a role in it; those of the organisations above it see it too."
        ),
        cancel=reverse("membership:branches"),
    )


@login_required
def branch_edit(request: HttpRequest, pk: int) -> HttpResponse:
    branch = get_branch_for_user(request.user, pk, action=Action.CHANGE, request=request)
    initial = {
        "level": branch.level,
        "mission": branch.mission_id,
        "minimum_size": branch.minimum_size,
        "secretary": branch.secretary_id,
        "version": branch.version,
    }
    form = BranchEditForm(request.POST or None, user=request.user, branch=branch, initial=initial)
    conflict = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes = {**_branch_input(data).__dict__, "secretary": data.get("secretary")}
        try:
            services.update_branch(
                by=request.user, branch=branch, version=data.get("version"), changes=changes
            )
        except StaleRecordError:
            conflict = True
            show_conflict(request, form, Branch.objects.values_list("version", flat=True).get(pk=branch.pk))
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(branch.get_absolute_url())
    return form_page(
        request,
        form,
        status=409 if conflict else None,
        title=_("Edit branch"),
        branch=branch,
        cancel=branch.get_absolute_url(),
    )

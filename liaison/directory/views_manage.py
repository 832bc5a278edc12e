"""Directory pages that change records: create, edit, delete, names and positions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liaison.core.models import StaleRecordError
from liaison.core.versioning import changes_since
from liaison.directory import services
from liaison.directory.forms import (
    EndPositionForm,
    MandateForm,
    NameForm,
    NewOrganisationForm,
    NewPersonForm,
    OrganisationForm,
    PersonForm,
    PersonNameForm,
    PositionForm,
)
from liaison.directory.models import NameKind
from liaison.directory.permissions import (
    get_organisation_for_user,
    get_person_for_user,
    get_position_for_user,
)

CONFLICT_MESSAGE = gettext_lazy(
    "Someone else changed this record while you were editing it. Review their changes below, then save again."
)


def apply_service_errors(form: Form, error: ValidationError) -> None:
    """Show a service's validation errors on the form's fields (or above it)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def save_edit(
    request: HttpRequest,
    form: Form,
    *,
    record: Any,
    initial: dict[str, Any],
    update: Callable[..., Any],
    reload: Callable[[], Any],
) -> tuple[bool, dict[str, Any] | None]:
    """Apply a valid edit form through `update`; on a concurrent change, show what changed.

    Returns (saved, conflict): `conflict` maps each field to [saved now, submitted].
    """
    data = dict(form.cleaned_data)
    version = data.pop("version")
    changes = {k: v for k, v in data.items() if k in initial and v != getattr(record, k, None)}
    try:
        update(version=version, changes=changes)
    except StaleRecordError:
        current = reload()
        resubmit = request.POST.copy()
        resubmit["version"] = str(current.version)
        form.data = resubmit
        form.add_error(None, CONFLICT_MESSAGE)
        return False, changes_since(current, {k: getattr(v, "pk", v) for k, v in changes.items()})
    except ValidationError as error:
        apply_service_errors(form, error)
    except PermissionDenied:
        raise Http404 from None
    else:
        return True, None
    return False, None


def add_with_form(
    request: HttpRequest,
    form: Form,
    *,
    save: Callable[[dict[str, Any]], Any],
    done: str,
    next_url: str,
    template: str,
    context: dict[str, Any],
) -> HttpResponse:
    """Show a form that adds something to a record; on a valid POST, save it and go back."""
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, done)
            return redirect(next_url)
    return render(request, template, {"form": form, **context})


def _names_from(data: dict[str, Any], *, person: bool = False) -> list[services.NameInput]:
    names = []
    if data.get("name_vi"):
        names.append(
            services.NameInput(
                value=data["name_vi"],
                language="vi",
                family=data.get("family_vi", "") if person else "",
                given=data.get("given_vi", "") if person else "",
            )
        )
    if data.get("name_en"):
        names.append(services.NameInput(value=data["name_en"], language="en"))
    if data.get("name_ar"):
        names.append(services.NameInput(value=data["name_ar"], language="ar"))
    if data.get("abbreviation"):
        names.append(
            services.NameInput(value=data["abbreviation"], language="en", kind=NameKind.ABBREVIATION)
        )
    return names


def _similar(kind: str, names: list[services.NameInput]) -> list[int]:
    """Existing entities whose names match the new ones: the duplicate warning."""
    from liaison.core.name_index import lookup

    found: list[int] = []
    for n in names:
        found.extend(m.key for m in lookup(kind=kind, query=n.value, limit=5) if m.score >= 0.9)
    return list(dict.fromkeys(found))


@login_required
def organisation_create(request: HttpRequest) -> HttpResponse:
    form = NewOrganisationForm(request.POST or None, user=request.user, initial=request.GET.dict())
    duplicates: list[Any] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        names = _names_from(data)
        dup_ids = _similar("organisation", names)
        if dup_ids and not request.POST.get("confirm_duplicate"):
            from liaison.directory.selectors import OrganisationFilters, organisation_list_for_user

            duplicates = list(
                organisation_list_for_user(request.user, OrganisationFilters()).filter(pk__in=dup_ids)
            )
        if not duplicates:
            try:
                org = services.create_organisation(
                    by=request.user,
                    data=services.OrganisationInput(
                        parent=data["parent"],
                        pillar=data["pillar"],
                        kind=data["kind"],
                        country=data["country"],
                        locality=data["locality"],
                        valid_from=data["valid_from"],
                        valid_to=data["valid_to"],
                        email=data["email"],
                        phone=data["phone"],
                        website=data["website"],
                        address=data["address"],
                        notes=data["notes"],
                        classification=data["classification"],
                    ),
                    names=names,
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            except PermissionDenied:
                form.add_error("parent", _("You may not add organisations there."))
            else:
                messages.success(request, _("Organisation created."))
                return redirect("directory:organisation-detail", organisation_id=org.pk)
    return render(
        request,
        "directory/organisation_form.html",
        {"form": form, "duplicates": duplicates, "language": get_language()},
    )


@login_required
def organisation_edit(request: HttpRequest, organisation_id: int) -> HttpResponse:
    org = get_organisation_for_user(request.user, organisation_id, write=True, request=request)
    initial = {
        "parent": org.parent_id,
        "pillar": org.pillar,
        "kind": org.kind,
        "country": org.country.code if org.country else None,
        "locality": org.locality.code if org.locality else None,
        "valid_from": org.valid_from,
        "valid_to": org.valid_to,
        "email": org.email,
        "phone": org.phone,
        "website": org.website,
        "address": org.address,
        "notes": org.notes,
        "classification": org.classification,
        "version": org.version,
    }
    form = OrganisationForm(request.POST or None, user=request.user, initial=initial)
    conflict: dict[str, Any] | None = None
    if request.method == "POST" and form.is_valid():
        saved, conflict = save_edit(
            request,
            form,
            record=org,
            initial=initial,
            update=lambda **kw: services.update_organisation(by=request.user, organisation=org, **kw),
            reload=lambda: get_organisation_for_user(request.user, organisation_id, request=request),
        )
        if saved:
            messages.success(request, _("Changes saved."))
            return redirect("directory:organisation-detail", organisation_id=org.pk)
    return render(
        request,
        "directory/organisation_form.html",
        {"form": form, "org": org, "conflict": conflict, "language": get_language()},
        status=409 if conflict is not None else 200,
    )


@login_required
def organisation_delete(request: HttpRequest, organisation_id: int) -> HttpResponse:
    org = get_organisation_for_user(request.user, organisation_id, delete=True, request=request)
    error = ""
    if request.method == "POST":
        try:
            services.delete_organisation(by=request.user, organisation=org)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("Organisation deleted."))
            return redirect("directory:organisation-list")
    return render(
        request,
        "directory/confirm_delete.html",
        {"record": org, "error": error},
        status=400 if error else 200,
    )


@login_required
def organisation_name_add(request: HttpRequest, organisation_id: int) -> HttpResponse:
    org = get_organisation_for_user(request.user, organisation_id, write=True, request=request)
    return add_with_form(
        request,
        NameForm(request.POST or None),
        save=lambda data: services.add_organisation_name(
            by=request.user, organisation=org, name=services.NameInput(**data)
        ),
        done=_("Name added."),
        next_url=org.get_absolute_url(),
        template="directory/name_form.html",
        context={"record": org},
    )


@login_required
@require_POST
def organisation_name_remove(request: HttpRequest, organisation_id: int, name_id: int) -> HttpResponse:
    org = get_organisation_for_user(request.user, organisation_id, write=True, request=request)
    try:
        services.remove_organisation_name(by=request.user, organisation=org, name_id=name_id)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Name removed."))
    return redirect("directory:organisation-detail", organisation_id=org.pk)


@login_required
def person_create(request: HttpRequest) -> HttpResponse:
    form = NewPersonForm(request.POST or None, user=request.user, initial=request.GET.dict())
    duplicates: list[Any] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        names = _names_from(data, person=True)
        dup_ids = _similar("person", names)
        if dup_ids and not request.POST.get("confirm_duplicate"):
            from liaison.directory.selectors import PersonFilters, person_list_for_user

            duplicates = list(person_list_for_user(request.user, PersonFilters()).filter(pk__in=dup_ids))
        if not duplicates:
            try:
                person = services.create_person(
                    by=request.user,
                    data=services.PersonInput(
                        owner=data["owner"],
                        nationality=data["nationality"],
                        gender=data["gender"],
                        birth_date=data["birth_date"],
                        death_date=data["death_date"],
                        languages=data["languages"],
                        notes=data["notes"],
                        classification=data["classification"],
                    ),
                    names=names,
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            except PermissionDenied:
                form.add_error("owner", _("You may not add people kept by this organisation."))
            else:
                messages.success(request, _("Person created."))
                return redirect("directory:person-detail", person_id=person.pk)
    return render(
        request,
        "directory/person_form.html",
        {"form": form, "duplicates": duplicates, "language": get_language()},
    )


@login_required
def person_edit(request: HttpRequest, person_id: int) -> HttpResponse:
    person = get_person_for_user(request.user, person_id, write=True, request=request)
    initial = {
        "owner": person.owner_id,
        "nationality": person.nationality.code if person.nationality else None,
        "gender": person.gender,
        "birth_date": person.birth_date,
        "death_date": person.death_date,
        "languages": person.languages,
        "notes": person.notes,
        "classification": person.classification,
        "version": person.version,
    }
    form = PersonForm(request.POST or None, user=request.user, initial=initial)
    conflict: dict[str, Any] | None = None
    if request.method == "POST" and form.is_valid():
        saved, conflict = save_edit(
            request,
            form,
            record=person,
            initial=initial,
            update=lambda **kw: services.update_person(by=request.user, person=person, **kw),
            reload=lambda: get_person_for_user(request.user, person_id, request=request),
        )
        if saved:
            messages.success(request, _("Changes saved."))
            return redirect("directory:person-detail", person_id=person.pk)
    return render(
        request,
        "directory/person_form.html",
        {"form": form, "person": person, "conflict": conflict, "language": get_language()},
        status=409 if conflict is not None else 200,
    )


@login_required
def person_delete(request: HttpRequest, person_id: int) -> HttpResponse:
    person = get_person_for_user(request.user, person_id, delete=True, request=request)
    if request.method == "POST":
        services.delete_person(by=request.user, person=person)
        messages.success(request, _("Person deleted."))
        return redirect("directory:person-list")
    return render(request, "directory/confirm_delete.html", {"record": person, "error": ""})


@login_required
def person_name_add(request: HttpRequest, person_id: int) -> HttpResponse:
    person = get_person_for_user(request.user, person_id, write=True, request=request)
    return add_with_form(
        request,
        PersonNameForm(request.POST or None),
        save=lambda data: services.add_person_name(
            by=request.user, person=person, name=services.NameInput(**data)
        ),
        done=_("Name added."),
        next_url=person.get_absolute_url(),
        template="directory/name_form.html",
        context={"record": person},
    )


@login_required
@require_POST
def person_name_remove(request: HttpRequest, person_id: int, name_id: int) -> HttpResponse:
    person = get_person_for_user(request.user, person_id, write=True, request=request)
    try:
        services.remove_person_name(by=request.user, person=person, name_id=name_id)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Name removed."))
    return redirect("directory:person-detail", person_id=person.pk)


@login_required
def position_add(request: HttpRequest, person_id: int) -> HttpResponse:
    person = get_person_for_user(request.user, person_id, write=True, request=request)
    return add_with_form(
        request,
        PositionForm(request.POST or None, user=request.user),
        save=lambda data: services.add_position(
            by=request.user, person=person, data=services.PositionInput(**data)
        ),
        done=_("Position added."),
        next_url=person.get_absolute_url(),
        template="directory/position_form.html",
        context={"person": person, "language": get_language()},
    )


@login_required
@require_POST
def position_remove(request: HttpRequest, person_id: int, position_id: int) -> HttpResponse:
    person = get_person_for_user(request.user, person_id, write=True, request=request)
    position = get_position_for_user(request.user, position_id, person=person)
    services.remove_position(by=request.user, position=position)
    messages.success(request, _("Position removed."))
    return redirect("directory:person-detail", person_id=person.pk)


@login_required
def mandate_add(request: HttpRequest, organisation_id: int) -> HttpResponse:
    org = get_organisation_for_user(request.user, organisation_id, write=True, request=request)
    return add_with_form(
        request,
        MandateForm(request.POST or None),
        save=lambda data: services.add_mandate(
            by=request.user, organisation=org, data=services.MandateInput(**data)
        ),
        done=_("Mandate added."),
        next_url=org.get_absolute_url(),
        template="directory/mandate_form.html",
        context={"org": org},
    )


@login_required
@require_POST
def mandate_remove(request: HttpRequest, organisation_id: int, mandate_id: int) -> HttpResponse:
    org = get_organisation_for_user(request.user, organisation_id, write=True, request=request)
    mandate = org.mandates.filter(pk=mandate_id).first()
    if mandate is None:
        raise Http404
    services.remove_mandate(by=request.user, mandate=mandate)
    messages.success(request, _("Mandate removed."))
    return redirect("directory:organisation-detail", organisation_id=org.pk)


@login_required
@require_POST
def position_end(request: HttpRequest, person_id: int, position_id: int) -> HttpResponse:
    person = get_person_for_user(request.user, person_id, write=True, request=request)
    position = get_position_for_user(request.user, position_id, person=person)
    form = EndPositionForm(request.POST)
    if form.is_valid():
        try:
            services.end_position(by=request.user, position=position, end=form.cleaned_data["end"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Position ended."))
    else:
        messages.error(request, _("Give the date the position ended."))
    return redirect("directory:person-detail", person_id=person.pk)

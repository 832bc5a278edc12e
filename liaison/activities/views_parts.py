"""Pages that add, change and remove the parts of an activity: delegations (members, itinerary,
the composition's approval), the programme (sessions, chairs and speakers, connected sites),
outcomes, attachments and sources; and the people autocomplete their forms use.

Each view looks the activity up through `permissions.get_activity_for_user` (a hidden activity
answers like a missing one: 404) and the part through `permissions.get_part_for_user`, calls one
service, and goes back to the activity's page at the part's section. An HTMX request gets the
section itself instead, ready to swap in.

The detail page includes the three section templates (`activities/parts/delegations.html`,
`programme.html`, `outcomes.html`) with `activity`, `detail`, `can_edit`, `user`, `language`,
and what `section_context` adds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import fields
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from liaison.activities import delegations as delegation_services
from liaison.activities import programme, records, selectors
from liaison.activities.forms_parts import (
    AttachmentForm,
    DecisionForm,
    DelegationForm,
    MemberForm,
    OutcomeForm,
    SessionForm,
    SessionPersonForm,
    SiteForm,
    SourceForm,
    StopForm,
    organisation_label,
    person_label,
)
from liaison.activities.models import (
    Activity,
    Attachment,
    CompositionStatus,
    ConferenceSession,
    ConnectedSite,
    Delegation,
    DelegationMember,
    ItineraryStop,
    Outcome,
    SessionParticipant,
    SourceLink,
)
from liaison.activities.permissions import (
    can_decide_composition,
    focal_point_organisations_q,
    get_activity_for_user,
    get_part_for_user,
)
from liaison.activities.validation import local_date
from liaison.core import access
from liaison.core.access import Action
from liaison.core.audit import plain
from liaison.core.models import StaleRecordError
from liaison.core.versioning import changes_since, check_version
from liaison.directory.models import Organisation, Person
from liaison.directory.rows import url_maker
from liaison.directory.selectors import PersonFilters, person_list_for_user
from liaison.directory.views_manage import CONFLICT_MESSAGE, apply_service_errors

# Section of the detail page → its template (the section's element carries the same id).
SECTIONS = {
    "delegations": "activities/parts/delegations.html",
    "programme": "activities/parts/programme.html",
    "outcomes": "activities/parts/outcomes.html",
}
FORM_TEMPLATE = "activities/parts/form.html"
CONFIRM_TEMPLATE = "activities/parts/confirm.html"
AUTOCOMPLETE_LIMIT = 10


# --- What the sections need --------------------------------------------------------------------


def section_context(user: Any, detail: selectors.ActivityDetail) -> dict[str, Any]:
    """What the section templates need beyond `activity`, `detail`, `can_edit`, `user`, `language`.

    - `decidable`: ids of the submitted delegations whose composition the user may approve or
      return (a focal point of the sending organisation; the rule of
      `permissions.can_decide_composition`, asked once for all of them);
    - each outcome's `responsible_visible`: may the user read its responsible organisation.

    Two queries at most, whatever the number of parts.
    """
    activity = detail.activity
    submitted = [d for d in detail.delegations if d.composition_status == CompositionStatus.SUBMITTED]
    decidable: set[int] = set()
    if submitted and access.can(user, Action.READ, activity):
        if access.principal_for(user).is_superuser:
            decidable = {d.pk for d in submitted}
        else:
            decidable = set(
                Delegation.objects.filter(pk__in=[d.pk for d in submitted])
                .filter(focal_point_organisations_q(user, field="organisation__path"))
                .values_list("pk", flat=True)
            )
    pending = [o for o in detail.outcomes if not hasattr(o, "responsible_visible")]
    responsible_ids = {o.responsible_id for o in pending if o.responsible_id is not None}
    readable: set[int] = set()
    if responsible_ids:
        readable = set(
            access.visible(user, Organisation.objects.filter(pk__in=responsible_ids)).values_list(
                "pk", flat=True
            )
        )
    for outcome in pending:
        outcome.responsible_visible = outcome.responsible_id in readable  # type: ignore[attr-defined]
    _row_urls(detail)
    return {"decidable": decidable}


def _row_urls(detail: selectors.ActivityDetail) -> None:
    """The addresses each row of the sections links to (`<row>.<name>_url`), for the long lists
    (members, stops, chairs and speakers, sites): a `{% url %}` per row costs more than the row."""
    a = detail.activity.pk
    person = url_maker("directory:person-detail")
    member_edit, member_remove = (
        url_maker("activities:member-edit", a),
        url_maker("activities:member-remove", a),
    )
    stop_remove = url_maker("activities:stop-remove", a)
    for d in detail.delegations:
        for m in d.shown_members:  # type: ignore[attr-defined]
            m.person_url, m.edit_url, m.remove_url = (
                person(m.person_id),
                member_edit(m.pk),
                member_remove(m.pk),
            )
        for stop in d.stops.all():
            stop.remove_url = stop_remove(stop.pk)  # type: ignore[attr-defined]
    participant_remove = url_maker("activities:session-person-remove", a)
    for session in detail.sessions:
        for p in session.participants.all():
            p.remove_url = participant_remove(p.pk)  # type: ignore[attr-defined]
    site_edit, site_delete = url_maker("activities:site-edit", a), url_maker("activities:site-delete", a)
    for site in detail.sites:
        site.edit_url, site.delete_url = site_edit(site.pk), site_delete(site.pk)  # type: ignore[attr-defined]


def _section_response(
    request: HttpRequest,
    activity: Activity,
    section: str,
    *,
    error: str = "",
    status: int = 200,
    whole: bool = False,
) -> HttpResponse:
    """The section as the detail page shows it (long lists cut short), or `whole`."""
    detail = selectors.page_detail(request.user, activity, whole=whole)
    context = {
        "activity": activity,
        "detail": detail,
        "can_edit": access.can_change(request.user, activity),
        "user": request.user,
        "language": get_language(),
        "section_error": error,
        **section_context(request.user, detail),
    }
    return render(request, SECTIONS[section], context, status=status)


def _is_htmx(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not getattr(htmx, "boosted", False)


def _back(activity: Activity, section: str) -> str:
    return f"{activity.get_absolute_url()}#{section}"


def _done(request: HttpRequest, activity: Activity, section: str, message: str) -> HttpResponse:
    if _is_htmx(request):
        return _section_response(request, activity, section)
    messages.success(request, message)
    return redirect(_back(activity, section))


@login_required
@require_GET
def section(request: HttpRequest, activity_id: int, section: str) -> HttpResponse:
    """A section of the detail page with its long lists whole, for whoever may read the activity:
    what "More…" under a delegation's first members or a conference's first sites swaps in. Without
    HTMX, the detail page with every list whole."""
    if section not in SECTIONS:
        raise Http404
    activity = _activity(request, activity_id, write=False)
    if not _is_htmx(request):
        return redirect(f"{activity.get_absolute_url()}?all=1#{section}")
    return _section_response(request, activity, section, whole=True)


# --- Form and confirmation pages ---------------------------------------------------------------


def _submitted_values(data: dict[str, Any]) -> dict[str, Any]:
    """The submitted values of the record's own fields, in the form the history keeps them."""
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key == "version":
            continue
        if isinstance(value, dt.datetime):
            value = value.astimezone(dt.UTC)
        values[key] = plain(getattr(value, "pk", value))
    return values


def _form_page(
    request: HttpRequest,
    activity: Activity,
    form: Form,
    *,
    save: Callable[[dict[str, Any]], Any],
    section: str,
    done: str,
    heading: str,
    submit_label: str,
    reload: Callable[[], Model] | None = None,
    intro: str = "",
) -> HttpResponse:
    """Show a form for a part; on a valid POST, save it through `save` and go back.

    The services' field errors show on the fields; a concurrent change shows what changed (409)
    and keeps the user's input, ready to save again over the newer version.
    """
    conflict: dict[str, Any] | None = None
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except StaleRecordError:
            if reload is None:
                raise
            current = reload()
            resubmit = request.POST.copy()
            resubmit["version"] = str(getattr(current, "version", ""))
            form.data = resubmit
            form.add_error(None, str(CONFLICT_MESSAGE))
            conflict = changes_since(current, _submitted_values(form.cleaned_data))  # type: ignore[arg-type]
        except ValidationError as error:
            apply_service_errors(form, error)
        except PermissionDenied:
            raise Http404 from None
        else:
            return _done(request, activity, section, done)
    context = {
        "activity": activity,
        "form": form,
        "conflict": conflict,
        "heading": heading,
        "intro": intro,
        "submit_label": submit_label,
        "cancel_url": _back(activity, section),
        "language": get_language(),
    }
    return render(request, FORM_TEMPLATE, context, status=409 if conflict is not None else 200)


def _confirm_page(
    request: HttpRequest,
    activity: Activity,
    *,
    act: Callable[[], Any],
    section: str,
    done: str,
    heading: str,
    description: str = "",
    button: str,
    danger: bool = True,
) -> HttpResponse:
    """Ask before an action (GET); do it on POST and go back to the section."""
    error = ""
    if request.method == "POST":
        try:
            act()
        except ValidationError as exc:
            error = " ".join(exc.messages)
            if _is_htmx(request):
                return _section_response(request, activity, section, error=error)
        except PermissionDenied:
            raise Http404 from None
        else:
            return _done(request, activity, section, done)
    context = {
        "activity": activity,
        "heading": heading,
        "description": description,
        "button": button,
        "danger": danger,
        "error": error,
        "cancel_url": _back(activity, section),
    }
    return render(request, CONFIRM_TEMPLATE, context, status=400 if error else 200)


def _input[T](cls: type[T], data: dict[str, Any]) -> T:
    """A service input dataclass from a form's cleaned data (the fields of the same names)."""
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: v for k, v in data.items() if k in names})


def _data(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _files(request: HttpRequest) -> Any:
    return request.FILES if request.method == "POST" else None


def _activity(request: HttpRequest, activity_id: int, *, write: bool = True) -> Activity:
    return get_activity_for_user(request.user, activity_id, write=write, request=request)


def _person_name(user: Any, person: Person) -> str:
    """A person's name, or nothing for someone the user may not read."""
    return person_label(person) if access.can_read(user, person) else ""


def _organisation_name(user: Any, org: Organisation) -> str:
    return organisation_label(org) if access.can_read(user, org) else ""


def _activity_day(activity: Activity) -> dt.date:
    return local_date(activity.starts_at, activity.time_zone)


def _initial(record: Model, names: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in names:
        field = record._meta.get_field(name)
        if field.many_to_many:
            values[name] = [o.pk for o in getattr(record, name).all()]
        elif field.is_relation:
            values[name] = getattr(record, f"{name}_id")
        else:
            values[name] = getattr(record, name)
    return values


# --- Delegations -------------------------------------------------------------------------------


def _delegation_heading(user: Any, delegation: Delegation) -> str:
    org = _organisation_name(user, delegation.organisation)
    label = delegation.name or org or str(delegation.get_side_display())
    return label


@login_required
def delegation_add(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = _activity(request, activity_id)
    form = DelegationForm(_data(request), user=request.user)
    return _form_page(
        request,
        activity,
        form,
        save=lambda data: delegation_services.add_delegation(
            by=request.user, activity=activity, data=_input(delegation_services.DelegationInput, data)
        ),
        section="delegations",
        done=_("Delegation added."),
        heading=_("Add a delegation"),
        submit_label=_("Add"),
    )


@login_required
def delegation_edit(request: HttpRequest, activity_id: int, delegation_id: int) -> HttpResponse:
    activity = _activity(request, activity_id)
    delegation = get_part_for_user(request.user, Delegation, delegation_id, activity=activity)
    initial = _initial(delegation, ["side", "organisation", "name", "size", "version"])
    form = DelegationForm(_data(request), user=request.user, initial=initial)
    return _form_page(
        request,
        activity,
        form,
        save=lambda data: delegation_services.update_delegation(
            by=request.user,
            delegation=delegation,
            data=_input(delegation_services.DelegationInput, data),
            version=data.get("version"),
        ),
        reload=lambda: get_part_for_user(request.user, Delegation, delegation_id, activity=activity),
        section="delegations",
        done=_("Changes saved."),
        heading=_("Edit the delegation"),
        submit_label=_("Save"),
    )


@login_required
def delegation_delete(request: HttpRequest, activity_id: int, delegation_id: int) -> HttpResponse:
    activity = _activity(request, activity_id)
    delegation = get_part_for_user(request.user, Delegation, delegation_id, activity=activity)
    return _confirm_page(
        request,
        activity,
        act=lambda: delegation_services.delete_delegation(by=request.user, delegation=delegation),
        section="delegations",
        done=_("Delegation deleted."),
        heading=_("Delete this delegation?"),
        description=_(
            "%(delegation)s leaves the activity with its members and itinerary; "
            "the history keeps what it was."
        )
        % {"delegation": _delegation_heading(request.user, delegation)},
        button=_("Delete"),
    )


@login_required
def member_add(request: HttpRequest, activity_id: int, delegation_id: int) -> HttpResponse:
    activity = _activity(request, activity_id)
    delegation = get_part_for_user(request.user, Delegation, delegation_id, activity=activity)
    form = MemberForm(_data(request), user=request.user)
    return _form_page(
        request,
        activity,
        form,
        save=lambda data: delegation_services.add_member(
            by=request.user, delegation=delegation, data=_input(delegation_services.MemberInput, data)
        ),
        section="delegations",
        done=_("Member added."),
        heading=_("Add a member to %(delegation)s")
        % {"delegation": _delegation_heading(request.user, delegation)},
        intro=_("Adding or changing a member puts a submitted or approved composition back to draft."),
        submit_label=_("Add"),
    )


@login_required
def member_edit(request: HttpRequest, activity_id: int, member_id: int) -> HttpResponse:
    activity = _activity(request, activity_id)
    member = get_part_for_user(request.user, DelegationMember, member_id, activity=activity)
    initial = _initial(member, ["person", "role", "title", "protocol_order", "version"])
    form = MemberForm(_data(request), user=request.user, initial=initial)

    def save(data: dict[str, Any]) -> Any:
        check_version(member, data.get("version"))
        return delegation_services.update_member(
            by=request.user, member=member, data=_input(delegation_services.MemberInput, data)
        )

    return _form_page(
        request,
        activity,
        form,
        save=save,
        reload=lambda: get_part_for_user(request.user, DelegationMember, member_id, activity=activity),
        section="delegations",
        done=_("Changes saved."),
        heading=_("Edit the member"),
        intro=_("Adding or changing a member puts a submitted or approved composition back to draft."),
        submit_label=_("Save"),
    )


@login_required
def member_remove(request: HttpRequest, activity_id: int, member_id: int) -> HttpResponse:
    activity = _activity(request, activity_id)
    member = get_part_for_user(request.user, DelegationMember, member_id, activity=activity)
    name = _person_name(request.user, member.person)
    return _confirm_page(
        request,
        activity,
        act=lambda: delegation_services.remove_member(by=request.user, member=member),
        section="delegations",
        done=_("Member removed."),
        heading=_("Remove %(person)s from the delegation?") % {"person": name}
        if name
        else _("Remove this member from the delegation?"),
        description=_("A submitted or approved composition goes back to draft."),
        button=_("Remove"),
    )


@login_required
def composition_submit(request: HttpRequest, activity_id: int, delegation_id: int) -> HttpResponse:
    activity = _activity(request, activity_id)
    delegation = get_part_for_user(request.user, Delegation, delegation_id, activity=activity)
    return _confirm_page(
        request,
        activity,
        act=lambda: delegation_services.submit_composition(by=request.user, delegation=delegation),
        section="delegations",
        done=_("Composition submitted for approval."),
        heading=_("Submit the composition of %(delegation)s for approval?")
        % {"delegation": _delegation_heading(request.user, delegation)},
        description=_(
            "A focal point of the sending organisation approves it or returns it; the hosting side "
            "sees the members once it is approved."
        ),
        button=_("Submit for approval"),
        danger=False,
    )


@login_required
def composition_decide(request: HttpRequest, activity_id: int, delegation_id: int) -> HttpResponse:
    """Approve or return a submitted composition: a focal point of the sending organisation,
    who may only read the activity."""
    activity = _activity(request, activity_id, write=False)
    delegation = activity.delegations.select_related("organisation").filter(pk=delegation_id).first()
    if delegation is None or not can_decide_composition(request.user, delegation):
        raise Http404
    form = DecisionForm(_data(request), initial={"decision": DecisionForm.APPROVE})
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["decision"] == DecisionForm.APPROVE
        try:
            delegation_services.decide_composition(
                by=request.user,
                delegation=delegation,
                approve=approve,
                note=form.cleaned_data["decision_note"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        except PermissionDenied:
            raise Http404 from None
        else:
            done = _("Composition approved.") if approve else _("Composition returned for changes.")
            return _done(request, activity, "delegations", done)
    detail_members = [
        m
        for d in selectors.activity_detail(request.user, activity).delegations
        if d.pk == delegation.pk
        for m in d.shown_members  # type: ignore[attr-defined]
    ]
    context = {
        "activity": activity,
        "delegation": delegation,
        "delegation_label": _delegation_heading(request.user, delegation),
        "members": detail_members,
        "form": form,
        "cancel_url": _back(activity, "delegations"),
        "language": get_language(),
    }
    return render(request, "activities/parts/decide.html", context)


@login_required
def stop_add(request: HttpRequest, activity_id: int, delegation_id: int) -> HttpResponse:
    activity = _activity(request, activity_id)
    delegation = get_part_for_user(request.user, Delegation, delegation_id, activity=activity)
    day = _activity_day(activity)
    form = StopForm(_data(request), day=day, initial={"arrives_on": day, "leaves_on": day})
    return _form_page(
        request,
        activity,
        form,
        save=lambda data: delegation_services.add_stop(
            by=request.user, delegation=delegation, data=_input(delegation_services.StopInput, data)
        ),
        section="delegations",
        done=_("Stop added to the itinerary."),
        heading=_("Add a stop to the itinerary of %(delegation)s")
        % {"delegation": _delegation_heading(request.user, delegation)},
        submit_label=_("Add"),
    )


@login_required
def stop_remove(request: HttpRequest, activity_id: int, stop_id: int) -> HttpResponse:
    activity = _activity(request, activity_id)
    stop = get_part_for_user(request.user, ItineraryStop, stop_id, activity=activity)
    language = get_language() or "en"
    place = stop.place or (stop.city.name_in(language) if stop.city else "")
    return _confirm_page(
        request,
        activity,
        act=lambda: delegation_services.remove_stop(by=request.user, stop=stop),
        section="delegations",
        done=_("Stop removed."),
        heading=_("Remove the stop in %(place)s from the itinerary?") % {"place": place},
        button=_("Remove"),
    )


# --- Programme ---------------------------------------------------------------------------------


def _session_initial(activity: Activity) -> dict[str, Any]:
    return {
        "starts_at": activity.starts_at,
        "ends_at": min(activity.ends_at, activity.starts_at + dt.timedelta(hours=1)),
    }


@login_required
def session_add(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = _activity(request, activity_id)
    form = SessionForm(_data(request), zone=activity.time_zone, initial=_session_initial(activity))
    return _form_page(
        request,
        activity,
        form,
        save=lambda data: programme.add_session(
            by=request.user, activity=activity, data=_input(programme.SessionInput, data)
        ),
        section="programme",
        done=_("Session added."),
        heading=_("Add a session"),
        submit_label=_("Add"),
    )


@login_required
def session_edit(request: HttpRequest, activity_id: int, session_id: int) -> HttpResponse:
    activity = _activity(request, activity_id)
    session = get_part_for_user(request.user, ConferenceSession, session_id, activity=activity)
    names = ["kind", "theme_en", "theme_vi", "theme_ar", "starts_at", "ends_at", "room", "version"]
    form = SessionForm(_data(request), zone=activity.time_zone, initial=_initial(session, names))
    return _form_page(
        request,
        activity,
        form,
        save=lambda data: programme.update_session(
            by=request.user,
            session=session,
            data=_input(programme.SessionInput, data),
            version=data.get("version"),
        ),
        reload=lambda: get_part_for_user(request.user, ConferenceSession, session_id, activity=activity),
        section="programme",
        done=_("Changes saved."),
        heading=_("Edit the session"),
        submit_label=_("Save"),
    )


@login_required
def session_delete(request: HttpRequest, activity_id: int, session_id: int) -> HttpResponse:
    activity = _activity(request, activity_id)
    session = get_part_for_user(request.user, ConferenceSession, session_id, activity=activity)
    return _confirm_page(
        request,
        activity,
        act=lambda: programme.delete_session(by=request.user, session=session),
        section="programme",
        done=_("Session deleted."),
        heading=_("Delete this session?"),
        description=_("%(session)s leaves the programme with its chairs and speakers.")
        % {"session": session.theme_in(get_language() or "en") or session.get_kind_display()},
        button=_("Delete"),
    )


@login_required
def session_person_add(request: HttpRequest, activity_id: int, session_id: int) -> HttpResponse:
    activity = _activity(request, activity_id)
    session = get_part_for_user(request.user, ConferenceSession, session_id, activity=activity)
    form = SessionPersonForm(_data(request), user=request.user)
    return _form_page(
        request,
        activity,
        form,
        save=lambda data: programme.add_session_person(
            by=request.user, session=session, data=_input(programme.SessionPersonInput, data)
        ),
        section="programme",
        done=_("Chair or speaker added."),
        heading=_("Add a chair or speaker to %(session)s")
        % {"session": session.theme_in(get_language() or "en") or session.get_kind_display()},
        submit_label=_("Add"),
    )


@login_required
def session_person_remove(request: HttpRequest, activity_id: int, participant_id: int) -> HttpResponse:
    activity = _activity(request, activity_id)
    participant = get_part_for_user(request.user, SessionParticipant, participant_id, activity=activity)
    name = _person_name(request.user, participant.person)
    return _confirm_page(
        request,
        activity,
        act=lambda: programme.remove_session_person(by=request.user, participant=participant),
        section="programme",
        done=_("Chair or speaker removed."),
        heading=_("Remove %(person)s from the session?") % {"person": name}
        if name
        else _("Remove this person from the session?"),
        button=_("Remove"),
    )


SITE_FIELDS = [
    "locality",
    "host_organisation",
    "room",
    "chair",
    "connection_status",
    "connection_checked_at",
    "interpretation",
    "expected_attendance",
    "attendance",
    "notes",
]


def _site_form(request: HttpRequest, activity: Activity, initial: dict[str, Any] | None = None) -> SiteForm:
    return SiteForm(
        _data(request),
        user=request.user,
        day=_activity_day(activity),
        zone=activity.time_zone,
        initial=initial,
    )


@login_required
def site_add(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = _activity(request, activity_id)
    return _form_page(
        request,
        activity,
        _site_form(request, activity),
        save=lambda data: programme.add_site(
            by=request.user, activity=activity, data=_input(programme.SiteInput, data)
        ),
        section="programme",
        done=_("Connected site added."),
        heading=_("Add a connected site"),
        submit_label=_("Add"),
    )


@login_required
def site_edit(request: HttpRequest, activity_id: int, site_id: int) -> HttpResponse:
    activity = _activity(request, activity_id)
    site = get_part_for_user(request.user, ConnectedSite, site_id, activity=activity)
    initial = _initial(site, [*SITE_FIELDS, "version"])
    initial["locality"] = site.locality.code
    return _form_page(
        request,
        activity,
        _site_form(request, activity, initial),
        save=lambda data: programme.update_site(
            by=request.user, site=site, data=_input(programme.SiteInput, data), version=data.get("version")
        ),
        reload=lambda: get_part_for_user(request.user, ConnectedSite, site_id, activity=activity),
        section="programme",
        done=_("Changes saved."),
        heading=_("Edit the connected site"),
        submit_label=_("Save"),
    )


@login_required
def site_delete(request: HttpRequest, activity_id: int, site_id: int) -> HttpResponse:
    activity = _activity(request, activity_id)
    site = get_part_for_user(request.user, ConnectedSite, site_id, activity=activity)
    place = site.locality.name_in(get_language() or "en") + (f" — {site.room}" if site.room else "")
    return _confirm_page(
        request,
        activity,
        act=lambda: programme.delete_site(by=request.user, site=site),
        section="programme",
        done=_("Connected site removed."),
        heading=_("Remove the connected site %(site)s?") % {"site": place},
        button=_("Remove"),
    )


# --- Outcomes, attachments, sources ------------------------------------------------------------

OUTCOME_FIELDS = [
    "kind",
    "title_en",
    "title_vi",
    "title_ar",
    "code",
    "signed_on",
    "parties",
    "responsible",
    "due_on",
    "description",
]


def _outcome_input(data: dict[str, Any]) -> records.OutcomeInput:
    values = dict(data)
    values["parties"] = list(values.get("parties") or [])
    return _input(records.OutcomeInput, values)


@login_required
def outcome_add(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = _activity(request, activity_id)
    form = OutcomeForm(_data(request), user=request.user)
    return _form_page(
        request,
        activity,
        form,
        save=lambda data: records.add_outcome(by=request.user, activity=activity, data=_outcome_input(data)),
        section="outcomes",
        done=_("Outcome added."),
        heading=_("Add an outcome"),
        submit_label=_("Add"),
    )


@login_required
def outcome_edit(request: HttpRequest, activity_id: int, outcome_id: int) -> HttpResponse:
    activity = _activity(request, activity_id)
    outcome = get_part_for_user(request.user, Outcome, outcome_id, activity=activity)
    initial = _initial(outcome, [*OUTCOME_FIELDS, "version"])
    # Organisations the user may not read are neither shown nor dropped: they stay as they are.
    readable = set(access.visible(request.user, outcome.parties.all()).values_list("pk", flat=True))
    hidden_parties = list(outcome.parties.exclude(pk__in=readable))
    initial["parties"] = [pk for pk in initial["parties"] if pk in readable]
    hidden_responsible = None
    if outcome.responsible is not None and not access.can_read(request.user, outcome.responsible):
        hidden_responsible = outcome.responsible
        initial["responsible"] = None
    form = OutcomeForm(_data(request), user=request.user, initial=initial)

    def save(data: dict[str, Any]) -> Any:
        values = _outcome_input(data)
        values.parties = [*values.parties, *hidden_parties]
        if values.responsible is None and hidden_responsible is not None:
            values.responsible = hidden_responsible
        return records.update_outcome(
            by=request.user, outcome=outcome, data=values, version=data.get("version")
        )

    return _form_page(
        request,
        activity,
        form,
        save=save,
        reload=lambda: get_part_for_user(request.user, Outcome, outcome_id, activity=activity),
        section="outcomes",
        done=_("Changes saved."),
        heading=_("Edit the outcome"),
        submit_label=_("Save"),
    )


@login_required
def outcome_delete(request: HttpRequest, activity_id: int, outcome_id: int) -> HttpResponse:
    activity = _activity(request, activity_id)
    outcome = get_part_for_user(request.user, Outcome, outcome_id, activity=activity)
    return _confirm_page(
        request,
        activity,
        act=lambda: records.delete_outcome(by=request.user, outcome=outcome),
        section="outcomes",
        done=_("Outcome deleted."),
        heading=_("Delete the outcome %(outcome)s?") % {"outcome": outcome.title_in(get_language() or "en")},
        button=_("Delete"),
    )


@login_required
def attachment_add(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = _activity(request, activity_id)
    form = AttachmentForm(_data(request), _files(request))
    return _form_page(
        request,
        activity,
        form,
        save=lambda data: records.add_attachment(
            by=request.user, activity=activity, upload=data["file"], kind=data["kind"], title=data["title"]
        ),
        section="outcomes",
        done=_("File attached."),
        heading=_("Attach a file"),
        submit_label=_("Upload"),
    )


@login_required
@require_GET
def attachment_download(request: HttpRequest, activity_id: int, attachment_id: int) -> FileResponse:
    """The file, to whoever may read the activity; sent as a download, never rendered inline."""
    activity = _activity(request, activity_id, write=False)
    attachment: Attachment | None = activity.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name or "file",
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def attachment_delete(request: HttpRequest, activity_id: int, attachment_id: int) -> HttpResponse:
    activity = _activity(request, activity_id)
    attachment = get_part_for_user(request.user, Attachment, attachment_id, activity=activity)
    return _confirm_page(
        request,
        activity,
        act=lambda: records.delete_attachment(by=request.user, attachment=attachment),
        section="outcomes",
        done=_("File deleted."),
        heading=_("Delete the file %(name)s?") % {"name": str(attachment)},
        button=_("Delete"),
    )


@login_required
def source_add(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = _activity(request, activity_id)
    form = SourceForm(_data(request))
    return _form_page(
        request,
        activity,
        form,
        save=lambda data: records.add_source(by=request.user, activity=activity, **data),
        section="outcomes",
        done=_("Source added."),
        heading=_("Add a source"),
        submit_label=_("Add"),
    )


@login_required
def source_delete(request: HttpRequest, activity_id: int, source_id: int) -> HttpResponse:
    activity = _activity(request, activity_id)
    source = get_part_for_user(request.user, SourceLink, source_id, activity=activity)
    return _confirm_page(
        request,
        activity,
        act=lambda: records.delete_source(by=request.user, source=source),
        section="outcomes",
        done=_("Source removed."),
        heading=_("Remove the source %(title)s?") % {"title": source.title},
        button=_("Remove"),
    )


# --- People autocomplete -----------------------------------------------------------------------


@login_required
@require_GET
def person_autocomplete(request: HttpRequest) -> HttpResponse:
    """Suggestions for a person field: the shared matcher's best matches the user may read."""
    q = request.GET.get("q", "")[:200]
    results: Any = []
    if q.strip():
        results = person_list_for_user(request.user, PersonFilters(q=q))[:AUTOCOMPLETE_LIMIT]
    return render(
        request,
        "activities/parts/person_autocomplete.html",
        {"results": results, "language": get_language()},
    )

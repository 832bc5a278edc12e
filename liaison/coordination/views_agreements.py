"""Agreement pages: the list, one agreement (its contact points, sharing rules and history), the
agreement and rule forms, and the signed text.

Every view looks the agreement up through the access policy (`_agreement`): one the user may not
read, or may not change when the view changes it, answers 404 exactly like a missing one. Each
write is one service of `liaison.coordination.services`, which holds every check; what it refuses
lands on the form field of the same name (`apply_service_errors`), a stale `version` shows the
conflict (409) and keeps the user's input. The one write of its own here is storing the signed
text, in the same transaction as the service call (`_keep_signed_text`).

The list reads plain rows (`agreement_rows`): the page of agreements as `.values()`, then one
query each for their parties, the parties' names, which of them the reader may see, and their
active rules, whatever the number of rows. A rule is shown as one sentence (`rule_sentence`)
built from whole translated phrases, so every language can order its words.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from pathlib import PurePosixPath
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Model, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, ngettext, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liaison.activities.models import ActivityKind, LeaderRank
from liaison.coordination import services
from liaison.coordination.forms import SIGNED_TEXT_TYPES, AgreementForm, ContactForm, RuleForm
from liaison.coordination.models import (
    Agreement,
    AgreementKind,
    DayBasis,
    SharedField,
    SharingRule,
    Trigger,
    split,
)
from liaison.coordination.views_plan import plan_rows
from liaison.core import access
from liaison.core.access import Action, Role
from liaison.core.audit import history_for
from liaison.core.htmx import paginate, query_without_page, render_page
from liaison.core.listed_names import attach_names, names_by_owner, names_of
from liaison.core.models import Classification, Pillar, StaleRecordError
from liaison.directory.models import Country, Organisation, display_name
from liaison.directory.views_manage import CONFLICT_MESSAGE, apply_service_errors

DETAIL_TEMPLATE = "coordination/agreement_detail.html"
CONTENT_TYPES = {extension: mime for mime, extension in SIGNED_TEXT_TYPES.items()}


# --- Lookups -----------------------------------------------------------------------------------


def _agreement(request: HttpRequest, agreement_id: int, *, action: Action = Action.READ) -> Agreement:
    """The agreement if the user may act on it; else the same 404 as for a missing one."""
    queryset = Agreement.objects.select_related("owner")
    agreement: Agreement = access.get_for_user(
        request.user, queryset, agreement_id, action=action, request=request
    )
    return agreement


def _rule(agreement: Agreement, rule_id: int) -> SharingRule:
    rule: SharingRule | None = (
        agreement.rules.select_related("recipient", "source", "calendar_country")
        .prefetch_related("countries")
        .filter(pk=rule_id)
        .first()
    )
    if rule is None:
        raise Http404
    rule.agreement = agreement  # already looked up (and checked) by the caller
    return rule


def can_create_agreements(user: Any) -> bool:
    """Does the user edit for some organisation (and so may record an agreement it keeps)?"""
    p = access.principal_for(user)
    return p.is_superuser or any(s.role >= Role.EDITOR for s in p.scopes)


def _org_label(org: Organisation | None, language: str, readable: set[int]) -> str:
    if org is None:
        return ""
    if org.pk not in readable:
        return _("an organisation you cannot see")
    return display_name(names_of(org), language) or org.sort_name


# --- The list ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgreementFilters:
    kind: str = ""
    party: int | None = None
    in_force: str = ""  # "yes", "no" or "" (either)
    q: str = ""

    @property
    def any(self) -> bool:
        return bool(self.kind or self.party or self.in_force or self.q)


def filters_from(params: Mapping[str, str]) -> AgreementFilters:
    kind = params.get("kind", "")
    party = params.get("party", "")
    in_force = params.get("in_force", "")
    return AgreementFilters(
        kind=kind if kind in AgreementKind.values else "",
        party=int(party) if party.isdecimal() and len(party) < 19 else None,
        in_force=in_force if in_force in ("yes", "no") else "",
        q=params.get("q", "").strip()[:200],
    )


def in_force_q(day: dt.date) -> Q:
    return Q(starts_on__lte=day) & (Q(ends_on__isnull=True) | Q(ends_on__gte=day))


def _in_force(agreement: Agreement, day: dt.date) -> bool:
    """`in_force_q` for one agreement already read."""
    return agreement.starts_on <= day and (agreement.ends_on is None or agreement.ends_on >= day)


def agreements_for(user: Any, filters: AgreementFilters, today: dt.date) -> QuerySet[Agreement]:
    """The agreements the user may read that match the filters, latest first."""
    agreements = access.visible(user, Agreement.objects.all())
    if filters.kind:
        agreements = agreements.filter(kind=filters.kind)
    if filters.party is not None:
        agreements = agreements.filter(parties=filters.party)
    if filters.in_force == "yes":
        agreements = agreements.filter(in_force_q(today))
    elif filters.in_force == "no":
        agreements = agreements.exclude(in_force_q(today))
    if filters.q:
        words = Q()
        for name in ("code", "title_en", "title_vi", "title_ar"):
            words |= Q(**{f"{name}__icontains": filters.q})
        agreements = agreements.filter(words)
    return agreements.order_by("-starts_on", "-id")


LIST_COLUMNS = (
    "pk",
    "kind",
    "code",
    "title_en",
    "title_vi",
    "title_ar",
    "starts_on",
    "ends_on",
    "classification",
)


def row_title(row: Mapping[str, Any], language: str) -> str:
    """`Agreement.title_in` for a row read with `.values()`."""
    return str(
        row.get(f"title_{language}")
        or row["title_en"]
        or row["title_vi"]
        or row["title_ar"]
        or row["code"]
        or f"Agreement {row['pk']}"
    )


def agreement_rows(
    user: Any, values: Iterable[dict[str, Any]], language: str, today: dt.date
) -> list[dict[str, Any]]:
    """The rows of one page of the list: four queries, whatever the number of rows."""
    rows = list(values)
    ids = [row["pk"] for row in rows]
    if not ids:
        return []
    parties: dict[int, list[int]] = defaultdict(list)
    through = Agreement.parties.through
    for agreement_id, org_id in through.objects.filter(agreement_id__in=ids).values_list(
        "agreement_id", "organisation_id"
    ):
        parties[agreement_id].append(org_id)
    org_ids = {org_id for found in parties.values() for org_id in found}
    names = names_by_owner(Organisation, org_ids)
    readable = access.readable_ids(user, Organisation, org_ids)
    active_rules = dict(
        SharingRule.objects.filter(agreement_id__in=ids, active=True)
        .order_by()
        .values("agreement_id")
        .annotate(n=Count("pk"))
        .values_list("agreement_id", "n")
    )
    kinds = dict(AgreementKind.choices)
    result = []
    for row in rows:
        pk = row["pk"]
        seen = [org_id for org_id in parties[pk] if org_id in readable]
        ends_on = row["ends_on"]
        result.append(
            {
                "pk": pk,
                "url": reverse("coordination:agreement-detail", args=[pk]),
                "title": row_title(row, language),
                "code": row["code"],
                "kind": row["kind"],
                "kind_label": kinds.get(row["kind"], row["kind"]),
                "parties": sorted((display_name(names.get(o, []), language) for o in seen), key=str.casefold),
                "hidden_parties": len(parties[pk]) - len(seen),
                "starts_on": row["starts_on"],
                "ends_on": ends_on,
                "in_force": row["starts_on"] <= today and (ends_on is None or ends_on >= today),
                "active_rules": active_rules.get(pk, 0),
                "restricted": row["classification"] >= Classification.RESTRICTED,
            }
        )
    return result


def party_choices(user: Any, language: str) -> list[tuple[int, str]]:
    """The organisations party to an agreement the user may read (two queries), for the filter."""
    agreements = access.visible(user, Agreement.objects.all()).values("pk")
    org_ids = Agreement.parties.through.objects.filter(agreement_id__in=agreements).values("organisation_id")
    ids = list(access.visible(user, Organisation.objects.filter(pk__in=org_ids)).values_list("pk", flat=True))
    names = names_by_owner(Organisation, ids)
    choices = [(pk, display_name(names.get(pk, []), language)) for pk in ids]
    return sorted(choices, key=lambda choice: choice[1].casefold())


@login_required
def agreement_list(request: HttpRequest) -> HttpResponse:
    language = get_language()
    today = timezone.localdate()
    filters = filters_from(request.GET)
    agreements = agreements_for(request.user, filters, today)
    page = paginate(request, agreements.values(*LIST_COLUMNS), count_from=agreements)
    page.object_list = agreement_rows(request.user, page.object_list, language, today)
    context: dict[str, Any] = {
        "page": page,
        "filters": filters,
        "kinds": AgreementKind.choices,
        "parties": party_choices(request.user, language),
        "can_create": can_create_agreements(request.user),
        "query": query_without_page(request),
        "language": language,
    }
    return render_page(request, "coordination/agreement_list.html", context, partial="results")


# --- Rules as sentences ------------------------------------------------------------------------


def _lower_first(label: Any) -> str:
    text = str(label)
    return text[:1].lower() + text[1:]


def _join(items: list[str], *, last: str = "") -> str:
    """Items in a sentence: "a, b or c" (with `last` the translated "%(items)s or %(last)s")."""
    separator = pgettext("list separator", ", ")
    if len(items) < 2 or not last:
        return separator.join(items)
    return last % {"items": separator.join(items[:-1]), "last": items[-1]}


def rule_sentence(rule: SharingRule, language: str, org_label: Callable[[Organisation | None], str]) -> str:
    """The rule in words: "When an activity of kind incoming visit (high-level; led by MOFA or
    below) is recorded, changes its dates or is cancelled, tell VUFO at least 14 working days
    before it starts (changes within 24 hours), sharing: title, place." """
    either = _("%(items)s or %(last)s")
    labels: dict[str, dict[str, Any]] = {
        "kinds": dict(ActivityKind.choices),
        "leader_ranks": dict(LeaderRank.choices),
        "pillars": dict(Pillar.choices),
        "triggers": dict(Trigger.choices),
        "shared_fields": dict(SharedField.choices),
    }

    def chosen(name: str) -> list[str]:
        return [_lower_first(labels[name].get(value, value)) for value in split(getattr(rule, name))]

    kinds = chosen("kinds")
    subject = (
        _("an activity of kind %(kinds)s") % {"kinds": _join(kinds, last=either)}
        if kinds
        else _("an activity")
    )
    conditions = []
    if rule.high_level_only:
        conditions.append(_("high-level"))
    ranks = chosen("leader_ranks")
    if ranks:
        conditions.append(_("led at the rank of %(ranks)s") % {"ranks": _join(ranks, last=either)})
    if rule.source_id:
        conditions.append(_("led by %(organisation)s or below") % {"organisation": org_label(rule.source)})
    pillars = chosen("pillars")
    if pillars:
        conditions.append(_("in the pillar %(pillars)s") % {"pillars": _join(pillars, last=either)})
    countries = sorted((c.name_in(language) for c in rule.countries.all()), key=str.casefold)
    if countries:
        conditions.append(_("in or with %(countries)s") % {"countries": _join(countries, last=either)})
    levels = [_lower_first(Classification(int(c)).label) for c in split(rule.classifications)]
    if levels:
        conditions.append(_("classified %(levels)s") % {"levels": _join(levels, last=either)})
    if conditions:
        subject = _("%(subject)s (%(conditions)s)") % {
            "subject": subject,
            "conditions": pgettext("list of conditions", "; ").join(conditions),
        }

    days = rule.lead_days
    if days == 0:
        deadline = _("by the time it starts")
    elif rule.day_basis == DayBasis.WORKING and rule.calendar_country_id:
        deadline = ngettext(
            "at least %(days)d working day (in %(country)s) before it starts",
            "at least %(days)d working days (in %(country)s) before it starts",
            days,
        ) % {
            "days": days,
            "country": rule.calendar_country.name_in(language) if rule.calendar_country else "",
        }
    elif rule.day_basis == DayBasis.WORKING:
        deadline = ngettext(
            "at least %(days)d working day before it starts",
            "at least %(days)d working days before it starts",
            days,
        ) % {"days": days}
    else:
        deadline = ngettext(
            "at least %(days)d day before it starts", "at least %(days)d days before it starts", days
        ) % {"days": days}
    changes = ngettext(
        "changes within %(hours)d hour", "changes within %(hours)d hours", rule.change_hours
    ) % {"hours": rule.change_hours}
    shared = chosen("shared_fields")
    return _(
        "When %(subject)s %(triggers)s, tell %(recipient)s %(deadline)s (%(changes)s), sharing: %(shared)s."
    ) % {
        "subject": subject,
        "triggers": _join(chosen("triggers"), last=either),
        "recipient": org_label(rule.recipient),
        "deadline": deadline,
        "changes": changes,
        "shared": _join(shared) if shared else _("nothing beyond its kind, dates, time zone and status"),
    }


# --- One agreement -----------------------------------------------------------------------------


def _readable_parties(request: HttpRequest, agreement: Agreement) -> Any:
    """The parties a contact point may belong to, among those the editor may see."""
    return access.visible(request.user, agreement.parties.prefetch_related("names"))


def _contacts_context(
    request: HttpRequest, agreement: Agreement, form: ContactForm | None = None
) -> dict[str, Any]:
    """What the contact points' section needs (the page's partial `contacts`)."""
    language = get_language()
    contacts = list(agreement.contact_points.select_related("organisation"))
    orgs = [c.organisation for c in contacts]
    attach_names(orgs)
    readable = access.readable_ids(request.user, Organisation, [o.pk for o in orgs])
    for contact in contacts:
        contact.organisation_label = _org_label(contact.organisation, language, readable)  # type: ignore[attr-defined]
    can_edit = access.can_change(request.user, agreement)
    if can_edit and form is None:
        form = ContactForm(parties=_readable_parties(request, agreement), auto_id="contact_%s")
    return {
        "agreement": agreement,
        "contacts": contacts,
        "contact_form": form,
        "can_edit": can_edit,
        "language": language,
    }


def _detail_context(
    request: HttpRequest, agreement: Agreement, *, contact_form: ContactForm | None = None
) -> dict[str, Any]:
    user = request.user
    language = get_language()
    parties = list(agreement.parties.all())
    rules = list(
        agreement.rules.select_related("recipient", "source", "calendar_country")
        .prefetch_related("countries")
        .annotate(notice_count=Count("notices"))
        .order_by("-active", "id")
    )
    orgs = [
        agreement.owner,
        *parties,
        *(r.recipient for r in rules),
        *(r.source for r in rules if r.source is not None),
    ]
    attach_names(orgs)
    readable = access.readable_ids(user, Organisation, [o.pk for o in orgs])

    def label(org: Organisation | None) -> str:
        return _org_label(org, language, readable)

    return {
        **_contacts_context(request, agreement, contact_form),
        "parties": [{"pk": org.pk, "name": label(org), "visible": org.pk in readable} for org in parties],
        "owner_label": label(agreement.owner),
        "coordinators": list(agreement.coordinators.order_by("last_name", "first_name", "username")),
        "rules": [{"rule": rule, "sentence": rule_sentence(rule, language, label)} for rule in rules],
        "in_force": _in_force(agreement, timezone.localdate()),
        "can_delete": access.can_delete(user, agreement),
        "history": history_for(agreement)[:200],
        "plan_items": plan_rows(user, agreement, language),
    }


@login_required
def agreement_detail(request: HttpRequest, agreement_id: int) -> HttpResponse:
    agreement = _agreement(request, agreement_id)
    return render(request, DETAIL_TEMPLATE, _detail_context(request, agreement))


@login_required
def agreement_signed_text(request: HttpRequest, agreement_id: int) -> FileResponse:
    """The signed text, to whoever may read the agreement; sent as a download, never inline."""
    agreement = _agreement(request, agreement_id)
    if not agreement.signed_text:
        raise Http404
    try:
        handle = agreement.signed_text.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    stored = PurePosixPath(agreement.signed_text.name or "")
    extension = stored.suffix.lstrip(".").lower()
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=agreement.signed_text_name or stored.name,
        content_type=CONTENT_TYPES.get(extension, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- The agreement form ------------------------------------------------------------------------

_AGREEMENT_VALUES = (
    "kind",
    "code",
    "title_en",
    "title_vi",
    "title_ar",
    "signed_on",
    "starts_on",
    "ends_on",
    "acknowledge_within_hours",
    "notes",
    "classification",
)


def _agreement_values(data: dict[str, Any]) -> dict[str, Any]:
    """The form's values under the names of `services.AgreementInput`."""
    values = {name: data.get(name) for name in _AGREEMENT_VALUES}
    for name in ("code", "title_en", "title_vi", "title_ar", "notes"):
        values[name] = values[name] or ""
    values.update(
        owner=data.get("owner"),
        parties=list(data.get("parties") or []),
        fields=list(data.get("fields") or []),
        coordinators=list(data.get("coordinators") or []),
    )
    return values


def _keep_signed_text(agreement: Agreement, upload: UploadedFile[Any], extension: str) -> None:
    """Store the signed text with the agreement, inside the caller's transaction.

    The stored name carries the extension the content showed (so the download's type never
    trusts the uploaded name); the file replaced is removed once the transaction commits, the new
    one at once if the agreement cannot be saved.
    """
    storage = agreement.signed_text.storage
    previous = agreement.signed_text.name or ""
    stem = PurePosixPath((upload.name or "").replace("\\", "/")).stem or f"agreement-{agreement.pk}"
    agreement.signed_text.save(f"agreement-{agreement.pk}.{extension}", upload, save=False)
    agreement.signed_text_name = f"{stem[:240]}.{extension}"
    stored = agreement.signed_text.name or ""
    try:
        agreement.save()
    except Exception:
        storage.delete(stored)
        raise
    if previous and previous != stored:
        transaction.on_commit(lambda: storage.delete(previous))


def _drop_signed_text(agreement: Agreement) -> None:
    storage = agreement.signed_text.storage
    previous = agreement.signed_text.name or ""
    agreement.signed_text = ""  # type: ignore[assignment]
    agreement.signed_text_name = ""
    agreement.save()
    transaction.on_commit(lambda: storage.delete(previous))


def _file_step(form: AgreementForm, agreement: Agreement) -> None:
    upload = form.cleaned_data.get("signed_text")
    if upload:
        _keep_signed_text(agreement, upload, form.signed_text_extension)
    elif form.cleaned_data.get("remove_signed_text") and agreement.signed_text:
        _drop_signed_text(agreement)


def _first_writable_organisation(user: Any) -> int | None:
    p = access.principal_for(user)
    return next((s.organisation_id for s in p.scopes if s.role >= Role.EDITOR), None)


@login_required
def agreement_create(request: HttpRequest) -> HttpResponse:
    if not can_create_agreements(request.user):
        raise PermissionDenied
    owner = _first_writable_organisation(request.user)
    form = AgreementForm(
        request.POST or None,
        request.FILES or None,
        user=request.user,
        initial={"owner": owner, "parties": [owner] if owner else []},
    )
    if request.method == "POST" and form.is_valid():
        data = services.AgreementInput(**_agreement_values(form.cleaned_data))
        try:
            with transaction.atomic():
                agreement = services.create_agreement(by=request.user, data=data)
                _file_step(form, agreement)
        except ValidationError as error:
            apply_service_errors(form, error)
        except PermissionDenied:
            form.add_error("owner", _("You may not record agreements for this organisation."))
        else:
            messages.success(request, _("Agreement recorded."))
            return redirect(agreement.get_absolute_url())
    return render(request, "coordination/agreement_form.html", {"form": form, "language": get_language()})


def _agreement_initial(agreement: Agreement) -> dict[str, Any]:
    return {
        **{name: getattr(agreement, name) for name in _AGREEMENT_VALUES},
        "owner": agreement.owner_id,
        "parties": list(agreement.parties.values_list("pk", flat=True)),
        "fields": agreement.field_list,
        "coordinators": list(agreement.coordinators.values_list("pk", flat=True)),
        "version": agreement.version,
    }


def _comparable(value: Any) -> Any:
    """A form value and a stored one in one shape: records by key, sets of choices sorted."""
    if isinstance(value, Country):
        return value.code
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, list | tuple | set | QuerySet):
        return sorted(str(_comparable(v)) for v in value)
    return value


def _differing(form: Any, saved: dict[str, Any]) -> list[str]:
    """The labels of the fields where what is saved now differs from what the user entered (the
    conflict view: the user sees which of their fields someone else's change touches)."""
    entered = form.cleaned_data
    return [
        str(form.fields[name].label)
        for name, value in saved.items()
        if name in form.fields and name != "version" and _comparable(value) != _comparable(entered.get(name))
    ]


@login_required
def agreement_edit(request: HttpRequest, agreement_id: int) -> HttpResponse:
    agreement = _agreement(request, agreement_id, action=Action.CHANGE)
    initial = _agreement_initial(agreement)
    form = AgreementForm(
        request.POST or None,
        request.FILES or None,
        user=request.user,
        initial=initial,
        has_signed_text=bool(agreement.signed_text),
    )
    conflict: list[str] | None = None
    if request.method == "POST" and form.is_valid():
        version = form.cleaned_data.get("version")
        changes = _agreement_values(form.cleaned_data)
        try:
            with transaction.atomic():
                services.update_agreement(
                    by=request.user, agreement=agreement, version=version, changes=changes
                )
                _file_step(form, agreement)
        except StaleRecordError:
            fresh = _agreement(request, agreement_id)
            conflict = _differing(form, _agreement_initial(fresh))
            resubmit = request.POST.copy()
            resubmit["version"] = str(fresh.version)
            form.data = resubmit
            form.add_error(None, CONFLICT_MESSAGE)
        except ValidationError as error:
            apply_service_errors(form, error)
        except PermissionDenied:
            form.add_error("owner", _("You may not record agreements for this organisation."))
        else:
            messages.success(request, _("Changes saved."))
            return redirect(agreement.get_absolute_url())
    context = {"form": form, "agreement": agreement, "conflict": conflict, "language": get_language()}
    return render(
        request, "coordination/agreement_form.html", context, status=409 if conflict is not None else 200
    )


@login_required
def agreement_delete(request: HttpRequest, agreement_id: int) -> HttpResponse:
    agreement = _agreement(request, agreement_id, action=Action.DELETE)
    error = ""
    if request.method == "POST":
        try:
            services.delete_agreement(by=request.user, agreement=agreement)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("Agreement deleted."))
            return redirect("coordination:agreement-list")
    context = {"agreement": agreement, "error": error, "language": get_language()}
    return render(
        request, "coordination/agreement_confirm_delete.html", context, status=400 if error else 200
    )


# --- Contact points ----------------------------------------------------------------------------


def _contacts_answer(
    request: HttpRequest, agreement: Agreement, *, done: str = "", form: ContactForm | None = None
) -> HttpResponse:
    """After adding or removing a contact: the section for HTMX, else the page (or its form's errors)."""
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.boosted:
        return render(request, f"{DETAIL_TEMPLATE}#contacts", _contacts_context(request, agreement, form))
    if form is not None and form.errors:
        return render(request, DETAIL_TEMPLATE, _detail_context(request, agreement, contact_form=form))
    if done:
        messages.success(request, done)
    return redirect(f"{agreement.get_absolute_url()}#contacts")


@login_required
@require_POST
def contact_add(request: HttpRequest, agreement_id: int) -> HttpResponse:
    agreement = _agreement(request, agreement_id, action=Action.CHANGE)
    form = ContactForm(request.POST, parties=_readable_parties(request, agreement), auto_id="contact_%s")
    if form.is_valid():
        try:
            services.add_contact_point(
                by=request.user, agreement=agreement, data=services.ContactInput(**form.cleaned_data)
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        except PermissionDenied:
            raise Http404 from None
        else:
            return _contacts_answer(request, agreement, done=_("Contact point added."))
    return _contacts_answer(request, agreement, form=form)


@login_required
@require_POST
def contact_delete(request: HttpRequest, agreement_id: int, contact_id: int) -> HttpResponse:
    agreement = _agreement(request, agreement_id, action=Action.CHANGE)
    contact = agreement.contact_points.filter(pk=contact_id).first()
    if contact is None:
        raise Http404
    contact.agreement = agreement
    try:
        services.delete_contact_point(by=request.user, contact=contact)
    except PermissionDenied:
        raise Http404 from None
    return _contacts_answer(request, agreement, done=_("Contact point removed."))


# --- Sharing rules -----------------------------------------------------------------------------


def _rule_input(data: dict[str, Any]) -> services.RuleInput:
    names = {f.name for f in dataclass_fields(services.RuleInput)}
    values = {name: data[name] for name in names if name in data}
    values["countries"] = list(values.get("countries") or [])
    values["name"] = values.get("name") or ""
    return services.RuleInput(**values)


def _rule_initial(rule: SharingRule) -> dict[str, Any]:
    return {
        "name": rule.name,
        "recipient": rule.recipient_id,
        "source": rule.source_id,
        "kinds": split(rule.kinds),
        "high_level_only": rule.high_level_only,
        "leader_ranks": split(rule.leader_ranks),
        "pillars": split(rule.pillars),
        "classifications": [int(c) for c in split(rule.classifications)],
        "countries": sorted(c.code for c in rule.countries.all()),
        "triggers": split(rule.triggers),
        "lead_days": rule.lead_days,
        "day_basis": rule.day_basis,
        "calendar_country": rule.calendar_country.code if rule.calendar_country else None,
        "change_hours": rule.change_hours,
        "shared_fields": split(rule.shared_fields),
        "active": rule.active,
        "version": rule.version,
    }


def _rules_url(agreement: Agreement, rule: SharingRule | None = None) -> str:
    return f"{agreement.get_absolute_url()}#{f'rule-{rule.pk}' if rule else 'rules'}"


def _rule_page(
    request: HttpRequest,
    agreement: Agreement,
    form: RuleForm,
    *,
    conflict: list[str] | None = None,
    **extra: Any,
) -> HttpResponse:
    context = {
        "agreement": agreement,
        "form": form,
        "conflict": conflict,
        "cancel_url": _rules_url(agreement),
        "language": get_language(),
        **extra,
    }
    return render(
        request, "coordination/rule_form.html", context, status=409 if conflict is not None else 200
    )


@login_required
def rule_create(request: HttpRequest, agreement_id: int) -> HttpResponse:
    agreement = _agreement(request, agreement_id, action=Action.CHANGE)
    form = RuleForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            rule = services.add_rule(
                by=request.user, agreement=agreement, data=_rule_input(form.cleaned_data)
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("Sharing rule added."))
            return redirect(_rules_url(agreement, rule))
    return _rule_page(request, agreement, form)


@login_required
def rule_edit(request: HttpRequest, agreement_id: int, rule_id: int) -> HttpResponse:
    agreement = _agreement(request, agreement_id, action=Action.CHANGE)
    rule = _rule(agreement, rule_id)
    initial = _rule_initial(rule)
    form = RuleForm(request.POST or None, user=request.user, initial=initial)
    conflict: list[str] | None = None
    if request.method == "POST" and form.is_valid():
        new = _rule_input(form.cleaned_data)
        changes = {f.name: getattr(new, f.name) for f in dataclass_fields(services.RuleInput)}
        try:
            services.update_rule(
                by=request.user, rule=rule, version=form.cleaned_data.get("version"), changes=changes
            )
        except StaleRecordError:
            fresh = _rule(agreement, rule_id)
            conflict = _differing(form, _rule_initial(fresh))
            resubmit = request.POST.copy()
            resubmit["version"] = str(fresh.version)
            form.data = resubmit
            form.add_error(None, CONFLICT_MESSAGE)
        except ValidationError as error:
            apply_service_errors(form, error)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("Changes saved."))
            return redirect(_rules_url(agreement, rule))
    return _rule_page(request, agreement, form, conflict=conflict, rule=rule)


@login_required
@require_POST
def rule_toggle(request: HttpRequest, agreement_id: int, rule_id: int) -> HttpResponse:
    """Activate or deactivate a rule (the `version` it was shown at guards a concurrent edit)."""
    agreement = _agreement(request, agreement_id, action=Action.CHANGE)
    rule = _rule(agreement, rule_id)
    version = request.POST.get("version", "")
    active = not rule.active
    try:
        services.update_rule(
            by=request.user,
            rule=rule,
            version=int(version) if version.isdecimal() and len(version) < 19 else None,
            changes={"active": active},
        )
    except StaleRecordError:
        messages.error(request, _("Someone else changed this rule meanwhile; look again before changing it."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied:
        raise Http404 from None
    else:
        messages.success(request, _("The rule is active.") if active else _("The rule is no longer active."))
    return redirect(_rules_url(agreement, rule))


@login_required
def rule_delete(request: HttpRequest, agreement_id: int, rule_id: int) -> HttpResponse:
    agreement = _agreement(request, agreement_id, action=Action.CHANGE)
    rule = _rule(agreement, rule_id)
    error = ""
    if request.method == "POST":
        try:
            services.delete_rule(by=request.user, rule=rule)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("Sharing rule deleted."))
            return redirect(_rules_url(agreement))
    language = get_language()
    orgs = [o for o in (rule.recipient, rule.source) if o is not None]
    attach_names(orgs)
    readable = access.readable_ids(request.user, Organisation, [o.pk for o in orgs])
    context = {
        "agreement": agreement,
        "rule": rule,
        "sentence": rule_sentence(rule, language, lambda org: _org_label(org, language, readable)),
        "error": error,
        "language": language,
    }
    return render(request, "coordination/rule_confirm_delete.html", context, status=400 if error else 200)


@login_required
@require_POST
def rule_apply(request: HttpRequest, agreement_id: int, rule_id: int) -> HttpResponse:
    """Apply a rule to the activities that have not started yet (queued for the engine)."""
    agreement = _agreement(request, agreement_id, action=Action.CHANGE)
    rule = _rule(agreement, rule_id)
    try:
        queued = services.apply_rule_to_future(by=request.user, rule=rule)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied:
        raise Http404 from None
    else:
        messages.success(
            request,
            ngettext(
                "%(count)d activity not yet started was queued: the rule's notices follow shortly.",
                "%(count)d activities not yet started were queued: the rule's notices follow shortly.",
                queued,
            )
            % {"count": queued},
        )
    return redirect(_rules_url(agreement, rule))

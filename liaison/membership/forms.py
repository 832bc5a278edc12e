"""Forms for the membership pages. They validate input and hand it to the services; they never
save. Fields are named after the service inputs' fields, so what a service refuses lands on the
field the user has to change (`directory.views_manage.apply_service_errors`); the checks only the
services can make (a transfer to the member's own branch, overlapping postings, a joining date
after a change of status, a scan that is not a PDF or an image) are left to them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from liaison.core import access
from liaison.core.access import organisations_user_can_write
from liaison.core.models import Classification
from liaison.directory.forms import OrganisationChoiceField
from liaison.directory.models import Country, Gender, Organisation, OrganisationKind
from liaison.membership import checks, selectors
from liaison.membership.models import (
    Branch,
    BranchLevel,
    DossierStatus,
    EventKind,
    Member,
    MemberStatus,
    StatusRule,
    TransferKind,
)
from liaison.membership.placements import placed_in_q
from liaison.membership.services import MANUAL_EVENTS

GENDERS = [("", "—"), *Gender.choices]
NAME_FIELDS = (("name_vi", "vi"), ("name_en", "en"), ("name_ar", "ar"))


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class BranchChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A branch by its organisation's name (and country, when abroad)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Branch.objects.none())
        kwargs.setdefault("error_messages", {"invalid_choice": _("Choose a branch from the list.")})
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Branch) -> str:
        name = obj.organisation.sort_name
        country = obj.organisation.country
        return f"{name} ({country.code})" if obj.abroad and country is not None else name


class MissionChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Organisation) -> str:
        country = obj.country
        return f"{obj.sort_name} ({country.code})" if country is not None else obj.sort_name


class CountryChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Country) -> str:
        return obj.name_in(get_language() or "en")


def readable_branches(user: Any) -> QuerySet[Branch]:
    """Every branch whose organisation the user may read (a transfer may go to any of them)."""
    return (
        Branch.objects.filter(access.visible_q(user, Organisation, prefix="organisation__"))
        .select_related("organisation", "organisation__country")
        .order_by("organisation__sort_name", "pk")
    )


def writable_branches(user: Any) -> QuerySet[Branch]:
    """The branches the user answers for and may keep records in."""
    writable = Organisation.objects.filter(organisations_user_can_write(user))
    return (
        checks.responsible_branches(user)
        .filter(organisation__in=writable)
        .select_related("organisation", "organisation__country")
        .order_by("organisation__path")
    )


def missions(user: Any) -> QuerySet[Organisation]:
    return (
        access.visible(user, Organisation.objects.filter(kind=OrganisationKind.MISSION))
        .select_related("country")
        .order_by("sort_name", "pk")
    )


# --- Members -----------------------------------------------------------------------------------


class MemberForm(forms.Form):
    name_vi = forms.CharField(label=_("Name in Vietnamese"), required=False, max_length=300)
    name_en = forms.CharField(label=_("Name in English"), required=False, max_length=300)
    name_ar = forms.CharField(
        label=_("Name in Arabic"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"dir": "rtl"}),
    )
    joined_on = forms.DateField(label=_("Joined on"), widget=_date_input())
    register_number = forms.CharField(
        label=_("Register number"),
        required=False,
        max_length=50,
        help_text=_("The member's number in the register; imports recognise the member by it."),
    )
    gender = forms.ChoiceField(label=_("Gender"), choices=GENDERS, required=False)
    birth_date = forms.DateField(label=_("Date of birth"), required=False, widget=_date_input())
    languages = forms.CharField(
        label=_("Languages"), required=False, max_length=200, help_text=_("e.g. French, English")
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    classification = forms.TypedChoiceField(
        label=_("Classification"),
        choices=Classification.choices,
        coerce=int,
        initial=Classification.RESTRICTED,
        help_text=_("Members' records are personal data: restricted unless the branch decides otherwise."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        if not any((data.get(name) or "").strip() for name, _language in NAME_FIELDS):
            self.add_error("name_vi", _("Give at least one name."))
        return data


class NewMemberForm(MemberForm):
    branch = BranchChoiceField(
        label=_("Branch"), help_text=_("The branch the member joined; its officers keep the record.")
    )

    field_order = ["branch"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        branch: Any = self.fields["branch"]
        branch.queryset = writable_branches(user)


def member_initial(member: Member, names: list[Any]) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "joined_on": member.joined_on,
        "register_number": member.register_number,
        "gender": member.gender,
        "birth_date": member.birth_date,
        "languages": member.languages,
        "notes": member.notes,
        "classification": member.classification,
        "version": member.version,
    }
    for field, language in NAME_FIELDS:
        initial[field] = next((n.value for n in names if n.language == language), "")
    return initial


# --- Postings and events -----------------------------------------------------------------------


class PostingForm(forms.Form):
    country = CountryChoiceField(
        label=_("Country"), queryset=Country.objects.order_by("name_en"), to_field_name="code"
    )
    mission = MissionChoiceField(
        label=_("Mission"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_("The representative mission the member is posted to, if any."),
    )
    start = forms.DateField(label=_("From"), widget=_date_input())
    end = forms.DateField(
        label=_("Until"), required=False, widget=_date_input(), help_text=_("The end of the term, if known.")
    )
    letter_number = forms.CharField(label=_("Letter number"), required=False, max_length=100)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        mission: Any = self.fields["mission"]
        mission.queryset = missions(user)


class EventForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Event"), choices=[(k.value, k.label) for k in EventKind if k in MANUAL_EVENTS]
    )
    on = forms.DateField(label=_("Date"), widget=_date_input())
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


# --- Transfers ---------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files (each checked by the service: a PDF or an image within the limit)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        items = data if isinstance(data, list | tuple) else [data]
        return [single(item, initial) for item in items if item]


def _today() -> dt.date:
    return timezone.localdate()


class ReleaseForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=TransferKind.choices, initial=TransferKind.PERMANENT)
    to_branch = BranchChoiceField(label=_("To branch"), help_text=_("The branch that receives the member."))
    letter_number = forms.CharField(label=_("Letter number"), max_length=100)
    letter_date = forms.DateField(label=_("Letter date"), widget=_date_input())
    released_on = forms.DateField(label=_("Released on"), widget=_date_input(), initial=_today)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    documents = MultipleFileField(
        label=_("Documents"), help_text=_("The letter and the member's papers: PDF or images.")
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        to_branch: Any = self.fields["to_branch"]
        to_branch.queryset = readable_branches(user)


class ReceiveForm(forms.Form):
    received_on = forms.DateField(label=_("Received on"), widget=_date_input(), initial=_today)


class CancelForm(forms.Form):
    note = forms.CharField(label=_("Why"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DayForm(forms.Form):
    """One date: the end of an attachment, the day a dossier was digitised."""

    on = forms.DateField(label=_("Date"), widget=_date_input(), initial=_today)


class DocumentForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=_("A PDF or an image (JPEG, PNG or TIFF)."))


# --- Branches ----------------------------------------------------------------------------------


class BranchForm(forms.Form):
    level = forms.ChoiceField(label=_("Level"), choices=BranchLevel.choices)
    mission = MissionChoiceField(
        label=_("Mission"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_("For a branch abroad: the representative mission it sits in."),
    )
    minimum_size = forms.IntegerField(
        label=_("Minimum size"),
        min_value=0,
        max_value=1000,
        initial=3,
        help_text=_("Fewer members than this shows on the checks."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        mission: Any = self.fields["mission"]
        mission.queryset = missions(user)


class NewBranchForm(BranchForm):
    organisation = OrganisationChoiceField(
        label=_("Organisation"),
        writable=True,
        help_text=_("The organisation that will keep members; its officers will keep their records."),
    )

    field_order = ["organisation"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        organisation: Any = self.fields["organisation"]
        organisation.queryset = access.visible(
            user, Organisation.objects.filter(organisations_user_can_write(user))
        ).filter(branch__isnull=True)


class SecretaryChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Member) -> str:
        return obj.name


class BranchEditForm(BranchForm):
    secretary = SecretaryChoiceField(
        label=_("Secretary"),
        queryset=Member.objects.none(),
        required=False,
        help_text=_("A member placed in this branch."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: Any, branch: Branch, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        secretary: Any = self.fields["secretary"]
        secretary.queryset = access.visible(user, Member.objects.filter(placed_in_q(branch))).order_by(
            "sort_name", "id"
        )


# --- Status rules ------------------------------------------------------------------------------


class RuleForm(forms.Form):
    event_kind = forms.ChoiceField(label=_("Event"), choices=EventKind.choices)
    after_days = forms.IntegerField(label=_("After (days)"), min_value=0, max_value=36_500, initial=0)
    status = forms.ChoiceField(label=_("Status"), choices=MemberStatus.choices)
    is_active = forms.BooleanField(label=_("In force"), required=False, initial=True)
    description = forms.CharField(label=_("Description"), required=False, max_length=300)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


def rule_initial(rule: StatusRule) -> dict[str, Any]:
    return {
        "event_kind": rule.event_kind,
        "after_days": rule.after_days,
        "status": rule.status,
        "is_active": rule.is_active,
        "description": rule.description,
        "version": rule.version,
    }


# --- The member list's filters -----------------------------------------------------------------

YES_NO = {"yes": True, "no": False}


def member_filters(user: Any, params: Mapping[str, Any]) -> tuple[selectors.MemberFilters, dict[str, str]]:
    """The member list's filters from a query string (the page and its exports read the same);
    and the values as given, for the filter form. Unknown values are ignored."""
    q = str(params.get("q", "")).strip()[:200]
    status = str(params.get("status", ""))
    status = status if status in MemberStatus.values else ""
    dossier = str(params.get("dossier", ""))
    dossier = dossier if dossier in DossierStatus.values else ""
    abroad, posted = str(params.get("abroad", "")), str(params.get("posted", ""))
    abroad, posted = (abroad if abroad in YES_NO else ""), (posted if posted in YES_NO else "")
    branch_id = str(params.get("branch", ""))
    branch = None
    if branch_id.isdecimal():
        branch = (
            checks.responsible_branches(user).select_related("organisation").filter(pk=int(branch_id)).first()
        )
    filters = selectors.MemberFilters(
        q=q,
        branch=branch,
        status=status,
        abroad=YES_NO.get(abroad),
        posted=YES_NO.get(posted),
        dossier=dossier,
        day=timezone.localdate(),
    )
    given = {
        "q": q,
        "branch": str(branch.pk) if branch is not None else "",
        "status": status,
        "abroad": abroad,
        "posted": posted,
        "dossier": dossier,
    }
    return filters, given

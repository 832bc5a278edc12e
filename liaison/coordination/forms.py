"""Forms for agreements, their contact points and sharing rules, and the working calendars.

They validate input and hand it to `liaison.coordination.services`; they never save. Every field
is named after the service input's field of the same meaning, so what a service refuses (a
field-level `ValidationError`) lands on the field the user has to change
(`directory.views_manage.apply_service_errors`). Checks that only the services can make (a rule
that tells its own source, conditions that can never match, a period that ends before it starts)
are left to them, so pages and API refuse the same input with the same words.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import filetype  # type: ignore[import-untyped]
from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.dates import WEEKDAYS
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from liaison.accounts.models import User
from liaison.activities.forms_parts import OrganisationsChoiceField, organisation_label
from liaison.activities.models import ActivityKind, LeaderRank
from liaison.coordination.models import AgreementKind, DayBasis, SharedField, Trigger
from liaison.core.access import organisations_user_can_write, visible
from liaison.core.models import Classification, Pillar
from liaison.directory.forms import OrganisationChoiceField
from liaison.directory.models import Country, MandateField, Organisation

# The signed text of an agreement: what it may be, recognised from its content (not its name).
SIGNED_TEXT_TYPES = {
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
}
SIGNED_TEXT_MAX_BYTES = 20 * 1024 * 1024


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _checkboxes() -> forms.CheckboxSelectMultiple:
    # The class lands on the group's wrapper (laid out in coordination.css) and on each box.
    return forms.CheckboxSelectMultiple(attrs={"class": "checks"})


class CountryChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A country by its ISO code, named in the reader's language."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Country.objects.order_by("name_en"))
        kwargs.setdefault("to_field_name", "code")
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Country) -> str:
        return obj.name_in(get_language() or "en")


class CountriesChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Country.objects.order_by("name_en"))
        kwargs.setdefault("to_field_name", "code")
        kwargs.setdefault("widget", forms.SelectMultiple(attrs={"size": 6}))
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Country) -> str:
        return obj.name_in(get_language() or "en")


class UsersChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """Active users, by name where they gave one (the username beside it tells namesakes apart)."""

    def label_from_instance(self, obj: User) -> str:
        full = obj.get_full_name()
        return f"{full} ({obj.get_username()})" if full else obj.get_username()


def sniff_signed_text(upload: UploadedFile[Any]) -> str:
    """The file extension the upload's content makes it ("pdf" or "docx"), or a field error."""
    if not upload.size:
        raise forms.ValidationError(_("The file is empty."))
    if upload.size > SIGNED_TEXT_MAX_BYTES:
        raise forms.ValidationError(
            _("The file is %(size)s; the largest accepted is %(limit)s."),
            params={"size": filesizeformat(upload.size), "limit": filesizeformat(SIGNED_TEXT_MAX_BYTES)},
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    extension = SIGNED_TEXT_TYPES.get(kind.mime if kind is not None else "")
    if extension is None:
        raise forms.ValidationError(_("Upload the signed text as a PDF or Word (DOCX) file."))
    return extension


# --- Agreements ---------------------------------------------------------------------------------


def fields_of_coordination() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=_("Fields of coordination"), choices=MandateField.choices, required=False, widget=_checkboxes()
    )


def _after(
    fields: dict[str, forms.Field], anchor: str, name: str, field: forms.Field
) -> dict[str, forms.Field]:
    """The form's fields with `field` inserted after `anchor` (the order the page shows them in)."""
    ordered: dict[str, forms.Field] = {}
    for key, value in fields.items():
        ordered[key] = value
        if key == anchor:
            ordered[name] = field
    return ordered


class AgreementForm(forms.Form):
    """Create or edit an agreement. The parties read it whatever its classification."""

    kind = forms.ChoiceField(label=_("Kind"), choices=AgreementKind.choices)
    code = forms.CharField(
        label=_("Code"), max_length=100, required=False, help_text=_("Its number, e.g. 01/QCPH.")
    )
    title_en = forms.CharField(label=_("Title (English)"), max_length=300, required=False)
    title_vi = forms.CharField(label=_("Title (Vietnamese)"), max_length=300, required=False)
    title_ar = forms.CharField(
        label=_("Title (Arabic)"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"dir": "rtl"}),
    )
    owner = OrganisationChoiceField(
        label=_("Kept by"),
        writable=True,
        help_text=_("The organisation that keeps this record; its editors may change it."),
    )
    parties = OrganisationsChoiceField(
        label=_("Parties"), help_text=_("The organisations that agree to coordinate: two or more.")
    )
    signed_on = forms.DateField(label=_("Signed on"), required=False, widget=_date_input())
    starts_on = forms.DateField(label=_("In force from"), widget=_date_input())
    ends_on = forms.DateField(
        label=_("In force until"),
        required=False,
        widget=_date_input(),
        help_text=_("Leave empty while it stays in force."),
    )
    acknowledge_within_hours = forms.IntegerField(
        label=_("Acknowledge within (hours)"),
        initial=48,
        help_text=_("A notice not acknowledged within this time goes to the agreement's coordinators."),
    )
    coordinators = UsersChoiceField(
        label=_("Coordinators"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("They receive the escalations: notices sent late or left unacknowledged."),
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    classification = forms.TypedChoiceField(
        label=_("Classification"), choices=Classification.choices, coerce=int, initial=Classification.INTERNAL
    )
    signed_text = forms.FileField(
        label=_("Signed text"),
        required=False,
        widget=forms.FileInput(attrs={"accept": ".pdf,.docx"}),
        help_text=_("A PDF or Word (DOCX) file of at most 20 MB."),
    )
    remove_signed_text = forms.BooleanField(label=_("Remove the signed text"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: Any, has_signed_text: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        readable = visible(user, Organisation.objects.all())
        self.fields["owner"].queryset = readable.filter(organisations_user_can_write(user))  # type: ignore[attr-defined]
        self.fields["parties"].queryset = readable  # type: ignore[attr-defined]
        self.fields["coordinators"].queryset = User.objects.filter(is_active=True).order_by(  # type: ignore[attr-defined]
            "last_name", "first_name", "username"
        )
        # Declared here: a class attribute named `fields` would hide the form's own `fields`.
        self.fields = _after(self.fields, "parties", "fields", fields_of_coordination())
        if not has_signed_text:
            del self.fields["remove_signed_text"]
        self.signed_text_extension = ""

    def clean_signed_text(self) -> UploadedFile[Any] | None:
        upload: UploadedFile[Any] | None = self.cleaned_data.get("signed_text")
        if upload:
            self.signed_text_extension = sniff_signed_text(upload)
        return upload


# --- Contact points -----------------------------------------------------------------------------


class PartyChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Organisation) -> str:
        return organisation_label(obj)


class ContactForm(forms.Form):
    """A contact point in one party's unit (offered: the agreement's parties)."""

    organisation = PartyChoiceField(label=_("Party"), queryset=Organisation.objects.none())
    unit = forms.CharField(label=_("Unit"), max_length=300, required=False)
    name = forms.CharField(label=_("Name"), max_length=300)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Telephone"), max_length=50, required=False)

    def __init__(self, *args: Any, parties: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = parties  # type: ignore[attr-defined]


# --- Sharing rules ------------------------------------------------------------------------------


class RuleForm(forms.Form):
    """A sharing rule: whom to tell, about which activities, on which changes, by when, with what."""

    name = forms.CharField(
        label=_("Name"), max_length=300, required=False, help_text=_("Optional: a short name to find it by.")
    )
    recipient = OrganisationChoiceField(
        label=_("Tell"), help_text=_("One of the agreement's parties, or a unit of one.")
    )
    source = OrganisationChoiceField(
        label=_("About activities of"),
        required=False,
        help_text=_("Activities led by this organisation or one below it; empty: any organisation's."),
    )
    kinds = forms.MultipleChoiceField(
        label=_("Kinds of activity"),
        choices=ActivityKind.choices,
        required=False,
        widget=_checkboxes(),
        help_text=_("None ticked: every kind."),
    )
    high_level_only = forms.BooleanField(label=_("High-level activities only"), required=False)
    leader_ranks = forms.MultipleChoiceField(
        label=_("Leader's ranks"),
        choices=LeaderRank.choices,
        required=False,
        widget=_checkboxes(),
        help_text=_("None ticked: any rank."),
    )
    pillars = forms.MultipleChoiceField(
        label=_("Pillars"),
        choices=Pillar.choices,
        required=False,
        widget=_checkboxes(),
        help_text=_("None ticked: every pillar."),
    )
    classifications = forms.TypedMultipleChoiceField(
        label=_("Classifications"),
        choices=Classification.choices,
        coerce=int,
        required=False,
        widget=_checkboxes(),
        help_text=_("None ticked: every classification."),
    )
    countries = CountriesChoiceField(
        label=_("Countries"),
        required=False,
        help_text=_("The activity's country or a counterpart country; none chosen: any country."),
    )
    triggers = forms.MultipleChoiceField(
        label=_("When the activity"),
        choices=Trigger.choices,
        required=False,
        widget=_checkboxes(),
        initial=list(Trigger.values),
    )
    lead_days = forms.IntegerField(
        label=_("At least this many days before it starts"),
        initial=0,
        help_text=_("When the first notice about an activity is due."),
    )
    day_basis = forms.ChoiceField(
        label=_("Counted in"), choices=DayBasis.choices, initial=DayBasis.CALENDAR, widget=forms.RadioSelect
    )
    calendar_country = CountryChoiceField(
        label=_("Working calendar of"),
        required=False,
        help_text=_("Whose weekends and holidays count; empty: the recipient's country."),
    )
    change_hours = forms.IntegerField(
        label=_("Changes within (hours)"),
        initial=24,
        help_text=_("When a notice of a change or a cancellation is due, counted from the change."),
    )
    shared_fields = forms.MultipleChoiceField(
        label=_("Shared fields"),
        choices=SharedField.choices,
        required=False,
        widget=_checkboxes(),
        help_text=_("The activity's kind, dates, time zone and status are always shared."),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    # How the page groups the fields (every visible field is in exactly one group).
    GROUPS = (
        (_("Whom to tell"), ("name", "recipient", "source")),
        (
            _("About which activities"),
            ("kinds", "high_level_only", "leader_ranks", "pillars", "classifications", "countries"),
        ),
        (_("On which changes"), ("triggers",)),
        (_("By when"), ("lead_days", "day_basis", "calendar_country", "change_hours")),
        (_("What to share"), ("shared_fields", "active")),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        readable = visible(user, Organisation.objects.all())
        self.fields["recipient"].queryset = readable  # type: ignore[attr-defined]
        self.fields["source"].queryset = readable  # type: ignore[attr-defined]

    def fieldsets(self) -> Iterator[tuple[Any, list[forms.BoundField]]]:
        for legend, names in self.GROUPS:
            yield legend, [self[name] for name in names]


# --- Working calendars --------------------------------------------------------------------------

WEEKDAY_CHOICES = [(number, WEEKDAYS[number]) for number in range(7)]


class WeekendForm(forms.Form):
    country = CountryChoiceField(label=_("Country"))
    weekend = forms.TypedMultipleChoiceField(
        label=_("Weekend days"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        required=False,
        widget=_checkboxes(),
        help_text=_("The days no one works there; the other days count as working days unless a holiday."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Choosing a country fetches the form again, ticked with the days it rests on now.
        self.fields["country"].widget.attrs.update(
            {
                "hx-get": reverse("coordination:calendar-list"),
                "hx-target": "#weekend-form",
                "hx-swap": "outerHTML",
            }
        )


class HolidayForm(forms.Form):
    country = CountryChoiceField(label=_("Country"))
    date = forms.DateField(label=_("Date"), widget=_date_input())
    name = forms.CharField(label=_("Name"), max_length=200)


# --- Annual joint plans -----------------------------------------------------------------------


class PartiesChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Organisation) -> str:
        return organisation_label(obj)


class ActivitiesChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.starts_at:%Y-%m-%d} · {obj.title_in(get_language() or 'en')}"


class PlanItemForm(forms.Form):
    """An item of an annual joint plan. Offered: the agreement's parties (and their units) as
    responsible, and as carrying activities the latest ones the user may read that the parties
    lead, within the agreement's period."""

    title_en = forms.CharField(label=_("Title (English)"), max_length=500, required=False)
    title_vi = forms.CharField(label=_("Title (Vietnamese)"), max_length=500, required=False)
    title_ar = forms.CharField(
        label=_("Title (Arabic)"),
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"dir": "rtl"}),
    )
    responsible = PartiesChoiceField(label=_("Responsible"), queryset=Organisation.objects.none())
    starts_on = forms.DateField(label=_("From"), required=False, widget=_date_input())
    ends_on = forms.DateField(label=_("By"), required=False, widget=_date_input())
    activities = ActivitiesChoiceField(
        label=_("Carried out by"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_("The activities that carry the item out; its state follows from theirs."),
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, user: Any, agreement: Any, **kwargs: Any) -> None:
        from django.db.models import Q

        from liaison.activities.models import Activity

        super().__init__(*args, **kwargs)
        below = Q(pk__in=[])
        for party in agreement.parties.all():
            below |= Q(path__startswith=party.path)
        parties = Organisation.objects.filter(below)
        # Offered: those the user may see (the service keeps the hidden ones already responsible).
        self.fields["responsible"].queryset = visible(user, parties).prefetch_related("names")  # type: ignore[attr-defined]
        activities = visible(user, Activity.objects.filter(lead_organisation__in=parties.values("pk")))
        activities = activities.filter(starts_at__date__gte=agreement.starts_on)
        if agreement.ends_on is not None:
            activities = activities.filter(starts_at__date__lte=agreement.ends_on)
        latest = list(activities.order_by("-starts_at").values_list("pk", flat=True)[:300])
        chosen = [a.pk for a in self.initial.get("activities", [])]
        self.fields["activities"].queryset = Activity.objects.filter(  # type: ignore[attr-defined]
            pk__in=[*latest, *chosen]
        ).order_by("-starts_at")

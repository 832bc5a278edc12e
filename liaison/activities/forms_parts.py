"""Forms for the parts of an activity (delegations, programme, outcomes, files, sources).

They validate input and hand it to the services; they never save. What the services refuse comes
back as a field-level `ValidationError` and is shown on the field of the same name.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from liaison.activities.models import (
    AttachmentKind,
    ConnectionStatus,
    DelegationSide,
    MemberRole,
    OutcomeKind,
    SessionKind,
    SessionRole,
)
from liaison.core.access import visible
from liaison.core.listed_names import names_of
from liaison.directory import selectors as directory_selectors
from liaison.directory.forms import OrganisationChoiceField
from liaison.directory.models import Country, Locality, Organisation, Person, display_name

# --- Widgets and fields ------------------------------------------------------------------------


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def person_label(person: Person, language: str | None = None) -> str:
    """A person's name for a reader of `language` (names prefetched or not)."""
    return display_name(names_of(person), language or get_language() or "en") or person.sort_name


def organisation_label(org: Organisation, language: str | None = None) -> str:
    return display_name(names_of(org), language or get_language() or "en") or org.sort_name


class PersonPicker(forms.TextInput):
    """A search box that suggests people through the name matcher and keeps the id.

    The suggestions come from `activities:person-autocomplete` (the shared matcher, filtered by
    the access policy), so the field scales to a directory of any size.
    """

    template_name = "activities/parts/widgets/person_picker.html"

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        label = ""
        if value not in (None, "") and str(value).isdigit():
            # Only people the field offers (those the user may read) may show their name.
            queryset = getattr(self, "label_queryset", Person.objects.none())
            person = queryset.filter(pk=value).prefetch_related("names").first()
            if person is not None:
                label = person_label(person)
        context["widget"]["label"] = label
        return context


class PersonChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A person picked by id through the autocomplete widget."""

    widget = PersonPicker

    def _set_queryset(self, queryset: Any) -> None:
        super()._set_queryset(queryset)  # type: ignore[misc]
        self.widget.label_queryset = self.queryset  # type: ignore[attr-defined]

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)  # type: ignore[attr-defined,assignment]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Person.objects.none())
        kwargs.setdefault("error_messages", {"invalid_choice": _("Choose a person from the suggestions.")})
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Person) -> str:
        return obj.sort_name


class OrganisationsPicker(forms.Widget):
    """A search box that adds organisations as chips (each a hidden input of the field's name)."""

    template_name = "activities/widgets/picker.html"
    allow_multiple_selected = True

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str]:
        getter = getattr(data, "getlist", None)
        values = getter(name) if getter is not None else data.get(name) or []
        if isinstance(values, str):
            values = [values]
        return [str(v) for v in values if str(v).strip()]

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return False

    def format_value(self, value: Any) -> list[str]:  # type: ignore[override]
        if value in (None, ""):
            return []
        if isinstance(value, str | int):
            value = [value]
        return [str(getattr(v, "pk", v)) for v in value]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        ids = [v for v in self.format_value(value) if v.isdigit()]
        # Only organisations the field offers (those the user may read) may show their name.
        queryset = getattr(self, "label_queryset", Organisation.objects.none())
        found = {str(o.pk): o for o in queryset.filter(pk__in=ids).prefetch_related("names")} if ids else {}
        context["widget"].update(
            {
                "url_name": "directory:organisation-autocomplete",
                "multiple": True,
                "chosen": [(i, organisation_label(found[i])) for i in ids if i in found],
            }
        )
        return context


class OrganisationsChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """Organisations picked by id, each through an autocomplete box."""

    widget = OrganisationsPicker

    def _set_queryset(self, queryset: Any) -> None:
        super()._set_queryset(queryset)  # type: ignore[misc]
        self.widget.label_queryset = self.queryset  # type: ignore[attr-defined]

    queryset = property(forms.ModelMultipleChoiceField._get_queryset, _set_queryset)  # type: ignore[attr-defined,assignment]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Organisation.objects.none())
        kwargs.setdefault(
            "error_messages",
            {
                "invalid_choice": _("Choose organisations from the suggestions."),
                "invalid_pk_value": _("Choose organisations from the suggestions."),
            },
        )
        super().__init__(*args, **kwargs)


class ZonedDateTimeField(forms.DateTimeField):
    """A moment entered and shown as the wall-clock time of a given time zone (the activity's).

    `zone` is set by the form; the value is an aware datetime.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
        )
        super().__init__(*args, **kwargs)
        self.zone: dt.tzinfo = ZoneInfo(settings.TIME_ZONE)

    def to_python(self, value: Any) -> dt.datetime | None:
        if isinstance(value, dt.datetime) and timezone.is_aware(value):
            return value
        with timezone.override(self.zone):
            return super().to_python(value)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dt.datetime) and timezone.is_aware(value):
            return value.astimezone(self.zone).replace(tzinfo=None)
        return value


def _zone_help(zone_name: str) -> str:
    return str(_("Local time where the activity takes place (%(zone)s).")) % {"zone": zone_name}


class ZonedFormMixin:
    """Gives every `ZonedDateTimeField` of the form the activity's time zone."""

    fields: dict[str, forms.Field]

    def set_zone(self, zone_name: str) -> None:
        zone = ZoneInfo(zone_name)
        for field in self.fields.values():
            if isinstance(field, ZonedDateTimeField):
                field.zone = zone
                field.help_text = _zone_help(zone_name)


def locality_choices(day: dt.date) -> list[tuple[str, str]]:
    """Localities that existed on `day`, named in the reader's language."""
    language = get_language() or "en"
    return [("", "—")] + [
        (loc.code, loc.name_in(language)) for loc in directory_selectors.localities(valid_on=day)
    ]


class LocalityField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A locality by code. The list offers those valid on the activity's date; any known code is
    accepted so the service can say why another one does not fit (merged, not yet created)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Locality.objects.all())
        kwargs.setdefault("to_field_name", "code")
        super().__init__(*args, **kwargs)

    def offer_on(self, day: dt.date) -> None:
        self.choices = locality_choices(day)


def _visible_orgs(user: Any) -> Any:
    return visible(user, Organisation.objects.all())


def _visible_people(user: Any) -> Any:
    return visible(user, Person.objects.all())


# --- Delegations -------------------------------------------------------------------------------


class DelegationForm(forms.Form):
    side = forms.ChoiceField(label=_("Side"), choices=DelegationSide.choices, initial=DelegationSide.VISITING)
    organisation = OrganisationChoiceField(
        label=_("Sending organisation"),
        help_text=_("The organisation the delegation comes from (or, for the hosting side, the host)."),
    )
    name = forms.CharField(label=_("Name"), required=False, max_length=300)
    size = forms.IntegerField(
        label=_("Size"),
        required=False,
        min_value=0,
        help_text=_("How many people in all, named here or not."),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = _visible_orgs(user)


class MemberForm(forms.Form):
    person = PersonChoiceField(label=_("Person"))
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices, initial=MemberRole.MEMBER)
    title = forms.CharField(label=_("Title during the activity"), required=False, max_length=300)
    protocol_order = forms.IntegerField(
        label=_("Protocol order"),
        required=False,
        min_value=1,
        max_value=999,
        help_text=_("1 is first; left empty, the member goes last."),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["person"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = _visible_people(user)


class StopForm(forms.Form):
    city = LocalityField(label=_("City or province"), required=False)
    place = forms.CharField(
        label=_("Place"), required=False, max_length=200, help_text=_("When the city is not listed.")
    )
    country = forms.ModelChoiceField(
        label=_("Country"),
        queryset=Country.objects.order_by("name_en"),
        required=False,
        to_field_name="code",
    )
    arrives_on = forms.DateField(label=_("Arrives"), widget=_date_input())
    leaves_on = forms.DateField(label=_("Leaves"), widget=_date_input())
    programme = forms.CharField(
        label=_("Programme"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    order = forms.IntegerField(label=_("Order"), required=False, min_value=1, max_value=999)

    def __init__(self, *args: Any, day: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        city = self.fields["city"]
        assert isinstance(city, LocalityField)
        city.offer_on(day)


class DecisionForm(forms.Form):
    APPROVE = "approve"
    RETURN = "return"

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(APPROVE, _("Approve")), (RETURN, _("Return for changes"))],
        widget=forms.HiddenInput,
    )
    decision_note = forms.CharField(
        label=_("Note on the decision"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when returning: say what must change."),
    )


# --- Programme ---------------------------------------------------------------------------------


class SessionForm(ZonedFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=SessionKind.choices, initial=SessionKind.PLENARY)
    theme_en = forms.CharField(label=_("Theme (English)"), required=False, max_length=500)
    theme_vi = forms.CharField(label=_("Theme (Vietnamese)"), required=False, max_length=500)
    theme_ar = forms.CharField(label=_("Theme (Arabic)"), required=False, max_length=500)
    starts_at = ZonedDateTimeField(label=_("Starts"))
    ends_at = ZonedDateTimeField(label=_("Ends"))
    room = forms.CharField(label=_("Room"), required=False, max_length=200)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, zone: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_zone(zone)


class SessionPersonForm(forms.Form):
    person = PersonChoiceField(label=_("Person"))
    role = forms.ChoiceField(label=_("Role"), choices=SessionRole.choices, initial=SessionRole.SPEAKER)
    topic = forms.CharField(label=_("Topic"), required=False, max_length=500)
    order = forms.IntegerField(label=_("Order"), required=False, min_value=1, max_value=999)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["person"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = _visible_people(user)


class SiteForm(ZonedFormMixin, forms.Form):
    locality = LocalityField(label=_("Locality"))
    host_organisation = OrganisationChoiceField(label=_("Host organisation"), required=False)
    room = forms.CharField(label=_("Room"), required=False, max_length=200)
    chair = PersonChoiceField(label=_("Chaired by"), required=False)
    connection_status = forms.ChoiceField(
        label=_("Connection"), choices=ConnectionStatus.choices, initial=ConnectionStatus.NOT_CHECKED
    )
    connection_checked_at = ZonedDateTimeField(label=_("Connection checked at"), required=False)
    interpretation = forms.CharField(
        label=_("Interpretation channels"),
        required=False,
        max_length=100,
        help_text=_("Language codes separated by commas, e.g. vi, en, fr."),
    )
    expected_attendance = forms.IntegerField(label=_("Expected attendance"), required=False, min_value=0)
    attendance = forms.IntegerField(label=_("Attendance"), required=False, min_value=0)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Any, day: dt.date, zone: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_zone(zone)
        locality = self.fields["locality"]
        assert isinstance(locality, LocalityField)
        locality.offer_on(day)
        host = self.fields["host_organisation"]
        assert isinstance(host, forms.ModelChoiceField)
        host.queryset = _visible_orgs(user)
        chair = self.fields["chair"]
        assert isinstance(chair, forms.ModelChoiceField)
        chair.queryset = _visible_people(user)


# --- Outcomes, attachments, sources ------------------------------------------------------------


class OutcomeForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=OutcomeKind.choices)
    title_en = forms.CharField(label=_("Title (English)"), required=False, max_length=500)
    title_vi = forms.CharField(label=_("Title (Vietnamese)"), required=False, max_length=500)
    title_ar = forms.CharField(label=_("Title (Arabic)"), required=False, max_length=500)
    code = forms.CharField(
        label=_("Code"), required=False, max_length=100, help_text=_("Its number, e.g. 01-DA/TW.")
    )
    signed_on = forms.DateField(label=_("Signed on"), required=False, widget=_date_input())
    parties = OrganisationsChoiceField(label=_("Parties"), required=False)
    responsible = OrganisationChoiceField(label=_("Responsible organisation"), required=False)
    due_on = forms.DateField(label=_("Due on"), required=False, widget=_date_input())
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("parties", "responsible"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = _visible_orgs(user)


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, images, office documents or plain text; the type is checked from the content."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=AttachmentKind.choices, initial=AttachmentKind.OTHER)
    title = forms.CharField(label=_("Title"), required=False, max_length=300)


class SourceForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=500)
    url = forms.URLField(label=_("Address"), required=False, max_length=1000, assume_scheme="https")
    reference = forms.CharField(
        label=_("Reference"),
        required=False,
        max_length=200,
        help_text=_("A file or register reference, e.g. seeds/001."),
    )

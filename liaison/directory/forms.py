"""Directory forms: they validate input and hand it to services; they never save."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from liaison.core.access import organisations_user_can_write, visible
from liaison.core.listed_names import names_of
from liaison.core.models import Classification, Pillar
from liaison.directory.models import (
    Country,
    Gender,
    Locality,
    MandateField,
    MandateRole,
    NameKind,
    Organisation,
    OrganisationKind,
)

NAME_LANGUAGES = [
    ("vi", _("Vietnamese")),
    ("en", _("English")),
    ("ar", _("Arabic")),
    ("fr", _("French")),
    ("ru", _("Russian")),
    ("zh", _("Chinese")),
    ("lo", _("Lao")),
    ("km", _("Khmer")),
    ("es", _("Spanish")),
    ("other", pgettext_lazy("language", "Other")),
]


class OrganisationPicker(forms.TextInput):
    """A search box that suggests organisations through the name matcher and keeps the id."""

    template_name = "directory/widgets/organisation_picker.html"

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        from django.utils.translation import get_language

        context = super().get_context(name, value, attrs)
        label = ""
        if value not in (None, ""):
            # Only organisations the field offers (the user's visible ones) may show their name.
            queryset = getattr(self, "label_queryset", Organisation.objects.none())
            org = (
                queryset.filter(pk=value).prefetch_related("names").first() if str(value).isdigit() else None
            )
            if org is not None:
                from liaison.directory.models import display_name

                label = display_name(names_of(org), get_language() or "en") or org.sort_name
        context["widget"]["label"] = label
        # Fields that need an organisation the user may write to only suggest such organisations.
        context["widget"]["writable"] = getattr(self, "writable", False)
        return context


class OrganisationChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """An organisation picked by id through the autocomplete widget."""

    widget = OrganisationPicker

    def _set_queryset(self, queryset: Any) -> None:
        super()._set_queryset(queryset)  # type: ignore[misc]
        self.widget.label_queryset = self.queryset  # type: ignore[attr-defined]

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)  # type: ignore[attr-defined,assignment]

    def __init__(self, *args: Any, writable: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Organisation.objects.none())
        kwargs.setdefault(
            "error_messages",
            {"invalid_choice": _("Choose an organisation from the suggestions.")},
        )
        super().__init__(*args, **kwargs)
        self.widget.writable = writable  # type: ignore[attr-defined]

    def label_from_instance(self, obj: Organisation) -> str:
        return obj.sort_name


class OrderedDatesMixin:
    """Field-level errors for date pairs that end before they start (`date_order` lists them)."""

    date_order: tuple[tuple[str, str, Any], ...] = ()

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}  # type: ignore[misc]
        for start_field, end_field, message in self.date_order:
            start, end = data.get(start_field), data.get(end_field)
            if start and end and end < start:
                self.add_error(end_field, message)  # type: ignore[attr-defined]
        return data


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RecordAccessForm(forms.Form):
    classification = forms.TypedChoiceField(
        label=_("Classification"), choices=Classification.choices, coerce=int, initial=Classification.PUBLIC
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user


class OrganisationForm(OrderedDatesMixin, RecordAccessForm):
    parent = OrganisationChoiceField(label=_("Parent organisation"), required=False, writable=True)
    pillar = forms.ChoiceField(label=_("Pillar"), choices=Pillar.choices)
    kind = forms.ChoiceField(label=_("Kind"), choices=OrganisationKind.choices)
    country = forms.ModelChoiceField(
        label=_("Country"), queryset=Country.objects.order_by("name_en"), required=False, to_field_name="code"
    )
    locality = forms.ModelChoiceField(
        label=_("Locality"),
        queryset=Locality.objects.order_by("name_en"),
        required=False,
        to_field_name="code",
    )
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=_date_input())
    valid_to = forms.DateField(label=_("Valid to"), required=False, widget=_date_input())
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=50)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    address = forms.CharField(label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        parent_field = self.fields["parent"]
        assert isinstance(parent_field, forms.ModelChoiceField)
        parent_field.queryset = visible(user, Organisation.objects.all()).filter(
            organisations_user_can_write(user)
        )

    date_order = (("valid_from", "valid_to", _("The end date must not be before the start date.")),)


class NewOrganisationForm(OrganisationForm):
    name_vi = forms.CharField(label=_("Name in Vietnamese"), required=False, max_length=300)
    name_en = forms.CharField(label=_("Name in English"), required=False, max_length=300)
    name_ar = forms.CharField(label=_("Name in Arabic"), required=False, max_length=300)
    abbreviation = forms.CharField(label=_("Abbreviation"), required=False, max_length=50)

    field_order = ["name_vi", "name_en", "name_ar", "abbreviation"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not any(data.get(f, "").strip() for f in ("name_vi", "name_en", "name_ar")):
            self.add_error("name_en", _("Give the name in at least one language."))
        return data


class NameForm(OrderedDatesMixin, forms.Form):
    value = forms.CharField(label=_("Name"), max_length=300)
    language = forms.ChoiceField(label=_("Language"), choices=NAME_LANGUAGES)
    kind = forms.ChoiceField(label=_("Kind"), choices=NameKind.choices, initial=NameKind.ALIAS)
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=_date_input())
    valid_to = forms.DateField(label=_("Valid to"), required=False, widget=_date_input())
    source = forms.CharField(label=_("Source"), required=False, max_length=300)

    date_order = (("valid_from", "valid_to", _("The end date must not be before the start date.")),)


class PersonNameForm(NameForm):
    family = forms.CharField(label=_("Family name"), required=False, max_length=150)
    given = forms.CharField(label=_("Given name"), required=False, max_length=150)


class PersonForm(OrderedDatesMixin, RecordAccessForm):
    owner = OrganisationChoiceField(
        writable=True, label=_("Kept by"), help_text=_("The organisation that keeps this person's record.")
    )
    nationality = forms.ModelChoiceField(
        label=_("Nationality"),
        queryset=Country.objects.order_by("name_en"),
        required=False,
        to_field_name="code",
    )
    gender = forms.ChoiceField(label=_("Gender"), choices=[("", "—"), *Gender.choices], required=False)
    birth_date = forms.DateField(label=_("Date of birth"), required=False, widget=_date_input())
    death_date = forms.DateField(label=_("Date of death"), required=False, widget=_date_input())
    languages = forms.CharField(label=_("Languages spoken"), required=False, max_length=200)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        owner_field = self.fields["owner"]
        assert isinstance(owner_field, forms.ModelChoiceField)
        owner_field.queryset = visible(user, Organisation.objects.all()).filter(
            organisations_user_can_write(user)
        )

    date_order = (("birth_date", "death_date", _("The date of death must not be before the date of birth.")),)


class NewPersonForm(PersonForm):
    name_vi = forms.CharField(label=_("Full name in Vietnamese"), required=False, max_length=300)
    family_vi = forms.CharField(label=_("Family name"), required=False, max_length=150)
    given_vi = forms.CharField(label=_("Given name"), required=False, max_length=150)
    name_en = forms.CharField(label=_("Name in Latin letters"), required=False, max_length=300)
    name_ar = forms.CharField(label=_("Name in Arabic"), required=False, max_length=300)

    field_order = ["name_vi", "family_vi", "given_vi", "name_en", "name_ar"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not any(data.get(f, "").strip() for f in ("name_vi", "name_en", "name_ar")):
            self.add_error("name_vi", _("Give the name in at least one script."))
        return data


class PositionForm(OrderedDatesMixin, forms.Form):
    organisation = OrganisationChoiceField(label=_("Organisation"))
    title_en = forms.CharField(label=_("Title in English"), max_length=200)
    title_vi = forms.CharField(label=_("Title in Vietnamese"), required=False, max_length=200)
    title_ar = forms.CharField(label=_("Title in Arabic"), required=False, max_length=200)
    start = forms.DateField(label=_("From"), required=False, widget=_date_input())
    end = forms.DateField(label=_("To"), required=False, widget=_date_input())
    source = forms.CharField(label=_("Source"), required=False, max_length=300)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org_field = self.fields["organisation"]
        assert isinstance(org_field, forms.ModelChoiceField)
        org_field.queryset = visible(user, Organisation.objects.all())

    date_order = (("start", "end", _("The end date must not be before the start date.")),)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"), help_text=_("CSV (UTF-8) or XLSX, with the columns of the export.")
    )

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        name = f.name.lower()
        if not (name.endswith(".csv") or name.endswith(".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        if f.size > settings.LIAISON_IMPORT_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than the import limit."))
        return f


class MandateForm(OrderedDatesMixin, forms.Form):
    field = forms.ChoiceField(label=_("Field of external affairs"), choices=MandateField.choices)
    role = forms.ChoiceField(label=_("Role"), choices=MandateRole.choices)
    start = forms.DateField(label=_("From"), required=False, widget=_date_input())
    end = forms.DateField(label=_("To"), required=False, widget=_date_input())
    source = forms.CharField(label=_("Source"), required=False, max_length=300)

    date_order = (("start", "end", _("The end date must not be before the start date.")),)


class EndPositionForm(forms.Form):
    end = forms.DateField(label=_("Ended on"), widget=_date_input())

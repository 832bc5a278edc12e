"""Forms for an activity itself: they validate input and hand it to the services; they never save."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from liaison.activities.forms_parts import OrganisationsChoiceField, PersonChoiceField
from liaison.activities.models import (
    ActivityFormat,
    ActivityKind,
    ActivityStatus,
    LeaderRank,
)
from liaison.core.access import visible
from liaison.core.models import Classification, Pillar
from liaison.directory.forms import OrganisationChoiceField
from liaison.directory.models import Country, Locality, Organisation, Person


class LocalDateTimeField(forms.DateTimeField):
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "input_formats", ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"]
        )
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> dt.datetime | None:
        # Naive here: the form attaches the activity's own time zone in `clean`.
        result = super().to_python(value)
        return result.replace(tzinfo=None) if result is not None else None


ZONE_CHOICES = sorted(
    (z, z.replace("_", " "))
    for z in zoneinfo.available_timezones()
    if "/" in z and not z.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/"))
)


MANY_ORGANISATIONS = ("co_organisers", "counterpart_organisations", "shared_with")


class ActivityForm(forms.Form):
    """Create or edit an activity. Times are entered in the activity's own time zone."""

    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices)
    title_en = forms.CharField(label=_("Title (English)"), max_length=300, required=False)
    title_vi = forms.CharField(label=_("Title (Vietnamese)"), max_length=300, required=False)
    title_ar = forms.CharField(
        label=_("Title (Arabic)"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"dir": "rtl"}),
    )
    pillars = forms.MultipleChoiceField(
        label=_("Pillars"),
        choices=Pillar.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty to use the lead organisation's pillar."),
    )
    lead_organisation = OrganisationChoiceField(label=_("Lead organisation"))
    owner = OrganisationChoiceField(
        label=_("Recorded by"),
        required=False,
        writable=True,
        help_text=_("The organisation that keeps this record; leave empty for the lead organisation."),
    )
    co_organisers = OrganisationsChoiceField(label=_("Co-organisers"), required=False)
    counterpart_organisations = OrganisationsChoiceField(label=_("Foreign counterparts"), required=False)
    counterpart_countries = forms.ModelMultipleChoiceField(
        label=_("Counterpart countries"),
        queryset=Country.objects.order_by("name_en"),
        to_field_name="code",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    leader = PersonChoiceField(label=_("Led by"), required=False)
    leader_rank = forms.ChoiceField(
        label=_("Leader's rank"),
        choices=[("", "—"), *LeaderRank.choices],
        required=False,
        help_text=_("The top ranks make the activity high-level."),
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=ZONE_CHOICES, initial=settings.TIME_ZONE)
    starts_at = LocalDateTimeField(label=_("Starts"))
    ends_at = LocalDateTimeField(label=_("Ends"))
    format = forms.ChoiceField(label=_("Format"), choices=ActivityFormat.choices)
    country = forms.ModelChoiceField(
        label=_("Country"), queryset=Country.objects.order_by("name_en"), to_field_name="code", required=False
    )
    city = forms.ModelChoiceField(
        label=_("City or province"),
        queryset=Locality.objects.select_related("country").order_by("country__code", "name_en"),
        required=False,
        help_text=_("As it was on the activity's date."),
    )
    venue = forms.CharField(label=_("Venue"), max_length=300, required=False)
    summary_en = forms.CharField(
        label=_("Summary (English)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    summary_vi = forms.CharField(
        label=_("Summary (Vietnamese)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    summary_ar = forms.CharField(
        label=_("Summary (Arabic)"), required=False, widget=forms.Textarea(attrs={"rows": 3, "dir": "rtl"})
    )
    classification = forms.TypedChoiceField(
        label=_("Classification"), choices=Classification.choices, coerce=int, initial=Classification.INTERNAL
    )
    embargo_until = LocalDateTimeField(
        label=_("Embargo until"),
        required=False,
        help_text=_("Until then only your organisation (and those it is shared with) sees this activity."),
    )
    shared_with = OrganisationsChoiceField(label=_("Also visible to"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        orgs = visible(user, Organisation.objects.all())
        for name in (
            "lead_organisation",
            "owner",
            "co_organisers",
            "counterpart_organisations",
            "shared_with",
        ):
            self.fields[name].queryset = orgs  # type: ignore[attr-defined]
        self.fields["leader"].queryset = visible(user, Person.objects.all())  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        zone_name = data.get("time_zone") or settings.TIME_ZONE
        zone = zoneinfo.ZoneInfo(zone_name)
        for name in ("starts_at", "ends_at", "embargo_until"):
            value = data.get(name)
            if isinstance(value, dt.datetime):
                data[name] = value.replace(tzinfo=zone)
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end and end < start:
            self.add_error("ends_at", _("The end must not be before the start."))
        embargo = data.get("embargo_until")
        if embargo and end and embargo > end:
            self.add_error("embargo_until", _("The embargo must lift before the activity ends."))
        return data


def local_initial(value: dt.datetime | None, zone_name: str) -> str:
    """A stored instant shown back in the activity's own zone, for a datetime-local input."""
    if value is None:
        return ""
    return value.astimezone(zoneinfo.ZoneInfo(zone_name)).strftime("%Y-%m-%dT%H:%M")


class TransitionForm(forms.Form):
    to_status = forms.ChoiceField(label=_("New status"), choices=ActivityStatus.choices)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

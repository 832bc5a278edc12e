"""Forms for an activity itself: they validate input and hand it to the services; they never save."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

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


class Picker(forms.TextInput):
    """A search box that suggests records through the name matcher; keeps their ids.

    One id (`multiple=False`) or several (chips, each a hidden input of the same name).
    """

    template_name = "activities/widgets/picker.html"

    def __init__(self, *, url_name: str, multiple: bool = False, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.url_name = url_name
        self.multiple = multiple
        self.choices_for: Any = None  # set by the field: ids → [(id, label)]

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        if self.multiple:
            return [v for v in data.getlist(name) if v] if hasattr(data, "getlist") else data.get(name)
        return data.get(name)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        values = value if isinstance(value, (list, tuple)) else ([value] if value not in (None, "") else [])
        ids = [str(getattr(v, "pk", v)) for v in values if str(getattr(v, "pk", v)).isdigit()]
        chosen = self.choices_for(ids) if (self.choices_for and ids) else []
        context["widget"].update({"url_name": self.url_name, "multiple": self.multiple, "chosen": chosen})
        context["widget"]["label"] = chosen[0][1] if (chosen and not self.multiple) else ""
        return context


def _org_labels(user: Any) -> Any:
    from django.utils.translation import get_language

    from liaison.directory.models import display_name

    def labels(ids: list[str]) -> list[tuple[int, str]]:
        orgs = visible(user, Organisation.objects.filter(pk__in=ids)).prefetch_related("names")
        lang = get_language() or "en"
        return [(o.pk, display_name(o.names.all(), lang) or o.sort_name) for o in orgs]

    return labels


def _person_labels(user: Any) -> Any:
    from django.utils.translation import get_language

    from liaison.directory.models import display_name

    def labels(ids: list[str]) -> list[tuple[int, str]]:
        people = visible(user, Person.objects.filter(pk__in=ids)).prefetch_related("names")
        lang = get_language() or "en"
        return [(p.pk, display_name(p.names.all(), lang) or p.sort_name) for p in people]

    return labels


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
    co_organisers = forms.ModelMultipleChoiceField(
        label=_("Co-organisers"), queryset=Organisation.objects.none(), required=False
    )
    counterpart_organisations = forms.ModelMultipleChoiceField(
        label=_("Foreign counterparts"), queryset=Organisation.objects.none(), required=False
    )
    counterpart_countries = forms.ModelMultipleChoiceField(
        label=_("Counterpart countries"),
        queryset=Country.objects.order_by("name_en"),
        to_field_name="code",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    leader = forms.ModelChoiceField(label=_("Led by"), queryset=Person.objects.none(), required=False)
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
    shared_with = forms.ModelMultipleChoiceField(
        label=_("Also visible to"), queryset=Organisation.objects.none(), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        orgs = visible(user, Organisation.objects.all())
        org_labels = _org_labels(user)
        for name in ("lead_organisation", "owner"):
            self.fields[name].queryset = orgs  # type: ignore[attr-defined]
        for name in ("co_organisers", "counterpart_organisations", "shared_with"):
            field = self.fields[name]
            field.queryset = orgs  # type: ignore[attr-defined]
            field.widget = Picker(url_name="directory:organisation-autocomplete", multiple=True)
            field.widget.choices_for = org_labels
        leader = self.fields["leader"]
        leader.queryset = visible(user, Person.objects.all())  # type: ignore[attr-defined]
        leader.widget = Picker(url_name="activities:person-autocomplete")
        leader.widget.choices_for = _person_labels(user)

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

"""The intake forms: adding a document (a file or pasted text), correcting a proposal."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from liaison.activities.models import ActivityFormat, ActivityKind
from liaison.core.access import organisations_user_can_write, visible
from liaison.core.models import Classification
from liaison.directory.forms import OrganisationChoiceField
from liaison.directory.models import Organisation
from liaison.intake.extraction.proposals import ProposalType

PASTED_NAME = "pasted.txt"


class DocumentForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        required=False,
        help_text=_("Text, web page (.html), Word (.docx) or PDF with a text layer."),
    )
    text = forms.CharField(
        label=_("Or paste the text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "dir": "auto"}),
    )
    owner = OrganisationChoiceField(
        label=_("Kept by"),
        writable=True,
        help_text=_("The organisation that keeps this document; its editors review the proposals."),
    )
    classification = forms.TypedChoiceField(
        label=_("Classification"), choices=Classification.choices, coerce=int, initial=Classification.PUBLIC
    )
    published_on = forms.DateField(
        label=_("Published on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty to take it from the page; dates without a year are read against it."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner: Any = self.fields["owner"]
        owner.queryset = visible(user, Organisation.objects.all()).filter(organisations_user_can_write(user))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload, text = data.get("file"), (data.get("text") or "").strip()
        if upload and text:
            self.add_error("text", _("Give a file or pasted text, not both."))
        elif not upload and not text:
            self.add_error("file", _("Choose a file, or paste the text below."))
        limit: int = settings.LIAISON_INTAKE_MAX_BYTES
        if upload and upload.size and upload.size > limit:
            self.add_error(
                "file",
                _("The file is larger than %(limit)s, the largest accepted.")
                % {"limit": filesizeformat(limit)},
            )
        return data

    def content(self) -> tuple[str, bytes, str]:
        """(name, bytes, the field a refusal of the content belongs to)."""
        upload = self.cleaned_data.get("file")
        if upload:
            return upload.name or "upload", upload.read(), "file"
        return PASTED_NAME, self.cleaned_data["text"].strip().encode("utf-8"), "text"


class CorrectionForm(forms.Form):
    """The fields a reviewer may correct, by the proposal's type."""

    def __init__(self, *args: Any, proposal: Any, candidates: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        value = proposal.value
        kind = proposal.type
        if kind in (ProposalType.PERSON, ProposalType.ORGANISATION):
            choices = [("", _("— a new entry, named below —")), *[(str(pk), name) for pk, name in candidates]]
            self.fields["id"] = forms.ChoiceField(
                label=_("Directory entry"),
                choices=choices,
                required=False,
                initial=str(value.get("id") or ""),
            )
            self.fields["name"] = forms.CharField(
                label=_("Name of a new entry"),
                required=False,
                max_length=300,
                widget=forms.TextInput(attrs={"dir": "auto"}),
                initial=proposal.surface if value.get("new") else "",
            )
        elif kind == ProposalType.DATE:
            self.fields["value"] = forms.DateField(
                label=_("Date"),
                widget=forms.DateInput(attrs={"type": "date"}),
                initial=_day(value.get("value")),
            )
        elif kind == ProposalType.EVENT:
            self.fields["title"] = forms.CharField(
                label=_("Title"),
                required=False,
                max_length=300,
                initial=value.get("title", ""),
                widget=forms.TextInput(attrs={"dir": "auto"}),
            )
            self.fields["kind"] = forms.ChoiceField(
                label=_("Kind"), choices=ActivityKind.choices, initial=value.get("kind")
            )
            self.fields["format"] = forms.ChoiceField(
                label=_("Format"), choices=ActivityFormat.choices, initial=value.get("format")
            )
            for key, label in (("start", _("From")), ("end", _("Until"))):
                self.fields[key] = forms.DateField(
                    label=label,
                    required=key == "start",
                    widget=forms.DateInput(attrs={"type": "date"}),
                    initial=_day(value.get(key)),
                )
        elif kind == ProposalType.FIGURE:
            self.fields["number"] = forms.DecimalField(label=_("Number"), initial=value.get("number"))

    def correction(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, item in self.cleaned_data.items():
            if item in (None, ""):
                continue
            out[key] = item.isoformat() if hasattr(item, "isoformat") else str(item)
        return out


def _day(value: Any) -> str:
    text = str(value or "")
    return text[:10] if len(text) >= 10 and text[:4].isdigit() else ""

"""Forms for implementation tracking. They validate input and hand it to the services; they never
save. Every field is named after the service input's field of the same meaning, so what a service
refuses lands on the field the user has to change (`directory.views_manage.apply_service_errors`);
checks only the services can make (a due date after the plan ends, a cycle, a period outside the
plan) are left to them, so pages and API refuse the same input with the same words."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from liaison.accounts.models import User
from liaison.activities.forms_parts import OrganisationsChoiceField
from liaison.activities.models import Activity
from liaison.coordination.forms import UsersChoiceField
from liaison.core import access
from liaison.core.access import organisations_user_can_write, visible
from liaison.core.models import Classification
from liaison.directory import regions
from liaison.directory.forms import OrganisationChoiceField
from liaison.directory.models import Organisation
from liaison.implementation.models import (
    DocumentKind,
    Frequency,
    GuidingDocument,
    InspectionKind,
    InspectionStatus,
    Objective,
    Plan,
    ProgressStatus,
    Recurrence,
    RelationKind,
    RollupRule,
    Task,
    tree_order,
)
from liaison.implementation.tree import GROUPS, REGIONAL_GROUPS


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _titles() -> dict[str, forms.CharField]:
    return {
        "title_en": forms.CharField(label=_("Title (English)"), max_length=500, required=False),
        "title_vi": forms.CharField(label=_("Title (Vietnamese)"), max_length=500, required=False),
        "title_ar": forms.CharField(
            label=_("Title (Arabic)"),
            max_length=500,
            required=False,
            widget=forms.TextInput(attrs={"dir": "rtl"}),
        ),
    }


class TitledForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        titles = _titles()
        self.fields = {**titles, **{k: v for k, v in self.fields.items() if k not in titles}}


def _readable_orgs(form: forms.Form, user: Any, *names: str) -> None:
    readable = visible(user, Organisation.objects.all())
    for name in names:
        form.fields[name].queryset = readable  # type: ignore[attr-defined]


class DocumentForm(TitledForm):
    code = forms.CharField(label=_("Code"), max_length=100, help_text=_("Its number, e.g. 12-CT/TW."))
    kind = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices)
    issuer = OrganisationChoiceField(label=_("Issued by"))
    issued_on = forms.DateField(label=_("Issued on"), widget=_date_input())
    text = forms.CharField(
        label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 6, "dir": "auto"})
    )
    owner = OrganisationChoiceField(
        label=_("Kept by"),
        writable=True,
        help_text=_("The organisation that keeps this record; its editors may change it."),
    )
    classification = forms.TypedChoiceField(
        label=_("Classification"), choices=Classification.choices, coerce=int, initial=Classification.PUBLIC
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _readable_orgs(self, user, "issuer", "owner")
        owner: Any = self.fields["owner"]
        owner.queryset = owner.queryset.filter(organisations_user_can_write(user))


class RelationForm(forms.Form):
    kind = forms.ChoiceField(label=_("This document"), choices=RelationKind.choices)
    target = forms.ModelChoiceField(label=_("Document"), queryset=GuidingDocument.objects.none())

    def __init__(self, *args: Any, user: Any, document: GuidingDocument, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        target: Any = self.fields["target"]
        target.queryset = visible(user, GuidingDocument.objects.exclude(pk=document.pk)).order_by("code")


class PlanForm(TitledForm):
    document = forms.ModelChoiceField(label=_("Implements"), queryset=GuidingDocument.objects.none())
    code = forms.CharField(label=_("Code"), max_length=100, required=False)
    starts_on = forms.DateField(label=_("From"), widget=_date_input())
    ends_on = forms.DateField(label=_("Until"), widget=_date_input())
    rollup_rule = forms.ChoiceField(
        label=_("Roll-up rule"),
        choices=RollupRule.choices,
        help_text=_("How the computed progress of a task, an objective and the plan follows from its parts."),
    )
    frequency = forms.ChoiceField(label=_("Reporting"), choices=Frequency.choices)
    report_within_days = forms.IntegerField(
        label=_("Report within (days)"),
        initial=15,
        help_text=_("Reports for a period are due this many days after it ends."),
    )
    remind_days_before = forms.IntegerField(
        label=_("Remind (days before)"),
        initial=7,
        help_text=_("Organisations that have not reported are reminded this many days before the deadline."),
    )
    owner = OrganisationChoiceField(
        label=_("Kept by"),
        writable=True,
        help_text=_("The organisation that keeps the plan; its coordinators accept reports."),
    )
    coordinators = UsersChoiceField(
        label=_("Coordinators"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("They are told of reports missing after the deadline."),
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    classification = forms.TypedChoiceField(
        label=_("Classification"), choices=Classification.choices, coerce=int, initial=Classification.INTERNAL
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["document"].queryset = visible(user, GuidingDocument.objects.all()).order_by("code")  # type: ignore[attr-defined]
        _readable_orgs(self, user, "owner")
        owner: Any = self.fields["owner"]
        owner.queryset = owner.queryset.filter(organisations_user_can_write(user))
        self.fields["coordinators"].queryset = User.objects.filter(is_active=True).order_by(  # type: ignore[attr-defined]
            "last_name", "first_name", "username"
        )


class ApprovalLevelsForm(forms.Form):
    organisations = OrganisationsChoiceField(
        label=_("Approved by, in order"),
        required=False,
        help_text=_("Level 1 approves first; the last accepts. Leave empty: the plan's owner accepts."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _readable_orgs(self, user, "organisations")


class ObjectiveForm(TitledForm):
    code = forms.CharField(label=_("Number"), max_length=20, required=False)
    weight = forms.DecimalField(label=_("Weight"), initial=Decimal(1), max_digits=6, decimal_places=2)


class TaskChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Task) -> str:
        depth = obj.path.count("/") - 2
        return f"{'— ' * depth}{obj.code + ' ' if obj.code else ''}{obj.title_in(get_language() or 'en')}"


class ObjectiveChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Objective) -> str:
        return f"{obj.code + ' ' if obj.code else ''}{obj.title_in(get_language() or 'en')}"


class TaskForm(TitledForm):
    code = forms.CharField(label=_("Number"), max_length=20, required=False)
    objective = ObjectiveChoiceField(label=_("Objective"), queryset=Objective.objects.none(), required=False)
    parent = TaskChoiceField(label=_("Part of"), queryset=Task.objects.none(), required=False)
    responsible = OrganisationChoiceField(label=_("Responsible"))
    cooperating = OrganisationsChoiceField(label=_("Cooperating"), required=False)
    due_on = forms.DateField(label=_("Due"), required=False, widget=_date_input())
    recurrence = forms.ChoiceField(
        label=_("Recurrence"), choices=Recurrence.choices, initial=Recurrence.EVERY_PERIOD
    )
    weight = forms.DecimalField(label=_("Weight"), initial=Decimal(1), max_digits=6, decimal_places=2)
    indicator = forms.CharField(label=_("Indicator"), max_length=300, required=False)
    unit = forms.CharField(
        label=_("Unit"), max_length=40, required=False, help_text=_("e.g. activities, %, people")
    )
    baseline = forms.DecimalField(label=_("Baseline"), required=False, max_digits=14, decimal_places=2)
    target = forms.DecimalField(label=_("Target"), required=False, max_digits=14, decimal_places=2)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: Any, plan: Plan, task: Task | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["objective"].queryset = plan.objectives.all()  # type: ignore[attr-defined]
        parent: Any = self.fields["parent"]
        # Every task of the plan is accepted, so that choosing the task itself or one of its
        # sub-tasks is refused by the service with its own words; those are not offered, though.
        # Offered in the tree's order (the path as text would put "/10/" before "/9/").
        parent.queryset = plan.tasks.all()
        offered = sorted(
            (t for t in parent.queryset if task is None or not t.path.startswith(task.path)),
            key=lambda t: tree_order(t.path),
        )
        parent.widget.choices = [("", parent.empty_label)] + [
            (t.pk, parent.label_from_instance(t)) for t in offered
        ]
        _readable_orgs(self, user, "responsible", "cooperating")


class AssignForm(forms.Form):
    group = forms.ChoiceField(
        label=_("A whole group"),
        required=False,
        choices=[("", _("— none —")), *((key, _(label)) for key, (label, _q) in GROUPS.items())],
        help_text=_("Every organisation of the group that existed on the date below."),
    )
    region = forms.ChoiceField(
        label=_("In the region"),
        required=False,
        help_text=_("Only the missions in this part of the world (UN M49 regions)."),
    )
    organisations = OrganisationsChoiceField(label=_("Or these organisations"), required=False)
    on = forms.DateField(label=_("Assigned on"), widget=_date_input())

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _readable_orgs(self, user, "organisations")
        language = get_language()
        self.fields["region"].choices = [  # type: ignore[attr-defined]
            ("", _("— anywhere —")),
            *(
                (
                    macro.name(language),
                    [
                        (macro.key, _("All of %(region)s") % {"region": macro.name(language)}),
                        *((sub.key, sub.name(language)) for sub in regions.sub_regions(macro)),
                    ],
                )
                for macro in regions.macro_regions()
            ),
        ]

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        if not data.get("group") and not data.get("organisations"):
            self.add_error("organisations", _("Choose a group or at least one organisation."))
        if data.get("region") and data.get("group") not in REGIONAL_GROUPS:
            self.add_error("region", _("Only the representative missions abroad can be chosen by region."))
        return data


class EvidenceChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        if isinstance(obj, Activity):
            return f"{obj.starts_at:%Y-%m-%d} · {obj.title_in(get_language() or 'en')}"
        if hasattr(obj, "sent_at") and hasattr(obj, "get_kind_display"):  # a coordination notice
            return f"{obj.sent_at:%Y-%m-%d} · {obj.get_kind_display()} · {obj.title}"
        return str(obj)


class ReportForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"))
    progress = forms.ChoiceField(
        label=_("Status"), choices=ProgressStatus.choices, initial=ProgressStatus.ON_TRACK
    )
    percent = forms.DecimalField(
        label=_("Per cent done"),
        required=False,
        max_digits=5,
        decimal_places=1,
        help_text=_("Between 0 and 100."),
    )
    value = forms.DecimalField(label=_("Indicator value"), required=False, max_digits=14, decimal_places=2)
    unit = forms.CharField(label=_("Unit of the value"), required=False, max_length=40)
    narrative = forms.CharField(
        label=_("Narrative"), required=False, widget=forms.Textarea(attrs={"rows": 6, "dir": "auto"})
    )
    activities = EvidenceChoiceField(
        label=_("Evidence: activities"),
        queryset=Activity.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Activities of your organisation that carried the task out."),
    )
    documents = EvidenceChoiceField(
        label=_("Evidence: documents"),
        queryset=GuidingDocument.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    notices = EvidenceChoiceField(
        label=_("Evidence: notices"),
        queryset=GuidingDocument.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
        help_text=_("Coordination notices your organisation sent or received about this work."),
    )

    def __init__(
        self, *args: Any, user: Any, assignment: Any, periods: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = periods  # type: ignore[attr-defined]
        task = assignment.task
        if task.has_indicator:
            self.fields["value"].help_text = _("In %(unit)s; target %(target)s.") % {
                "unit": task.unit,
                "target": task.target,
            }
            self.fields["unit"].initial = task.unit
        else:
            del self.fields["value"]
            del self.fields["unit"]
        org = assignment.organisation
        activities = visible(user, Activity.objects.filter(lead_organisation__path__startswith=org.path))
        plan = task.plan
        activities = activities.filter(starts_at__date__gte=plan.starts_on, starts_at__date__lte=plan.ends_on)
        latest = list(activities.order_by("-starts_at").values_list("pk", flat=True)[:300])
        self.fields["activities"].queryset = Activity.objects.filter(pk__in=latest).order_by("-starts_at")  # type: ignore[attr-defined]
        self.fields["documents"].queryset = visible(user, GuidingDocument.objects.all()).order_by("code")  # type: ignore[attr-defined]
        from liaison.coordination.models import Notice
        from liaison.coordination.notices import visible_notices

        own = access.paths_q("source__path", [org.path]) | access.paths_q("recipient__path", [org.path])
        recent = list(
            visible_notices(user)
            .filter(own, sent_at__date__gte=plan.starts_on, agreement__isnull=False)
            .order_by("-sent_at")
            .values_list("pk", flat=True)[:100]
        )
        self.fields["notices"].queryset = Notice.objects.filter(pk__in=recent).order_by("-sent_at")  # type: ignore[attr-defined]


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
        help_text=_("Required when returning the report: say what must change."),
    )


class InspectionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=InspectionKind.choices)
    organisation = OrganisationChoiceField(label=_("Visited"))
    led_by = OrganisationChoiceField(label=_("Led by"))
    planned_on = forms.DateField(label=_("Planned for"), widget=_date_input())
    status = forms.ChoiceField(label=_("Status"), choices=InspectionStatus.choices)
    done_on = forms.DateField(label=_("Carried out on"), required=False, widget=_date_input())
    team = forms.CharField(
        label=_("Team"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One member per line: name and role."),
    )
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _readable_orgs(self, user, "organisation", "led_by")


class FindingForm(forms.Form):
    text = forms.CharField(label=_("Finding"), widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}))
    recommendations = forms.CharField(
        label=_("Recommendations"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
        help_text=_("One per line."),
    )

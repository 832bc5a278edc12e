"""Importing branches: each row is a Directory organisation (a party branch, unless it exists
already as something else that keeps members) and its membership side.

A row's key names the organisation (external key, or ``id:<pk>``); a new key creates it, below
`parent_key` (an existing organisation, or one created by an earlier row of the file). Every write
goes through the services as the importing user: `liaison.directory.services` for the
organisation, `membership.services.create_branch`/`update_branch` for the branch — so the
validation, the access policy and the audit trail are theirs. Names are only ever added.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DataError, IntegrityError, transaction
from django.utils.translation import gettext as _

from liaison.core import access
from liaison.core.models import Classification, Pillar, StaleRecordError
from liaison.directory import services as directory_services
from liaison.directory.models import Country, Organisation, OrganisationKind
from liaison.directory.tabular import Cells, RowError, Table
from liaison.membership import services
from liaison.membership.import_columns import BRANCH, NAME_COLUMNS, NAME_LANGUAGES
from liaison.membership.import_common import (
    CREATE,
    UNCHANGED,
    UPDATE,
    ImportReport,
    Organisations,
    Progress,
    RowPlan,
    errors_from,
    fail_from,
    no_progress,
    record_key,
    unknown_key,
)
from liaison.membership.models import Branch, BranchLevel

# Where a service's validation error shows, when its field is not a column.
_COLUMNS = {
    "mission": "mission_key",
    "parent": "parent_key",
    "names": "name_en",
    "organisation": "key",
    "secretary": "key",
}


@dataclass(eq=False)
class BranchPlan(RowPlan):
    organisation: Organisation | None = None  # the existing organisation
    branch: Branch | None = None  # its existing membership side
    parent_row: BranchPlan | None = None  # a parent created by an earlier row
    anchor: Organisation | None = None  # the nearest existing organisation above
    org_values: dict[str, Any] = field(default_factory=dict)
    names: list[directory_services.NameInput] = field(default_factory=list)
    branch_values: dict[str, Any] = field(default_factory=dict)


class BranchPlanner:
    """Check every branch row against the database and the access policy, without writing."""

    def __init__(self, *, user: Any, table: Table, progress: Progress = no_progress) -> None:
        self.user = user
        self.table = table
        self.progress = progress
        self.principal = access.principal_for(user)
        self.report = ImportReport(kind=BRANCH, rows=len(table.rows))
        self.countries = {c.code: c for c in Country.objects.all()}
        rows = [cells for _number, cells in table.rows]
        keys = {c.get(k, "") for c in rows for k in ("key", "parent_key", "mission_key")} - {""}
        self.orgs = Organisations(user, keys, related=("parent",))
        found = [o.pk for o in self.orgs.by_key.values()]
        self.branches = {b.pk: b for b in Branch.objects.filter(pk__in=found).select_related("mission")}
        self.earlier: dict[str, BranchPlan | None] = {}
        self.row_of_key: dict[str, int] = {}

    def plan(self) -> ImportReport:
        errors = self.report.errors
        for number, cells in self.table.rows:
            key = cells.get("key", "")
            if key in self.row_of_key:
                message = _("the key “%(key)s” is already on row %(row)s")
                errors.append(RowError(number, "key", message % {"key": key, "row": self.row_of_key[key]}))
            elif key:
                self.row_of_key[key] = number
        repeated = {e.row for e in errors}
        total = len(self.table.rows)
        for done, (number, cells) in enumerate(self.table.rows):
            if done % 1000 == 0:
                self.progress("check", done, total)
            if number in repeated:
                continue
            row = Cells(number, cells, errors)
            plan = self.plan_row(row)
            ok = plan is not None and not row.failed
            if ok:
                self.report.plans.append(plan)
            if cells.get("key"):
                self.earlier[cells["key"]] = plan if ok else None
        self.progress("check", total, total)
        self.report.sort_errors()
        return self.report

    def plan_row(self, row: Cells) -> BranchPlan | None:
        key = row.text("key", 100)
        if not key:
            row.fail("key", _("give the organisation's key (a new key creates it)"))
            return None
        record = self.orgs.get(key)
        if record is None and key.startswith("id:"):
            row.fail("key", _("there is no organisation with this id that you can see"))
        elif record is None and key in self.orgs.taken:
            row.fail("key", _("the key “%(key)s” is already used by a record you cannot see") % {"key": key})
        plan = BranchPlan(row=row.number, key=key, organisation=record)
        plan.branch = self.branches.get(record.pk) if record is not None else None
        org_values = self.organisation_values(row, record)
        plan.names = [
            directory_services.NameInput(value=row.text(column, 300), language=language)
            for column, language in zip(NAME_COLUMNS, NAME_LANGUAGES, strict=True)
            if row[column]
        ]
        plan.label = plan.names[0].value if plan.names else getattr(record, "sort_name", key)
        self.parent(row, plan, org_values)
        branch_values = self.branch_values(row, plan, org_values)
        if row.failed:
            return None
        if record is None:
            if not plan.names:
                row.fail("name_en", _("give a name in at least one language"))
            self.may_place(row, plan.anchor, org_values["classification"])
            plan.org_values, plan.branch_values = org_values, branch_values
            plan.changes = [k for k, v in (org_values | branch_values).items() if v not in ("", None)]
            plan.action = CREATE
            return plan
        self.compare(plan, org_values, branch_values)
        if plan.action == UPDATE and not access.can_change(self.user, record):
            row.fail("key", _("you may not change this organisation"))
        elif "parent" in plan.org_values or plan.parent_row is not None:
            self.may_place(row, plan.anchor, plan.org_values.get("classification", record.classification))
        return plan

    def organisation_values(self, row: Cells, record: Organisation | None) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if row.has("country"):
            values["country"] = row.lookup("country", self.countries, _("unknown ISO code “%(value)s”"))
        for name in ("valid_from", "valid_to"):
            if row.has(name):
                values[name] = row.date(name)
        row.dates_in_order("valid_from", "valid_to", values)
        level = row.classification() if row.has("classification") else None
        if level is not None:
            values["classification"] = level
            if level > self.principal.clearance and not self.principal.is_superuser:
                row.fail("classification", _("you may not classify above your own clearance"))
        elif record is None:
            values["classification"] = Classification.INTERNAL
        return values

    def parent(self, row: Cells, plan: BranchPlan, values: dict[str, Any]) -> None:
        """Resolve parent_key: an existing organisation, or one created by an earlier row."""
        record = plan.organisation
        if not row.has("parent_key"):
            plan.anchor = record.parent if record is not None else None
            if record is None:
                values["parent"] = None
            return
        key = row["parent_key"]
        parent = None
        if not key:
            pass
        elif record is not None and record.parent is not None and record_key(record.parent) == key:
            parent = record.parent
        elif key in self.earlier:
            earlier = self.earlier[key]
            if earlier is None:
                row.fail("parent_key", _("the parent's row has errors"))
            elif earlier.organisation is not None:
                parent = earlier.organisation
            else:
                plan.parent_row = earlier
        elif key in self.row_of_key and self.orgs.get(key) is None:
            message = _("the parent must come before its units (it is on row %(row)s)")
            row.fail("parent_key", message % {"row": self.row_of_key[key]})
        else:
            parent = self.orgs.get(key)
            if parent is None:
                unknown_key(row, "parent_key", key)
        if plan.parent_row is not None:
            plan.anchor = plan.parent_row.anchor
        else:
            values["parent"] = plan.anchor = parent
        if record is not None and plan.anchor is not None and plan.anchor.path.startswith(record.path):
            row.fail("parent_key", _("an organisation cannot sit below itself"))

    def branch_values(self, row: Cells, plan: BranchPlan, org_values: dict[str, Any]) -> dict[str, Any]:
        """Level, mission and minimum size, checked by the service's own validation."""
        stored = plan.branch
        values: dict[str, Any] = {}
        level = row.choice("level", BranchLevel) if row.has("level") else ""
        if level:
            values["level"] = level
        elif stored is None:
            row.fail("level", _("give the level: committee, branch or cell"))
        if row.has("mission_key"):
            key = row["mission_key"]
            mission = self.orgs.get(key) if key else None
            if key and mission is None:
                unknown_key(row, "mission_key", key)
            values["mission"] = mission
        if row.has("minimum_size"):
            text = row["minimum_size"]
            if not text:
                values["minimum_size"] = 3
            elif text.isdigit():
                values["minimum_size"] = int(text)
            else:
                row.fail("minimum_size", _("give a number from 0 to 1000"))
        elif stored is None:
            values["minimum_size"] = 3
        if row.failed:
            return values
        # The organisation as it will be (for "abroad"), probed by the service's validation.
        record = plan.organisation
        country = org_values["country"] if "country" in org_values else getattr(record, "country", None)
        probe = Organisation(country=country)
        data = services.BranchInput(
            level=values.get("level", getattr(stored, "level", "")),
            mission=values["mission"] if "mission" in values else getattr(stored, "mission", None),
            minimum_size=values.get("minimum_size", getattr(stored, "minimum_size", 3)),
        )
        try:
            services._validate_branch(self.user, probe, data)
        except ValidationError as error:
            fail_from(row, error, _COLUMNS)
        return values

    def compare(self, plan: BranchPlan, org_values: dict[str, Any], branch_values: dict[str, Any]) -> None:
        """Keep in `plan` only what differs from the stored organisation and branch."""
        record = plan.organisation
        assert record is not None
        relations = ("parent", "country")
        for name, value in org_values.items():
            current = getattr(record, name)
            if name in relations:
                changed = getattr(current, "pk", None) != getattr(value, "pk", None)
            else:
                changed = current != value
            if changed:
                plan.org_values[name] = value
                plan.changes.append(name)
        if plan.parent_row is not None:
            plan.changes.append("parent")
        stored_names = {(n.language, n.value) for n in record.names.all()}
        plan.names = [n for n in plan.names if (n.language, n.value) not in stored_names]
        if plan.names:
            plan.changes.append("names")
        stored = plan.branch
        if stored is None:
            plan.branch_values = branch_values
            plan.changes.append("branch")
        else:
            for name, value in branch_values.items():
                current = getattr(stored, name)
                if name == "mission":
                    changed = getattr(current, "pk", None) != getattr(value, "pk", None)
                else:
                    changed = current != value
                if changed:
                    plan.branch_values[name] = value
                    plan.changes.append(name)
        plan.action = UPDATE if plan.changes else UNCHANGED

    def may_place(self, row: Cells, anchor: Organisation | None, classification: int) -> None:
        """May the user put an organisation below `anchor` (None: the top level)?"""
        if anchor is None:
            if not self.principal.is_superuser:
                row.fail("parent_key", _("only an administrator may put organisations at the top level"))
        elif not access.can_create(self.user, owner=anchor, classification=classification):
            row.fail("parent_key", _("you may not add organisations there"))


def write_branches(user: Any, report: ImportReport, progress: Progress = no_progress) -> None:
    total = len(report.plans)
    for done, plan in enumerate(report.plans):
        if done % 100 == 0:
            progress("write", done, total)
        _write_row(user, plan, report.errors)
    progress("write", total, total)


def _write_row(user: Any, plan: BranchPlan, errors: list[RowError]) -> None:
    if plan.action == UNCHANGED:
        plan.done = plan.organisation
        return
    if plan.parent_row is not None and plan.parent_row.done is None:
        errors.append(RowError(plan.row, "parent_key", _("the parent's row could not be written")))
        return
    try:
        with transaction.atomic():
            plan.done = _write_branch(user, plan)
    except ValidationError as error:
        errors_from(plan.row, error, _COLUMNS, errors)
    except PermissionDenied:
        errors.append(RowError(plan.row, "key", _("you may not make this change")))
    except StaleRecordError:
        errors.append(
            RowError(plan.row, "key", _("the record changed while the file was imported; try again"))
        )
    except (IntegrityError, DataError):
        errors.append(
            RowError(plan.row, "", _("the database refused the row (a value too long, or a key taken)"))
        )


def _write_branch(user: Any, plan: BranchPlan) -> Organisation:
    org_values = dict(plan.org_values)
    if plan.parent_row is not None:
        org_values["parent"] = plan.parent_row.done
    if plan.organisation is None:
        key = "" if plan.key.startswith("id:") else plan.key
        data = directory_services.OrganisationInput(
            pillar=Pillar.PARTY, kind=OrganisationKind.PARTY_BRANCH, external_key=key, **org_values
        )
        org = directory_services.create_organisation(by=user, data=data, names=plan.names)
    else:
        org = plan.organisation
        org.refresh_from_db()  # an earlier row may have moved it with its parent
        if org_values:
            directory_services.update_organisation(
                by=user, organisation=org, version=org.version, changes=org_values
            )
        for name in plan.names:
            directory_services.add_organisation_name(by=user, organisation=org, name=name)
    branch = Branch.objects.filter(pk=org.pk).first()
    values = plan.branch_values
    if branch is None:
        data_in = services.BranchInput(
            level=values["level"],
            mission=values.get("mission"),
            minimum_size=values.get("minimum_size", 3),
        )
        services.create_branch(by=user, organisation=org, data=data_in)
    elif values or "country" in org_values:
        # A new country may move the branch abroad or home: the service derives it again.
        services.update_branch(by=user, branch=branch, version=branch.version, changes=values)
    return org

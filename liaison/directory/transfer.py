"""Import and export of organisations and people as CSV and XLSX (the columns are in `tabular`).

Export lists what the list page with the same filters lists, through the access policy, in a
constant number of queries, and writes an EXPORT event to the security log.

Import validates every row before writing anything, shows a preview (created / updated /
unchanged, and every error by row and column), and commits all rows or none. Rows are matched
by `key` (external key, or ``id:<pk>``); a row without a key by its exact name through the
shared name matcher. A column missing from the file leaves that field as it is; a blank cell
clears it. Names and positions are only ever added, never removed. Every write goes through
`liaison.directory.services` as the importing user, so permissions and the audit trail apply.
The web page and `liaison import` share `plan_import` and `run_import`.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import DataError, IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from liaison.core import access, name_index
from liaison.core.audit import acting_as
from liaison.core.models import Classification, Pillar, SecurityEventKind, StaleRecordError
from liaison.core.security_log import log_security_event
from liaison.directory import services, tabular
from liaison.directory.forms import ImportForm
from liaison.directory.models import (
    Country,
    Gender,
    Locality,
    NameKind,
    Organisation,
    OrganisationKind,
    Person,
)
from liaison.directory.tabular import ORGANISATION, PERSON, Cells, RowError, Table, TableError, record_key

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# --- Export -------------------------------------------------------------------------------


def _log_export(
    *, user: Any, request: HttpRequest | None, kind: str, fmt: str, rows: int, filters: Any, via: str = "web"
) -> None:
    used = {
        k: v if isinstance(v, str | int) else str(v) for k, v in vars(filters).items() if v not in ("", None)
    }
    log_security_event(
        kind=SecurityEventKind.EXPORT,
        request=request,
        user=user,
        username="" if user is not None else "(cli)",
        detail={
            "kind": kind,
            "format": fmt,
            "rows": rows,
            "filters": used,
            **({"via": via} if via != "web" else {}),
        },
    )


def export_response(request: HttpRequest, *, kind: str) -> HttpResponseBase:
    """The list page's records as a CSV (streamed) or XLSX download."""
    fmt = request.GET.get("format", "csv")
    if fmt not in tabular.FORMATS:
        return HttpResponseBadRequest(
            _("Unknown export format “%(format)s”: use csv or xlsx.") % {"format": fmt[:20]},
            content_type="text/plain; charset=utf-8",
        )
    filters = tabular.filters_from(kind, request.GET)
    queryset = tabular.export_queryset(request.user, kind, filters)
    disposition = f'attachment; filename="{tabular.export_filename(kind, fmt)}"'
    if fmt == "xlsx":
        content, count = tabular.xlsx_bytes(
            tabular.header(kind), tabular.export_rows(kind, queryset), title=tabular.PLURAL[kind]
        )
        _log_export(user=request.user, request=request, kind=kind, fmt=fmt, rows=count, filters=filters)
        return HttpResponse(content, content_type=XLSX_TYPE, headers={"Content-Disposition": disposition})
    # The count is logged before streaming starts; the stream is the same query's rows.
    count = queryset.count()
    _log_export(user=request.user, request=request, kind=kind, fmt=fmt, rows=count, filters=filters)
    return StreamingHttpResponse(
        tabular.csv_chunks(tabular.header(kind), tabular.export_rows(kind, queryset)),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": disposition},
    )


def export_file(*, user: Any, kind: str, fmt: str, path: Path) -> int:
    """Write every record `user` may see (every record, for None) to `path`; returns the row count."""
    filters = tabular.filters_from(kind, {})
    queryset = tabular.export_queryset(user, kind, filters)
    if fmt == "xlsx":
        content, count = tabular.xlsx_bytes(
            tabular.header(kind), tabular.export_rows(kind, queryset), title=tabular.PLURAL[kind]
        )
        path.write_bytes(content)
    else:
        counted = _Counted(tabular.export_rows(kind, queryset))
        with path.open("wb") as out:
            for chunk in tabular.csv_chunks(tabular.header(kind), counted):
                out.write(chunk)
        count = counted.count
    _log_export(user=user, request=None, kind=kind, fmt=fmt, rows=count, filters=filters, via="cli")
    return count


class _Counted:
    def __init__(self, rows: Iterator[list[str]]) -> None:
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[list[str]]:
        for row in self.rows:
            self.count += 1
            yield row


# --- Import: the plan ---------------------------------------------------------------------

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"
_LANGUAGE = re.compile(r"[a-z]{2,8}")
# Where a service's validation error shows, when its field is not a column.
_SERVICE_FIELDS = {
    "names": "name_en",
    "parent": "parent_key",
    "owner": "owner_key",
    "organisation": "positions",
    "title_en": "positions",
    "start": "positions",
    "end": "positions",
}


@dataclass(eq=False)
class RowPlan:
    """What one row will do: create a record, update one (`values` holds only the changes), or nothing."""

    row: int
    key: str
    label: str = ""
    action: str = CREATE
    record: Any = None
    values: dict[str, Any] = field(default_factory=dict)
    parent_row: RowPlan | None = None  # a parent created by an earlier row of the file
    anchor: Organisation | None = None  # the nearest existing organisation above the row's place
    names: list[services.NameInput] = field(default_factory=list)
    positions: list[services.PositionInput] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    done: Any = None  # the record once written


@dataclass
class ImportReport:
    kind: str
    plans: list[RowPlan] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def counts(self) -> dict[str, int]:
        counts = {CREATE: 0, UPDATE: 0, UNCHANGED: 0}
        for plan in self.plans:
            counts[plan.action] += 1
        return counts


class _Records:
    """Existing records by key (external key or ``id:<pk>``), through the access policy, in batches."""

    def __init__(self, user: Any, queryset: QuerySet[Any], keys: set[str]) -> None:
        visible = access.visible(user, queryset)
        external = sorted(k for k in keys if k and not k.startswith("id:"))
        ids = sorted({int(k[3:]) for k in keys if k.startswith("id:") and k[3:].isdigit()})
        self.by_key: dict[str, Any] = {}
        for chunk in _chunks(external):
            self.by_key |= {r.external_key: r for r in visible.filter(external_key__in=chunk)}
        for id_chunk in _chunks(ids):
            self.by_key |= {f"id:{r.pk}": r for r in visible.filter(pk__in=id_chunk)}
        # Keys of records the user cannot see: a new record may not take them.
        self.taken: set[str] = set()
        for chunk in _chunks([k for k in external if k not in self.by_key]):
            found = queryset.model._base_manager.filter(external_key__in=chunk)
            self.taken |= set(found.values_list("external_key", flat=True))

    def get(self, key: str) -> Any:
        return self.by_key.get(key)


def _chunks[T](items: list[T], size: int = 500) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Planner:
    """Check every row of a file against the database and the access policy, without writing."""

    kind: str
    noun: str

    def __init__(self, *, user: Any, table: Table) -> None:
        self.user = user
        self.table = table
        self.principal = access.principal_for(user)
        self.report = ImportReport(kind=self.kind)
        self.earlier: dict[str, RowPlan | None] = {}  # key -> its row's plan (None: the row failed)
        self.row_of_key: dict[str, int] = {}
        self.keyless: dict[tuple[int | None, str], int] = {}
        self.countries = {c.code: c for c in Country.objects.all()}

    def plan(self) -> ImportReport:
        for number, cells in self.table.rows:
            key = cells.get("key", "")
            if key in self.row_of_key:
                message = _("the key “%(key)s” is already on row %(row)s")
                self.report.errors.append(
                    RowError(number, "key", message % {"key": key, "row": self.row_of_key[key]})
                )
            elif key:
                self.row_of_key[key] = number
        repeated = {e.row for e in self.report.errors}
        for number, cells in self.table.rows:
            if number in repeated:
                continue
            row = Cells(number, cells, self.report.errors)
            plan = self.plan_row(row)
            ok = plan is not None and not row.failed
            if ok:
                self.report.plans.append(plan)  # type: ignore[arg-type]
            if cells.get("key"):
                self.earlier[cells["key"]] = plan if ok else None
        return self.report

    def plan_row(self, row: Cells) -> RowPlan | None:
        raise NotImplementedError

    # Steps shared by organisations and people --------------------------------------------

    def existing(self, row: Cells, records: _Records) -> Any:
        """The record the row's key names, or None for a new one."""
        key = row.text("key", 100)
        record = records.get(key) if key else None
        if key and record is None and key.startswith("id:"):
            row.fail("key", _("there is no %(noun)s with this id that you can see") % {"noun": self.noun})
        elif key and record is None and key in records.taken:
            row.fail("key", _("the key “%(key)s” is already used by a record you cannot see") % {"key": key})
        return record

    def organisation(self, row: Cells, column: str, key: str, orgs: _Records, current: Any = None) -> Any:
        """The organisation `key` names; keeping the current one needs no permission to see it."""
        if current is not None and record_key(current) == key:
            return current
        found = orgs.get(key)
        if found is None:
            row.fail(column, _("unknown organisation key “%(key)s”") % {"key": key})
        return found

    def common_values(self, row: Cells, record: Any, values: dict[str, Any]) -> None:
        level = row.classification() if row.has("classification") else None
        if level is not None:
            values["classification"] = level
            if level > self.principal.clearance and not self.principal.is_superuser:
                row.fail("classification", _("you may not classify above your own clearance"))
        elif record is None:
            values["classification"] = Classification.INTERNAL
        if row.has("notes"):
            values["notes"] = row["notes"]

    def names(self, row: Cells, *, person: bool) -> list[services.NameInput]:
        names = []
        for lang in tabular.NAME_LANGUAGES:
            value = row.text(f"name_{lang}", 300)
            if value and person and lang == "vi":
                family, given = row.text("family_vi", 150), row.text("given_vi", 150)
                names.append(services.NameInput(value=value, language=lang, family=family, given=given))
            elif value:
                names.append(services.NameInput(value=value, language=lang))
        if row["abbreviation"]:
            value = row.text("abbreviation", 300)
            names.append(services.NameInput(value=value, language="en", kind=NameKind.ABBREVIATION))
        for item in tabular.split_list(row["aliases"]):
            lang, colon, value = (part.strip() for part in item.partition(":"))
            if colon and _LANGUAGE.fullmatch(lang.lower()) and value and len(value) <= 300:
                names.append(services.NameInput(value=value, language=lang.lower(), kind=NameKind.ALIAS))
            else:
                message = _("write each other name as language:value, e.g. fr:Ministère, not “%(item)s”")
                row.fail("aliases", message % {"item": item})
        return names

    def match_by_name(self, row: Cells, plan: RowPlan, place: str, where: Any) -> Any:
        """The record a keyless row means: the same name (score 1.0) in the same place.

        A new keyless row whose name is close (score >= 0.9) to a record the user can see is an
        error: the user says, with a key, whether it is that record or another one.
        """
        exact: set[int] = set()
        close: set[int] = set()
        for name in plan.names:
            if name.kind != NameKind.OFFICIAL:
                continue
            for match in name_index.lookup(kind=self.kind, query=name.value, limit=10):
                if match.score >= 1.0:
                    exact.add(match.key)
                elif match.score >= 0.9:
                    close.add(match.key)
        model = Organisation if self.kind == ORGANISATION else Person
        seen = {r.pk: r for r in access.visible(self.user, model.objects.filter(pk__in=exact | close))}
        here = [seen[pk] for pk in sorted(exact) if pk in seen and getattr(seen[pk], place) == where]
        if len(here) == 1:
            return here[0]
        similar = here or [seen[pk] for pk in sorted(exact | close) if pk in seen]
        if similar:
            message = _(
                "looks like existing %(noun)s #%(id)s “%(name)s”; give its key to update it, "
                "or a new key to create a different one"
            )
            row.fail("key", message % {"noun": self.noun, "id": similar[0].pk, "name": similar[0].sort_name})
            return None
        # Two keyless rows of the same file with the same name would create two records.
        same = (getattr(where, "pk", id(where) if where else None), plan.label.casefold())
        if same in self.keyless:
            row.fail(
                "key", _("the same name as row %(row)s; give each row a key") % {"row": self.keyless[same]}
            )
        self.keyless.setdefault(same, row.number)
        return None

    def compare(self, plan: RowPlan, values: dict[str, Any], relations: tuple[str, ...]) -> None:
        """Keep in `plan` only what differs from the stored record."""
        record = plan.record
        for name, value in values.items():
            current = getattr(record, name)
            if name in relations:
                changed = getattr(current, "pk", None) != getattr(value, "pk", None)
            else:
                changed = current != value
            if changed:
                plan.values[name] = value
                plan.changes.append(name)
        stored = {(n.language, n.value) for n in record.names.all()}
        plan.names = [n for n in plan.names if (n.language, n.value) not in stored]
        if plan.names:
            plan.changes.append("names")
        if plan.values or plan.names or plan.positions or plan.parent_row:
            plan.action = UPDATE
        else:
            plan.action = UNCHANGED


class _OrganisationPlanner(_Planner):
    kind = ORGANISATION
    noun = "organisation"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        rows = [cells for _number, cells in self.table.rows]
        keys = {c.get("key", "") for c in rows} | {c.get("parent_key", "") for c in rows}
        records = Organisation.objects.select_related("parent", "country", "locality").prefetch_related(
            "names"
        )
        self.orgs = _Records(self.user, records, keys - {""})
        codes = {c.get("locality", "") for c in rows} - {""}
        self.localities = {loc.code: loc for loc in Locality.objects.filter(code__in=codes)}

    def plan_row(self, row: Cells) -> RowPlan | None:
        record = self.existing(row, self.orgs)
        values: dict[str, Any] = {
            "pillar": row.choice("pillar", Pillar),
            "kind": row.choice("kind", OrganisationKind),
        }
        row.required("pillar", _("give the pillar: party, state, people or foreign"))
        row.required("kind", _("give the kind of organisation"))
        if row.has("country"):
            values["country"] = row.lookup("country", self.countries, _("unknown ISO code “%(value)s”"))
        if row.has("locality"):
            values["locality"] = row.lookup(
                "locality", self.localities, _("unknown locality code “%(value)s”")
            )
        for name in ("valid_from", "valid_to"):
            if row.has(name):
                values[name] = row.date(name)
        row.dates_in_order("valid_from", "valid_to", values)
        self.common_values(row, record, values)
        self.contact(row, values)
        plan = RowPlan(row=row.number, key=row["key"], record=record, names=self.names(row, person=False))
        plan.label = plan.names[0].value if plan.names else getattr(record, "sort_name", "")
        self.parent(row, plan, values)
        if not row.failed and record is None and not plan.key:
            where = plan.parent_row or values.get("parent")
            plan.record = record = self.match_by_name(row, plan, "parent", where)
        if row.failed:
            return None
        if record is None:
            if not plan.names:
                row.fail("name_en", _("give a name in at least one language"))
            self.may_place(row, plan.anchor, values["classification"])
            plan.values = values
            plan.changes = [k for k, v in values.items() if v not in ("", None)]
        else:
            self.compare(plan, values, ("parent", "country", "locality"))
            if plan.parent_row is not None:
                plan.changes.append("parent")
            if plan.action == UPDATE and not access.can_change(self.user, record):
                row.fail("key", _("you may not change this organisation"))
            elif "parent" in plan.values or plan.parent_row is not None:
                self.may_place(row, plan.anchor, plan.values.get("classification", record.classification))
        return plan

    def contact(self, row: Cells, values: dict[str, Any]) -> None:
        checks: dict[str, Any] = {"email": validate_email, "website": URLValidator()}
        for name, max_length in (("email", 254), ("phone", 50), ("website", 200), ("address", 2000)):
            if not row.has(name):
                continue
            value = row.text(name, max_length)
            if value and name == "website" and "://" not in value:
                value = "https://" + value
            if value and name in checks:
                try:
                    checks[name](value)
                except ValidationError:
                    row.fail(name, _("not a valid address: “%(value)s”") % {"value": value})
            values[name] = value

    def parent(self, row: Cells, plan: RowPlan, values: dict[str, Any]) -> None:
        """Resolve parent_key: an existing organisation, or one created by an earlier row."""
        record = plan.record
        if not row.has("parent_key"):
            plan.anchor = record.parent if record is not None else None
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
            elif earlier.record is not None:
                parent = earlier.record
            else:
                plan.parent_row = earlier
        elif key in self.row_of_key and self.orgs.get(key) is None:
            message = _("the parent must come before its units (it is on row %(row)s)")
            row.fail("parent_key", message % {"row": self.row_of_key[key]})
        else:
            parent = self.organisation(row, "parent_key", key, self.orgs)
        if plan.parent_row is not None:
            plan.anchor = plan.parent_row.anchor
        else:
            values["parent"] = plan.anchor = parent
        if record is not None and plan.anchor is not None and plan.anchor.path.startswith(record.path):
            row.fail("parent_key", _("an organisation cannot sit below itself"))

    def may_place(self, row: Cells, anchor: Organisation | None, classification: int) -> None:
        """May the user put an organisation below `anchor` (None: the top level)?"""
        if anchor is None:
            if not self.principal.is_superuser:
                row.fail("parent_key", _("only an administrator may put organisations at the top level"))
        elif not access.can_create(self.user, owner=anchor, classification=classification):
            row.fail("parent_key", _("you may not add organisations there"))


class _PersonPlanner(_Planner):
    kind = PERSON
    noun = "person"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        rows = [cells for _number, cells in self.table.rows]
        people = Person.objects.select_related("owner", "nationality").prefetch_related("names", "positions")
        self.people = _Records(self.user, people, {c.get("key", "") for c in rows} - {""})
        org_keys = {c.get("owner_key", "") for c in rows}
        for c in rows:
            org_keys |= {item.split(";")[0].strip() for item in tabular.split_list(c.get("positions", ""))}
        self.orgs = _Records(self.user, Organisation.objects.all(), org_keys - {""})

    def plan_row(self, row: Cells) -> RowPlan | None:
        record = self.existing(row, self.people)
        values: dict[str, Any] = {}
        if row.required("owner_key", _("give the key of the organisation that keeps the record")):
            current = record.owner if record is not None else None
            values["owner"] = self.organisation(row, "owner_key", row["owner_key"], self.orgs, current)
        if row.has("nationality"):
            values["nationality"] = row.lookup(
                "nationality", self.countries, _("unknown ISO code “%(value)s”")
            )
        if row.has("gender"):
            values["gender"] = row.choice("gender", Gender)
        for name in ("birth_date", "death_date"):
            if row.has(name):
                values[name] = row.date(name)
        row.dates_in_order("birth_date", "death_date", values)
        if row.has("languages"):
            values["languages"] = row.text("languages", 200)
        self.common_values(row, record, values)
        plan = RowPlan(row=row.number, key=row["key"], record=record, names=self.names(row, person=True))
        plan.label = plan.names[0].value if plan.names else getattr(record, "sort_name", "")
        plan.positions = self.positions(row)
        if not row.failed and record is None and not plan.key:
            plan.record = record = self.match_by_name(row, plan, "owner", values["owner"])
        if row.failed:
            return None
        if record is None:
            if not plan.names:
                row.fail("name_vi", _("give a name in at least one script"))
            if not access.can_create(
                self.user, owner=values["owner"], classification=values["classification"]
            ):
                row.fail("owner_key", _("you may not add people kept by this organisation"))
            plan.values = values
            plan.changes = [k for k, v in values.items() if v not in ("", None)]
        else:
            held = {(p.organisation_id, p.title_en, p.start, p.end) for p in record.positions.all()}
            plan.positions = [
                p for p in plan.positions if (p.organisation.pk, p.title_en, p.start, p.end) not in held
            ]
            self.compare(plan, values, ("owner", "nationality"))
            if plan.action == UPDATE and not access.can_change(self.user, record):
                row.fail("key", _("you may not change this person"))
            elif "owner" in plan.values and not access.can_create(
                self.user, owner=plan.values["owner"], classification=record.classification
            ):
                row.fail("owner_key", _("you may not move people to this organisation"))
        if plan.positions:
            plan.changes.append("positions")
        return plan

    def positions(self, row: Cells) -> list[services.PositionInput]:
        """``org_key;title_en;start;end`` items; a title may itself contain semicolons."""
        found = []
        for item in tabular.split_list(row["positions"]):
            parts = [p.strip() for p in item.split(";")]
            if len(parts) > 4:
                parts = [parts[0], ";".join(parts[1:-2]), *parts[-2:]]
            org_key, title, start_text, end_text = (*parts, "", "")[:4]
            if not org_key or not title:
                message = _("write each position as org_key;title_en;start;end, not “%(item)s”")
                row.fail("positions", message % {"item": item})
                continue
            org = self.organisation(row, "positions", org_key, self.orgs)
            start, end = row.date("positions", start_text), row.date("positions", end_text)
            if len(title) > 200:
                row.fail(
                    "positions", _("the title “%(title)s” is longer than 200 characters") % {"title": title}
                )
            if start and end and end < start:
                row.fail("positions", _("the position “%(title)s” ends before it starts") % {"title": title})
            if org is not None:
                found.append(services.PositionInput(organisation=org, title_en=title, start=start, end=end))
        return found


# --- Import: writing ----------------------------------------------------------------------


def plan_import(*, user: Any, kind: str, table: Table) -> ImportReport:
    """Validate every row and say what it would do; writes nothing."""
    planner = _OrganisationPlanner if kind == ORGANISATION else _PersonPlanner
    return planner(user=user, table=table).plan()


def run_import(*, user: Any, kind: str, table: Table, commit: bool) -> ImportReport:
    """Plan the import and, when asked and every row is valid, write all of it or nothing."""
    if not commit:
        return plan_import(user=user, kind=kind, table=table)
    with transaction.atomic(), acting_as(user, via="import"):
        report = plan_import(user=user, kind=kind, table=table)
        if report.ok:
            for plan in report.plans:
                _write_row(user, kind, plan, report.errors)
        if report.ok:
            report.committed = True
        else:
            transaction.set_rollback(True)
    return report


def _write_row(user: Any, kind: str, plan: RowPlan, errors: list[RowError]) -> None:
    if plan.action == UNCHANGED:
        plan.done = plan.record
        return
    if plan.parent_row is not None and plan.parent_row.done is None:
        errors.append(RowError(plan.row, "parent_key", _("the parent's row could not be written")))
        return
    try:
        with transaction.atomic():
            plan.done = (_write_organisation if kind == ORGANISATION else _write_person)(user, plan)
    except ValidationError as error:
        messages_by_field = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
        for name, texts in messages_by_field.items():
            errors.extend(RowError(plan.row, _SERVICE_FIELDS.get(name, name), t) for t in texts)
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


def _external_key(key: str) -> str:
    return "" if key.startswith("id:") else key


def _write_organisation(user: Any, plan: RowPlan) -> Organisation:
    values = dict(plan.values)
    if plan.parent_row is not None:
        values["parent"] = plan.parent_row.done
    if plan.action == CREATE:
        data = services.OrganisationInput(**values, external_key=_external_key(plan.key))
        return services.create_organisation(by=user, data=data, names=plan.names)
    org: Organisation = plan.record
    org.refresh_from_db()  # an earlier row may have moved it with its parent
    if values:
        services.update_organisation(by=user, organisation=org, version=org.version, changes=values)
    for name in plan.names:
        services.add_organisation_name(by=user, organisation=org, name=name)
    return org


def _write_person(user: Any, plan: RowPlan) -> Person:
    if plan.action == CREATE:
        data = services.PersonInput(**plan.values, external_key=_external_key(plan.key))
        person = services.create_person(by=user, data=data, names=plan.names)
    else:
        person = plan.record
        person.refresh_from_db()
        if plan.values:
            services.update_person(by=user, person=person, version=person.version, changes=dict(plan.values))
        for name in plan.names:
            services.add_person_name(by=user, person=person, name=name)
    for position in plan.positions:
        services.add_position(by=user, person=person, data=position)
    return person


def import_file(*, user: Any, kind: str, path: Path, commit: bool) -> ImportReport:
    """Import a file from disk (the CLI); raises TableError for a file that cannot be read."""
    if path.stat().st_size > settings.LIAISON_IMPORT_MAX_BYTES:
        raise TableError(_("The file is larger than the import limit."))
    table = tabular.read_table(path.read_bytes(), filename=path.name, kind=kind)
    return run_import(user=user, kind=kind, table=table, commit=commit)


# --- Import: the page ---------------------------------------------------------------------

_SESSION_KEY = "liaison_imports"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")
PREVIEW_ROWS = 1000


def _upload_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def _upload_path(user: Any, token: str, suffix: str) -> Path:
    return _upload_dir() / f"{user.pk}-{token}{suffix}"


def _keep_upload(request: HttpRequest, kind: str, filename: str, content: bytes) -> str:
    """Keep the previewed file on the server under a random token known only to this session."""
    directory = _upload_dir()
    directory.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - settings.SESSION_COOKIE_AGE
    for old in directory.iterdir():
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    uploads = request.session.get(_SESSION_KEY, {})
    for token in [t for t, entry in uploads.items() if entry["kind"] == kind]:
        _discard_upload(request, token, uploads)
    token = secrets.token_urlsafe(24)
    suffix = ".xlsx" if filename.lower().endswith(".xlsx") else ".csv"
    path = _upload_path(request.user, token, suffix)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(content)
    uploads[token] = {"kind": kind, "suffix": suffix}
    request.session[_SESSION_KEY] = uploads
    return token


def _load_upload(request: HttpRequest, kind: str, token: str) -> tuple[str, bytes] | None:
    entry = request.session.get(_SESSION_KEY, {}).get(token) if _TOKEN.fullmatch(token) else None
    if entry is None or entry["kind"] != kind:
        return None
    path = _upload_path(request.user, token, entry["suffix"])
    try:
        return path.name, path.read_bytes()
    except FileNotFoundError:
        return None


def _discard_upload(request: HttpRequest, token: str, uploads: dict[str, Any] | None = None) -> None:
    uploads = uploads if uploads is not None else request.session.get(_SESSION_KEY, {})
    entry = uploads.pop(token, None)
    if entry is not None:
        _upload_path(request.user, token, entry["suffix"]).unlink(missing_ok=True)
    request.session[_SESSION_KEY] = uploads


def import_page(request: HttpRequest, *, kind: str) -> HttpResponse:
    """Upload a file, preview what it would do, and confirm to write it."""
    context: dict[str, Any] = {
        "kind": kind,
        "columns": tabular.COLUMNS[kind],
        "form": ImportForm(),
        "report": None,
        "token": "",
        "preview_rows": PREVIEW_ROWS,
        "list_url": f"directory:{kind}-list",
    }
    status = 200
    if request.method == "POST" and "token" in request.POST:
        token = request.POST["token"]
        upload = _load_upload(request, kind, token)
        if upload is None:
            context["expired"] = True
            return render(request, "directory/import.html", context, status=400)
        name, content = upload
        _discard_upload(request, token)
        try:
            report = run_import(
                user=request.user,
                kind=kind,
                table=tabular.read_table(content, filename=name, kind=kind),
                commit=True,
            )
        except TableError:  # the kept file was read once already; only tampering gets here
            context["expired"] = True
            return render(request, "directory/import.html", context, status=400)
        if report.committed:
            messages.success(
                request,
                _("Import finished: %(create)s created, %(update)s updated, %(unchanged)s unchanged.")
                % report.counts,
            )
            return redirect(context["list_url"])
        context["report"] = report
    elif request.method == "POST":
        form = context["form"] = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload_file = form.cleaned_data["file"]
            content = upload_file.read()
            try:
                table = tabular.read_table(content, filename=upload_file.name, kind=kind)
            except TableError as error:
                form.add_error("file", str(error))
            else:
                report = context["report"] = plan_import(user=request.user, kind=kind, table=table)
                if report.ok:
                    context["token"] = _keep_upload(request, kind, upload_file.name, content)
        if form.errors:
            status = 400
    return render(request, "directory/import.html", context, status=status)

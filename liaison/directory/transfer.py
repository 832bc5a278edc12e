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

import datetime as dt
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
from django.core.validators import EmailValidator, URLValidator
from django.db import DataError, IntegrityError, transaction
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from liaison.core import access, name_index
from liaison.core.audit import acting_as
from liaison.core.models import Classification, Pillar, SecurityEventKind, StaleRecordError
from liaison.core.security_log import log_security_event
from liaison.directory import selectors, services, tabular
from liaison.directory.forms import ImportForm
from liaison.directory.models import (
    Country,
    Gender,
    Locality,
    NameKind,
    Organisation,
    OrganisationKind,
    OrganisationName,
    Person,
    PersonName,
    Position,
)
from liaison.directory.tabular import ORGANISATION, PERSON, Table, TableError, record_key

FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_PLURAL = {ORGANISATION: "organisations", PERSON: "people"}

# --- Export -------------------------------------------------------------------------------


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def filters_from(kind: str, params: Any) -> selectors.OrganisationFilters | selectors.PersonFilters:
    """The list page's filters from query parameters."""
    if kind == ORGANISATION:
        return selectors.OrganisationFilters(
            q=params.get("q", "")[:200],
            pillar=params.get("pillar", ""),
            kind=params.get("kind", ""),
            country=params.get("country", "")[:2],
            sort=params.get("sort", "name"),
        )
    return selectors.PersonFilters(
        q=params.get("q", "")[:200],
        nationality=params.get("nationality", "")[:2],
        organisation=_int_or_none(params.get("organisation")),
        sort=params.get("sort", "name"),
    )


def export_queryset(user: Any, kind: str, filters: Any) -> QuerySet[Any]:
    """The list page's records with what their rows need: one query per 2,000 rows per relation."""
    if kind == ORGANISATION:
        return selectors.organisation_list_for_user(user, filters).select_related("locality")
    # Positions in organisations the user may not see stay out of the file.
    seen = access.visible(user, Organisation.objects.all()).values("pk")
    positions = Position.objects.filter(organisation__in=seen).select_related("organisation")
    return (
        selectors.person_list_for_user(user, filters)
        .select_related("owner")
        .prefetch_related(
            Prefetch("positions", queryset=positions.order_by("start", "id"), to_attr="export_positions")
        )
    )


def export_rows(kind: str, queryset: QuerySet[Any]) -> Iterator[list[str]]:
    to_row = tabular.organisation_row if kind == ORGANISATION else tabular.person_row
    for record in queryset.iterator(chunk_size=2000):
        yield to_row(record)


def export_filename(kind: str, fmt: str) -> str:
    return f"liaison-{_PLURAL[kind]}-{timezone.localdate():%Y%m%d}.{fmt}"


def _log_export(
    *, user: Any, request: HttpRequest | None, kind: str, fmt: str, rows: int, filters: Any
) -> None:
    used = {k: v for k, v in vars(filters).items() if v not in ("", None)}
    log_security_event(
        kind=SecurityEventKind.EXPORT,
        request=request,
        user=user,
        detail={"kind": kind, "format": fmt, "rows": rows, "filters": used},
    )


def export_response(request: HttpRequest, *, kind: str) -> HttpResponse:
    """The list page's records as a CSV (streamed) or XLSX download."""
    fmt = request.GET.get("format", "csv")
    if fmt not in FORMATS:
        return HttpResponseBadRequest(
            _("Unknown export format “%(format)s”: use csv or xlsx.") % {"format": fmt[:20]},
            content_type="text/plain; charset=utf-8",
        )
    filters = filters_from(kind, request.GET)
    queryset = export_queryset(request.user, kind, filters)
    disposition = f'attachment; filename="{export_filename(kind, fmt)}"'
    if fmt == "xlsx":
        content, count = tabular.xlsx_bytes(
            tabular.header(kind), export_rows(kind, queryset), title=_PLURAL[kind]
        )
        _log_export(user=request.user, request=request, kind=kind, fmt=fmt, rows=count, filters=filters)
        return HttpResponse(content, content_type=XLSX_TYPE, headers={"Content-Disposition": disposition})
    # The count is logged before streaming starts; the stream is the same query's rows.
    count = queryset.count()
    _log_export(user=request.user, request=request, kind=kind, fmt=fmt, rows=count, filters=filters)
    return StreamingHttpResponse(
        tabular.csv_chunks(tabular.header(kind), export_rows(kind, queryset)),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": disposition},
    )


def export_file(*, user: Any, kind: str, fmt: str, path: Path) -> int:
    """Write every record `user` may see to `path` (the CLI); returns the number of rows."""
    filters = filters_from(kind, {})
    queryset = export_queryset(user, kind, filters)
    if fmt == "xlsx":
        content, count = tabular.xlsx_bytes(
            tabular.header(kind), export_rows(kind, queryset), title=_PLURAL[kind]
        )
        path.write_bytes(content)
    else:
        counted = _Counted(export_rows(kind, queryset))
        with path.open("wb") as out:
            for chunk in tabular.csv_chunks(tabular.header(kind), counted):
                out.write(chunk)
        count = counted.count
    _log_export(user=user, request=None, kind=kind, fmt=fmt, rows=count, filters=filters)
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
_CLASSIFICATIONS = {name: level for level, name in tabular.CLASSIFICATION_NAMES.items()}
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


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.column:
            return _("Row %(row)s, column %(column)s: %(message)s") % vars(self)
        return _("Row %(row)s: %(message)s") % vars(self)


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
    anchor: Organisation | None = None  # the nearest existing organisation above a new one
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


class _Row:
    """One row's cells, parsed column by column; every problem becomes a RowError."""

    def __init__(self, number: int, cells: dict[str, str], errors: list[RowError]) -> None:
        self.number, self.cells, self.errors, self.failed = number, cells, errors, False

    def has(self, column: str) -> bool:
        return column in self.cells

    def __getitem__(self, column: str) -> str:
        return self.cells.get(column, "")

    def fail(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.number, column, message))
        self.failed = True

    def text(self, column: str, max_length: int) -> str:
        value = self[column]
        if len(value) > max_length:
            self.fail(column, _("longer than %(max)s characters") % {"max": max_length})
        return value

    def date(self, column: str) -> dt.date | None:
        value = self[column]
        if not value:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.fail(column, _("not a date (use YYYY-MM-DD): “%(value)s”") % {"value": value})
            return None

    def choice(self, column: str, choices: Any, *, required: bool = False) -> str:
        value = self[column].lower()
        if not value and not required:
            return ""
        if value not in choices.values:
            allowed = ", ".join(choices.values)
            self.fail(
                column,
                _("“%(value)s” is not one of %(allowed)s") % {"value": self[column], "allowed": allowed},
            )
        return value

    def lookup(self, column: str, table: dict[str, Any], message: str) -> Any:
        value = self[column]
        if not value:
            return None
        found = table.get(value.upper() if column in ("country", "nationality") else value)
        if found is None:
            self.fail(column, message % {"value": value})
        return found

    def dates_in_order(self, start: str, end: str, values: dict[str, Any]) -> None:
        if values.get(start) and values.get(end) and values[end] < values[start]:
            self.fail(end, _("the end date is before the start date"))


class _Records:
    """Existing records by key, through the access policy, fetched in batches."""

    def __init__(self, user: Any, queryset: QuerySet[Any], keys: set[str]) -> None:
        self.visible = access.visible(user, queryset)
        self.by_key: dict[str, Any] = {}
        external = sorted(k for k in keys if k and not k.startswith("id:"))
        ids = sorted({int(k[3:]) for k in keys if k.startswith("id:") and k[3:].isdigit()})
        for start in range(0, max(len(external), len(ids)), 500):
            for r in self.visible.filter(external_key__in=external[start : start + 500]):
                self.by_key[r.external_key] = r
            for r in self.visible.filter(pk__in=ids[start : start + 500]):
                self.by_key[f"id:{r.pk}"] = r
        unseen = [k for k in external if k not in self.by_key]
        self.taken = (
            set(
                queryset.model._base_manager.filter(external_key__in=unseen).values_list(
                    "external_key", flat=True
                )
            )
            if unseen
            else set()
        )

    def get(self, key: str) -> Any:
        return self.by_key.get(key)


class _Planner:
    """Validate every row of a file against the database, without writing."""

    def __init__(self, *, user: Any, kind: str, table: Table) -> None:
        self.user, self.kind, self.table = user, kind, table
        self.principal = access.principal_for(user)
        self.report = ImportReport(kind=kind)
        self.earlier: dict[str, RowPlan | None] = {}  # keys of rows already planned
        self.row_of_key: dict[str, int] = {}
        self.keyless: dict[tuple[Any, str], int] = {}
        self.countries = {c.code: c for c in Country.objects.all()}

    def plan(self) -> ImportReport:
        for number, cells in self.table.rows:
            key = cells.get("key", "")
            if key and key in self.row_of_key:
                self.report.errors.append(
                    RowError(
                        number,
                        "key",
                        _("the key “%(key)s” is already on row %(row)s")
                        % {"key": key, "row": self.row_of_key[key]},
                    )
                )
            self.row_of_key.setdefault(key, number) if key else None
        for number, cells in self.table.rows:
            row = _Row(number, cells, self.report.errors)
            duplicate = any(e.row == number and e.column == "key" for e in self.report.errors)
            plan = None if duplicate else self.plan_row(row)
            if plan is not None and not row.failed:
                self.report.plans.append(plan)
            if cells.get("key") and cells["key"] not in self.earlier:
                self.earlier[cells["key"]] = plan if plan is not None and not row.failed else None
        return self.report

    def plan_row(self, row: _Row) -> RowPlan | None:
        raise NotImplementedError

    # Shared steps ----------------------------------------------------------------------

    def existing(self, row: _Row, records: _Records, noun: str) -> Any:
        key = row["key"]
        if not key:
            return None
        if len(key) > 100:
            row.fail("key", _("longer than 100 characters"))
            return None
        record = records.get(key)
        if record is None and key.startswith("id:"):
            row.fail("key", _("there is no %(noun)s with this id that you can see") % {"noun": noun})
        elif record is None and key in records.taken:
            row.fail("key", _("the key “%(key)s” is already used by a record you cannot see") % {"key": key})
        return record

    def organisation_ref(
        self, row: _Row, column: str, key: str, orgs: _Records, current: Any
    ) -> Organisation | None:
        """An existing organisation named by `key`; the current one needs no new permission."""
        if current is not None and record_key(current) == key:
            return current  # type: ignore[no-any-return]
        found = orgs.get(key)
        if found is None:
            row.fail(column, _("unknown organisation key “%(key)s”") % {"key": key})
        return found  # type: ignore[no-any-return]

    def common_values(self, row: _Row, record: Any, values: dict[str, Any]) -> None:
        if row.has("classification"):
            value = row["classification"].lower()
            if value:
                if value not in _CLASSIFICATIONS:
                    row.fail("classification", _("use public, internal or restricted"))
                else:
                    values["classification"] = _CLASSIFICATIONS[value]
                    if (
                        values["classification"] > self.principal.clearance
                        and not self.principal.is_superuser
                    ):
                        row.fail("classification", _("you may not classify above your own clearance"))
        if record is None:
            values.setdefault("classification", Classification.INTERNAL)
        if row.has("notes"):
            values["notes"] = row["notes"]

    def names(self, row: _Row, person: bool) -> list[services.NameInput]:
        names = []
        for lang in tabular.NAME_LANGUAGES:
            value = row.text(f"name_{lang}", 300)
            if value:
                extra = (
                    {"family": row.text("family_vi", 150), "given": row.text("given_vi", 150)}
                    if person and lang == "vi"
                    else {}
                )
                names.append(services.NameInput(value=value, language=lang, **extra))
        if not person and row["abbreviation"]:
            names.append(
                services.NameInput(
                    value=row.text("abbreviation", 300), language="en", kind=NameKind.ABBREVIATION
                )
            )
        for item in filter(
            None, (part.strip() for part in row["aliases"].split(tabular.LIST_SEPARATOR.strip()))
        ):
            lang, sep, value = item.partition(":")
            lang, value = lang.strip().lower(), value.strip()
            if not sep or not _LANGUAGE.fullmatch(lang) or not value or len(value) > 300:
                row.fail(
                    "aliases",
                    _("write each other name as language:value, e.g. fr:Ministère, not “%(item)s”")
                    % {"item": item},
                )
            else:
                names.append(services.NameInput(value=value, language=lang, kind=NameKind.ALIAS))
        return names

    def match_by_name(
        self,
        row: _Row,
        names: list[services.NameInput],
        queryset: QuerySet[Any],
        same: dict[str, Any],
        noun: str,
    ) -> Any:
        """The record a keyless row means: the same name (score 1.0) under the same parent or owner."""
        exact: set[int] = set()
        likely: set[int] = set()
        for n in names[:4]:
            for m in name_index.lookup(kind=self.kind, query=n.value, limit=10):
                (exact if m.score >= 1.0 else likely).add(m.key) if m.score >= 0.9 else None
        candidates = {r.pk: r for r in access.visible(self.user, queryset.filter(pk__in=exact | likely))}
        same_place = [
            candidates[pk]
            for pk in sorted(exact)
            if pk in candidates and all(getattr(candidates[pk], k) == v for k, v in same.items())
        ]
        if len(same_place) == 1:
            return same_place[0]
        others = same_place or [candidates[pk] for pk in sorted(exact | likely) if pk in candidates]
        if others:
            found = others[0]
            row.fail(
                "key",
                _(
                    "looks like existing %(noun)s #%(id)s “%(name)s”; give its key to update it, or a new key to create a different one"
                )
                % {"noun": noun, "id": found.pk, "name": found.sort_name},
            )
            return None
        label = (id(same.get("parent") or same.get("owner")), names[0].value.casefold()) if names else None
        if label in self.keyless:
            row.fail(
                "key", _("the same name as row %(row)s; give each row a key") % {"row": self.keyless[label]}
            )
        elif label is not None:
            self.keyless[label] = row.number
        return None

    def diff(self, plan: RowPlan, record: Any, values: dict[str, Any], fk: tuple[str, ...]) -> None:
        for name, value in values.items():
            current = getattr(record, name)
            if name in fk:
                changed = getattr(current, "pk", None) != getattr(value, "pk", None)
            else:
                changed = current != value
            if changed:
                plan.values[name] = value
                plan.changes.append(name)
        have = {(n.language, n.value) for n in record.names.all()}
        plan.names = [n for n in plan.names if (n.language, n.value.strip()) not in have]
        if plan.names:
            plan.changes.append("names")
        plan.action = UPDATE if plan.values or plan.names or plan.positions or plan.parent_row else UNCHANGED


_ORG_FK = ("parent", "country", "locality")


class _OrganisationPlanner(_Planner):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        rows = [cells for _n, cells in self.table.rows]
        keys = {c.get("key", "") for c in rows} | {c.get("parent_key", "") for c in rows}
        base = Organisation.objects.select_related("parent", "country", "locality").prefetch_related("names")
        self.orgs = _Records(self.user, base, keys - {""})
        codes = {c.get("locality", "") for c in rows} - {""}
        self.localities = {loc.code: loc for loc in Locality.objects.filter(code__in=codes)}

    def plan_row(self, row: _Row) -> RowPlan | None:
        record = self.existing(row, self.orgs, _("organisation"))
        values: dict[str, Any] = {
            "pillar": row.choice("pillar", Pillar, required=True),
            "kind": row.choice("kind", OrganisationKind, required=True),
        }
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
        self.parent(row, plan, values)
        if row.failed:
            return None
        if record is None and not plan.key:
            same = {"parent": values.get("parent")} if plan.parent_row is None else {"pk": None}
            plan.record = record = self.match_by_name(
                row, plan.names, Organisation.objects.all(), same, _("organisation")
            )
            if row.failed:
                return None
        plan.label = plan.names[0].value if plan.names else getattr(record, "sort_name", "")
        if record is None:
            self.plan_create(row, plan, values)
        else:
            self.plan_update(row, plan, values)
        return plan

    def contact(self, row: _Row, values: dict[str, Any]) -> None:
        checks = {
            "email": (254, EmailValidator()),
            "website": (200, URLValidator()),
            "phone": (50, None),
            "address": (5000, None),
        }
        for name, (max_length, validator) in checks.items():
            if not row.has(name):
                continue
            value = row.text(name, max_length)
            if value and name == "website" and "://" not in value:
                value = "https://" + value
            if value and validator is not None:
                try:
                    validator(value)
                except ValidationError:
                    row.fail(name, _("not a valid %(what)s: “%(value)s”") % {"what": name, "value": value})
            values[name] = value

    def parent(self, row: _Row, plan: RowPlan, values: dict[str, Any]) -> None:
        if not row.has("parent_key"):
            plan.anchor = plan.record.parent if plan.record is not None else None
            return
        key, record = row["parent_key"], plan.record
        parent: Organisation | None = None
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
                plan.parent_row, plan.anchor = earlier, earlier.anchor
        elif self.orgs.get(key) is not None:
            parent = self.orgs.get(key)
        elif key in self.row_of_key:
            row.fail(
                "parent_key",
                _("the parent must come before its units (it is on row %(row)s)")
                % {"row": self.row_of_key[key]},
            )
        else:
            row.fail("parent_key", _("unknown organisation key “%(key)s”") % {"key": key})
        if plan.parent_row is None:
            values["parent"] = parent
            plan.anchor = parent
        if record is not None and plan.anchor is not None and plan.anchor.path.startswith(record.path):
            row.fail("parent_key", _("an organisation cannot sit below itself"))

    def may_add_under(self, row: _Row, anchor: Organisation | None, classification: int) -> None:
        if anchor is None:
            if not self.principal.is_superuser:
                row.fail(
                    "parent_key", _("only an administrator may add or move organisations to the top level")
                )
        elif not access.can_create(self.user, owner=anchor, classification=classification):
            row.fail("parent_key", _("you may not add organisations there"))

    def plan_create(self, row: _Row, plan: RowPlan, values: dict[str, Any]) -> None:
        if not plan.names:
            row.fail("name_en", _("give a name in at least one language"))
        self.may_add_under(row, plan.anchor, values["classification"])
        plan.values = values
        plan.changes = [k for k, v in values.items() if v not in ("", None)]

    def plan_update(self, row: _Row, plan: RowPlan, values: dict[str, Any]) -> None:
        record = plan.record
        self.diff(plan, record, values, _ORG_FK)
        if plan.parent_row is not None:
            plan.changes.append("parent")
        if plan.action == UNCHANGED:
            return
        if not access.can_change(self.user, record):
            row.fail("key", _("you may not change this organisation"))
        elif "parent" in plan.values or plan.parent_row is not None:
            self.may_add_under(row, plan.anchor, plan.values.get("classification", record.classification))


_PERSON_FK = ("owner", "nationality")


class _PersonPlanner(_Planner):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        rows = [cells for _n, cells in self.table.rows]
        people = Person.objects.select_related("owner", "nationality").prefetch_related("names", "positions")
        self.people = _Records(self.user, people, {c.get("key", "") for c in rows} - {""})
        org_keys = {c.get("owner_key", "") for c in rows}
        for c in rows:
            org_keys |= {item.split(";")[0].strip() for item in c.get("positions", "").split("|")}
        self.orgs = _Records(self.user, Organisation.objects.all(), org_keys - {""})

    def plan_row(self, row: _Row) -> RowPlan | None:
        record = self.existing(row, self.people, _("person"))
        values: dict[str, Any] = {}
        if not row["owner_key"]:
            row.fail("owner_key", _("give the key of the organisation that keeps the record"))
        else:
            values["owner"] = self.organisation_ref(
                row, "owner_key", row["owner_key"], self.orgs, getattr(record, "owner", None)
            )
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
        plan.positions = self.positions(row, record)
        if row.failed:
            return None
        if record is None and not plan.key:
            plan.record = record = self.match_by_name(
                row, plan.names, Person.objects.all(), {"owner": values["owner"]}, _("person")
            )
            if row.failed:
                return None
        plan.label = plan.names[0].value if plan.names else getattr(record, "sort_name", "")
        if record is None:
            if not plan.names:
                row.fail("name_vi", _("give a name in at least one script"))
            if not access.can_create(
                self.user, owner=values["owner"], classification=values["classification"]
            ):
                row.fail("owner_key", _("you may not add people kept by this organisation"))
            plan.values = values
            plan.changes = [k for k, v in values.items() if v not in ("", None)] + (
                ["positions"] if plan.positions else []
            )
            return plan
        have = {(p.organisation_id, p.title_en, p.start, p.end) for p in record.positions.all()}
        plan.positions = [
            p for p in plan.positions if (p.organisation.pk, p.title_en, p.start, p.end) not in have
        ]
        self.diff(plan, record, values, _PERSON_FK)
        if plan.positions:
            plan.changes.append("positions")
        if plan.action == UNCHANGED:
            return plan
        if not access.can_change(self.user, record):
            row.fail("key", _("you may not change this person"))
        elif "owner" in plan.values and not access.can_create(
            self.user, owner=plan.values["owner"], classification=record.classification
        ):
            row.fail("owner_key", _("you may not move people to this organisation"))
        return plan

    def positions(self, row: _Row, record: Any) -> list[services.PositionInput]:
        found = []
        for item in filter(
            None, (part.strip() for part in row["positions"].split(tabular.LIST_SEPARATOR.strip()))
        ):
            parts = [p.strip() for p in item.split(";")]
            if len(parts) < 2 or not parts[0] or not parts[1]:
                row.fail(
                    "positions",
                    _("write each position as org_key;title_en;start;end, not “%(item)s”") % {"item": item},
                )
                continue
            start_end = parts[2:] if len(parts) <= 4 else parts[-2:]
            title = ";".join(parts[1:2] if len(parts) <= 4 else parts[1:-2])
            dates = (
                _Row(row.number, {"positions": d for d in start_end[:1]}, row.errors),
                _Row(row.number, {"positions": d for d in start_end[1:]}, row.errors),
            )
            start, end = dates[0].date("positions"), dates[1].date("positions")
            org = self.organisation_ref(row, "positions", parts[0], self.orgs, None)
            if len(title) > 200:
                row.fail("positions", _("a title is longer than 200 characters"))
            if start and end and end < start:
                row.fail("positions", _("the position “%(title)s” ends before it starts") % {"title": title})
            if any(d.failed for d in dates):
                row.failed = True
            if org is not None:
                found.append(services.PositionInput(organisation=org, title_en=title, start=start, end=end))
        return found


# --- Import: writing ----------------------------------------------------------------------


def plan_import(*, user: Any, kind: str, table: Table) -> ImportReport:
    """Validate every row and say what it would do; writes nothing."""
    planner = _OrganisationPlanner if kind == ORGANISATION else _PersonPlanner
    return planner(user=user, kind=kind, table=table).plan()


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
    except (IntegrityError, DataError) as error:
        errors.append(RowError(plan.row, "", _("the database refused the row: %(error)s") % {"error": error}))


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

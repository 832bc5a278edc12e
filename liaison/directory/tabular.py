"""Spreadsheet files for the Directory's import and export: the columns, reading and writing CSV and XLSX.

Columns, in export order (the import accepts them in any order; only `key`, the required
columns and at least one name column must be present):

Organisations
    key             external key, or ``id:<number>`` for a record without one
    parent_key      key of the parent organisation (blank: top level)
    pillar          party, state, people or foreign
    kind            ministry, department, … (the values of OrganisationKind)
    country         ISO 3166-1 alpha-2 code (VN, FR, …)
    locality        locality code
    valid_from, valid_to
                    dates as YYYY-MM-DD
    classification  public, internal or restricted
    email, phone, website, address, notes
    name_vi, name_en, name_ar
                    official names in Vietnamese, English and Arabic
    abbreviation    English abbreviation
    aliases         every other name as ``language:value``, joined with " | "

People
    key, owner_key  the person's key; key of the organisation that keeps the record
    nationality     ISO 3166-1 alpha-2 code
    gender          f, m or x
    birth_date, death_date
    languages, classification, notes
    name_vi, family_vi, given_vi, name_en, name_ar, aliases
    positions       each ``org_key;title_en;start;end``, joined with " | "

Rows are numbered as a spreadsheet shows them: the header is row 1.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

ORGANISATION = "organisation"
PERSON = "person"
MAX_ROWS = 20_000
LIST_SEPARATOR = " | "
BOM = "\ufeff"
CLASSIFICATION_NAMES = {0: "public", 1: "internal", 2: "restricted"}
CLASSIFICATION_LEVELS = {name: level for level, name in CLASSIFICATION_NAMES.items()}


@dataclass(frozen=True)
class Column:
    name: str
    help: str | Promise
    required: bool = False


_DATE_HELP = gettext_lazy("a date as YYYY-MM-DD")
_CLASSIFICATION_HELP = gettext_lazy(
    "public, internal or restricted; if blank, internal for a new record, else unchanged"
)
_NAME_COLUMNS = ("name_vi", "name_en", "name_ar")

COLUMNS: dict[str, tuple[Column, ...]] = {
    ORGANISATION: (
        Column("key", gettext_lazy("external key, or id:<number> for a record that has none"), required=True),
        Column("parent_key", gettext_lazy("key of the parent organisation; blank for the top level")),
        Column("pillar", gettext_lazy("party, state, people or foreign"), required=True),
        Column(
            "kind", gettext_lazy("kind of organisation, e.g. ministry, department, mission"), required=True
        ),
        Column("country", gettext_lazy("ISO country code, e.g. VN")),
        Column("locality", gettext_lazy("locality code")),
        Column("valid_from", _DATE_HELP),
        Column("valid_to", _DATE_HELP),
        Column("classification", _CLASSIFICATION_HELP),
        Column("email", gettext_lazy("email address")),
        Column("phone", gettext_lazy("telephone number")),
        Column("website", gettext_lazy("web address")),
        Column("address", gettext_lazy("postal address")),
        Column("notes", gettext_lazy("notes")),
        Column("name_vi", gettext_lazy("official name in Vietnamese")),
        Column("name_en", gettext_lazy("official name in English")),
        Column("name_ar", gettext_lazy("official name in Arabic")),
        Column("abbreviation", gettext_lazy("abbreviation")),
        Column("aliases", gettext_lazy("other names, each as language:value, separated by “ | ”")),
    ),
    PERSON: (
        Column("key", gettext_lazy("external key, or id:<number> for a record that has none"), required=True),
        Column("owner_key", gettext_lazy("key of the organisation that keeps the record"), required=True),
        Column("nationality", gettext_lazy("ISO country code, e.g. VN")),
        Column("gender", gettext_lazy("f, m or x")),
        Column("birth_date", _DATE_HELP),
        Column("death_date", _DATE_HELP),
        Column("languages", gettext_lazy("languages spoken")),
        Column("classification", _CLASSIFICATION_HELP),
        Column("notes", gettext_lazy("notes")),
        Column("name_vi", gettext_lazy("full name in Vietnamese")),
        Column("family_vi", gettext_lazy("Vietnamese family name")),
        Column("given_vi", gettext_lazy("Vietnamese given name")),
        Column("name_en", gettext_lazy("name in Latin letters")),
        Column("name_ar", gettext_lazy("name in Arabic")),
        Column("aliases", gettext_lazy("other names, each as language:value, separated by “ | ”")),
        Column(
            "positions",
            gettext_lazy("positions, each as org_key;title_en;start;end, separated by “ | ”"),
        ),
    ),
}


def header(kind: str) -> list[str]:
    return [c.name for c in COLUMNS[kind]]


class TableError(Exception):
    """The file as a whole cannot be read: wrong encoding, broken workbook, bad header."""


@dataclass
class Table:
    columns: list[str]
    # (spreadsheet row number, {column: text}); blank rows are skipped.
    rows: list[tuple[int, dict[str, str]]]


# --- Reading ------------------------------------------------------------------------------


def read_table(content: bytes, *, filename: str, kind: str) -> Table:
    """Parse an uploaded CSV or XLSX file into rows of text keyed by column name."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        raw = _read_xlsx(content)
        unescape = False
    elif name.endswith(".csv"):
        raw = _read_csv(content)
        unescape = True
    else:
        raise TableError(_("Upload a .csv or .xlsx file."))
    try:
        first = next(raw)
    except StopIteration:
        raise TableError(_("The file is empty.")) from None
    if not any(_text(c) for c in first):
        raise TableError(_("The first row must name the columns, as in an export."))
    columns = _check_header([_text(c) for c in first], kind)
    rows: list[tuple[int, dict[str, str]]] = []
    for number, values in enumerate(raw, start=2):
        cells = [_text(v, unescape=unescape) for v in values]
        if not any(cells):
            continue
        if any(cells[len(columns) :]):
            raise TableError(_("Row %(row)s has more cells than the header has columns.") % {"row": number})
        if len(rows) >= MAX_ROWS:
            raise TableError(_("The file has more than %(max)s rows; split it.") % {"max": MAX_ROWS})
        rows.append((number, dict(zip(columns, cells + [""] * (len(columns) - len(cells)), strict=False))))
    return Table(columns=columns, rows=rows)


def _read_csv(content: bytes) -> Iterator[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TableError(
            _("The file is not UTF-8 text. In Excel, save it as “CSV UTF-8 (comma delimited)”.")
        ) from None
    if "\x00" in text:
        raise TableError(_("The file is not a CSV text file."))

    def rows() -> Iterator[list[str]]:
        try:
            yield from csv.reader(io.StringIO(text, newline=""))
        except csv.Error as error:
            raise TableError(_("The CSV file cannot be read: %(error)s") % {"error": error}) from None

    return rows()


def _read_xlsx(content: bytes) -> Iterator[list[Any]]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
    except Exception:  # openpyxl raises anything from zipfile, XML and its own errors
        raise TableError(_("The file is not a readable XLSX workbook.")) from None

    def rows() -> Iterator[list[Any]]:
        try:
            for values in sheet.iter_rows(values_only=True):
                yield list(values)
        except Exception:  # a damaged sheet fails only when read
            raise TableError(_("The XLSX workbook is damaged and cannot be read.")) from None
        finally:
            workbook.close()

    return rows()


def _check_header(cells: list[str], kind: str) -> list[str]:
    while cells and not cells[-1]:
        cells.pop()
    names = [c.lower() for c in cells]
    known = header(kind)
    if len(names) == 1 and ";" in names[0]:
        raise TableError(_("The columns must be separated by commas, not semicolons."))
    problems: list[str] = []
    if "" in names:
        problems.append(_("Column %(number)s has no name.") % {"number": names.index("") + 1})
    duplicates = sorted({n for n in names if n and names.count(n) > 1})
    if duplicates:
        problems.append(_("These columns appear twice: %(columns)s.") % {"columns": ", ".join(duplicates)})
    unknown = [n for n in names if n and n not in known]
    if unknown:
        problems.append(
            _("Unknown columns: %(columns)s. The columns are: %(known)s.")
            % {"columns": ", ".join(unknown), "known": ", ".join(known)}
        )
    missing = [c.name for c in COLUMNS[kind] if c.required and c.name not in names]
    if missing:
        problems.append(_("Required columns are missing: %(columns)s.") % {"columns": ", ".join(missing)})
    if not any(n in names for n in _NAME_COLUMNS):
        problems.append(
            _("Give at least one of the columns %(columns)s.") % {"columns": ", ".join(_NAME_COLUMNS)}
        )
    if problems:
        raise TableError(" ".join(problems))
    return names


def _text(value: Any, *, unescape: bool = False) -> str:
    """A cell as stripped NFC text (spreadsheets give dates and numbers as such)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        text = value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    elif isinstance(value, dt.date):
        text = value.isoformat()
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = str(value)
    text = unicodedata.normalize("NFC", text.strip())
    if unescape and len(text) > 1 and text[0] == "'" and text[1] in _FORMULA_START:
        text = text[1:]
    return text


# --- Writing ------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A phone number or a signed number cannot run anything in a spreadsheet; keep it as it is.
_HARMLESS = re.compile(r"[+-]?[\d\s().\-/]+")
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _escape_formula(value: str) -> str:
    """Stop a spreadsheet from running a cell as a formula (CSV injection); the import undoes it."""
    if value.startswith(_FORMULA_START) and not _HARMLESS.fullmatch(value):
        return "'" + value
    return value


def csv_chunks(columns: Sequence[str], rows: Iterable[Sequence[str]], *, batch: int = 500) -> Iterator[bytes]:
    """CSV as UTF-8 with a byte-order mark (so Excel reads Arabic and Vietnamese), in chunks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow(columns)
    for i, row in enumerate(rows, start=1):
        writer.writerow([_escape_formula(v) for v in row])
        if i % batch == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def xlsx_bytes(columns: Sequence[str], rows: Iterable[Sequence[str]], *, title: str) -> tuple[bytes, int]:
    """A write-only workbook with one sheet; every cell is text, never a formula. Returns (bytes, rows)."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.freeze_panes = "A2"
    sheet.append(list(columns))
    count = 0
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=_ILLEGAL_XLSX.sub("", value) or None)
            if cell.value is not None:
                cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
        count += 1
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue(), count


# --- Cells as values ----------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.column:
            return _("Row %(row)s, column %(column)s: %(message)s") % vars(self)
        return _("Row %(row)s: %(message)s") % vars(self)


def parse_date(value: str) -> dt.date | None:
    """A YYYY-MM-DD date, or None for a blank cell; ValueError otherwise."""
    return dt.date.fromisoformat(value) if value else None


def split_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(LIST_SEPARATOR.strip()) if item.strip()]


class Cells:
    """One row's cells, read column by column as typed values; every problem becomes a RowError."""

    def __init__(self, number: int, cells: dict[str, str], errors: list[RowError]) -> None:
        self.number = number
        self.cells = cells
        self.errors = errors
        self.failed = False

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

    def date(self, column: str, value: str | None = None) -> dt.date | None:
        value = self[column] if value is None else value
        try:
            return parse_date(value)
        except ValueError:
            self.fail(column, _("not a date (use YYYY-MM-DD): “%(value)s”") % {"value": value})
            return None

    def choice(self, column: str, choices: Any) -> str:
        value = self[column].lower()
        if value and value not in choices.values:
            allowed = ", ".join(choices.values)
            self.fail(
                column,
                _("“%(value)s” is not one of %(allowed)s") % {"value": self[column], "allowed": allowed},
            )
        return value

    def required(self, column: str, message: str) -> str:
        if not self[column]:
            self.fail(column, message)
        return self[column]

    def lookup(self, column: str, table: dict[str, Any], message: str) -> Any:
        """The reference-data row named by the cell (a country or locality code), None when blank."""
        value = self[column]
        found = table.get(value.upper()) or table.get(value) if value else None
        if value and found is None:
            self.fail(column, message % {"value": value})
        return found

    def dates_in_order(self, start: str, end: str, values: dict[str, Any]) -> None:
        if values.get(start) and values.get(end) and values[end] < values[start]:
            self.fail(end, _("the end date is before the start date"))

    def classification(self) -> int | None:
        value = self["classification"].lower()
        if value and value not in CLASSIFICATION_LEVELS:
            self.fail("classification", _("use public, internal or restricted"))
        return CLASSIFICATION_LEVELS.get(value)


# --- Records as rows ----------------------------------------------------------------------

NAME_LANGUAGES = ("vi", "en", "ar")


def record_key(record: Any) -> str:
    """The key a file uses for a record: its external key, or ``id:<pk>``."""
    return str(record.external_key or f"id:{record.pk}")


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def split_names(names: Iterable[Any], *, abbreviation: bool) -> tuple[dict[str, Any], Any, list[str]]:
    """First official name per language, the English abbreviation, and every other name."""
    from liaison.directory.models import NameKind

    official: dict[str, Any] = {}
    abbrev = None
    aliases: list[str] = []
    for n in names:
        if n.kind == NameKind.OFFICIAL and n.language in NAME_LANGUAGES and n.language not in official:
            official[n.language] = n
        elif abbreviation and abbrev is None and n.kind == NameKind.ABBREVIATION and n.language == "en":
            abbrev = n
        else:
            aliases.append(f"{n.language}:{n.value}")
    return official, abbrev, aliases


def organisation_row(org: Any) -> list[str]:
    official, abbrev, aliases = split_names(org.names.all(), abbreviation=True)
    return [
        record_key(org),
        # A parent the reader may not see is left blank (lists annotate `parent_visible`).
        record_key(org.parent) if org.parent_id and getattr(org, "parent_visible", True) else "",
        org.pillar,
        org.kind,
        org.country.code if org.country_id else "",
        org.locality.code if org.locality_id else "",
        _date(org.valid_from),
        _date(org.valid_to),
        CLASSIFICATION_NAMES.get(org.classification, ""),
        org.email,
        org.phone,
        org.website,
        org.address,
        org.notes,
        *(official[lang].value if lang in official else "" for lang in NAME_LANGUAGES),
        abbrev.value if abbrev else "",
        LIST_SEPARATOR.join(aliases),
    ]


def person_row(person: Any) -> list[str]:
    official, _abbrev, aliases = split_names(person.names.all(), abbreviation=False)
    vi = official.get("vi")
    positions = [
        ";".join([record_key(p.organisation), p.title_en, _date(p.start), _date(p.end)])
        for p in person.export_positions
    ]
    return [
        record_key(person),
        record_key(person.owner),
        person.nationality.code if person.nationality_id else "",
        person.gender,
        _date(person.birth_date),
        _date(person.death_date),
        person.languages,
        CLASSIFICATION_NAMES.get(person.classification, ""),
        person.notes,
        vi.value if vi else "",
        vi.family if vi else "",
        vi.given if vi else "",
        official["en"].value if "en" in official else "",
        official["ar"].value if "ar" in official else "",
        LIST_SEPARATOR.join(aliases),
        LIST_SEPARATOR.join(positions),
    ]


# --- Exported records ---------------------------------------------------------------------

FORMATS = ("csv", "xlsx")
PLURAL = {ORGANISATION: "organisations", PERSON: "people"}


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def filters_from(kind: str, params: Any) -> Any:
    """The list page's filters (OrganisationFilters or PersonFilters) from its query parameters."""
    from django.utils.dateparse import parse_date

    from liaison.directory import selectors

    common = {
        "q": params.get("q", "")[:200],
        "text": params.get("text", "")[:200],
        "sort": params.get("sort", "name"),
    }
    if kind == ORGANISATION:
        try:
            valid_on = parse_date(params.get("on", "") or "")
        except ValueError:
            valid_on = None
        wanted = {
            **common,
            "pillar": params.get("pillar", ""),
            "kind": params.get("kind", ""),
            "country": params.get("country", "")[:2],
            "parent": _int_or_none(params.get("parent")),
            "valid_on": valid_on,
        }
        cls: Any = selectors.OrganisationFilters
    else:
        wanted = {
            **common,
            "nationality": params.get("nationality", "")[:2],
            "organisation": _int_or_none(params.get("organisation")),
        }
        cls = selectors.PersonFilters
    known = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in wanted.items() if k in known})


def export_queryset(user: Any, kind: str, filters: Any) -> Any:
    """The list page's records and what their rows need, in one query per relation per chunk."""
    from django.db.models import Prefetch

    from liaison.core.access import visible_q
    from liaison.directory import selectors
    from liaison.directory.models import Organisation, OrganisationName, PersonName, Position

    if user is None:  # the command line without --as: every record
        return _every_record(kind)
    # A file holds every name of a record (the lists read only the one they show).
    if kind == ORGANISATION:
        names = Prefetch("names", queryset=OrganisationName.objects.order_by("id"))
        return (
            selectors.organisation_list_for_user(user, filters)
            .select_related("locality")
            .prefetch_related(names)
        )
    # Positions in organisations the user may not see stay out of the file.
    positions = Position.objects.filter(
        visible_q(user, Organisation, prefix="organisation__")
    ).select_related("organisation")
    return (
        selectors.person_list_for_user(user, filters)
        .select_related("owner")
        .prefetch_related(
            Prefetch("names", queryset=PersonName.objects.order_by("id")),
            Prefetch("positions", queryset=positions.order_by("start", "id"), to_attr="export_positions"),
        )
    )


def export_rows(kind: str, queryset: Any) -> Iterator[list[str]]:
    to_row = organisation_row if kind == ORGANISATION else person_row
    for record in queryset.iterator(chunk_size=2000):
        yield to_row(record)


def export_filename(kind: str, fmt: str) -> str:
    from django.utils import timezone

    return f"liaison-{PLURAL[kind]}-{timezone.localdate():%Y%m%d}.{fmt}"


def _every_record(kind: str) -> Any:
    from django.db.models import Prefetch

    from liaison.directory.models import Organisation, OrganisationName, Person, PersonName, Position

    if kind == ORGANISATION:
        names = Prefetch("names", queryset=OrganisationName.objects.order_by("id"))
        related = ("country", "parent", "locality")
        return (
            Organisation.objects.select_related(*related).prefetch_related(names).order_by("sort_name", "id")
        )
    positions = Position.objects.select_related("organisation").order_by("start", "id")
    return (
        Person.objects.select_related("owner", "nationality")
        .prefetch_related(
            Prefetch("names", queryset=PersonName.objects.order_by("id")),
            Prefetch("positions", queryset=positions, to_attr="export_positions"),
        )
        .order_by("sort_name", "id")
    )

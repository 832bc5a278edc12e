"""The spreadsheet columns of the membership import, and reading a file into rows.

Columns, in template order (a file may hold them in any order and leave out those it does not
need; a column left out leaves that field as it is, an empty cell clears it where it can be
cleared):

Branches
    key             the branch organisation's external key, or ``id:<number>``
    parent_key      key of the organisation above it; blank for the top level
    level           committee, branch or cell
    name_vi, name_en, name_ar
                    official names (added to the organisation; never removed)
    country         ISO 3166-1 alpha-2 code
    mission_key     for a branch abroad: key of the representative mission it sits in
    minimum_size    fewer members than this shows on the checks
    valid_from, valid_to
    classification  public, internal or restricted (the organisation's)

Members
    register_number the member's number: a row with a known number updates that member
    branch_key      key of the branch that keeps the member
    name_vi, name_en, name_ar
    gender          f, m or x
    birth_date, joined_on
    languages
    posting_country, posting_mission_key, posting_start, posting_end
                    the member's (latest) posting abroad
    dossier_status  not_started, in_progress or digitised
    digitised_on
    notes
    not_duplicate_of
                    register numbers (or ``id:<number>``) of members this person is known not to be

Files are read by the Directory's readers (`liaison.directory.tabular`): UTF-8 CSV with or without
a byte-order mark, or the first sheet of an XLSX workbook; rows are numbered as a spreadsheet
shows them (the header is row 1).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liaison.directory import tabular
from liaison.directory.tabular import Column, Table, TableError

BRANCH = "branch"
MEMBER = "member"
KINDS = (MEMBER, BRANCH)
# A national register is larger than a Directory file: 100,000 members and more in one file.
MAX_ROWS = 250_000
NAME_COLUMNS = ("name_vi", "name_en", "name_ar")
NAME_LANGUAGES = ("vi", "en", "ar")

_DATE_HELP = gettext_lazy("a date as YYYY-MM-DD")
_KEY_HELP = gettext_lazy("the organisation's external key, or id:<number> for one that has none")

COLUMNS: dict[str, tuple[Column, ...]] = {
    BRANCH: (
        Column("key", _KEY_HELP, required=True),
        Column(
            "parent_key",
            gettext_lazy("key of the organisation above it (a committee); blank for the top level"),
        ),
        Column("level", gettext_lazy("committee, branch or cell (required for a new branch)")),
        Column("name_vi", gettext_lazy("official name in Vietnamese")),
        Column("name_en", gettext_lazy("official name in English")),
        Column("name_ar", gettext_lazy("official name in Arabic")),
        Column("country", gettext_lazy("ISO country code, e.g. VN, FR")),
        Column(
            "mission_key",
            gettext_lazy("for a branch abroad: key of the representative mission it sits in"),
        ),
        Column(
            "minimum_size",
            gettext_lazy("fewer members than this shows on the checks; 3 if blank for a new branch"),
        ),
        Column("valid_from", _DATE_HELP),
        Column("valid_to", _DATE_HELP),
        Column(
            "classification",
            gettext_lazy(
                "public, internal or restricted; if blank, internal for a new organisation, else unchanged"
            ),
        ),
    ),
    MEMBER: (
        Column(
            "register_number",
            gettext_lazy(
                "the member's number in the register: a known number updates that member, "
                "a new one adds a member"
            ),
        ),
        Column(
            "branch_key",
            gettext_lazy("key of the branch that keeps the member (its organisation's key, or id:<number>)"),
            required=True,
        ),
        Column("name_vi", gettext_lazy("full name in Vietnamese")),
        Column("name_en", gettext_lazy("name in Latin letters")),
        Column("name_ar", gettext_lazy("name in Arabic")),
        Column("gender", gettext_lazy("f, m or x")),
        Column("birth_date", _DATE_HELP),
        Column(
            "joined_on", gettext_lazy("the date the member joined, as YYYY-MM-DD (required for a new member)")
        ),
        Column("languages", gettext_lazy("languages spoken")),
        Column("posting_country", gettext_lazy("posted abroad: ISO country code of the posting")),
        Column(
            "posting_mission_key",
            gettext_lazy("posted abroad: key of the representative mission, if any"),
        ),
        Column("posting_start", gettext_lazy("posted abroad: first day, as YYYY-MM-DD")),
        Column("posting_end", gettext_lazy("posted abroad: end of the term, if known, as YYYY-MM-DD")),
        Column("dossier_status", gettext_lazy("not_started, in_progress or digitised")),
        Column(
            "digitised_on", gettext_lazy("the day the dossier was digitised (with dossier_status digitised)")
        ),
        Column("notes", gettext_lazy("notes")),
        Column(
            "not_duplicate_of",
            gettext_lazy(
                "register numbers (or id:<number>) of existing members this person is known not to be, "
                "separated by “ | ”"
            ),
        ),
    ),
}


def header(kind: str) -> list[str]:
    return [c.name for c in COLUMNS[kind]]


def read_table(content: bytes, *, filename: str, kind: str) -> Table:
    """Parse an uploaded CSV or XLSX file into rows of text keyed by column name."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        raw = tabular._read_xlsx(content)
        unescape = False
    elif name.endswith(".csv"):
        raw = tabular._read_csv(content)
        unescape = True
    else:
        raise TableError(_("Upload a .csv or .xlsx file."))
    try:
        first = next(raw)
    except StopIteration:
        raise TableError(_("The file is empty.")) from None
    if not any(tabular._text(c) for c in first):
        raise TableError(_("The first row must name the columns, as in the template."))
    columns = _check_header([tabular._text(c) for c in first], kind)
    width = len(columns)
    rows: list[tuple[int, dict[str, str]]] = []
    text = tabular._text
    for number, values in enumerate(raw, start=2):
        cells = [text(v, unescape=unescape) for v in values]
        if not any(cells):
            continue
        if any(cells[width:]):
            raise TableError(_("Row %(row)s has more cells than the header has columns.") % {"row": number})
        if len(rows) >= MAX_ROWS:
            raise TableError(_("The file has more than %(max)s rows; split it.") % {"max": MAX_ROWS})
        if len(cells) < width:
            cells += [""] * (width - len(cells))
        rows.append((number, dict(zip(columns, cells, strict=False))))
    return Table(columns=columns, rows=rows)


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
    if kind == MEMBER and not any(n in names for n in NAME_COLUMNS):
        problems.append(
            _("Give at least one of the columns %(columns)s.") % {"columns": ", ".join(NAME_COLUMNS)}
        )
    if problems:
        raise TableError(" ".join(problems))
    return names


def template_rows(kind: str) -> list[list[str]]:
    """The help sheet of a template: each column, whether it is required, and what it holds."""
    return [[c.name, _("required") if c.required else "", str(c.help)] for c in COLUMNS[kind]]

"""Importing members: a national register of 100,000 rows and more, checked row by row and
written in bulk.

A row is recognised by its register number; a row without one, by its exact spelling of a name
and the date of birth (else the branch) of a member already recorded. A new row whose name
matches a recorded member (the shared name matcher: "Nguyen Van An" is "Nguyễn Văn An") with the
same date of birth (or, without one, in the same branch) is a probable duplicate: an error that
names that member, so the user gives its register number to update them instead, or lists it in
`not_duplicate_of`. Rows of the same file are compared the same way (folded names).

Validation is the services': `_check_names`, `_check_identity`, `check_day` and
`_validate_posting` are called for every row. New members are written in bulk, as
`services.create_member` writes one (member, names, a regular placement from joining, the joining
event, the dossier, name keys, status by the rules, branch sizes) plus their posting and dossier
status; the audited bulk writes record every create. Changes to existing members go through the
services one row at a time.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DataError, IntegrityError, transaction
from django.utils.translation import gettext as _

from liaison.activities.validation import require
from liaison.core import access, audit, name_index
from liaison.core.access import Action
from liaison.core.models import Classification, NameKey, StaleRecordError
from liaison.core.names import NameKeys, fold, name_keys, retrieval_keys, similarity
from liaison.core.names import rules as name_rules
from liaison.directory.models import Country
from liaison.directory.tabular import Cells, RowError, Table, split_list
from liaison.membership import counters, dossiers, import_write, placements, services, statuses
from liaison.membership.import_columns import MEMBER, NAME_COLUMNS, NAME_LANGUAGES
from liaison.membership.import_common import (
    CREATE,
    UNCHANGED,
    UPDATE,
    ImportReport,
    Organisations,
    Progress,
    RowPlan,
    chunks,
    errors_from,
    fail_from,
    no_progress,
    unknown_key,
)
from liaison.membership.models import (
    Branch,
    Dossier,
    DossierStatus,
    EventKind,
    Member,
    MemberEvent,
    MemberName,
    Placement,
    PlacementKind,
    Posting,
    StatusCause,
    StatusChange,
)
from liaison.membership.services import NAME_KIND, NameInput, PostingInput

# A recorded name this close to the row's (and the same date of birth, or branch) is "the same person".
DUPLICATE_SCORE = 0.9
# New members written per bulk statement (and their names, placements, events, dossiers, postings).
WRITE_CHUNK = 5000
_GENDERS = ("", "f", "m", "x")
POSTING_COLUMNS = ("posting_country", "posting_mission_key", "posting_start", "posting_end")
# Where a service's validation error shows.
_COLUMNS = {
    "joined_on": "joined_on",
    "birth_date": "birth_date",
    "gender": "gender",
    "register_number": "register_number",
    "classification": "register_number",
    "country": "posting_country",
    "mission": "posting_mission_key",
    "start": "posting_start",
    "end": "posting_end",
    "on": "digitised_on",
    "digitised_on": "digitised_on",
    "kind": "",
    "letter_number": "",
}
_STORED_FIELDS = (
    "pk",
    "register_number",
    "owner_id",
    "branch_id",
    "gender",
    "birth_date",
    "joined_on",
    "languages",
    "notes",
    "name",
    "posting_id",
)


@dataclass(eq=False)
class Stored:
    """A recorded member as the comparison needs it (read as rows, in batches)."""

    pk: int
    register_number: str
    owner_id: int
    branch_id: int | None
    gender: str
    birth_date: dt.date | None
    joined_on: dt.date
    languages: str
    notes: str
    name: str
    posting_id: int | None
    names: list[tuple[str, str]] = field(default_factory=list)  # (language, value)
    postings: list[Posting] = field(default_factory=list)
    dossier: tuple[str, dt.date | None] = (DossierStatus.NOT_STARTED, None)
    readable: bool = False
    changeable: bool = False


@dataclass(eq=False)
class MemberPlan(RowPlan):
    branch: Branch | None = None
    stored: Stored | None = None
    names: list[NameInput] = field(default_factory=list)
    # The identity columns present in the file: gender, birth_date, joined_on, languages, notes.
    values: dict[str, Any] = field(default_factory=dict)
    posting: PostingInput | None = None
    dossier: tuple[str, dt.date | None] | None = None
    not_duplicate_of: frozenset[str] = frozenset()
    # For an update: the changes for `services.update_member`, the posting to add ("add") or
    # the stored posting to change (its id), the new dossier status.
    updates: dict[str, Any] = field(default_factory=dict)
    posting_change: str | int | None = None
    dossier_change: tuple[str, dt.date | None] | None = None
    failed: bool = False


class NameKeyCache:
    """The matcher's keys of the file's names, each computed once for the check and the write.

    A name's keys are computed from its folded form alone (`name_keys` folds first, and folding
    twice changes nothing), so "Nguyễn Văn An" and "Nguyen Van An", and every member of that
    name, share one computation."""

    def __init__(self) -> None:
        self.folded: dict[str, str] = {}
        self.keys: dict[str, tuple[NameKeys, tuple[str, ...]]] = {}

    def fold(self, value: str) -> str:
        found = self.folded.get(value)
        if found is None:
            found = self.folded[value] = fold(value)
        return found

    def of(self, value: str) -> tuple[NameKeys, tuple[str, ...]]:
        folded = self.fold(value)
        found = self.keys.get(folded)
        if found is None:
            keys = name_keys(folded)
            found = self.keys[folded] = (keys, tuple(dict.fromkeys(retrieval_keys(keys))))
        return found


class _Postings:
    """`member.postings` as `services._validate_posting` reads it, from postings read in bulk."""

    def __init__(self, items: list[Posting]) -> None:
        self.items = items

    def all(self) -> list[Posting]:
        return self.items

    def exclude(self, pk: int | None = None) -> list[Posting]:
        return [p for p in self.items if p.pk != pk]


@dataclass
class _MemberProbe:
    """What `services._validate_posting` reads of a member, for one that is not written yet."""

    joined_on: dt.date
    postings: _Postings


def load_members(
    user: Any, field_name: str, values: list[Any], countries: dict[int, Country]
) -> dict[int, Stored]:
    """Recorded members whose `field_name` is one of `values`, with their names, postings and
    dossier, and whether the user may read and change each (the access policy as a filter)."""
    stored: dict[int, Stored] = {}
    for chunk in chunks(values):
        rows = Member.objects.filter(**{f"{field_name}__in": chunk}).order_by().values_list(*_STORED_FIELDS)
        for row in rows:
            stored[row[0]] = Stored(*row)
    ids = sorted(stored)
    for chunk in chunks(ids):
        members = Member.objects.filter(pk__in=chunk).order_by()
        for pk in access.visible(user, members).values_list("pk", flat=True):
            stored[pk].readable = True
        for pk in access.visible(user, members, action=Action.CHANGE).values_list("pk", flat=True):
            stored[pk].changeable = True
        names = MemberName.objects.filter(member_id__in=chunk).order_by("member_id", "id")
        for member_id, language, value in names.values_list("member_id", "language", "value"):
            stored[member_id].names.append((language, value))
        postings = Posting.objects.filter(member_id__in=chunk).order_by("member_id", "start", "id")
        for pk, member_id, country_id, mission_id, start, end, letter in postings.values_list(
            "pk", "member_id", "country_id", "mission_id", "start", "end", "letter_number"
        ):
            stored[member_id].postings.append(
                Posting(
                    pk=pk,
                    member_id=member_id,
                    country=countries[country_id],
                    mission_id=mission_id,
                    start=start,
                    end=end,
                    letter_number=letter,
                )
            )
        files = Dossier.objects.filter(member_id__in=chunk).order_by()
        for member_id, status, on in files.values_list("member_id", "status", "digitised_on"):
            stored[member_id].dossier = (status, on)
    return stored


class MemberPlanner:
    """Check every member row against the database and the access policy, without writing."""

    def __init__(self, *, user: Any, table: Table, progress: Progress = no_progress) -> None:
        self.user = user
        self.table = table
        self.progress = progress
        self.report = ImportReport(kind=MEMBER, rows=len(table.rows))
        self.columns = set(table.columns)
        self.name_column = next((c for c in NAME_COLUMNS if c in self.columns), "name_vi")
        self.countries = {c.code: c for c in Country.objects.all()}
        self.countries_by_id = {c.pk: c for c in self.countries.values()}
        rows = [cells for _number, cells in table.rows]
        branch_keys = {c.get("branch_key", "") for c in rows} - {""}
        mission_keys = {c.get("posting_mission_key", "") for c in rows} - {""}
        self.orgs = Organisations(user, branch_keys | mission_keys)
        found = {b.pk: b for b in Branch.objects.filter(pk__in=[o.pk for o in self.orgs.by_key.values()])}
        self.branches: dict[str, Branch] = {}
        for key, org in self.orgs.by_key.items():
            if org.pk in found:
                found[org.pk].organisation = org  # loaded with what the access policy reads
                self.branches[key] = found[org.pk]
        numbers = sorted({c.get("register_number", "") for c in rows} - {""})
        loaded = load_members(user, "register_number", numbers, self.countries_by_id)
        self.by_number = {s.register_number: s for s in loaded.values()}
        self.may_create: dict[int, bool] = {}
        self.names = self.report.cache["names"] = NameKeyCache()
        self.today = services.today()

    # The plan -------------------------------------------------------------------------------

    def plan(self) -> ImportReport:
        errors = self.report.errors
        row_of_number: dict[str, int] = {}
        repeated: set[int] = set()
        for number, cells in self.table.rows:
            key = cells.get("register_number", "")
            if key in row_of_number:
                message = _("the register number “%(number)s” is already on row %(row)s")
                errors.append(
                    RowError(number, "register_number", message % {"number": key, "row": row_of_number[key]})
                )
                repeated.add(number)
            elif key:
                row_of_number[key] = number
        plans: list[MemberPlan] = []
        total = len(self.table.rows)
        for done, (number, cells) in enumerate(self.table.rows):
            if done % 5000 == 0:
                self.progress("check", done, total)
            if number in repeated:
                continue
            plan = self.parse(Cells(number, cells, errors))
            if plan is not None:
                plans.append(plan)
        self.resolve([p for p in plans if p.stored is None])
        for plan in plans:
            if not plan.failed:
                self.settle(plan)
        self.progress("check", total, total)
        self.report.plans = [p for p in plans if not p.failed]
        self.report.sort_errors()
        return self.report

    def fail(self, plan: MemberPlan, column: str, message: str, *, duplicate: bool = False) -> None:
        error = RowError(plan.row, column, message)
        self.report.errors.append(error)
        if duplicate:
            self.report.duplicates.append(error)
        plan.failed = True

    # Pass 1: each row's cells as values, checked by the services' own rules ----------------

    def parse(self, row: Cells) -> MemberPlan | None:
        number = row.text("register_number", 50)
        stored = self.by_number.get(number) if number else None
        if stored is not None and not stored.readable:
            row.fail("register_number", _("another member has this register number (one you cannot see)"))
        branch = None
        key = row["branch_key"]
        if key:
            branch = self.branches.get(key)
            if branch is None and self.orgs.get(key) is not None:
                row.fail("branch_key", _("“%(key)s” is not a branch that keeps members") % {"key": key})
            elif branch is None:
                row.fail("branch_key", _("unknown branch key “%(key)s”") % {"key": key})
        elif stored is None:
            row.fail("branch_key", _("give the key of the branch that keeps the member"))
        names = [
            NameInput(row.text(column, 300), language)
            for column, language in zip(NAME_COLUMNS, NAME_LANGUAGES, strict=True)
            if row[column]
        ]
        values = self.identity(row, stored)
        if names:
            try:
                names = services._check_names(names)
            except ValidationError as error:
                fail_from(row, error, {"names": self.name_column})
        elif stored is None:
            row.fail(self.name_column, _("give a name in at least one script"))
        posting = self.posting(row)
        dossier = self.dossier(row)
        if row.failed:
            return None
        return MemberPlan(
            row=row.number,
            key=number,
            label=services.shown_name(names) if names else getattr(stored, "name", ""),
            branch=branch,
            stored=stored,
            names=names,
            values=values,
            posting=posting,
            dossier=dossier,
            not_duplicate_of=frozenset(split_list(row["not_duplicate_of"].replace(",", "|"))),
        )

    def identity(self, row: Cells, stored: Stored | None) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if row.has("gender"):
            values["gender"] = row["gender"].lower()
        for name in ("birth_date", "joined_on"):
            if row.has(name):
                values[name] = row.date(name)
        if row.has("languages"):
            values["languages"] = row.text("languages", 200)
        if row.has("notes"):
            values["notes"] = row["notes"]
        gender, birth = values.get("gender", ""), values.get("birth_date")
        # The service's checks, asked only of a row they would refuse (each asks for today's date,
        # which costs more than the rest of the row): the same conditions, its own messages.
        if gender not in _GENDERS or (birth is not None and not self.past(birth)):
            try:
                services._check_identity(
                    {
                        "register_number": "",  # checked for the whole file at once
                        "gender": gender,
                        "birth_date": birth,
                        "classification": Classification.RESTRICTED,
                    }
                )
            except ValidationError as error:
                fail_from(row, error, _COLUMNS)
        joined = values.get("joined_on")
        if joined is None:
            values.pop("joined_on", None)  # blank: as it is (a member cannot be without one)
            if stored is None and not row["joined_on"]:
                row.fail("joined_on", _("give the date the member joined"))
        elif (stored is None or joined != stored.joined_on) and not self.past(joined):
            self.check_day(row, joined, "joined_on")
        return values

    def posting(self, row: Cells) -> PostingInput | None:
        """The row's posting, if any posting cell is filled (the service checks it in `settle`)."""
        if not any(row[c] for c in POSTING_COLUMNS):
            return None
        country = None
        if row["posting_country"]:
            country = row.lookup("posting_country", self.countries, _("unknown ISO code “%(value)s”"))
        mission = None
        key = row["posting_mission_key"]
        if key:
            mission = self.orgs.get(key)
            if mission is None:
                unknown_key(row, "posting_mission_key", key)
        return PostingInput(
            country=cast(Country, country),
            start=cast(dt.date, row.date("posting_start")),
            end=row.date("posting_end"),
            mission=mission,
        )

    def dossier(self, row: Cells) -> tuple[str, dt.date | None] | None:
        status = row.choice("dossier_status", DossierStatus) if row["dossier_status"] else ""
        on = row.date("digitised_on") if row["digitised_on"] else None
        if not status:
            if row["digitised_on"]:
                row.fail("dossier_status", _("give the status digitised with a digitisation date"))
            return None  # blank: the dossier as it is
        if status == DossierStatus.DIGITISED and on is None and not row["digitised_on"]:
            row.fail("digitised_on", _("give the day the dossier was digitised"))
        elif status != DossierStatus.DIGITISED and on is not None:
            row.fail("digitised_on", _("only a digitised dossier has a digitisation date"))
        elif on is not None and not self.past(on):
            self.check_day(row, on, "digitised_on")
        return status, on

    def past(self, day: dt.date) -> bool:
        """Would `services.check_day` take this date (not in the future, not before 1900)?"""
        return services.EARLIEST <= day <= self.today

    def check_day(self, row: Cells, day: dt.date, column: str) -> None:
        try:
            services.check_day(day, column)
        except ValidationError as error:
            fail_from(row, error, _COLUMNS)

    # Pass 2: who a new row is: a recorded member by exact name, or a probable duplicate ----

    def resolve(self, new: list[MemberPlan]) -> None:
        if not new:
            return
        self.match_recorded(new)
        adopted = [p for p in new if p.stored is not None]
        taken: dict[int, int] = {s.pk: 0 for s in self.by_number.values()}
        for plan in adopted:
            assert plan.stored is not None
            if plan.stored.pk in taken:
                earlier = taken[plan.stored.pk]
                message = (
                    _("the same member as row %(row)s") % {"row": earlier}
                    if earlier
                    else _("the same member as a row with their register number")
                )
                self.fail(plan, self.name_column, message, duplicate=True)
            taken[plan.stored.pk] = plan.row
        self.match_in_file([p for p in new if p.stored is None and not p.failed])

    def match_recorded(self, new: list[MemberPlan]) -> None:
        """Compare new rows with recorded members through the matcher's stored keys, in bulk:
        the keys of whole names (every word, and every word in sorted order) of the file's names,
        one query per batch of keys; then the matcher's similarity on the few candidates."""
        wanted: dict[int, set[str]] = {}
        for plan in new:
            keys: set[str] = set()
            for name in plan.names:
                k = self.names.of(name.value)[0]
                keys.update(
                    w for w in (k.skeleton, k.coarse_sorted) if len(w) >= name_rules.MIN_RETRIEVAL_KEY_LENGTH
                )
            wanted[id(plan)] = keys
        every = sorted(set().union(*wanted.values()))
        hits: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for chunk in chunks(every):
            found = NameKey.objects.filter(kind=NAME_KIND, key__in=chunk).values_list(
                "key", "entity_id", "value"
            )
            for key, entity_id, value in found:
                hits[key].append((entity_id, value))
        if not hits:
            return
        entity_ids = sorted({entity_id for found in hits.values() for entity_id, _v in found})
        recorded: dict[int, tuple[str, dt.date | None, int | None, int]] = {}
        for id_chunk in chunks(entity_ids):
            rows = Member.objects.filter(pk__in=id_chunk).order_by()
            for pk, number, birth, branch_id, owner_id in rows.values_list(
                "pk", "register_number", "birth_date", "branch_id", "owner_id"
            ):
                recorded[pk] = (number, birth, branch_id, owner_id)
        matched: dict[int, tuple[MemberPlan, list[int], list[tuple[float, int]]]] = {}
        for plan in new:
            candidates: dict[int, set[str]] = defaultdict(set)
            for key in wanted[id(plan)]:
                for entity_id, value in hits.get(key, ()):
                    candidates[entity_id].add(value)
            exact: list[int] = []
            close: list[tuple[float, int]] = []
            birth = plan.values.get("birth_date")
            for entity_id, values in candidates.items():
                if entity_id not in recorded or self.ruled_out(plan, entity_id, recorded[entity_id][0]):
                    continue
                _number, their_birth, branch_id, owner_id = recorded[entity_id]
                if birth is not None and their_birth is not None:
                    if their_birth != birth:
                        continue
                elif plan.branch is None or plan.branch.pk not in (branch_id, owner_id):
                    continue  # without both dates of birth: the same branch
                pairs = list(itertools.product(plan.names, values))
                if any(n.value.casefold() == v.casefold() for n, v in pairs):
                    exact.append(entity_id)
                    continue
                score = max(similarity(self.names.of(n.value)[0], name_keys(v)) for n, v in pairs)
                if score >= DUPLICATE_SCORE:
                    close.append((score, entity_id))
            if exact or close:
                matched[plan.row] = (plan, sorted(exact), sorted(close, key=lambda c: (-c[0], c[1])))
        if not matched:
            return
        adopt = {
            plan.row: exact[0] for plan, exact, _c in matched.values() if not plan.key and len(exact) == 1
        }
        found_members = load_members(self.user, "pk", sorted(set(adopt.values())), self.countries_by_id)
        others = {pk for _p, exact, close in matched.values() for pk in exact + [c[1] for c in close]}
        readable = access.readable_ids(self.user, Member, others)
        for plan, exact, close in matched.values():
            member = found_members.get(adopt.get(plan.row, 0))
            if member is not None and member.readable:
                plan.stored = member  # a keyless row that spells a recorded member exactly: that member
                if not plan.label:
                    plan.label = member.name
                continue
            best = exact[0] if exact else close[0][1]
            number, their_birth = recorded[best][:2]
            by_birth = plan.values.get("birth_date") is not None and their_birth is not None
            self.duplicate(plan, best, number, best in readable, several=len(exact) > 1, by_birth=by_birth)

    def ruled_out(self, plan: MemberPlan, pk: int, number: str) -> bool:
        """The row says it is not this member (`not_duplicate_of`)."""
        return bool(plan.not_duplicate_of) and (
            f"id:{pk}" in plan.not_duplicate_of or (bool(number) and number in plan.not_duplicate_of)
        )

    def duplicate(
        self, plan: MemberPlan, pk: int, number: str, readable: bool, *, several: bool, by_birth: bool
    ) -> None:
        same = _("same date of birth") if by_birth else _("same branch, no date of birth")
        if not readable:
            message = _(
                "probably the same person as member id:%(id)s, kept by a branch you cannot see "
                "(a name spelled alike, %(same)s); ask that branch, and if this is someone else "
                "write id:%(id)s in not_duplicate_of"
            ) % {"id": pk, "same": same}
        else:
            name = Member.objects.filter(pk=pk).values_list("name", flat=True).first() or ""
            reference = number or f"id:{pk}"
            if several:
                message = _(
                    "several recorded members have this name (%(same)s), e.g. %(member)s “%(name)s”: "
                    "give the register number of the one this row is, or if it is none of them list "
                    "theirs in not_duplicate_of"
                )
            elif number:
                message = _(
                    "probably the same person as member %(member)s “%(name)s” (a name spelled alike, "
                    "%(same)s): give the register number %(member)s to update them, or if this is "
                    "someone else write %(member)s in not_duplicate_of"
                )
            else:
                message = _(
                    "probably the same person as member %(member)s “%(name)s” (a name spelled alike, "
                    "%(same)s), who has no register number: record it on that member first, or if "
                    "this is someone else write %(member)s in not_duplicate_of"
                )
            message = message % {"member": reference, "name": name, "same": same}
        self.fail(plan, self.name_column, message, duplicate=True)

    def match_in_file(self, new: list[MemberPlan]) -> None:
        """Two new rows with the same folded name and date of birth (or branch) are one person."""
        seen: dict[tuple[str, Any], MemberPlan] = {}
        for plan in new:
            birth = plan.values.get("birth_date")
            place: Any = birth if birth is not None else ("branch", getattr(plan.branch, "pk", None))
            keys = {(self.names.fold(n.value), place) for n in plan.names}
            earlier = next((seen[k] for k in keys if k in seen), None)
            if earlier is not None and not (
                (earlier.key and earlier.key in plan.not_duplicate_of)
                or (plan.key and plan.key in earlier.not_duplicate_of)
            ):
                message = _(
                    "probably the same person as row %(row)s (the same name, %(same)s); give each a "
                    "register number, and if they are two people write the other's in not_duplicate_of"
                ) % {
                    "row": earlier.row,
                    "same": _("same date of birth") if birth else _("same branch, no date of birth"),
                }
                self.fail(plan, self.name_column, message, duplicate=True)
                continue
            for key in keys:
                seen.setdefault(key, plan)

    # Pass 3: what each row does, and whether the user may -----------------------------------

    def settle(self, plan: MemberPlan) -> None:
        if plan.stored is None:
            self.settle_new(plan)
        else:
            self.settle_recorded(plan, plan.stored)

    def can_create_in(self, branch: Branch) -> bool:
        if branch.pk not in self.may_create:
            self.may_create[branch.pk] = access.can_create(
                self.user, owner=branch.organisation, classification=Classification.RESTRICTED
            )
        return self.may_create[branch.pk]

    def check_posting(self, plan: MemberPlan, member: Any, pk: int | None = None) -> None:
        assert plan.posting is not None
        try:
            services._validate_posting(self.user, member, plan.posting, pk=pk)
        except ValidationError as error:
            errors_from(plan.row, error, _COLUMNS, self.report.errors)
            plan.failed = True

    def settle_new(self, plan: MemberPlan) -> None:
        assert plan.branch is not None
        if not self.can_create_in(plan.branch):
            self.fail(plan, "branch_key", _("you may not add members to this branch"))
            return
        if plan.posting is not None:
            self.check_posting(plan, _MemberProbe(plan.values["joined_on"], _Postings([])))
        plan.action = CREATE
        plan.changes = ["names", *(k for k, v in plan.values.items() if v not in ("", None))]
        if plan.posting is not None:
            plan.changes.append("posting")
        if plan.dossier is not None and plan.dossier[0] != DossierStatus.NOT_STARTED:
            plan.changes.append("dossier")

    def settle_recorded(self, plan: MemberPlan, stored: Stored) -> None:
        if plan.branch is not None and plan.branch.pk != (stored.branch_id or stored.owner_id):
            self.fail(
                plan,
                "branch_key",
                _(
                    "this member is kept by another branch; a move between branches is a transfer "
                    "(released by one, received by the other), not an import"
                ),
            )
            return
        for name, value in plan.values.items():
            if getattr(stored, name) != value:
                plan.updates[name] = value
        if plan.names:
            given = {
                lang for col, lang in zip(NAME_COLUMNS, NAME_LANGUAGES, strict=True) if col in self.columns
            }
            kept = [NameInput(value, lang) for lang, value in stored.names if lang not in given]
            names = [*plan.names, *kept]
            if {(n.language, n.value) for n in names} != set(stored.names):
                plan.updates["names"] = names
        if plan.posting is not None:
            self.compare_posting(plan, stored)
        if plan.dossier is not None and plan.dossier != stored.dossier:
            plan.dossier_change = plan.dossier
        plan.changes = [*plan.updates]
        if plan.posting_change is not None:
            plan.changes.append("posting")
        if plan.dossier_change is not None:
            plan.changes.append("dossier")
        plan.action = UPDATE if plan.changes else UNCHANGED
        if plan.action == UPDATE and not stored.changeable:
            column = "register_number" if plan.key else self.name_column
            self.fail(plan, column, _("you may not change this member"))

    def compare_posting(self, plan: MemberPlan, stored: Stored) -> None:
        posting = plan.posting
        assert posting is not None
        latest = next((p for p in stored.postings if p.pk == stored.posting_id), None)
        joined = plan.updates.get("joined_on", stored.joined_on)
        probe = _MemberProbe(joined, _Postings(stored.postings))
        same = (
            latest is not None
            and posting.country is not None
            and latest.country_id == posting.country.pk
            and latest.start == posting.start
        )
        if not same:
            self.check_posting(plan, probe)
            plan.posting_change = "add"
            return
        assert latest is not None
        posting.letter_number = latest.letter_number
        if (latest.end, latest.mission_id) != (posting.end, getattr(posting.mission, "pk", None)):
            self.check_posting(plan, probe, pk=latest.pk)
            plan.posting_change = latest.pk


# --- Writing --------------------------------------------------------------------------------


def write_members(user: Any, report: ImportReport, progress: Progress = no_progress) -> None:
    """Every new member in bulk, then every change through the services (row errors collected)."""
    new = [p for p in report.plans if p.action == CREATE]
    changed = [p for p in report.plans if p.action == UPDATE]
    total = len(new) + len(changed)
    progress("write", 0, total)
    if new:
        try:
            with transaction.atomic():
                create_members(new, lambda done: progress("write", done, total), report.cache.get("names"))
        except (IntegrityError, DataError):
            report.errors.append(
                RowError(
                    new[0].row,
                    "",
                    _("the database refused the new members (a value too long, or a key taken)"),
                )
            )
            return
    # The branches of the changed members are recounted once, after the last row.
    with counters.deferred():
        for done, plan in enumerate(changed, start=len(new)):
            if done % 100 == 0:
                progress("write", done, total)
            _update_row(user, plan, report.errors)
    progress("write", total, total)


def create_members(
    plans: list[MemberPlan], progress: Any = None, names: NameKeyCache | None = None
) -> list[Member]:
    """What `services.create_member` writes for each plan, and its posting and dossier status,
    for a whole file at once: the member, names, a regular placement from joining, the joining
    event, the dossier, a create event in the audit trail for each of them, the status by the
    rules (logged), the matcher's keys and the branch sizes.

    Written by `import_write` (ids reserved, COPY / executemany) rather than the ORM's bulk
    create, whose cost is most of a 100,000-row import; the rows and audit events are the same.
    Two things differ from creating the members one by one, both for the better: the status is
    set before the member is written (what `statuses.refresh` stores right after the joining
    event, by the same rules through `statuses.status_on`, logged alike), and the latest posting
    is in the member's create event rather than in an update after it."""
    created: list[Member] = []
    rules = statuses.rules_in_force()
    day = services.today()
    actor = audit.current_actor()
    actor = actor if getattr(actor, "pk", None) else None
    touched: set[str] = set()
    names = names or NameKeyCache()
    for chunk in chunks(plans, WRITE_CHUNK):
        member_ids = iter(import_write.reserve_ids(Member, len(chunk)))
        posted = [plan for plan in chunk if plan.posting is not None]
        posting_ids = iter(import_write.reserve_ids(Posting, len(posted)))
        members, logs, postings = [], [], []
        for plan in chunk:
            assert plan.branch is not None
            values = plan.values
            member = Member(
                pk=next(member_ids),
                owner_id=plan.branch.pk,
                classification=Classification.RESTRICTED,
                register_number=plan.key,
                gender=values.get("gender", ""),
                birth_date=values.get("birth_date"),
                joined_on=values["joined_on"],
                languages=values.get("languages", ""),
                notes=values.get("notes", ""),
                branch_id=plan.branch.pk,  # what `placements.sync` derives from the placement
            )
            services.set_names(member, plan.names)
            status, since = statuses.status_on(
                [statuses.Event(EventKind.JOINED, member.joined_on)], rules, day
            )
            if status and (status, since) != (member.status, member.status_since):
                if status != member.status:
                    logs.append(
                        StatusChange(
                            member_id=member.pk,
                            old_status=member.status,
                            new_status=status,
                            effective_on=since,
                            cause=StatusCause.EVENT,
                            actor=actor,
                        )
                    )
                member.status, member.status_since = status, since
            if plan.posting is not None:
                posting = Posting(pk=next(posting_ids), member=member, **vars(plan.posting))
                member.posting = posting
                postings.append(posting)
            members.append(member)
            plan.done = member
        spellings = [
            MemberName(member=m, value=n.value, language=n.language)
            for p, m in zip(chunk, members, strict=True)
            for n in p.names
        ]
        lines = [
            Placement(member=m, kind=PlacementKind.REGULAR, branch_id=m.branch_id, start=m.joined_on)
            for m in members
        ]
        events = [MemberEvent(member=m, kind=EventKind.JOINED, on=m.joined_on) for m in members]
        files = []
        for plan, member in zip(chunk, members, strict=True):
            status, on = plan.dossier or (DossierStatus.NOT_STARTED, None)
            files.append(Dossier(member=member, status=status, digitised_on=on))
        for model, objs in (
            (MemberName, spellings),
            (Placement, lines),
            (MemberEvent, events),
            (Dossier, files),
        ):
            for obj, pk in zip(objs, import_write.reserve_ids(model, len(objs)), strict=True):
                obj.pk = pk
        written: list[tuple[type[Any], list[Any]]] = [
            (Member, members),
            (Posting, postings),
            (MemberName, spellings),
            (Placement, lines),
            (MemberEvent, events),
            (Dossier, files),
        ]
        for model, objs in written:
            import_write.insert(model, objs)
        import_write.audit_creates(obj for _model, objs in written for obj in objs)
        import_write.insert(StatusChange, logs, with_pk=False)
        touched |= _index_names(chunk, names)
        created.extend(members)
        if progress is not None:
            progress(len(created))
    name_index._forget_frequencies(NAME_KIND, touched)
    counters.refresh({m.branch_id for m in created})
    placements.mark_postings(m.pk for m in created if m.posting_id is not None)
    return created


def _index_names(plans: list[MemberPlan], names: NameKeyCache) -> set[str]:
    """The matcher's keys of new members' names: the rows `name_index.index_many` stores (one per
    distinct name and retrieval key), written in one go. Returns the keys touched."""
    rows: list[list[Any]] = []
    touched: set[str] = set()
    for plan in plans:
        member_id = plan.done.pk
        for value in dict.fromkeys(n.value.strip() for n in plan.names if n.value.strip()):
            stored = value[:300]
            for key in names.of(value)[1]:
                rows.append([NAME_KIND, member_id, stored, key[:64]])
                touched.add(key)
    import_write.insert_values(NameKey, ["kind", "entity_id", "value", "key"], rows)
    return touched


def _update_row(user: Any, plan: MemberPlan, errors: list[RowError]) -> None:
    try:
        with transaction.atomic():
            plan.done = _update_member(user, plan)
    except ValidationError as error:
        errors_from(plan.row, error, {**_COLUMNS, "names": "name_vi"}, errors)
    except PermissionDenied:
        errors.append(RowError(plan.row, "register_number", _("you may not make this change")))
    except StaleRecordError:
        errors.append(
            RowError(
                plan.row, "register_number", _("the record changed while the file was imported; try again")
            )
        )
    except (IntegrityError, DataError):
        errors.append(
            RowError(plan.row, "", _("the database refused the row (a value too long, or a key taken)"))
        )


def _update_member(user: Any, plan: MemberPlan) -> Member:
    assert plan.stored is not None
    member: Member = Member.objects.select_related("owner").get(pk=plan.stored.pk)
    if plan.updates:
        member = services.update_member(by=user, member=member, version=member.version, changes=plan.updates)
    if plan.posting_change == "add":
        assert plan.posting is not None
        services.add_posting(by=user, member=member, data=plan.posting)
    elif plan.posting_change is not None:
        assert plan.posting is not None
        posting = Posting.objects.get(pk=plan.posting_change, member=member)
        services.update_posting(by=user, posting=posting, version=posting.version, data=plan.posting)
    if plan.dossier_change is not None:
        # The register says the paper dossier's state; the scans may live elsewhere.
        require(access.can_change(user, member))
        dossiers.set_state(dossiers.dossier_of(member), *plan.dossier_change)
    return member

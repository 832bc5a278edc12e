"""Importing members and branches: checked row by row, previewed, written whole or not at all."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.utils import timezone, translation

from liaison.core import name_index
from liaison.core.access import Role
from liaison.core.models import AuditEvent
from liaison.directory.models import Organisation
from liaison.membership import importing
from liaison.membership.import_columns import read_table
from liaison.membership.models import (
    Branch,
    DigitisedMonth,
    Dossier,
    DossierStatus,
    EventKind,
    Member,
    MemberStatus,
    PlacementKind,
    StatusChange,
)
from liaison.membership.services import NAME_KIND
from liaison.membership.testing import make_member, make_officer

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def csv_bytes(rows):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(dict.fromkeys(k for row in rows for k in row)))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def xlsx_bytes(rows):
    columns = list(dict.fromkeys(k for row in rows for k in row))
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(columns)
    for row in rows:
        sheet.append([row.get(c, "") for c in columns])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def table(rows, kind="member", fmt="csv"):
    content = xlsx_bytes(rows) if fmt == "xlsx" else csv_bytes(rows)
    return read_table(content, filename=f"file.{fmt}", kind=kind)


def run(user, rows, *, commit=False, kind="member", fmt="csv"):
    return importing.run_import(user=user, kind=kind, table=table(rows, kind, fmt), commit=commit)


def member_row(number, name, branch, **extra):
    return {
        "register_number": number,
        "branch_key": f"id:{branch.pk}",
        "name_vi": name,
        "gender": "m",
        "birth_date": "1980-03-04",
        "joined_on": "2010-05-06",
        **extra,
    }


def messages(report):
    return [str(e) for e in report.errors]


def test_the_preview_counts_what_each_row_would_do_and_writes_nothing(register):
    # given a member already recorded, and a file with them unchanged, one changed and two new
    recorded = make_member(
        "Lê Thị Hoa",
        branch=register.hanoi,
        register_number="HN-1",
        joined_on=dt.date(2010, 5, 6),
        gender="f",
        birth_date=dt.date(1980, 3, 4),
    )
    changed = make_member("Phạm Văn Bình", branch=register.hanoi, register_number="HN-2")
    rows = [
        member_row("HN-1", "Lê Thị Hoa", register.hanoi, gender="f"),
        member_row("HN-2", "Phạm Văn Bình", register.hanoi, joined_on=changed.joined_on.isoformat()),
        member_row("HN-3", "Trần Văn Cường", register.hanoi),
        member_row("", "Đỗ Thị Dung", register.hue, gender="f", birth_date="1991-01-02"),
    ]
    members = Member.objects.count()
    # when the file is checked
    report = run(register.root, rows)
    # then the counts say so, row by row, and nothing is written
    assert report.ok, messages(report)
    assert report.counts == {"create": 2, "update": 1, "unchanged": 1}
    assert [(p.row, p.action) for p in report.plans] == [
        (2, "unchanged"),
        (3, "update"),
        (4, "create"),
        (5, "create"),
    ]
    assert report.plans[1].changes == ["gender", "birth_date"]
    assert Member.objects.count() == members
    assert recorded.register_number == "HN-1"


def test_new_members_are_written_as_the_service_writes_them(register):
    # given a file of two new members, one posted abroad with a digitised dossier
    rows = [
        member_row("HN-10", "Nguyễn Thị Lan", register.hanoi, name_en="Nguyen Thi Lan", gender="f"),
        member_row(
            "P-11",
            "Vũ Đức Minh",
            register.paris,
            joined_on=(TODAY - dt.timedelta(days=30)).isoformat(),
            posting_country="FR",
            posting_mission_key=f"id:{register.mission.pk}",
            posting_start=TODAY.isoformat(),
            dossier_status="digitised",
            digitised_on=TODAY.isoformat(),
        ),
    ]
    # when it is imported
    report = run(register.root, rows, commit=True)
    # then each member has what `services.create_member` gives a member, and the rest
    assert report.committed, messages(report)
    lan = Member.objects.get(register_number="HN-10")
    assert (lan.owner_id, lan.branch, lan.classification) == (register.hanoi.pk, register.hanoi, 2)
    assert (lan.name, lan.sort_name) == ("Nguyễn Thị Lan", "nguyen thi lan")
    assert set(lan.names.values_list("language", "value")) == {
        ("vi", "Nguyễn Thị Lan"),
        ("en", "Nguyen Thi Lan"),
    }
    assert list(lan.placements.values_list("kind", "branch", "start", "end")) == [
        (PlacementKind.REGULAR, register.hanoi.pk, dt.date(2010, 5, 6), None)
    ]
    assert list(lan.events.values_list("kind", "on")) == [(EventKind.JOINED, dt.date(2010, 5, 6))]
    assert lan.status == MemberStatus.ACTIVE and lan.status_since == dt.date(2011, 5, 6)
    twin = make_member("Nguyễn Thị Lan B", branch=register.hanoi, joined_on=dt.date(2010, 5, 6))
    assert (twin.status, twin.status_since) == (lan.status, lan.status_since)
    logged = ("old_status", "new_status", "effective_on", "cause")
    assert list(lan.status_changes.values_list(*logged)) == list(twin.status_changes.values_list(*logged))
    assert lan.dossier.status == DossierStatus.NOT_STARTED
    assert lan.pk in {m.key for m in name_index.lookup(kind=NAME_KIND, query="Nguyen Thi Lan")}
    minh = Member.objects.get(register_number="P-11")
    assert minh.status == MemberStatus.PROBATIONARY
    assert StatusChange.objects.filter(
        member=minh, new_status=MemberStatus.PROBATIONARY, cause="event"
    ).exists()
    assert (minh.posting.country.code, minh.posting.mission, minh.posting.start) == (
        "FR",
        register.mission,
        TODAY,
    )
    assert (minh.dossier.status, minh.dossier.digitised_on) == (DossierStatus.DIGITISED, TODAY)
    register.hanoi.refresh_from_db()
    register.paris.refresh_from_db()
    assert (register.hanoi.member_count, register.paris.member_count) == (2, 1)  # Lan and her twin
    # and every record's creation is in the audit trail, through the import, by the importer
    created = AuditEvent.objects.filter(
        subject_id=str(lan.pk), action="create", via="import", actor=register.root
    )
    assert {e.content_type.model for e in created} == {
        "member",
        "membername",
        "placement",
        "memberevent",
        "dossier",
    }


def test_a_file_with_one_bad_row_imports_nothing_and_names_the_row_and_column(register):
    # given a file whose third data row joins in the future
    rows = [
        member_row("HN-1", "Lê Văn An", register.hanoi),
        member_row("HN-2", "Lê Văn Bình", register.hanoi),
        member_row(
            "HN-3", "Lê Văn Cường", register.hanoi, joined_on=(TODAY + dt.timedelta(days=3)).isoformat()
        ),
    ]
    # when it is imported with commit
    report = run(register.root, rows, commit=True)
    # then the error names row 4 and its column, and not even the good rows are written
    assert messages(report) == [
        "Row 4, column joined_on: This date is in the future; record it when it has happened."
    ]
    assert not report.committed
    assert not Member.objects.filter(register_number__in=["HN-1", "HN-2", "HN-3"]).exists()


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"branch_key": "nowhere"}, "Row 2, column branch_key: unknown branch key “nowhere”"),
        ({"birth_date": "04/03/1980"}, "Row 2, column birth_date: not a date (use YYYY-MM-DD): “04/03/1980”"),
        ({"gender": "q"}, "Row 2, column gender: Give f, m or x."),
        ({"joined_on": ""}, "Row 2, column joined_on: give the date the member joined"),
        ({"birth_date": "2999-01-01"}, "Row 2, column birth_date: Give a date of birth in the past."),
        ({"joined_on": "1899-12-31"}, "Row 2, column joined_on: This date is too far in the past."),
        (
            {"dossier_status": "digitised", "digitised_on": "2999-01-01"},
            "Row 2, column digitised_on: This date is in the future; record it when it has happened.",
        ),
        (
            {"dossier_status": "in_progress", "digitised_on": "2020-01-01"},
            "Row 2, column digitised_on: only a digitised dossier has a digitisation date",
        ),
        ({"name_vi": ""}, "Row 2, column name_vi: give a name in at least one script"),
        (
            {"posting_country": "FR", "posting_start": "2009-01-01"},
            "Row 2, column posting_start: A posting cannot start before the member joined.",
        ),
        (
            {"posting_country": "VN", "posting_start": "2012-01-01"},
            "Row 2, column posting_country: "
            "A posting is abroad: choose another country than the home country.",
        ),
        (
            {"dossier_status": "digitised"},
            "Row 2, column digitised_on: give the day the dossier was digitised",
        ),
        (
            {"dossier_status": "scanned"},
            "Row 2, column dossier_status: “scanned” is not one of not_started, in_progress, digitised",
        ),
    ],
)
def test_row_errors_name_the_column(register, extra, expected):
    report = run(register.root, [member_row("HN-1", "Lê Văn An", register.hanoi, **extra)])
    assert messages(report) == [expected]


def test_a_register_number_twice_in_the_file_is_an_error_on_the_second_row(register):
    rows = [
        member_row("HN-1", "Lê Văn An", register.hanoi),
        member_row("HN-1", "Lê Văn Bình", register.hanoi),
    ]
    report = run(register.root, rows)
    assert messages(report) == [
        "Row 3, column register_number: the register number “HN-1” is already on row 2"
    ]


def test_importing_the_same_file_again_changes_nothing(register):
    # given a file imported once, with a keyless row, a posting and a digitised dossier
    rows = [
        member_row("HN-1", "Lê Văn An", register.hanoi, name_en="Le Van An", languages="fr"),
        member_row("", "Lê Thị Bích", register.hanoi, gender="f"),
        member_row(
            "P-1",
            "Hồ Văn Châu",
            register.paris,
            posting_country="FR",
            posting_start="2020-01-01",
            posting_end="2024-01-01",
            dossier_status="digitised",
            digitised_on="2021-02-03",
        ),
    ]
    assert run(register.root, rows, commit=True).committed
    events, members = AuditEvent.objects.count(), Member.objects.count()
    # when it is checked and imported again
    report = run(register.root, rows, commit=True)
    # then every row is unchanged, and no record and no audit event is added
    assert report.committed and report.counts == {"create": 0, "update": 0, "unchanged": 3}
    assert (AuditEvent.objects.count(), Member.objects.count()) == (events, members)


def test_a_changed_row_updates_the_member_through_the_services(register):
    # given a recorded member
    member = make_member(
        "Lê Văn An", branch=register.hanoi, register_number="HN-1", joined_on=dt.date(2010, 5, 6)
    )
    # when the register says more about them: another spelling, languages, a posting, a digitised dossier
    rows = [
        member_row(
            "HN-1",
            "Lê Văn An",
            register.hanoi,
            name_en="Le Van An",
            languages="en, fr",
            posting_country="FR",
            posting_start="2020-01-01",
            dossier_status="digitised",
            digitised_on="2021-02-03",
        )
    ]
    report = run(register.root, rows, commit=True)
    # then the member has all of it, each change audited
    assert report.committed, messages(report)
    (plan,) = report.plans
    assert plan.changes == ["gender", "birth_date", "languages", "names", "posting", "dossier"]
    member.refresh_from_db()
    assert member.languages == "en, fr" and member.names.count() == 2
    assert member.posting.country.code == "FR"
    assert Dossier.objects.get(member=member).status == DossierStatus.DIGITISED
    assert AuditEvent.objects.filter(subject_id=str(member.pk), via="import", action="update").exists()
    # and the branch's counters, recounted once after the last row, follow the digitised dossier
    branch = Branch.objects.get(pk=register.hanoi.pk)
    assert (branch.present_count, branch.digitised_count) == (1, 1)
    assert DigitisedMonth.objects.get(branch=branch).month == dt.date(2021, 2, 1)
    # and a later file that ends the posting changes that posting, not a new one
    rows[0]["posting_end"] = "2022-12-31"
    report = run(register.root, rows, commit=True)
    assert report.committed and report.plans[0].changes == ["posting"]
    assert member.postings.get().end == dt.date(2022, 12, 31)


def test_moving_a_member_to_another_branch_is_not_an_import(register):
    make_member("Lê Văn An", branch=register.hanoi, register_number="HN-1")
    report = run(register.root, [member_row("HN-1", "Lê Văn An", register.hue)])
    assert messages(report) == [
        "Row 2, column branch_key: this member is kept by another branch; a move between branches is a "
        "transfer (released by one, received by the other), not an import"
    ]


def test_a_name_spelled_differently_with_the_same_birth_date_is_a_probable_duplicate(register):
    # given a recorded member
    make_member(
        "Nguyễn Văn An", branch=register.hanoi, register_number="HN-7", birth_date=dt.date(1980, 3, 4)
    )
    # when a file spells them without diacritics, with a new register number and without one
    rows = [
        member_row("HN-99", "Nguyen Van An", register.hanoi),
        member_row("", "Nguyen Van An", register.hue),
        member_row("HN-100", "Nguyen Van An", register.hanoi, birth_date="1990-01-01"),
    ]
    report = run(register.root, rows, commit=True)
    # then both rows with the same birth date are reported, naming the recorded member
    duplicate = (
        "column name_vi: probably the same person as member HN-7 “Nguyễn Văn An” (a name spelled alike, "
        "same date of birth): give the register number HN-7 to update them, or if this is someone else "
        "write HN-7 in not_duplicate_of"
    )
    assert messages(report) == [f"Row 2, {duplicate}", f"Row 3, {duplicate}"]
    assert [e.row for e in report.duplicates] == [2, 3]
    assert not Member.objects.filter(register_number__in=["HN-99", "HN-100"]).exists()
    # when the row says it is someone else, it is imported
    rows = [member_row("HN-99", "Nguyen Van An", register.hanoi, not_duplicate_of="HN-7")]
    assert run(register.root, rows, commit=True).committed


def test_a_keyless_row_with_the_exact_spelling_is_that_member(register):
    member = make_member("Nguyễn Văn An", branch=register.hanoi, birth_date=dt.date(1980, 3, 4))
    report = run(register.root, [member_row("", "Nguyễn Văn An", register.hanoi, languages="ru")])
    assert report.ok
    (plan,) = report.plans
    assert (plan.action, plan.stored.pk, plan.changes) == (
        "update",
        member.pk,
        ["gender", "joined_on", "languages"],
    )


def test_two_rows_of_the_file_for_one_person_are_reported(register):
    rows = [
        member_row("HN-1", "Trần Thị Mai", register.hanoi, gender="f"),
        member_row("HN-2", "Tran Thi Mai", register.hanoi, gender="f"),
        member_row("", "Trần Thị Mai", register.hue, gender="f", birth_date=""),
    ]
    report = run(register.root, rows)
    assert messages(report) == [
        "Row 3, column name_vi: probably the same person as row 2 (the same name, same date of birth); give "
        "each a register number, and if they are two people write the other's in not_duplicate_of"
    ]


def test_csv_and_xlsx_read_alike(register):
    rows = [member_row("HN-1", "Lê Văn An", register.hanoi, name_ar="لي فان آن")]
    from_csv = run(register.root, rows)
    from_xlsx = run(register.root, rows, fmt="xlsx")
    assert from_csv.ok and from_xlsx.ok
    assert [(p.key, p.names, p.values) for p in from_csv.plans] == [
        (p.key, p.names, p.values) for p in from_xlsx.plans
    ]
    assert run(register.root, rows, fmt="xlsx", commit=True).committed
    assert Member.objects.get(register_number="HN-1").names.count() == 2


def test_an_officer_cannot_import_into_another_branch(register):
    # given an officer of the Hanoi branch
    officer = make_officer(register.hanoi)
    rows = [member_row("HN-1", "Lê Văn An", register.hanoi), member_row("HUE-1", "Lê Văn Bình", register.hue)]
    # when they import a file with a row for Hue
    report = run(officer, rows, commit=True)
    # then that row is refused and nothing is written
    assert messages(report) == ["Row 3, column branch_key: you may not add members to this branch"]
    assert not Member.objects.filter(register_number="HN-1").exists()
    # and a member of Hue they cannot see is not theirs to change either
    make_member("Lê Văn Bình", branch=register.hue, register_number="HUE-1")
    report = run(officer, [member_row("HUE-1", "Lê Văn Bình", register.hanoi)])
    assert messages(report) == [
        "Row 2, column register_number: another member has this register number (one you cannot see)"
    ]


def test_a_viewer_may_not_import(register):
    viewer = make_officer(register.hanoi, role=Role.VIEWER)
    assert not importing.may_import(viewer)
    assert importing.may_import(make_officer(register.hanoi))


# --- Branches ---------------------------------------------------------------------------------


def branch_row(key, name, parent_key="", **extra):
    return {"key": key, "parent_key": parent_key, "level": "branch", "name_vi": name, **extra}


def test_branches_are_created_below_their_parents_and_reimported_unchanged(register):
    # given a file: a committee below the home committee, a cell below it, and a branch abroad in the mission
    rows = [
        branch_row(
            "c-north", "Đảng ủy khối phía Bắc", f"id:{register.home.pk}", level="committee", country="VN"
        ),
        branch_row("c-north-1", "Chi bộ 1", "c-north", level="cell", minimum_size="5"),
        branch_row(
            "p-2",
            "Chi bộ Đại sứ quán 2",
            f"id:{register.abroad.pk}",
            country="FR",
            mission_key=f"id:{register.mission.pk}",
        ),
    ]
    # when it is imported
    report = run(register.root, rows, kind="branch", commit=True)
    # then each is a party branch organisation with its membership side
    assert report.committed, messages(report)
    north = Branch.objects.select_related("organisation").get(organisation__external_key="c-north")
    cell = Branch.objects.get(organisation__external_key="c-north-1")
    paris2 = Branch.objects.get(organisation__external_key="p-2")
    assert north.organisation.parent == register.home.organisation and north.level == "committee"
    assert north.organisation.kind == "party_branch" and north.organisation.pillar == "party"
    assert cell.organisation.parent == north.organisation and cell.minimum_size == 5
    assert paris2.abroad and paris2.mission == register.mission
    # when it is imported again
    events = AuditEvent.objects.count()
    report = run(register.root, rows, kind="branch", commit=True)
    # then nothing changes
    assert report.counts == {"create": 0, "update": 0, "unchanged": 3}
    assert AuditEvent.objects.count() == events


def test_a_branch_row_updates_an_existing_branch_and_makes_an_organisation_keep_members(register):
    # given an organisation that keeps no members yet
    from liaison.core.testing import make_org

    chapter = make_org(
        "Friendship chapter",
        parent=register.home.organisation,
        pillar="people",
        kind="friendship_association",
    )
    rows = [
        {"key": f"id:{register.hanoi.pk}", "minimum_size": "7"},
        {"key": f"id:{chapter.pk}", "level": "branch"},
    ]
    report = run(register.root, rows, kind="branch", commit=True)
    assert report.committed, messages(report)
    assert [p.changes for p in report.plans] == [["minimum_size"], ["branch"]]
    register.hanoi.refresh_from_db()
    assert register.hanoi.minimum_size == 7
    assert Branch.objects.filter(pk=chapter.pk, level="branch").exists()
    assert Organisation.objects.get(pk=chapter.pk).kind == "friendship_association"


def test_branch_rows_are_checked_by_the_service_and_the_policy(register):
    officer = make_officer(register.hanoi)
    rows = [
        branch_row("x-1", "Chi bộ X", f"id:{register.hue.pk}"),
        branch_row("x-2", "Chi bộ Y", f"id:{register.hanoi.pk}", mission_key=f"id:{register.mission.pk}"),
        branch_row("x-3", "Chi bộ Z", f"id:{register.hanoi.pk}", level="platoon"),
    ]
    report = run(officer, rows, kind="branch")
    assert messages(report) == [
        "Row 2, column parent_key: you may not add organisations there",
        "Row 3, column mission_key: "
        "Only a branch abroad sits in a mission; give the organisation its country first.",
        "Row 4, column level: “platoon” is not one of committee, branch, cell",
    ]


def test_the_fast_write_leaves_the_audit_events_and_name_keys_the_orm_would(register):
    # given a new member imported with a posting
    from liaison.core import audit
    from liaison.core.models import NameKey
    from liaison.membership.models import MemberEvent, MemberName, Placement, Posting

    rows = [
        member_row(
            "P-1",
            "Hồ Văn Châu",
            register.paris,
            name_en="Ho Van Chau",
            posting_country="FR",
            posting_start="2020-01-01",
        )
    ]
    assert run(register.root, rows, commit=True).committed
    member = Member.objects.get(register_number="P-1")
    # then each of its records has the create event `AuditedQuerySet.bulk_create` would record
    records = [
        member,
        *MemberName.objects.filter(member=member),
        *Placement.objects.filter(member=member),
        *MemberEvent.objects.filter(member=member),
        Dossier.objects.get(member=member),
        Posting.objects.get(member=member),
    ]
    shown = (
        "actor_id",
        "via",
        "action",
        "content_type_id",
        "object_id",
        "object_repr",
        "subject_type_id",
        "subject_id",
        "changes",
    )
    for record in records:
        stored = AuditEvent.objects.get(
            content_type__model=type(record)._meta.model_name, object_id=str(record.pk)
        )
        with audit.acting_as(register.root, via="import"):
            expected = audit._event(record, "create", audit.diff(None, audit.snapshot(record)))
        assert [getattr(stored, f) for f in shown] == [getattr(expected, f) for f in shown]
    # and the name keys `name_index.index_many` would store
    stored_keys = set(NameKey.objects.filter(kind=NAME_KIND, entity_id=member.pk).values_list("value", "key"))
    expected_keys = {
        (k.value, k.key) for k in name_index._rows(NAME_KIND, member.pk, ["Hồ Văn Châu", "Ho Van Chau"])
    }
    assert stored_keys == expected_keys
    assert member.posting == Posting.objects.get(member=member)


def test_a_refusal_by_the_database_during_the_write_rolls_back_every_row(register, monkeypatch):
    # given a file of two new members, and ids that collide with a recorded member's as they are written
    from liaison.membership import import_write

    taken = make_member("Lê Văn Cũ", branch=register.hanoi)
    real = import_write.reserve_ids

    def colliding(model, count):
        return [taken.pk] * count if model is Member else real(model, count)

    monkeypatch.setattr(import_write, "reserve_ids", colliding)
    rows = [
        member_row("HN-1", "Lê Văn An", register.hanoi),
        member_row("HN-2", "Lê Văn Bình", register.hanoi),
    ]
    # when it is imported
    report = run(register.root, rows, commit=True)
    # then the refusal is reported and nothing is written
    assert not report.committed
    assert messages(report) == [
        "Row 2: the database refused the new members (a value too long, or a key taken)"
    ]
    assert not Member.objects.filter(register_number__in=["HN-1", "HN-2"]).exists()


def test_a_service_refusing_a_change_at_import_time_rolls_back_the_file(register):
    # given a recorded member suspended a year after joining, and a new member in the same file
    from liaison.membership import services

    member = make_member(
        "Lê Văn An", branch=register.hanoi, register_number="HN-1", joined_on=dt.date(2010, 5, 6)
    )
    services.record_event(by=register.root, member=member, kind=EventKind.SUSPENDED, on=dt.date(2011, 5, 6))
    rows = [
        member_row("HN-1", "Lê Văn An", register.hanoi, joined_on="2012-01-01"),
        member_row("HN-2", "Lê Văn Bình", register.hanoi),
    ]
    # when the file moves the joining date after the suspension
    report = run(register.root, rows, commit=True)
    # then the service's refusal names the row and column, and the new member is not written either
    assert not report.committed
    assert messages(report) == [
        "Row 2, column joined_on: The joining date cannot be after the member's first change of status "
        "(Suspended on 2011-05-06)."
    ]
    assert not Member.objects.filter(register_number="HN-2").exists()
    member.refresh_from_db()
    assert member.joined_on == dt.date(2010, 5, 6)


def test_without_a_date_of_birth_on_both_sides_the_same_branch_decides(register):
    # given a recorded member with no date of birth
    make_member("Phạm Thị Hương", branch=register.hanoi, register_number="HN-5")
    # when rows spell her without diacritics, one in her branch and one in another
    rows = [
        member_row("HN-50", "Pham Thi Huong", register.hanoi, gender="f"),
        member_row("HUE-50", "Pham Thi Huong", register.hue, gender="f", birth_date=""),
    ]
    report = run(register.root, rows)
    # then only the row in her branch is a probable duplicate
    assert [str(e) for e in report.duplicates] == [
        "Row 2, column name_vi: probably the same person as member HN-5 “Phạm Thị Hương” (a name spelled "
        "alike, same branch, no date of birth): give the register number HN-5 to update them, or if this "
        "is someone else write HN-5 in not_duplicate_of"
    ]

"""`liaison export` and `liaison import`: the same code path as the pages."""

import csv
import io

import pytest
from django.utils import translation

from liaison import cli
from liaison.core.access import Role
from liaison.core.models import Classification, SecurityEvent, SecurityEventKind
from liaison.core.testing import make_org, make_user
from liaison.directory.models import Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # A request in another language leaves it active in the thread; messages here are compared in English.
    with translation.override("en"):
        yield


@pytest.fixture
def mofa():
    return make_org("Ministry of Foreign Affairs")


def write_csv(path, rows):
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return str(path)


def test_import_without_commit_prints_the_errors_and_exits_1(tmp_path, mofa, capsys):
    # given an editor and a file with a good row and a row with an unknown pillar
    editor = make_user(org=mofa, role=Role.EDITOR)
    path = write_csv(
        tmp_path / "orgs.csv",
        [
            {
                "key": "a",
                "parent_key": f"id:{mofa.pk}",
                "pillar": "state",
                "kind": "department",
                "name_en": "A",
            },
            {
                "key": "b",
                "parent_key": f"id:{mofa.pk}",
                "pillar": "army",
                "kind": "department",
                "name_en": "B",
            },
        ],
    )
    # when it is checked from the command line
    code = cli.main(["import", "organisations", path, "--as", editor.username])
    # then the error is printed with its row and column, the exit code is 1 and nothing is written
    assert code == 1
    err = capsys.readouterr().err
    assert "Row 3, column pillar: “army” is not one of party, state, people, foreign" in err
    assert "nothing was imported" in err
    assert not Organisation.objects.filter(external_key="a").exists()


def test_import_with_commit_writes_a_valid_file(tmp_path, mofa, capsys):
    # given an editor and a valid file
    editor = make_user(org=mofa, role=Role.EDITOR)
    row = {"key": "a", "parent_key": f"id:{mofa.pk}", "pillar": "state", "kind": "department", "name_en": "A"}
    path = write_csv(tmp_path / "orgs.csv", [row])
    # when a dry run, then a commit, then a second commit run
    assert cli.main(["import", "organisations", path, "--as", editor.username]) == 0
    assert not Organisation.objects.filter(external_key="a").exists()
    assert cli.main(["import", "organisations", path, "--as", editor.username, "--commit"]) == 0
    assert cli.main(["import", "organisations", path, "--as", editor.username, "--commit"]) == 0
    # then the organisation exists once, and the last run found it unchanged
    assert Organisation.objects.filter(external_key="a").count() == 1
    assert "Imported: 0 to create, 0 to update, 1 unchanged." in capsys.readouterr().out


def test_import_of_an_unreadable_file_exits_2(tmp_path, mofa, capsys):
    # given a file that is not UTF-8
    editor = make_user(org=mofa, role=Role.EDITOR)
    path = tmp_path / "orgs.csv"
    path.write_bytes(b"key,pillar,kind,name_en\n\xff\xfe,state,ministry,X\n")
    # when it is imported
    code = cli.main(["import", "organisations", str(path), "--as", editor.username])
    # then the reason is printed
    assert code == 2
    assert "not UTF-8" in capsys.readouterr().err


def test_export_as_a_user_writes_what_they_may_see_and_logs_it(tmp_path, mofa):
    # given a restricted organisation in another tree and a viewer of the ministry
    other = make_org("Commission for External Relations", pillar="party", kind="commission")
    make_org("Secret unit", parent=other, classification=Classification.RESTRICTED)
    viewer = make_user(org=mofa)
    out = tmp_path / "orgs.csv"
    # when they export from the command line
    code = cli.main(["export", "organisations", "--format", "csv", "-o", str(out), "--as", viewer.username])
    # then the file has the visible organisations only, and the export is logged
    assert code == 0
    names = {r["name_en"] for r in csv.DictReader(io.StringIO(out.read_text("utf-8-sig")))}
    assert names == {"Ministry of Foreign Affairs", "Commission for External Relations"}
    event = SecurityEvent.objects.get(kind=SecurityEventKind.EXPORT)
    assert (event.user, event.detail["rows"], event.detail["via"]) == (viewer, 2, "cli")


def test_export_without_a_user_writes_every_record_as_xlsx(tmp_path, mofa):
    # given a restricted organisation
    make_org("Secret unit", parent=mofa, classification=Classification.RESTRICTED)
    out = tmp_path / "orgs.xlsx"
    # when the operator exports without --as
    assert cli.main(["export", "organisations", "--format", "xlsx", "-o", str(out)]) == 0
    # then every record is in the workbook, and the log names the command line
    import openpyxl

    rows = list(openpyxl.load_workbook(out, read_only=True).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 3
    assert SecurityEvent.objects.get(kind=SecurityEventKind.EXPORT).username == "(cli)"

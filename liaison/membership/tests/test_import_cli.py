"""`liaison import-members`: the same checks and writes as the page, from the command line."""

import csv

import pytest
from django.utils import translation

from liaison import cli
from liaison.core.testing import make_user
from liaison.membership.models import Branch, Member
from liaison.membership.testing import make_officer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def write_csv(path, rows):
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(dict.fromkeys(k for row in rows for k in row)))
        writer.writeheader()
        writer.writerows(rows)
    return str(path)


def member_row(number, name, branch, **extra):
    return {
        "register_number": number,
        "branch_key": f"id:{branch.pk}",
        "name_vi": name,
        "birth_date": "1980-03-04",
        "joined_on": "2010-05-06",
        **extra,
    }


def test_a_dry_run_then_a_commit_then_a_second_commit_that_changes_nothing(tmp_path, register, capsys):
    officer = make_officer(register.hanoi)
    path = write_csv(
        tmp_path / "members.csv",
        [member_row("HN-1", "Lê Văn An", register.hanoi), member_row("HN-2", "Lê Thị Bình", register.hanoi)],
    )
    assert cli.main(["import-members", path, "--as", officer.username]) == 0
    out = capsys.readouterr()
    assert "Dry run: 2 rows: 2 to create, 0 to update, 0 unchanged" in out.out
    assert "checking" in out.err  # progress
    assert not Member.objects.filter(register_number="HN-1").exists()
    assert cli.main(["import-members", path, "--user", officer.username, "--commit"]) == 0
    assert "Imported 2 rows: 2 to create" in capsys.readouterr().out
    assert Member.objects.filter(register_number__in=["HN-1", "HN-2"]).count() == 2
    assert cli.main(["import-members", path, "--as", officer.username, "--commit"]) == 0
    assert "0 to create, 0 to update, 2 unchanged" in capsys.readouterr().out


def test_row_errors_are_printed_and_exit_1_with_nothing_written(tmp_path, register, capsys):
    officer = make_officer(register.hanoi)
    path = write_csv(
        tmp_path / "members.csv",
        [member_row("HN-1", "Lê Văn An", register.hanoi), member_row("HUE-1", "Lê Văn Bình", register.hue)],
    )
    assert cli.main(["import-members", path, "--as", officer.username, "--commit"]) == 1
    err = capsys.readouterr().err
    assert "Row 3, column branch_key: you may not add members to this branch" in err
    assert "1 errors; nothing was imported" in err
    assert not Member.objects.filter(register_number="HN-1").exists()


def test_branches_from_the_command_line(tmp_path, register, capsys):
    path = write_csv(
        tmp_path / "branches.csv",
        [{"key": "cell-9", "parent_key": f"id:{register.hanoi.pk}", "level": "cell", "name_vi": "Chi bộ 9"}],
    )
    code = cli.main(
        ["import-members", path, "--kind", "branch", "--as", register.root.username, "--commit", "-v"]
    )
    assert code == 0
    assert "create" in capsys.readouterr().out
    assert Branch.objects.filter(organisation__external_key="cell-9").exists()


def test_an_unreadable_file_or_a_user_without_rights_exits_2(tmp_path, register, capsys):
    officer = make_officer(register.hanoi)
    path = tmp_path / "members.csv"
    path.write_bytes(b"register_number,branch_key,name_vi\n\xff\xfe,x,y\n")
    assert cli.main(["import-members", str(path), "--as", officer.username]) == 2
    assert "not UTF-8" in capsys.readouterr().err
    assert cli.main(["import-members", str(path), "--as", make_user().username]) == 2
    assert "may not create members" in capsys.readouterr().err

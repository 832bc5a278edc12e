"""The import page: upload, preview, confirm; the blank templates; who may use it."""

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from liaison.core.access import Role
from liaison.core.models import AuditEvent
from liaison.core.testing import PASSWORD, make_user
from liaison.membership.models import Branch, Member
from liaison.membership.testing import make_officer

pytestmark = pytest.mark.django_db
URL = "membership:import"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def upload(rows, name="members.csv"):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(dict.fromkeys(k for row in rows for k in row)))
    writer.writeheader()
    writer.writerows(rows)
    return SimpleUploadedFile(name, ("\ufeff" + out.getvalue()).encode(), "text/csv")


def member_row(number, name, branch, **extra):
    return {
        "register_number": number,
        "branch_key": f"id:{branch.pk}",
        "name_vi": name,
        "birth_date": "1980-03-04",
        "joined_on": "2010-05-06",
        **extra,
    }


def sign_in(client, user):
    client.login(username=user.username, password=PASSWORD)
    return user


def preview(client, rows, kind="member"):
    return client.post(reverse(URL), {"kind": kind, "file": upload(rows)})


def test_the_page_lists_the_columns_of_both_files_and_links_the_templates(client, register):
    sign_in(client, make_officer(register.hanoi))
    response = client.get(reverse(URL))
    assert response.status_code == 200
    for column in ("register_number", "branch_key", "not_duplicate_of", "mission_key", "minimum_size"):
        assert f"<code>{column}</code>" in response.text
    assert reverse("membership:import-template") + "?kind=member&amp;format=xlsx" in response.text


def test_an_officer_previews_then_confirms_and_every_row_is_written(client, register, tmp_path):
    officer = sign_in(client, make_officer(register.hanoi))
    rows = [
        member_row("HN-1", "Lê Văn An", register.hanoi),
        member_row("HN-2", "Lê Thị Bình", register.hanoi),
    ]
    # when they upload the file
    response = preview(client, rows)
    # then the preview counts the rows and nothing is written yet
    assert response.status_code == 200
    assert response.context["report"].counts == {"create": 2, "update": 0, "unchanged": 0}
    assert "2 to create, 0 to update, 0 unchanged." in response.text
    assert "Confirm and import" in response.text
    assert not Member.objects.filter(register_number="HN-1").exists()
    # when they confirm
    response = client.post(reverse(URL), {"token": response.context["token"]})
    # then both members are written, audited as theirs, and the kept file is gone
    assert response.status_code == 302
    assert set(Member.objects.values_list("register_number", flat=True)) >= {"HN-1", "HN-2"}
    member = Member.objects.get(register_number="HN-1")
    assert AuditEvent.objects.filter(
        object_id=str(member.pk), action="create", via="import", actor=officer
    ).exists()
    assert list(tmp_path.glob("imports/*")) == []


def test_a_file_with_errors_is_not_offered_for_import_and_lists_them(client, register):
    sign_in(client, make_officer(register.hanoi))
    rows = [
        member_row("HN-1", "Lê Văn An", register.hanoi),
        member_row("HUE-1", "Lê Văn Bình", register.hue),
    ]
    response = preview(client, rows)
    assert response.status_code == 200
    assert response.context["token"] == ""
    assert "Row 3, column branch_key: you may not add members to this branch" in response.text
    assert "Confirm and import" not in response.text
    assert "Nothing was imported" in response.text


def test_a_probable_duplicate_is_shown_apart(client, register):
    import datetime as dt

    from liaison.membership.testing import make_member

    sign_in(client, make_officer(register.hanoi))
    make_member(
        "Nguyễn Văn An", branch=register.hanoi, register_number="HN-7", birth_date=dt.date(1980, 3, 4)
    )
    response = preview(client, [member_row("", "Nguyen Van An", register.hanoi)])
    assert "Probable duplicates" in response.text
    assert "probably the same person as member HN-7" in response.text


def test_branches_are_imported_from_the_same_page(client, register):
    sign_in(client, register.root)
    rows = [{"key": "b-new", "parent_key": f"id:{register.home.pk}", "level": "cell", "name_en": "Cell 9"}]
    response = preview(client, rows, kind="branch")
    assert response.context["report"].counts["create"] == 1
    response = client.post(reverse(URL), {"token": response.context["token"]})
    assert response.status_code == 302
    assert Branch.objects.filter(organisation__external_key="b-new", level="cell").exists()


def test_a_stale_token_is_refused(client, register):
    sign_in(client, make_officer(register.hanoi))
    response = client.post(reverse(URL), {"token": "x" * 32})
    assert response.status_code == 400
    assert "no longer available" in response.text


def test_the_blank_templates_carry_the_header_and_the_help(client, register):
    sign_in(client, make_officer(register.hanoi))
    response = client.get(reverse("membership:import-template"), {"kind": "member", "format": "csv"})
    assert response.status_code == 200
    assert (
        response.content.decode("utf-8-sig").splitlines()[0].startswith("register_number,branch_key,name_vi")
    )
    response = client.get(reverse("membership:import-template"), {"kind": "branch", "format": "xlsx"})
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    header = [c.value for c in workbook.worksheets[0][1]]
    assert header[:3] == ["key", "parent_key", "level"]
    help_rows = list(workbook.worksheets[1].iter_rows(values_only=True))
    assert help_rows[1][:2] == ("key", "required")


@pytest.mark.parametrize("role", [None, Role.VIEWER])
def test_users_who_may_not_create_members_get_403(client, register, role):
    user = make_officer(register.hanoi, role=role) if role else make_user()
    sign_in(client, user)
    assert client.get(reverse(URL)).status_code == 403
    assert (
        client.post(
            reverse(URL), {"kind": "member", "file": upload([member_row("X", "X", register.hanoi)])}
        ).status_code
        == 403
    )
    assert client.get(reverse("membership:import-template")).status_code == 403


def test_signing_in_is_required(client, register):
    response = client.get(reverse(URL))
    assert response.status_code == 302 and "/accounts/" in response["Location"]


def test_the_page_renders_in_arabic(client, register):
    sign_in(client, make_officer(register.hanoi))
    with translation.override("ar"):
        response = client.get(reverse(URL), HTTP_ACCEPT_LANGUAGE="ar")
    assert response.status_code == 200

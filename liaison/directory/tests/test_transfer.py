"""Import of organisations and people: upload, preview, confirm; all rows or none."""

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from liaison.core.access import Role
from liaison.core.models import AuditEvent, Classification
from liaison.core.testing import PASSWORD, make_org, make_person, make_user
from liaison.directory.models import Country, Organisation, Person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # A request in another language leaves it active in the thread; messages here are compared in English.
    with translation.override("en"):
        yield


ORG_URL = "directory:organisation-import"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def mofa():
    Country.objects.get_or_create(code="VN", defaults={"alpha3": "VNM", "name_en": "Viet Nam"})
    return make_org("Ministry of Foreign Affairs")


@pytest.fixture
def editor(client, mofa):
    user = make_user(org=mofa, role=Role.EDITOR)
    client.login(username=user.username, password=PASSWORD)
    return user


def csv_file(rows, name="organisations.csv", bom=False):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(dict.fromkeys(k for row in rows for k in row)))
    writer.writeheader()
    writer.writerows(rows)
    return SimpleUploadedFile(name, (("\ufeff" if bom else "") + out.getvalue()).encode(), "text/csv")


def org_row(key, name, parent_key="", **extra):
    return {
        "key": key,
        "parent_key": parent_key,
        "pillar": "state",
        "kind": "department",
        "name_en": name,
        **extra,
    }


def preview(client, rows, kind="organisation", **options):
    return client.post(reverse(f"directory:{kind}-import"), {"file": csv_file(rows, **options)})


def confirm(client, response, kind="organisation"):
    return client.post(reverse(f"directory:{kind}-import"), {"token": response.context["token"]})


def test_the_import_page_lists_the_columns(client, editor):
    # given an editor
    # when they open the import page
    response = client.get(reverse(ORG_URL))
    # then the form and every documented column are shown
    assert response.status_code == 200
    for column in ("key", "parent_key", "pillar", "name_ar", "aliases"):
        assert f"<code>{column}</code>" in response.text


def test_a_valid_file_is_previewed_then_imported_on_confirm(client, editor, mofa, tmp_path):
    # given a file with a unit and a sub-unit below it, with an Arabic name and a country
    rows = [
        org_row("consular", "Consular Department", f"id:{mofa.pk}", name_ar="إدارة القنصلية", country="vn"),
        org_row("consular-hcm", "Consular office in Ho Chi Minh City", "consular"),
    ]
    # when the editor uploads it
    response = preview(client, rows, bom=True)
    # then the preview says what would be created and nothing is written yet
    assert response.status_code == 200
    assert response.context["report"].counts == {"create": 2, "update": 0, "unchanged": 0}
    assert "Confirm and import" in response.text
    assert not Organisation.objects.filter(external_key="consular").exists()
    # when they confirm
    response = confirm(client, response)
    # then both are created, the second below the first, and the kept file is gone
    assert response.status_code == 302
    unit = Organisation.objects.get(external_key="consular")
    sub = Organisation.objects.get(external_key="consular-hcm")
    assert (unit.parent, sub.parent) == (mofa, unit)
    assert unit.country.code == "VN"
    assert set(unit.names.values_list("language", "value")) == {
        ("en", "Consular Department"),
        ("ar", "إدارة القنصلية"),
    }
    assert AuditEvent.objects.filter(
        object_id=str(unit.pk), action="create", via="import", actor=editor
    ).exists()
    assert list(tmp_path.glob("imports/*")) == []


def test_preview_lists_every_row_error_by_row_and_column_and_writes_nothing(client, editor, mofa):
    # given a file with an unknown country, a bad date and an unknown pillar on different rows
    rows = [
        org_row("a", "Unit A", f"id:{mofa.pk}"),
        org_row("b", "Unit B", f"id:{mofa.pk}", country="XX"),
        org_row("c", "Unit C", f"id:{mofa.pk}", valid_from="31/12/2020", pillar="army"),
    ]
    # when it is uploaded
    response = preview(client, rows)
    # then every error is listed with its row (the header is row 1) and column, and no confirm is offered
    errors = [str(e) for e in response.context["report"].errors]
    assert errors == [
        "Row 3, column country: unknown ISO code “XX”",
        "Row 4, column pillar: “army” is not one of party, state, people, foreign",
        "Row 4, column valid_from: not a date (use YYYY-MM-DD): “31/12/2020”",
    ]
    assert "Row 3, column country" in response.text
    assert response.context["token"] == ""
    assert "Confirm and import" not in response.text
    assert not Organisation.objects.filter(external_key__in=["a", "b", "c"]).exists()


def test_a_file_with_one_bad_row_imports_nothing(mofa):
    # given a file whose last row names a parent that does not exist
    from liaison.accounts.models import User
    from liaison.directory import tabular, transfer

    admin = User.objects.get(is_superuser=True)
    table = tabular.read_table(
        _csv_bytes([org_row("a", "Unit A", f"id:{mofa.pk}"), org_row("b", "Unit B", "nowhere")]),
        filename="f.csv",
        kind="organisation",
    )
    # when it is imported with commit
    report = transfer.run_import(user=admin, kind="organisation", table=table, commit=True)
    # then the error is reported and not even the good row is written
    assert [str(e) for e in report.errors] == ["Row 3, column parent_key: unknown organisation key “nowhere”"]
    assert not report.committed
    assert not Organisation.objects.filter(external_key="a").exists()


def test_a_failure_at_confirm_time_rolls_back_every_row(client, editor, mofa, monkeypatch):
    # given a previewed file of two valid rows
    from liaison.directory import services

    response = preview(
        client, [org_row("a", "Unit A", f"id:{mofa.pk}"), org_row("b", "Unit B", f"id:{mofa.pk}")]
    )
    assert response.context["report"].ok
    # when the service refuses the second row as it is written
    create = services.create_organisation

    def refuse_b(*, by, data, names):
        if data.external_key == "b":
            raise services.ValidationError({"names": ["Refused by the service."]})
        return create(by=by, data=data, names=names)

    monkeypatch.setattr(services, "create_organisation", refuse_b)
    response = confirm(client, response)
    # then the confirm reports that row, and the first row is not written either
    assert response.status_code == 200
    assert [str(e) for e in response.context["report"].errors] == [
        "Row 3, column name_en: Refused by the service."
    ]
    assert not Organisation.objects.filter(external_key__in=["a", "b"]).exists()


def test_a_confirm_after_losing_the_editor_role_imports_nothing(client, editor, mofa):
    # given a previewed, valid file
    response = preview(client, [org_row("a", "Unit A", f"id:{mofa.pk}")])
    # when the editor is made a viewer before confirming
    editor.memberships.update(role=Role.VIEWER)
    response = confirm(client, response)
    # then the file is checked again, and nothing is written
    assert [str(e) for e in response.context["report"].errors] == [
        "Row 2, column parent_key: you may not add organisations there"
    ]
    assert not Organisation.objects.filter(external_key="a").exists()


def test_importing_the_same_file_twice_changes_nothing_the_second_time(client, editor, mofa):
    # given a file that was imported once
    rows = [
        org_row("a", "Unit A", f"id:{mofa.pk}", aliases="fr:Unité A | vi:Vụ A", email="a@example.org"),
        org_row("", "Unit without key", f"id:{mofa.pk}"),
    ]
    confirm(client, preview(client, rows))
    events = AuditEvent.objects.count()
    organisations = Organisation.objects.count()
    # when it is imported again
    response = preview(client, rows)
    assert response.context["report"].counts == {"create": 0, "update": 0, "unchanged": 2}
    confirm(client, response)
    # then no record and no audit event is added
    assert Organisation.objects.count() == organisations
    assert AuditEvent.objects.count() == events


def test_a_changed_cell_updates_the_record_and_adds_the_new_name(client, editor, mofa):
    # given an imported unit
    confirm(client, preview(client, [org_row("a", "Unit A", f"id:{mofa.pk}", phone="1")]))
    # when the file comes back with another phone number and a Vietnamese name
    response = preview(client, [org_row("a", "Unit A", f"id:{mofa.pk}", phone="2", name_vi="Vụ A")])
    (plan,) = response.context["report"].plans
    assert (plan.action, plan.changes) == ("update", ["phone", "names"])
    confirm(client, response)
    # then the unit has the new number and both names
    unit = Organisation.objects.get(external_key="a")
    assert unit.phone == "2"
    assert unit.names.count() == 2


def test_a_keyless_row_like_an_existing_organisation_is_an_error_naming_it(client, editor, mofa):
    # given an existing unit
    unit = make_org("Department of Consular Affairs", parent=mofa, kind="department")
    # when a keyless row spells it slightly differently
    response = preview(client, [org_row("", "Department of Consular Afairs", f"id:{mofa.pk}")])
    # then the row is an error that names the existing unit and how to proceed
    (error,) = response.context["report"].errors
    assert str(error) == (
        f"Row 2, column key: looks like existing organisation #{unit.pk} “Department of Consular Affairs”; "
        "give its key to update it, or a new key to create a different one"
    )


def test_a_keyless_row_with_the_exact_name_and_parent_is_that_organisation(client, editor, mofa):
    # given an existing unit
    unit = make_org("Department of Consular Affairs", parent=mofa, kind="department")
    # when a keyless row has exactly its name and parent, and a new email address
    response = preview(
        client, [org_row("", "Department of Consular Affairs", f"id:{mofa.pk}", email="dca@example.org")]
    )
    # then it updates that unit
    (plan,) = response.context["report"].plans
    assert (plan.action, plan.record) == ("update", unit)


def test_a_parent_defined_later_in_the_file_is_an_error(client, editor, mofa):
    # given a file where a unit comes before its parent
    rows = [org_row("child", "Child", "parent"), org_row("parent", "Parent", f"id:{mofa.pk}")]
    # when it is uploaded
    response = preview(client, rows)
    # then the child row says so
    (error,) = response.context["report"].errors
    assert str(error) == "Row 2, column parent_key: the parent must come before its units (it is on row 3)"


def test_a_viewer_gets_row_errors_and_nothing_is_written(client, mofa):
    # given a viewer of the ministry (no editor role)
    viewer = make_user(org=mofa, role=Role.VIEWER)
    client.login(username=viewer.username, password=PASSWORD)
    person = make_person("Nguyễn Văn An", owner=mofa)
    # when they upload a new unit and a change to an existing person
    response = preview(client, [org_row("a", "Unit A", f"id:{mofa.pk}")])
    people = client.post(
        reverse("directory:person-import"),
        {
            "file": csv_file(
                [
                    {
                        "key": f"id:{person.pk}",
                        "owner_key": f"id:{mofa.pk}",
                        "name_vi": "Nguyễn Văn An",
                        "notes": "x",
                    }
                ]
            )
        },
    )
    # then both rows are errors, not a 403 or 500, and nothing changes
    assert response.status_code == 200
    assert [str(e) for e in response.context["report"].errors] == [
        "Row 2, column parent_key: you may not add organisations there"
    ]
    assert [str(e) for e in people.context["report"].errors] == [
        "Row 2, column key: you may not change this person"
    ]
    assert not Organisation.objects.filter(external_key="a").exists()
    person.refresh_from_db()
    assert person.notes == ""


def test_a_record_the_user_cannot_see_is_unknown_to_the_import(client, editor, mofa):
    # given a restricted organisation in another tree
    other = make_org("Commission for External Relations", pillar="party", kind="commission")
    hidden = make_org("Secret unit", parent=other, classification=Classification.RESTRICTED)
    # when the editor names it by id, as a record and as a parent
    as_record = preview(client, [org_row(f"id:{hidden.pk}", "Renamed")])
    as_parent = preview(client, [org_row("x", "X", f"id:{hidden.pk}")])
    # then both rows are errors that do not say whether it exists
    assert [str(e) for e in as_record.context["report"].errors] == [
        "Row 2, column key: there is no organisation with this id that you can see"
    ]
    assert [str(e) for e in as_parent.context["report"].errors] == [
        f"Row 2, column parent_key: unknown organisation key “id:{hidden.pk}”"
    ]


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile(
                "o.csv", "key,pillar,kind,name_en\nä,state,ministry,Bộ".encode("cp1258", "replace")
            ),
            "not UTF-8",
        ),
        (SimpleUploadedFile("o.xlsx", b"PK\x03\x04 not really a workbook"), "not a readable XLSX"),
        (SimpleUploadedFile("o.csv", b"key,name_en\nx,Y\n"), "Required columns are missing: pillar, kind"),
        (SimpleUploadedFile("o.csv", b"key,pillar,kind,name_en,colour\n"), "Unknown columns: colour"),
        (SimpleUploadedFile("o.csv", b"key;pillar;kind;name_en\n"), "separated by commas"),
        (SimpleUploadedFile("o.csv", b""), "The submitted file is empty"),
        (SimpleUploadedFile("o.csv", b"\n\n"), "The first row must name the columns"),
        (SimpleUploadedFile("o.txt", b"key"), "Upload a .csv or .xlsx file"),
    ],
)
def test_a_malformed_file_is_a_form_error(client, editor, upload, message):
    # given a file that cannot be read as an import
    # when it is uploaded
    response = client.post(reverse(ORG_URL), {"file": upload})
    # then the form says why, with a 400 and no preview
    assert response.status_code == 400
    assert message in response.text
    assert response.context["report"] is None


def test_a_forged_or_expired_token_imports_nothing(client, editor):
    # given no kept upload
    # when a confirm arrives with a made-up token
    response = client.post(reverse(ORG_URL), {"token": "../../etc/passwd"})
    # then it is refused and the user is asked to upload again
    assert response.status_code == 400
    assert "Upload the file again" in response.text


def test_a_token_for_organisations_cannot_confirm_a_people_import(client, editor, mofa):
    # given a previewed organisation file
    response = preview(client, [org_row("a", "Unit A", f"id:{mofa.pk}")])
    # when its token is sent to the people import
    response = client.post(reverse("directory:person-import"), {"token": response.context["token"]})
    # then it is refused
    assert response.status_code == 400
    assert not Organisation.objects.filter(external_key="a").exists()


def test_an_xlsx_export_imports_back_unchanged(client, editor, mofa):
    # given units with names in three scripts and an abbreviation, exported as XLSX
    from liaison.directory.services import NameInput

    make_org(
        "Department of Consular Affairs",
        parent=mofa,
        kind="department",
        extra_names=[
            NameInput(value="Cục Lãnh sự", language="vi"),
            NameInput(value="إدارة القنصلية", language="ar"),
            NameInput(value="DCA", language="en", kind="abbreviation"),
            NameInput(value="Direction consulaire", language="fr", kind="alias"),
        ],
    )
    exported = client.get(reverse("directory:organisation-export"), {"format": "xlsx"}).content
    events = AuditEvent.objects.count()
    # when the workbook is imported as it is
    response = client.post(reverse(ORG_URL), {"file": SimpleUploadedFile("back.xlsx", exported)})
    # then every row is unchanged
    report = response.context["report"]
    assert report.ok, [str(e) for e in report.errors]
    assert report.counts == {"create": 0, "update": 0, "unchanged": 2}
    confirm(client, response)
    assert AuditEvent.objects.count() == events


def test_people_with_positions_import_and_export_back_unchanged(client, editor, mofa):
    # given a people file with Vietnamese family and given names and two positions
    rows = [
        {
            "key": "an",
            "owner_key": f"id:{mofa.pk}",
            "nationality": "VN",
            "gender": "m",
            "birth_date": "1970-05-01",
            "name_vi": "Nguyễn Văn An",
            "family_vi": "Nguyễn",
            "given_vi": "An",
            "name_ar": "نغوين فان آن",
            "positions": (
                f"id:{mofa.pk};Director;2020-01-01;2022-12-31 | id:{mofa.pk};Deputy Minister;2023-01-01;"
            ),
        }
    ]
    response = preview(client, rows, kind="person", name="people.csv")
    assert response.context["report"].ok, [str(e) for e in response.context["report"].errors]
    confirm(client, response, kind="person")
    person = Person.objects.get(external_key="an")
    assert person.positions.count() == 2
    assert person.names.get(language="vi").family == "Nguyễn"
    # when the people are exported as CSV and the file imported again
    body = b"".join(client.get(reverse("directory:person-export"), {"format": "csv"}).streaming_content)
    response = client.post(reverse("directory:person-import"), {"file": SimpleUploadedFile("p.csv", body)})
    # then nothing would change
    assert response.context["report"].counts == {"create": 0, "update": 0, "unchanged": 1}


def test_a_keyless_person_like_an_existing_one_is_reported(client, editor, mofa):
    # given an existing person
    person = make_person("Nguyễn Văn An", owner=mofa)
    # when a keyless row misspells the name
    rows = [{"key": "", "owner_key": f"id:{mofa.pk}", "name_vi": "Nguyen Van Anh"}]
    response = preview(client, rows, kind="person", name="people.csv")
    # then it is reported as a likely duplicate of that person
    (error,) = response.context["report"].errors
    assert f"looks like existing person #{person.pk}" in str(error)


def _csv_bytes(rows):
    return csv_file(rows).read()


def _xlsx_bytes(rows):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(rows[0]))
    for row in rows:
        sheet.append(list(row.values()))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_an_xlsx_with_dates_and_numbers_as_cells_is_read_as_text(client, editor, mofa):
    # given a workbook whose date and phone cells are typed by the spreadsheet
    import datetime as dt

    rows = [org_row("a", "Unit A", f"id:{mofa.pk}", valid_from=dt.datetime(2020, 1, 2), phone=842437993000)]
    # when it is uploaded
    response = client.post(reverse(ORG_URL), {"file": SimpleUploadedFile("o.xlsx", _xlsx_bytes(rows))})
    confirm(client, response)
    # then the values are stored as the date and the digits
    unit = Organisation.objects.get(external_key="a")
    assert (unit.valid_from.isoformat(), unit.phone) == ("2020-01-02", "842437993000")

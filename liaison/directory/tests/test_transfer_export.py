"""Export of organisations and people as CSV and XLSX."""

import csv
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from liaison.accounts.models import User
from liaison.core.models import Classification, SecurityEvent, SecurityEventKind
from liaison.core.testing import PASSWORD, make_org, make_person, make_user
from liaison.directory import services
from liaison.directory.models import Organisation, Person
from liaison.directory.services import NameInput

pytestmark = pytest.mark.django_db


def _rows_of_csv(response):
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def _rows_of_xlsx(response):
    sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    header, *rows = list(sheet.iter_rows(values_only=True))
    width = len(header)
    return [
        dict(zip(header, [v or "" for v in row] + [""] * (width - len(row)), strict=True)) for row in rows
    ]


@pytest.fixture
def mofa():
    return make_org(
        "Ministry of Foreign Affairs",
        extra_names=[
            NameInput(value="وزارة الخارجية", language="ar"),
            NameInput(value="Bộ Ngoại giao", language="vi"),
        ],
    )


def test_csv_export_has_a_bom_the_documented_columns_and_arabic_names(client, mofa):
    # given a viewer of the ministry, which has a unit with an abbreviation and an alias
    make_org(
        "Department of Consular Affairs",
        parent=mofa,
        kind="department",
        extra_names=[
            NameInput(value="DCA", language="en", kind="abbreviation"),
            NameInput(value="Direction consulaire", language="fr", kind="alias"),
        ],
    )
    user = make_user(org=mofa)
    client.login(username=user.username, password=PASSWORD)
    # when they export organisations as CSV
    response = client.get(reverse("directory:organisation-export"), {"format": "csv"})
    # then the file is a UTF-8 CSV with a BOM, named by date, listing both with their names
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "liaison-organisations-" in response["Content-Disposition"]
    rows = {r["name_en"]: r for r in _rows_of_csv(response)}
    ministry, unit = rows["Ministry of Foreign Affairs"], rows["Department of Consular Affairs"]
    assert ministry["name_ar"] == "وزارة الخارجية"
    assert ministry["name_vi"] == "Bộ Ngoại giao"
    assert ministry["key"] == f"id:{mofa.pk}"
    assert unit["parent_key"] == f"id:{mofa.pk}"
    assert unit["abbreviation"] == "DCA"
    assert unit["aliases"] == "fr:Direction consulaire"
    assert unit["classification"] == "public"
    assert list(ministry) == [
        "key", "parent_key", "pillar", "kind", "country", "locality", "valid_from", "valid_to",
        "classification", "email", "phone", "website", "address", "notes", "name_vi", "name_en",
        "name_ar", "abbreviation", "aliases",
    ]  # fmt: skip


def test_xlsx_export_holds_the_same_rows_with_arabic_text(client, mofa):
    # given a viewer of the ministry
    user = make_user(org=mofa)
    client.login(username=user.username, password=PASSWORD)
    # when they export organisations as XLSX
    response = client.get(reverse("directory:organisation-export"), {"format": "xlsx"})
    # then the workbook has the ministry with its Arabic name
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    (row,) = _rows_of_xlsx(response)
    assert row["name_ar"] == "وزارة الخارجية"
    assert row["pillar"] == "state"


def test_a_formula_in_a_cell_is_exported_as_text(client, mofa):
    # given an organisation whose notes start with an equals sign
    Organisation.objects.filter(pk=mofa.pk).update(notes="=HYPERLINK(1)", phone="+84 24 3799 3000")
    user = make_user(org=mofa)
    client.login(username=user.username, password=PASSWORD)
    # when it is exported as CSV
    (row,) = _rows_of_csv(client.get(reverse("directory:organisation-export"), {"format": "csv"}))
    # then the formula is defused and the phone number kept as it is
    assert row["notes"] == "'=HYPERLINK(1)"
    assert row["phone"] == "+84 24 3799 3000"


def test_export_leaves_out_a_restricted_organisation_of_another_tree(client, mofa):
    # given a restricted organisation in another tree, and a restricted-cleared member of the ministry
    other = make_org("Commission for External Relations", pillar="party", kind="commission")
    make_org("Secret unit", parent=other, classification=Classification.RESTRICTED)
    own_secret = make_org("Own secret unit", parent=mofa, classification=Classification.RESTRICTED)
    user = make_user(org=mofa, clearance=Classification.RESTRICTED)
    client.login(username=user.username, password=PASSWORD)
    # when they export everything, as CSV and as XLSX
    csv_names = {r["name_en"] for r in _rows_of_csv(client.get(reverse("directory:organisation-export")))}
    xlsx = client.get(reverse("directory:organisation-export"), {"format": "xlsx"})
    xlsx_names = {r["name_en"] for r in _rows_of_xlsx(xlsx)}
    # then the other tree's restricted unit is in neither, their own is in both
    assert "Secret unit" not in csv_names | xlsx_names
    assert own_secret.sort_name in csv_names & xlsx_names
    assert "Commission for External Relations" in csv_names


def test_export_follows_the_list_filters(client, mofa):
    # given a party organisation next to the state ministry
    make_org("Commission for External Relations", pillar="party", kind="commission")
    user = make_user(org=mofa)
    client.login(username=user.username, password=PASSWORD)
    # when they export with the pillar filter of the list page
    rows = _rows_of_csv(
        client.get(reverse("directory:organisation-export"), {"format": "csv", "pillar": "party"})
    )
    # then only the party organisation is exported
    assert [r["name_en"] for r in rows] == ["Commission for External Relations"]


def test_every_export_writes_a_security_event(client, mofa):
    # given a viewer
    user = make_user(org=mofa)
    client.login(username=user.username, password=PASSWORD)
    # when they export filtered people and organisations
    client.get(reverse("directory:organisation-export"), {"format": "xlsx", "pillar": "state"})
    b"".join(client.get(reverse("directory:person-export"), {"format": "csv", "nationality": "vn"}))
    # then each export is in the security log with its kind, format, row count and filters
    events = list(SecurityEvent.objects.filter(kind=SecurityEventKind.EXPORT).order_by("id"))
    assert [e.detail for e in events] == [
        {"kind": "organisation", "format": "xlsx", "rows": 1, "filters": {"pillar": "state", "sort": "name"}},
        {"kind": "person", "format": "csv", "rows": 0, "filters": {"nationality": "vn", "sort": "name"}},
    ]
    assert events[0].user == user


def test_an_unknown_export_format_is_refused_with_a_message(client, mofa):
    # given a viewer
    user = make_user(org=mofa)
    client.login(username=user.username, password=PASSWORD)
    # when they ask for a PDF
    response = client.get(reverse("directory:organisation-export"), {"format": "pdf"})
    # then the answer is a 400 that names the formats
    assert response.status_code == 400
    assert "csv or xlsx" in response.text
    assert not SecurityEvent.objects.filter(kind=SecurityEventKind.EXPORT).exists()


def test_person_export_lists_owner_names_and_positions_but_not_hidden_organisations(client, mofa):
    # given a person with a position in the ministry and one in a restricted organisation of another tree
    other = make_org("Commission for External Relations", pillar="party", kind="commission")
    hidden = make_org("Secret unit", parent=other, classification=Classification.RESTRICTED)
    person = make_person(
        owner=mofa,
        names=[
            NameInput(value="Nguyễn Văn An", language="vi", family="Nguyễn", given="An"),
            NameInput(value="نغوين فان آن", language="ar"),
        ],
    )
    admin = User.objects.get(is_superuser=True)
    for org, title in ((mofa, "Director"), (hidden, "Adviser")):
        services.add_position(
            by=admin, person=person, data=services.PositionInput(organisation=org, title_en=title)
        )
    user = make_user(org=mofa)
    client.login(username=user.username, password=PASSWORD)
    # when they export people
    (row,) = _rows_of_csv(client.get(reverse("directory:person-export"), {"format": "csv"}))
    # then the row has the names, the owner's key and only the visible position
    assert row["name_vi"] == "Nguyễn Văn An"
    assert (row["family_vi"], row["given_vi"]) == ("Nguyễn", "An")
    assert row["name_ar"] == "نغوين فان آن"
    assert row["owner_key"] == f"id:{mofa.pk}"
    assert row["positions"] == f"id:{mofa.pk};Director;;"


@pytest.mark.parametrize("kind", ["organisation", "person"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_runs_the_same_number_of_queries_for_3_and_30_rows(client, mofa, kind, fmt):
    # given a viewer of the ministry
    user = make_user(org=mofa)
    client.login(username=user.username, password=PASSWORD)
    url = reverse(f"directory:{kind}-export")

    def export_count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"format": fmt})
            body = b"".join(response.streaming_content) if response.streaming else response.content
        assert body
        return len(queries)

    def add(n):
        for i in range(n):
            if kind == "organisation":
                make_org(f"Unit {Organisation.objects.count()}", parent=mofa, kind="department")
            else:
                make_person(f"Person {Person.objects.count() + i}", owner=mofa)

    # when it exports 3 records, then 30 (after a first request has settled the session)
    client.get(reverse("directory:organisation-list"))
    add(3)
    few = export_count()
    add(27)
    many = export_count()
    # then the query count is the same: session, user, memberships, (count), records, names,
    # (positions), security event
    assert few == many

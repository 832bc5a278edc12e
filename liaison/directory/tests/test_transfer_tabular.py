"""The spreadsheet side of import and export: reading, writing, and the import page in Arabic."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from liaison.core.access import Role
from liaison.core.testing import PASSWORD, make_org, make_user
from liaison.directory import tabular


@pytest.fixture(autouse=True)
def _english():
    # A request in another language leaves it active in the thread; messages here are compared in English.
    with translation.override("en"):
        yield


def test_a_csv_export_reads_back_as_the_same_cells():
    # given rows with Arabic, Vietnamese, a formula-like note, a phone number and a line break
    header = tabular.header("organisation")
    row = dict.fromkeys(header, "")
    row |= {"key": "a", "pillar": "state", "kind": "ministry", "name_ar": "وزارة الخارجية"}
    row |= {"name_vi": "Bộ Ngoại giao", "notes": "=1+1\nsecond line", "phone": "+84 24 3799 3000"}
    # when they are written as CSV and read back
    content = b"".join(tabular.csv_chunks(header, [list(row.values())]))
    table = tabular.read_table(content, filename="x.csv", kind="organisation")
    # then every cell is as it was, and the data row is row 2
    assert table.rows == [(2, row)]


def test_a_decomposed_vietnamese_name_is_read_in_composed_form():
    # given a name typed with combining marks (NFD)
    import unicodedata

    nfd = unicodedata.normalize("NFD", "Bộ Ngoại giao")
    content = f"key,pillar,kind,name_vi\na,state,ministry,{nfd}\n".encode()
    # when the file is read
    table = tabular.read_table(content, filename="x.csv", kind="organisation")
    # then the name is in composed form, as the forms store it
    assert table.rows[0][1]["name_vi"] == "Bộ Ngoại giao"


def test_a_file_over_the_row_limit_is_refused(monkeypatch):
    # given a limit of two rows
    monkeypatch.setattr(tabular, "MAX_ROWS", 2)
    content = b"key,pillar,kind,name_en\n" + b"".join(b"k%d,state,ministry,N%d\n" % (i, i) for i in range(3))
    # when a three-row file is read
    # then it is refused as a whole
    with pytest.raises(tabular.TableError, match="more than 2 rows"):
        tabular.read_table(content, filename="x.csv", kind="organisation")


def test_a_row_longer_than_the_header_is_refused():
    # given a row with a cell beyond the last column
    content = b"key,pillar,kind,name_en\na,state,ministry,N,extra\n"
    # when the file is read
    # then it says which row
    with pytest.raises(tabular.TableError, match="Row 2 has more cells"):
        tabular.read_table(content, filename="x.csv", kind="organisation")


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["organisation", "person"])
def test_the_import_page_and_its_preview_render_in_arabic_right_to_left(client, settings, tmp_path, kind):
    # given an editor who reads Arabic
    settings.MEDIA_ROOT = tmp_path
    mofa = make_org("Ministry of Foreign Affairs")
    user = make_user(org=mofa, role=Role.EDITOR, language="ar")
    client.login(username=user.username, password=PASSWORD)
    url = reverse(f"directory:{kind}-import")
    # when they open the page and preview a file with an error
    page = client.get(url)
    content = (
        b"key,owner_key,name_vi\nx,nowhere,A\n"
        if kind == "person"
        else b"key,pillar,kind,name_en\nx,state,zz,A\n"
    )
    preview = client.post(url, {"file": SimpleUploadedFile("f.csv", content)})
    # then both render right to left
    for response in (page, preview):
        assert response.status_code == 200
        assert 'dir="rtl"' in response.text
    assert preview.context["report"].errors

"""Exports of the member list and of each check's list: CSV and XLSX, with the list's filters,
through the access policy (a member the reader may not read is never in a file), each written to
the security log as an export."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from liaison.core.models import SecurityEvent, SecurityEventKind
from liaison.core.testing import response_text
from liaison.membership.testing import Register, make_member, make_officer
from liaison.membership.tests.test_pages import build_filled, client_for, url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def filled(register: Register) -> dict[str, Any]:
    return build_filled(register)


def _exports() -> list[SecurityEvent]:
    return list(SecurityEvent.objects.filter(kind=SecurityEventKind.EXPORT).order_by("id"))


def _csv(response: Any) -> list[dict[str, str]]:
    text = response_text(response).lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


def test_the_member_list_exports_as_csv_with_its_filters_and_is_logged(filled):
    # given Hà Nội's officer (Lan is posted abroad, Minh is not; Hoa is Huế's)
    officer = filled["officer"]
    client = client_for(officer)
    # when they export the members posted abroad now
    response = client.get(url("member-export") + "?posted=yes&format=csv")
    # then the file holds Lan only, with her register number and a link to her page
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="liaison-members-')
    rows = _csv(response)
    assert [row["name"] for row in rows] == ["Trần Thị Lan"]
    assert rows[0]["register_number"] == "HN-001" and rows[0]["posting_country"] == "FR"
    assert rows[0]["url"].endswith(url("member-detail", filled["lan"].pk))
    # and the export is in the security log: who, which list, which filters, how many rows
    (event,) = _exports()
    assert event.user == officer
    assert event.detail["list"] == "members" and event.detail["format"] == "csv"
    assert event.detail["rows"] == 1 and event.detail["filters"] == {"posted": "yes"}


def test_an_export_never_holds_a_member_the_reader_may_not_read(filled):
    text = response_text(client_for(filled["officer"]).get(url("member-export") + "?format=xlsx"))
    assert "Trần Thị Lan" in text and "Lê Văn Minh" in text
    assert "Phạm Thị Hoa" not in text
    (event,) = _exports()
    assert event.detail["format"] == "xlsx" and event.detail["rows"] == 2


def test_the_member_list_offers_its_exports_with_the_filters(filled):
    body = client_for(filled["officer"]).get(url("members") + "?status=active").content.decode()
    assert url("member-export") + "?status=active&amp;format=csv" in body
    assert url("member-export") + "?status=active&amp;format=xlsx" in body


@pytest.mark.parametrize(
    ("slug", "column", "value"),
    [
        ("transfers-pending", "letter_number", "12-CV/ĐU"),
        ("abroad-without-branch", "name", "Trần Thị Lan"),
        ("not-digitised", "name", "Lê Văn Minh"),
        ("undersized", "name", "Hanoi Branch"),
    ],
)
def test_each_checks_list_exports_and_is_logged(filled, slug, column, value):
    client = client_for(filled["officer"])
    page = client.get(url("check", slug)).content.decode()
    assert url("check-export", slug) + "?format=csv" in page
    rows = _csv(client.get(url("check-export", slug) + "?format=csv"))
    assert value in [row[column] for row in rows]
    assert "Phạm Thị Hoa" not in str(rows)
    xlsx = client.get(url("check-export", slug) + "?format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert value in response_text(xlsx)
    assert [(e.detail["list"], e.detail["format"]) for e in _exports()] == [
        (f"check-{slug}", "csv"),
        (f"check-{slug}", "xlsx"),
    ]


def test_an_unknown_format_or_check_is_refused_and_nothing_is_logged(filled):
    client = client_for(filled["officer"])
    assert client.get(url("member-export") + "?format=pdf").status_code == 400
    assert client.get(url("check-export", "undersized") + "?format=ods").status_code == 400
    assert client.get(url("check-export", "no-such-check") + "?format=csv").status_code == 404
    assert _exports() == []


def test_exports_need_a_sign_in(filled):
    response = Client().get(url("member-export") + "?format=csv")
    assert response.status_code == 302
    assert _exports() == []


def _export_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url("member-export") + "?format=csv")
        response_text(response)  # the streamed rows are read while the body is written
    return len(captured.captured_queries)


def test_the_member_export_costs_the_same_for_one_or_five_members(register):
    make_member("Một", branch=register.hanoi)
    client = client_for(make_officer(register.hanoi))
    client.get(url("members"))
    few = _export_queries(client)
    for name in ("Hai", "Ba", "Bốn", "Năm"):
        make_member(name, branch=register.hanoi)
    assert _export_queries(client) == few

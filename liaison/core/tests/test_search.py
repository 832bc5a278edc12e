"""Full-text search: one normalisation at index and query time, on SQLite and PostgreSQL."""

import pytest

from liaison.core import search
from liaison.core.testing import PASSWORD, make_org, make_superuser
from liaison.directory import services

pytestmark = pytest.mark.django_db


def test_words_are_found_whatever_their_diacritics_or_letter_forms():
    # given records with Vietnamese and Arabic text
    search.index_record(kind="t", entity_id=1, parts=["Đà Nẵng", "Ủy ban nhân dân"])
    search.index_record(kind="t", entity_id=2, parts=["وزارة الخارجيّة", "مؤتمر"])
    search.index_record(kind="t", entity_id=3, parts=["Hà Tĩnh"])
    # then queries in other forms find them
    assert search.matching_ids(kind="t", query="da nang") == [1]
    assert search.matching_ids(kind="t", query="uy BAN") == [1]
    assert search.matching_ids(kind="t", query="الخارجية") == [2]
    assert search.matching_ids(kind="t", query="موتمر") == [2]
    assert search.matching_ids(kind="t", query="ha") == [3]


def test_queries_with_operators_or_quotes_are_harmless():
    search.index_record(kind="t", entity_id=1, parts=["press department"])
    for query in ['"', "AND OR NOT", "press* NEAR(", "'; drop table", "-", "((("]:
        search.matching_ids(kind="t", query=query)
    assert search.matching_ids(kind="t", query='"press"') == [1]


def test_snippets_highlight_the_words_and_escape_the_rest():
    search.index_record(
        kind="t", entity_id=1, parts=["<script>x</script> Department of Press and Information"]
    )
    snippet = search.snippets(kind="t", query="press", ids=[1])[1]
    assert "<mark>press</mark>" in snippet
    assert "<script>" not in snippet


def test_the_organisation_list_filters_by_any_text_with_highlights(client):
    admin = make_superuser("admin")
    org = make_org("Ministry of Foreign Affairs")
    services.update_organisation(
        by=admin, organisation=org, version=org.version, changes={"notes": "Hosts the Diplomatic Conference"}
    )
    make_org("Ministry of Finance")
    client.login(username="admin", password=PASSWORD)
    response = client.get("/directory/organisations/", {"text": "diplomatic"})
    assert "Ministry of Foreign Affairs" in response.text
    assert "Ministry of Finance" not in response.text
    assert "<mark>diplomatic</mark>" in response.text

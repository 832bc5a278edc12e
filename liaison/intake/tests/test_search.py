"""Full-text search over documents: Arabic spellings, snippets in the original text, the access policy."""

import pytest

from liaison.core.audit import acting_as
from liaison.core.models import Classification
from liaison.intake.search import search
from liaison.intake.services import delete_document, ingest

EGYPT = "استقبل وزيرُ الخارجيّة الفيتنامي وفداً من مصر في هانوي لبحث التعاون الاقتصادي."
CAIRO = "وصل الوفد إلى القاهرة، ووقّع الطرفان مذكرة تفاهم حول التجارة والاستثمار والتعليم."
VIETNAMESE = "Bộ trưởng Bộ Ngoại giao tiếp đoàn đại biểu tại Đà Nẵng và thảo luận về hợp tác kinh tế."


def _add(world, text, *, owner=None, classification=Classification.INTERNAL, by=None):
    by = by or world.admin
    with acting_as(by, via="test"):
        return ingest(
            by,
            owner=owner or world.mofa,
            classification=classification,
            name="doc.txt",
            content=text.encode(),
        ).document


@pytest.mark.parametrize(
    "query",
    ["وزير الخارجية", "وَزِيرُ الخارجيه", "الخارجيـــة", "وزير الخارجيّة"],
)
def test_arabic_spellings_find_the_same_document(world, query):
    document = _add(world, EGYPT)
    _add(world, CAIRO)
    results = search(world.mofa_reader, query)
    assert results.total == 1
    assert [h.document_id for h in results.hits] == [document.pk]


def test_alef_forms_and_ya_and_ta_marbuta_fold_together(world):
    document = _add(world, "رئيسة الجمعية أكّدت على أهمية التعاون مع إيران ومع مصطفى.")
    for query in ["رييسه", "اكدت", "ايران", "مصطفي", "الجمعيه"]:
        assert [h.document_id for h in search(world.mofa_reader, query).hits] == [document.pk], query


def test_snippets_mark_the_words_as_written_in_the_original(world):
    _add(world, EGYPT)
    hit = search(world.mofa_reader, "وزير الخارجيه").hits[0]
    assert "<mark>وزيرُ</mark> <mark>الخارجيّة</mark>" in hit.snippet


def test_vietnamese_without_diacritics_finds_and_marks_the_original(world):
    _add(world, VIETNAMESE)
    results = search(world.mofa_reader, "da nang")
    assert results.total == 1
    assert "<mark>Đà</mark> <mark>Nẵng</mark>" in results.hits[0].snippet


def test_every_word_must_be_present_as_a_word_prefix(world):
    _add(world, EGYPT)
    _add(world, CAIRO)
    assert search(world.mofa_reader, "التجار").total == 1
    assert search(world.mofa_reader, "مصر القاهرة").total == 0
    assert search(world.mofa_reader, "  ؟! ").total == 0


def test_snippets_escape_the_text(world):
    _add(world, "The minister said <script>alert(1)</script> the talks on trade went well.")
    snippet = search(world.mofa_reader, "trade").hits[0].snippet
    assert "<script>" not in snippet and "&lt;script&gt;" in snippet
    assert "<mark>trade</mark>" in snippet


def test_a_restricted_document_of_another_organisation_never_appears_nor_counts(world):
    visible = _add(world, EGYPT, owner=world.mofa, classification=Classification.RESTRICTED)
    _add(world, EGYPT + " سري.", owner=world.vufo, classification=Classification.RESTRICTED)
    results = search(world.mofa_reader, "مصر")
    assert results.total == 1
    assert [h.document_id for h in results.hits] == [visible.pk]
    assert search(world.vufo_reader, "مصر").total == 1
    assert search(world.admin, "مصر").total == 2


def test_an_internal_document_is_hidden_from_a_user_cleared_only_for_public(world):
    from liaison.core.testing import make_user

    _add(world, EGYPT, classification=Classification.INTERNAL)
    public_only = make_user("public.only", org=world.mofa, clearance=Classification.PUBLIC)
    assert search(public_only, "مصر").total == 0
    assert search(None, "مصر").total == 0


def test_results_come_newest_first_and_page(world):
    import datetime as dt

    docs = []
    for day in (1, 3, 2):
        with acting_as(world.admin, via="test"):
            docs.append(
                ingest(
                    world.admin,
                    owner=world.mofa,
                    classification=Classification.PUBLIC,
                    name="d.txt",
                    content=f"{EGYPT} {day}".encode(),
                    published_on=dt.date(2023, 12, day),
                ).document
            )
    first = search(world.mofa_reader, "مصر", limit=2)
    second = search(world.mofa_reader, "مصر", limit=2, offset=2)
    assert first.total == second.total == 3
    assert [h.document_id for h in first.hits + second.hits] == [docs[1].pk, docs[2].pk, docs[0].pk]
    assert search(world.mofa_reader, "مصر", offset=5).hits == []


def test_a_deleted_document_is_no_longer_found(world):
    document = _add(world, EGYPT)
    with acting_as(world.admin, via="test"):
        delete_document(world.admin, document)
    assert search(world.admin, "مصر").total == 0


def test_a_word_in_more_documents_than_the_probe_pages_newest_first_and_counts_at_least(world, monkeypatch):
    from liaison.intake import search as module

    monkeypatch.setattr(module, "PROBE", 2)
    monkeypatch.setattr(module, "COUNT_CAP", 2)
    documents = [_add(world, f"{EGYPT} {n}") for n in range(4)]
    hidden = _add(world, f"{EGYPT} secret", classification=Classification.RESTRICTED, owner=world.vufo)
    results = search(world.mofa_reader, "مصر", limit=3)
    assert not results.exact and results.total == 2
    assert [h.document_id for h in results.hits] == [d.pk for d in reversed(documents)][:3]
    assert hidden.pk not in [h.document_id for h in search(world.mofa_reader, "مصر", limit=10).hits]
    assert [h.document_id for h in search(world.mofa_reader, "مصر", limit=10, offset=3).hits] == [
        documents[0].pk
    ]

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


# --- The same documents, in the same order, whichever way the page is found ---------------------

WORD = "مصر"


def _store(world, n, *, owner, classification, published_on, holds_word):
    """A document written straight to the tables (no extraction), indexed like an ingested one."""
    import hashlib

    from liaison.core.search import index_record
    from liaison.intake.models import Document, DocumentStatus, MediaType
    from liaison.intake.services import SEARCH_KIND

    text = (EGYPT if holds_word else CAIRO) + f" رقم {n}"
    digest = hashlib.sha256(text.encode()).hexdigest()
    (document,) = Document._base_manager.bulk_create(
        [
            Document(
                owner=owner,
                classification=classification,
                file=f"intake/test/{digest}.txt",
                sha256=digest,
                original_name=f"{n}.txt",
                media_type=MediaType.TEXT,
                size=len(text.encode()),
                text=text,
                body=text,
                language="ar",
                title=f"Document {n}",
                published_on=published_on,
                status=DocumentStatus.PENDING,
            )
        ]
    )
    index_record(kind=SEARCH_KIND, entity_id=document.pk, parts=[document.title, document.body])
    return document


@pytest.fixture
def corpus(world):
    return _corpus(world)


def _corpus(world):
    """40 documents: the word in most; public, internal, restricted to MOFA or to VUFO (some shared
    with MOFA); dates shared by several documents (ordered then by id) and undated ones (last)."""
    import datetime as dt

    levels = [
        (world.mofa, Classification.PUBLIC),
        (world.mofa, Classification.INTERNAL),
        (world.mofa, Classification.RESTRICTED),
        (world.vufo, Classification.RESTRICTED),
        (world.vufo, Classification.INTERNAL),
    ]
    documents = []
    for n in range(40):
        owner, classification = levels[n % len(levels)]
        published_on = None if n % 7 == 3 else dt.date(2024, 1, 1) + dt.timedelta(days=(n * 11) % 9)
        documents.append(
            _store(
                world,
                n,
                owner=owner,
                classification=classification,
                published_on=published_on,
                holds_word=n % 6 != 5,
            )
        )
        if n % 10 == 3:  # restricted to VUFO, shared with MOFA: MOFA's reader reads it
            documents[-1].shared_with.add(world.mofa)
    return documents


def _expected(user, documents):
    """What a search for WORD must return: the matching documents the user may read, newest first."""
    import datetime as dt

    from liaison.core import access

    found = [d for d in documents if "مصر" in d.body and access.can_read(user, d)]
    found.sort(key=lambda d: (d.published_on is not None, d.published_on or dt.date.min, d.pk), reverse=True)
    return [d.pk for d in found]


def _users(world):
    from liaison.core.testing import make_user

    public_only = make_user("public.reader", org=world.mofa, clearance=Classification.PUBLIC)
    return [world.admin, world.mofa_reader, world.vufo_reader, public_only]


@pytest.mark.parametrize("walk", [False, True], ids=["sorted", "walked"])
def test_every_page_holds_the_readable_matches_newest_first(world, corpus, monkeypatch, walk):
    from liaison.intake import search as module

    if walk:  # more matches than COUNT_CAP: the documents are walked newest first
        monkeypatch.setattr(module, "COUNT_CAP", 3)
        monkeypatch.setattr(module, "PROBE", 5)
    for user in _users(world):
        expected = _expected(user, corpus)
        assert expected, user
        pages = [search(user, WORD, limit=4, offset=offset) for offset in range(0, len(expected) + 4, 4)]
        assert [h.document_id for p in pages for h in p.hits] == expected, user
        for page in pages:
            if walk:
                assert not page.exact and 0 < page.total <= 3
            else:
                assert page.exact and page.total == len(expected)


def test_a_hidden_document_is_neither_counted_nor_shown_when_walking(world, monkeypatch):
    """The documents hidden from the reader are stored first, so they come first in the index: a
    count that did not ask the access policy would count them."""
    import datetime as dt

    from liaison.intake import search as module

    hidden = [
        _store(
            world,
            100 + n,
            owner=world.vufo,
            classification=Classification.RESTRICTED,
            published_on=dt.date(2030, 1, 1),
            holds_word=True,
        )
        for n in range(6)
    ]
    corpus = _corpus(world)
    monkeypatch.setattr(module, "COUNT_CAP", 4)
    monkeypatch.setattr(module, "PROBE", 60)
    results = search(world.mofa_reader, WORD, limit=50)
    assert {d.pk for d in hidden}.isdisjoint(h.document_id for h in results.hits)
    assert [h.document_id for h in results.hits] == _expected(world.mofa_reader, corpus)
    assert results.total == 4 and not results.exact
    monkeypatch.setattr(module, "COUNT_CAP", 1000)
    assert search(world.mofa_reader, WORD).total == len(_expected(world.mofa_reader, corpus))
    assert search(world.vufo_reader, WORD).total == len(_expected(world.vufo_reader, corpus + hidden))


def test_a_count_beyond_the_probe_is_a_lower_bound(world, corpus, monkeypatch):
    from liaison.intake import search as module

    monkeypatch.setattr(module, "PROBE", 3)
    for user in _users(world):
        results = search(user, WORD, limit=50)
        assert 0 < results.total <= 3 and not results.exact
        assert [h.document_id for h in results.hits] == _expected(user, corpus)
    assert search(world.admin, WORD).total == 3


@pytest.mark.parametrize("walk", [False, True], ids=["sorted", "walked"])
def test_a_search_is_one_query_whatever_the_number_of_hits(world, corpus, monkeypatch, walk):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from liaison.core.access import principal_for
    from liaison.intake import search as module

    if walk:
        monkeypatch.setattr(module, "COUNT_CAP", 3)
    principal_for(world.mofa_reader)  # read once per user object, for every check of a request
    for limit in (1, 20):
        with CaptureQueriesContext(connection) as queries:
            results = search(world.mofa_reader, WORD, limit=limit)
        assert len(results.hits) == limit
        assert len(queries) == 1


def test_the_search_page_makes_as_many_queries_for_many_hits_as_for_one(world):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from liaison.core.testing import PASSWORD

    client = Client()
    assert client.login(username=world.mofa_reader.username, password=PASSWORD)
    client.get(reverse("intake:document-list"), {"q": WORD})  # the first request reads what is cached after
    counts = []
    for n in range(6):
        _add(world, f"{EGYPT} {n}")
        if n in (0, 5):
            with CaptureQueriesContext(connection) as queries:
                page = client.get(reverse("intake:document-list"), {"q": WORD}).content.decode()
            assert page.count("<mark>") >= n + 1
            counts.append(len(queries))
    assert counts[0] == counts[1], [q["sql"][:80] for q in queries]


def test_the_marks_fall_on_words_starting_with_the_query_word_only():
    from liaison.intake.search import snippet, words

    marked = snippet(words("trade"), "Untraded goods; trade and traders, retrade.")
    assert str(marked) == "Untraded goods; <mark>trade</mark> and <mark>traders</mark>, retrade."
    # A letter or a vowel mark before the word: inside another word, not marked.
    marked = snippet(words("التعاون"), "بالتعاون وبِالتعاون ثم التعاونُ")
    assert str(marked) == "بالتعاون وبِالتعاون ثم <mark>التعاونُ</mark>"

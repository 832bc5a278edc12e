"""Ingesting a document: stored unchanged once, proposals with spans, refusals leave nothing behind."""

import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from liaison.core.audit import acting_as
from liaison.core.models import AuditEvent, Classification, SearchEntry
from liaison.intake.models import Document, DocumentStatus, MediaType, Proposal
from liaison.intake.services import SEARCH_KIND, delete_document, ingest
from liaison.intake.tests.conftest import stored_files
from liaison.intake.tests.samples import ARABIC, ENGLISH, docx, pdf


def _ingest(world, content, *, name="article.txt", by=None, owner=None, **kw):
    by = by or world.mofa_editor
    with acting_as(by, via="test"):
        return ingest(
            by,
            owner=owner or world.mofa,
            classification=kw.pop("classification", Classification.INTERNAL),
            name=name,
            content=content,
            **kw,
        )


def test_a_document_is_stored_unchanged_with_its_hash_text_and_proposals(world, media):
    content = ARABIC.encode("utf-8")
    result = _ingest(world, content)
    document = result.document
    assert result.created
    assert document.file.read() == content
    assert document.file.name.startswith("intake/") and document.file.name.endswith(".txt")
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert (document.original_name, document.media_type, document.size) == (
        "article.txt",
        MediaType.TEXT,
        len(content),
    )
    assert document.language == "ar"
    assert document.body.startswith("استقبل")
    assert document.status == DocumentStatus.EXTRACTED
    assert document.ingested_by == world.mofa_editor
    assert AuditEvent.objects.filter(
        object_id=str(document.pk), action="create", actor=world.mofa_editor
    ).exists()
    assert SearchEntry.objects.filter(kind=SEARCH_KIND, entity_id=document.pk).exists()


def test_proposals_are_stored_with_spans_into_the_original_text(world):
    document = _ingest(world, ARABIC.encode("utf-8")).document
    proposals = list(document.proposals.all())
    assert {"date", "place", "figure"} <= {p.type for p in proposals}
    for proposal in proposals:
        assert document.text[proposal.start : proposal.end] == proposal.surface
        assert proposal.state == "pending"
    date = next(p for p in proposals if p.type == "date")
    assert date.value["value"] == "2023-11-24"


@pytest.mark.parametrize(
    ("name", "content", "media_type"),
    [
        ("a.docx", docx(ENGLISH.splitlines()), MediaType.DOCX),
        ("a.pdf", pdf(ENGLISH), MediaType.PDF),
        ("a.html", f"<html><body><p>{ENGLISH}</p></body></html>".encode(), MediaType.HTML),
    ],
)
def test_every_kind_of_file_is_ingested(world, name, content, media_type):
    document = _ingest(world, content, name=name).document
    assert document.media_type == media_type
    assert document.language == "en"
    assert document.file.name.endswith(name[1:])


def test_the_same_content_again_returns_the_stored_document(world, media):
    first = _ingest(world, ARABIC.encode("utf-8"))
    again = _ingest(world, ARABIC.encode("utf-8"), name="copy.txt")
    assert not again.created
    assert again.document.pk == first.document.pk
    assert Document.objects.count() == 1
    assert len(stored_files(media)) == 1


def test_the_same_content_for_another_owner_is_its_own_document(world):
    first = _ingest(world, ARABIC.encode("utf-8"))
    other = _ingest(world, ARABIC.encode("utf-8"), by=world.admin, owner=world.vufo)
    assert other.created and other.document.pk != first.document.pk


def test_known_content_held_at_a_level_the_user_may_not_read_is_not_shown(world):
    _ingest(world, ARABIC.encode("utf-8"), by=world.admin, classification=Classification.RESTRICTED)
    world.mofa_editor.clearance = Classification.INTERNAL
    world.mofa_editor.save()
    from liaison.core.access import forget_principal

    forget_principal(world.mofa_editor)
    with pytest.raises(ValidationError) as error:
        _ingest(world, ARABIC.encode("utf-8"))
    assert "classification you may not read" in error.value.message_dict["content"][0]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty"),
        (bytes(range(256)) * 8, "binary file"),
        (pdf(None), "no text layer; it is probably a scan"),
        ("Министр иностранных дел принял делегацию в Ханое.".encode(), "language is not supported"),
        (b"<html><body><script>var a; <p>text</p>", "never closed"),
    ],
)
def test_a_refused_file_leaves_nothing_behind(world, media, content, message):
    with pytest.raises(ValidationError) as error:
        _ingest(world, content, name="bad")
    assert message in error.value.message_dict["content"][0]
    assert not Document.objects.exists()
    assert not Proposal.objects.exists()
    assert not SearchEntry.objects.filter(kind=SEARCH_KIND).exists()
    assert stored_files(media) == []


def test_a_file_over_the_limit_is_refused(world, settings, media):
    settings.LIAISON_INTAKE_MAX_BYTES = 100
    with pytest.raises(ValidationError, match="larger than 100 bytes"):
        _ingest(world, ARABIC.encode("utf-8"))
    assert stored_files(media) == []


def test_a_failure_while_storing_removes_the_stored_file(world, media, monkeypatch):
    from liaison.intake import services

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_store", broken)
    with pytest.raises(RuntimeError):
        _ingest(world, ARABIC.encode("utf-8"))
    assert not Document.objects.exists()
    assert stored_files(media) == []


def test_an_extraction_bug_keeps_the_document_with_its_error(world, monkeypatch):
    from liaison.intake.extraction import pipeline

    def broken(self, *args, **kwargs):
        raise KeyError("oops")

    monkeypatch.setattr(pipeline.Pipeline, "run", broken)
    document = _ingest(world, ARABIC.encode("utf-8")).document
    assert document.status == DocumentStatus.FAILED
    assert "KeyError" in document.error
    assert not document.proposals.exists()


def test_a_viewer_may_not_ingest_and_nothing_is_stored(world, media):
    with pytest.raises(PermissionDenied):
        _ingest(world, ARABIC.encode("utf-8"), by=world.mofa_reader)
    with pytest.raises(PermissionDenied):
        _ingest(world, ARABIC.encode("utf-8"), owner=world.vufo)
    assert stored_files(media) == []


def test_an_unknown_classification_is_a_field_error(world):
    with pytest.raises(ValidationError) as error:
        _ingest(world, ARABIC.encode("utf-8"), classification=7)
    assert "classification" in error.value.message_dict


def test_deleting_a_document_removes_its_row_proposals_index_and_file(
    world, media, django_capture_on_commit_callbacks
):
    document = _ingest(world, ARABIC.encode("utf-8"), by=world.admin).document
    with django_capture_on_commit_callbacks(execute=True), acting_as(world.admin, via="test"):
        delete_document(world.admin, document)
    assert not Document.objects.exists()
    assert not Proposal.objects.exists()
    assert not SearchEntry.objects.filter(kind=SEARCH_KIND).exists()
    assert stored_files(media) == []

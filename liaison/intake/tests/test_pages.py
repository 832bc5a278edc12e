"""The intake pages: list and search, adding a document, the review page and its decisions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from liaison.activities.models import Activity
from liaison.core.audit import acting_as
from liaison.core.models import Classification
from liaison.core.testing import PASSWORD
from liaison.intake import services
from liaison.intake.models import Document, ProposalState

pytestmark = pytest.mark.django_db

ARTICLE = "وزير الخارجية يترأس مؤتمراً في هانوي في 19 ديسمبر 2023 بمشاركة 45 وفداً.\n"


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _ingest(world, text: str = ARTICLE, classification=Classification.INTERNAL) -> Document:
    with acting_as(world.mofa_editor, via="test"):
        return services.ingest(
            world.mofa_editor,
            owner=world.mofa,
            classification=classification,
            name="a.txt",
            content=text.encode(),
            published_on=dt.date(2023, 12, 19),
        ).document


def test_upload_a_file_then_the_same_again_is_already_known(world):
    client = _client(world.mofa_editor)
    url = reverse("intake:document-create")
    assert client.get(url).status_code == 200
    data = {"owner": world.mofa.pk, "classification": Classification.INTERNAL}
    response = client.post(url, {**data, "file": SimpleUploadedFile("a.txt", ARTICLE.encode())})
    document = Document.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "intake:document-review", args=[document.pk]
    )
    again = client.post(url, {**data, "file": SimpleUploadedFile("b.txt", ARTICLE.encode())})
    assert again.status_code == 200
    assert "already known" in again.content.decode()
    assert reverse("intake:document-review", args=[document.pk]).encode() in again.content
    assert Document.objects.count() == 1


def test_pasted_text_is_ingested(world):
    client = _client(world.mofa_editor)
    data = {"owner": world.mofa.pk, "classification": Classification.PUBLIC, "text": ARTICLE}
    response = client.post(reverse("intake:document-create"), data)
    assert response.status_code == 302
    assert Document.objects.get().original_name == "pasted.txt"


def test_a_bad_file_is_refused_on_the_field(world):
    client = _client(world.mofa_editor)
    data = {"owner": world.mofa.pk, "classification": Classification.INTERNAL}
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    response = client.post(
        reverse("intake:document-create"), {**data, "file": SimpleUploadedFile("x.txt", png)}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "not supported" in " ".join(form.errors["file"])
    empty = client.post(reverse("intake:document-create"), data)
    assert "Choose a file" in " ".join(empty.context["form"].errors["file"])
    assert not Document.objects.exists()


def test_a_reader_may_not_add_for_an_organisation_they_cannot_write(world):
    client = _client(world.mofa_reader)
    data = {"owner": world.mofa.pk, "classification": Classification.INTERNAL, "text": ARTICLE}
    response = client.post(reverse("intake:document-create"), data)
    assert response.status_code == 200 and response.context["form"].errors["owner"]
    assert not Document.objects.exists()


def test_the_review_page_marks_the_proposals_in_arabic_right_to_left(world):
    document = _ingest(world)
    response = _client(world.mofa_reader).get(reverse("intake:document-review", args=[document.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'dir="rtl" lang="ar"' in html
    assert 'class="proposal-mark type-date state-pending"' in html
    assert 'class="proposal-mark type-figure state-pending"' in html
    # a reader sees the proposals but no buttons
    assert reverse("intake:document-accept-all", args=[document.pk]) not in html


def test_the_marks_escape_the_text(world):
    document = _ingest(world, text="<b>" + ARTICLE)
    html = (
        _client(world.mofa_editor).get(reverse("intake:document-review", args=[document.pk])).content.decode()
    )
    assert "&lt;b&gt;" in html and "<b>وزير" not in html


def test_accept_by_post_and_by_htmx(world):
    document = _ingest(world)
    client = _client(world.mofa_editor)
    event = document.proposals.get(type="event")
    response = client.post(reverse("intake:proposal-accept", args=[event.pk]))
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.state == ProposalState.ACCEPTED
    activity = Activity.objects.get()
    page = client.get(reverse("intake:document-review", args=[document.pk])).content.decode()
    assert activity.get_absolute_url() in page
    # the activity page lists the source sentence, linking back to the review page
    detail = client.get(activity.get_absolute_url()).content.decode()
    assert "19 ديسمبر 2023" in detail and f"/intake/{document.pk}/#proposal-{event.pk}" in detail
    figure = document.proposals.get(type="figure")
    htmx = client.post(reverse("intake:proposal-reject", args=[figure.pk]), HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200 and b'id="review"' in htmx.content and b"<html" not in htmx.content
    figure.refresh_from_db()
    assert figure.state == ProposalState.REJECTED


def test_accept_all_and_correct_pages(world):
    document = _ingest(world)
    client = _client(world.mofa_editor)
    date = document.proposals.filter(type="date").first()
    url = reverse("intake:proposal-correct", args=[date.pk])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"value": "not a date"})
    assert bad.status_code == 200 and bad.context["form"].errors["value"]
    assert client.post(url, {"value": "2023-12-20"}).status_code == 302
    date.refresh_from_db()
    assert date.corrected_value["value"] == "2023-12-20"
    response = client.post(reverse("intake:document-accept-all", args=[document.pk]))
    assert response.status_code in (200, 302)
    assert not document.proposals.pending().exists()


def test_list_search_and_empty_state(world):
    client = _client(world.mofa_reader)
    empty = client.get(reverse("intake:document-list")).content.decode()
    assert "No documents yet" in empty
    _ingest(world, classification=Classification.RESTRICTED)
    found = client.get(reverse("intake:document-list"), {"q": "مؤتمر"}).content.decode()
    assert "<mark>مؤتمراً</mark>" in found
    none = client.get(reverse("intake:document-list"), {"q": "zzzz"}).content.decode()
    assert "No document holds" in none
    hidden = _client(world.vufo_reader).get(reverse("intake:document-list"), {"q": "مؤتمر"}).content.decode()
    assert "<mark>" not in hidden

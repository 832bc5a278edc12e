"""Accepting, correcting and rejecting proposals: records written through the modules' services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from liaison.activities.models import Activity, SourceLink
from liaison.core.access import Role
from liaison.core.audit import acting_as
from liaison.core.models import Classification
from liaison.core.testing import make_org, make_person, make_superuser, make_user
from liaison.directory import services as directory
from liaison.directory.indexing import reindex_all
from liaison.directory.models import Person, PersonName, Position
from liaison.intake import review, services
from liaison.intake.models import Proposal, ProposalState, Provenance

pytestmark = pytest.mark.django_db

TEXT = (
    "وزير الخارجية بوي تان سون يترأس مؤتمراً بشكل مباشر وعبر الإنترنت في هانوي في 19 ديسمبر 2023.\n"
    "وشارك في المؤتمر 63 موقعاً.\n"
)


@pytest.fixture
def world(media):
    admin = make_superuser("review-admin")
    mofa = make_org(
        "Ministry of Foreign Affairs",
        by=admin,
        extra_names=[directory.NameInput(value="وزارة الخارجية", language="ar")],
    )
    person = make_person(
        owner=mofa,
        by=admin,
        names=[
            directory.NameInput(value="Bùi Thanh Sơn", language="vi"),
            directory.NameInput(value="بوي ثانه سون", language="ar"),
        ],
    )
    reindex_all()
    editor = make_user("review.editor", org=mofa, role=Role.EDITOR, clearance=Classification.RESTRICTED)
    reader = make_user("review.reader", org=mofa, clearance=Classification.RESTRICTED)
    with acting_as(editor, via="test"):
        document = services.ingest(
            editor,
            owner=mofa,
            classification=Classification.INTERNAL,
            name="article.txt",
            content=TEXT.encode(),
            published_on=dt.date(2023, 12, 19),
        ).document
    return {
        "admin": admin,
        "mofa": mofa,
        "person": person,
        "editor": editor,
        "reader": reader,
        "doc": document,
    }


def _one(document, kind: str) -> Proposal:
    found = list(document.proposals.filter(type=kind))
    assert found, f"no {kind} proposed: {list(document.proposals.values_list('type', 'surface'))}"
    return found[0]


def test_accepting_an_event_creates_an_activity_with_its_source(world):
    event = _one(world["doc"], "event")
    with acting_as(world["editor"], via="test"):
        review.accept(world["editor"], event)
    event.refresh_from_db()
    assert event.state == ProposalState.ACCEPTED
    activity = review.record_of(event)
    assert isinstance(activity, Activity)
    assert activity.owner == world["mofa"] and activity.kind == "conference"
    assert activity.starts_at.date() == dt.date(2023, 12, 19)
    assert activity.city is not None and activity.format in ("online", "hybrid")
    source = SourceLink.objects.get(activity=activity)
    assert "بوي تان سون" in source.title  # the sentence the event sits in
    assert source.url.endswith(f"/intake/{world['doc'].pk}/#proposal-{event.pk}")
    link = Provenance.objects.get(proposal=event)
    assert (link.start, link.end, link.object_id) == (event.start, event.end, activity.pk)


def test_accepting_a_known_person_adds_the_spelling_with_its_source(world):
    person_proposal = _one(world["doc"], "person")
    assert person_proposal.value["id"] == world["person"].pk
    with acting_as(world["editor"], via="test"):
        review.accept(world["editor"], person_proposal)
    spelling = PersonName.objects.get(person=world["person"], value="بوي تان سون")
    assert spelling.language == "ar" and f"Document {world['doc'].pk}" in spelling.source
    assert Person.objects.count() == 1
    assert review.provenance_for(world["person"])[0].quote.startswith("وزير الخارجية")
    # a title at a Directory organisation becomes a position, sourced too
    assert Position.objects.filter(person=world["person"], organisation=world["mofa"]).exists()


def test_a_correction_picks_another_entry_or_fixes_a_date(world):
    other = make_person(
        owner=world["mofa"],
        by=world["admin"],
        names=[directory.NameInput(value="Lê Hoài Trung", language="vi")],
    )
    person_proposal = _one(world["doc"], "person")
    date = _one(world["doc"], "date")
    with acting_as(world["editor"], via="test"):
        review.correct(world["editor"], person_proposal, {"id": other.pk})
        review.correct(world["editor"], date, {"value": "2023-12-20"})
    person_proposal.refresh_from_db()
    date.refresh_from_db()
    assert person_proposal.state == ProposalState.CORRECTED
    assert review.record_of(person_proposal) == other
    assert other.names.filter(value=person_proposal.surface).exists()
    assert date.state == ProposalState.CORRECTED and date.corrected_value["value"] == "2023-12-20"


def test_accept_all_and_a_refusal_leaves_things_pending(world):
    document = world["doc"]
    with pytest.raises(PermissionDenied):
        review.accept_all(world["reader"], document)
    with pytest.raises(PermissionDenied):
        review.accept(world["reader"], _one(document, "event"))
    assert not document.proposals.exclude(state=ProposalState.PENDING).exists()
    assert not Activity.objects.exists()
    with acting_as(world["editor"], via="test"):
        result = review.accept_all(world["editor"], document)
    assert (
        result.accepted
        and not document.proposals.pending().exclude(pk__in=[p.pk for p, _reason in result.refused]).exists()
    )
    assert Activity.objects.count() == 1


def test_a_refused_write_rolls_back_and_stays_pending(world):
    """The editor may review, but may not create the new organisation a proposal names."""
    document = world["doc"]
    proposal = _one(document, "person")
    with acting_as(world["editor"], via="test"), pytest.raises(PermissionDenied):
        review.correct(world["editor"], _org_proposal(document, proposal), {"name": "A New Body"})
    assert document.proposals.exclude(state=ProposalState.PENDING).count() == 0
    assert not Provenance.objects.exists()


def _org_proposal(document, fallback: Proposal) -> Proposal:
    org = document.proposals.filter(type="organisation").first()
    if org is not None:
        return org
    return Proposal.objects.create(
        document=document,
        type="organisation",
        start=0,
        end=3,
        surface=document.text[:3],
        value={},
        confidence=0.5,
    )


def test_rejecting_goes_through_the_remembering_service(world):
    proposal = _one(world["doc"], "figure")
    with acting_as(world["editor"], via="test"):
        services.reject(world["editor"], proposal)
        services.reextract(world["editor"], world["doc"])
    assert not world["doc"].proposals.filter(type="figure", start=proposal.start, state="pending").exists()


def test_the_quote_is_the_sentence_around_the_span():
    text = "First sentence. The second one holds it here. Third."
    start = text.index("holds")
    assert review.quote(text, start, start + 5) == "The second one holds it here."

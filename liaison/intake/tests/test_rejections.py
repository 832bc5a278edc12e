"""Rejecting a proposal is remembered: re-running extraction does not propose it again."""

from liaison.core.audit import acting_as
from liaison.core.models import AuditEvent, Classification
from liaison.intake.models import ProposalState, Rejection
from liaison.intake.services import ingest, reextract, reject
from liaison.intake.tests.samples import ARABIC


def _document(world):
    with acting_as(world.mofa_editor, via="test"):
        return ingest(
            world.mofa_editor,
            owner=world.mofa,
            classification=Classification.INTERNAL,
            name="a.txt",
            content=ARABIC.encode(),
        ).document


def test_a_rejected_proposal_is_not_proposed_again_after_reextraction(world):
    document = _document(world)
    before = document.proposals.count()
    date = document.proposals.get(type="date")
    with acting_as(world.mofa_editor, via="test"):
        reject(world.mofa_editor, date)
        reextract(world.mofa_editor, document)
    proposals = document.proposals.all()
    assert proposals.count() == before  # the rejected one kept as decided, not proposed anew
    assert [p.state for p in proposals if p.type == "date"] == [ProposalState.REJECTED]
    assert Rejection.objects.filter(sha256=document.sha256, type="date", start=date.start).exists()
    assert AuditEvent.objects.filter(
        object_id=str(document.pk), action="update", actor=world.mofa_editor
    ).exists()


def test_reextraction_replaces_pending_proposals_and_keeps_decided_ones(world):
    document = _document(world)
    decided = document.proposals.filter(type="figure").first()
    decided.state = ProposalState.ACCEPTED
    decided.save()
    pending_ids = set(document.proposals.pending().values_list("pk", flat=True))
    with acting_as(world.mofa_editor, via="test"):
        reextract(world.mofa_editor, document)
    assert document.proposals.filter(pk=decided.pk, state=ProposalState.ACCEPTED).exists()
    assert not document.proposals.filter(pk__in=pending_ids).exists()
    assert document.proposals.filter(type="figure").count() == 1


def test_a_rejection_everywhere_holds_for_the_owners_other_documents(world):
    document = _document(world)
    place = document.proposals.filter(type="place").first()
    with acting_as(world.mofa_editor, via="test"):
        reject(world.mofa_editor, place, everywhere=True)
        other = ingest(
            world.mofa_editor,
            owner=world.mofa,
            classification=Classification.INTERNAL,
            name="b.txt",
            content=(ARABIC + "\nسطر آخر في " + place.surface + ".").encode(),
        ).document
    assert not other.proposals.filter(type="place", surface=place.surface).exists()

"""The demo intake: the five seed articles, some proposals accepted, loaded twice the same."""

import pytest

from liaison.accounts.demo import ensure_demo_users
from liaison.activities.models import SourceLink
from liaison.directory.demo import load_demo_directory
from liaison.intake.demo import load_demo_intake
from liaison.intake.models import Document, Proposal, ProposalState

pytestmark = pytest.mark.django_db


def test_the_demo_loads_the_articles_with_accepted_and_pending_proposals(media):
    users = ensure_demo_users(password="demo-pass-xyz-123")
    load_demo_directory(by=users["admin"])
    first = load_demo_intake(users["admin"])
    assert first["documents"] == 5 and Document.objects.count() == 5
    accepted = Proposal.objects.filter(state=ProposalState.ACCEPTED)
    assert accepted.filter(type="event").exists() and accepted.filter(type="person").exists()
    assert Proposal.objects.filter(state=ProposalState.PENDING).exists()
    assert SourceLink.objects.filter(url__contains="/intake/").exists()
    counts = (Document.objects.count(), accepted.count(), SourceLink.objects.count())
    again = load_demo_intake(users["admin"])
    assert again == first
    assert (Document.objects.count(), accepted.count(), SourceLink.objects.count()) == counts

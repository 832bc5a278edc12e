"""Demo intake: the five seed articles ingested, with some of their proposals accepted.

Articles 000–002 are kept by CERC, 003–004 by VUFO, all public. In article 000 the people and
the conference are accepted (the person's Arabic spelling is added to the Directory, the
conference becomes an activity with the article as its source); everything else stays pending,
so the review pages show both. Running it again changes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError

from liaison.core.audit import acting_as
from liaison.core.models import Classification
from liaison.directory.models import Organisation
from liaison.intake import review, services
from liaison.intake.models import Document, Proposal, ProposalState

GOLD = Path(__file__).resolve().parent / "gold"
OWNERS = {"000": "seed:cerc", "001": "seed:cerc", "002": "seed:cerc", "003": "seed:vufo", "004": "seed:vufo"}
# (article, proposal types accepted in it)
ACCEPTED = {"000": ("person", "event")}


def load_demo_intake(by: Any) -> dict[str, int]:
    """Ingest the seed articles and accept a few proposals; idempotent."""
    counts = {"documents": 0, "accepted": 0}
    with acting_as(by, via="demo"):
        for path in sorted(GOLD.glob("*.txt")):
            number = path.name[:3]
            owner = Organisation.objects.filter(external_key=OWNERS.get(number, "seed:vufo")).first()
            if owner is None:
                continue
            gold = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
            date = gold.get("document_date")
            result = services.ingest(
                by,
                owner=owner,
                classification=Classification.PUBLIC,
                name=path.name,
                content=path.read_bytes(),
                published_on=_date(date),
            )
            document = result.document
            counts["documents"] += 1
            if result.created:
                _accept(by, document, ACCEPTED.get(number, ()))
    counts["accepted"] = Proposal.objects.filter(
        document__owner__external_key__in=set(OWNERS.values()),
        state__in=[ProposalState.ACCEPTED, ProposalState.CORRECTED],
    ).count()
    return counts


def _accept(by: Any, document: Document, types: tuple[str, ...]) -> None:
    for proposal in document.proposals.pending().filter(type__in=types):
        try:
            review.accept(by, proposal)
        except (PermissionDenied, ValidationError):
            continue  # left pending, as on the page


def _date(value: str | None) -> Any:
    import datetime as dt

    return dt.date.fromisoformat(value) if value else None

"""Reviewing proposals: accept (singly or all pending of a document), correct, reject.

Accepting writes through the same services as the forms: people and organisations through
`liaison.directory.services`, events through `liaison.activities.services.create_activity`, so
the access policy, validation and audit are theirs. Each accept is one transaction: a refusal
(`PermissionDenied`, `ValidationError`) rolls everything back and leaves the proposal pending.

Provenance (docs/intake.md, "Reviewing"): every record an accepted proposal created or changed
gets a `Provenance` row (document, span, the sentence around it); the record's own module shows
it too — an activity gets a `SourceLink` (the sentence as its title, the review page as its
address), a person's new spelling and title, and an organisation's new spelling, carry the
document in their `source`.

Places, dates, figures and document references stay references: accepting them records the
decision and creates nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from liaison.activities.models import ActivityFormat, ActivityKind
from liaison.core import access, audit
from liaison.core.names import fold
from liaison.directory.models import (
    Country,
    Gender,
    Locality,
    NameKind,
    Organisation,
    OrganisationKind,
    Person,
)
from liaison.intake.extraction.proposals import ProposalType
from liaison.intake.models import Document, Proposal, ProposalState, Provenance

QUOTE_LIMIT = 500
# Where a sentence ends, in the three languages (the Arabic question mark and comma-less breaks).
_SENTENCE_END = re.compile(r"[.!?؟。\n|]")
_ISO_DAY = re.compile(r"^(\d{4}|--)-(\d{2})-(\d{2})")
SITE_ZONE = "Asia/Ho_Chi_Minh"
# Writes the record a proposal stands for; None when it stays a reference.
type Handler = Callable[[Any, Proposal, dict[str, Any]], models.Model | None]


@dataclass
class AcceptAllResult:
    accepted: list[Proposal] = field(default_factory=list)
    refused: list[tuple[Proposal, str]] = field(default_factory=list)


def quote(text: str, start: int, end: int) -> str:
    """The sentence (or table cell, or line) the span sits in, as written; long ones cut around it."""
    left = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
    found = _SENTENCE_END.search(text, end)
    right = found.end() if found and found.group() not in "\n|" else (found.start() if found else len(text))
    if right - left > QUOTE_LIMIT:
        left = max(left, start - QUOTE_LIMIT // 3)
        right = min(right, max(end, left + QUOTE_LIMIT))
    return text[left:right].strip(" \n|")


def message_of(error: Exception) -> str:
    """A refusal as one sentence for the reviewer."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("You may not make this change.")


def effective_value(proposal: Proposal) -> dict[str, Any]:
    if proposal.state == ProposalState.CORRECTED and proposal.corrected_value is not None:
        return dict(proposal.corrected_value)
    return dict(proposal.value)


# --- Deciding ----------------------------------------------------------------------------------


def accept(by: Any, proposal: Proposal, *, correction: dict[str, Any] | None = None) -> Proposal:
    """Accept a pending proposal (with `correction` applied over its value: state corrected),
    writing its record through the owning module's services. One transaction; a refusal raises
    and leaves the proposal pending."""
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().select_related("document").get(pk=proposal.pk)
        document = proposal.document
        if not access.can_change(by, document):
            raise PermissionDenied(_("You may not review this document's proposals."))
        if proposal.state != ProposalState.PENDING:
            raise ValidationError({"state": [_("This proposal has already been decided.")]})
        value = dict(proposal.value)
        if correction:
            value.update(_check_correction(proposal.type, correction))
        handler: Handler = _HANDLERS.get(proposal.type) or _reference
        record = handler(by, proposal, value)
        before = proposal.state
        proposal.state = ProposalState.CORRECTED if correction else ProposalState.ACCEPTED
        proposal.corrected_value = value if correction else None
        proposal.decided_by = by if getattr(by, "pk", None) else None
        proposal.decided_at = timezone.now()
        proposal.save(update_fields=["state", "corrected_value", "decided_by", "decided_at"])
        if record is not None:
            Provenance.objects.create(
                document=document,
                proposal=proposal,
                start=proposal.start,
                end=proposal.end,
                quote=quote(document.text, proposal.start, proposal.end),
                content_type=ContentType.objects.get_for_model(record),
                object_id=record.pk,
            )
        audit.record_note(
            document,
            {f"proposal {proposal.pk} ({proposal.type} {proposal.surface!r})": [before, proposal.state]},
        )
    return proposal


def correct(by: Any, proposal: Proposal, correction: dict[str, Any]) -> Proposal:
    """Accept a proposal with its normalised value corrected (another Directory entry, a date…)."""
    if not correction:
        raise ValidationError({"value": [_("Give the corrected value.")]})
    return accept(by, proposal, correction=correction)


def accept_all(by: Any, document: Document) -> AcceptAllResult:
    """Accept every pending proposal of a document, each in its own transaction; refused ones stay
    pending with the reason."""
    if not access.can_change(by, document):
        raise PermissionDenied(_("You may not review this document's proposals."))
    result = AcceptAllResult()
    for proposal in list(document.proposals.pending().order_by("start", "end", "pk")):
        try:
            result.accepted.append(accept(by, proposal))
        except (PermissionDenied, ValidationError) as error:
            result.refused.append((proposal, message_of(error)))
    return result


def record_of(proposal: Proposal) -> models.Model | None:
    """The record an accepted proposal created or updated, if any."""
    link = proposal.provenance.select_related("content_type").first()
    if link is None:
        return None
    model = link.content_type.model_class()
    return model._default_manager.filter(pk=link.object_id).first() if model else None


def provenance_for(record: models.Model) -> list[Provenance]:
    ct = ContentType.objects.get_for_model(record)
    return list(Provenance.objects.filter(content_type=ct, object_id=record.pk).select_related("document"))


# --- Corrections -------------------------------------------------------------------------------


def _check_correction(kind: str, correction: dict[str, Any]) -> dict[str, Any]:
    """The corrected keys, validated for the proposal's type."""
    out: dict[str, Any] = {}
    if kind in (ProposalType.PERSON, ProposalType.ORGANISATION):
        if correction.get("id"):
            try:
                out.update(id=int(correction["id"]), entry="", new=False)
            except (TypeError, ValueError):
                raise ValidationError({"id": [_("Choose an entry from the list.")]}) from None
        elif str(correction.get("name", "")).strip():
            out.update(id=None, entry="", new=True, name=str(correction["name"]).strip()[:300])
        else:
            raise ValidationError({"id": [_("Choose an entry or give the name of a new one.")]})
    elif kind == ProposalType.DATE:
        out["value"] = _iso(correction.get("value"), "value").isoformat()
    elif kind == ProposalType.EVENT:
        for key in ("start", "end"):
            if correction.get(key):
                out[key] = _iso(correction[key], key).isoformat()
        if out.get("start") and out.get("end") and out["end"] < out["start"]:
            raise ValidationError({"end": [_("The end date must not be before the start date.")]})
        if correction.get("title", "").strip():
            out["title"] = correction["title"].strip()[:300]
        if correction.get("kind"):
            if correction["kind"] not in ActivityKind.values:
                raise ValidationError({"kind": [_("Unknown kind of activity.")]})
            out["kind"] = correction["kind"]
        if correction.get("format"):
            if correction["format"] not in ActivityFormat.values:
                raise ValidationError({"format": [_("Unknown format.")]})
            out["format"] = correction["format"]
    elif kind == ProposalType.FIGURE:
        try:
            out["number"] = float(str(correction.get("number", "")).replace(",", ""))
        except ValueError:
            raise ValidationError({"number": [_("Give a number.")]}) from None
    else:
        raise ValidationError({"value": [_("This kind of proposal cannot be corrected; reject it instead.")]})
    if not out:
        raise ValidationError({"value": [_("Give the corrected value.")]})
    return out


def _iso(value: Any, key: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError({key: [_("Give a date as YYYY-MM-DD.")]}) from None


# --- Writing the records -------------------------------------------------------------------------


def _source_text(proposal: Proposal) -> str:
    document = proposal.document
    text = _("Document %(id)s (%(name)s), characters %(start)s–%(end)s") % {
        "id": document.pk,
        "name": str(document)[:120],
        "start": proposal.start,
        "end": proposal.end,
    }
    return text[:300]


def _find(by: Any, model: type[Any], value: dict[str, Any]) -> Any:
    """The Directory record a value names (by its key or id), or None for a new one."""
    entry = str(value.get("entry") or "")
    record = None
    prefix = "person:" if model is Person else "organisation:"
    if entry.startswith(prefix) and entry[len(prefix) :].isdigit():
        record = model.objects.filter(pk=int(entry[len(prefix) :])).first()
    elif entry:
        record = model.objects.filter(external_key__in=[entry, f"seed:{entry}"]).first()
    if record is None and isinstance(value.get("id"), int):
        record = model.objects.filter(pk=value["id"]).first()
    if record is None and (entry or value.get("id")) and not value.get("new"):
        raise ValidationError({"id": [_("This Directory entry no longer exists; correct the proposal.")]})
    if record is not None and not access.can_read(by, record):
        raise ValidationError({"id": [_("This Directory entry no longer exists; correct the proposal.")]})
    return record


def _created_here(proposal: Proposal, model: type[Any], name: str) -> Any:
    """A record an earlier proposal of the same document created for the same name."""
    ct = ContentType.objects.get_for_model(model)
    key = fold(name)
    for link in Provenance.objects.filter(document_id=proposal.document_id, content_type=ct).select_related(
        "proposal"
    ):
        if link.proposal and fold(effective_value(link.proposal).get("name") or link.proposal.surface) == key:
            return model.objects.filter(pk=link.object_id).first()
    return None


def _person(by: Any, proposal: Proposal, value: dict[str, Any]) -> Any:
    from liaison.directory import services as directory

    document, source = proposal.document, _source_text(proposal)
    person = _find(by, Person, value)
    if person is None:
        name = str(value.get("name") or proposal.surface).strip()
        person = _created_here(proposal, Person, name)
        if person is None:
            person = directory.create_person(
                by=by,
                data=directory.PersonInput(
                    owner=document.owner,
                    classification=document.classification,
                    gender=str(value.get("gender")) if value.get("gender") in Gender.values else "",
                ),
                names=[directory.NameInput(value=name, language=document.language, source=source)],
            )
    known = {fold(n) for n in person.names.values_list("value", flat=True)}
    if fold(proposal.surface) not in known:
        directory.add_person_name(
            by=by,
            person=person,
            name=directory.NameInput(
                value=proposal.surface,
                language=document.language,
                kind=NameKind.TRANSLITERATION,
                source=source,
            ),
        )
    for title in value.get("titles") or []:
        try:
            org = _find(by, Organisation, {"entry": title.get("organisation") or ""})
        except ValidationError:  # an organisation the reviewer cannot see: the title is left out
            org = None
        label = str(title.get("label") or "").split(",")[0].strip()
        if org is None or not label or person.positions.filter(organisation=org, end__isnull=True).exists():
            continue
        directory.add_position(
            by=by,
            person=person,
            data=directory.PositionInput(organisation=org, title_en=label, source=source),
        )
    return person


def _organisation(by: Any, proposal: Proposal, value: dict[str, Any]) -> Any:
    from liaison.directory import services as directory

    document, source = proposal.document, _source_text(proposal)
    org = _find(by, Organisation, value)
    if org is None:
        name = str(value.get("name") or proposal.surface).strip()
        org = _created_here(proposal, Organisation, name)
        if org is None:
            # A new top-level entry (who may create one is the Directory's rule: administrators).
            return directory.create_organisation(
                by=by,
                data=directory.OrganisationInput(
                    pillar=document.owner.pillar,
                    kind=OrganisationKind.OTHER,
                    classification=document.classification,
                ),
                names=[directory.NameInput(value=name, language=document.language, source=source)],
            )
    known = {fold(n) for n in org.names.values_list("value", flat=True)}
    if fold(proposal.surface) not in known:
        directory.add_organisation_name(
            by=by,
            organisation=org,
            name=directory.NameInput(
                value=proposal.surface, language=document.language, kind=NameKind.ALIAS, source=source
            ),
        )
    return org


def _day(value: Any, document: Document) -> dt.date | None:
    match = _ISO_DAY.match(str(value or ""))
    if not match:
        return None
    year = match.group(1)
    if year == "--":
        if document.published_on is None:
            return None
        year = str(document.published_on.year)
    try:
        return dt.date(int(year), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def _place(value: Any) -> tuple[Locality | None, Country | None]:
    key = str(value or "")
    if key.startswith("locality:"):
        city = Locality.objects.filter(code=key.removeprefix("locality:")).select_related("country").first()
        return city, city.country if city else None
    if key.startswith("country:"):
        return None, Country.objects.filter(code=key.removeprefix("country:")).first()
    return None, None


def _event(by: Any, proposal: Proposal, value: dict[str, Any]) -> Any:
    from liaison.activities import records
    from liaison.activities.services import ActivityInput, create_activity

    document = proposal.document
    start = _day(value.get("start"), document) or document.published_on
    if start is None:
        raise ValidationError({"start": [_("The event has no date: correct it with its date.")]})
    end = _day(value.get("end"), document) or start
    tz = ZoneInfo(SITE_ZONE)
    city, country = _place(value.get("place"))
    title = str(value.get("title") or "").strip()
    if len(title.split()) < 3:
        title = (document.title or quote(document.text, proposal.start, proposal.end) or title)[:300]
    sentence = quote(document.text, proposal.start, proposal.end)
    language = document.language if document.language in ("en", "vi", "ar") else "en"
    texts: dict[str, Any] = {f"title_{language}": title, f"summary_{language}": sentence}
    if value.get("sites"):
        note = _("%(sites)s connected sites.") % {"sites": value["sites"]}
        texts[f"summary_{language}"] = f"{sentence}\n{note}".strip()
    fmt = str(value.get("format") or "")
    leader = None
    for participant in value.get("participants") or []:
        found = Person.objects.filter(external_key__in=[participant, f"seed:{participant}"]).first()
        if found is not None and access.can_read(by, found):
            leader = found
            break
    activity = create_activity(
        by=by,
        data=ActivityInput(
            kind=str(value.get("kind")) if value.get("kind") in ActivityKind.values else ActivityKind.OTHER,
            lead_organisation=document.owner,
            owner=document.owner,
            starts_at=dt.datetime.combine(start, dt.time(9), tzinfo=tz),
            ends_at=dt.datetime.combine(max(end, start), dt.time(17), tzinfo=tz),
            city=city,
            country=country,
            format=fmt if fmt in ActivityFormat.values else ActivityFormat.IN_PERSON,
            leader=leader,
            classification=document.classification,
            time_zone=SITE_ZONE,
            **texts,
        ),
    )
    records.add_source(
        by=by,
        activity=activity,
        title=sentence[:500] or proposal.surface,
        url=review_url(proposal),
        reference=_source_text(proposal)[:200],
    )
    return activity


def review_url(proposal: Proposal) -> str:
    """The document's review page at this proposal, as an absolute address (a SourceLink's URL)."""
    path = reverse("intake:document-review", args=[proposal.document_id])
    return f"{settings.LIAISON_SITE_URL}{path}#proposal-{proposal.pk}"


def _reference(by: Any, proposal: Proposal, value: dict[str, Any]) -> None:
    """Places, dates, figures, document references: accepted as references, nothing created."""
    return None


_HANDLERS: dict[str, Handler] = {
    ProposalType.PERSON: _person,
    ProposalType.ORGANISATION: _organisation,
    ProposalType.EVENT: _event,
}

"""Events, proposed as activities: kind (the register's activity kinds), title, dates, place,
format (in person / online / hybrid), number of connected sites and participants.

A trigger word starts an event (مؤتمراً, a named conference, جلسة عامة, حفل تكريم); a definite
mention (المؤتمر) refers back to the last event of its kind; caption mentions attach to the
body's events. Details come from the sentences of the event's mentions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Final

from liaison.intake.extraction.data import load
from liaison.intake.extraction.document import Document
from liaison.intake.extraction.gazetteer import PhraseIndex
from liaison.intake.extraction.normalise import normalise
from liaison.intake.extraction.pipeline import Context
from liaison.intake.extraction.proposals import Proposal, ProposalType

_SENTENCE: Final = re.compile(r"[.!?;\n|]")
# How many words after a trigger may belong to an event's name (المؤتمر الدبلوماسي الثاني والثلاثين).
TITLE_WORDS: Final = 6


@dataclass
class _Event:
    kind: str
    session: str | None
    start: int
    end: int
    title: str
    caption: bool
    mentions: list[tuple[int, int]] = field(default_factory=list)


@cache
def _triggers(language: str) -> PhraseIndex[dict[str, Any]]:
    index: PhraseIndex[dict[str, Any]] = PhraseIndex()
    for trigger in load("events")["triggers"].get(language, []):
        index.add(trigger["form"], trigger)
        if language == "ar" and " " not in trigger["form"] and not trigger.get("definite"):
            index.add(trigger["form"] + "ا", trigger)  # accusative: مؤتمراً
    return index


@cache
def _words(kind: str, language: str) -> tuple[str, ...]:
    return tuple(normalise(w) for w in load("events")[kind].get(language, []))


def _sentence(doc: Document, start: int, end: int) -> tuple[int, int]:
    left = max((m.end() for m in _SENTENCE.finditer(doc.norm, 0, start)), default=0)
    right = _SENTENCE.search(doc.norm, end)
    return left, right.start() if right else len(doc.norm)


class EventExtractor:
    name = "events"

    def extract(self, ctx: Context) -> list[Proposal]:
        doc = ctx.doc
        events: list[_Event] = []
        pending: list[tuple[int, int, dict[str, Any], str]] = []
        for found in _triggers(doc.language).find_all(doc):
            trigger = found.payloads[0]
            if self._skip(ctx, found.start, found.end, found.last, trigger):
                continue
            title_end = self._title_end(doc, found.last)
            title = doc.original(found.start, title_end)
            caption = doc.in_caption(doc.span(found.start, found.end)[0])
            if caption:
                pending.append((found.start, title_end, trigger, title))
                continue
            anaphoric = self._anaphoric(doc, found.first)
            self._place(
                events, found.start, title_end, trigger, title, caption=anaphoric, named=title_end > found.end
            )
        for start, end, trigger, title in pending:
            self._place(events, start, end, trigger, title, caption=True, named=end > start)
        return [self._propose(ctx, event) for event in events]

    @staticmethod
    def _anaphoric(doc: Document, first: int) -> bool:
        return first > 0 and doc.tokens[first - 1].text in _words("anaphora_before", doc.language)

    def _skip(self, ctx: Context, start: int, end: int, last: int, trigger: dict[str, Any]) -> bool:
        doc = ctx.doc
        if trigger.get("plural"):
            return True
        index = doc.token_at(start)
        before = doc.tokens[index - 1] if index else None
        if before is not None and before.text.isdigit():
            return True  # "45 زيارة" is a figure, not an event
        after = " ".join(t.text for t in doc.tokens[last : last + TITLE_WORDS])
        if any(w in after.split() for w in _words("not_activities", doc.language)):
            ordinals = {normalise(o) for o in load("events")["ordinals"].get(doc.language, [])}
            if any(w in ordinals for w in after.split()[:3]) or doc.language != "ar":
                return True
        ordinals = {normalise(o) for o in load("events")["ordinals"].get(doc.language, [])}
        title_words = after.split()[:3]
        if any(w in _words("congress_words", doc.language) for w in title_words[:1]) and any(
            w in ordinals for w in title_words
        ):
            return True
        if trigger.get("needs_destination"):
            window = doc.norm[end : end + 80]
            if not any(
                re.search(rf"(?<!\w){re.escape(w)}(?!\w)", window)
                for w in _words("destination_words", doc.language)
            ):
                return True
        return False

    def _title_end(self, doc: Document, last: int) -> int:
        """A named event runs over the adjectives and ordinals after its trigger."""
        stops = set(_words("title_stop", doc.language))
        end = doc.tokens[last - 1].end
        for index in range(last, min(len(doc.tokens), last + TITLE_WORDS)):
            token = doc.tokens[index]
            if doc.gap(doc.tokens[index - 1], token).strip() or token.text in stops:
                break
            ordinals = {normalise(o) for o in load("events")["ordinals"].get(doc.language, [])}
            if doc.language == "ar" and not (token.text.startswith(("ال", "لل")) or token.text in ordinals):
                break
            end = token.end
        return end

    def _place(
        self,
        events: list[_Event],
        start: int,
        end: int,
        trigger: dict[str, Any],
        title: str,
        *,
        caption: bool,
        named: bool,
    ) -> None:
        kind, session = trigger["kind"], trigger.get("session")
        same = [e for e in events if e.kind == kind and e.session == session]
        key = normalise(title)
        for event in same:
            if named and normalise(event.title) == key:
                event.mentions.append((start, end))
                return
        attach = trigger.get("attach_only") or caption or (trigger.get("definite") and not named)
        if attach:
            # A definite mention with no antecedent of its kind (حضر الحفل) is part of the last event.
            target = same[-1] if same else (events[-1] if events and session is None else None)
            if target is not None:
                target.mentions.append((start, end))
                return
            if trigger.get("attach_only"):
                return
        events.append(_Event(kind, session, start, end, title, caption, [(start, end)]))

    def _propose(self, ctx: Context, event: _Event) -> Proposal:
        doc = ctx.doc
        sentences = [_sentence(doc, s, e) for s, e in event.mentions]

        def near(kind: ProposalType) -> list[Proposal]:
            return [p for p in ctx.of(kind) if any(a <= p.norm_start < b for a, b in sentences)]

        dates = sorted(near(ProposalType.DATE), key=lambda p: p.norm_start)
        days = [d for d in dates if d.value["granularity"] in {"day", "period", "month"}] or dates
        places = near(ProposalType.PLACE)
        sites = [f for f in near(ProposalType.FIGURE) if f.value.get("unit") == "site"]
        people = near(ProposalType.PERSON)
        text = " ".join(doc.norm[a:b] for a, b in sentences)
        value: dict[str, Any] = {
            "kind": event.kind,
            "session": event.session,
            "title": event.title,
            "format": self._format(doc, text),
            "start": days[0].value.get("start", days[0].value["value"]) if days else None,
            "end": self._end(days),
            "place": places[0].value.get("entry") if places else None,
            "place_name": places[0].value.get("name") if places else None,
            "sites": sites[0].value["number"] if sites else None,
            "participants": list(dict.fromkeys(p.value["entry"] or p.value["name"] for p in people)),
            "mentions": [list(doc.span(s, e)) for s, e in event.mentions],
        }
        confidence = 0.7 if len(event.mentions) > 1 else 0.55
        return ctx.make(ProposalType.EVENT, event.start, event.end, value, confidence)

    @staticmethod
    def _end(days: list[Proposal]) -> str | None:
        until = [d for d in days if d.value.get("relation") == "until" or d.value.get("end")]
        if not until:
            return None
        last = until[-1].value
        return str(last.get("end") or last["value"])

    @staticmethod
    def _format(doc: Document, text: str) -> str | None:
        def has(kind: str) -> bool:
            forms = load("events")["formats"][kind].get(doc.language, [])
            return any(normalise(f) in text for f in forms)

        if has("hybrid") or (has("online") and has("in_person")):
            return "hybrid"
        if has("online"):
            return "online"
        if has("in_person"):
            return "in_person"
        return None

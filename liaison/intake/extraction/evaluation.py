"""Precision, recall and F1 of extraction against gold annotations, per proposal type.

Matching criterion: a proposal matches a gold item of the same type when their spans overlap
(for events: any of the gold event's mention spans) and their normalised values agree:

- person: same Directory entry (or both proposed as new) and the same set of titles, each title
  being (role, organisation entry);
- organisation, place: same Directory entry (or both new: a new entry's name is the reviewer's);
- date: same ISO value and the same ``inferred_year`` flag;
- figure: same number, unit and ``approximate`` flag;
- document_ref: same code when the gold item has one, else same kind and number;
- event: same activity kind and session kind.

Each gold item and each proposal is matched at most once (greedily, in text order).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from liaison.intake.extraction.pipeline import Pipeline
from liaison.intake.extraction.proposals import Proposal, ProposalType

GOLD_DIR = Path(__file__).resolve().parents[1] / "gold"
TYPES = [t.value for t in ProposalType]


@dataclass
class GoldItem:
    type: str
    start: int
    end: int
    surface: str
    value: dict[str, Any]

    def spans(self) -> list[tuple[int, int]]:
        mentions = self.value.get("mentions")
        return [(s, e) for s, e in mentions] if mentions else [(self.start, self.end)]


@dataclass
class GoldDocument:
    path: Path
    text: str
    language: str
    date: dt.date | None
    items: list[GoldItem]


@dataclass
class Score:
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positives + self.false_negatives
        return self.true_positives / wanted if wanted else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    scores: dict[str, Score] = field(default_factory=lambda: defaultdict(Score))
    misses: list[str] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)
    documents: int = 0


def load_gold(directory: Path = GOLD_DIR, *, language: str | None = None) -> list[GoldDocument]:
    """Every ``*.json`` gold file of ``directory`` with its text (checked against its hash)."""
    out = []
    for path in sorted(directory.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if language and data["language"] != language:
            continue
        raw = (path.parent / data["document"]).read_bytes()
        if hashlib.sha256(raw).hexdigest() != data["sha256"]:
            raise ValueError(f"{path.name}: the text does not match the annotated hash")
        text = raw.decode("utf-8")
        items = [GoldItem(i["type"], i["start"], i["end"], i["surface"], i["value"]) for i in data["items"]]
        for item in items:
            if text[item.start : item.end] != item.surface:
                raise ValueError(f"{path.name}: span {item.start}-{item.end} is not {item.surface!r}")
        date = dt.date.fromisoformat(data["document_date"]) if data.get("document_date") else None
        out.append(GoldDocument(path, text, data["language"], date, items))
    return out


def _titles(value: dict[str, Any]) -> set[tuple[str, str | None]]:
    titles = value.get("titles") or []
    return {(t[0], t[1]) if isinstance(t, list) else (t["role"], t["organisation"]) for t in titles}


def _same_entry(gold: dict[str, Any], found: dict[str, Any]) -> bool:
    return bool(gold.get("entry") == found.get("entry"))


def values_agree(item: GoldItem, proposal: Proposal) -> bool:
    """Whether a proposal's normalised value is the gold item's (see the module docstring)."""
    gold, found = item.value, proposal.value
    kind = item.type
    if kind == "person":
        return _same_entry(gold, found) and _titles(gold) == _titles(found)
    if kind in {"organisation", "place"}:
        return _same_entry(gold, found)
    if kind == "date":
        return bool(gold["value"] == found["value"] and gold["inferred_year"] == found["inferred_year"])
    if kind == "figure":
        return bool(
            abs(float(gold["number"]) - float(found["number"])) < 1e-6 * max(1.0, abs(float(gold["number"])))
            and gold["unit"] == found["unit"]
            and gold["approximate"] == found["approximate"]
        )
    if kind == "document_ref":
        if gold.get("code"):
            return bool(gold["code"] == found.get("code"))
        return bool(
            gold["kind"] == found.get("kind") and int(gold["number"]) == int(found.get("number") or -1)
        )
    if kind == "event":
        return bool(gold["kind"] == found.get("kind") and gold.get("session") == found.get("session"))
    return False


def _overlap(spans: Iterable[tuple[int, int]], proposal: Proposal) -> bool:
    return any(s < proposal.end and proposal.start < e for s, e in spans)


def evaluate(
    pipeline: Pipeline | Callable[[GoldDocument], Pipeline], documents: list[GoldDocument]
) -> Report:
    """Score ``pipeline`` (or a pipeline made per document) on ``documents``."""
    report = Report()
    for document in documents:
        report.documents += 1
        runner = pipeline if isinstance(pipeline, Pipeline) else pipeline(document)
        extraction = runner.run(document.text, date=document.date, language=document.language)
        proposals = list(extraction.proposals)
        used: set[int] = set()
        for item in document.items:
            score = report.scores[item.type]
            match = next(
                (
                    i
                    for i, p in enumerate(proposals)
                    if i not in used
                    and p.type == item.type
                    and _overlap(item.spans(), p)
                    and values_agree(item, p)
                ),
                None,
            )
            if match is None:
                score.false_negatives += 1
                report.misses.append(f"{document.path.name} {item.type} {item.surface!r} {item.value}")
            else:
                used.add(match)
                score.true_positives += 1
        for i, proposal in enumerate(proposals):
            if i not in used:
                report.scores[str(proposal.type)].false_positives += 1
                report.extras.append(
                    f"{document.path.name} {proposal.type} {proposal.surface!r} {proposal.value}"
                )
    return report


def format_report(report: Report) -> str:
    lines = [f"{'type':<14}{'precision':>10}{'recall':>10}{'F1':>8}{'gold':>7}{'found':>7}"]
    for kind in TYPES:
        s = report.scores.get(kind, Score())
        gold = s.true_positives + s.false_negatives
        found = s.true_positives + s.false_positives
        lines.append(f"{kind:<14}{s.precision:>10.3f}{s.recall:>10.3f}{s.f1:>8.3f}{gold:>7}{found:>7}")
    return "\n".join(lines)

"""Candidate retrieval as the DB does it, and quality figures over the labelled variants."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from liaison.core.names import (
    Match,
    name_keys,
    rank,
    retrieval_keys,
    token_keys_for_query,
)
from liaison.core.names.tests.variants import AMBIGUOUS, ENTITIES

# Posting lists longer than this only re-weight candidates found through rarer keys,
# as a "GROUP BY name ORDER BY sum(idf) DESC LIMIT cap" query would in effect do.
LONG_POSTINGS = 5000


class KeyIndex:
    """In-memory stand-in for the name-key table: retrieval key → stored name ids."""

    def __init__(self, pairs: Sequence[tuple[str, str]]) -> None:
        self.pairs = pairs
        self.postings: dict[str, list[int]] = defaultdict(list)
        for i, (_, name) in enumerate(pairs):
            for key in retrieval_keys(name_keys(name)):
                self.postings[key].append(i)
        self._sets: dict[str, frozenset[int]] = {}

    def _as_set(self, key: str) -> frozenset[int]:
        if key not in self._sets:
            self._sets[key] = frozenset(self.postings[key])
        return self._sets[key]

    def candidates(self, query: str, *, cap: int = 1000) -> list[tuple[str, str]]:
        """Names sharing a key with ``query``, the ``cap`` best by summed key rarity (idf)."""
        total = len(self.pairs)
        keys = sorted(
            (k for k in token_keys_for_query(query) if k in self.postings),
            key=lambda k: len(self.postings[k]),
        )
        scores: dict[int, float] = {}
        for key in keys:
            postings = self.postings[key]
            weight = math.log(1 + total / len(postings))
            if len(postings) <= LONG_POSTINGS or not scores:
                for i in postings[: max(cap, LONG_POSTINGS)]:
                    scores[i] = scores.get(i, 0.0) + weight
            else:
                members = self._as_set(key)
                for i in scores:
                    if i in members:
                        scores[i] += weight
        best = sorted(scores, key=scores.__getitem__, reverse=True)[:cap]
        return [self.pairs[i] for i in best]


@dataclass
class QualityReport:
    queries: int = 0
    unique_queries: int = 0
    hits_at_1: int = 0
    hits_at_5: int = 0
    ambiguous_queries: int = 0
    ambiguous_ok: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def recall_at_1(self) -> float:
        return self.hits_at_1 / max(self.unique_queries, 1)

    @property
    def recall_at_5(self) -> float:
        return self.hits_at_5 / max(self.unique_queries, 1)

    @property
    def precision(self) -> float:
        """Top-1 correct among queries with a unique answer (equal to recall@1 here)."""
        return self.recall_at_1


def _top(matches: list[Match[str]], n: int) -> list[str]:
    return [m.key for m in matches[:n]]


def evaluate(index: KeyIndex, *, cap: int = 1000) -> QualityReport:
    report = QualityReport()
    for entity in ENTITIES:
        for query in entity.queries:
            matches = rank(query, index.candidates(query, cap=cap), limit=5)
            report.queries += 1
            report.unique_queries += 1
            top = _top(matches, 5)
            report.hits_at_1 += top[:1] == [entity.key]
            report.hits_at_5 += entity.key in top
            if top[:1] != [entity.key]:
                got = ", ".join(f"{m.key}:{m.value}:{m.score:.3f}" for m in matches[:3])
                report.failures.append(f"{query!r} -> want {entity.key}, got [{got}]")
    for case in AMBIGUOUS:
        matches = rank(case.query, index.candidates(case.query, cap=cap), limit=5)
        report.queries += 1
        report.ambiguous_queries += 1
        if case.expected <= set(_top(matches, 5)):
            report.ambiguous_ok += 1
        else:
            report.failures.append(f"{case.query!r} -> want all of {sorted(case.expected)}")
    return report

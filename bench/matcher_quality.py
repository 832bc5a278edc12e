"""Quality and speed of the cross-script name matcher.

Run: ``uv run python bench/matcher_quality.py [--names 300000] [--cap 1000]``

Prints recall@1/@5, precision (top-1 correct for queries with a unique answer) and the
ambiguous-query check, first over the small labelled population used by the tests, then over
a large in-memory population where candidates are retrieved the way the DB layer would
(retrieval key -> names, best ``cap`` by summed key rarity) before ``rank``. Also times
``similarity`` per call and retrieval + ``rank`` per query (p50/p95).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from liaison.core.names import name_keys, rank, similarity
from liaison.core.names.tests.quality import KeyIndex, QualityReport, evaluate
from liaison.core.names.tests.variants import (
    ENTITIES,
    FAMILY,
    GIVEN,
    MIDDLE,
    candidate_population,
    transliterate_arabic,
)

# Worst cases for retrieval: very common family and middle names.
STRESS_QUERIES = (
    "Nguyễn Văn Anh",
    "نجوين ثي هونغ",
    "Trần",
    "ترونغ",
    "Lê Minh",
    "Phạm Thị Mai",
)


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def large_population(total: int, *, seed: int = 2024) -> list[tuple[str, str]]:
    """Labelled entities plus generated people, each with a Latin and an Arabic name."""
    pairs = candidate_population(0)
    protected = {name_keys(n).fine_sorted for e in ENTITIES for n in e.names + e.queries}
    rng = random.Random(seed)
    person = 0
    while len(pairs) < total:
        parts = [rng.choice(FAMILY), rng.choice(MIDDLE)]
        if rng.random() < 0.3:
            parts.append(rng.choice(MIDDLE))
        parts.append(rng.choice(GIVEN))
        latin = " ".join(parts)
        arabic = transliterate_arabic(latin)
        if name_keys(latin).fine_sorted in protected or name_keys(arabic).fine_sorted in protected:
            continue
        pairs.append((f"p{person}", latin))
        pairs.append((f"p{person}", arabic))
        person += 1
    return pairs[:total]


def print_report(title: str, report: QualityReport) -> None:
    print(f"\n== {title}")
    print(
        f"queries: {report.queries} ({report.unique_queries} with a unique answer, "
        f"{report.ambiguous_queries} ambiguous)"
    )
    print(
        f"recall@1: {report.recall_at_1:.3f}   recall@5: {report.recall_at_5:.3f}   "
        f"precision (top-1): {report.precision:.3f}"
    )
    print(f"ambiguous queries with all answers in top 5: {report.ambiguous_ok}/{report.ambiguous_queries}")
    for failure in report.failures[:10]:
        print(f"  miss: {failure}")


def time_similarity(pairs: list[tuple[str, str]]) -> None:
    rng = random.Random(7)
    queries = [name_keys(q) for e in ENTITIES for q in e.queries]
    candidates = [name_keys(name) for _, name in rng.sample(pairs, 2000)]
    samples: list[float] = []
    for query in queries:
        start = time.perf_counter()
        for candidate in candidates:
            similarity(query, candidate)
        samples.append((time.perf_counter() - start) / len(candidates) * 1e6)
    print(
        f"\n== similarity(): {len(queries) * len(candidates)} calls, per call "
        f"mean {statistics.fmean(samples):.2f} µs, p50 {_percentile(samples, 50):.2f} µs, "
        f"p95 {_percentile(samples, 95):.2f} µs (per-query batch averages)"
    )


def time_rank(index: KeyIndex, *, cap: int) -> None:
    queries = [q for e in ENTITIES for q in e.queries] + list(STRESS_QUERIES)
    retrieve_ms: list[float] = []
    rank_ms: list[float] = []
    total_ms: list[float] = []
    sizes: list[float] = []
    for query in queries:
        start = time.perf_counter()
        candidates = index.candidates(query, cap=cap)
        middle = time.perf_counter()
        rank(query, candidates)
        end = time.perf_counter()
        retrieve_ms.append((middle - start) * 1e3)
        rank_ms.append((end - middle) * 1e3)
        total_ms.append((end - start) * 1e3)
        sizes.append(len(candidates))
    print(
        f"\n== retrieval + rank over {len(index.pairs)} names, {len(queries)} queries "
        f"(incl. {len(STRESS_QUERIES)} common-name stress queries), cap {cap}"
    )
    for label, values in (
        ("candidates", sizes),
        ("retrieve ms", retrieve_ms),
        ("rank ms", rank_ms),
        ("total ms", total_ms),
    ):
        print(
            f"{label:>12}: p50 {_percentile(values, 50):8.2f}   p95 {_percentile(values, 95):8.2f}"
            f"   max {max(values):8.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", type=int, default=300_000)
    parser.add_argument("--cap", type=int, default=1000)
    args = parser.parse_args()

    small = candidate_population(400)
    print_report(
        f"labelled set: {len(ENTITIES)} entities, {len(small)} names",
        evaluate(KeyIndex(small)),
    )

    start = time.perf_counter()
    pairs = large_population(args.names)
    index = KeyIndex(pairs)
    print(
        f"\nbuilt {len(pairs)} names, {len(index.postings)} retrieval keys "
        f"in {time.perf_counter() - start:.1f} s"
    )
    print_report(
        f"large population: {len(pairs)} names, cap {args.cap}",
        evaluate(index, cap=args.cap),
    )
    time_similarity(pairs)
    time_rank(index, cap=args.cap)


if __name__ == "__main__":
    main()

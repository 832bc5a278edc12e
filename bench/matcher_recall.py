"""Recall of the name matcher through the database, on a benchmark directory.

    DATABASE_URL=... LIAISON_VAR_DIR=/tmp/liaison-bench \\
        uv run python bench/matcher_recall.py [--people 400] [--candidates 300]

For randomly chosen people it looks up their own names as users type them (the Vietnamese name,
its ASCII spelling, the given name first, the Arabic transliteration and a variant of it with
ج for غ and ى for ي) with `name_index.lookup`, and counts how often the person is among the
results. `--candidates` overrides `name_index.CANDIDATE_LIMIT` (how many names are ranked in
Python) to weigh recall against time. Prints recall and p50/p95 lookup times.
"""

from __future__ import annotations

import argparse
import random
import time

import common


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=400)
    parser.add_argument("--candidates", type=int, default=0, help="override CANDIDATE_LIMIT")
    parser.add_argument("--seed", type=int, default=11)
    opts = parser.parse_args()
    common.setup_django()

    from liaison.core import name_index
    from liaison.core.names import fold
    from liaison.directory.models import Person, PersonName

    if opts.candidates:
        name_index.CANDIDATE_LIMIT = opts.candidates
    top = Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    rng = random.Random(opts.seed)
    ids = rng.sample(range(1, top + 1), min(top, opts.people))
    names: dict[int, dict[str, str]] = {}
    rows = PersonName.objects.filter(person_id__in=ids).values_list("person_id", "language", "value")
    for pk, language, value in rows:
        names.setdefault(pk, {})[language] = value
    queries: list[tuple[int, str, str]] = []
    for pk, by_language in names.items():
        vi, ar = by_language.get("vi"), by_language.get("ar")
        if not vi:
            continue
        words = vi.split()
        queries += [
            (pk, "Vietnamese", vi),
            (pk, "ASCII", fold(vi)),
            (pk, "given name first", " ".join(words[-1:] + words[:-1])),
        ]
        if ar:
            queries += [(pk, "Arabic", ar), (pk, "Arabic variant", ar.replace("غ", "ج").replace("ي", "ى"))]
    found: dict[str, list[int]] = {}
    times: list[float] = []
    for pk, category, query in queries:
        start = time.perf_counter()
        keys = {m.key for m in name_index.lookup(kind="person", query=query)}
        times.append((time.perf_counter() - start) * 1000)
        found.setdefault(category, []).append(int(pk in keys))
    hits = sum(sum(v) for v in found.values())
    print(
        f"candidates {name_index.CANDIDATE_LIMIT}: recall {hits}/{len(queries)} = {hits / len(queries):.3f}; "
        f"lookup p50 {common.percentile(times, 50):.1f} ms, p95 {common.percentile(times, 95):.1f} ms"
    )
    for category, hit in found.items():
        print(f"  {category}: {sum(hit)}/{len(hit)} = {sum(hit) / len(hit):.3f}")


if __name__ == "__main__":
    main()

"""Extraction speed on Arabic news articles: articles per second on one core.

Run: ``uv run python bench/intake_extraction.py [--seconds 20] [--write]``

The corpus is the five annotated seed articles (5–18 KB) and, to reach the 5–20 KB range evenly
and avoid measuring one text, variants of them: paragraphs of the five shuffled and joined into
articles of 5, 10, 15 and 20 KB. Names are resolved against the seed Directory in memory (the
in-memory resolver; the database resolver adds the name-index queries, see bench/README.md).
The process is pinned to one CPU when the platform allows, so the figure is per core.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import subprocess
import time
from pathlib import Path

from liaison.intake.extraction import default_pipeline
from liaison.intake.extraction.evaluation import GOLD_DIR, load_gold
from liaison.intake.extraction.resolve_memory import MemoryResolver

RESULTS = Path(__file__).parent / "results" / "intake.md"
TARGET = 20.0
SIZES_KB = (5, 10, 15, 20)


def corpus(seed: int = 5) -> list[tuple[str, dt.date | None]]:
    documents = load_gold(GOLD_DIR, language="ar")
    articles = [(d.text, d.date) for d in documents]
    paragraphs = [p for d in documents for p in d.text.split("\n") if len(p) > 80]
    rng = random.Random(seed)
    for size in SIZES_KB:
        for _ in range(5):
            rng.shuffle(paragraphs)
            text, i = [], 0
            while len("\n".join(text).encode()) < size * 1024:
                text.append(paragraphs[i % len(paragraphs)])
                i += 1
            articles.append(("\n".join(text), dt.date(2023, 12, 22)))
    return articles


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def run(seconds: float) -> dict[str, float | int | str]:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    resolver = MemoryResolver.from_seed_data()
    pipeline = default_pipeline(resolver)
    articles = corpus()
    started = time.perf_counter()
    pipeline.run(articles[0][0], date=articles[0][1])  # warm-up: data files, tries, caches
    warm = time.perf_counter() - started
    times: list[float] = []
    sizes: list[int] = []
    cpu_start = time.process_time()
    wall_start = time.perf_counter()
    while time.perf_counter() - wall_start < seconds:
        for text, date in articles:
            t0 = time.perf_counter()
            pipeline.run(text, date=date)
            times.append(time.perf_counter() - t0)
            sizes.append(len(text.encode()))
    cpu = time.process_time() - cpu_start
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    ordered = sorted(times)
    return {
        "articles": len(times),
        "distinct": len(articles),
        "mean_kb": statistics.mean(sizes) / 1024,
        "min_kb": min(sizes) / 1024,
        "max_kb": max(sizes) / 1024,
        "per_second_cpu": len(times) / cpu,
        "per_second_wall": len(times) / sum(times),
        "p50_ms": ordered[len(ordered) // 2] * 1000,
        "p95_ms": ordered[int(len(ordered) * 0.95)] * 1000,
        "kb_per_second": sum(sizes) / 1024 / sum(times),
        "warm_up_s": warm,
        "load": f"{load[0]:.2f}",
    }


def report(result: dict[str, float | int | str]) -> str:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    )
    verdict = "**pass**" if float(result["per_second_cpu"]) >= TARGET else "**FAIL**"
    sizes = f"{result['min_kb']:.1f}–{result['max_kb']:.1f} KB, mean {result['mean_kb']:.1f} KB"
    per_core = float(result["per_second_cpu"])
    latency = f"{float(result['p50_ms']):.1f} / {float(result['p95_ms']):.1f} ms"
    return f"""# Intake extraction benchmark

Run {dt.datetime.now().strftime("%Y-%m-%d %H:%M")} by `uv run python bench/intake_extraction.py --write`.
Machine: {_cpu()}, {os.cpu_count()} cores (the process pinned to one); Python {platform.python_version()}.
Code: commit {commit.stdout.strip() or "?"} (with the working tree's changes). Load average at the
end: {result["load"]} (other work on the machine slows the wall-clock figures, not the CPU time).

Corpus: the five annotated seed articles and 20 articles of 5, 10, 15 and 20 KB made of their
paragraphs ({result["distinct"]} distinct texts, {sizes}),
run repeatedly for the set time. The whole default pipeline (cleaning, language, normalisation,
every extractor, resolution against the seed Directory in memory); nothing is stored.

| measure | value | target | result |
|---|---:|---|---|
| Arabic articles per second per core (CPU time) | {per_core:.1f} | ≥ {TARGET:.0f} | {verdict} |
| articles per second (wall, one core) | {float(result["per_second_wall"]):.1f} | | |
| latency per article p50 / p95 | {latency} | | |
| throughput | {float(result["kb_per_second"]):.0f} KB/s | | |
| articles extracted | {result["articles"]} | | |
| first document (loading data files and building the tries) | {float(result["warm_up_s"]):.2f} s | | |

With the database resolver (`resolve_db.DirectoryResolver`), each candidate name the gazetteers
do not find verbatim costs one `name_index.lookup` (two or three queries); the Directory's names
are read once per resolver, so a batch should share one resolver.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20.0, help="how long to measure (default 20)")
    parser.add_argument("--write", action="store_true", help=f"write the results to {RESULTS}")
    opts = parser.parse_args()
    result = run(opts.seconds)
    text = report(result)
    print(text)
    if opts.write:
        RESULTS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()

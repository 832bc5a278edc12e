"""Shared set-up for the directory benchmark: where its data lives and how Django is started.

Everything the benchmark writes lives under ``LIAISON_VAR_DIR`` (default ``/tmp/liaison-bench``),
never in the developer's ``var/``. The database is whatever ``DATABASE_URL`` says; the helpers
below give the two databases the benchmark knows by name.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH_VAR = Path(os.environ.get("LIAISON_VAR_DIR", "/tmp/liaison-bench"))
PG_URL = "postgres://postgres@127.0.0.1:5432/liaison_bench"


def database_urls() -> dict[str, str]:
    return {
        "sqlite": f"sqlite:///{BENCH_VAR / 'bench.sqlite3'}",
        "postgresql": PG_URL,
    }


def bench_env(database_url: str) -> dict[str, str]:
    """The environment every benchmark process (server included) runs with."""
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url,
            "LIAISON_VAR_DIR": str(BENCH_VAR),
            "DJANGO_DEBUG": "0",
            "LIAISON_HTTPS": "0",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "LIAISON_LOG_LEVEL": "ERROR",
            "PYTHONPATH": str(REPO),
        }
    )
    return env


def setup_django() -> None:
    """Start Django for a benchmark process; refuses to touch the developer's database."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        sys.exit("Set DATABASE_URL (see bench/README.md); the benchmark never uses the default database.")
    if str(REPO / "var") in url:
        sys.exit("Refusing to benchmark against the developer's var/ database.")
    os.environ.setdefault("LIAISON_VAR_DIR", str(BENCH_VAR))
    os.environ.setdefault("LIAISON_HTTPS", "0")
    os.environ.setdefault("DJANGO_DEBUG", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LIAISON_LOG_LEVEL", "ERROR")
    BENCH_VAR.mkdir(parents=True, exist_ok=True)
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    import django

    django.setup()


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def calibration_ms() -> float:
    """A fixed pure-Python workload, best of 5, in ms: the machine's single-core speed, so that
    reports from different machines (or one machine at different times) can be compared. The
    figures of the benchmarks scale roughly with it; lower is faster."""
    import time

    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        total = 0
        table: dict[int, int] = {}
        for i in range(300_000):
            total += i * i % 7
            table[i & 1023] = total
        best = min(best, time.perf_counter() - started)
    return best * 1000

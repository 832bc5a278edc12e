"""Document search at 100,000 documents: p95 latency of a results page with snippets and its count.

Run: ``uv run python bench/intake_search.py [--documents 100000] [--keep] [--write]``

With ``--keep`` the scratch databases stay after the run, and a later run with ``--keep`` reuses
them when they hold the same number of documents (migrating them to the current code first), so
the five minutes of generation per database are spent once.

For each database (SQLite in a scratch file under var/bench/, PostgreSQL in a scratch database
``liaison_bench_intake`` created and dropped on ``postgres://postgres@127.0.0.1:5432``), the script
migrates an empty database, bulk-inserts the documents and their full-text entries, then times
``liaison.intake.search.search(user, query, limit=20)`` — the count of readable matches, the page
of 20 newest, and the snippets cut from the original text — for a set of queries and three
users (a superuser, a member of the owning organisation cleared for restricted, an outsider
cleared for internal). The documents are the seed articles' paragraphs (75 of them, 80+
characters) shuffled into documents of 3–12 paragraphs, each with a reference number of its
own; classifications: 60% internal, 30% public, 10% restricted, two owners.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "intake.md"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_DB = "liaison_bench_intake"
TARGET_MS = 100.0
QUERIES = {
    "common word (most documents)": ["فيتنام", "الخارجية", "التعاون"],
    "two common words": ["وزير الخارجية", "التعاون الاقتصادي", "الحزب فيتنام"],
    "name (some documents)": ["بوي ثانه سون", "ها تينه", "هانوي", "لاوس"],
    "prefix of a word": ["الاستث", "مؤتم"],
    "rare: one document": ["REF-0004217", "REF-0081234 فيتنام"],
    "no match": ["كلمةغيرموجودة"],
}


def _setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _paragraphs() -> list[str]:
    from liaison.intake.extraction.evaluation import GOLD_DIR, load_gold

    return [p for d in load_gold(GOLD_DIR, language="ar") for p in d.text.split("\n") if len(p) > 80]


def populate(count: int, seed: int = 7) -> dict[str, object]:
    """Migrate, make two owners and three users, bulk-insert `count` documents."""
    from django.core.management import call_command

    from liaison.core.access import Role
    from liaison.core.models import Classification, SearchEntry
    from liaison.core.names import fold
    from liaison.core.testing import make_org, make_superuser, make_user
    from liaison.intake.models import Document, DocumentStatus, MediaType
    from liaison.intake.services import SEARCH_KIND

    call_command("migrate", verbosity=0)
    admin = make_superuser("bench-root")
    owners = [make_org("Bench owner A", by=admin), make_org("Bench owner B", by=admin)]
    make_user("bench.insider", org=owners[0], role=Role.VIEWER, clearance=Classification.RESTRICTED)
    make_user("bench.outsider", org=owners[1], role=Role.VIEWER, clearance=Classification.INTERNAL)
    paragraphs = _paragraphs()
    rng = random.Random(seed)
    started = time.perf_counter()
    total_bytes = 0
    batch: list[Document] = []
    entries: list[SearchEntry] = []
    next_id = (Document._base_manager.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    for n in range(count):
        chosen = rng.sample(paragraphs, rng.randint(3, 12))
        title = chosen[0][:120]
        body = "\n".join(chosen) + f"\nالمرجع REF-{n:07d}"
        content = body.encode()
        total_bytes += len(content)
        roll = rng.random()
        classification = (
            Classification.INTERNAL
            if roll < 0.6
            else Classification.PUBLIC
            if roll < 0.9
            else Classification.RESTRICTED
        )
        digest = hashlib.sha256(content).hexdigest()
        batch.append(
            Document(
                pk=next_id + n,
                owner=owners[n % 2],
                classification=classification,
                file=f"intake/bench/{digest}.txt",
                sha256=digest,
                original_name=f"bench-{n}.txt",
                media_type=MediaType.TEXT,
                size=len(content),
                text=body,
                body=body,
                language="ar",
                title=title,
                published_on=dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(2200)),
                status=DocumentStatus.PENDING,
            )
        )
        entries.append(SearchEntry(kind=SEARCH_KIND, entity_id=next_id + n, text=fold(f"{title} {body}")))
        if len(batch) == 2000:
            # Bench data: the base manager writes rows without an audit event each.
            Document._base_manager.bulk_create(batch)
            SearchEntry.objects.bulk_create(entries)
            batch, entries = [], []
    Document._base_manager.bulk_create(batch)
    SearchEntry.objects.bulk_create(entries)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "VACUUM ANALYZE")
    return {"seconds": round(time.perf_counter() - started, 1), "mb": round(total_bytes / 1e6, 1)}


def measure(rounds: int) -> dict[str, object]:
    from liaison.accounts.models import User
    from liaison.intake.search import search

    users = {u.username: u for u in User.objects.filter(username__startswith="bench")}
    timings: dict[str, list[float]] = {kind: [] for kind in QUERIES}
    totals: dict[str, int] = {}
    for query in (q for qs in QUERIES.values() for q in qs):  # warm the caches once
        for user in users.values():
            search(user, query)
    for _ in range(rounds):
        for kind, queries in QUERIES.items():
            for query in queries:
                for name, user in users.items():
                    started = time.perf_counter()
                    results = search(user, query, limit=20)
                    timings[kind].append((time.perf_counter() - started) * 1000)
                    totals[f"{query} / {name}"] = results.total
    every = [t for ts in timings.values() for t in ts]
    return {
        "by_kind": {
            kind: {"p50": statistics.median(ts), "p95": _p95(ts), "n": len(ts)}
            for kind, ts in timings.items()
        },
        "p50": statistics.median(every),
        "p95": _p95(every),
        "n": len(every),
        "totals": totals,
    }


def _p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


def _reuse(opts: argparse.Namespace, vendor: str) -> dict[str, object] | None:
    """With --keep: the kept database's load figures when it holds the benchmark's documents."""
    from django.core.management import call_command
    from django.db import connection

    from liaison.intake.models import Document

    stats = ROOT / "var" / "bench" / f"intake_search.{vendor}.json"
    tables = connection.introspection.table_names()
    if not opts.keep or Document._meta.db_table not in tables or not stats.exists():
        return None
    call_command("migrate", verbosity=0)  # the current code's migrations, on the kept data
    if Document._base_manager.count() != opts.documents:
        sys.exit(f"The kept {vendor} database does not hold {opts.documents} documents: run without --keep.")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    loaded: dict[str, object] = json.loads(stats.read_text())
    loaded["reused"] = True
    return loaded


def child(opts: argparse.Namespace) -> None:
    """One database: populate (or reuse, with --keep) and measure, print JSON."""
    _setup(opts.database_url)
    from django.db import connection

    loaded = _reuse(opts, connection.vendor)
    if loaded is None:
        loaded = populate(opts.documents)
        if opts.keep:
            stats = ROOT / "var" / "bench" / f"intake_search.{connection.vendor}.json"
            stats.write_text(json.dumps(loaded))
    result = measure(opts.rounds)
    result.update(loaded, vendor=connection.vendor, documents=opts.documents)
    connection.close()
    print(json.dumps(result))


def _run_child(database_url: str, opts: argparse.Namespace) -> dict[str, object]:
    command = [
        sys.executable,
        __file__,
        "--child",
        "--database-url",
        database_url,
        "--documents",
        str(opts.documents),
        "--rounds",
        str(opts.rounds),
        *(["--keep"] if opts.keep else []),
    ]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        sys.exit(f"The {database_url.split(':')[0]} run failed:\n{done.stderr[-3000:]}")
    output = done.stdout
    result: dict[str, object] = json.loads(output.strip().splitlines()[-1])
    return result


def _psql(sql: str) -> str:
    done = subprocess.run(
        ["psql", f"{PG_SERVER}/postgres", "-qAtc", sql], check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def report(results: list[dict[str, object]], opts: argparse.Namespace) -> str:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    lines = [
        "",
        "## Document search benchmark",
        "",
        f"Run {dt.datetime.now():%Y-%m-%d %H:%M} by `uv run python bench/intake_search.py "
        f"{' '.join(sys.argv[1:])}`; code at commit {commit.stdout.strip()} (with the working tree's "
        f"changes); {os.cpu_count()} cores; load average (1, 5, 15 min) at the end "
        + ", ".join(f"{x:.2f}" for x in os.getloadavg())
        + ".",
        "",
        f"{opts.documents:,} documents (seed paragraphs shuffled, 3–12 per document); each query run "
        f"{opts.rounds} times for each of three users (superuser, insider cleared for restricted, outsider "
        "cleared for internal); one search = the count of readable matches + the page of 20 newest + "
        "their snippets from the original text.",
        "",
        "| query kind | " + " | ".join(f"{r['vendor']} p50 / p95 (ms)" for r in results) + " |",
        "|---|" + "---:|" * len(results),
    ]
    for kind in QUERIES:
        cells = []
        for r in results:
            k = r["by_kind"][kind]  # type: ignore[index]
            cells.append(f"{k['p50']:.1f} / {k['p95']:.1f}")
        lines.append(f"| {kind} ({', '.join(QUERIES[kind])}) | " + " | ".join(cells) + " |")
    cells = [f"**{r['p50']:.1f} / {r['p95']:.1f}**" for r in results]  # type: ignore[str-format]
    lines.append("| every search | " + " | ".join(cells) + " |")
    lines.append("")
    for r in results:
        verdict = "pass" if float(r["p95"]) < TARGET_MS else "FAIL"  # type: ignore[arg-type]
        lines.append(
            f"- {r['vendor']}: p95 {float(r['p95']):.1f} ms against a target of {TARGET_MS:.0f} ms: "  # type: ignore[arg-type]
            f"**{verdict}**; {r['mb']} MB of text bulk-inserted and indexed in {r['seconds']} s"
            + (" (when the kept database was generated)." if r.get("reused") else ".")
        )
    sample: dict[str, int] = results[0]["totals"]  # type: ignore[assignment]
    lines.append(
        "- Matches readable by the insider: "
        + ", ".join(f"{q.split(' / ')[0]} {n:,}" for q, n in sample.items() if q.endswith("bench.insider"))
        + "."
    )
    return "\n".join(lines) + "\n"


def _remove_sqlite(scratch: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{scratch}{suffix}").unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--write", action="store_true", help=f"append the results to {RESULTS}")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the scratch databases after the run, and reuse kept ones holding --documents documents",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.child:
        child(opts)
        return
    results = []
    if "sqlite" in opts.databases:
        scratch = ROOT / "var" / "bench" / "intake_search.sqlite3"
        scratch.parent.mkdir(parents=True, exist_ok=True)
        if not opts.keep:
            _remove_sqlite(scratch)
        try:
            results.append(_run_child(f"sqlite:///{scratch}", opts))
        finally:
            if not opts.keep:
                _remove_sqlite(scratch)
    if "postgresql" in opts.databases:
        exists = _psql(f"SELECT 1 FROM pg_database WHERE datname = '{PG_DB}'") == "1"
        if exists and not opts.keep:
            _psql(f"DROP DATABASE {PG_DB}")
        if not exists or not opts.keep:
            _psql(f"CREATE DATABASE {PG_DB}")
        try:
            results.append(_run_child(f"{PG_SERVER}/{PG_DB}", opts))
        finally:
            if not opts.keep:
                _psql(f"DROP DATABASE IF EXISTS {PG_DB}")
    text = report(results, opts)
    print(text)
    if opts.write:
        with RESULTS.open("a", encoding="utf-8") as out:
            out.write(text)


if __name__ == "__main__":
    main()

"""In-process half of the benchmark, run once per database by run.py.

``DATABASE_URL=... uv run python bench/inprocess.py users`` creates the bench users and prints
their credentials (JSON); ``... inprocess.py measure --token T --cookie C`` captures each
endpoint's SQL, replays it on a raw cursor (the data floor), counts queries, times the name
matcher and collects query plans, printing JSON.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

import common

BENCH_EDITOR = "bench-editor"
BENCH_ADMIN = "bench-admin"


def create_users() -> dict[str, Any]:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from liaison.accounts.models import Membership, User
    from liaison.accounts.tokens import create_api_token
    from liaison.core.access import Role
    from liaison.core.models import Classification
    from liaison.directory.models import Organisation

    home = Organisation.objects.filter(parent__isnull=True, pillar="state").order_by("id").first()
    assert home is not None, "generate the directory first"
    editor, _ = User.objects.get_or_create(
        username=BENCH_EDITOR, defaults={"clearance": Classification.INTERNAL, "language": "en"}
    )
    Membership.objects.get_or_create(user=editor, organisation=home, defaults={"role": Role.EDITOR})
    admin, created = User.objects.get_or_create(
        username=BENCH_ADMIN,
        defaults={"is_superuser": True, "is_staff": True, "clearance": Classification.RESTRICTED},
    )
    if created:
        admin.set_unusable_password()
        admin.save()
    session = SessionStore()
    session[SESSION_KEY] = str(editor.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = editor.get_session_auth_hash()
    session["two_factor_checked"] = True  # as after the first page of a session
    session.save()
    return {
        "token": create_api_token(user=editor, name="bench"),
        "admin_token": create_api_token(user=admin, name="bench"),
        "cookie": f"sessionid={session.session_key}",
        "home_organisation": [home.pk, home.sort_name],
    }


def headers_for(auth: str, creds: dict[str, str]) -> dict[str, str]:
    if auth == "token":
        return {"Authorization": f"Bearer {creds['token']}"}
    return {"Cookie": creds["cookie"]}


@contextmanager
def recording(statements: list[tuple[str, Any, bool]]):
    from django.db import connection

    def wrapper(execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append((sql, params, many))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield


def capture(path: str, headers: dict[str, str]) -> tuple[int, list[tuple[str, Any, bool]], int]:
    from django.test import Client

    client = Client(headers=headers, HTTP_HOST="127.0.0.1")
    statements: list[tuple[str, Any, bool]] = []
    with recording(statements):
        response = client.get(path)
    return response.status_code, statements, len(response.content)


def replay(statements: list[tuple[str, Any, bool]], repeat: int) -> dict[str, Any]:
    """Time the endpoint's own SQL on a raw cursor: the least any implementation must spend."""
    from django.db import connection

    per_request: list[float] = []
    per_statement: list[list[float]] = [[] for _ in statements]
    with connection.cursor() as cursor:
        for i in range(repeat + 3):
            total = 0.0
            for j, (sql, params, many) in enumerate(statements):
                t = time.perf_counter()
                if many:
                    cursor.executemany(sql, params)
                else:
                    cursor.execute(sql, params)
                    if cursor.description is not None:
                        cursor.fetchall()
                took = time.perf_counter() - t
                total += took
                if i >= 3:
                    per_statement[j].append(took)
            if i >= 3:
                per_request.append(total)
    ms = [v * 1000 for v in per_request]
    stmt = [
        {
            "sql": sql[:3000],
            "params": [str(p)[:80] for p in (params or [])][:40],
            "median_ms": statistics.median(t) * 1000,
        }
        for (sql, params, _), t in zip(statements, per_statement, strict=True)
    ]
    return {"p50_ms": common.percentile(ms, 50), "p95_ms": common.percentile(ms, 95), "statements": stmt}


def explain(sql: str, params: Any) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        rows = cursor.fetchall()
    if connection.vendor == "postgresql":
        return "\n".join(r[0] for r in rows)
    return "\n".join(f"{r[0]}|{r[1]}| {r[-1]}" for r in rows)


def matcher_queries(n: int = 200, *, seed: int = 7) -> list[tuple[str, str]]:
    """~200 varied queries: exact, ASCII, Arabic (with ج/غ variants), reordered, common, partial, foreign."""
    from liaison.core.names import fold
    from liaison.directory.models import PersonName

    rng = random.Random(seed)
    max_id = PersonName.objects.order_by("-person_id").values_list("person_id", flat=True).first() or 1
    ids = rng.sample(range(1, max_id + 1), min(max_id, 150))
    by_person: dict[int, dict[str, str]] = {}
    for pid, lang, value in PersonName.objects.filter(person_id__in=ids).values_list(
        "person_id", "language", "value"
    ):
        by_person.setdefault(pid, {})[lang] = value
    people = [by_person[i] for i in ids if i in by_person and "vi" in by_person[i]]
    out: list[tuple[str, str]] = []
    for p in people[:35]:
        out.append(("exact Vietnamese", p["vi"]))
    for p in people[35:70]:
        out.append(("ASCII lower case", fold(p["vi"])))
    for p in people[70:100]:
        out.append(("Arabic", p.get("ar", p["vi"])))
    for p in people[100:120]:
        ar = p.get("ar", "")
        out.append(("Arabic variant (ج/غ, ى)", ar.replace("غ", "ج").replace("ي", "ى") if ar else p["vi"]))
    for p in people[120:140]:
        parts = p["vi"].split()
        out.append(("reordered (given first)", " ".join(parts[-1:] + parts[:-1])))
    common_names = [
        "Nguyễn Văn Hùng",
        "Nguyễn Thị Lan",
        "Trần Văn Nam",
        "Lê Thị Hương",
        "Nguyễn Văn Anh",
        "Phạm Văn Dũng",
        "Nguyễn Thị Mai",
        "Trần Thị Hà",
        "Lê Văn Sơn",
        "Nguyễn Đức Minh",
        "nguyen van hung",
        "nguyen thi lan",
        "tran van nam",
        "NGUYEN VAN ANH",
        "le thi huong",
        "نجوين فان هونغ",
        "نغوين ثي لان",
        "تران فان نام",
        "لي ثي هونغ",
        "نجوين فان آنه",
        "Trần Văn Hùng",
        "Lê Văn Minh",
        "Phạm Thị Hoa",
        "Hoàng Văn Long",
        "Nguyễn Thị Hương",
    ]
    out += [("common name", q) for q in common_names]
    partial = [
        "Nguyễn",
        "Trần",
        "Lê",
        "Nguyễn Hùng",
        "Trần Lan",
        "Hùng",
        "Văn",
        "Thị Lan",
        "Phạm Tuấn",
        "نجوين",
        "Nguyễn Văn",
        "Lê Thị",
        "Hoàng Long",
        "Huỳnh Mai",
        "Võ Dũng",
        "Đặng Sơn",
        "Bùi Hà",
        "Đỗ",
        "Phan Văn",
        "Vũ Thị",
    ]
    out += [("partial / single token", q) for q in partial]
    foreign = [
        "Ahmed Haddad",
        "أحمد حداد",
        "Khalid Al-Mansouri",
        "خالد المنصوري",
        "John Smith",
        "Ivan Petrov",
        "Maria Garcia",
        "Wei Chen",
        "Kenji Tanaka",
        "Fatima Nasser",
        "فاطمة ناصر",
        "Omar Khalil",
        "Sarah Johnson",
        "Pierre Dubois",
        "Anna Ivanova",
    ]
    out += [("foreign", q) for q in foreign]
    return out[:n]


def time_matcher() -> dict[str, Any]:
    from django.db import connection

    from liaison.core.name_index import lookup

    queries = matcher_queries()
    for _, q in queries[:10]:
        lookup(kind="person", query=q)
    times: list[tuple[float, str, str, int, int]] = []
    for category, q in queries:
        statements: list[tuple[str, Any, bool]] = []
        with recording(statements):
            t = time.perf_counter()
            found = lookup(kind="person", query=q)
            took = (time.perf_counter() - t) * 1000
        times.append((took, category, q, len(found), len(statements)))
    ms = [t[0] for t in times]
    by_cat: dict[str, list[float]] = {}
    for took, cat, *_ in times:
        by_cat.setdefault(cat, []).append(took)
    slowest = sorted(times, reverse=True)[:8]
    # Where the time of the slowest goes: SQL vs ranking in Python.
    breakdown = []
    for took, _cat, q, _, _ in slowest[:3]:
        statements = []
        with recording(statements):
            lookup(kind="person", query=q)
        sql_ms = 0.0
        with connection.cursor() as cursor:
            for sql, params, _ in statements:
                t = time.perf_counter()
                cursor.execute(sql, params)
                rows = cursor.fetchall()
                sql_ms += (time.perf_counter() - t) * 1000
                breakdown.append(
                    {
                        "query": q,
                        "sql": sql[:400],
                        "params": [str(p) for p in params][:12],
                        "rows": len(rows),
                        "ms": (time.perf_counter() - t) * 1000,
                    }
                )
        breakdown.append({"query": q, "total_ms": took, "sql_ms": sql_ms})
    plan_q = slowest[0][2]
    statements = []
    with recording(statements):
        lookup(kind="person", query=plan_q)
    plans = [{"sql": s[:400], "plan": explain(s, p)} for s, p, _ in statements]
    return {
        "queries": len(times),
        "p50_ms": common.percentile(ms, 50),
        "p95_ms": common.percentile(ms, 95),
        "max_ms": max(ms),
        "by_category": {
            c: {"n": len(v), "p50_ms": statistics.median(v), "max_ms": max(v)} for c, v in by_cat.items()
        },
        "slowest": [
            {"ms": t, "category": c, "query": q, "results": r, "sql": s} for t, c, q, r, s in slowest
        ],
        "breakdown": breakdown,
        "plans": plans,
    }


def measure(creds: dict[str, str], repeat: int) -> dict[str, Any]:
    from django.db import connection
    from endpoints import ENDPOINTS, SMALL_PAGES

    result: dict[str, Any] = {"vendor": connection.vendor, "endpoints": {}}
    for ep in ENDPOINTS:
        hdrs = headers_for(ep.auth, creds)
        capture(ep.path, hdrs)  # warm caches (templates, translations, principal)
        status, statements, size = capture(ep.path, hdrs)
        if status != 200:
            raise SystemExit(f"{ep.path} answered {status} in process")
        floor = replay(statements, repeat)
        entry = {"queries": len(statements), "bytes": size, "data_floor": floor}
        small = SMALL_PAGES.get(ep.path)
        if small:
            _, small_statements, _ = capture(small, hdrs)
            entry["queries_at_10_rows"] = len(small_statements)
        heaviest = sorted(range(len(statements)), key=lambda i: -floor["statements"][i]["median_ms"])[:2]
        entry["plans"] = [
            {
                "sql": statements[i][0][:1500],
                "median_ms": floor["statements"][i]["median_ms"],
                "plan": explain(statements[i][0], statements[i][1]),
            }
            for i in heaviest
        ]
        result["endpoints"][ep.path] = entry
        print(
            f"  {ep.name}: {len(statements)} queries, data floor p50 {floor['p50_ms']:.2f} ms",
            file=sys.stderr,
        )
    t = time.perf_counter()
    # As the server does once started (config/wsgi.py): what is loaded by now lives as long as the
    # process, out of the garbage collector's sight, so that a full collection does not rescan it
    # in the middle of a lookup (seen here as 50-150 ms lookups with 2-5 ms of SQL).
    gc.collect()
    gc.freeze()
    try:
        result["matcher"] = time_matcher()
    finally:
        gc.unfreeze()
    print(
        f"  matcher: p50 {result['matcher']['p50_ms']:.2f} ms, p95 {result['matcher']['p95_ms']:.2f} ms "
        f"({time.perf_counter() - t:.1f} s)",
        file=sys.stderr,
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("users")
    m = sub.add_parser("measure")
    m.add_argument("--creds", required=True, help="JSON file written by `users`")
    m.add_argument("--repeat", type=int, default=30)
    m.add_argument("--out", required=True)
    counts = sub.add_parser("counts", help="only the query counts (for the small database)")
    counts.add_argument("--creds", required=True)
    counts.add_argument("--out", required=True)
    opts = parser.parse_args()
    common.setup_django()
    if opts.command == "users":
        print(json.dumps(create_users()))
    elif opts.command == "measure":
        with open(opts.creds) as fh:
            creds = json.load(fh)
        result = measure(creds, opts.repeat)
        with open(opts.out, "w") as fh:
            json.dump(result, fh, indent=1, default=str)
    else:
        from endpoints import ENDPOINTS, SMALL_PAGES

        with open(opts.creds) as fh:
            creds = json.load(fh)
        out = {}
        for ep in ENDPOINTS:
            capture(ep.path, headers_for(ep.auth, creds))
            status, statements, _ = capture(ep.path, headers_for(ep.auth, creds))
            out[ep.path] = {"status": status, "queries": len(statements)}
            if ep.path in SMALL_PAGES:
                _, small, _ = capture(SMALL_PAGES[ep.path], headers_for(ep.auth, creds))
                out[ep.path]["queries_at_10_rows"] = len(small)
        with open(opts.out, "w") as fh:
            json.dump(out, fh, indent=1)


if __name__ == "__main__":
    main()

"""Activities benchmark: the list API side by side with its hand-written SQL, the list, calendar and
detail pages and a ministry's ICS feed, on SQLite and PostgreSQL. Same machinery as the directory
benchmark (bench/run.py): the server on core 0, wrk on core 1, server time = wrk latency with one
connection on loopback.

    uv run python bench/activities_run.py [--generate] [--databases sqlite,postgresql] [--duration 10]

Needs the data of ``bench/activities_generate.py`` (``--generate`` makes what is missing, the
directory included). Writes bench/results/activities.md (printed at the end; query plans of the
slowest statements in its last section) and $LIAISON_VAR_DIR/activities-result-<db>.json.

Targets (the issue's): list API p50 within 2× the hand-written SQL of the same page
(bench/activities_sql.py, served the same way); list, calendar-month and detail pages p95 < 60 ms;
a year of a ministry's ICS feed p95 < 300 ms; the same number of queries on every list whatever
the page size and the size of the register (asserted: the run exits with status 1 otherwise).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import re
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import common
import run
from run import BENCH, LOAD_CORE, PY, RESULTS, SERVER_CORE, f, log, run_py, verdict, wrk

SERVER_PORT, FLOOR_PORT, SQL_PORT = 8765, 8766, 8767
SMALL_DB = "act-small.sqlite3"
SMALL_SCALE = 0.01
CALENDAR_DATE = "2026-03-01"
ICS_WINDOW = "from=2026-01-01&to=2026-12-31"
COUNTRY = "JP"


@dataclass(frozen=True)
class Endpoint:
    key: str
    name: str
    path: str
    auth: str  # "token", "session" or "none" (the feed's token is in the address)
    kind: str  # "list-api", "list-page", "calendar", "detail", "ics"
    small_path: str = ""  # the same list with 10 rows (constant-queries check)

    @property
    def shown(self) -> str:
        """The path as the report shows it (a feed's token left out)."""
        return re.sub(r"/feeds/[^/]+\.ics", "/feeds/<token>.ics", self.path)


def endpoints(stamp: dict[str, Any], *, admin: bool = False) -> list[Endpoint]:
    """What is measured, from a generation stamp (ids and tokens differ between databases)."""
    q = quote(stamp["leader_name"] or "Nguyễn", safe="")
    lists = [
        ("api", "API list", ""),
        ("api-kind", "API ?kind=outgoing_visit", "kind=outgoing_visit&"),
        ("api-pillar", "API ?pillar=party", "pillar=party&"),
        ("api-country", f"API ?country={COUNTRY}", f"country={COUNTRY}&"),
        ("api-dates", "API ?from=2026-01-01&to=2026-03-31", "from=2026-01-01&to=2026-03-31&"),
        ("api-group", "API ?group=leader_visits_abroad", "group=leader_visits_abroad&"),
        ("api-q", f"API ?q={stamp['leader_name']} (a leader's name)", f"q={q}&"),
    ]
    out = [
        Endpoint(
            key,
            name,
            f"/api/activities?{query}limit=50",
            "token",
            "list-api",
            f"/api/activities?{query}limit=10",
        )
        for key, name, query in lists
    ]
    token = stamp["users"]["admin_feed_token" if admin else "feed_token"]
    out += [
        Endpoint("page-list", "list page", "/activities/", "session", "list-page"),
        Endpoint(
            "page-calendar",
            f"calendar month {CALENDAR_DATE[:7]}",
            f"/activities/calendar/?view=month&date={CALENDAR_DATE}",
            "session",
            "calendar",
        ),
        Endpoint(
            "page-conference",
            "detail: conference with 63 sites",
            f"/activities/{stamp['conference_63']}/",
            "session",
            "detail",
        ),
        Endpoint(
            "page-visit",
            "detail: visit with a 290-strong delegation",
            f"/activities/{stamp['visit_big']}/",
            "session",
            "detail",
        ),
        Endpoint(
            "ics",
            "ICS feed, Ministry of Foreign Affairs, 2026",
            f"/activities/feeds/{token}.ics?{ICS_WINDOW}",
            "none",
            "ics",
        ),
    ]
    only = os.environ.get("BENCH_ACTIVITIES_ONLY")
    if only:
        out = [ep for ep in out if ep.key in only.split(",")]
    return out


LISTS = ("list-api", "list-page", "calendar", "ics")


# --- in-process half (run in a subprocess, with the database's environment) -----------------------


def stamp_for(vendor: str, scale: float) -> dict[str, Any]:
    path = common.BENCH_VAR / f"activities-{vendor}-{scale:g}.json"
    if not path.exists():
        raise SystemExit(f"{path} is missing: run bench/activities_generate.py (see its docstring).")
    return json.loads(path.read_text())


def create_creds(scale: float) -> dict[str, Any]:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection

    from liaison.accounts.models import User
    from liaison.accounts.tokens import create_api_token

    stamp = stamp_for(connection.vendor, scale)
    out: dict[str, Any] = {"stamp": stamp}
    for label, username in (("user", stamp["users"]["user"]), ("admin", stamp["users"]["admin"])):
        user = User.objects.get(username=username)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session["two_factor_checked"] = True  # as after the first page of a session
        session.save()
        out[label] = {
            "token": create_api_token(user=user, name="bench-activities"),
            "cookie": f"sessionid={session.session_key}",
        }
    return out


def headers_for(ep: Endpoint, creds: dict[str, str]) -> dict[str, str]:
    if ep.auth == "token":
        return {"Authorization": f"Bearer {creds['token']}"}
    if ep.auth == "session":
        return {"Cookie": creds["cookie"]}
    return {}


def hand_written(path: str, token: str) -> tuple[bytes, list[tuple[str, Any, bool]]]:
    """The hand-written page for `path`, in process, with its statements."""
    import activities_sql
    from django.db import connection
    from django.http import QueryDict
    from django.utils import translation
    from inprocess import recording

    statements: list[tuple[str, Any, bool]] = []
    params = QueryDict(path.split("?", 1)[1] if "?" in path else "")
    with translation.override("en"), recording(statements), connection.cursor() as cursor:
        p = activities_sql.authenticate(cursor, f"Bearer {token}")
        assert p is not None
        body = activities_sql.page_json(cursor, connection, p, params, "en")
    return body, statements


def compare_pages(api: bytes, sql: bytes) -> str:
    """'same' when the hand-written page answers what the API answers (rows, order, fields)."""
    a, b = json.loads(api), json.loads(sql)
    for key in ("count", "count_exact", "limit", "offset"):
        if a.get(key) != b.get(key):
            return f"differs: {key} {a.get(key)!r} vs {b.get(key)!r}"
    if [i["id"] for i in a["items"]] != [i["id"] for i in b["items"]]:
        return "differs: rows or order"
    for x, y in zip(a["items"], b["items"], strict=True):
        for field in sorted(set(x) | set(y)):
            if x.get(field) != y.get(field):
                return f"differs: item {x['id']} {field} {x.get(field)!r} vs {y.get(field)!r}"
    return "same"


def measure(creds: dict[str, Any], repeat: int) -> dict[str, Any]:
    from django.db import connection
    from inprocess import capture, explain, replay

    stamp = creds["stamp"]
    result: dict[str, Any] = {"vendor": connection.vendor, "user": {}, "admin": {}}
    for who in ("user", "admin"):
        for ep in endpoints(stamp, admin=who == "admin"):
            hdrs = headers_for(ep, creds[who])
            capture(ep.path, hdrs)  # warm caches (templates, translations, principal)
            status, statements, size = capture(ep.path, hdrs)
            entry: dict[str, Any] = {"status": status, "bytes": size, "queries": len(statements)}
            if status != 200:
                result[who][ep.key] = entry
                log(f"  {who} {ep.name}: status {status}")
                continue
            if ep.small_path:
                _, small, _ = capture(ep.small_path, hdrs)
                entry["queries_at_10_rows"] = len(small)
            floor = replay(statements, repeat if who == "user" else max(5, repeat // 3))
            entry["data_floor"] = {k: floor[k] for k in ("p50_ms", "p95_ms")}
            if ep.kind == "list-api":
                from django.test import Client

                api_body = Client(headers=hdrs, HTTP_HOST="127.0.0.1").get(ep.path).content
                body, sql_statements = hand_written(ep.path, creds[who]["token"])
                hand_written(ep.path, creds[who]["token"])
                entry["hand_written"] = {
                    "queries": len(sql_statements),
                    "data_floor": {
                        k: v for k, v in replay(sql_statements, repeat).items() if k in ("p50_ms", "p95_ms")
                    },
                    "same_page": compare_pages(api_body, body),
                }
            if who == "user":
                order = sorted(range(len(statements)), key=lambda i: -floor["statements"][i]["median_ms"])
                entry["statements"] = [
                    {"median_ms": floor["statements"][i]["median_ms"], "sql": statements[i][0][:300]}
                    for i in order[:5]
                ]
                entry["plans"] = [
                    {
                        "sql": statements[i][0][:4000],
                        "params": [str(p)[:60] for p in (statements[i][1] or [])][:30],
                        "median_ms": floor["statements"][i]["median_ms"],
                        "plan": explain(statements[i][0], statements[i][1]),
                    }
                    for i in order[:2]
                ]
            result[who][ep.key] = entry
            extra = ""
            if "hand_written" in entry:
                hw = entry["hand_written"]
                extra = (
                    f"; hand-written {hw['queries']} queries, {hw['data_floor']['p50_ms']:.2f} ms, "
                    f"{hw['same_page']}"
                )
            log(
                f"  {who} {ep.name}: {len(statements)} queries, {size:,} bytes, data floor p50 "
                f"{floor['p50_ms']:.2f} ms{extra}"
            )
    return result


def counts(creds: dict[str, Any]) -> dict[str, Any]:
    from inprocess import capture

    out = {}
    for ep in endpoints(creds["stamp"]):
        if ep.kind not in LISTS:
            continue
        hdrs = headers_for(ep, creds["user"])
        capture(ep.path, hdrs)
        status, statements, _ = capture(ep.path, hdrs)
        out[ep.key] = {"status": status, "queries": len(statements)}
        if ep.small_path:
            out[ep.key]["queries_at_10_rows"] = len(capture(ep.small_path, hdrs)[1])
    return out


def probe(creds: dict[str, Any]) -> dict[str, Any]:
    from django.test import Client

    out = {}
    for ep in endpoints(creds["stamp"]):
        response = Client(headers=headers_for(ep, creds["user"]), HTTP_HOST="127.0.0.1").get(ep.path)
        out[ep.key] = {"status": response.status_code, "bytes": len(response.content)}
    return out


# --- the orchestration -------------------------------------------------------------------------


def cpu_busy(seconds: float = 2.0) -> float:
    """Busy fraction of all cores over `seconds` (from /proc/stat)."""

    def sample() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        idle = fields[3] + fields[4]
        return sum(fields), idle

    t1, i1 = sample()
    time.sleep(seconds)
    t2, i2 = sample()
    return 1 - (i2 - i1) / max(1, t2 - t1)


def others_running() -> list[str]:
    """Heavy processes of other people on the machine (test suites, type checks, generators)."""
    mine = {os.getpid(), os.getppid()}
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) in mine:
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if re.search(r"pytest|mypy|generate\.py|manage\.py (test|migrate)|ruff", cmd):
            found.append(cmd[:100])
    return found


def wait_quiet(max_wait: float, *, what: str) -> str:
    """Wait (at most `max_wait` s) until no test suite runs and the CPUs are idle; say how it went."""
    start = time.time()
    said = False
    while True:
        others = others_running()
        busy = cpu_busy(2.0)
        if not others and busy < 0.25:
            return "quiet"
        if time.time() - start > max_wait:
            return f"not quiet after {max_wait:.0f} s (busy {busy:.0%}; {', '.join(others)[:200]})"
        if not said:
            log(f"waiting for a quiet machine before {what} (busy {busy:.0%}; {', '.join(others)[:200]})")
            said = True
        time.sleep(10)


def generate(name: str, url: str, scale: float) -> None:
    env = common.bench_env(url)
    if not (common.BENCH_VAR / f"generated-{name}-{scale:g}.json").exists():
        log(f"{name}: generating the directory (scale {scale:g})")
        print(run_py([str(BENCH / "generate.py"), "--scale", str(scale)], env), file=sys.stderr)
    log(f"{name}: generating the activities (scale {scale:g}; skipped where already there)")
    print(run_py([str(BENCH / "activities_generate.py"), "--scale", str(scale)], env), file=sys.stderr)


def available(entry: dict[str, Any]) -> bool:
    # Pages still being written answer 404 or an empty placeholder.
    return entry.get("status") == 200 and entry.get("bytes", 0) > 200


def bench_database(name: str, url: str, opts: argparse.Namespace, wrk_bin: str) -> dict[str, Any]:
    env = common.bench_env(url)
    stamp_file = common.BENCH_VAR / f"activities-{name}-{opts.scale:g}.json"
    if opts.generate:
        generate(name, url, opts.scale)
    if not stamp_file.exists():
        raise SystemExit(f"No activities data for {name}: run with --generate (see the docstring).")
    creds_file = common.BENCH_VAR / f"activities-creds-{name}.json"
    creds_file.write_text(run_py([__file__, "_users", "--scale", str(opts.scale)], env))
    creds = json.loads(creds_file.read_text())
    stamp = creds["stamp"]

    # Wait for the pages other people are still writing (they answer 404 or a placeholder).
    deadline = time.time() + opts.wait_endpoints * 60
    while True:
        probed = json.loads(run_py([__file__, "_probe", "--creds", str(creds_file)], env))
        missing = [k for k, v in probed.items() if not available(v)]
        if not missing or time.time() > deadline:
            break
        log(f"{name}: not ready yet: {', '.join(missing)}; checking again in 3 minutes")
        time.sleep(180)

    measured_file = common.BENCH_VAR / f"activities-inprocess-{name}.json"
    http_file = common.BENCH_VAR / f"activities-http-{name}.json"
    if opts.resume and measured_file.exists():
        log(f"{name}: resuming: in-process measurements from {measured_file}")
        inproc = json.loads(measured_file.read_text())
    else:
        log(
            f"{name}: in-process measurements (SQL capture, data floors, plans), pinned to core {SERVER_CORE}"
        )
        quiet = wait_quiet(opts.wait_quiet * 60, what=f"{name} in-process measurements")
        out = run_py(
            [__file__, "_measure", "--creds", str(creds_file), "--repeat", str(opts.repeat)],
            env,
            pin=SERVER_CORE,
        )
        inproc = json.loads(out)
        inproc["quiet"] = quiet
        measured_file.write_text(json.dumps(inproc))
        http_file.unlink(missing_ok=True)
    quiet_inproc = inproc.get("quiet", "")

    log(f"{name}: starting the server, the hand-written SQL server and the floor app (core {SERVER_CORE})")
    server = run.start(
        [
            run.LIAISON,
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(SERVER_PORT),
            "--threads",
            str(opts.threads),
        ],
        env,
        common.BENCH_VAR / f"activities-server-{name}.log",
    )
    sql_server = run.start(
        [PY, str(BENCH / "activities_sql.py"), "--port", str(SQL_PORT), "--threads", str(opts.threads)],
        env,
        common.BENCH_VAR / f"activities-sql-{name}.log",
    )
    floor = None
    rows: dict[str, dict[str, Any]] = {"user": {}, "admin": {}}
    if opts.resume and http_file.exists():
        rows = json.loads(http_file.read_text())
    try:
        run.wait_ready(SERVER_PORT, server)
        run.wait_ready(SQL_PORT, sql_server)
        captured = {}
        for who in ("user", "admin"):
            for ep in endpoints(stamp, admin=who == "admin"):
                if not available(inproc[who].get(ep.key, {})):
                    continue
                status, ctype, body = run.fetch(SERVER_PORT, ep.path, headers_for(ep, creds[who]))
                if status != 200:
                    raise SystemExit(f"{name}: {ep.path} answered {status}: {body[:300]!r}")
                if who == "user":
                    captured[ep.path] = {"content_type": ctype, "body_b64": base64.b64encode(body).decode()}
        captured_file = common.BENCH_VAR / f"activities-captured-{name}.json"
        captured_file.write_text(json.dumps(captured))
        floor = run.start(
            [
                PY,
                str(BENCH / "floor_app.py"),
                "--captured",
                str(captured_file),
                "--port",
                str(FLOOR_PORT),
                "--threads",
                str(opts.threads),
            ],
            env,
            common.BENCH_VAR / f"activities-floor-{name}.log",
        )
        run.wait_ready(FLOOR_PORT, floor)
        for who in ("user", "admin"):
            for ep in endpoints(stamp, admin=who == "admin"):
                if not available(inproc[who].get(ep.key, {})):
                    rows[who][ep.key] = {"skipped": f"answered {inproc[who].get(ep.key, {}).get('status')}"}
                    continue
                done = rows[who].get(ep.key, {})
                if "server_c1" in done and done.get("quiet") == "quiet" and not done.get("disturbed_by"):
                    continue  # measured cleanly by the run being resumed
                hdrs = headers_for(ep, creds[who])
                targets = [("server", SERVER_PORT)]
                if ep.kind == "list-api":
                    targets.append(("sql", SQL_PORT))
                if who == "user":
                    targets.append(("floor", FLOOR_PORT))
                for attempt in range(3):
                    row: dict[str, Any] = {"quiet": wait_quiet(opts.wait_quiet * 60, what=ep.name)}
                    for _label, port in targets:  # warm up
                        for _ in range(3):
                            run.fetch(port, ep.path, hdrs)
                    # Enough samples for a p95 on slow pages: about 20 requests at least.
                    est = 2 * inproc[who][ep.key]["data_floor"]["p50_ms"] / 1000
                    duration = max(opts.duration, min(60, int(20 * est) + 1))
                    row["duration_s"] = duration
                    for label, port in targets:
                        row[f"{label}_c1"] = wrk(
                            wrk_bin, port, ep.path, hdrs, connections=1, duration=duration
                        )
                        if who == "user" and label != "floor":
                            row[f"{label}_cN"] = wrk(
                                wrk_bin,
                                port,
                                ep.path,
                                hdrs,
                                connections=opts.connections,
                                duration=duration,
                            )
                    disturbed = others_running()
                    if not disturbed or attempt == 2:
                        row["disturbed_by"] = disturbed
                        break
                    log(f"{name}: {ep.name}: disturbed by {disturbed[0]}; measuring again")
                rows[who][ep.key] = row
                http_file.write_text(json.dumps(rows))
                s1 = row["server_c1"]
                extra = f", hand-written p50 {row['sql_c1']['p50_ms']:.1f} ms" if "sql_c1" in row else ""
                log(
                    f"{name} {who}: {ep.name}: p50 {s1['p50_ms']:.1f} ms, p95 {s1['p95_ms']:.1f} ms"
                    + (f", {row['server_cN']['rps']:.0f} req/s" if "server_cN" in row else "")
                    + extra
                )
    finally:
        if floor is not None:
            run.stop(floor)
        run.stop(sql_server)
        run.stop(server)
    return {"name": name, "stamp": stamp, "inprocess": inproc, "http": rows, "quiet_inprocess": quiet_inproc}


def small_counts(opts: argparse.Namespace) -> dict[str, Any]:
    """Query counts on a register 100 times smaller (its own small directory)."""
    url = f"sqlite:///{common.BENCH_VAR / SMALL_DB}"
    env = common.bench_env(url)
    if not (common.BENCH_VAR / SMALL_DB).exists():
        run_py([str(BENCH / "generate.py"), "--scale", str(SMALL_SCALE)], env)
    if not (common.BENCH_VAR / f"activities-sqlite-{SMALL_SCALE:g}.json").exists() or opts.generate:
        run_py([str(BENCH / "activities_generate.py"), "--scale", str(SMALL_SCALE)], env)
    creds_file = common.BENCH_VAR / "activities-creds-small.json"
    creds_file.write_text(run_py([__file__, "_users", "--scale", str(SMALL_SCALE)], env))
    return json.loads(run_py([__file__, "_counts", "--creds", str(creds_file)], env))


# --- the report ----------------------------------------------------------------------------------


def target_of(ep: Endpoint, row: dict[str, Any]) -> tuple[str, str]:
    s1 = row["server_c1"]
    if not s1["requests"]:
        return "no response completed within the measurement", verdict(False)
    if ep.kind == "list-api":
        sql = row["sql_c1"]
        ratio = s1["p50_ms"] / sql["p50_ms"]
        return f"p50 ≤ 2× hand-written (now {ratio:.2f}×)", verdict(ratio <= 2)
    if ep.kind == "ics":
        return "p95 < 300 ms", verdict(s1["p95_ms"] < 300)
    return "p95 < 60 ms", verdict(s1["p95_ms"] < 60)


def report(
    results: list[dict[str, Any]], small: dict[str, Any], opts: argparse.Namespace, took: float
) -> tuple[str, bool]:
    import run

    constant_ok = True
    lines = [
        "# Activities benchmark",
        "",
        f"Run {dt.datetime.now().strftime('%Y-%m-%d %H:%M')} by `uv run python bench/activities_run.py` "
        f"({took / 60:.1f} min, generation excluded). Machine: {run.machine()}. "
        f"Load average at start / end: {opts.load_start} / {os.getloadavg()[0]:.2f}. "
        f"Code: commit {run.git_rev()}.",
        "",
        f"Server: `liaison serve --threads {opts.threads}` (waitress), DJANGO_DEBUG=0, pinned to core "
        f"{SERVER_CORE}; wrk pinned to core {LOAD_CORE}, {opts.duration} s per measurement. "
        "**Server time = wrk latency on loopback with 1 connection** (no queueing; includes ~0.1 ms of "
        f"loopback and wrk); req/s and the loaded latencies with {opts.connections} connections. "
        "**Hand-written** = the same page of the list API (same JSON: rows, order, fields, the capped "
        "count, the names shown) from hand-written SQL (`bench/activities_sql.py`), served by the same "
        "server with the same settings and middleware, same threads, same core, measured right after the "
        "API. Framework floor = the same settings and middleware serving the captured bytes "
        "(`bench/floor_app.py`). Data floor = the endpoint's own SQL (captured in process) replayed on a "
        f"raw cursor ({opts.repeat} times). Each measurement waits for a quiet machine (no test suite "
        "running, CPUs idle) and is repeated when one started meanwhile.",
        "",
        "User (main tables): `bench-activities`, not a superuser — EDITOR of the Ministry of Foreign "
        "Affairs, VIEWER of Hanoi's People's Committee, RESTRICTED clearance, focal point of the Ministry: "
        "the access filter (classification, RESTRICTED insiders through owner paths and `shared_with`, "
        "embargo) applies in full. API requests with a bearer token, pages with a session cookie, the feed "
        "by its token. "
        "The superuser's figures follow each table.",
        "",
    ]
    for r in results:
        st = r["stamp"]
        c = st["counts"]
        lines += [
            f"## {r['name']}",
            "",
            f"Data: {c['activities']:,} activities ({c['conferences']:,} conferences, up to "
            f"{c['max sites per conference']} connected sites each, {c['connected sites']:,} sites, "
            f"{c['sessions']:,} sessions), {c['delegations']:,} delegations with {c['delegation members']:,} "
            f"members, {c['participation rows']:,} participation rows, {c['outcomes']:,} outcomes, "
            f"{c['search entries']:,} search entries; the Ministry's subtree starts "
            f"{c['Ministry of Foreign Affairs subtree, activities starting in 2026']:,} activities in 2026. "
            f"Generated in {st['seconds']:.0f} s on top of the directory benchmark's data.",
            "",
            f"| endpoint | queries | server p50 ms | server p95 ms | req/s (c={opts.connections}) | "
            f"p50/p95 ms (c={opts.connections}) | hand-written p50/p95 ms | hand-written req/s | "
            "framework floor p50 ms | data floor p50 ms | target | result |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
        ]
        notes = []
        for ep in endpoints(st):
            h = r["http"]["user"].get(ep.key, {})
            ip = r["inprocess"]["user"].get(ep.key, {})
            if "skipped" in h or not h:
                lines.append(
                    f"| `{ep.shown}` | — | — | — | — | — | — | — | — | — | "
                    f"not measured: {h.get('skipped', 'missing')} | — |"
                )
                continue
            s1, sN = h["server_c1"], h["server_cN"]
            hw = f"{f(h['sql_c1']['p50_ms'])} / {f(h['sql_c1']['p95_ms'])}" if "sql_c1" in h else "—"
            hw_rps = f"{h['sql_cN']['rps']:.1f}" if "sql_cN" in h else "—"
            target, result = target_of(ep, h)
            q = str(ip["queries"])
            if "queries_at_10_rows" in ip:
                q += f" ({ip['queries_at_10_rows']} at 10 rows)"
            errors = s1["errors"] + sN["errors"]
            lines.append(
                f"| `{ep.shown}` | {q} | {f(s1['p50_ms'])} | {f(s1['p95_ms'])} | {sN['rps']:.1f} | "
                f"{f(sN['p50_ms'])} / {f(sN['p95_ms'])} | {hw} | {hw_rps} | {f(h['floor_c1']['p50_ms'])} | "
                f"{f(ip['data_floor']['p50_ms'])} | {target} | {result}"
                + (f" ({errors} errors)" if errors else "")
                + " |"
            )
            if h.get("quiet") != "quiet" or h.get("disturbed_by"):
                notes.append(
                    f"`{ep.key}` measured while other processes ran ({len(h.get('disturbed_by') or [])} "
                    f"test or tool processes seen at the end; {h.get('quiet', '')[:40]})"
                )
            if "hand_written" in ip and ip["hand_written"]["same_page"] != "same":
                notes.append(f"`{ep.path}`: the hand-written page {ip['hand_written']['same_page']}")
        lines += [""]
        hw_lines = [
            f"`{ep.key}` {ip['hand_written']['queries']} queries, data floor "
            f"{f(ip['hand_written']['data_floor']['p50_ms'])} ms ({ip['hand_written']['same_page']} page)"
            for ep in endpoints(st)
            if "hand_written" in (ip := r["inprocess"]["user"].get(ep.key, {}))
        ]
        if hw_lines:
            lines += ["Hand-written side, in process: " + "; ".join(hw_lines) + ".", ""]
        if notes:
            lines += ["Notes: " + "; ".join(notes) + ".", ""]
        lines += [
            "Superuser (`bench-activities-admin`), no access filter, c=1:",
            "",
            "| endpoint | queries | server p50 ms | server p95 ms | hand-written p50/p95 ms | target "
            "| result |",
            "|---|---:|---:|---:|---:|---|---|",
        ]
        for ep in endpoints(st, admin=True):
            h = r["http"]["admin"].get(ep.key, {})
            ip = r["inprocess"]["admin"].get(ep.key, {})
            if "skipped" in h or not h:
                lines.append(f"| `{ep.key}` | — | — | — | — | not measured | — |")
                continue
            s1 = h["server_c1"]
            hw = f"{f(h['sql_c1']['p50_ms'])} / {f(h['sql_c1']['p95_ms'])}" if "sql_c1" in h else "—"
            target, result = target_of(ep, h)
            path = ep.shown
            lines.append(
                f"| `{path}` | {ip['queries']} | {f(s1['p50_ms'])} | {f(s1['p95_ms'])} | {hw} | {target} "
                f"| {result} |"
            )
        lines.append("")

    lines += [
        "## Queries per request on the lists (constant whatever the rows and the register's size?)",
        "",
        "| list | small SQLite (1 % scale) | "
        + " | ".join(f"full {r['name']}" for r in results)
        + " | full, 10 rows instead of 50 | constant |",
        "|---|---:|" + "---:|" * len(results) + "---:|---|",
    ]
    for ep in endpoints(results[0]["stamp"]):
        if ep.kind not in LISTS:
            continue
        entries = [small.get(ep.key, {})] + [r["inprocess"]["user"].get(ep.key, {}) for r in results]
        if not all(e.get("status") == 200 for e in entries):
            lines.append(f"| `{ep.key}` | " + " | ".join("—" for _ in entries) + " | — | not measured |")
            continue
        nums = [e["queries"] for e in entries]
        ten = [e.get("queries_at_10_rows") for e in entries[1:]] if ep.small_path else []
        ok = len(set(nums)) == 1 and (not ep.small_path or set(ten) == {nums[0]})
        constant_ok &= ok
        lines.append(
            f"| `{ep.shown}` | "
            + " | ".join(str(n) for n in nums)
            + f" | {' / '.join(str(t) for t in ten) if ten else '—'} | {verdict(ok)} |"
        )
    lines.append("")
    lines += plans_section(results)
    return "\n".join(lines), constant_ok


def _clip(text: str, lines: int) -> str:
    rows = text.splitlines()
    return "\n".join(rows[:lines] + ([f"… ({len(rows) - lines} more lines)"] if len(rows) > lines else []))


def plans_section(results: list[dict[str, Any]], *, most: int = 8) -> list[str]:
    out = [
        "## Slowest statements and their plans",
        "",
        "Per database: the heaviest statements (median of the in-process replays, benchmark user), then the "
        f"plans of the heaviest statement of the {most} slowest endpoints — `EXPLAIN (ANALYZE, BUFFERS)` on "
        "PostgreSQL, `EXPLAIN QUERY PLAN` on SQLite (statements and plans clipped; the full ones are in "
        "`$LIAISON_VAR_DIR/activities-inprocess-<db>.json`).",
        "",
    ]
    for r in results:
        out += [f"### {r['name']}", ""]
        ranked = []
        for ep in endpoints(r["stamp"]):
            ip = r["inprocess"]["user"].get(ep.key, {})
            for st in ip.get("statements", []):
                ranked.append((st["median_ms"], ep.key, st["sql"]))
        ranked.sort(reverse=True)
        for ms, key, sql in ranked[:12]:
            out.append(f"- {f(ms)} ms — `{key}` — `{sql[:150]}…`")
        out.append("")
        slow = sorted(
            (
                (ip["plans"][0]["median_ms"], ep.key, ip)
                for ep in endpoints(r["stamp"])
                if (ip := r["inprocess"]["user"].get(ep.key, {})).get("plans")
            ),
            key=lambda t: -t[0],
        )[:most]
        for _, key, ip in slow:
            plan = ip["plans"][0]
            sql = plan["sql"] if len(plan["sql"]) <= 2500 else plan["sql"][:2500] + " …"
            out += [
                f"#### `{key}`: {f(plan['median_ms'])} ms of the endpoint's "
                f"{f(ip['data_floor']['p50_ms'])} ms of SQL ({ip['queries']} queries)",
                "",
                f"Parameters: {plan['params']}",
                "",
                "```sql",
                sql,
                "```",
                "",
                "```",
                _clip(plan["plan"], 70),
                "```",
                "",
            ]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "mode", nargs="?", default="run", choices=["run", "_users", "_measure", "_counts", "_probe"]
    )
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--generate", action="store_true", help="generate what is missing first")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk measurement")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4, help="waitress threads")
    parser.add_argument("--repeat", type=int, default=30, help="data-floor replays per endpoint")
    parser.add_argument("--wait-quiet", type=float, default=20, help="minutes to wait for a quiet machine")
    parser.add_argument("--wait-endpoints", type=float, default=0, help="minutes to wait for missing pages")
    parser.add_argument(
        "--only", help="measure only these endpoints (keys, comma-separated: api, page-list…)"
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="keep what an interrupted run measured cleanly; measure the rest",
    )
    parser.add_argument(
        "--report-only", action="store_true", help="write the report again from the last run's figures"
    )
    parser.add_argument("--creds")
    opts = parser.parse_args()
    if opts.mode != "run":
        common.setup_django()
        if opts.mode == "_users":
            print(json.dumps(create_creds(opts.scale)))
            return
        creds = json.loads(Path(opts.creds).read_text())
        if opts.mode == "_measure":
            print(json.dumps(measure(creds, opts.repeat), default=str))
        elif opts.mode == "_counts":
            print(json.dumps(counts(creds)))
        else:
            print(json.dumps(probe(creds)))
        return

    import run

    # Stopped with SIGTERM (or Ctrl-C in the background): stop the servers on the way out.
    def stopped(signum: int, _frame: Any) -> None:
        log(f"stopped by signal {signum}; stopping the servers (resume with --resume)")
        sys.exit(128 + signum)

    signal.signal(signal.SIGTERM, stopped)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if opts.only:
        os.environ["BENCH_ACTIVITIES_ONLY"] = opts.only  # inherited by the subprocesses
    wrk_bin = run.ensure_wrk()
    opts.load_start = f"{os.getloadavg()[0]:.2f}"
    common.BENCH_VAR.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(exist_ok=True)
    started = time.perf_counter()
    urls = common.database_urls()
    results = []
    small_file = common.BENCH_VAR / "activities-counts-small.json"
    if opts.report_only:  # from the figures of the last run
        for name in opts.databases.split(","):
            results.append(json.loads((common.BENCH_VAR / f"activities-result-{name}.json").read_text()))
        small = json.loads(small_file.read_text())
        opts.load_start = results[0].get("load_start", "?")
        took = sum(r.get("seconds", 0) for r in results)
    else:
        for name in opts.databases.split(","):
            t = time.perf_counter()
            results.append(bench_database(name, urls[name], opts, wrk_bin))
            results[-1] |= {"seconds": time.perf_counter() - t, "load_start": opts.load_start}
            (common.BENCH_VAR / f"activities-result-{name}.json").write_text(
                json.dumps(results[-1], indent=1, default=str)
            )
        log("query counts on the small register")
        small = small_counts(opts)
        small_file.write_text(json.dumps(small))
        took = time.perf_counter() - started
    text, constant_ok = report(results, small, opts, took)
    (RESULTS / "activities.md").write_text(text)
    print(text)
    if not constant_ok:
        log("FAIL: the number of queries of a list depends on its rows or on the register's size")
        sys.exit(1)


if __name__ == "__main__":
    sys.path.insert(0, str(BENCH))
    main()

"""Directory benchmark: list and search endpoints, name matcher and their floors, on SQLite and
PostgreSQL in one run. See bench/README.md for the commands and what each figure means.

    uv run python bench/run.py [--generate] [--databases sqlite,postgresql] [--duration 10]

Writes bench/results/directory.md (printed at the end) and bench/results/directory-<db>.json.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import common
from endpoints import ENDPOINTS, SMALL_PAGES

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"
PY = sys.executable
LIAISON = str(Path(sys.executable).parent / "liaison")
SERVER_PORT, FLOOR_PORT = 8765, 8766
SERVER_CORE, LOAD_CORE = "0", "1"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    log("wrk not found; installing Debian's package (apt-get install -y wrk)")
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=False, capture_output=True)
    found = shutil.which("wrk")
    if not found:
        subprocess.run(["apt-get", "update"], check=False, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, capture_output=True)
        found = shutil.which("wrk")
    assert found, "could not install wrk"
    return found


def run_py(args: list[str], env: dict[str, str], *, pin: str | None = None) -> str:
    cmd = [PY, *args]
    if pin is not None:
        cmd = ["taskset", "-c", pin, *cmd]
    done = subprocess.run(cmd, env=env, cwd=common.REPO, capture_output=True, text=True)
    sys.stderr.write(done.stderr)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode})")
    return done.stdout


def generate(name: str, url: str, *, scale: float) -> dict[str, Any]:
    stamp = common.BENCH_VAR / f"generated-{name}-{scale:g}.json"
    log(f"generating the {name} directory at scale {scale:g} (this takes minutes at scale 1)")
    out = run_py([str(BENCH / "generate.py"), "--reset", "--scale", str(scale)], common.bench_env(url))
    print(out, file=sys.stderr)
    return json.loads(stamp.read_text())


def start(cmd: list[str], env: dict[str, str], logfile: Path) -> subprocess.Popen[bytes]:
    out = open(logfile, "wb")  # noqa: SIM115 - handed to the server process for its lifetime
    return subprocess.Popen(
        ["taskset", "-c", SERVER_CORE, *cmd],
        env=env,
        cwd=common.REPO,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def fetch(port: int, path: str, headers: dict[str, str]) -> tuple[int, str, bytes]:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read()


def port_free(port: int) -> bool:
    """Nothing listens on 127.0.0.1:`port` (another benchmark's server would answer for ours)."""
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def wait_ready(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server on port {port} exited ({proc.returncode})")
        try:
            fetch(port, "/", {})
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"server on port {port} did not start")


def cpu_busy(seconds: float = 2.0) -> float:
    """Busy fraction of all cores over `seconds` (from /proc/stat)."""

    def sample() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        return sum(fields), fields[3] + fields[4]

    total_1, idle_1 = sample()
    time.sleep(seconds)
    total_2, idle_2 = sample()
    return 1 - (idle_2 - idle_1) / max(1, total_2 - total_1)


class QuietWait:
    """Waits for a quiet machine before a measurement: at most `per_wait` seconds each time and
    `budget` seconds in all (so that a machine that never gets quiet still gets measured)."""

    def __init__(self, per_wait: float, budget: float) -> None:
        self.per_wait, self.budget, self.spent = per_wait, budget, 0.0

    def __call__(self, what: str) -> dict[str, Any]:
        start = time.time()
        limit = min(self.per_wait, max(0.0, self.budget - self.spent))
        said = False
        while True:
            busy = cpu_busy(2.0)
            if busy < 0.25 or time.time() - start >= limit:
                break
            if not said:
                log(f"waiting up to {limit:.0f} s for a quiet machine before {what} (busy {busy:.0%})")
                said = True
            time.sleep(5)
        waited = time.time() - start
        self.spent += waited
        return {
            "busy": round(busy, 3),
            "quiet": busy < 0.25,
            "waited_s": round(waited, 1),
            "load": os.getloadavg()[0],
        }


def wrk(
    wrk_bin: str, port: int, path: str, headers: dict[str, str], *, connections: int, duration: int
) -> dict:
    """Load `path` with wrk pinned to the load core; `headers` holds at most one header."""
    (name, value) = next(iter(headers.items())) if headers else ("", "")
    env = dict(os.environ, BENCH_HEADER_NAME=name, BENCH_HEADER_VALUE=value)
    cmd = [
        "taskset",
        "-c",
        LOAD_CORE,
        wrk_bin,
        "-t1",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "-s",
        str(BENCH / "wrk_report.lua"),
        f"http://127.0.0.1:{port}{path}",
    ]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    match = re.search(r"WRKJSON (\{.*\})", done.stdout)
    assert match, done.stdout + done.stderr
    data = json.loads(match.group(1))
    secs = data["duration_us"] / 1e6
    return {
        "requests": data["requests"],
        "rps": data["requests"] / secs if secs else 0.0,
        "p50_ms": data["p50_us"] / 1000,
        "p95_ms": data["p95_us"] / 1000,
        "p99_ms": data["p99_us"] / 1000,
        "max_ms": data["max_us"] / 1000,
        "errors": data["socket_errors"] + data["non_2xx"],
    }


def bench_database(
    name: str, url: str, opts: argparse.Namespace, wrk_bin: str, quiet: QuietWait
) -> dict[str, Any]:
    from inprocess import headers_for

    env = common.bench_env(url)
    stamp = common.BENCH_VAR / f"generated-{name}-{opts.scale:g}.json"
    if opts.regenerate or (opts.generate and not stamp.exists()):
        generate(name, url, scale=opts.scale)
    if not stamp.exists():
        raise SystemExit(f"No generated {name} directory; run with --generate (see bench/README.md).")
    generation = json.loads(stamp.read_text())
    log(f"{name}: creating the bench users, token and session")
    creds_file = common.BENCH_VAR / f"creds-{name}.json"
    creds_file.write_text(run_py([str(BENCH / "inprocess.py"), "users"], env))
    creds = json.loads(creds_file.read_text())

    measured_file = common.BENCH_VAR / f"inprocess-{name}.json"
    inproc_quiet = quiet(f"{name} in-process measurements")
    log(f"{name}: in-process measurements (SQL capture, data floor, query plans, matcher), pinned to core 0")
    run_py(
        [
            str(BENCH / "inprocess.py"),
            "measure",
            "--creds",
            str(creds_file),
            "--out",
            str(measured_file),
            "--repeat",
            str(opts.repeat),
        ],
        env,
        pin=SERVER_CORE,
    )
    inproc = json.loads(measured_file.read_text())
    inproc["machine"] = inproc_quiet

    for port in (SERVER_PORT, FLOOR_PORT):
        if not port_free(port):
            raise SystemExit(f"port {port} is in use (another benchmark?); choose others with --ports")
    log(
        f"{name}: starting the server and the floor app "
        f"(waitress, {opts.threads} threads, core {SERVER_CORE})"
    )
    server = start(
        [LIAISON, "serve", "--host", "127.0.0.1", "--port", str(SERVER_PORT), "--threads", str(opts.threads)],
        env,
        common.BENCH_VAR / f"server-{name}.log",
    )
    floor = None
    try:
        wait_ready(SERVER_PORT, server)
        captured = {}
        for ep in ENDPOINTS:
            status, ctype, body = fetch(SERVER_PORT, ep.path, headers_for(ep.auth, creds))
            if status != 200:
                raise SystemExit(f"{name}: {ep.path} answered {status}: {body[:300]!r}")
            captured[ep.path] = {"content_type": ctype, "body_b64": base64.b64encode(body).decode()}
        captured_file = common.BENCH_VAR / f"captured-{name}.json"
        captured_file.write_text(json.dumps(captured))
        floor = start(
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
            common.BENCH_VAR / f"floor-{name}.log",
        )
        wait_ready(FLOOR_PORT, floor)
        rows: dict[str, Any] = {}
        for ep in ENDPOINTS:
            hdrs = headers_for(ep.auth, creds)
            status, _, body = fetch(FLOOR_PORT, ep.path, hdrs)
            assert status == 200 and len(body) == len(base64.b64decode(captured[ep.path]["body_b64"])), (
                ep.path
            )
            for port in (SERVER_PORT, FLOOR_PORT):  # warm up
                for _ in range(3):
                    fetch(port, ep.path, hdrs)
            row: dict[str, Any] = {"bytes": len(body), "machine": quiet(ep.name)}
            for label, port in (("server", SERVER_PORT), ("floor", FLOOR_PORT)):
                row[f"{label}_c1"] = wrk(wrk_bin, port, ep.path, hdrs, connections=1, duration=opts.duration)
                row[f"{label}_cN"] = wrk(
                    wrk_bin, port, ep.path, hdrs, connections=opts.connections, duration=opts.duration
                )
            rows[ep.path] = row
            log(
                f"{name}: {ep.name}: p50 {row['server_c1']['p50_ms']:.1f} ms, "
                f"p95 {row['server_c1']['p95_ms']:.1f} ms,"
                f" {row['server_cN']['rps']:.0f} req/s (floor p50 {row['floor_c1']['p50_ms']:.2f} ms)"
            )
    finally:
        if floor is not None:
            stop(floor)
        stop(server)
    return {"name": name, "generation": generation, "inprocess": inproc, "http": rows}


def small_counts(opts: argparse.Namespace) -> dict[str, Any]:
    """Query counts on a directory 100 times smaller, for the constant-queries check."""
    url = f"sqlite:///{common.BENCH_VAR / 'small.sqlite3'}"
    env = common.bench_env(url)
    if not (common.BENCH_VAR / "small.sqlite3").exists() or opts.regenerate:
        run_py([str(BENCH / "generate.py"), "--reset", "--scale", "0.01"], env)
    creds_file = common.BENCH_VAR / "creds-small.json"
    creds_file.write_text(run_py([str(BENCH / "inprocess.py"), "users"], env))
    out = common.BENCH_VAR / "counts-small.json"
    run_py([str(BENCH / "inprocess.py"), "counts", "--creds", str(creds_file), "--out", str(out)], env)
    return json.loads(out.read_text())


# --- report -------------------------------------------------------------------------------------


def f(ms: float) -> str:
    return f"{ms:.1f}" if ms >= 10 else f"{ms:.2f}"


def machine_state(state: dict[str, Any] | None) -> str:
    if not state:
        return "?"
    return f"load {state['load']:.1f}, {state['busy']:.0%} busy" + ("" if state["quiet"] else " (busy)")


def verdict(ok: bool) -> str:
    return "**pass**" if ok else "**FAIL**"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import sqlite3

    pg = (
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "show server_version"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        or "?"
    )
    return (
        f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, "
        f"PostgreSQL {pg}; CPU calibration {common.calibration_ms():.0f} ms "
        "(`bench/common.py: calibration_ms`, a fixed Python loop; lower is faster)"
    )


def git_rev() -> str:
    rev = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=common.REPO, capture_output=True, text=True
    )
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "liaison", "config"],
        cwd=common.REPO,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return rev.stdout.strip() + (" with uncommitted changes to liaison/ or config/" if dirty else "")


def report(
    results: list[dict[str, Any]], small: dict[str, Any], opts: argparse.Namespace, took: float
) -> str:
    lines = [
        "# Directory benchmark",
        "",
        f"Run {dt.datetime.now().strftime('%Y-%m-%d %H:%M')} by `uv run python bench/run.py` "
        f"({took / 60:.1f} min for the run, generation excluded). Machine: {machine()}. "
        f"Load average at start / end: {opts.load_start} / {os.getloadavg()[0]:.2f}."
        f" Code: commit {git_rev()}.",
        "",
        f"Server: `liaison serve --threads {opts.threads}` (waitress), DJANGO_DEBUG=0, "
        f"pinned to core {SERVER_CORE}; wrk pinned to core {LOAD_CORE}, {opts.duration} s per measurement. "
        "**Server time = wrk latency on loopback with 1 connection** (no queueing; includes ~0.1 ms of "
        f"loopback and wrk). req/s and the loaded latencies are with {opts.connections} connections. "
        "Framework floor = the same Django settings and middleware serving the captured bytes "
        "(bench/floor_app.py), same server, same core. Data floor = the endpoint's own SQL (captured in "
        f"process) replayed on a raw cursor, {opts.repeat} times.",
        "",
        "User: EDITOR of one top-level organisation, INTERNAL clearance (the access filter applies); "
        "API requests with a bearer token, pages with a session cookie.",
        "",
        f"Each measurement first waits up to {opts.wait_quiet:.0f} s for a quiet machine (both CPUs under "
        f"25 % busy over 2 s; {opts.wait_budget:.0f} min of waiting in all at most); the column *machine* "
        "gives the 1-minute load average and how busy the CPUs were when it started (the machine is "
        "shared: figures taken on a busy machine are slower than the code).",
        "",
    ]
    for r in results:
        g = r["generation"]
        c = g["counts"]
        lines += [
            f"## {r['name']}",
            "",
            f"Directory: {c['organisations']:,} organisations (depth ≤ {c['max depth']}), "
            f"{c['people']:,} people, "
            f"{c['positions']:,} positions, {c['name keys']:,} name keys; generated in {g['seconds']:.0f} s.",
            "",
            f"| endpoint | queries | server p50 ms | server p95 ms | req/s (c={opts.connections}) | "
            f"p50/p95 ms (c={opts.connections}) | framework floor p50/p95 ms | floor req/s | "
            "data floor p50/p95 ms | target | result | machine |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|",
        ]
        for ep in ENDPOINTS:
            h = r["http"][ep.path]
            ip = r["inprocess"]["endpoints"][ep.path]
            s1, sN, f1, fN, d = h["server_c1"], h["server_cN"], h["floor_c1"], h["floor_cN"], ip["data_floor"]
            if ep.kind == "list-api":
                bound = 2 * (f1["p50_ms"] + d["p50_ms"])
                ratio = s1["p50_ms"] / (f1["p50_ms"] + d["p50_ms"])
                target = f"p50 ≤ 2×(floors) = {f(bound)} ms (now {ratio:.1f}×)"
                result = verdict(s1["p50_ms"] <= bound)
            elif ep.kind in ("list-page", "search-page"):
                target = "p95 < 50 ms"
                result = verdict(s1["p95_ms"] < 50)
            else:
                target = "(p95 < 50 ms, not a stated target)"
                result = "pass" if s1["p95_ms"] < 50 else "over"
            errors = s1["errors"] + sN["errors"]
            lines.append(
                f"| `{ep.path}` | {ip['queries']} | {f(s1['p50_ms'])} | {f(s1['p95_ms'])} | "
                f"{sN['rps']:.1f} | {f(sN['p50_ms'])} / {f(sN['p95_ms'])} | "
                f"{f(f1['p50_ms'])} / {f(f1['p95_ms'])} | {fN['rps']:.0f} | "
                f"{f(d['p50_ms'])} / {f(d['p95_ms'])} | {target} | {result}"
                + (f" ({errors} errors)" if errors else "")
                + f" | {machine_state(h.get('machine'))} |"
            )
        m = r["inprocess"]["matcher"]
        lines += [
            "",
            'Name matcher, in process (`name_index.lookup(kind="person")`, '
            f"{m['queries']} queries, pinned to core {SERVER_CORE}): "
            f"p50 {f(m['p50_ms'])} ms, p95 {f(m['p95_ms'])} ms, max {f(m['max_ms'])} ms — "
            f"target p95 < 20 ms: {verdict(m['p95_ms'] < 20)} "
            f"(machine: {machine_state(r['inprocess'].get('machine'))}).",
            "",
            "| query category | n | p50 ms | max ms |",
            "|---|---:|---:|---:|",
        ]
        for cat, v in m["by_category"].items():
            lines.append(f"| {cat} | {v['n']} | {f(v['p50_ms'])} | {f(v['max_ms'])} |")
        split = [b for b in m["breakdown"] if "total_ms" in b]
        lines += [
            "",
            "Where the slowest lookups spend their time (their SQL replayed alone vs the whole lookup): "
            + "; ".join(f"“{b['query']}” {f(b['sql_ms'])} of {f(b['total_ms'])} ms in SQL" for b in split)
            + ".",
        ]
        lines += [
            "",
            "Slowest lookups: "
            + "; ".join(f"“{s['query']}” {f(s['ms'])} ms ({s['results']} results)" for s in m["slowest"][:5])
            + ".",
            "",
        ]

    # Constant number of queries.
    lines += [
        "## Queries per request (constant at 50 rows regardless of database size?)",
        "",
        "| endpoint | small SQLite (1 % scale) | "
        + " | ".join(f"full {r['name']}" for r in results)
        + " | full, 10 rows instead of 50 | constant |",
        "|---|---:|" + "---:|" * len(results) + "---:|---|",
    ]
    for ep in ENDPOINTS:
        if ep.kind not in ("list-api", "list-page"):
            continue
        counts = [small[ep.path]["queries"]] + [
            r["inprocess"]["endpoints"][ep.path]["queries"] for r in results
        ]
        ten = [r["inprocess"]["endpoints"][ep.path].get("queries_at_10_rows") for r in results]
        ten_s = " / ".join(str(t) for t in ten) if ep.path in SMALL_PAGES else "—"
        constant = len(set(counts)) == 1 and (ep.path not in SMALL_PAGES or set(ten) == {counts[0]})
        lines.append(
            f"| `{ep.path}` | " + " | ".join(str(c) for c in counts) + f" | {ten_s} | {verdict(constant)} |"
        )
    lines.append("")
    return "\n".join(lines)


def plans_report(results: list[dict[str, Any]]) -> str:
    out = ["# Query plans of the heaviest statements (from the last run)", ""]
    for r in results:
        out += [f"## {r['name']}", ""]
        for ep in ENDPOINTS:
            ip = r["inprocess"]["endpoints"][ep.path]
            out += [
                f"### `{ep.path}` ({ip['queries']} queries, "
                f"data floor p50 {f(ip['data_floor']['p50_ms'])} ms)",
                "",
            ]
            for p in ip["plans"]:
                out += [
                    f"Median {f(p['median_ms'])} ms:",
                    "",
                    "```sql",
                    p["sql"],
                    "```",
                    "",
                    "```",
                    p["plan"],
                    "```",
                    "",
                ]
        m = r["inprocess"]["matcher"]
        out += ["### Name matcher: slowest lookup", ""]
        for b in m["breakdown"]:
            if "sql" in b:
                out.append(f"- {f(b['ms'])} ms, {b['rows']} rows: `{b['sql'][:200]}` params {b['params']}")
            else:
                out.append(f"- “{b['query']}”: total {f(b['total_ms'])} ms, of which SQL {f(b['sql_ms'])} ms")
        out.append("")
        for p in m["plans"]:
            out += ["```sql", p["sql"], "```", "", "```", p["plan"], "```", ""]
    return "\n".join(out)


def main() -> None:
    global SERVER_PORT, FLOOR_PORT
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--generate", action="store_true", help="generate a database that is missing")
    parser.add_argument("--regenerate", action="store_true", help="regenerate every database first")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk measurement")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4, help="waitress threads")
    parser.add_argument(
        "--ports", default=f"{SERVER_PORT},{FLOOR_PORT}", help="ports of the server and of the floor app"
    )
    parser.add_argument("--repeat", type=int, default=30, help="data-floor replays per endpoint")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=60,
        help="seconds to wait for a quiet machine (CPUs under 25%% busy) before each measurement",
    )
    parser.add_argument(
        "--wait-budget", type=float, default=15, help="minutes of such waiting in all, at most"
    )
    opts = parser.parse_args()
    SERVER_PORT, FLOOR_PORT = (int(p) for p in opts.ports.split(","))
    if not shutil.which("taskset"):
        raise SystemExit("taskset (util-linux) is needed to pin the server and the load generator")
    wrk_bin = ensure_wrk()
    opts.load_start = f"{os.getloadavg()[0]:.2f}"
    common.BENCH_VAR.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(exist_ok=True)
    started = time.perf_counter()
    urls = common.database_urls()
    quiet = QuietWait(opts.wait_quiet, opts.wait_budget * 60)
    results = []
    for name in opts.databases.split(","):
        results.append(bench_database(name, urls[name], opts, wrk_bin, quiet))
        (RESULTS / f"directory-{name}.json").write_text(json.dumps(results[-1], indent=1, default=str))
    log("query counts on the small directory")
    small = small_counts(opts)
    took = time.perf_counter() - started
    text = report(results, small, opts, took)
    (RESULTS / "directory.md").write_text(text)
    (RESULTS / "plans.md").write_text(plans_report(results))
    print(text)


if __name__ == "__main__":
    sys.path.insert(0, str(BENCH))
    main()

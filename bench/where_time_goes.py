"""Where one endpoint spends its time, in process: SQL against Python, and the Python's profile.

    DATABASE_URL=... LIAISON_VAR_DIR=/tmp/liaison-bench \\
        uv run python bench/where_time_goes.py /activities/ --user bench-activities [--repeat 30] [--top 25]

Requests go through the whole stack (middleware, session or token, templates) with Django's test
client, signed in as `--user` (any existing username; `--api` sends a fresh bearer token instead
of a session). It prints the median time per request, the share spent in SQL (every statement
timed at the cursor), the number of queries, then the functions with the most time of their own
and the most cumulative time (cProfile, over `--repeat` requests after two warm-up ones).
Nothing is written to the database but the session (or the token) of the profiling user.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import time
from typing import Any

import common


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("path", help="the address to request, e.g. /api/activities?limit=50")
    parser.add_argument("--user", required=True, help="an existing username")
    parser.add_argument("--api", action="store_true", help="sign in with a bearer token, not a session")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument(
        "--sort", default="tottime,cumulative", help="pstats orders to print, comma-separated"
    )
    parser.add_argument("--statements", type=int, default=3, help="list this many slowest statements")
    parser.add_argument("--width", type=int, default=300, help="characters of each statement to print")
    parser.add_argument(
        "--only", default="", help="restrict the listing to functions whose file matches this"
    )
    parser.add_argument(
        "--phase",
        action="append",
        default=[],
        metavar="MODULE:FUNCTION",
        help="also time this function per request, unprofiled (repeatable; patched where it is "
        "looked up, e.g. liaison.activities.views:_warnings)",
    )
    opts = parser.parse_args()
    common.setup_django()
    phases = {name: _timed_phase(name) for name in opts.phase}

    from django.db import connection
    from django.test import Client

    from liaison.accounts.models import User
    from liaison.accounts.tokens import create_api_token

    user = User.objects.get(username=opts.user)
    client = Client(SERVER_NAME="127.0.0.1")
    headers: dict[str, str] = {}
    if opts.api:
        headers["Authorization"] = f"Bearer {create_api_token(user=user, name='profile')}"
    else:
        client.force_login(user)
        session = client.session
        session["two_factor_checked"] = True  # as after the first page of a session
        session.save()

    sql_time = [0.0]
    queries = [0]
    statements: list[tuple[float, str]] = []

    def timing(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            took = time.perf_counter() - started
            sql_time[0] += took
            queries[0] += 1
            statements.append((took, sql))

    def once() -> tuple[float, float, int]:
        sql_time[0], queries[0] = 0.0, 0
        for spent in phases.values():
            spent.append(0.0)
        started = time.perf_counter()
        with connection.execute_wrapper(timing):
            response = client.get(opts.path, headers=headers)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
        total = time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f"{opts.path} answered {response.status_code}")
        return total, sql_time[0], queries[0]

    once(), once()  # warm-up: caches, compiled templates, translations
    statements.clear()
    for spent in phases.values():
        spent.clear()
    runs = [once() for _ in range(opts.repeat)]
    total = statistics.median(r[0] for r in runs) * 1000
    sql = statistics.median(r[1] for r in runs) * 1000
    print(
        f"{opts.path}: median {total:.1f} ms per request, of which SQL {sql:.1f} ms "
        f"({runs[0][2]} queries), Python {total - sql:.1f} ms"
    )
    for name, spent in phases.items():
        print(f"  {statistics.median(spent) * 1000:7.1f} ms in {name} (median per request, SQL included)")
    slowest: dict[str, list[float]] = {}
    for took, text in statements:
        slowest.setdefault(text, []).append(took * 1000)
    for text, times in sorted(slowest.items(), key=lambda kv: -statistics.median(kv[1]))[: opts.statements]:
        print(f"  {statistics.median(times):7.1f} ms  {text[: opts.width]}")

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(opts.repeat):
        once()
    profiler.disable()
    for order in opts.sort.split(","):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(
            *([opts.only] if opts.only else []), opts.top
        )
        print(f"\n--- by {order} (over {opts.repeat} requests) ---")
        print(out.getvalue().split("\n", 6)[-1])


def _timed_phase(name: str) -> list[float]:
    """Wrap MODULE:FUNCTION so that each call adds its wall time to the current request's entry."""
    import functools
    import importlib

    module_name, _, function_name = name.partition(":")
    module = importlib.import_module(module_name)
    function = getattr(module, function_name)
    spent: list[float] = []

    @functools.wraps(function)
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            if spent:
                spent[-1] += time.perf_counter() - started

    setattr(module, function_name, timed)
    return spent


if __name__ == "__main__":
    main()

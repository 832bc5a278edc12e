"""Implementation tracking at national scale (issue 6): 50 plans, 5,000 tasks, assignments to 63
provincial units, 20 reporting periods — about 5.7 million reports on PostgreSQL (600,000 on
SQLite: the first two periods only). Targets: the heatmap of a plan under 300 ms, the roll-up of a
directive under 500 ms, list pages p95 under 60 ms, constant query counts.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/liaison_bench_implementation
    export LIAISON_VAR_DIR=/tmp/liaison-bench-implementation
    uv run python bench/implementation_tracking.py generate      # once (PostgreSQL: ~10 min)
    uv run python bench/implementation_tracking.py run [--repeat 30]

`generate` writes documents, plans, objectives and tasks through bulk inserts (the services'
speed is not what is measured here), assigns every leaf task to the 63 units, and writes one
report per assignment and period with the assignment's figures refreshed from the latest, as
`progress.refresh_assignment` would. Five directives, each implemented by ten plans; each plan has
five objectives and 100 tasks (10 parents of 9 sub-tasks each), quarterly over 2021–2025.
`run` times pages and endpoints in-process through Django's test client (the whole request:
middleware, access policy, queries, template) as a coordinator of the plans' owner, and prints
p50/p95 in ms and the number of queries per page.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common

DOCUMENTS = 5
PLANS_PER_DOCUMENT = 10
OBJECTIVES = 5
PARENTS = 10
CHILDREN = 9
UNITS = 63
SEED = 6
USERNAME = "bench-implementation-coordinator"
STATUSES = ["on_track", "on_track", "on_track", "at_risk", "delayed", "done"]


def generate(periods_with_reports: int | None) -> dict[str, object]:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection
    from django.db.models import QuerySet

    from liaison.accounts.models import Membership, User
    from liaison.core.access import Role
    from liaison.core.audit import acting_as
    from liaison.directory import services as directory_services
    from liaison.directory.models import Organisation
    from liaison.implementation import services
    from liaison.implementation.models import (
        Assignment,
        GuidingDocument,
        Objective,
        ProgressReport,
        Task,
    )

    root, _ = User.objects.get_or_create(
        username="bench-implementation-root", defaults={"is_superuser": True, "clearance": 2}
    )
    if GuidingDocument.objects.filter(code="BENCH-00").exists():
        return {"reports": ProgressReport.objects.count(), "note": "already generated"}
    with acting_as(root, via="bench"):

        def org(name: str, kind: str) -> Organisation:
            created: Organisation = directory_services.create_organisation(
                by=root,
                data=directory_services.OrganisationInput(pillar="party", kind=kind),
                names=[directory_services.NameInput(value=name, language="en")],
            )
            return created

        owner = org("Bench commission", "commission")
        units = [org(f"Bench provincial committee {n:02d}", "provincial_committee") for n in range(UNITS)]
        documents = []
        plans = []
        for d in range(DOCUMENTS):
            document = services.create_document(
                by=root,
                data=services.DocumentInput(
                    code=f"BENCH-{d:02d}",
                    kind="directive",
                    issuer=owner,
                    issued_on=dt.date(2020, 1, 1),
                    owner=owner,
                    title_en=f"Bench directive {d}",
                ),
            )
            documents.append(document)
            for p in range(PLANS_PER_DOCUMENT):
                plans.append(
                    services.create_plan(
                        by=root,
                        data=services.PlanInput(
                            document=document,
                            owner=owner,
                            starts_on=dt.date(2021, 1, 1),
                            ends_on=dt.date(2025, 12, 31),
                            title_en=f"Bench plan {d}.{p}",
                            code=f"BENCH-{d}-{p}",
                        ),
                    )
                )
    coordinator, _ = User.objects.get_or_create(username=USERNAME, defaults={"clearance": 1})
    Membership.objects.get_or_create(
        user=coordinator, organisation=owner, defaults={"role": Role.COORDINATOR}
    )
    rng = random.Random(SEED)
    started = time.perf_counter()
    written = 0
    for plan in plans:
        objectives = QuerySet.bulk_create(
            Objective.objects.all(),
            [Objective(plan=plan, code=str(n + 1), title_en=f"Objective {n + 1}") for n in range(OBJECTIVES)],
        )
        parents = QuerySet.bulk_create(
            Task.objects.all(),
            [
                Task(
                    plan=plan,
                    objective=objectives[n % OBJECTIVES],
                    code=str(n + 1),
                    title_en=f"Task {n + 1}",
                    responsible=owner,
                    weight=Decimal(rng.randint(1, 3)),
                )
                for n in range(PARENTS)
            ],
        )
        for parent in parents:
            parent.path = f"/{parent.pk}/"
        Task._base_manager.bulk_update(parents, ["path"])
        leaves = QuerySet.bulk_create(
            Task.objects.all(),
            [
                Task(
                    plan=plan,
                    parent=parent,
                    objective=parent.objective,
                    code=f"{parent.code}.{c + 1}",
                    title_en=f"Task {parent.code}.{c + 1}",
                    responsible=owner,
                    weight=Decimal(1),
                    path=parent.path,
                )
                for parent in parents
                for c in range(CHILDREN)
            ],
        )
        for leaf in leaves:
            leaf.path = f"{leaf.path}{leaf.pk}/"
        Task._base_manager.bulk_update(leaves, ["path"])
        assignments = QuerySet.bulk_create(
            Assignment.objects.all(),
            [
                Assignment(task=leaf, organisation=unit, assigned_on=plan.starts_on)
                for leaf in leaves
                for unit in units
            ],
        )
        plan.shared_with.add(*units)
        periods = list(plan.periods.all())
        if periods_with_reports is not None:
            periods = periods[:periods_with_reports]
        reports = []
        for assignment in assignments:
            percent = 0
            for period in periods:
                if rng.random() < 0.08:
                    continue
                percent = min(100, percent + rng.choice([0, 5, 10]))
                late = rng.random() < 0.15
                at = dt.datetime.combine(period.due_on, dt.time(9), tzinfo=dt.UTC) + dt.timedelta(
                    days=rng.randint(1, 20) if late else -rng.randint(0, 10)
                )
                status = rng.choice(STATUSES)
                reports.append(
                    ProgressReport(
                        assignment=assignment,
                        period=period,
                        status="accepted",
                        progress=status,
                        percent=Decimal(percent),
                        narrative="",
                        submitted_at=at,
                        accepted_at=at,
                        late=late,
                    )
                )
                assignment.status = status
                assignment.reported_percent = Decimal(percent)
                assignment.computed_percent = Decimal(percent)
                assignment.last_period_id = period.pk
            if len(reports) >= 20_000:
                QuerySet.bulk_create(ProgressReport.objects.all(), reports, batch_size=5000)
                written += len(reports)
                reports = []
        QuerySet.bulk_create(ProgressReport.objects.all(), reports, batch_size=5000)
        written += len(reports)
        Assignment._base_manager.bulk_update(
            assignments, ["status", "reported_percent", "computed_percent", "last_period"], batch_size=5000
        )
        print(
            f"plan {plan.code}: {written} reports ({time.perf_counter() - started:.0f} s)",
            file=sys.stderr,
            flush=True,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "plans": len(plans),
        "tasks": Task.objects.filter(plan__in=plans).count(),
        "assignments": Assignment.objects.filter(task__plan__in=plans).count(),
        "reports": written,
        "seconds": round(time.perf_counter() - started),
    }


def run(repeat: int) -> dict[str, object]:
    from django.conf import settings
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from liaison.accounts.models import User
    from liaison.implementation.models import GuidingDocument, Plan, ProgressReport

    document = GuidingDocument.objects.get(code="BENCH-00")
    plan = Plan.objects.get(code="BENCH-0-0")
    client = Client(HTTP_HOST=next((h for h in settings.ALLOWED_HOSTS if "*" not in h), "localhost"))
    client.force_login(User.objects.get(username=USERNAME))
    paths = {
        "heatmap of a plan (page)": f"/implementation/plans/{plan.pk}/heatmap/",
        "heatmap of a plan (API)": f"/api/implementation/plans/{plan.pk}/heatmap",
        "roll-up of a directive (page)": f"/implementation/documents/{document.pk}/",
        "roll-up of a directive (API)": f"/api/implementation/documents/{document.pk}/rollup",
        "plan page (tree, completeness, overdue)": f"/implementation/plans/{plan.pk}/",
        "completeness page": f"/implementation/plans/{plan.pk}/completeness/",
        "list: guiding documents": "/implementation/",
        "list: plans": "/implementation/plans/",
        "list: plans, page 2": "/implementation/plans/?page=2",
        "list: plans (API)": "/api/implementation/plans",
        "list: documents (API)": "/api/implementation/documents",
    }
    results: dict[str, object] = {"database": connection.vendor, "reports": ProgressReport.objects.count()}
    for name, path in paths.items():
        first = client.get(path)  # warm
        if first.status_code == 404:
            results[name] = "not routed"
            continue
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        results[name] = {
            "p50_ms": round(common.percentile(times, 50), 1),
            "p95_ms": round(common.percentile(times, 95), 1),
            "queries": len(queries.captured_queries),
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate")
    gen.add_argument(
        "--periods",
        type=int,
        default=None,
        help="report only the first N periods (SQLite: 2 → about 570,000)",
    )
    measure = sub.add_parser("run")
    measure.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    common.setup_django()
    result = generate(args.periods) if args.command == "generate" else run(args.repeat)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

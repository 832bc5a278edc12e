"""The coordination engine at scale: 200 agreements with 2,000 sharing rules applied to 10,000
activity changes (issue 4: under 30 s in-process on a 2-core machine; report Celery throughput
with 1 and 2 workers).

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/liaison_bench_coord
    export LIAISON_VAR_DIR=/tmp/liaison-bench-coord
    uv run python bench/coordination_engine.py generate        # once (~2 min)
    uv run python bench/coordination_engine.py run             # in-process
    uv run python bench/coordination_engine.py run --celery redis://127.0.0.1:6379/14 --workers 1
    uv run python bench/coordination_engine.py run --celery amqp://guest:guest@127.0.0.1:5672// --workers 2

`run` forgets the notices of earlier runs and marks the 10,000 changes pending again, then times
the engine until no change is pending. With --celery it starts the workers first (not timed),
enqueues one task per change through the product's task interface and waits for the database to
show every change processed. Prints JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common

AGREEMENTS = 200
RULES_PER_AGREEMENT = 10
ACTIVITIES = 10_000
ORGANISATIONS = 120
SEED = 44


def generate(reset: bool) -> dict[str, int]:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from liaison.accounts.models import User
    from liaison.activities.models import HIGH_LEVEL_RANKS, Activity, ActivityKind, LeaderRank
    from liaison.coordination import services
    from liaison.coordination.models import ActivityChange, Agreement, Notice, SharedField, Trigger
    from liaison.core.audit import acting_as
    from liaison.directory import reference
    from liaison.directory import services as directory_services
    from liaison.directory.models import Country, Organisation

    if reset:
        Notice.objects.all().delete()
        ActivityChange.objects.all().delete()
        Agreement.objects.all().delete()
        Activity.objects.filter(external_key__startswith="bench-coord:").delete()
    rng = random.Random(SEED)
    root, _ = User.objects.get_or_create(
        username="bench-coord-root", defaults={"is_superuser": True, "clearance": 2}
    )
    if not Country.objects.exists():
        reference.load_countries()
    countries = list(Country.objects.values_list("pk", flat=True))[:40]
    with acting_as(root, via="bench"):
        orgs = list(Organisation.objects.filter(external_key__startswith="bench-coord:"))
        for n in range(len(orgs), ORGANISATIONS):
            orgs.append(
                directory_services.create_organisation(
                    by=root,
                    data=directory_services.OrganisationInput(
                        pillar=rng.choice(["party", "state", "people"]),
                        kind="ministry",
                        external_key=f"bench-coord:{n}",
                    ),
                    names=[directory_services.NameInput(value=f"Bench agency {n}", language="en")],
                )
            )
        kinds = list(ActivityKind.values)
        for a in range(Agreement.objects.count(), AGREEMENTS):
            parties = rng.sample(orgs, 3)
            agreement = services.create_agreement(
                by=root,
                data=services.AgreementInput(
                    kind="agreement",
                    owner=parties[0],
                    parties=parties,
                    starts_on=dt.date(2020, 1, 1),
                    title_en=f"Bench agreement {a}",
                ),
            )
            for _r in range(RULES_PER_AGREEMENT):
                source, recipient = rng.sample(parties, 2)
                services.add_rule(
                    by=root,
                    agreement=agreement,
                    data=services.RuleInput(
                        recipient=recipient,
                        source=source,
                        kinds=rng.sample(kinds, rng.randint(1, 4)),
                        high_level_only=rng.random() < 0.3,
                        pillars=rng.sample(["party", "state", "people"], rng.randint(1, 3)),
                        triggers=list(Trigger.values),
                        lead_days=rng.choice([3, 7, 10, 14, 21]),
                        day_basis=rng.choice(["calendar", "working"]),
                        shared_fields=rng.sample(list(SharedField.values), rng.randint(1, 4)),
                    ),
                )
    existing = Activity.objects.filter(external_key__startswith="bench-coord:").count()
    now = dt.datetime.now(dt.UTC)
    batch = []
    ranks = list(LeaderRank.values)
    for n in range(existing, ACTIVITIES):
        start = now + dt.timedelta(days=rng.randint(1, 120), hours=rng.randint(0, 23))
        rank = rng.choice(ranks) if rng.random() < 0.4 else ""
        lead = rng.choice(orgs)
        batch.append(
            Activity(
                kind=rng.choice(kinds),
                pillars=f",{lead.pillar},",
                lead_organisation=lead,
                owner=lead,
                leader_rank=rank,
                high_level=rank in HIGH_LEVEL_RANKS,
                title_en=f"Bench activity {n}",
                starts_at=start,
                ends_at=start + dt.timedelta(hours=rng.randint(2, 72)),
                country_id=rng.choice(countries),
                external_key=f"bench-coord:{n}",
            )
        )
    from django.db.models import QuerySet

    QuerySet.bulk_create(Activity.objects.all(), batch, batch_size=1000)  # no audit rows: bench data
    ids = list(
        Activity.objects.filter(external_key__startswith="bench-coord:")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    ActivityChange.objects.all().delete()
    ActivityChange.objects.bulk_create(
        [ActivityChange(activity_id=pk, kind="created", fields=[], at=now) for pk in ids], batch_size=2000
    )
    return {"organisations": len(orgs), "agreements": Agreement.objects.count(), "changes": len(ids)}


def reset_run() -> int:
    """Forget earlier runs' notices (raw deletes: a million rows through the ORM's collector
    would take longer than the run) and mark every change pending again."""
    from django.db import connection

    from liaison.coordination.models import (
        ActivityChange,
        Delivery,
        DeliveryAttempt,
        Escalation,
        Notice,
        NoticeRead,
        NoticeResponse,
    )

    with connection.cursor() as cursor:
        for model in (
            DeliveryAttempt,
            Delivery,
            Escalation.coordinators.through,
            Escalation,
            NoticeRead,
            NoticeResponse,
        ):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")
        cursor.execute(f"UPDATE {Notice._meta.db_table} SET supersedes_id = NULL")
        cursor.execute(f"DELETE FROM {Notice._meta.db_table}")
    return ActivityChange.objects.update(processed_at=None, attempts=0, error="")


def pending() -> int:
    from liaison.coordination.models import ActivityChange

    return ActivityChange.objects.filter(processed_at__isnull=True).count()


def run_inprocess() -> dict[str, object]:
    from liaison.coordination import engine
    from liaison.coordination.models import Notice

    changes = reset_run()
    started = time.perf_counter()
    consumed = engine.process_pending()
    took = time.perf_counter() - started
    return {
        "mode": "in-process",
        "changes": changes,
        "consumed": consumed,
        "notices": Notice.objects.count(),
        "seconds": round(took, 2),
        "changes_per_second": round(consumed / took, 1),
    }


def run_celery(broker: str, workers: int) -> dict[str, object]:
    from liaison.coordination.models import ActivityChange, Notice

    env = {
        **os.environ,
        "LIAISON_TASKS": "celery",
        "LIAISON_BROKER_URL": broker,
        "LIAISON_LOG_LEVEL": "ERROR",
    }
    queue = f"bench-coord-{os.getpid()}"
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "-Q",
                queue,
                "-n",
                f"bench{n}@%h",
                "--loglevel=ERROR",
            ],
            cwd=common.REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n in range(workers)
    ]
    try:
        time.sleep(8)  # the workers connect and start
        changes = reset_run()
        ids = list(ActivityChange.objects.order_by("pk").values_list("pk", flat=True))
        from liaison.core.tasks import RUN_TASK, celery_app

        app = celery_app(broker)
        started = time.perf_counter()
        for change_id in ids:
            app.send_task(
                RUN_TASK,
                args=["liaison.coordination.tasks.process_change", [change_id], {}],
                queue=queue,
            )
        while pending() and time.perf_counter() - started < 600:
            time.sleep(0.2)
        took = time.perf_counter() - started
        left = pending()
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
    return {
        "mode": f"celery {broker.split(':', 1)[0]}",
        "workers": workers,
        "changes": changes,
        "left_pending": left,
        "notices": Notice.objects.count(),
        "seconds": round(took, 2),
        "changes_per_second": round((changes - left) / took, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate")
    gen.add_argument("--reset", action="store_true")
    run = sub.add_parser("run")
    run.add_argument("--celery", metavar="BROKER_URL")
    run.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    common.setup_django()
    if args.command == "generate":
        result: dict[str, object] = generate(args.reset)
    elif args.celery:
        result = run_celery(args.celery, args.workers)
    else:
        result = run_inprocess()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

"""An inbox of 1,000,000 notices for one organisation: the inbox list under 60 ms at p95, the
coordination health page for a year under 300 ms on PostgreSQL (issue 4).

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/liaison_bench_inbox
    export LIAISON_VAR_DIR=/tmp/liaison-bench-inbox
    uv run python bench/coordination_inbox.py generate      # once (~5 min)
    uv run python bench/coordination_inbox.py run [--repeat 40]

`generate` writes the notices directly (bulk inserts; the engine's own speed is
bench/coordination_engine.py's business): three years of notices about activities, 15 % late, most
acknowledged, to one recipient from ten sources under one agreement. `run` times the pages and
endpoints in-process through Django's test client (the whole request: middleware, access policy,
queries, template) as a VUFO viewer, and prints p50/p95 in ms and the number of queries per page.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common

NOTICES = 1_000_000
SOURCES = 10
SEED = 7
YEAR = 2026
USERNAME = "bench-inbox-viewer"


def generate(count: int) -> dict[str, object]:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection
    from django.db.models import QuerySet

    from liaison.accounts.models import Membership, User
    from liaison.coordination import services
    from liaison.coordination.models import Agreement, Notice, NoticeKind, NoticeStatus
    from liaison.core.access import Role
    from liaison.core.audit import acting_as
    from liaison.directory import services as directory_services

    root, _ = User.objects.get_or_create(
        username="bench-inbox-root", defaults={"is_superuser": True, "clearance": 2}
    )
    with acting_as(root, via="bench"):

        def org(name: str) -> object:
            return directory_services.create_organisation(
                by=root,
                data=directory_services.OrganisationInput(pillar="people", kind="mass_organisation"),
                names=[directory_services.NameInput(value=name, language="en")],
            )

        agreement = Agreement.objects.filter(code="BENCH-INBOX").first()
        if agreement is None:
            recipient = org("Bench recipient (VUFO)")
            sources = [org(f"Bench source {n}") for n in range(SOURCES)]
            agreement = services.create_agreement(
                by=root,
                data=services.AgreementInput(
                    kind="agreement",
                    owner=recipient,
                    parties=[recipient, *sources],
                    starts_on=dt.date(2020, 1, 1),
                    code="BENCH-INBOX",
                    title_en="Bench inbox agreement",
                ),
            )
            rule = services.add_rule(
                by=root, agreement=agreement, data=services.RuleInput(recipient=recipient)
            )
        else:
            rule = agreement.rules.get()
            recipient = rule.recipient
            sources = [p for p in agreement.parties.all() if p.pk != recipient.pk]
    viewer, _ = User.objects.get_or_create(username=USERNAME, defaults={"clearance": 1})
    Membership.objects.get_or_create(user=viewer, organisation=recipient, defaults={"role": Role.VIEWER})
    have = Notice.objects.filter(agreement=agreement).count()
    rng = random.Random(SEED)
    start = dt.datetime(YEAR - 2, 1, 1, tzinfo=dt.UTC)
    span = (dt.datetime(YEAR + 1, 1, 1, tzinfo=dt.UTC) - start).total_seconds()
    kinds = ["incoming_visit", "outgoing_visit", "conference", "talks", "meeting", "reception"]
    batch: list[Notice] = []
    started = time.perf_counter()
    for n in range(have, count):
        sent = start + dt.timedelta(seconds=rng.random() * span)
        lead = dt.timedelta(days=rng.randint(1, 60))
        due = sent + lead - dt.timedelta(days=14)
        late = sent > due
        status = (
            NoticeStatus.ACKNOWLEDGED
            if rng.random() < 0.85
            else rng.choice([NoticeStatus.OPEN, NoticeStatus.INFO_REQUESTED, NoticeStatus.DECLINED])
        )
        batch.append(
            Notice(
                uid=uuid.UUID(int=rng.getrandbits(128)),
                rule_id=rule.pk,
                agreement_id=agreement.pk,
                activity_ref=n + 1,
                source_id=sources[n % SOURCES].pk,
                recipient_id=recipient.pk,
                kind=NoticeKind.NEW,
                sequence=1,
                current=True,
                fingerprint="0" * 64,
                payload={"kind": rng.choice(kinds), "title": {"en": f"Bench activity {n}"}},
                title=f"Bench activity {n}",
                starts_at=sent + lead,
                due_at=due,
                sent_at=sent,
                late=late,
                status=status,
                status_at=sent,
                acknowledge_by=sent + dt.timedelta(hours=48),
            )
        )
        if len(batch) == 5000:
            QuerySet.bulk_create(Notice.objects.all(), batch)
            batch = []
            if n % 100_000 < 5000:
                print(f"{n + 1} notices ({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)
    if batch:
        QuerySet.bulk_create(Notice.objects.all(), batch)
    from liaison.coordination import tallies

    tallies.rebuild()  # the engine keeps them as it writes; these notices bypassed it
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"notices": Notice.objects.filter(agreement=agreement).count(), "agreement": agreement.pk}


def run(repeat: int) -> dict[str, object]:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from liaison.accounts.models import User
    from liaison.coordination.models import Agreement

    agreement = Agreement.objects.get(code="BENCH-INBOX")
    from django.conf import settings

    client = Client(HTTP_HOST=next((h for h in settings.ALLOWED_HOSTS if "*" not in h), "localhost"))
    client.force_login(User.objects.get(username=USERNAME))
    paths = {
        "inbox page": "/coordination/inbox/",
        "inbox page, awaiting an answer": "/coordination/inbox/?state=waiting",
        "inbox page, sent late": "/coordination/inbox/?state=late",
        "inbox page 50": "/coordination/inbox/?page=50",
        "inbox API": "/api/coordination/notices",
        "unread count": "/coordination/inbox/unread/",
        "health page (year)": f"/coordination/health/?agreement={agreement.pk}&year={YEAR}",
        "health API (year)": f"/api/coordination/health?agreement={agreement.pk}&year={YEAR}",
    }
    results: dict[str, object] = {"database": connection.vendor}
    for name, path in paths.items():
        client.get(path)  # warm
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
    gen.add_argument("--count", type=int, default=NOTICES)
    measure = sub.add_parser("run")
    measure.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    common.setup_django()
    result = generate(args.count) if args.command == "generate" else run(args.repeat)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

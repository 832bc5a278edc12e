"""Soak: 10,000 activity changes while the webhook receiver fails 30 % of requests. Every notice
must be delivered exactly once in effect and none lost (issue 4).

    export DATABASE_URL=sqlite:////tmp/liaison-bench-coord/bench.sqlite3
    export LIAISON_VAR_DIR=/tmp/liaison-bench-coord
    uv run python bench/coordination_engine.py generate     # the same 10,000 changes
    uv run python bench/coordination_soak.py [--failure-rate 0.3]

Every organisation registers a webhook on a local receiver (a real HTTP server on 127.0.0.1) that
answers 500 to a random 30 % of requests and 200 to the rest, and counts what it accepted by
notice id. The engine processes the changes in-process; the deliveries go out on the background
task threads; then the sweep retries what failed, with the clock moved forward past each wait
(`retry_due(now=…)`), until nothing is pending. Prints the counts as JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common


class Receiver:
    def __init__(self, failure_rate: float, seed: int = 30) -> None:
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.accepted: Counter[str] = Counter()
        self.refused = 0
        self.bad_signatures = 0
        self.secrets: dict[str, str] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                from liaison.coordination import delivery

                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    fail = receiver.rng.random() < failure_rate
                    secret = receiver.secrets.get(self.path, "")
                    if not delivery.verify(secret, self.headers.get(delivery.SIGNATURE_HEADER, ""), body):
                        receiver.bad_signatures += 1
                    if fail:
                        receiver.refused += 1
                    else:
                        receiver.accepted[self.headers[delivery.ID_HEADER] + self.path] += 1
                self.send_response(500 if fail else 200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def soak(failure_rate: float) -> dict[str, object]:
    from liaison.accounts.models import User
    from liaison.coordination import delivery, engine, services
    from liaison.coordination.models import Delivery, DeliveryAttempt, DeliveryStatus, Notice, WebhookEndpoint
    from liaison.core.tasks import drain
    from liaison.directory.models import Organisation

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import coordination_engine

    receiver = Receiver(failure_rate)
    root = User.objects.get(username="bench-coord-root")
    WebhookEndpoint.objects.all().delete()
    for org in Organisation.objects.filter(external_key__startswith="bench-coord:"):
        endpoint = services.add_webhook(by=root, organisation=org, url=f"{receiver.base}/org/{org.pk}")
        receiver.secrets[f"/org/{org.pk}"] = endpoint.secret
    changes = coordination_engine.reset_run()
    started = time.perf_counter()
    engine.process_pending()  # each batch's deliveries are queued and sent on the task threads
    drain(timeout=3600)
    first_pass = time.perf_counter() - started
    clock = dt.datetime.now(dt.UTC)
    sweeps = 0
    while Delivery.objects.filter(status=DeliveryStatus.PENDING).exists() and sweeps < 100:
        clock += dt.timedelta(hours=25)  # past the longest wait
        while delivery.retry_due(now=clock, limit=5000):
            pass
        sweeps += 1
    took = time.perf_counter() - started
    notices = Notice.objects.count()
    deliveries = Delivery.objects.count()
    expected = set(Delivery.objects.values_list("notice__uid", "endpoint__url"))
    accepted_keys = set(receiver.accepted)
    expected_keys = {f"{uid}{url.removeprefix(receiver.base)}" for uid, url in expected}
    return {
        "failure_rate": failure_rate,
        "changes": changes,
        "notices": notices,
        "deliveries": deliveries,
        "delivered": Delivery.objects.filter(status=DeliveryStatus.DELIVERED).count(),
        "pending": Delivery.objects.filter(status=DeliveryStatus.PENDING).count(),
        "given_up": Delivery.objects.filter(status=DeliveryStatus.FAILED).count(),
        "attempts": DeliveryAttempt.objects.count(),
        "receiver_refused": receiver.refused,
        "receiver_accepted_distinct": len(accepted_keys),
        "receiver_accepted_twice": sum(1 for n in receiver.accepted.values() if n > 1),
        "missing_at_receiver": len(expected_keys - accepted_keys),
        "unexpected_at_receiver": len(accepted_keys - expected_keys),
        "bad_signatures": receiver.bad_signatures,
        "sweeps": sweeps,
        "first_pass_seconds": round(first_pass, 1),
        "seconds": round(took, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--failure-rate", type=float, default=0.3)
    args = parser.parse_args()
    os.environ["LIAISON_WEBHOOKS_ALLOW_INSECURE"] = "1"  # the receiver is on 127.0.0.1, over http
    os.environ.setdefault("LIAISON_TASK_THREADS", "4")
    common.setup_django()
    print(json.dumps(soak(args.failure_rate), indent=2))


if __name__ == "__main__":
    main()

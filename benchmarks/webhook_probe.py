"""The webhook delivery lag: from the commit of a change to a local receiver's 2xx, beside the NOTIFY round trip.

A receiver on 127.0.0.1 (a thread of the benchmark process) is subscribed to `should_be_told`; each sample
commits, through the commands, the second qualifying report of a new victim at a second agency, and times
until the receiver answers the delivery that the server's projection worker found and its delivery worker
sent. Samples go one at a time, the server otherwise idle. The baseline is the floor under any such push:
a NOTIFY committed on one connection reaching a LISTENing one.
"""

import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import psycopg

from demo.loader import COORDINATOR, agency_actor
from domain.audited import local_date
from domain.vocabulary import ComplaintCategory
from service import commands as c
from service.casework import Casework
from service.webhooks import subscribe
from store import webhooks as store


class Receiver:
    """Answers every POST 204 and notes, by victim, when it answered."""

    def __init__(self) -> None:
        self.answered: dict[str, float] = {}
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the standard library's name
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                self.send_response(204)
                self.end_headers()
                answered = time.perf_counter()
                victim = json.loads(body)["data"].get("victim_id")
                with receiver.arrived:
                    receiver.answered.setdefault(victim, answered)
                    receiver.arrived.notify_all()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/bench-hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, victim: str, timeout: float) -> float | None:
        deadline = time.monotonic() + timeout
        with self.arrived:
            while victim not in self.answered:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.arrived.wait(left)
            return self.answered[victim]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def delivery_lags(
    casework: Casework, pool: Any, samples: int, progress: Callable[[int], None] | None = None
) -> list[float]:
    """`samples` delivery lags in ms, each from the commit of a victim's second report to the receiver's 2xx."""
    receiver = Receiver()
    subscription = subscribe(pool, url=receiver.url, events=["should_be_told"], actor=COORDINATOR)
    lags = []
    try:
        for index in range(samples):
            now = datetime.now(UTC)
            yesterday = local_date(now) - timedelta(days=1)
            victim = casework.handle(c.RegisterPerson(f"Webhook Probe {index}"), actor=COORDINATOR, now=now).id
            for agency, day in (
                ("hampshire-constabulary", yesterday - timedelta(days=2)),
                ("havant-borough-council", yesterday),
            ):
                casework.handle(
                    c.LogComplaint(victim, agency, day, day, True, ComplaintCategory.NOISE),
                    actor=agency_actor(agency), now=datetime.now(UTC),
                )  # fmt: skip
            committed = time.perf_counter()
            answered = receiver.wait(str(victim), timeout=30)
            if answered is None:
                raise RuntimeError(f"no delivery reached the receiver within 30 s (sample {index})")
            lags.append(max(0.0, answered - committed) * 1000)
            if progress:
                progress(index + 1)
    finally:
        store.delete_subscription(pool, subscription["id"])
        receiver.close()
    return lags


def notify_round_trips(database_url: str, samples: int) -> list[float]:
    """`samples` times in ms for a committed NOTIFY to reach a LISTENing connection."""
    lags = []
    with (
        psycopg.connect(database_url, autocommit=True) as sender,
        psycopg.connect(database_url, autocommit=True) as listener,
    ):
        listener.execute("LISTEN bench_webhook_floor")
        for _ in range(samples):
            sender.execute("NOTIFY bench_webhook_floor")
            committed = time.perf_counter()
            for _ in listener.notifies(timeout=30, stop_after=1):
                lags.append(max(0.0, time.perf_counter() - committed) * 1000)
            time.sleep(0.005)
    return lags

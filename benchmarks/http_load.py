"""The load generator for the API benchmarks, run as a process of its own: `python -m benchmarks.http_load SPEC OUT`.

SPEC is a JSON file: base_url, method, path, token (or null), body ("complaint" or null),
victims (ids for complaint bodies), requests (a bound on the count), seconds (a bound on the
time), warmup (requests sent first and not counted), concurrency (client threads, each on its
own keep-alive connection), seed, and probe (null, or {"kind": "projection" | "notify",
"database_url": ...}). It sends only to the base_url given (127.0.0.1), stops by itself at
either bound, and writes OUT: count, errors, statuses, elapsed, latencies_ms and lag_ms.

The projection probe measures, while the writes go on, how long after a write's response
arrives the case list's position passes that write's event (polled every millisecond). The
notify probe measures the floor under the same kind of load: how long a NOTIFY committed on one
connection takes to reach a LISTENing one.
"""

import http.client
import json
import random
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID
from zoneinfo import ZoneInfo

AGENCIES = ("hampshire-constabulary", "havant-borough-council", "sovereign-network-group", "vivid-homes")
CATEGORIES = ("noise", "verbal_abuse", "intimidation", "vandalism", "drug_activity", "vehicle_nuisance")
LONDON = ZoneInfo("Europe/London")


def complaint_body(rng: random.Random, victims: list[str], serial: int) -> dict[str, Any]:
    today = datetime.now(UTC).astimezone(LONDON).date() - timedelta(days=1)  # never "in the future" at midnight
    incident = today - timedelta(days=rng.randint(0, 60))
    reported = min(today, incident + timedelta(days=rng.randint(0, 3)))
    return {
        "victim_id": rng.choice(victims),
        "agency": rng.choice(AGENCIES),
        "agency_reference": f"BENCH/{serial:07d}",
        "incident_date": incident.isoformat(),
        "reported_date": reported.isoformat(),
        "caused_harassment_alarm_distress": rng.random() < 0.7,
        "category": rng.choice(CATEGORIES),
        "location": "Outside 14 Elm Grove, Havant",
        "description": "Loud music and shouting from the flat above until 3am, third night running",
    }


class Load:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        parts = urlsplit(spec["base_url"])
        self.host, self.port = parts.hostname, parts.port
        self.headers = {"Content-Type": "application/json"}
        if spec.get("token"):
            self.headers["Authorization"] = f"Bearer {spec['token']}"
        self._next = iter(range(10**9))
        self._lock = threading.Lock()
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.errors = 0
        self.latest: tuple[float, str] | None = None  # (perf_counter at response, id) of the last write
        self.stop = threading.Event()
        self.deadline = 0.0

    def _body(self, rng: random.Random, serial: int) -> bytes | None:
        if self.spec.get("body") == "complaint":
            return json.dumps(complaint_body(rng, self.spec["victims"], serial)).encode()
        return None

    def _client(self, worker: int, limit: int, record: bool) -> None:
        rng = random.Random(self.spec.get("seed", 0) * 1000 + worker + (0 if record else 500))
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            while not self.stop.is_set():
                serial = next(self._next)
                if serial >= limit or (record and time.perf_counter() > self.deadline):
                    return
                body = self._body(rng, serial)
                started = time.perf_counter()
                try:
                    conn.request(self.spec["method"], self.spec["path"], body=body, headers=self.headers)
                    response = conn.getresponse()
                    payload = response.read()
                    status = response.status
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                    status, payload = 0, b""
                finished = time.perf_counter()
                if not record:
                    continue
                with self._lock:
                    self.statuses[status] = self.statuses.get(status, 0) + 1
                    if status >= 400 or status == 0:
                        self.errors += 1
                    else:
                        self.latencies.append((finished - started) * 1000)
                        if self.spec["method"] == "POST":
                            self.latest = (finished, json.loads(payload)["id"])
        finally:
            conn.close()

    def _run_clients(self, limit: int, record: bool) -> float:
        self._next = iter(range(10**9))
        threads = [
            threading.Thread(target=self._client, args=(worker, limit, record), daemon=True)
            for worker in range(self.spec["concurrency"])
        ]
        started = time.perf_counter()
        self.deadline = started + self.spec["seconds"]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - started

    def run(self) -> dict[str, Any]:
        self._run_clients(self.spec.get("warmup", 0), record=False)
        lags: list[float] = []
        probe = None
        if self.spec.get("probe"):
            self.probe_ready = threading.Event()
            probe = threading.Thread(target=self._probe, args=(self.spec["probe"], lags), daemon=True)
            probe.start()
            self.probe_ready.wait(timeout=30)
        elapsed = self._run_clients(self.spec["requests"], record=True)
        self.stop.set()
        if probe is not None:
            probe.join(timeout=65)
        return {
            "count": len(self.latencies),
            "errors": self.errors,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "elapsed": elapsed,
            "latencies_ms": self.latencies,
            "lag_ms": lags,
        }

    # --- probes --------------------------------------------------------------------------

    def _probe(self, probe: dict[str, Any], lags: list[float]) -> None:
        import psycopg

        if probe["kind"] == "projection":
            with psycopg.connect(probe["database_url"], autocommit=True) as conn:
                self._projection_probe(conn, probe, lags)
        else:
            with (
                psycopg.connect(probe["database_url"], autocommit=True) as sender,
                psycopg.connect(probe["database_url"], autocommit=True) as listener,
            ):
                self._notify_probe(sender, listener, lags)

    def _sampling(self, lags: list[float]) -> bool:
        """Sample while the load runs, and at least once (on the last write) if it ended first."""
        return not self.stop.is_set() or (not lags and time.perf_counter() < self._probe_deadline)

    def _projection_probe(self, conn: Any, probe: dict[str, Any], lags: list[float]) -> None:
        seen = None
        events, position = probe["events_table"], probe["position_table"]
        self._probe_deadline = time.perf_counter() + self.spec["seconds"] + 30
        self.probe_ready.set()
        while self._sampling(lags):
            latest = self.latest
            if latest is None or latest[1] == seen:
                time.sleep(0.001)
                continue
            responded, seen = latest
            row = conn.execute(
                f"SELECT max(notification_id) FROM {events} WHERE originator_id = %s", (UUID(seen),)
            ).fetchone()
            if row[0] is None:
                continue
            give_up = time.perf_counter() + 30
            while time.perf_counter() < give_up:
                if conn.execute(f"SELECT position FROM {position}").fetchone()[0] >= row[0]:
                    lags.append((time.perf_counter() - responded) * 1000)
                    break
                time.sleep(0.001)
            time.sleep(0.005)

    def _notify_probe(self, sender: Any, listener: Any, lags: list[float]) -> None:
        listener.execute("LISTEN bench_probe")
        self._probe_deadline = time.perf_counter() + self.spec["seconds"] + 30
        self.probe_ready.set()
        while self._sampling(lags):
            sender.execute("NOTIFY bench_probe")
            committed = time.perf_counter()
            for _ in listener.notifies(timeout=30, stop_after=1):
                lags.append(max(0.0, time.perf_counter() - committed) * 1000)
            time.sleep(0.005)


def main(argv: list[str]) -> int:
    spec_path, out_path = argv
    with open(spec_path) as f:
        spec = json.load(f)
    result = Load(spec).run()
    with open(out_path, "w") as f:
        json.dump(result, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

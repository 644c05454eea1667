"""Several API processes on one database (docs/operations.md), as `community-trigger serve` runs them.

Two real `serve` processes on 127.0.0.1, each with its own projections child (the default), share one
database; a load balancer may send any request to either. A write through one is seen by the very
next read through the other, every time; a key revoked anywhere is refused by both at once; a person
erased through one reads as erased through the other at once, feed and texts included. Of the
runners started, one applies while the others stand by (tests/acceptance/test_projection_runner_takeover.py).
"""

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.servers import free_port
from domain.vocabulary import Role
from store.api_keys import KeyStore
from store.database import scratch_database
from store.pool import open_pool

pytestmark = pytest.mark.slow  # starts servers

ROOT = Path(__file__).resolve().parents[2]
POLICE = "hampshire-constabulary"


class Process:
    """`python -m cli ARGS` on the database at `url`, its output in files beside the test's."""

    def __init__(self, url: str, args: list[str], logs: Path, env: dict[str, str] | None = None) -> None:
        self.args = args
        self.log = logs / f"{args[0]}-{args[-1]}-{time.monotonic_ns()}.log"
        environment = {**os.environ, "DATABASE_URL": url, **(env or {})}
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "cli", *args], cwd=ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        try:  # whatever it started (its projections child) goes with it
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


class Serve(Process):
    def __init__(self, url: str, logs: Path, env: dict[str, str] | None = None, options: tuple[str, ...] = ()) -> None:
        self.port = free_port()
        super().__init__(url, ["serve", *options, "--port", str(self.port)], logs, env)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            try:
                if self.call("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"serve did not answer:\n{self.log.read_text()}")

    def call(self, method: str, path: str, key: str | None = None, body: dict | None = None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            sent = {**({"Authorization": f"Bearer {key}"} if key else {}), **(headers or {})}
            if body is not None:
                sent["Content-Type"] = "application/json"
            conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=sent)
            response = conn.getresponse()
            content = response.read()
            return response.status, json.loads(content) if content else None, dict(response.getheaders())
        finally:
            conn.close()

    def ok(self, method: str, path: str, key: str, body: dict | None = None, headers=None) -> dict:
        status, answer, _ = self.call(method, path, key, body, headers)
        assert status in (200, 201), (status, answer)
        return answer


@pytest.fixture(scope="module")
def shared_database(server_url, tmp_path_factory):
    with scratch_database(server_url, "ct_many") as url:
        logs = tmp_path_factory.mktemp("many-processes")
        pool = open_pool(url, size=2, name="test-many")
        started: list[Process] = []
        try:
            yield url, logs, KeyStore(pool), started
        finally:
            for process in started:
                process.stop()
            pool.close()


@pytest.fixture(scope="module")
def two_servers(shared_database):
    url, logs, keys, started = shared_database
    first = Serve(url, logs)
    started.append(first)
    second = Serve(url, logs)
    started.append(second)
    return first, second, keys


def _case(server: Serve, key: str, name: str) -> tuple[str, str]:
    victim = server.ok("POST", "/v1/people", key, {"display_name": name})["id"]
    review = server.ok(
        "POST", "/v1/case-reviews", key,
        {"route": "individual", "applicant_id": victim, "victim_id": victim, "received_date": "2026-11-02",
         "channel": "101", "dissatisfaction": "no_action_taken"},
    )  # fmt: skip
    return victim, review["id"]


def _listed(server: Serve, key: str, headers=None) -> set[str]:
    return {item["id"] for item in server.ok("GET", "/v1/case-reviews?limit=5", key, headers=headers)["items"]}


def test_a_write_through_one_server_is_seen_by_the_next_read_through_the_other_60_times_in_60(two_servers):
    first, second, keys = two_servers
    _, coordinator = keys.create(Role.COORDINATOR)
    missed = 0
    for round_ in range(60):
        writer, reader = (first, second) if round_ % 2 == 0 else (second, first)
        _, review = _case(writer, coordinator, f"Reader Round {round_}")
        missed += review not in _listed(reader, coordinator)
    assert missed == 0


def test_a_consistency_token_carries_a_write_to_another_key_on_the_other_server(two_servers):
    first, second, keys = two_servers
    _, writer_key = keys.create(Role.COORDINATOR)
    _, reader_key = keys.create(Role.COORDINATOR)
    for round_ in range(10):
        victim = first.ok("POST", "/v1/people", writer_key, {"display_name": f"Token Round {round_}"})["id"]
        status, answer, headers = first.call(
            "POST", "/v1/case-reviews", writer_key,
            {"route": "individual", "applicant_id": victim, "victim_id": victim, "received_date": "2026-11-02",
             "channel": "101", "dissatisfaction": "no_action_taken"},
        )  # fmt: skip
        assert status == 201
        token = headers["x-consistency-token"]
        assert answer["id"] in _listed(second, reader_key, headers={"X-Consistency-Token": token})


def test_a_key_revoked_anywhere_is_refused_by_both_servers_at_once(two_servers, shared_database):
    first, second, keys = two_servers
    url = shared_database[0]
    key, secret = keys.create(Role.COORDINATOR)
    for server in (first, second):  # now remembered by both (30 s without a notice)
        assert server.call("GET", "/v1/case-reviews?limit=1", secret)[0] == 200
    revoked = subprocess.run(
        [sys.executable, "-m", "cli", "keys", "revoke", key.key_id], cwd=ROOT, env={**os.environ, "DATABASE_URL": url},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert revoked.returncode == 0, revoked.stderr
    assert [server.call("GET", "/v1/case-reviews?limit=1", secret)[0] for server in (first, second)] == [401, 401]


def test_a_person_erased_through_one_server_is_erased_through_the_other_at_once(two_servers):
    first, second, keys = two_servers
    _, coordinator = keys.create(Role.COORDINATOR)
    name = "Wilhelmina Erasable"
    victim = first.ok("POST", "/v1/people", coordinator, {"display_name": name, "contact": {"phone": "07700 900777"}})
    complaint = first.ok(
        "POST", "/v1/complaints", coordinator,
        {"victim_id": victim["id"], "agency": POLICE, "incident_date": "2026-10-01", "reported_date": "2026-10-02",
         "caused_harassment_alarm_distress": True, "category": "noise", "description": "shouting at Wilhelmina"},
    )  # fmt: skip

    position = _position_of(first, coordinator, victim["id"])  # of their Person.Registered, in the feed

    def as_seen_by(server: Serve) -> tuple[str, str | None, str, str]:
        person = server.ok("GET", f"/v1/people/{victim['id']}", coordinator)
        text = server.ok("GET", f"/v1/complaints/{complaint['id']}", coordinator)["description"]
        (registered,) = server.ok("GET", f"/v1/events?after={position - 1}&limit=1", coordinator)["items"]
        return person["display_name"], person["contact"]["phone"], text, registered["data"]["display_name"]

    assert as_seen_by(second) == (name, "07700 900777", "shouting at Wilhelmina", name)  # its key now held there
    first.ok("POST", f"/v1/people/{victim['id']}/erasure", coordinator, {"reason": "subject_request"})
    assert as_seen_by(second) == ("[erased]", None, "[erased]", "[erased]")


def _position_of(server: Serve, key: str, aggregate_id: str) -> int:
    after = 0
    while True:
        page = server.ok("GET", f"/v1/events?after={after}&limit=1000", key)
        for item in page["items"]:
            if item["aggregate_id"] == aggregate_id:
                return item["position"]
        if not page["items"]:
            raise AssertionError(f"no event of {aggregate_id}")
        after = page["next_after"]

"""Reliability under a bounded write load (docs/operations.md): processes killed outright lose nothing acknowledged.

`serve` killed with SIGKILL while clients write: every write it acknowledged (201) is there when a new
server starts, and the read models, caught up, hold exactly what the events say. The projections child
killed with SIGKILL while clients write: the server starts it again, it carries on from its committed
position, and the read models end exactly equal to the events (nothing applied twice, nothing skipped).
"""

import http.client
import os
import signal
import threading
import time

import psutil
import psycopg
import pytest
from eventsourcing.utils import get_topic
from test_many_processes import Serve

from domain.case_reviews import CaseReview
from domain.complaints import Complaint
from domain.vocabulary import Role
from store.api_keys import KeyStore
from store.database import scratch_database
from store.pool import open_pool

pytestmark = pytest.mark.slow  # starts servers, kills them

WRITERS = 3
LOAD_SECONDS = 3.0


def _write_cases(server: Serve, key: str, stop: threading.Event, acknowledged: list[tuple[str, str]]) -> None:
    """Person, complaint, application, again and again until `stop` or the server goes away."""
    while not stop.is_set():
        try:
            status, person, _ = server.call("POST", "/v1/people", key, {"display_name": "Load Writer"})
            if status != 201:
                continue
            acknowledged.append(("people", person["id"]))
            status, complaint, _ = server.call(
                "POST", "/v1/complaints", key,
                {"victim_id": person["id"], "agency": "hampshire-constabulary", "incident_date": "2026-10-01",
                 "reported_date": "2026-10-02", "caused_harassment_alarm_distress": True, "category": "noise"},
            )  # fmt: skip
            if status == 201:
                acknowledged.append(("complaints", complaint["id"]))
            status, review, _ = server.call(
                "POST", "/v1/case-reviews", key,
                {"route": "individual", "applicant_id": person["id"], "victim_id": person["id"],
                 "received_date": "2026-11-02", "channel": "101", "dissatisfaction": "no_action_taken"},
            )  # fmt: skip
            if status == 201:
                acknowledged.append(("case-reviews", review["id"]))
        except (OSError, ValueError, http.client.HTTPException):  # killed mid-request: that write was not acknowledged
            if not stop.is_set():
                time.sleep(0.05)


def _load(server: Serve, key: str, kill=None) -> list[tuple[str, str]]:
    acknowledged: list[tuple[str, str]] = []
    stop = threading.Event()
    writers = [threading.Thread(target=_write_cases, args=(server, key, stop, acknowledged)) for _ in range(WRITERS)]
    for writer in writers:
        writer.start()
    time.sleep(LOAD_SECONDS / 2)
    if kill is not None:
        kill()
    time.sleep(LOAD_SECONDS / 2)
    stop.set()
    for writer in writers:
        writer.join(timeout=60)
    return acknowledged


def _read_models_equal_the_events(url: str, acknowledged: list[tuple[str, str]]) -> None:
    with psycopg.connect(url) as conn:

        def ids(query: str, *params) -> list:
            return sorted(str(row[0]) for row in conn.execute(query, params).fetchall())

        events = "SELECT originator_id FROM community_trigger_events WHERE topic = %s"
        reviews = ids("SELECT id FROM case_list.case_reviews")
        complaints = ids("SELECT id FROM case_facts.complaints")
        assert reviews == ids(events, get_topic(CaseReview.Requested))
        assert complaints == ids(events, get_topic(Complaint.Logged))
        assert {id_ for kind, id_ in acknowledged if kind == "case-reviews"} <= set(reviews)
        assert {id_ for kind, id_ in acknowledged if kind == "complaints"} <= set(complaints)
        (head,) = conn.execute("SELECT max(notification_id) FROM community_trigger_events").fetchone()
        positions = ids("SELECT position FROM case_list.position UNION ALL SELECT position FROM case_facts.position")
        assert positions == [str(head), str(head)]


def _caught_up(server: Serve, key: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        health = server.call("GET", "/healthz")[1]
        if health["projections"]["lag_events"] == 0:
            return
        time.sleep(0.2)
    raise AssertionError(f"the read models did not catch up: {health}")


@pytest.fixture
def database(server_url, tmp_path):
    with scratch_database(server_url, "ct_reliable") as url:
        pool = open_pool(url, size=1, name="test-reliable")
        started: list[Serve] = []
        try:
            yield url, tmp_path, KeyStore(pool), started
        finally:
            for server in started:
                server.stop()
            pool.close()


def test_serve_killed_under_load_loses_no_acknowledged_write_and_the_read_models_equal_the_events(database):
    url, logs, keys, started = database
    first = Serve(url, logs)
    started.append(first)
    _, key = keys.create(Role.COORDINATOR)
    acknowledged = _load(first, key, kill=lambda: os.kill(first.process.pid, signal.SIGKILL))
    assert len(acknowledged) > 10, "the load wrote too little to tell"
    second = Serve(url, logs)
    started.append(second)
    missing = [(kind, id_) for kind, id_ in acknowledged if second.call("GET", f"/v1/{kind}/{id_}", key)[0] != 200]
    assert missing == []
    _caught_up(second, key)
    _read_models_equal_the_events(url, acknowledged)


def test_the_projections_child_killed_under_load_is_restarted_and_applies_exactly_once(database):
    url, logs, keys, started = database
    server = Serve(url, logs)
    started.append(server)
    _, key = keys.create(Role.COORDINATOR)
    (child,) = psutil.Process(server.process.pid).children()
    acknowledged = _load(server, key, kill=lambda: os.kill(child.pid, signal.SIGKILL))
    assert len(acknowledged) > 10 and all(kind for kind, _ in acknowledged)
    _caught_up(server, key)
    (restarted,) = psutil.Process(server.process.pid).children()
    assert restarted.pid != child.pid
    _read_models_equal_the_events(url, acknowledged)

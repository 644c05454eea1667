"""Only one projection runner applies at a time, whatever is started; the others stand by and take over.

Two `community-trigger projections run` workers and a `serve` that leaves the read models to them
(COMMUNITY_TRIGGER_PROJECTIONS=worker), on one database: one worker holds the advisory lock, the other
stands by; killed outright (kill -9), the holder's connection ends, PostgreSQL releases its lock, and
the other takes over within a second or two: the server's reads still see their own writes.
"""

import os
import signal
import time

import psycopg
import pytest
from test_many_processes import Process, Serve, _case, _listed

from domain.vocabulary import Role
from projections.runner import RUNNER_LOCK
from store.api_keys import KeyStore
from store.database import scratch_database
from store.pool import open_pool

pytestmark = pytest.mark.slow  # starts servers


def _runner_holders(url: str) -> list[int]:
    """The pids of the processes whose runner holds the projections lock (from the runner's application_name)."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT a.application_name FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.classid::bigint = %s AND l.objsubid = 2"
            " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            (RUNNER_LOCK,),
        ).fetchall()
    return [int(row[0].rsplit(" ", 1)[1]) for row in rows]


def _until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_one_runner_applies_and_another_takes_over_when_it_is_killed(server_url, tmp_path):
    with scratch_database(server_url, "ct_takeover") as url:
        pool = open_pool(url, size=1, name="test-takeover")
        started: list[Process] = []
        try:
            keys = KeyStore(pool)
            workers = [Process(url, ["projections", "run"], tmp_path) for _ in range(2)]
            started.extend(workers)
            server = Serve(url, tmp_path, env={"COMMUNITY_TRIGGER_PROJECTIONS": "worker"})
            started.append(server)
            pids = {worker.process.pid for worker in workers}
            assert _until(lambda: len(_runner_holders(url)) == 1 and set(_runner_holders(url)) <= pids, 60)
            (holder,) = _runner_holders(url)
            _, coordinator = keys.create(Role.COORDINATOR)
            _, review = _case(server, coordinator, "Before The Kill")
            assert review in _listed(server, coordinator)

            os.kill(holder, signal.SIGKILL)
            assert _until(lambda: _runner_holders(url) == list(pids - {holder}), 10), _runner_holders(url)
            _, review = _case(server, coordinator, "After The Kill")
            assert review in _listed(server, coordinator)
            health = server.call("GET", "/healthz")[1]
            assert health["status"] == "ok" and health["projections"]["runner"] == "running", health
        finally:
            for process in started:
                process.stop()
            pool.close()

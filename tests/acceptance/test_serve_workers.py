"""`community-trigger serve --workers N`: N API processes on one port, one projections child for them all.

Each connection may land on any worker: a write and the next read, each on a new connection, still
agree every time; SIGTERM to `serve` stops every worker and the projections child.
"""

import signal

import psutil
import pytest
from test_many_processes import Serve, _case, _listed

from domain.vocabulary import Role
from store.api_keys import KeyStore
from store.database import scratch_database
from store.pool import open_pool

pytestmark = pytest.mark.slow  # starts servers


def test_serve_with_two_workers_reads_its_own_writes_on_any_worker_and_stops_whole(server_url, tmp_path):
    with scratch_database(server_url, "ct_workers") as url:
        pool = open_pool(url, size=1, name="test-workers")
        server = Serve(url, tmp_path, options=("--workers", "2"))
        try:
            family = psutil.Process(server.process.pid).children(recursive=True)
            commands = [" ".join(child.cmdline()) for child in family]
            assert sum("projections run" in command for command in commands) == 1, commands
            assert len(family) >= 3, (
                commands
            )  # two workers (uvicorn's spawn may add its resource tracker) and one child
            _, key = KeyStore(pool).create(Role.COORDINATOR)
            missed = 0
            for round_ in range(30):
                _, review = _case(server, key, f"Worker Round {round_}")
                missed += review not in _listed(server, key)
            assert missed == 0
            server.process.send_signal(signal.SIGTERM)
            server.process.wait(timeout=60)
            _, alive = psutil.wait_procs(family, timeout=30)
            assert not alive, [" ".join(p.cmdline()) for p in alive]
        finally:
            server.stop()
            pool.close()

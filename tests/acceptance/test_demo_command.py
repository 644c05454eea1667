"""`python3 tasks.py demo`, run as the README says, on the embedded PostgreSQL in a data folder of its own.

SIGTERM (docker stop, systemd) or SIGINT (Ctrl-C) to the command stops everything it started: the
server (its port free again), the server's projections child, and the embedded PostgreSQL. Each start
prints a coordinator key on stdout, and the key of the previous start stops working.
"""

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest

from benchmarks.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
KEY = re.compile(r"\bct_[0-9a-f]{12}_[A-Za-z0-9_-]{43}\b")


class Demo:
    """`tasks.py demo --port P` with COMMUNITY_TRIGGER_DATA_DIR=`data_dir` and no DATABASE_URL."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.stdout, self.stderr = data_dir.parent / "demo.out", data_dir.parent / "demo.err"
        env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
        env["COMMUNITY_TRIGGER_DATA_DIR"] = str(data_dir)
        with self.stdout.open("wb") as out, self.stderr.open("wb") as err:
            self.process = subprocess.Popen(
                [sys.executable, str(ROOT / "tasks.py"), "demo", "--port", str(self.port)],
                env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                start_new_session=True,  # so the clean-up below can reach whatever it leaves behind
            )  # fmt: skip

    @property
    def postmaster_pid(self) -> Path:
        return self.data_dir / "pgdata" / "postmaster.pid"

    def request(self, path: str, key: str | None = None) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.request("GET", path, headers={"Authorization": f"Bearer {key}"} if key else {})
        return conn.getresponse().status

    def wait_until_it_answers(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"the demo exited before it answered:\n{self.stderr.read_text()}"
            try:
                if self.request("/healthz") == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise AssertionError(f"the demo did not answer within {timeout} s:\n{self.stderr.read_text()}")

    def keys_printed(self) -> list[str]:
        return KEY.findall(self.stdout.read_text())

    def processes(self) -> list[psutil.Process]:
        """The command and everything it runs: the server and its projections child (the PostgreSQL
        server runs detached, under a session of its own, and is followed by its postmaster.pid)."""
        own = psutil.Process(self.process.pid)
        return [own, *own.children(recursive=True)]

    def postgres_on_the_data_dir(self) -> list[psutil.Process]:
        found = []
        for process in psutil.process_iter(["name", "cmdline"]):
            if process.info["name"] == "postgres" and str(self.data_dir / "pgdata") in (process.info["cmdline"] or []):
                found.append(process)
        return found

    def stop(self, signum: int = signal.SIGTERM) -> None:
        self.process.send_signal(signum)
        self.process.wait(timeout=60)

    def clean_up(self) -> None:
        """Whatever a failed test left: the command's session, then the embedded PostgreSQL."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for process in psutil.process_iter():
            try:
                if os.getsid(process.pid) == self.process.pid:
                    process.kill()
            except (OSError, psutil.Error):
                pass
        for process in self.postgres_on_the_data_dir():
            if process.pid == _postmaster(self.postmaster_pid):
                process.send_signal(signal.SIGINT)  # PostgreSQL's fast shutdown


def _postmaster(postmaster_pid: Path) -> int | None:
    try:
        return int(postmaster_pid.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _port_is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def _until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


@pytest.fixture
def demo():
    """Starts the demo, on one data folder for the test. Not in pytest's tmp_path: as root, the embedded
    PostgreSQL runs as a user of its own, and any pytest starting meanwhile makes that tree 0700 again."""
    started: list[Demo] = []
    with tempfile.TemporaryDirectory(prefix="ct-demo-") as folder:

        def start() -> Demo:
            started.append(Demo(Path(folder) / "data"))
            started[-1].wait_until_it_answers()
            return started[-1]

        yield start
        for each in started:
            each.clean_up()


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_the_demo_stopped_by_a_signal_stops_its_server_projections_and_embedded_postgresql(demo, signum):
    running = demo()
    processes = running.processes()
    postmaster = _postmaster(running.postmaster_pid)
    assert len(processes) >= 2, "the server runs its projections in a child process"
    assert postmaster and psutil.pid_exists(postmaster)

    running.stop(signum)

    assert running.process.returncode in (0, 128 + signum, -signum)  # ended, on its own (uvicorn ends 0 on Ctrl-C)
    assert _until(lambda: _port_is_free(running.port), 30), f"port {running.port} is still held"
    gone, alive = psutil.wait_procs(processes, timeout=30)
    assert not alive, f"still running: {[p.cmdline() for p in alive]}"
    assert _until(lambda: not running.postmaster_pid.exists() and not running.postgres_on_the_data_dir(), 30), (
        "the embedded PostgreSQL is still running"
    )


@pytest.mark.slow
def test_each_demo_start_prints_one_coordinator_key_on_stdout_and_the_previous_starts_key_stops_working(demo):
    first = demo()
    assert len(set(first.keys_printed())) == 1, first.stdout.read_text()
    (first_key,) = set(first.keys_printed())
    assert first.request("/v1/case-reviews", first_key) == 200
    first.stop()

    second = demo()  # the same data folder: the demo data is there already
    assert len(set(second.keys_printed())) == 1, second.stdout.read_text()
    (second_key,) = set(second.keys_printed())
    assert second_key != first_key
    assert second.request("/v1/case-reviews", second_key) == 200
    assert second.request("/v1/case-reviews", first_key) == 401
    second.stop()

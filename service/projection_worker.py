"""The projection runner as a child process of the API server (COMMUNITY_TRIGGER_PROJECTIONS=process).

The API is one Python process, and the runner in it competed with the requests for the interpreter
(about a fifth of its CPU under a write load). `serve` therefore starts `community-trigger projections
run` as a child on the same database, restarts it if it dies, and stops it on the way out. The API
process only follows the positions it reaches (`ProjectionRunner.watch`: woken by the NOTIFY the
runner sends with each committed batch), so a read still waits, bounded, until the read models hold
the caller's own last write.
"""

import logging
import os
import subprocess
import sys
import threading

log = logging.getLogger(__name__)

RESTART_AFTER_SECONDS = 2.0


class ProjectionWorker:
    """`python -m cli projections run` for `database_url`, kept running until `stop()`."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._supervisor: threading.Thread | None = None

    def _spawn(self) -> subprocess.Popen[bytes]:
        env = {**os.environ, "DATABASE_URL": self.database_url}
        command = [sys.executable, "-m", "cli", "projections", "run", "--parent-pid", str(os.getpid())]
        return subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL)

    def start(self) -> None:
        with self._lock:
            self._process = self._spawn()
        self._supervisor = threading.Thread(target=self._supervise, name="projection-worker", daemon=True)
        self._supervisor.start()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def _supervise(self) -> None:
        while not self._stopping.is_set():
            process = self._process
            if process is None:
                return
            code = process.wait()
            if self._stopping.is_set():
                return
            log.error("the projection worker exited with %s; starting it again in %.0f s", code, RESTART_AFTER_SECONDS)
            if self._stopping.wait(RESTART_AFTER_SECONDS):
                return
            with self._lock:
                if self._stopping.is_set():
                    return
                self._process = self._spawn()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        with self._lock:
            process = self._process
        if process is not None and process.poll() is None:
            process.terminate()  # `projections run` stops on SIGTERM after the batch in hand
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._supervisor is not None:
            self._supervisor.join(timeout=timeout)

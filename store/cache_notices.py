"""Caches kept in step across processes: a change made anywhere is announced with NOTIFY, heard everywhere.

Each process keeps a few things in memory so that requests need not ask the database: API keys that
authenticated (store/api_keys.py), personal keys (store/personal_keys.py) and policy books
(service/policies.py). When several processes share one database (API workers, hosts behind a load
balancer, the command line, the retention job), a key revoked, a person erased or a policy published
by one must take effect in all the others at once, not when their copies expire.

So whoever changes one of them announces it on one channel (`announce`, in the changing transaction
where there is one, so it is heard only once committed), and every process listens on its own
connection (`CacheNotices`) and drops what it held. A process that was not listening for a while
(its connection dropped, the database restarted) cannot know what it missed: on listening again it
drops everything. Each cache also keeps its own time limit, in case a notice is lost all the same.
"""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

import psycopg

log = logging.getLogger(__name__)

CHANNEL = "community_trigger_caches"
API_KEY, PERSONAL_KEY, POLICY = "api_key", "personal_key", "policy"  # what a notice is about
RECONNECT_SECONDS = 1.0
STOP_CHECK_SECONDS = 0.2  # how long `stop` may wait for the listening thread (a notice wakes it at once)


def announce(conn: psycopg.Connection, kind: str, ident: str) -> None:
    """Tell every process that `kind` `ident` changed (delivered when `conn`'s transaction commits)."""
    conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, f"{kind}:{ident}"))


def announce_now(conninfo: str, kind: str, ident: str) -> None:
    """`announce` on a connection of its own, for a change already committed elsewhere."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        announce(conn, kind, ident)


@dataclass(frozen=True)
class _Listener:
    forget_one: Callable[[str], None]
    forget_all: Callable[[], None]


class CacheNotices:
    """Listens for notices on its own connection and tells each cache to drop what changed."""

    def __init__(self, conninfo: str) -> None:
        self.conninfo = conninfo
        self._listeners: dict[str, list[_Listener]] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.listening = threading.Event()  # set while the LISTEN connection is up (tests wait on it)

    def on(self, kind: str, forget_one: Callable[[str], None], forget_all: Callable[[], None]) -> None:
        """When `kind` `ident` changes elsewhere, call `forget_one(ident)`; after a gap in listening, `forget_all()`."""
        self._listeners.setdefault(kind, []).append(_Listener(forget_one, forget_all))

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="cache-notices", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen()
            except Exception as error:  # the database went away: everything may have changed meanwhile
                self.listening.clear()
                log.warning("cache notices: not listening (%s); trying again in %.0f s", error, RECONNECT_SECONDS)
                self._stop.wait(RECONNECT_SECONDS)

    def _listen(self) -> None:
        with psycopg.connect(self.conninfo, autocommit=True, application_name="community-trigger caches") as conn:
            conn.execute(f'LISTEN "{CHANNEL}"')
            self._forget_everything()  # whatever changed before this LISTEN was not heard
            self.listening.set()
            while not self._stop.is_set():
                for notice in conn.notifies(timeout=STOP_CHECK_SECONDS):
                    self._heard(notice.payload)

    def _heard(self, payload: str) -> None:
        kind, _, ident = payload.partition(":")
        for listener in self._listeners.get(kind, ()):
            try:
                listener.forget_one(ident)
            except Exception:
                log.exception("cache notices: could not forget %s", payload)

    def _forget_everything(self) -> None:
        for listeners in self._listeners.values():
            for listener in listeners:
                listener.forget_all()

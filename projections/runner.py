"""Keeps read models current: follows the event store in commit order, exactly once.

Each read model lives in its own schema with a one-row `position` table. A batch of events and
the new position are written in one transaction (one for every read model the batch moves), so
a crash replays nothing twice and skips nothing. The library's recorder serialises inserts with
a table lock, so notification ids are in commit order and "everything after my position" never
misses a late commit. The runner wakes on the recorder's NOTIFY and also polls slowly in case a
notification is lost.

Only one runner applies at a time, however many are started (API processes in `inline` mode, a
`projections run` on each of several hosts): the one holding a PostgreSQL advisory lock on its
listening connection (`RUNNER_LOCK`, one per set of read models). The others stand by, following
the positions it reaches, and try for the lock every second; when the holder dies its connection
ends, PostgreSQL releases the lock, and one of them takes over. Applying stays exactly once
whatever happens (the position rows are locked), so the advisory lock is about doing the work
once, not about correctness.
"""

import copy
import logging
import os
import threading
import time
import zlib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from eventsourcing.application import Application
from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic
from psycopg import sql
from psycopg_pool import ConnectionPool

log = logging.getLogger(__name__)

# The advisory lock a runner holds while it applies: ("CT", 2) and a number for its read models' schemas (the
# migrations hold ("CT", 1), store/schema.py). Two-key form, so pg_locks shows it as classid, objid, objsubid 2.
RUNNER_LOCK = 0x43540002
TAKE_OVER_SECONDS = 1.0  # how often a runner standing by tries for the lock


class ReadModel(ABC):
    """One read model: its schema, its tables, how each event changes them, and the queries that read it.

    `event_classes` names the events it applies; the topics it reads from the store follow from them
    (`get_topic`), so a renamed or moved event class can never leave a model silently reading nothing.
    The schema, its tables and its position row are made by the migrations (store/migrations/), like
    every other table; a new read model comes with a migration that makes them.
    """

    schema: str
    event_classes: tuple[type, ...] = ()  # the events it applies; none means every event

    @property
    def topics(self) -> tuple[str, ...]:
        """The stored topics of `event_classes` (empty: all topics)."""
        return tuple(get_topic(cls) for cls in self.event_classes)

    @abstractmethod
    def apply(self, cur: psycopg.Cursor, event: Any, position: int) -> None:
        """Change its rows for one event."""

    def apply_batch(self, cur: psycopg.Cursor, events: Sequence[tuple[int, Any]]) -> None:
        """Change its rows for a batch of (position, event) in order; read models override it to write in bulk."""
        for position, event in events:
            self.apply(cur, event, position)

    def forget(self) -> None:  # noqa: B027 - most read models hold nothing in memory
        """Drop anything held in memory: the transaction it was for did not commit."""

    def shadow(self) -> "ReadModel":
        """The same read model in a schema of its own, to be rebuilt beside the live one."""
        clone = copy.copy(self)
        clone.schema = f"{self.schema}__rebuild"
        clone.forget()
        return clone

    def table(self, name: str) -> sql.Identifier:
        return sql.Identifier(self.schema, name)


class ProjectionRunner:
    def __init__(
        self, app: Application, pool: ConnectionPool, read_models: Sequence[ReadModel], batch_size: int = 1000
    ) -> None:
        self.app = app
        self.pool = pool
        self.read_models = list(read_models)
        self.batch_size = batch_size
        self._positions: dict[str, int] = {}
        self._advanced = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._channel: str = app.recorder.channel_name  # type: ignore[attr-defined]
        # Each committed batch is announced here (payload: the position every read model has reached),
        # so a process that does not run the runner itself (the API, beside a worker) is woken at once.
        self.projected_channel = f"{self._channel}_projected"[:63]
        self._watcher: threading.Thread | None = None
        self.holding = False  # whether this runner's thread holds the lock and applies
        self.setup()

    # --- set-up --------------------------------------------------------------------------

    def setup(self) -> None:
        with self.pool.connection() as conn, conn.cursor() as cur:
            for model in self.read_models:
                self._positions[model.schema] = position_of(cur, model)

    # --- processing ----------------------------------------------------------------------

    @property
    def position(self) -> int:
        """The position every read model has reached."""
        return min(self._positions.values(), default=0)

    def head(self) -> int:
        return self.app.recorder.max_notification_id() or 0

    @property
    def lock_key(self) -> tuple[int, int]:
        """(RUNNER_LOCK, a number for this runner's read models): runners of the same models take turns."""
        schemas = ",".join(sorted(model.schema for model in self.read_models))
        return RUNNER_LOCK, zlib.crc32(schemas.encode()) & 0x7FFFFFFF

    def _try_lock(self, conn: psycopg.Connection) -> bool:
        return conn.execute("SELECT pg_try_advisory_lock(%s, %s)", self.lock_key).fetchone()[0]

    def holder_present(self) -> bool:
        """Whether some runner of these read models, in any process, holds the lock (is applying events)."""
        with self.pool.connection() as conn:
            row = conn.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2"
                " AND classid::bigint = %s AND objid::bigint = %s"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())) AS held",
                self.lock_key,
            ).fetchone()
        return bool(row["held"])

    def catch_up(self, wait_seconds: float = 60.0) -> int:
        """Apply everything recorded so far; returns how many events were applied.

        For a one-off catch-up (at start, before a command reads the read models): it applies only if no
        runner holds the lock (it takes it meanwhile); otherwise the holder applies, and this waits (at
        most `wait_seconds`) until the read models have reached what was recorded when it was called.
        """
        if not self.holding:
            with psycopg.connect(self.pool.conninfo, autocommit=True) as conn:
                if self._try_lock(conn):
                    return self._catch_up()  # the lock goes with the connection
        log.info("another runner is applying events; waiting for it to catch up")
        self.wait_for(self.head(), wait_seconds)
        return 0

    def _catch_up(self) -> int:
        """Process everything recorded so far (the caller holds the lock); returns how many events were applied."""
        applied = 0
        while True:
            batch = self.app.recorder.select_notifications(
                start=self.position, limit=self.batch_size, inclusive_of_start=False
            )
            if not batch:
                return applied
            # Every model in one transaction (one commit a batch), each event decoded once whichever models read it.
            self._apply(self.read_models, batch, Decoded(self.app))
            applied += len(batch)

    def _apply_batch(self, model: ReadModel, batch: Sequence[Notification], decoded: "Decoded | None" = None) -> None:
        self._apply([model], batch, decoded)

    def _apply(self, models: Sequence[ReadModel], batch: Sequence[Notification], decoded: "Decoded | None") -> None:
        """Apply `batch` to each of `models` not past it yet, and move their positions, in one transaction."""
        last = max((n.id for n in batch), default=0)
        behind = [model for model in models if last > self._positions[model.schema]]
        if not behind:
            return
        reached: dict[str, int] = {}
        try:
            with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
                for model in behind:
                    start = self._positions[model.schema]
                    todo = [n for n in batch if n.id > start]
                    reached[model.schema] = apply_notifications(cur, self.app, model, todo, last, decoded)
                everywhere = min({**self._positions, **reached}.values())
                cur.execute(NOTIFY_PROJECTED, (self.projected_channel, str(everywhere)))  # delivered on commit
        except BaseException:
            for model in behind:
                model.forget()
            raise
        with self._advanced:
            self._positions.update(reached)
            self._advanced.notify_all()

    def refresh(self) -> None:
        """Read the positions from the database: another process (a worker) may be moving them."""
        with self.pool.connection() as conn:
            for model in self.read_models:
                row = conn.execute(sql.SQL("SELECT position FROM {}").format(model.table("position"))).fetchone()
                self._positions[model.schema] = row["position"]

    def wait_for(self, position: int, timeout: float) -> bool:
        """Block until every read model has reached `position` (read your own writes)."""
        deadline = time.monotonic() + timeout
        if self._thread is None and self._watcher is None:  # a separate worker moves them: poll the database
            while True:
                self.refresh()
                if self.position >= position:
                    return True
                if time.monotonic() >= deadline:
                    return False
                time.sleep(0.01)
        with self._advanced:
            while self.position < position:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._advanced.wait(remaining)
        return True

    def lag(self) -> dict[str, float | int]:
        """How far behind the read models are: events, and seconds.

        The seconds are the smaller of two upper bounds on how long the oldest event not applied yet
        has waited: the time since the slowest read model last moved (an idle runner's position does not
        move, yet it is not behind), and that event's own age (events recorded with an earlier time, as a
        bulk load does, are not waiting that long).
        """
        head = self.head()
        behind = max(0, head - self.position)
        seconds = 0.0
        if behind:
            positions = sql.SQL(" UNION ALL ").join(
                sql.SQL("SELECT updated_at FROM {}").format(model.table("position")) for model in self.read_models
            )
            recorder = self.app.recorder
            oldest_waiting = sql.SQL(
                "SELECT t.recorded_at FROM {events} AS e JOIN {timeline} AS t USING (originator_id, originator_version)"
                " WHERE e.notification_id > %s ORDER BY e.notification_id LIMIT 1"
            ).format(
                events=sql.Identifier(recorder.datastore.schema, recorder.events_table_name),  # type: ignore[attr-defined]
                timeline=recorder.timeline_table,  # type: ignore[attr-defined]
            )
            query = sql.SQL(
                "SELECT greatest(0, extract(epoch FROM now() - greatest(({positions}), ({oldest}))))::float AS s"
            ).format(
                positions=sql.SQL("SELECT min(updated_at) FROM ({}) AS p").format(positions), oldest=oldest_waiting
            )
            with self.pool.connection() as conn:
                seconds = conn.execute(query, (self.position,)).fetchone()["s"] or 0.0
        return {"events": behind, "seconds": round(seconds, 3), "position": self.position, "head": head}

    # --- running in the background -------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="projection-runner", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in (self._thread, self._watcher):
            if thread is not None:
                thread.join(timeout=10)

    def watch(self) -> None:
        """Follow the positions a separate worker reaches, woken by its NOTIFY after each batch it commits.

        For a process that reads the read models but leaves moving them to another process: `wait_for`
        then waits on the announcements instead of polling, and `position` (so `lag`) stays current.
        The positions are also read from the database after every quiet second (a lost notification,
        a worker restarted, a rebuild swapped in).
        """
        self._watcher = threading.Thread(target=self._watch_run, name="projection-watcher", daemon=True)
        self._watcher.start()

    def _watch_run(self) -> None:
        while not self._stop.is_set():
            try:
                self._watch()
            except Exception:
                log.exception("projection watcher failed; retrying in 2 s")
                self._stop.wait(2)

    def _watch(self) -> None:
        with psycopg.connect(self.pool.conninfo, autocommit=True) as listener:
            listener.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.projected_channel)))
            self._reached_in_database()  # after LISTEN: nothing committed from here on is missed
            while not self._stop.is_set():
                heard = False
                for notification in listener.notifies(timeout=1.0):
                    heard = True
                    self._reached(int(notification.payload))
                if not heard:
                    self._reached_in_database()

    def _reached(self, position: int) -> None:
        with self._advanced:
            for schema, known in self._positions.items():
                if position > known:
                    self._positions[schema] = position
            self._advanced.notify_all()

    def _reached_in_database(self) -> None:
        with self._advanced:
            self.refresh()
            self._advanced.notify_all()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._follow()
            except Exception:  # the database went away: say so, wait, try again
                log.exception("projection runner failed; retrying in 2 s")
                self._stop.wait(2)

    def _follow(self) -> None:
        """Apply while holding the lock; until then stand by, following the holder and trying for the lock."""
        self.holding = False
        # Named, so pg_stat_activity beside pg_locks shows which process holds the lock.
        name = f"community-trigger projections {os.getpid()}"
        try:
            with psycopg.connect(self.pool.conninfo, autocommit=True, application_name=name) as listener:
                listener.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self._channel)))
                listener.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.projected_channel)))
                while not self._stop.is_set():
                    if not self.holding and self._try_lock(listener):
                        log.info("this projection runner holds the lock and applies events from here on")
                        # Its own announcements would only wake it for nothing.
                        listener.execute(sql.SQL("UNLISTEN {}").format(sql.Identifier(self.projected_channel)))
                        self.refresh()  # where the last holder left them
                        self.holding = True
                    if self.holding:
                        self._catch_up()
                        # Wake on the first notification, or after a second to notice a stop (or a lost NOTIFY).
                        for _ in listener.notifies(timeout=1.0, stop_after=1):
                            pass
                    else:
                        self._stand_by(listener)
        finally:
            self.holding = False

    def _stand_by(self, listener: psycopg.Connection) -> None:
        """A second of following the runner that holds the lock (its positions, for `wait_for`)."""
        self._reached_in_database()
        deadline = time.monotonic() + TAKE_OVER_SECONDS
        while not self._stop.is_set() and (remaining := deadline - time.monotonic()) > 0:
            for notification in listener.notifies(timeout=remaining, stop_after=1):
                if notification.channel == self.projected_channel:
                    self._reached(int(notification.payload))


def position_of(cur: psycopg.Cursor, model: ReadModel) -> int:
    """The position the model has reached (its one-row position table, made by the migrations)."""
    try:
        cur.execute(sql.SQL("SELECT position FROM {}").format(model.table("position")))
    except psycopg.errors.UndefinedTable as error:
        raise LookupError(
            f"read model {model.schema} has no tables: a migration makes them (store/migrations/)"
        ) from error
    row = cur.fetchone()
    if row is None:
        raise LookupError(f"read model {model.schema} has no position row: a migration makes it (store/migrations/)")
    return row["position"]


class Decoded:
    """Domain events by notification id, decoded on first use."""

    def __init__(self, app: Application) -> None:
        self.app = app
        self.events: dict[int, Any] = {}

    def __call__(self, notification: Notification) -> Any:
        event = self.events.get(notification.id)
        if event is None:
            event = self.events[notification.id] = self.app.mapper.to_domain_event(notification)
        return event

    def all(self, notifications: Sequence[Notification]) -> list[Any]:
        """Each one's event, those not decoded yet decoded together (the mapper then fetches the personal keys
        they need in one query, where it can: store/personal_data.py `to_domain_events`)."""
        todo = [n for n in notifications if n.id not in self.events]
        many = getattr(self.app.mapper, "to_domain_events", None)
        if todo and many is not None:
            self.events.update(zip((n.id for n in todo), many(todo), strict=True))
        return [self(n) for n in notifications]


def apply_notifications(
    cur: psycopg.Cursor,
    app: Application,
    model: ReadModel,
    notifications: Iterable[Notification],
    last: int,
    decoded: Decoded | None = None,
) -> int:
    """In the caller's transaction: apply what the model has not seen yet, move its position to `last`.

    Returns the model's position afterwards. Locking the position row makes a second runner (another
    process, or a rebuild swapping in) wait, then see this one's position, so nothing is applied twice.
    When none of the notifications is of a topic the model reads, moving the position (an UPDATE,
    which locks the row as well) is all there is to do.
    """
    statements = _position_statements(model)
    topics = set(model.topics)
    wanted = [n for n in notifications if not topics or n.topic in topics]
    if not wanted:
        cur.execute(statements.move_returning, (last, last))
        moved = cur.fetchone()
        if moved is not None:
            return moved["position"]
        cur.execute(statements.read)  # already at or past `last`
        return cur.fetchone()["position"]
    cur.execute(statements.lock)
    committed = cur.fetchone()["position"]
    decode = decoded or Decoded(app)
    todo = [n for n in wanted if n.id > committed]
    events = list(zip((n.id for n in todo), decode.all(todo), strict=True))
    if events:
        model.apply_batch(cur, events)
    cur.execute(statements.move, (last, last))
    return max(committed, last)


NOTIFY_PROJECTED = b"SELECT pg_notify(%s, %s)"


@dataclass(frozen=True)
class _PositionStatements:
    read: bytes
    lock: bytes
    move: bytes
    move_returning: bytes


_statements: dict[str, _PositionStatements] = {}


def _position_statements(model: ReadModel) -> _PositionStatements:
    """The position row's statements for `model`, composed once per schema (composing costs more than running them)."""
    statements = _statements.get(model.schema)
    if statements is None:
        table = model.table("position")
        move = sql.SQL("UPDATE {} SET position = %s, updated_at = now() WHERE position < %s").format(table)
        statements = _statements[model.schema] = _PositionStatements(
            read=sql.SQL("SELECT position FROM {}").format(table).as_bytes(None),
            lock=sql.SQL("SELECT position FROM {} FOR UPDATE").format(table).as_bytes(None),
            move=move.as_bytes(None),
            move_returning=(move + sql.SQL(" RETURNING position")).as_bytes(None),
        )
    return statements

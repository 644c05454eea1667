"""Keeps read models current: follows the event store in commit order, exactly once.

Each read model lives in its own schema with a one-row `position` table. A batch of events and
the new position are written in one transaction (one for every read model the batch moves), so
a crash replays nothing twice and skips nothing. The library's recorder serialises inserts with
a table lock, so notification ids are in commit order and "everything after my position" never
misses a late commit. The runner wakes on the recorder's NOTIFY and also polls slowly in case a
notification is lost.
"""

import copy
import logging
import threading
import time
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

    def catch_up(self) -> int:
        """Process everything recorded so far; returns how many events were applied."""
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
        """How far behind the read models are: events, and seconds since the slowest last moved."""
        head = self.head()
        behind = max(0, head - self.position)
        seconds = 0.0
        if behind:
            positions = sql.SQL(" UNION ALL ").join(
                sql.SQL("SELECT updated_at FROM {}").format(model.table("position")) for model in self.read_models
            )
            with self.pool.connection() as conn:
                query = sql.SQL("SELECT extract(epoch FROM now() - min(updated_at))::float AS s FROM ({}) AS p")
                seconds = conn.execute(query.format(positions)).fetchone()["s"]
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
        with psycopg.connect(self.pool.conninfo, autocommit=True) as listener:
            listener.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self._channel)))
            while not self._stop.is_set():
                self.catch_up()
                # Wake on the first notification, or after a second to notice a stop (or a lost NOTIFY).
                for _ in listener.notifies(timeout=1.0, stop_after=1):
                    pass


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

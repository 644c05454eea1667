"""The baselines each figure is measured beside, in the same run, on the same data and server.

- the library's bare `Application.save` of plain aggregates (no domain rules, no timeline index,
  no fact links, no personal-data sealing), with the same number of events per save and the same
  mean stored size as ours;
- the library's default path for reading the store: `recorder.select_notifications` (what
  `app.notification_log` reads through) and `mapper.to_domain_event`;
- PostgreSQL itself: one-row commits per second and `COPY` rows per second, the physical limits.
"""

import os
import random
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any
from uuid import uuid4

import psycopg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from psycopg import sql

from store.event_store import store_environment

PLAIN_APPLICATION = "bench_plain"
RAW_SCHEMA = "bench_raw"
TOPIC = "benchmarks.baselines:PlainRecord.Created"


# --- the library's bare save ---------------------------------------------------------------


class PlainRecord(Aggregate):
    """A plain aggregate: one text field, no actor, no rules."""

    class Created(Aggregate.Created):
        payload: str

    class Noted(Aggregate.Event):
        payload: str

        def apply(self, record: "PlainRecord") -> None:
            record.payload = self.payload

    @classmethod
    def create(cls, payload: str) -> "PlainRecord":
        return cls._create(cls.Created, payload=payload)

    def note(self, payload: str) -> None:
        self.trigger_event(self.Noted, payload=payload)


class PlainApplication(Application):
    """The library's Application with its own PostgreSQL recorder, in a table of its own."""

    name = PLAIN_APPLICATION


def plain_application(database_url: str) -> PlainApplication:
    env = store_environment(database_url, pool_size=2)
    for setting in ("APPLICATION_RECORDER_TOPIC", "CIPHER_TOPIC", "CIPHER_KEY"):
        env.pop(setting, None)  # the library's own recorder, no encryption
    env["CREATE_TABLE"] = "y"  # a bare baseline: the library makes its own table, outside our migrations
    return PlainApplication(env=env)


def plain_payload(app: PlainApplication, mean_state_bytes: float) -> str:
    """A payload that makes a plain event's stored state as long as our events' mean."""
    probe = PlainRecord.create("")
    overhead = len(app.mapper.to_stored_event(probe.collect_events()[0]).state)
    return "x" * max(0, round(mean_state_bytes) - overhead)


def save_plain(
    app: PlainApplication,
    shapes: Sequence[Sequence[int]],
    payload: str,
    progress: Callable[[int], None] | None = None,
) -> tuple[int, float]:
    """One `app.save` per shape; a shape lists how many events each aggregate in that save has.

    Returns (events saved, seconds), the making of the plain aggregates included.
    """
    events = 0
    started = time.perf_counter()
    for index, shape in enumerate(shapes, start=1):
        aggregates = []
        for count in shape:
            record = PlainRecord.create(payload)
            for _ in range(count - 1):
                record.note(payload)
            aggregates.append(record)
            events += count
        app.save(*aggregates)
        if progress and index % 200 == 0:
            progress(events)
    return events, time.perf_counter() - started


# --- the library's default read path -------------------------------------------------------


def read_and_decode(
    app: Application, batch_size: int = 5000, progress: Callable[[int, int], None] | None = None
) -> tuple[int, float]:
    """Read every event in commit order (`select_notifications`, as `notification_log` does) and decode it."""
    head = app.recorder.max_notification_id() or 0
    position, count = 0, 0
    started = time.perf_counter()
    to_domain_event = app.mapper.to_domain_event
    while position < head:
        batch = app.recorder.select_notifications(start=position, limit=batch_size, stop=head, inclusive_of_start=False)
        if not batch:
            break
        for notification in batch:
            to_domain_event(notification)
        position, count = batch[-1].id, count + len(batch)
        if progress:
            progress(position, head)
    return count, time.perf_counter() - started


# --- PostgreSQL itself ---------------------------------------------------------------------


def _raw_tables(conn: psycopg.Connection) -> None:
    conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(RAW_SCHEMA)))
    conn.execute(
        sql.SQL("CREATE TABLE IF NOT EXISTS {}.commits (id bigserial PRIMARY KEY, value text NOT NULL)").format(
            sql.Identifier(RAW_SCHEMA)
        )
    )
    conn.execute(
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS {}.rows (originator_id uuid NOT NULL, originator_version bigint NOT NULL,"
            " topic text, state bytea, notification_id bigserial,"
            " PRIMARY KEY (originator_id, originator_version))"
        ).format(sql.Identifier(RAW_SCHEMA))
    )
    conn.execute(
        sql.SQL("CREATE UNIQUE INDEX IF NOT EXISTS rows_notification_id ON {}.rows (notification_id)").format(
            sql.Identifier(RAW_SCHEMA)
        )
    )


def pg_commits_per_s(database_url: str, seconds: float = 2.0, synchronous: bool = True) -> float:
    """One connection, one single-row INSERT per transaction, for about `seconds`."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        _raw_tables(conn)
        if not synchronous:
            conn.execute("SET synchronous_commit = off")
        insert = sql.SQL("INSERT INTO {}.commits (value) VALUES (%s)").format(sql.Identifier(RAW_SCHEMA))
        count = 0
        started = time.perf_counter()
        deadline = started + seconds
        while True:
            conn.execute(insert, ("commit",), prepare=True)
            count += 1
            if count % 50 == 0 and time.perf_counter() >= deadline:
                break
        elapsed = time.perf_counter() - started
        conn.execute(sql.SQL("TRUNCATE {}.commits").format(sql.Identifier(RAW_SCHEMA)))
    return count / elapsed


def _rows(count: int, state_bytes: int) -> Iterator[tuple[Any, ...]]:
    state = os.urandom(max(1, state_bytes))
    for _ in range(count):
        yield (uuid4(), 1, TOPIC, state)


def pg_copy_rows_per_s(database_url: str, rows: int, state_bytes: int) -> float:
    """`COPY` of event-shaped rows (the events table's columns and indexes) in one transaction."""
    with psycopg.connect(database_url) as conn:
        _raw_tables(conn)
        conn.commit()
        data = list(_rows(rows, state_bytes))
        started = time.perf_counter()
        with conn.cursor() as cur:
            copy = sql.SQL("COPY {}.rows (originator_id, originator_version, topic, state) FROM STDIN").format(
                sql.Identifier(RAW_SCHEMA)
            )
            with cur.copy(copy) as writer:
                for row in data:
                    writer.write_row(row)
        conn.commit()
        elapsed = time.perf_counter() - started
        conn.execute(sql.SQL("TRUNCATE {}.rows").format(sql.Identifier(RAW_SCHEMA)))
        conn.commit()
    return rows / elapsed


def pg_unnest_rows_per_s(database_url: str, rows: int, state_bytes: int, batch_size: int = 5000) -> float:
    """The same rows by `INSERT ... SELECT FROM unnest(...)` in batches, one transaction each (the library's way)."""
    with psycopg.connect(database_url) as conn:
        _raw_tables(conn)
        conn.commit()
        data = list(_rows(rows, state_bytes))
        insert = sql.SQL(
            "INSERT INTO {}.rows (originator_id, originator_version, topic, state)"
            " SELECT * FROM unnest(%s::uuid[], %s::bigint[], %s::text[], %s::bytea[])"
        ).format(sql.Identifier(RAW_SCHEMA))
        started = time.perf_counter()
        for start in range(0, len(data), batch_size):
            chunk = data[start : start + batch_size]
            conn.execute(insert, [list(column) for column in zip(*chunk, strict=True)])
            conn.commit()
        elapsed = time.perf_counter() - started
        conn.execute(sql.SQL("TRUNCATE {}.rows").format(sql.Identifier(RAW_SCHEMA)))
        conn.commit()
    return rows / elapsed


def drop_raw(database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(RAW_SCHEMA)))


def sample(values: Sequence[Any], count: int, rng: random.Random) -> list[Any]:
    return list(values) if len(values) <= count else rng.sample(list(values), count)

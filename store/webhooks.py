"""Partner tools' subscriptions, the outbox of the events they receive, and each delivery's state (API.md v1.1).

An event for partner tools is written to the outbox in the same transaction as whatever found it (a
projection batch: `enqueue` takes the caller's cursor), with one delivery row per subscription that
wants it; so it is found exactly once, and nothing is lost when the receiver or this server is down:
the delivery worker (service/webhooks.py) claims due deliveries with FOR UPDATE SKIP LOCKED, so several
processes never send one twice at once, and keeps each one's attempts, outcome and next try here.

A subscription receives only events that happened after it was made (`occurred_at`), so a new
subscription is not sent the history a read model replays when it first catches up.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg_pool import ConnectionPool

CHANNEL = "community_trigger_webhooks"  # NOTIFYed when outbox rows commit: the delivery worker wakes at once


@dataclass(frozen=True)
class OutboxMessage:
    """One event for partner tools: its stable id (the `webhook-id` of every attempt), type and JSON body."""

    message_id: str
    type: str
    payload: str  # the JSON body exactly as it is signed and sent
    occurred_at: datetime  # when the fact behind it was recorded (or found, for a time-based event)
    agencies: tuple[str, ...] = ()  # agencies whose own subscriptions may receive it (none: coordinators' only)


ENQUEUE = """
WITH added AS (
    INSERT INTO webhooks.outbox (message_id, type, payload, agencies, created_at)
    VALUES (%(message_id)s, %(type)s, %(payload)s, %(agencies)s, %(occurred_at)s)
    ON CONFLICT (message_id) DO NOTHING
    RETURNING id, type, agencies, created_at
)
INSERT INTO webhooks.deliveries (subscription_id, outbox_id)
SELECT s.id, added.id FROM added JOIN webhooks.subscriptions AS s
    ON s.deleted_at IS NULL AND added.type = ANY(s.events) AND s.created_at <= added.created_at
   AND (s.agency IS NULL OR s.agency = ANY(added.agencies))
"""


def wanted_types(cur: psycopg.Cursor) -> frozenset[str]:
    """The event types some live subscription wants: what is worth finding at all."""
    cur.execute("SELECT DISTINCT unnest(events) AS type FROM webhooks.subscriptions WHERE deleted_at IS NULL")
    return frozenset(row["type"] if isinstance(row, dict) else row[0] for row in cur.fetchall())


def enqueue(cur: psycopg.Cursor, messages: Sequence[OutboxMessage]) -> None:
    """In the caller's transaction: each message once (by its id), with a delivery for each subscription wanting it."""
    if not messages:
        return
    cur.executemany(
        ENQUEUE,
        [
            {
                "message_id": m.message_id,
                "type": m.type,
                "payload": m.payload,
                "agencies": list(m.agencies),
                "occurred_at": m.occurred_at,
            }
            for m in messages
        ],
    )
    cur.execute("SELECT pg_notify(%s, '')", (CHANNEL,))  # delivered on commit


# --- subscriptions -----------------------------------------------------------------------

SUBSCRIPTION_COLUMNS = "id, url, events, agency, created_by, created_at, deleted_at"


def create_subscription(
    pool: ConnectionPool, *, id: UUID, url: str, events: Sequence[str], secret: str, agency: str | None, created_by: str
) -> dict[str, Any]:
    with pool.connection() as conn:
        return conn.execute(
            f"INSERT INTO webhooks.subscriptions (id, url, events, secret, agency, created_by)"
            f" VALUES (%s, %s, %s, %s, %s, %s) RETURNING {SUBSCRIPTION_COLUMNS}",
            (id, url, list(events), secret, agency, created_by),
        ).fetchone()


def subscriptions(
    pool: ConnectionPool, *, agency: str | None, only_agency: bool, after: UUID | None, limit: int
) -> list[dict[str, Any]]:
    """Live subscriptions by id, after the keyset `after`; `only_agency`: only those of `agency`."""
    conditions, params = ["deleted_at IS NULL"], []
    if only_agency:
        conditions.append("agency = %s")
        params.append(agency)
    if after is not None:
        conditions.append("id > %s")
        params.append(after)
    with pool.connection() as conn:
        return conn.execute(
            f"SELECT {SUBSCRIPTION_COLUMNS} FROM webhooks.subscriptions WHERE {' AND '.join(conditions)}"
            " ORDER BY id LIMIT %s",
            (*params, limit),
        ).fetchall()


def subscription(pool: ConnectionPool, id: UUID, *, deleted_too: bool = False) -> dict[str, Any] | None:
    """A live subscription, or with `deleted_too` a deleted one as well (None when unknown)."""
    live = "" if deleted_too else " AND deleted_at IS NULL"
    with pool.connection() as conn:
        return conn.execute(
            f"SELECT {SUBSCRIPTION_COLUMNS} FROM webhooks.subscriptions WHERE id = %s{live}", (id,)
        ).fetchone()


def delete_subscription(pool: ConnectionPool, id: UUID) -> bool:
    """Stop it: no new deliveries, and those still waiting are cancelled. False when there was none."""
    with pool.connection() as conn, conn.transaction():
        deleted = conn.execute(
            "UPDATE webhooks.subscriptions SET deleted_at = now() WHERE id = %s AND deleted_at IS NULL RETURNING id",
            (id,),
        ).fetchone()
        if deleted is None:
            return False
        conn.execute(
            "UPDATE webhooks.deliveries SET state = 'cancelled' WHERE subscription_id = %s AND state = 'pending'", (id,)
        )
        return True


def deliveries(pool: ConnectionPool, subscription_id: UUID, *, before: int | None, limit: int) -> list[dict[str, Any]]:
    """What was sent (or is still to be) to one subscription, newest first, before the keyset `before`."""
    condition = "AND d.id < %s" if before is not None else ""
    params: tuple[Any, ...] = (subscription_id, before, limit) if before is not None else (subscription_id, limit)
    with pool.connection() as conn:
        return conn.execute(
            "SELECT d.id, o.message_id, o.type, o.created_at AS occurred_at, d.state, d.attempts, d.last_attempt_at,"
            " d.last_status, d.last_error, d.next_attempt_at, d.delivered_at, d.created_at"
            " FROM webhooks.deliveries AS d JOIN webhooks.outbox AS o ON o.id = d.outbox_id"
            f" WHERE d.subscription_id = %s {condition} ORDER BY d.id DESC LIMIT %s",
            params,
        ).fetchall()


# --- the delivery worker's claims --------------------------------------------------------

CLAIM = """
SELECT d.id, d.attempts, d.created_at, o.message_id, o.type, o.payload, s.url, s.secret
FROM webhooks.deliveries AS d
JOIN webhooks.outbox AS o ON o.id = d.outbox_id
JOIN webhooks.subscriptions AS s ON s.id = d.subscription_id
WHERE d.state = 'pending' AND d.next_attempt_at <= now()
  AND NOT EXISTS (
    SELECT 1 FROM webhooks.deliveries AS earlier
    WHERE earlier.subscription_id = d.subscription_id AND earlier.state = 'pending'
      AND earlier.next_attempt_at <= now() AND earlier.id < d.id
  )
ORDER BY d.next_attempt_at, d.id
LIMIT 1
FOR UPDATE OF d SKIP LOCKED
"""


def claim_due(conn: psycopg.Connection) -> dict[str, Any] | None:
    """In the caller's transaction: one delivery due now, locked until the transaction ends; others skip it.

    A subscription's due deliveries go one at a time, oldest first (an earlier one in flight is still
    `pending`, so the later ones wait), so a receiver sees its changes in the order they were found;
    one waiting out a backoff does not hold the others up.
    """
    return conn.execute(CLAIM).fetchone()


def delivered(conn: psycopg.Connection, delivery_id: int, status: int) -> None:
    conn.execute(
        "UPDATE webhooks.deliveries SET state = 'delivered', attempts = attempts + 1, last_attempt_at = now(),"
        " last_status = %s, last_error = NULL, delivered_at = now() WHERE id = %s",
        (status, delivery_id),
    )


def failed_attempt(
    conn: psycopg.Connection, delivery_id: int, *, status: int | None, error: str, retry_in: float | None
) -> None:
    """One attempt failed: try again in `retry_in` seconds, or, with None, give up (state `failed`)."""
    conn.execute(
        "UPDATE webhooks.deliveries SET attempts = attempts + 1, last_attempt_at = now(), last_status = %s,"
        " last_error = %s, state = CASE WHEN %s::float8 IS NULL THEN 'failed' ELSE 'pending' END,"
        " next_attempt_at = now() + make_interval(secs => coalesce(%s::float8, 0)) WHERE id = %s",
        (status, error[:500], retry_in, retry_in, delivery_id),
    )


def next_due_in(conn: psycopg.Connection) -> float | None:
    """Seconds until the next pending delivery is due (0 if one is due now; None if none waits)."""
    row = conn.execute(
        "SELECT greatest(0, extract(epoch FROM min(next_attempt_at) - now()))::float8 AS s"
        " FROM webhooks.deliveries WHERE state = 'pending'"
    ).fetchone()
    value = row["s"] if isinstance(row, dict) else row[0]
    return value

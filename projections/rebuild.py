"""Rebuild a read model from the first event, beside the live one, then swap it in atomically.

The live read model keeps serving while the new one is built in `<schema>__rebuild`. The swap
locks the live position row (so the live runner pauses), applies whatever the live model saw
that the new one has not, drops the live schema and renames the new one, all in one transaction.
"""

import time
from collections.abc import Callable

from eventsourcing.application import Application
from psycopg import sql
from psycopg_pool import ConnectionPool

from projections.runner import ReadModel, apply_notifications, prepare

Progress = Callable[[int, int, float], None]  # (position, head, events per second)


def rebuild(
    app: Application,
    pool: ConnectionPool,
    model: ReadModel,
    *,
    batch_size: int = 5000,
    progress: Progress | None = None,
) -> int:
    """Rebuild `model` from zero and make it live; returns the number of events read."""
    shadow = model.shadow()
    with pool.connection() as conn, conn.cursor() as cur:
        cur.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(shadow.schema)))
        position = prepare(cur, shadow)
    head = app.recorder.max_notification_id() or 0
    # Only the events of the topics the model reads leave the database (the case list reads a
    # twentieth of them); an empty tuple asks for every topic.
    topics = list(model.topics)
    started, read = time.monotonic(), 0
    try:
        while position < head:
            batch = app.recorder.select_notifications(
                start=position, limit=batch_size, stop=head, topics=topics, inclusive_of_start=False
            )
            # Past the batch's last event, or to the head when no event of its topics is left.
            last = batch[-1].id if len(batch) == batch_size else head
            with pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
                apply_notifications(cur, app, shadow, batch, last)
            position, read = last, read + len(batch)
            if progress:
                progress(position, head, position / max(time.monotonic() - started, 1e-9))
        _swap_in(app, pool, model, shadow, position)
    finally:
        shadow.forget()
    model.forget()
    return read


def _swap_in(app: Application, pool: ConnectionPool, live: ReadModel, shadow: ReadModel, position: int) -> None:
    with pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
        cur.execute("SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", (live.schema,))
        if cur.fetchone():
            cur.execute(sql.SQL("SELECT position FROM {} FOR UPDATE").format(live.table("position")))
            live_position = cur.fetchone()["position"]
            # Catch up with the live model inside the swap, so the position never goes back.
            while position < live_position:
                batch = app.recorder.select_notifications(
                    start=position, limit=5000, stop=live_position, inclusive_of_start=False
                )
                if not batch:
                    break
                apply_notifications(cur, app, shadow, batch, batch[-1].id)
                position = batch[-1].id
            cur.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(live.schema)))
        cur.execute(
            sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(sql.Identifier(shadow.schema), sql.Identifier(live.schema))
        )

"""Rebuild a read model from the first event, beside the live one, then swap it in atomically.

The live read model keeps serving while the new one is built in `<schema>__rebuild`, in empty
tables shaped like the live ones (`create_beside`: read from the catalog, so the migrations stay
the one place the shape is written). The swap locks the live position row (so the live runner
pauses), applies whatever the live model saw that the new one has not, drops the live schema and
renames the new one, all in one transaction.
"""

import time
from collections.abc import Callable, Sequence

import psycopg
from eventsourcing.application import Application
from psycopg import sql
from psycopg_pool import ConnectionPool

from projections.runner import Decoded, ReadModel, apply_notifications

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
        create_beside(cur, model.schema, shadow.schema)
    position = 0
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


def rebuild_all(
    app: Application,
    pool: ConnectionPool,
    models: Sequence[ReadModel],
    *,
    batch_size: int = 5000,
    progress: Progress | None = None,
) -> int:
    """Rebuild every one of `models` in one pass over the events, then swap each in; returns the events read.

    Each event is read and decoded once, whichever models apply it (several read the same complaints and
    case events), and every shadow moves in the same transaction per batch. What `rebuild` does for one
    model, for all of them at once.
    """
    shadows = [model.shadow() for model in models]
    with pool.connection() as conn, conn.cursor() as cur:
        for model, shadow in zip(models, shadows, strict=True):
            cur.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(shadow.schema)))
            create_beside(cur, model.schema, shadow.schema)
    position = 0
    head = app.recorder.max_notification_id() or 0
    # The union of the models' topics; a model that reads every topic (none named) makes it every topic.
    topics = [] if any(not model.topics for model in models) else sorted({t for m in models for t in m.topics})
    started, read = time.monotonic(), 0
    try:
        while position < head:
            batch = app.recorder.select_notifications(
                start=position, limit=batch_size, stop=head, topics=topics, inclusive_of_start=False
            )
            last = batch[-1].id if len(batch) == batch_size else head
            decoded = Decoded(app)
            with pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
                for shadow in shadows:
                    apply_notifications(cur, app, shadow, batch, last, decoded)
            position, read = last, read + len(batch)
            if progress:
                progress(position, head, position / max(time.monotonic() - started, 1e-9))
        for model, shadow in zip(models, shadows, strict=True):
            _swap_in(app, pool, model, shadow, position)
    finally:
        for shadow in shadows:
            shadow.forget()
    for model in models:
        model.forget()
    return read


def create_beside(cur: psycopg.Cursor, live: str, schema: str) -> None:
    """Make schema `schema` with an empty table shaped like each table of schema `live`, at position 0.

    Columns, defaults, NOT NULL and CHECK constraints come with LIKE. Primary keys, unique
    constraints and indexes are made again under their live names (LIKE would name them anew), so
    a rebuilt model swapped in keeps the names the migrations gave, which later migrations use.
    """
    cur.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    cur.execute(
        "SELECT c.oid, c.relname FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relkind = 'r' ORDER BY c.relname",
        (live,),
    )
    tables = cur.fetchall()
    if not tables:
        raise LookupError(f"read model {live} has no tables: a migration makes them (store/migrations/)")
    for table in tables:
        source, target = sql.Identifier(live, table["relname"]), sql.Identifier(schema, table["relname"])
        cur.execute(sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING ALL EXCLUDING INDEXES)").format(target, source))
        cur.execute(
            "SELECT conname, pg_get_constraintdef(oid) AS definition FROM pg_constraint"
            " WHERE conrelid = %s AND contype IN ('p', 'u', 'x') ORDER BY conname",
            (table["oid"],),
        )
        for constraint in cur.fetchall():
            cur.execute(
                sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                    target, sql.Identifier(constraint["conname"]), sql.SQL(constraint["definition"])
                )
            )
        # The other indexes, from their definitions: "CREATE INDEX name ON live.table USING ...".
        cur.execute(
            "SELECT pg_get_indexdef(i.indexrelid) AS definition, format(' ON %%I.%%I ', %s::text, %s::text) AS live_on,"
            " format(' ON %%I.%%I ', %s::text, %s::text) AS beside_on FROM pg_index AS i"
            " WHERE i.indrelid = %s AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = i.indexrelid)"
            " ORDER BY i.indexrelid",
            (live, table["relname"], schema, table["relname"], table["oid"]),
        )
        for index in cur.fetchall():
            if index["definition"].count(index["live_on"]) != 1:
                raise ValueError(f"cannot place index {index['definition']!r} in schema {schema}")
            cur.execute(index["definition"].replace(index["live_on"], index["beside_on"]))
    cur.execute(sql.SQL("INSERT INTO {} (position) VALUES (0)").format(sql.Identifier(schema, "position")))


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

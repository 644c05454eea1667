"""The recorder: eventsourcing's PostgreSQL recorder, writing a recorded-time index and fact links with each save.

Every event is written with a row in `event_timeline` (aggregate id, version, recorded time) in
the same transaction, so "which version of this aggregate existed at T" is an index lookup,
never a scan of the store (the library's "searchable timestamps" example). Facts that belong to
someone are linked to them in `fact_links` in the same transaction too (a complaint to its
victim, a consent to its application), so "the facts of X known at T" is also a lookup, and as
current as the events themselves, with no read model to wait for.

A threshold decision records what was known at its moment T. So that a replay as known at T
always agrees with it, no fact it relied on may be recorded as known at or before T once it has
read the facts (`KnownAtGuard`): under the events table's lock, the decision is refused (and
retried) if such a fact committed after its read, and afterwards a fact stamped at or before T
that commits late is refused (`RECORDED_TOO_LATE`) instead of slipping into the past.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import retry
from psycopg import InterfaceError, OperationalError
from psycopg.sql import SQL, Identifier

EVENTS_TABLE = "community_trigger_events"
TIMELINE_TABLE = "event_timeline"
LINKS_TABLE = "fact_links"
MARKS_TABLE = "known_at_marks"
KEY_POSITIONS_TABLE = (
    "api_key_positions"  # each API key's last written position (store/migrations/0007_key_positions.sql)
)
# SQLSTATEs our own checks raise (written out in INSERT_FUNCTION, in the migrations). Class 23 reaches the application as an IntegrityError, which
# commands retry on fresh reads; the other ends the command (service/casework.py, RecordedTooLate).
READ_OVERTAKEN = "23CT1"  # a decision's facts changed after it read them: read again
RECORDED_TOO_LATE = "CT002"  # a fact stamped at or before a decision's moment committed after it
ALREADY_RECORDED = "CT003"  # a write under an Idempotency-Key whose receipt is already kept

# Writes one save: events, their timeline rows and fact links, under the events table's lock, after the
# two checks of `KnownAtGuard`; returns the events' notification ids in the order given. It and the
# tables are made by the migrations (store/migrations/0001_baseline.sql), like every other table.
INSERT_FUNCTION = "community_trigger_insert_events"


@dataclass(frozen=True)
class WriteReceipt:
    """A write made under an Idempotency-Key: the key, and the version of the object it wrote.

    Kept in the same transaction as the write's events (`write_receipts`, migration 0002): the same
    write run again is refused (`ALREADY_RECORDED`) and answered from its receipt.
    """

    key_id: str
    idempotency_key: str
    request_digest: bytes  # the request's (api/idempotency.py): an expired key may carry another write
    subject_id: UUID
    subject_version: int


def receipts_keyword(receipts: Sequence[WriteReceipt]) -> dict[str, list[WriteReceipt]]:
    """A save's keyword for its receipts; none when there are none, so the save is exactly the library's."""
    return {"receipts": list(receipts)} if receipts else {}


@dataclass(frozen=True)
class KnownAtGuard:
    """What a decision read as known at `as_known_at`: the facts of `subject_ids` up to `read_position`.

    Subjects are the application, its victim or members, and any complaints it names: the facts
    linked to them in `fact_links`, and their own events, are what the assessment relied on.
    """

    as_known_at: datetime
    read_position: int
    subject_ids: tuple[UUID, ...]


class TimelineRecorder(PostgresApplicationRecorder):
    """The library's recorder, plus the recorded-time index and fact links written in the same transaction.

    Reads are the library's; a save is one call of INSERT_FUNCTION (see `insert_events`).
    """

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = EVENTS_TABLE) -> None:
        # Server-side prepared statements go out of step with psycopg's bookkeeping when a write
        # fails inside the library's pipeline (a version conflict): later calls then fail with
        # "prepared statement _pg3_N does not exist". Conflicts are normal here, so do without them.
        # Set before the library's __init__, which opens the pool (registering type adapters):
        # connections opened before this line would keep preparing statements.
        datastore.pool.kwargs["prepare_threshold"] = None
        super().__init__(datastore, events_table_name=events_table_name)
        self.timeline_table = Identifier(datastore.schema, TIMELINE_TABLE)
        self.links_table = Identifier(datastore.schema, LINKS_TABLE)
        self.marks_table = Identifier(datastore.schema, MARKS_TABLE)
        insert = Identifier(datastore.schema, INSERT_FUNCTION)
        # Parameters in binary (%b): the events' states go as bytes, not escaped into the text of a composite
        # array, which cost psycopg a quarter of a millisecond for four events, inside the group commit's turn.
        self.call_insert = (
            SQL(
                "SELECT * FROM {insert}(%(events)b, %(ids)b::uuid[], %(versions)b::bigint[], %(stamps)b::timestamptz[],"
                " %(subjects)b::uuid[], %(facts)b::uuid[], %(linked_at)b::timestamptz[],"
                " %(position)b::bigint, %(guarded)b::uuid[], %(known_at)b::timestamptz,"
                " %(receipt_key_ids)b::text[], %(receipt_keys)b::text[], %(receipt_digests)b::bytea[],"
                " %(receipt_subjects)b::uuid[], %(receipt_versions)b::bigint[])"
            )
            .format(insert=insert)
            .as_string()
        )  # rendered once: a Composed is rendered again at every execute
        self.call_insert = with_writers(self.call_insert, Identifier(datastore.schema, KEY_POSITIONS_TABLE))
        self.select_receipt = (
            SQL(
                "SELECT r.subject_id, r.subject_version, e.notification_id FROM write_receipts AS r"
                " JOIN {events} AS e ON e.originator_id = r.subject_id AND e.originator_version = r.subject_version"
                " WHERE r.key_id = %s AND r.idempotency_key = %s AND r.request_digest = %s"
            )
            .format(events=Identifier(datastore.schema, events_table_name))
            .as_string()
        )
        self.select_first_and_topic = (
            SQL(
                "SELECT originator_version = 1 AS first, topic FROM {events}"
                " WHERE originator_id = %s AND (originator_version = 1 OR topic = %s)"
            )
            .format(events=Identifier(datastore.schema, events_table_name))
            .as_string()
        )

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def first_topic_and_whether(self, originator_id: UUID, topic: str) -> tuple[str | None, bool]:
        """The topic of an aggregate's first event (None: no such aggregate), and whether it has an event of `topic`.

        One indexed lookup: at most two rows, its first event and any of that topic.
        """
        with self.datastore.get_connection() as conn:
            rows = conn.execute(self.select_first_and_topic, (originator_id, topic)).fetchall()
        first = next((row["topic"] for row in rows if row["first"]), None)
        return first, any(row["topic"] == topic for row in rows)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def receipt(self, key_id: str, idempotency_key: str, request_digest: bytes) -> tuple[UUID, int, int] | None:
        """(subject id, subject version, that event's position) of a write kept under this key, or None."""
        with self.datastore.get_connection() as conn:
            row = conn.execute(self.select_receipt, (key_id, idempotency_key, request_digest)).fetchone()
        return None if row is None else (row["subject_id"], row["subject_version"], row["notification_id"])

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        """Write `stored_events` with their timeline rows and fact links: one statement, one transaction.

        The library's recorder sends a dozen statements in a pipeline for this; under load each
        step waits for the interpreter's lock again, and the table lock is held all the while. One
        call of INSERT_FUNCTION does the same work inside PostgreSQL (lock, checks, rows, notify).
        `writers` (the API key id of each event's actor, or None) moves each key's last written position.
        """
        if not stored_events:
            return []
        timeline = kwargs["timeline"]  # EventStoreApplication._record gives both
        links = kwargs.get("links") or []
        guard: KnownAtGuard | None = kwargs.get("known_at_guard")
        receipts: list[WriteReceipt] = kwargs.get("receipts") or []
        ids, versions, stamps = (list(column) for column in zip(*timeline, strict=True))
        params = {
            "events": [
                self.construct_pg_stored_event(e.originator_id, e.originator_version, e.topic, e.state)
                for e in stored_events
            ],
            "ids": ids,
            "versions": versions,
            "stamps": stamps,
            "subjects": [link[0] for link in links],
            "facts": [link[1] for link in links],
            "linked_at": [link[2] for link in links],
            "position": guard.read_position if guard else None,
            "guarded": list(guard.subject_ids) if guard else None,
            "known_at": guard.as_known_at if guard else None,
            "receipt_key_ids": [r.key_id for r in receipts] if receipts else None,
            "receipt_keys": [r.idempotency_key for r in receipts],
            "receipt_digests": [r.request_digest for r in receipts],
            "receipt_subjects": [r.subject_id for r in receipts],
            "receipt_versions": [r.subject_version for r in receipts],
        }
        params["writers"] = kwargs.get("writers") or [None] * len(stored_events)  # see `with_writers`
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self.call_insert, params)
            return [row[INSERT_FUNCTION] for row in curs.fetchall()]


def with_writers(call_insert: str, positions: Identifier) -> str:
    """`call_insert` (`SELECT * FROM` INSERT_FUNCTION's call) in one statement with moving each writing API key's
    last position (`%(writers)b`, one per event, matched to the function's ids by their order): so in the same
    transaction, under the function's lock, and a read through any process then knows what its caller wrote.
    The function itself is left as the migrations made it; the answer keeps its column name."""
    call = call_insert.removeprefix("SELECT * FROM ")
    return (
        SQL(
            "WITH saved AS MATERIALIZED (SELECT s.notification_id, s.n FROM {call} WITH ORDINALITY AS s(notification_id, n)),"
            " written AS (INSERT INTO {positions} AS p (key_id, position)"
            "  SELECT w.key_id, max(saved.notification_id) FROM saved"
            "  JOIN unnest(%(writers)b::text[]) WITH ORDINALITY AS w(key_id, n) USING (n)"
            "  WHERE w.key_id IS NOT NULL GROUP BY w.key_id"
            "  ON CONFLICT (key_id) DO UPDATE SET position = greatest(p.position, EXCLUDED.position), written_at = now())"
            " SELECT notification_id AS {column} FROM saved ORDER BY n"
        )
        .format(call=SQL(call), positions=positions, column=Identifier(INSERT_FUNCTION))
        .as_string()
    )

"""The event store: eventsourcing's Application bound to our recorder, transcodings and personal-data mapper.

Its queries answer "as known at T" from the recorded-time index and the fact links
(store/recorder.py) without scanning the store.
"""

import base64
import binascii
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.persistence import (
    Recording,
    StoredEvent,
)
from psycopg.conninfo import conninfo_to_dict
from psycopg.sql import SQL, Identifier

from store.key_encryption import load_key_encryption_key
from store.personal_data import PersonalDataMapper
from store.personal_keys import CachedPersonalKeys, PostgresPersonalKeys
from store.recorder import TimelineRecorder
from store.transcodings import DomainTranscoder, register_transcodings


def _linked_by() -> dict[type, str]:
    from domain.complaints import Complaint
    from domain.consents import Consent

    return {Complaint.Logged: "victim_id", Consent.Given: "application_id"}


LINKED_BY = _linked_by()  # which field of a creating event names the subject the new fact belongs to


WHOLE_EVENT_CIPHER_TOPIC = "eventsourcing.cryptography:AESCipher"  # AES-GCM from `cryptography`
KEK_VARIABLE = "COMMUNITY_TRIGGER_KEY_ENCRYPTION_KEY"  # and ..._FILE: the personal keys' key-encryption key


def store_environment(database_url: str, pool_size: int = 5, cipher_key: str | None = None) -> dict[str, str]:
    """The eventsourcing settings for the PostgreSQL server at `database_url`.

    `cipher_key` turns on the library's encryption of whole events at rest: a base64 AES key of 16,
    24 or 32 bytes (README, Personal data and encryption; the service passes COMMUNITY_TRIGGER_CIPHER_KEY).
    """
    params = conninfo_to_dict(database_url)
    cipher = (
        {"CIPHER_TOPIC": WHOLE_EVENT_CIPHER_TOPIC, "CIPHER_KEY": _checked_cipher_key(cipher_key)} if cipher_key else {}
    )
    return {
        **cipher,
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "APPLICATION_RECORDER_TOPIC": "store.recorder:TimelineRecorder",
        "POSTGRES_DBNAME": params.get("dbname", "postgres"),
        "POSTGRES_HOST": params.get("host", "localhost"),
        "POSTGRES_PORT": str(params.get("port", "5432")),
        "POSTGRES_USER": params.get("user", "postgres"),
        "POSTGRES_PASSWORD": params.get("password", ""),
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_MAX_OVERFLOW": str(pool_size * 2),
        "POSTGRES_CONNECT_TIMEOUT": "10",
        "POSTGRES_LOCK_TIMEOUT": "10",
        # No ping before each check-out (a round trip per query): the library retries its reads and writes
        # on a dropped connection, and the pool discards a connection that failed.
        "POSTGRES_PRE_PING": "n",
        # The library creates nothing: its table, type and function are made by the migrations with the
        # rest of the schema (store/schema.py), before any store is opened.
        "CREATE_TABLE": "n",
    }


def _checked_cipher_key(cipher_key: str) -> str:
    try:
        size = len(base64.b64decode(cipher_key, validate=True))
    except binascii.Error:
        size = 0
    if size not in (16, 24, 32):
        raise ValueError(
            "COMMUNITY_TRIGGER_CIPHER_KEY must be 16, 24 or 32 random bytes in base64; make one with: "
            'python -c "import base64, os; print(base64.b64encode(os.urandom(32)).decode())"'
        )
    return cipher_key


class EventStore(Application[UUID]):
    """The library's Application with our transcoder and the recorded-time index."""

    name = "community_trigger"  # gives the table its name: community_trigger_events

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # The library names each subclass after itself; every subclass here shares one store.
        super().__init_subclass__(**kwargs)
        cls.name = EventStore.name

    def construct_mapper(self) -> PersonalDataMapper:
        if self.factory.is_snapshotting_enabled():
            # A snapshot holds an aggregate's whole state, so a Person's would hold their name in clear.
            raise ValueError("snapshots are not supported: they would store personal data unencrypted")
        self.personal_keys = self.construct_personal_keys()
        return PersonalDataMapper(
            transcoder=self.construct_transcoder(),
            personal_keys=self.personal_keys,
            compressor=self.factory.compressor(),
            cipher=self.factory.cipher(),
        )

    def construct_personal_keys(self) -> CachedPersonalKeys:
        """Where each person's key lives: a table beside the events by default (a KMS could stand in), wrapped
        under the key-encryption key of COMMUNITY_TRIGGER_KEY_ENCRYPTION_KEY or ..._FILE when one is given."""
        wrapper = load_key_encryption_key(
            self.env.get(KEK_VARIABLE) or None, self.env.get(f"{KEK_VARIABLE}_FILE") or None
        )
        return CachedPersonalKeys(PostgresPersonalKeys(self.factory.datastore, wrapper))  # type: ignore[attr-defined]

    def construct_transcoder(self) -> DomainTranscoder:
        transcoder = DomainTranscoder()
        super().register_transcodings(transcoder)
        register_transcodings(transcoder)
        return transcoder

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
        events = processing_event.events
        processing_event.saved_kwargs["timeline"] = [
            (e.originator_id, e.originator_version, e.timestamp) for e in events
        ]
        processing_event.saved_kwargs["links"] = [
            (getattr(e, LINKED_BY[type(e)]), e.originator_id, e.timestamp) for e in events if type(e) in LINKED_BY
        ]
        # The API key behind each event, whose last written position the recorder moves (read your own writes).
        processing_event.saved_kwargs["writers"] = [getattr(getattr(e, "actor", None), "key_id", None) for e in events]
        return super()._record(processing_event)

    def holds_case_data(self) -> bool:
        """Whether anyone has been recorded yet (a new store holds only its policy)."""
        recorder: TimelineRecorder = self.recorder  # type: ignore[assignment]
        query = SQL("SELECT 1 FROM {events} WHERE topic = %s LIMIT 1").format(
            events=Identifier(recorder.datastore.schema, recorder.events_table_name)
        )
        with recorder.datastore.get_connection() as conn:
            return conn.execute(query, ("domain.people:Person.Registered",)).fetchone() is not None

    def policy_names(self) -> list[str]:
        """The name of every policy with a book, from each book's first event (a partial index finds them)."""
        from eventsourcing.utils import get_topic

        from domain.policy_book import PolicyBook

        recorder: TimelineRecorder = self.recorder  # type: ignore[assignment]
        query = SQL(
            "SELECT originator_id, originator_version, topic, state FROM {events} WHERE topic = %s ORDER BY originator_id"
        ).format(events=Identifier(recorder.datastore.schema, recorder.events_table_name))
        with recorder.datastore.get_connection() as conn:
            rows = conn.execute(query, (get_topic(PolicyBook.Opened),)).fetchall()
        return sorted(
            self.mapper.to_domain_event(
                StoredEvent(row["originator_id"], row["originator_version"], row["topic"], bytes(row["state"]))
            ).name
            for row in rows
        )

    def linked_facts(self, subject_ids: Sequence[UUID], as_known_at: datetime) -> list[UUID]:
        """The facts linked to any of `subject_ids` (complaints of victims, consents of an application) recorded by then."""
        recorder: TimelineRecorder = self.recorder  # type: ignore[assignment]
        query = SQL(
            "SELECT fact_id FROM {table} WHERE subject_id = ANY(%s) AND recorded_at <= %s ORDER BY recorded_at, fact_id"
        ).format(table=recorder.links_table)
        with recorder.datastore.get_connection() as conn:
            return [row["fact_id"] for row in conn.execute(query, (list(subject_ids), as_known_at))]

    def fact_versions_as_known_at(
        self, subject_ids: Sequence[UUID], fact_ids: Sequence[UUID], as_known_at: datetime
    ) -> list[tuple[UUID, int]]:
        """(fact id, version) of every event recorded by then of the facts linked to `subject_ids` and of `fact_ids`.

        In fact id and version order, from `fact_links` and `event_timeline` alone (one indexed
        query, no event read): the same events as `events_as_known_at(linked_facts(subject_ids) +
        fact_ids)`.
        """
        recorder: TimelineRecorder = self.recorder  # type: ignore[assignment]
        parts = []
        if subject_ids:
            # Each linked fact's versions by index (the LATERAL subquery with OFFSET 0 is not flattened
            # into a join), so the plan does not hang on statistics: planned blind, as on a store never
            # analysed, a plain join sorts the whole timeline (seconds at a million events).
            parts.append(
                SQL(
                    "SELECT t.originator_id, t.originator_version FROM {links} AS l CROSS JOIN LATERAL"
                    " (SELECT originator_id, originator_version FROM {timeline}"
                    "  WHERE originator_id = l.fact_id AND recorded_at <= %(at)s OFFSET 0) AS t"
                    " WHERE l.subject_id = ANY(%(subjects)s) AND l.recorded_at <= %(at)s"
                ).format(links=recorder.links_table, timeline=recorder.timeline_table)
            )
        if fact_ids:
            parts.append(
                SQL(
                    "SELECT t.originator_id, t.originator_version FROM {timeline} AS t"
                    " WHERE t.originator_id = ANY(%(facts)s) AND t.recorded_at <= %(at)s"
                ).format(timeline=recorder.timeline_table)
            )
        if not parts:
            return []
        query = SQL("{parts} ORDER BY 1, 2").format(parts=SQL(" UNION ALL ").join(parts))
        params = {"subjects": list(subject_ids), "facts": list(fact_ids), "at": as_known_at}
        with recorder.datastore.get_connection() as conn:
            rows = conn.execute(query, params).fetchall()
        # A fact both named and linked (or linked twice) counts once, as `= ANY(...)` would have it.
        return list(dict.fromkeys((row["originator_id"], row["originator_version"]) for row in rows))

    def events_as_known_at(self, originator_ids: Sequence[UUID], as_known_at: datetime) -> list[Any]:
        """Every event of these aggregates recorded by then, in aggregate and version order: one indexed query."""
        if not originator_ids:
            return []
        recorder: TimelineRecorder = self.recorder  # type: ignore[assignment]
        # Driven from the id list, one aggregate at a time by index (LATERAL with OFFSET 0 is not
        # flattened into a join), so the plan does not hang on statistics: planned blind, the join of
        # events and timeline on `= ANY(...)` sorted the whole timeline (29 s at a million events).
        query = SQL(
            "SELECT e.originator_id, e.originator_version, e.topic, e.state FROM unnest(%s::uuid[]) AS ids(id)"
            " CROSS JOIN LATERAL (SELECT e.originator_id, e.originator_version, e.topic, e.state FROM {events} AS e"
            "  JOIN {timeline} AS t USING (originator_id, originator_version)"
            "  WHERE e.originator_id = ids.id AND t.recorded_at <= %s OFFSET 0) AS e"
            " ORDER BY e.originator_id, e.originator_version"
        ).format(
            events=Identifier(recorder.datastore.schema, recorder.events_table_name), timeline=recorder.timeline_table
        )
        ids = list(dict.fromkeys(originator_ids))  # each aggregate once, as `= ANY(...)` would have it
        with recorder.datastore.get_connection() as conn:
            rows = conn.execute(query, (ids, as_known_at)).fetchall()
        return [
            self.mapper.to_domain_event(
                StoredEvent(
                    originator_id=row["originator_id"],
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=bytes(row["state"]),
                )  # fmt: skip
            )
            for row in rows
        ]

    def versions_at(self, originator_ids: Sequence[UUID], as_known_at: datetime) -> dict[UUID, int]:
        """For each aggregate, its last version recorded at or before `as_known_at` (absent if none)."""
        if not originator_ids:
            return {}
        recorder: TimelineRecorder = self.recorder  # type: ignore[assignment]
        query = SQL(
            "SELECT originator_id, max(originator_version) AS version FROM {table}"
            " WHERE originator_id = ANY(%s) AND recorded_at <= %s GROUP BY originator_id"
        ).format(table=recorder.timeline_table)
        with recorder.datastore.get_connection() as conn:
            rows = conn.execute(query, (list(originator_ids), as_known_at)).fetchall()
        return {row["originator_id"]: row["version"] for row in rows}

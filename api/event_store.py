"""The event store: eventsourcing's PostgreSQL recorder, our transcodings, and a recorded-time index.

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

Personal data (the fields an event class lists in `personal_fields`) is encrypted with its
data subject's own key by `PersonalDataMapper` before the event is stored; see
api/personal_keys.py for the keys and domain/people.py for which fields are personal.
"""

import base64
import binascii
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import (
    JSONTranscoder,
    Mapper,
    MapperDeserialisationError,
    Recording,
    StoredEvent,
    Transcoding,
    find_id_convertor,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import resolve_topic, retry
from psycopg import InterfaceError, OperationalError
from psycopg.conninfo import conninfo_to_dict
from psycopg.sql import SQL, Identifier, Literal

from api.personal_keys import CachedPersonalKeys, KeyDestroyed, PersonalKeys, PostgresPersonalKeys
from domain import vocabulary
from domain.actor import Actor
from domain.case_reviews import Recommendation
from domain.people import Contact, ErasureReason, PersonErased, TextRef

EVENTS_TABLE = "community_trigger_events"
TIMELINE_TABLE = "event_timeline"
LINKS_TABLE = "fact_links"
MARKS_TABLE = "known_at_marks"
# SQLSTATEs our own checks raise. Class 23 reaches the application as an IntegrityError, which
# commands retry on fresh reads; the other ends the command (api/application.py, RecordedTooLate).
READ_OVERTAKEN = "23CT1"  # a decision's facts changed after it read them: read again
RECORDED_TOO_LATE = "CT002"  # a fact stamped at or before a decision's moment committed after it

INSERT_FUNCTION = "community_trigger_insert_events"
# Writes one save: events, their timeline rows and fact links, under the events table's lock, after
# the two checks of `KnownAtGuard`. Returns the events' notification ids in the order given.
INSERT_FUNCTION_BODY = """
CREATE OR REPLACE FUNCTION {insert}(
    events {event_type}[], ids uuid[], versions bigint[], stamps timestamptz[],
    subjects uuid[], facts uuid[], linked_at timestamptz[],
    read_position bigint, guarded uuid[], known_at timestamptz
) RETURNS SETOF bigint LANGUAGE plpgsql AS $body$
BEGIN
    SET LOCAL lock_timeout = {lock_timeout};
    -- Every earlier writer has committed, and no later one commits before this one.
    LOCK TABLE {events} IN EXCLUSIVE MODE;
    -- A fact stamped at or before the moment a recorded decision read as known.
    IF EXISTS (
        SELECT 1 FROM unnest(ids, stamps) AS n(id, at)
        WHERE EXISTS (SELECT 1 FROM {marks} AS m WHERE m.subject_id = n.id AND m.known_at >= n.at)
           OR EXISTS (SELECT 1 FROM {links} AS l JOIN {marks} AS m ON m.subject_id = l.subject_id
                      WHERE l.fact_id = n.id AND m.known_at >= n.at)
    ) THEN
        RAISE EXCEPTION USING ERRCODE = {too_late},
            MESSAGE = 'a threshold decision already recorded what was known at this moment';
    END IF;
    IF guarded IS NOT NULL THEN
        -- Facts of the decision's subjects (their links, or their own events) committed after its read.
        IF EXISTS (
            SELECT 1 FROM {events} AS e WHERE e.notification_id > read_position
              AND (e.originator_id = ANY(guarded)
                   OR e.originator_id IN (SELECT fact_id FROM {links} WHERE subject_id = ANY(guarded)))
        ) THEN
            RAISE EXCEPTION USING ERRCODE = {overtaken},
                MESSAGE = 'facts the decision relied on changed after it read them';
        END IF;
        INSERT INTO {marks} (subject_id, known_at) SELECT unnest(guarded), known_at
            ON CONFLICT (subject_id) DO UPDATE SET known_at = greatest({marks}.known_at, EXCLUDED.known_at);
    END IF;
    INSERT INTO {timeline} (originator_id, originator_version, recorded_at)
        SELECT * FROM unnest(ids, versions, stamps);
    INSERT INTO {links} (subject_id, fact_id, recorded_at)
        SELECT * FROM unnest(subjects, facts, linked_at) ON CONFLICT DO NOTHING;
    NOTIFY {channel};
    RETURN QUERY INSERT INTO {events} (originator_id, originator_version, topic, state)
        SELECT e.originator_id, e.originator_version, e.topic, e.state FROM unnest(events) AS e
        RETURNING notification_id;
END
$body$
"""


@dataclass(frozen=True)
class KnownAtGuard:
    """What a decision read as known at `as_known_at`: the facts of `subject_ids` up to `read_position`.

    Subjects are the application, its victim or members, and any complaints it names: the facts
    linked to them in `fact_links`, and their own events, are what the assessment relied on.
    """

    as_known_at: datetime
    read_position: int
    subject_ids: tuple[UUID, ...]


# --- transcodings ------------------------------------------------------------------------


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class EnumAsValue(Transcoding):
    """One per enum: the name says which enum, so a value decodes back to its member."""

    def __init__(self, enum: type[Enum]) -> None:
        self.type = enum
        self.name = f"enum_{enum.__name__}"

    def encode(self, obj: Enum) -> str:
        return obj.value

    def decode(self, data: str) -> Enum:
        return self.type(data)


class DataclassAsDict(Transcoding):
    """A small frozen value object stored as its fields."""

    def __init__(self, cls: type, name: str) -> None:
        self.type = cls
        self.name = name

    def encode(self, obj: Any) -> dict:
        return dict(vars(obj))

    def decode(self, data: dict) -> Any:
        return self.type(**data)


class ActorAsDict(Transcoding):
    type = Actor
    name = "actor"

    def encode(self, obj: Actor) -> dict:
        return {"key_id": obj.key_id, "role": obj.role, "agency": obj.agency}

    def decode(self, data: dict) -> Actor:
        return Actor(**data)


ENUMS = [
    value
    for value in vars(vocabulary).values()
    if isinstance(value, type) and issubclass(value, Enum) and value.__module__ == vocabulary.__name__
]


class DomainTranscoder(JSONTranscoder):
    """JSON with registered transcodings, enums included.

    Our enums are `StrEnum`s, which the json module would write as bare strings (it never asks
    for a transcoding for a `str`), losing their type; so they are tagged before encoding.
    """

    def encode(self, obj: Any) -> bytes:
        return super().encode(self._tag_enums(obj))

    def _tag_enums(self, obj: Any) -> Any:
        if isinstance(obj, Enum):
            transcoding = self.types[type(obj)]
            return {"_type_": transcoding.name, "_data_": transcoding.encode(obj)}
        if isinstance(obj, dict):
            return {key: self._tag_enums(value) for key, value in obj.items()}
        if isinstance(obj, (list, tuple)):
            return [self._tag_enums(value) for value in obj]
        if isinstance(obj, (Actor, TextRef, Contact, Recommendation)):
            return self._tag_enums(self._encode_obj(obj))
        return obj


def register_transcodings(transcoder: JSONTranscoder) -> None:
    transcoder.register(DateAsISO())
    transcoder.register(ActorAsDict())
    transcoder.register(DataclassAsDict(TextRef, "text_ref"))
    transcoder.register(DataclassAsDict(Contact, "contact"))
    transcoder.register(DataclassAsDict(Recommendation, "recommendation"))
    for enum in [*ENUMS, ErasureReason]:
        transcoder.register(EnumAsValue(enum))


# --- personal data, sealed per person ----------------------------------------------------

SEALED_FIELD = "personal_data_sealed"  # where an event's personal fields go, encrypted
NONCE_BYTES = 12


class PersonalDataMapper(Mapper[UUID]):
    """The library's Mapper, with each person's personal data sealed under their own key.

    An event class with `personal_fields` (domain/people.py) has those fields taken out of the
    event's state, encoded, and encrypted with AES-GCM under the key of the person its
    `subject_field` names, before anything else happens (the optional whole-event cipher then
    encrypts the lot). The person's id stays in clear: it names the key. Once that key is
    destroyed (erasure) the fields read as the class's `erased_values()`, so every replay,
    history, feed and rebuild still works, with the case facts as they were.

    The ciphertext is bound to its event (originator id and version as associated data), so a
    sealed value copied into another event does not decrypt.
    """

    def __init__(
        self, transcoder: JSONTranscoder, personal_keys: PersonalKeys, compressor: Any = None, cipher: Any = None
    ) -> None:
        super().__init__(transcoder=transcoder, compressor=compressor, cipher=cipher)
        self.personal_keys = personal_keys

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        event_class = type(domain_event)
        personal_fields = getattr(event_class, "personal_fields", ())
        if not personal_fields:
            return super().to_stored_event(domain_event)
        state = dict(vars(domain_event))
        subject_id = state[event_class.subject_field]
        try:
            key = self.personal_keys.create(subject_id)
        except KeyDestroyed:
            raise PersonErased(subject_id) from None
        personal = {name: state.pop(name) for name in personal_fields}
        state[SEALED_FIELD] = self._seal(key, personal, _bound_to(state["originator_id"], state["originator_version"]))
        # The library's Mapper does the rest, on a copy of the event that holds the sealed state.
        sealed_event = object.__new__(event_class)
        object.__setattr__(sealed_event, "__dict__", state)
        return super().to_stored_event(sealed_event)

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        # The library's Mapper.to_domain_event, with personal data unsealed before any upcasting,
        # so that upcasters always see the fields as they were written.
        event_class = resolve_topic(stored_event.topic)
        stored_state = stored_event.state
        try:
            if self.cipher:
                stored_state = self.cipher.decrypt(stored_state)
            if self.compressor:
                stored_state = self.compressor.decompress(stored_state)
            state: dict[str, Any] = self.transcoder.decode(stored_state)
        except Exception as error:
            raise _undecodable(stored_event, error) from error
        if SEALED_FIELD in state:  # events stored before personal data was sealed have none
            state.update(self._unseal(event_class, stored_event, state))
        state["originator_id"] = find_id_convertor(event_class, type(stored_event.originator_id))(
            stored_event.originator_id
        )
        state["originator_version"] = stored_event.originator_version
        from_version = state.pop("class_version", 1)
        while from_version < getattr(event_class, "class_version", 1):
            getattr(event_class, f"upcast_v{from_version}_v{from_version + 1}")(state)
            from_version += 1
        domain_event = object.__new__(event_class)
        object.__setattr__(domain_event, "__dict__", state)
        return domain_event

    def _seal(self, key: bytes, personal: dict[str, Any], bound_to: bytes) -> str:
        nonce = os.urandom(NONCE_BYTES)
        return base64.b64encode(nonce + AESGCM(key).encrypt(nonce, self.transcoder.encode(personal), bound_to)).decode()

    def _unseal(self, event_class: type, stored_event: StoredEvent, state: dict[str, Any]) -> dict[str, Any]:
        sealed = state.pop(SEALED_FIELD)
        subject_field = event_class.subject_field
        subject_id = stored_event.originator_id if subject_field == "originator_id" else state[subject_field]
        key = self.personal_keys.get(subject_id)
        if key is None:  # erased: the data is gone for good, and says so
            return event_class.erased_values()
        bound_to = _bound_to(stored_event.originator_id, stored_event.originator_version)
        try:
            sealed_bytes = base64.b64decode(sealed, validate=True)
            plaintext = AESGCM(key).decrypt(sealed_bytes[:NONCE_BYTES], sealed_bytes[NONCE_BYTES:], bound_to)
        except (binascii.Error, InvalidTag) as error:  # damaged, or moved from another event: never guess
            raise _undecodable(stored_event, ValueError("the sealed personal data does not decrypt")) from error
        return self.transcoder.decode(plaintext)


def _undecodable(stored_event: StoredEvent, error: Exception) -> MapperDeserialisationError:
    return MapperDeserialisationError(
        f"Failed to deserialise state of stored event with topic '{stored_event.topic}', originator_id "
        f"'{stored_event.originator_id}' and originator_version {stored_event.originator_version}: {error}"
    )


def _bound_to(originator_id: UUID, originator_version: int) -> bytes:
    return f"{originator_id}/{originator_version}".encode()


# --- the recorder ------------------------------------------------------------------------


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
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {table} ("
                " originator_id uuid NOT NULL,"
                " originator_version bigint NOT NULL,"
                " recorded_at timestamptz NOT NULL,"
                " PRIMARY KEY (originator_id, originator_version))"
            ).format(table=self.timeline_table)
        )
        self.links_table = Identifier(datastore.schema, LINKS_TABLE)
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {table} ("
                " subject_id uuid NOT NULL,"
                " fact_id uuid NOT NULL,"
                " recorded_at timestamptz NOT NULL,"
                " PRIMARY KEY (subject_id, fact_id))"
            ).format(table=self.links_table)
        )
        self.sql_create_statements.append(
            SQL("CREATE INDEX IF NOT EXISTS fact_links_by_fact ON {table} (fact_id)").format(table=self.links_table)
        )
        self.marks_table = Identifier(datastore.schema, MARKS_TABLE)
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {table} (subject_id uuid PRIMARY KEY, known_at timestamptz NOT NULL)"
            ).format(table=self.marks_table)
        )
        # Replaced by INSERT_FUNCTION (its checks were separate statements before).
        self.sql_create_statements.append(
            SQL("DROP FUNCTION IF EXISTS {refuse}(boolean, text, text)").format(
                refuse=Identifier(datastore.schema, "community_trigger_refuse")
            )
        )
        insert = Identifier(datastore.schema, INSERT_FUNCTION)
        self.sql_create_statements.append(
            SQL(INSERT_FUNCTION_BODY).format(
                insert=insert,
                event_type=Identifier(datastore.schema, self.stored_event_type_name),
                events=Identifier(datastore.schema, events_table_name),
                timeline=self.timeline_table,
                links=self.links_table,
                marks=self.marks_table,
                lock_timeout=Literal(f"{datastore.lock_timeout}s"),
                channel=Identifier(self.channel_name),
                too_late=Literal(RECORDED_TOO_LATE),
                overtaken=Literal(READ_OVERTAKEN),
            )
        )
        self.call_insert = (
            SQL(
                "SELECT * FROM {insert}(%(events)s, %(ids)s::uuid[], %(versions)s::bigint[], %(stamps)s::timestamptz[],"
                " %(subjects)s::uuid[], %(facts)s::uuid[], %(linked_at)s::timestamptz[],"
                " %(position)s::bigint, %(guarded)s::uuid[], %(known_at)s::timestamptz)"
            )
            .format(insert=insert)
            .as_string()
        )  # rendered once: a Composed is rendered again at every execute
        self.select_first_topic = (
            SQL("SELECT topic FROM {events} WHERE originator_id = %s ORDER BY originator_version LIMIT 1")
            .format(events=Identifier(datastore.schema, events_table_name))
            .as_string()
        )

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def first_topic(self, originator_id: UUID) -> str | None:
        """The topic of an aggregate's first event (None: no such aggregate)."""
        with self.datastore.get_connection() as conn:
            row = conn.execute(self.select_first_topic, (originator_id,)).fetchone()
        return row["topic"] if row else None

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        """Write `stored_events` with their timeline rows and fact links: one statement, one transaction.

        The library's recorder sends a dozen statements in a pipeline for this; under load each
        step waits for the interpreter's lock again, and the table lock is held all the while. One
        call of INSERT_FUNCTION does the same work inside PostgreSQL (lock, checks, rows, notify).
        """
        if not stored_events:
            return []
        timeline = kwargs["timeline"]  # EventStoreApplication._record gives both
        links = kwargs.get("links") or []
        guard: KnownAtGuard | None = kwargs.get("known_at_guard")
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
        }
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self.call_insert, params)
            return [row[INSERT_FUNCTION] for row in curs.fetchall()]


# --- the application ---------------------------------------------------------------------


def _linked_by() -> dict[type, str]:
    from domain.complaints import Complaint
    from domain.consents import Consent

    return {Complaint.Logged: "victim_id", Consent.Given: "application_id"}


LINKED_BY = _linked_by()  # which field of a creating event names the subject the new fact belongs to


WHOLE_EVENT_CIPHER_TOPIC = "eventsourcing.cryptography:AESCipher"  # AES-GCM from `cryptography`


def store_environment(database_url: str, pool_size: int = 5, cipher_key: str | None = None) -> dict[str, str]:
    """The eventsourcing settings for the PostgreSQL server at `database_url`.

    `cipher_key` (default: COMMUNITY_TRIGGER_CIPHER_KEY) turns on the library's encryption of
    whole events at rest: a base64 AES key of 16, 24 or 32 bytes (README, Personal data and encryption).
    """
    if cipher_key is None:
        from api.settings import Settings

        cipher_key = Settings.from_environment().cipher_key
    params = conninfo_to_dict(database_url)
    cipher = (
        {"CIPHER_TOPIC": WHOLE_EVENT_CIPHER_TOPIC, "CIPHER_KEY": _checked_cipher_key(cipher_key)} if cipher_key else {}
    )
    return {
        **cipher,
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "APPLICATION_RECORDER_TOPIC": "api.event_store:TimelineRecorder",
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
        "CREATE_TABLE": "y",
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


class EventStoreApplication(Application[UUID]):
    """The library's Application with our transcoder and the recorded-time index."""

    name = "community_trigger"  # gives the table its name: community_trigger_events

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # The library names each subclass after itself; every subclass here shares one store.
        super().__init_subclass__(**kwargs)
        cls.name = EventStoreApplication.name

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
        """Where each person's key lives: a table beside the events by default (a KMS could stand in)."""
        return CachedPersonalKeys(PostgresPersonalKeys(self.factory.datastore))  # type: ignore[attr-defined]

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
        return super()._record(processing_event)

    def holds_case_data(self) -> bool:
        """Whether anyone has been recorded yet (a new store holds only its policy)."""
        recorder: TimelineRecorder = self.recorder  # type: ignore[assignment]
        query = SQL("SELECT 1 FROM {events} WHERE topic = %s LIMIT 1").format(
            events=Identifier(recorder.datastore.schema, recorder.events_table_name)
        )
        with recorder.datastore.get_connection() as conn:
            return conn.execute(query, ("domain.people:Person.Registered",)).fetchone() is not None

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

"""The event store: eventsourcing's PostgreSQL recorder, our transcodings, and a recorded-time index.

Every event is written with a row in `event_timeline` (aggregate id, version, recorded time) in
the same transaction, so "which version of this aggregate existed at T" is an index lookup,
never a scan of the store (the library's "searchable timestamps" example). Facts that belong to
someone are linked to them in `fact_links` in the same transaction too (a complaint to its
victim, a consent to its application), so "the facts of X known at T" is also a lookup, and as
current as the events themselves, with no read model to wait for.
"""

from collections.abc import Sequence
from datetime import date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.persistence import (
    JSONTranscoder,
    Recording,
    StoredEvent,
    Transcoding,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg import Cursor
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from domain import vocabulary
from domain.actor import Actor
from domain.case_reviews import Recommendation
from domain.people import Contact, TextRef

EVENTS_TABLE = "community_trigger_events"
TIMELINE_TABLE = "event_timeline"
LINKS_TABLE = "fact_links"


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
    for enum in ENUMS:
        transcoder.register(EnumAsValue(enum))


# --- the recorder ------------------------------------------------------------------------


class TimelineRecorder(PostgresApplicationRecorder):
    """The library's recorder, plus the recorded-time index written in the same transaction."""

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = EVENTS_TABLE) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        # Server-side prepared statements go out of step with psycopg's bookkeeping when a write
        # fails inside the library's pipeline (a version conflict): later calls then fail with
        # "prepared statement _pg3_N does not exist". Conflicts are normal here, so do without them.
        datastore.pool.kwargs["prepare_threshold"] = None
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
        self.insert_timeline = SQL(
            "INSERT INTO {table} (originator_id, originator_version, recorded_at) VALUES (%s, %s, %s)"
        ).format(table=self.timeline_table)
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
        self.insert_link = SQL("INSERT INTO {table} (subject_id, fact_id, recorded_at) VALUES (%s, %s, %s)").format(
            table=self.links_table
        )

    def _insert_events(self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        timeline = kwargs.get("timeline") or []
        if timeline:
            curs.executemany(self.insert_timeline, timeline)
        links = kwargs.get("links") or []
        if links:
            curs.executemany(self.insert_link, links)


# --- the application ---------------------------------------------------------------------


def _linked_by() -> dict[type, str]:
    from domain.complaints import Complaint
    from domain.consents import Consent

    return {Complaint.Logged: "victim_id", Consent.Given: "application_id"}


LINKED_BY = _linked_by()  # which field of a creating event names the subject the new fact belongs to


def store_environment(database_url: str, pool_size: int = 5) -> dict[str, str]:
    """The eventsourcing settings for the PostgreSQL server at `database_url`."""
    params = conninfo_to_dict(database_url)
    return {
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
        "POSTGRES_PRE_PING": "y",
        "CREATE_TABLE": "y",
    }


class EventStoreApplication(Application[UUID]):
    """The library's Application with our transcoder and the recorded-time index."""

    name = "community_trigger"  # gives the table its name: community_trigger_events

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # The library names each subclass after itself; every subclass here shares one store.
        super().__init_subclass__(**kwargs)
        cls.name = EventStoreApplication.name

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

    def events_as_known_at(self, originator_ids: Sequence[UUID], as_known_at: datetime) -> list[Any]:
        """Every event of these aggregates recorded by then, in aggregate and version order: one indexed query."""
        if not originator_ids:
            return []
        recorder: TimelineRecorder = self.recorder  # type: ignore[assignment]
        query = SQL(
            "SELECT e.originator_id, e.originator_version, e.topic, e.state FROM {events} AS e"
            " JOIN {timeline} AS t USING (originator_id, originator_version)"
            " WHERE e.originator_id = ANY(%s) AND t.recorded_at <= %s ORDER BY e.originator_id, e.originator_version"
        ).format(
            events=Identifier(recorder.datastore.schema, recorder.events_table_name), timeline=recorder.timeline_table
        )
        with recorder.datastore.get_connection() as conn:
            rows = conn.execute(query, (list(originator_ids), as_known_at)).fetchall()
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

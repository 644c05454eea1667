"""The event store: eventsourcing's PostgreSQL recorder, our transcodings, and a recorded-time index.

Every event is written with a row in `event_timeline` (aggregate id, version, recorded time) in
the same transaction, so "which version of this aggregate existed at T" is an index lookup,
never a scan of the store (the library's "searchable timestamps" example).
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

    def _insert_events(self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        timeline = kwargs.get("timeline") or []
        if timeline:
            curs.executemany(self.insert_timeline, timeline)


# --- the application ---------------------------------------------------------------------


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
        processing_event.saved_kwargs["timeline"] = [
            (event.originator_id, event.originator_version, event.timestamp) for event in processing_event.events
        ]
        return super()._record(processing_event)

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

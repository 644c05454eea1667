"""Reads in bulk for re-deciding history (service/what_if.py): many applications' facts in one query.

`EventStore.events_as_known_at` reads one application's facts; a what-if over a reporting year
reads thousands of applications' at once. Here every event of every fact linked to the given
subjects (complaints by victim, consents by application), and of the complaints named, recorded by
a moment, comes from one query, streamed, and decoded by the store's own mapper with the people's
keys looked up in one query first, rather than one look-up per person as the events arrive.
"""

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

from store.event_store import EventStore
from store.personal_data import PersonalDataMapper
from store.personal_keys import PersonalKeys, keys_of
from store.recorder import TimelineRecorder

ROWS_PER_FETCH = 5000


class _KeysLookedUp:
    """The PersonalKeys protocol over keys looked up beforehand; anyone else's through the store's keys."""

    def __init__(self, looked_up: dict[UUID, bytes | None], keys: PersonalKeys) -> None:
        self.looked_up = looked_up
        self.keys = keys

    def get(self, person_id: UUID) -> bytes | None:
        if person_id in self.looked_up:
            return self.looked_up[person_id]
        return self.keys.get(person_id)

    def create(self, person_id: UUID) -> bytes:  # a read never makes a key
        raise TypeError("keys looked up for reading cannot make new ones")

    def destroy(self, person_id: UUID) -> bool:
        raise TypeError("keys looked up for reading cannot destroy one")


class _NoKeys:
    """The PersonalKeys protocol with no key for anyone: every personal field reads as its erased value."""

    def get(self, person_id: UUID) -> bytes | None:
        return None

    def create(self, person_id: UUID) -> bytes:
        raise TypeError("a read that leaves personal data sealed makes no key")

    def destroy(self, person_id: UUID) -> bool:
        raise TypeError("a read that leaves personal data sealed destroys no key")


def _mapper_with_keys(store: EventStore, people: Iterable[UUID] | None) -> PersonalDataMapper:
    """The store's mapper (same transcoder, compressor and cipher) with `people`'s keys looked up in one go,
    or, when `people` is None, with no key at all (the personal fields are left sealed and read as erased).

    The keys are read now, not taken from a cache: an erasure committed before this read is seen.
    """
    mapper = store.mapper
    keys = store.personal_keys
    if people is None:
        personal_keys: PersonalKeys = _NoKeys()
    else:
        looked_up = keys_of(getattr(keys, "keys", keys), people)  # past the process's cache, if it has one
        personal_keys = _KeysLookedUp(looked_up, keys)
    return PersonalDataMapper(
        transcoder=mapper.transcoder, personal_keys=personal_keys, compressor=mapper.compressor, cipher=mapper.cipher
    )


def fact_events(
    store: EventStore,
    *,
    subject_ids: Sequence[UUID],
    fact_ids: Sequence[UUID],
    people: Iterable[UUID] | None,
    as_known_at: datetime,
    fetched: Any = None,
) -> Iterator[Any]:
    """Every event recorded by `as_known_at` of the facts linked to `subject_ids` and of `fact_ids`, decoded.

    Each fact's events come together, in version order (what `service.assessments.folded` needs):
    the same events, for each fact, as `EventStore.events_as_known_at(linked_facts(subject_ids) +
    fact_ids)`, from one query. `people` are those whose keys the events need (the victims), or None
    to leave their personal data sealed (it then reads as erased: a complaint's place as None), for a
    reading that does not compare places. `fetched(rows)` is told of each batch of rows read.
    """
    recorder: TimelineRecorder = store.recorder  # type: ignore[assignment]
    mapper = _mapper_with_keys(store, people)
    # Each fact's events by index and in version order (LATERAL with OFFSET 0 is not flattened into a
    # join: a nested loop, one fact after another), as events_as_known_at does, so the plan does not
    # hang on statistics; no sort of the whole result, which for a year of applications spills to disk.
    query = SQL(
        "WITH facts AS ("
        " SELECT fact_id FROM {links} WHERE subject_id = ANY(%(subjects)s) AND recorded_at <= %(at)s"
        " UNION SELECT unnest(%(facts)s::uuid[]))"
        " SELECT e.originator_id, e.originator_version, e.topic, e.state FROM facts CROSS JOIN LATERAL"
        " (SELECT e.originator_id, e.originator_version, e.topic, e.state FROM {events} AS e"
        "  JOIN {timeline} AS t USING (originator_id, originator_version)"
        "  WHERE e.originator_id = facts.fact_id AND t.recorded_at <= %(at)s"
        "  ORDER BY e.originator_version OFFSET 0) AS e"
    ).format(
        links=recorder.links_table,
        events=Identifier(recorder.datastore.schema, recorder.events_table_name),
        timeline=recorder.timeline_table,
    )
    params = {"subjects": list(subject_ids), "facts": list(fact_ids), "at": as_known_at}
    with (
        recorder.datastore.get_connection() as conn,
        conn.transaction(),
        conn.cursor(name="fact_events", row_factory=tuple_row) as cursor,
    ):
        cursor.execute(query, params)
        while rows := cursor.fetchmany(ROWS_PER_FETCH):
            if fetched is not None:
                fetched(len(rows))
            for originator_id, originator_version, topic, state in rows:
                yield mapper.to_domain_event(StoredEvent(originator_id, originator_version, topic, bytes(state)))


def events_of_type(store: EventStore, originator_ids: Sequence[UUID], event_class: type) -> list[Any]:
    """The events of one class of these aggregates (a case review's threshold decision, say), in one query."""
    if not originator_ids:
        return []
    recorder: TimelineRecorder = store.recorder  # type: ignore[assignment]
    query = SQL(
        "SELECT originator_id, originator_version, topic, state FROM {events}"
        " WHERE originator_id = ANY(%s) AND topic = %s ORDER BY originator_id, originator_version"
    ).format(events=Identifier(recorder.datastore.schema, recorder.events_table_name))
    with recorder.datastore.get_connection() as conn:
        rows = conn.execute(query, (list(originator_ids), get_topic(event_class))).fetchall()
    return [
        store.mapper.to_domain_event(
            StoredEvent(row["originator_id"], row["originator_version"], row["topic"], bytes(row["state"]))
        )
        for row in rows
    ]

"""Loading a large synthetic store quickly, still through the domain: the commands run as usual, the saves are batched.

One command per transaction (demo/loader.py, as the API does) runs at a few hundred events
per second here, so a million events would take over an hour. The commands are the
same `Casework` handlers, with the same aggregates and so every rule and check they make, but the
`BulkStore` they save to gathers each command's new events in order instead of writing them, and
`flush` writes many commands' events with one call of the library's `Application.save` (the
library's recorder, with our timeline index and fact links, in one transaction).

What the commands read back is served from memory: the aggregates this loader recorded (so a
command sees the state its predecessors left, written or not), and the fact links and events the
assessor asks for (so a threshold decision records the same assessment as known at its time that
the store's indexes would give). Anything recorded before the loader started is read from the store.
"""

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg.sql import SQL

from demo.loader import apply_step
from domain.audited import AuditedAggregate
from domain.complaints import Complaint
from domain.consents import Consent
from domain.people import Person, PersonalText
from service.assessments import Assessor
from service.casework import Casework
from service.errors import NotFound
from service.policies import Policies
from store.event_store import LINKED_BY, EventStore

DEFAULT_BATCH_EVENTS = 5000

try:  # personal data sealed with each person's own key (store/personal_keys.py)
    from store.personal_keys import KEY_BITS, CachedPersonalKeys, PostgresPersonalKeys
except ImportError:  # pragma: no cover - a store without per-person keys
    PostgresPersonalKeys = None  # type: ignore[assignment,misc]


if PostgresPersonalKeys is not None:

    class BatchedPersonalKeys(PostgresPersonalKeys):  # type: ignore[misc,valid-type]
        """The keys table as it is, with the keys of a whole batch's new people made in one statement.

        One at a time, each new person's key is an INSERT committed on its own (a WAL flush each);
        here every person a batch needs a key for gets it before the batch is saved, and the
        mapper's `create` then finds it made.
        """

        def __init__(self, datastore: Any) -> None:
            super().__init__(datastore)
            self._made: dict[UUID, bytes] = {}

        def create_many(self, person_ids: Iterable[UUID]) -> None:
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM

            new = [person_id for person_id in dict.fromkeys(person_ids) if person_id not in self._made]
            if not new:
                return
            keys = [AESGCM.generate_key(bit_length=KEY_BITS) for _ in new]
            stored = [self._stored(person_id, key) for person_id, key in zip(new, keys, strict=True)]  # wrapped
            with self._connection() as conn:
                conn.execute(
                    SQL(
                        "INSERT INTO {} (person_id, key, kek_id) SELECT * FROM unnest(%s::uuid[], %s::bytea[], %s::text[])"
                        " ON CONFLICT (person_id) DO NOTHING"
                    ).format(self.table),
                    (new, [key for key, _ in stored], [kek_id for _, kek_id in stored]),
                )
            # A destroyed key stays destroyed (None): `create` refuses it as usual.
            self._made.update((person_id, key) for person_id, key in self.get_many(new).items() if key is not None)

        def create(self, person_id: UUID) -> bytes:
            key = self._made.get(person_id)
            return key if key is not None else super().create(person_id)


@dataclass
class Flush:
    """One write of a batch: how many events and aggregates, and how long the library's save took."""

    events: int
    aggregates: int
    seconds: float
    events_per_aggregate: list[int] = field(repr=False, default_factory=list)


class BulkStore(EventStore):
    """The event store, with saves gathered into batches of about `batch_events` events."""

    def __init__(self, env: dict[str, str], batch_events: int = DEFAULT_BATCH_EVENTS) -> None:
        super().__init__(env=env)
        self.batch_events = batch_events
        self.flushes: list[Flush] = []
        self._pending: list[Any] = []  # new events in the order the commands made them
        self._pending_ids: set[UUID] = set()
        self._known: dict[UUID, AuditedAggregate] = {}  # current state of what this loader recorded
        self._links: dict[UUID, list[tuple[datetime, UUID]]] = defaultdict(list)  # fact_links, in memory
        self._history: dict[UUID, list[Any]] = {}  # events of linked facts (complaints, consents)
        self._store_had_facts = self.holds_case_data()

    def construct_personal_keys(self) -> Any:
        self._batched_keys = BatchedPersonalKeys(self.factory.datastore)  # type: ignore[attr-defined]
        return CachedPersonalKeys(self._batched_keys)

    def _make_keys(self, events: Sequence[Any]) -> None:
        """Make, in one statement, the key of every person whose personal data these events hold."""
        keys = getattr(self, "_batched_keys", None)
        if keys is None:
            return
        subjects = []
        for event in events:
            subject_field = getattr(type(event), "subject_field", None)
            if subject_field and getattr(type(event), "personal_fields", ()):
                subjects.append(getattr(event, subject_field))
        keys.create_many(subjects)

    # --- writing -------------------------------------------------------------------------

    def save(self, *objs: Any, **kwargs: Any) -> list:  # type: ignore[override]
        """Gather the aggregates' new events; they are written by `flush` (here when a batch is full)."""
        kwargs.pop("known_at_guard", None)  # one loader writing in time order: no fact races a decision
        if kwargs:
            raise TypeError("the bulk path saves aggregates only")
        for obj in objs:
            if obj is None:
                continue
            events = obj.collect_events()
            self._pending.extend(events)
            self._pending_ids.add(obj.id)
            if not isinstance(obj, PersonalText):  # never read back by a command: keep memory small
                self._known[obj.id] = obj
            for event in events:
                subject_field = LINKED_BY.get(type(event))
                if subject_field is not None:
                    self._links[getattr(event, subject_field)].append((event.timestamp, event.originator_id))
            if isinstance(obj, (Complaint, Consent)):
                self._history.setdefault(obj.id, []).extend(events)
        if len(self._pending) >= self.batch_events:
            self.flush()
        return []  # no notification ids yet: nothing here waits on the read models

    def flush(self) -> None:
        """Write every gathered event with one call of the library's save, in the order they were made."""
        if not self._pending:
            return
        events, self._pending = self._pending, []
        self._pending_ids = set()
        per_aggregate: dict[UUID, int] = defaultdict(int)
        for event in events:
            per_aggregate[event.originator_id] += 1
        started = time.perf_counter()
        self._make_keys(events)
        super().save(*events)
        self.flushes.append(
            Flush(len(events), len(per_aggregate), time.perf_counter() - started, list(per_aggregate.values()))
        )

    # --- reading what the commands need --------------------------------------------------

    def linked_facts(self, subject_ids: Sequence[UUID], as_known_at: datetime) -> list[UUID]:
        found = sorted(
            (recorded_at, fact_id)
            for subject_id in subject_ids
            for recorded_at, fact_id in self._links.get(subject_id, ())
            if recorded_at <= as_known_at
        )
        facts = [fact_id for _, fact_id in found]
        if self._store_had_facts:
            facts = list(dict.fromkeys([*super().linked_facts(subject_ids, as_known_at), *facts]))
        return facts

    def events_as_known_at(self, originator_ids: Sequence[UUID], as_known_at: datetime) -> list[Any]:
        in_memory = sorted(set(originator_ids) & self._history.keys())
        events = [e for id in in_memory for e in self._history[id] if e.timestamp <= as_known_at]
        others = [id for id in originator_ids if id not in self._history]
        if others:
            self.flush()
            events.extend(super().events_as_known_at(others, as_known_at))
            events.sort(key=lambda e: (e.originator_id, e.originator_version))
        return events

    def fact_versions_as_known_at(
        self, subject_ids: Sequence[UUID], fact_ids: Sequence[UUID], as_known_at: datetime
    ) -> list[tuple[UUID, int]]:
        ids = list(dict.fromkeys([*self.linked_facts(subject_ids, as_known_at), *fact_ids]))
        return [(e.originator_id, e.originator_version) for e in self.events_as_known_at(ids, as_known_at)]

    def versions_at(self, originator_ids: Sequence[UUID], as_known_at: datetime) -> dict[UUID, int]:
        self.flush()
        return super().versions_at(originator_ids, as_known_at)


class BulkCasework(Casework):
    """The casework, reading what this loader recorded from memory first (written or not)."""

    store: BulkStore

    def person_state(self, id: UUID) -> tuple[bool, bool]:
        known = self.store._known.get(id)
        if known is None:
            return super().person_state(id)
        return isinstance(known, Person), isinstance(known, Person) and known.erased

    def load(self, cls: type, id: UUID, *, what: str, version: int | None = None) -> Any:
        if version is None:
            aggregate = self.store._known.get(id)
            if aggregate is not None:
                if not isinstance(aggregate, cls):
                    raise NotFound(what, id)
                return aggregate
        if id in self.store._pending_ids:
            self.store.flush()
        return super().load(cls, id, what=what, version=version)


@dataclass
class BulkResult:
    steps: int
    events: int
    seconds: float
    flushes: list[Flush]

    @property
    def save_seconds(self) -> float:
        return sum(f.seconds for f in self.flushes)


def bulk_load(
    store: BulkStore,
    steps: Iterable[Any],
    *,
    progress: Callable[[int, int], None] | None = None,
) -> BulkResult:
    """Apply every step through the commands, saved in batches; `progress(steps, events)` every 1000 steps.

    Threshold decisions record the real assessment as known at their time (`Assessor` over the
    loader's in-memory facts), so a decision the rules refuse is refused here too.
    """
    assessor = Assessor(store, Policies(store))
    casework = BulkCasework(
        store, assess=lambda review, at: assessor.assess(review, at).to_dict(), policies=assessor.policies
    )
    first = len(store.flushes)

    started = time.perf_counter()
    count = 0
    for count, step in enumerate(steps, start=1):
        try:
            apply_step(casework, step)
        except Exception as error:
            raise RuntimeError(f"the generator's step {count} ({type(step).__name__}) was refused: {error}") from error
        if progress and count % 1000 == 0:
            progress(count, sum(f.events for f in store.flushes[first:]) + len(store._pending))
    store.flush()
    flushes = store.flushes[first:]
    events = sum(f.events for f in flushes)
    if progress:
        progress(count, events)
    return BulkResult(steps=count, events=events, seconds=time.perf_counter() - started, flushes=flushes)

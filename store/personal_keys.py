"""Each data subject's own encryption key, kept apart from the events it protects.

A person's names, contact details and free text are encrypted with their key before they reach
the event store (store/personal_data.py); erasing the person destroys the key, after which that
data can never be read again, while the events themselves stay as they were (crypto-shredding).

`PersonalKeys` is the whole interface the event store needs, so an external key management
service could stand in for the PostgreSQL table used by default.
"""

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Collection, Iterable
from contextlib import AbstractContextManager
from typing import Protocol
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.postgres import PostgresDatastore
from psycopg import Connection
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

KEY_BITS = 256
KEYS_TABLE = "personal_keys"
NOT_HELD = object()  # the cache has no fresh entry for this person

log = logging.getLogger(__name__)


class KeyDestroyed(Exception):
    """The person's key was destroyed: nothing can be encrypted for them any more."""

    def __init__(self, person_id: UUID) -> None:
        super().__init__(f"the key of person {person_id} was destroyed")
        self.person_id = person_id


class PersonalKeys(Protocol):
    def get(self, person_id: UUID) -> bytes | None:
        """The person's key; None when it was destroyed (or never made)."""

    def create(self, person_id: UUID) -> bytes:
        """The person's key, made now if they have none yet; `KeyDestroyed` if it was destroyed."""

    def destroy(self, person_id: UUID) -> bool:
        """Destroy the person's key for good; False when it was already destroyed."""


def keys_of(keys: PersonalKeys, person_ids: Iterable[UUID]) -> dict[UUID, bytes | None]:
    """Many people's keys at once: through `get_many` where the keys offer it (ours do), else one by one."""
    get_many = getattr(keys, "get_many", None)
    if get_many is not None:
        return get_many(person_ids)
    return {person_id: keys.get(person_id) for person_id in dict.fromkeys(person_ids)}


class PostgresPersonalKeys:
    """Keys in a table of their own, through the event store's connections (autocommit).

    A destroyed key leaves a row with no key, so that nothing new is ever encrypted for an
    erased person (their id alone is not personal data).
    """

    def __init__(self, datastore: PostgresDatastore) -> None:
        self.datastore = datastore
        self.table = Identifier(datastore.schema, KEYS_TABLE)  # made by the migrations (store/migrations/)

    def _connection(self) -> AbstractContextManager[Connection[DictRow]]:
        return self.datastore.get_connection()

    def get(self, person_id: UUID) -> bytes | None:
        with self._connection() as conn:
            row = conn.execute(
                SQL("SELECT key FROM {} WHERE person_id = %s").format(self.table), (person_id,)
            ).fetchone()
        return bytes(row["key"]) if row and row["key"] is not None else None

    def get_many(self, person_ids: Iterable[UUID]) -> dict[UUID, bytes | None]:
        """Each person's key (None: destroyed or never made), in one query."""
        ids = list(dict.fromkeys(person_ids))
        with self._connection() as conn:
            rows = conn.execute(
                SQL("SELECT person_id, key FROM {} WHERE person_id = ANY(%s)").format(self.table), (ids,)
            ).fetchall()
        found = {row["person_id"]: bytes(row["key"]) if row["key"] is not None else None for row in rows}
        return {person_id: found.get(person_id) for person_id in ids}

    def create(self, person_id: UUID) -> bytes:
        with self._connection() as conn:
            inserted = conn.execute(
                SQL(
                    "INSERT INTO {} (person_id, key) VALUES (%s, %s) ON CONFLICT (person_id) DO NOTHING RETURNING key"
                ).format(self.table),
                (person_id, AESGCM.generate_key(bit_length=KEY_BITS)),
            ).fetchone()
            if inserted is not None:
                return bytes(inserted["key"])
            row = conn.execute(
                SQL("SELECT key FROM {} WHERE person_id = %s").format(self.table), (person_id,)
            ).fetchone()
        if row["key"] is None:
            raise KeyDestroyed(person_id)
        return bytes(row["key"])

    def destroy(self, person_id: UUID) -> bool:
        with self._connection() as conn:
            destroyed = conn.execute(
                SQL(
                    "INSERT INTO {table} (person_id, key, destroyed_at) VALUES (%s, NULL, now())"
                    " ON CONFLICT (person_id) DO UPDATE SET key = NULL, destroyed_at = now()"
                    " WHERE {table}.destroyed_at IS NULL RETURNING person_id"
                ).format(table=self.table),
                (person_id,),
            ).fetchone()
            # The update leaves the old row version, key and all, on disk until a vacuum removes
            # it; do that now rather than whenever autovacuum comes round. (It cannot reach copies
            # already in the write-ahead log or in backups: those age out on their own schedule.)
            try:
                conn.execute(SQL("VACUUM {}").format(self.table))
            except Exception as error:  # the key is destroyed either way; autovacuum will follow
                log.warning("could not vacuum %s after destroying a key: %s", KEYS_TABLE, error)
        return destroyed is not None


class CachedPersonalKeys:
    """Recently used keys in memory, so reading many events of one person asks the store once.

    Bounded in size, and each entry is trusted only for `ttl_seconds`: a key destroyed by another
    process (an API worker, the retention job) stops being used here within that time.
    """

    def __init__(self, keys: PersonalKeys, max_size: int = 10_000, ttl_seconds: float = 60.0) -> None:
        self.keys = keys
        self.max_size = max_size
        self.ttl_seconds = ttl_seconds
        self._entries: OrderedDict[UUID, tuple[bytes | None, float]] = OrderedDict()
        self._lock = threading.Lock()

    def _cached(self, person_id: UUID) -> bytes | None | object:
        """The key held in memory (None: destroyed), or NOT_HELD."""
        with self._lock:
            entry = self._entries.get(person_id)
            if entry is None or entry[1] < time.monotonic():
                return NOT_HELD
            self._entries.move_to_end(person_id)
            return entry[0]

    def _remember(self, person_id: UUID, key: bytes | None) -> None:
        with self._lock:
            held = self._entries.get(person_id)
            if held is not None and held[0] is None:
                return  # destroyed while this key was being fetched: never bring it back
            self._entries[person_id] = (key, time.monotonic() + self.ttl_seconds)
            self._entries.move_to_end(person_id)
            while len(self._entries) > self.max_size:
                self._entries.popitem(last=False)

    def get(self, person_id: UUID) -> bytes | None:
        cached = self._cached(person_id)
        if cached is not NOT_HELD:
            return cached  # type: ignore[return-value]
        key = self.keys.get(person_id)
        self._remember(person_id, key)
        return key

    def get_many(self, person_ids: Iterable[UUID]) -> dict[UUID, bytes | None]:
        """Each person's key: those held from memory, the others in one look-up (remembered, as `get` does)."""
        keys: dict[UUID, bytes | None] = {}
        missing = []
        for person_id in dict.fromkeys(person_ids):
            cached = self._cached(person_id)
            if cached is NOT_HELD:
                missing.append(person_id)
            else:
                keys[person_id] = cached  # type: ignore[assignment]
        if missing:
            for person_id, key in keys_of(self.keys, missing).items():
                self._remember(person_id, key)
                keys[person_id] = key
        return keys

    def prefetch(self, person_ids: Collection[UUID]) -> None:
        """Fetch, in one query, the keys of `person_ids` not held yet (a batch of events about many people is
        then unsealed without a round trip each)."""
        self.get_many(list(dict.fromkeys(person_ids))[: self.max_size])

    def create(self, person_id: UUID) -> bytes:
        cached = self._cached(person_id)
        if isinstance(cached, bytes):
            return cached
        key = self.keys.create(person_id)
        self._remember(person_id, key)
        return key

    def destroy(self, person_id: UUID) -> bool:
        with self._lock:
            self._entries[person_id] = (None, time.monotonic() + self.ttl_seconds)
        return self.keys.destroy(person_id)

    def forget(self) -> None:
        """Drop every key held in memory."""
        with self._lock:
            self._entries.clear()

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
from contextlib import AbstractContextManager
from typing import Protocol
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.postgres import PostgresDatastore
from psycopg import Connection
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from store.cache_notices import PERSONAL_KEY, announce

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
            announce(conn, PERSONAL_KEY, str(person_id))  # every process forgets the key it holds
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

    Bounded in size. A key destroyed by another process (an API worker or host, the retention job,
    `people erase`) is announced (store/cache_notices.py) and dropped here as soon as it is heard
    (`destroyed_elsewhere`); each entry is trusted only for `ttl_seconds` in case a notice is lost.
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

    def destroyed_elsewhere(self, person_id: UUID) -> None:
        """Another process destroyed this person's key: never use it again (a fetch racing this cannot bring it back)."""
        with self._lock:
            self._entries[person_id] = (None, time.monotonic() + self.ttl_seconds)
            self._entries.move_to_end(person_id)

    def forget(self) -> None:
        """Drop every key held in memory."""
        with self._lock:
            self._entries.clear()

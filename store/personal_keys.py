"""Each data subject's own encryption key, kept apart from the events it protects.

A person's names, contact details and free text are encrypted with their key before they reach
the event store (store/personal_data.py); erasing the person destroys the key, after which that
data can never be read again, while the events themselves stay as they were (crypto-shredding).

`PersonalKeys` is the whole interface the event store needs, so an external key management
service could stand in for the PostgreSQL table used by default; within it, the keys are wrapped
under a key-encryption key held outside the database (store/key_encryption.py), whose own
interface (`KeyWrapper`) a KMS could implement instead.
"""

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import Protocol
from uuid import UUID

import psycopg
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.postgres import PostgresDatastore
from psycopg import Connection
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from store.cache_notices import PERSONAL_KEY, announce
from store.key_encryption import KeyEncryptionKeyError, KeyWrapper

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

    With a `wrapper` (store/key_encryption.py) each key is stored wrapped under the key-encryption
    key, which never enters the database, and `kek_id` names it; a key stored before one was
    configured (`kek_id` NULL) still reads, and `rewrap` wraps it. A destroyed key leaves a row with
    no key, so that nothing new is ever encrypted for an erased person (their id alone is not
    personal data).
    """

    def __init__(self, datastore: PostgresDatastore, wrapper: KeyWrapper | None = None) -> None:
        self.datastore = datastore
        self.wrapper = wrapper
        self.table = Identifier(datastore.schema, KEYS_TABLE)  # made by the migrations (store/migrations/)

    def _connection(self) -> AbstractContextManager[Connection[DictRow]]:
        return self.datastore.get_connection()

    def _stored(self, person_id: UUID, key: bytes) -> tuple[bytes, str | None]:
        """What goes in the row: the key wrapped and its KEK's id, or (no KEK configured) the key itself."""
        if self.wrapper is None:
            return key, None
        return self.wrapper.wrap(person_id, key), self.wrapper.kek_id

    def _key(self, person_id: UUID, stored: bytes, kek_id: str | None) -> bytes:
        if kek_id is None:
            return stored
        if self.wrapper is None or self.wrapper.kek_id != kek_id:
            raise KeyEncryptionKeyError(
                f"the key of person {person_id} is wrapped with key-encryption key {kek_id}, and "
                + ("none is configured" if self.wrapper is None else f"the one configured is {self.wrapper.kek_id}")
                + " (COMMUNITY_TRIGGER_KEY_ENCRYPTION_KEY or COMMUNITY_TRIGGER_KEY_ENCRYPTION_KEY_FILE)"
            )
        return self.wrapper.unwrap(person_id, stored)

    def get(self, person_id: UUID) -> bytes | None:
        with self._connection() as conn:
            row = conn.execute(
                SQL("SELECT key, kek_id FROM {} WHERE person_id = %s").format(self.table), (person_id,)
            ).fetchone()
        if row is None or row["key"] is None:
            return None
        return self._key(person_id, bytes(row["key"]), row["kek_id"])

    def get_many(self, person_ids: Iterable[UUID]) -> dict[UUID, bytes | None]:
        """Each person's key (None: destroyed or never made), in one query."""
        ids = list(dict.fromkeys(person_ids))
        with self._connection() as conn:
            rows = conn.execute(
                SQL("SELECT person_id, key, kek_id FROM {} WHERE person_id = ANY(%s)").format(self.table), (ids,)
            ).fetchall()
        found = {
            row["person_id"]: None
            if row["key"] is None
            else self._key(row["person_id"], bytes(row["key"]), row["kek_id"])
            for row in rows
        }
        return {person_id: found.get(person_id) for person_id in ids}

    def create(self, person_id: UUID) -> bytes:
        key = AESGCM.generate_key(bit_length=KEY_BITS)
        stored, kek_id = self._stored(person_id, key)
        with self._connection() as conn:
            inserted = conn.execute(
                SQL(
                    "INSERT INTO {} (person_id, key, kek_id) VALUES (%s, %s, %s) ON CONFLICT (person_id) DO NOTHING"
                    " RETURNING person_id"
                ).format(self.table),
                (person_id, stored, kek_id),
            ).fetchone()
            if inserted is not None:
                return key
            row = conn.execute(
                SQL("SELECT key, kek_id FROM {} WHERE person_id = %s").format(self.table), (person_id,)
            ).fetchone()
        if row["key"] is None:
            raise KeyDestroyed(person_id)
        return self._key(person_id, bytes(row["key"]), row["kek_id"])

    def destroy(self, person_id: UUID) -> bool:
        with self._connection() as conn:
            destroyed = conn.execute(
                SQL(
                    "INSERT INTO {table} (person_id, key, destroyed_at) VALUES (%s, NULL, now())"
                    " ON CONFLICT (person_id) DO UPDATE SET key = NULL, kek_id = NULL, destroyed_at = now()"
                    " WHERE {table}.destroyed_at IS NULL RETURNING person_id"
                ).format(table=self.table),
                (person_id,),
            ).fetchone()
            announce(conn, PERSONAL_KEY, str(person_id))  # every process forgets the key it holds
            if destroyed is not None:
                self._leave_no_copy(conn)
        return destroyed is not None

    def _leave_no_copy(self, conn: Connection[DictRow]) -> None:
        """After a key changed for good: no old version of its row left in the table or the live write-ahead log.

        The update leaves the old row version, key and all, on disk until a vacuum removes it: do that
        now rather than whenever autovacuum comes round. The key also went through the write-ahead log
        when it was written: switching to a new WAL segment and checkpointing lets PostgreSQL remove or
        recycle the segments that hold it (a recycled segment is overwritten as it is reused). Copies
        already archived or in backups age out on their own schedule (docs/operations.md). CHECKPOINT and
        pg_switch_wal need a superuser (or pg_checkpoint and a grant): without, say so and carry on.
        """
        for statement, what in (
            (SQL("VACUUM {}").format(self.table), "vacuum the personal keys"),
            (SQL("SELECT pg_switch_wal()"), "switch to a new write-ahead log segment"),
            (SQL("CHECKPOINT"), "force a checkpoint"),
        ):
            try:
                conn.execute(statement)
            except psycopg.Error as error:  # the key is destroyed either way
                log.warning(
                    "could not %s after a personal key was destroyed or rewrapped (%s): older copies stay in the "
                    "write-ahead log until PostgreSQL recycles it (docs/operations.md)", what, str(error).strip(),
                )  # fmt: skip

    def unwrapped(self) -> int:
        """How many keys are stored without the key-encryption key (before one was configured, or another's)."""
        current = self.wrapper.kek_id if self.wrapper is not None else None
        with self._connection() as conn:
            row = conn.execute(
                SQL("SELECT count(*) AS n FROM {} WHERE key IS NOT NULL AND kek_id IS DISTINCT FROM %s").format(
                    self.table
                ),
                (current,),
            ).fetchone()
        return row["n"]

    def wrapped_with(self) -> set[str]:
        """The ids of every key-encryption key some stored key is wrapped with."""
        with self._connection() as conn:
            rows = conn.execute(
                SQL("SELECT DISTINCT kek_id FROM {} WHERE kek_id IS NOT NULL").format(self.table)
            ).fetchall()
        return {row["kek_id"] for row in rows}

    def rewrap(self, previous: KeyWrapper | None = None, batch: int = 1000) -> int:
        """Wrap with this store's key-encryption key every key stored unwrapped, or wrapped with `previous`
        (a rotation); returns how many. In batches, each its own transaction, rows locked as they go, so
        processes doing it at once share the work."""
        if self.wrapper is None:
            raise KeyEncryptionKeyError("no key-encryption key is configured to wrap the keys with")
        done = 0
        while True:
            with self._connection() as conn, conn.transaction():
                rows = conn.execute(
                    SQL(
                        "SELECT person_id, key, kek_id FROM {} WHERE key IS NOT NULL AND (kek_id IS NULL OR kek_id = %s)"
                        " LIMIT %s FOR UPDATE SKIP LOCKED"
                    ).format(self.table),
                    (previous.kek_id if previous is not None else None, batch),
                ).fetchall()
                for row in rows:
                    person_id, stored = row["person_id"], bytes(row["key"])
                    key = stored if row["kek_id"] is None else previous.unwrap(person_id, stored)  # type: ignore[union-attr]
                    wrapped, kek_id = self._stored(person_id, key)
                    conn.execute(
                        SQL("UPDATE {} SET key = %s, kek_id = %s WHERE person_id = %s").format(self.table),
                        (wrapped, kek_id, person_id),
                    )
            done += len(rows)
            if len(rows) < batch:
                break
        if done:
            with self._connection() as conn:
                self._leave_no_copy(conn)
        return done


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

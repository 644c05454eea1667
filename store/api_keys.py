"""API keys: random secrets shown once, stored only as hashes, each with a role (and an agency for `agency`).

A key reads `ct_<key id>_<secret>`. The key id is public (it names the actor on every event the
key causes); the secret is 32 random bytes, so a plain SHA-256 of it is safe to store. Keys live
in the `api_keys` table (made by the migrations, store/migrations/).

A key that authenticated is remembered in memory (by its id, with its hash), so a busy partner's
requests do not each look it up. A revocation is announced to every process on the database
(store/cache_notices.py), in the revoking transaction, and each forgets the key as it hears it, so
a key revoked anywhere (another API process or host, `community-trigger keys revoke`) is refused
everywhere at once; `CACHE_SECONDS` only bounds how long a key is trusted should a notice be lost.
Unknown, wrong or revoked keys are never remembered: each is looked up again.
"""

import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime

from psycopg_pool import ConnectionPool

from domain.actor import Actor
from domain.complaints import AGENCY_SLUG
from domain.vocabulary import Role
from store.cache_notices import API_KEY, announce

KEY_PATTERN = re.compile(r"^ct_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
CACHE_SECONDS = 30.0  # how long an authenticated key is trusted without asking the database, had a notice been lost


class KeyError_(ValueError):
    """A key that cannot be created as asked (for example an agency key without its agency)."""


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    role: Role
    agency: str | None
    label: str | None
    created_at: datetime
    revoked_at: datetime | None

    @property
    def actor(self) -> Actor:
        return Actor(key_id=self.key_id, role=self.role, agency=self.agency)


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


class KeyStore:
    def __init__(self, pool: ConnectionPool, cache_seconds: float = CACHE_SECONDS) -> None:
        self.pool = pool  # its connections return dict rows
        self.cache_seconds = cache_seconds
        # key id -> (the secret's SHA-256, the key, when the entry stops being trusted)
        self._verified: dict[str, tuple[bytes, ApiKey, float]] = {}
        self._revocations = 0  # counts revokes here, so a lookup racing one is not remembered
        self._lock = threading.Lock()

    def _connect(self):
        return self.pool.connection()

    def create(self, role: Role, agency: str | None = None, label: str | None = None) -> tuple[ApiKey, str]:
        """Create a key; returns it and the plaintext key, which is never stored."""
        if role is Role.AGENCY and not agency:
            raise KeyError_("an agency key needs --agency (for example hampshire-constabulary)")
        if role is not Role.AGENCY and agency:
            raise KeyError_("only an agency key belongs to an agency")
        if agency and not AGENCY_SLUG.match(agency):
            raise KeyError_("the agency is a lower-case slug such as hampshire-constabulary")
        with self._connect() as conn:
            return self._insert(conn, role, agency, label)

    def _insert(self, conn, role: Role, agency: str | None, label: str | None) -> tuple[ApiKey, str]:
        key_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        row = conn.execute(
            "INSERT INTO api_keys (key_id, secret_sha256, role, agency, label) VALUES (%s, %s, %s, %s, %s) RETURNING *",
            (key_id, _digest(secret), role.value, agency, label),
        ).fetchone()
        return self._key(row), f"ct_{key_id}_{secret}"

    def replace(self, role: Role, label: str) -> tuple[ApiKey, str, list[str]]:
        """A new key of `role` labelled `label`, revoking the active ones of that role and label: the new
        key, its plaintext, and the ids revoked. `serve --demo` gives each start its own coordinator key
        this way, so only the latest start's works. Two at once take turns (a lock on the label)."""
        if role is Role.AGENCY:
            raise KeyError_("an agency key is created with its agency, not replaced by label")
        with self._connect() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('api_keys ' || %s))", (label,))
            revoked = [
                row["key_id"]
                for row in conn.execute(
                    "UPDATE api_keys SET revoked_at = now() WHERE role = %s AND label = %s AND revoked_at IS NULL"
                    " RETURNING key_id",
                    (role.value, label),
                )
            ]
            for key_id in revoked:
                announce(conn, API_KEY, key_id)
            key, secret = self._insert(conn, role, None, label)
        for key_id in revoked:
            self.forget(key_id)
        return key, secret, revoked

    def cached(self, presented: str) -> ApiKey | None:
        """The key if it authenticated within `cache_seconds` (no database query); else None: ask `authenticate`."""
        match = KEY_PATTERN.match(presented.strip())
        if not match:
            return None
        key_id, secret = match.groups()
        entry = self._verified.get(key_id)
        if entry is None or entry[2] < time.monotonic():
            return None
        return entry[1] if hmac.compare_digest(entry[0], _digest(secret)) else None

    def authenticate(self, presented: str) -> ApiKey | None:
        key = self.cached(presented)
        if key is not None:
            return key
        match = KEY_PATTERN.match(presented.strip())
        if not match:
            return None
        key_id, secret = match.groups()
        asked_at, revocations = time.monotonic(), self._revocations
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM api_keys WHERE key_id = %s", (key_id,)).fetchone()
        if row is None or row["revoked_at"] is not None:
            return None
        digest = _digest(secret)
        if not hmac.compare_digest(bytes(row["secret_sha256"]), digest):
            return None
        key = self._key(row)
        with self._lock:
            if revocations == self._revocations:  # no key was revoked here while this one was looked up
                self._verified[key_id] = (digest, key, asked_at + self.cache_seconds)
        return key

    def last_written(self, key_id: str) -> int:
        """The position of the key's last write, by any process (0: none): moved with the events (store/recorder.py)."""
        with self._connect() as conn:
            row = conn.execute("SELECT position FROM api_key_positions WHERE key_id = %s", (key_id,)).fetchone()
        return row["position"] if row else 0

    def list(self) -> list[ApiKey]:
        with self._connect() as conn:
            return [self._key(row) for row in conn.execute("SELECT * FROM api_keys ORDER BY created_at, key_id")]

    def revoke(self, key_id: str) -> bool:
        with self._connect() as conn:
            cur = conn.execute(
                "UPDATE api_keys SET revoked_at = now() WHERE key_id = %s AND revoked_at IS NULL", (key_id,)
            )
            announce(conn, API_KEY, key_id)  # heard by every process once this commits
        self.forget(key_id)
        return cur.rowcount == 1

    def forget(self, key_id: str) -> None:
        """Stop trusting the key held in memory (revoked here or elsewhere); a lookup racing this is not kept."""
        with self._lock:
            self._revocations += 1
            self._verified.pop(key_id, None)

    def forget_all(self) -> None:
        with self._lock:
            self._revocations += 1
            self._verified.clear()

    @staticmethod
    def _key(row: dict) -> ApiKey:
        return ApiKey(
            key_id=row["key_id"], role=Role(row["role"]), agency=row["agency"], label=row["label"],
            created_at=row["created_at"], revoked_at=row["revoked_at"],
        )  # fmt: skip

"""The key-encryption key: each person's key is stored wrapped under a key that never enters the database.

Each person's personal data is encrypted under their own key (store/personal_keys.py), and erasing
them destroys that key. But the keys sit in the database, so a copy of the database (a dump, a backup,
a standby, the write-ahead log) taken before an erasure could read the person for as long as the copy
lives. Wrapped with AES-GCM under a key-encryption key (KEK) held elsewhere (an environment variable
or a file, a secret store's), a copy of the database alone decrypts nothing; and a wrapped key is
bound to its person's id, so it cannot be moved to another person's row.

`KeyWrapper` is all PostgresPersonalKeys needs: a key management service (AWS KMS, Vault's transit
engine) can implement it instead, with the person id as its encryption context.
"""

import base64
import binascii
import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path
from typing import Protocol
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

log = logging.getLogger(__name__)

KEK_BYTES = 32
NONCE_BYTES = 12
KEK_FILE_NAME = "key-encryption-key"  # in the embedded PostgreSQL's data directory, beside pgdata/ (not in it)
MAKE_ONE = 'python -c "import base64, os; print(base64.b64encode(os.urandom(32)).decode())"'


class KeyEncryptionKeyError(RuntimeError):
    """The key-encryption key is missing, malformed, or not the one the stored keys were wrapped with."""


class KeyWrapper(Protocol):
    kek_id: str  # names the key-encryption key (never the key itself), stored beside each wrapped key

    def wrap(self, person_id: UUID, key: bytes) -> bytes:
        """`key` encrypted for storage, bound to `person_id`."""

    def unwrap(self, person_id: UUID, wrapped: bytes) -> bytes:
        """The key `wrap` was given; KeyEncryptionKeyError when it does not decrypt."""


class LocalKeyEncryptionKey:
    """A 256-bit KEK held by this process (from COMMUNITY_TRIGGER_KEY_ENCRYPTION_KEY or its file)."""

    def __init__(self, kek: bytes) -> None:
        if len(kek) != KEK_BYTES:
            raise KeyEncryptionKeyError(f"a key-encryption key is {KEK_BYTES} random bytes; make one with: {MAKE_ONE}")
        self._aead = AESGCM(kek)
        self._kek = kek
        self.kek_id = hmac.new(kek, b"community-trigger key-encryption key id", hashlib.sha256).hexdigest()[:16]

    @classmethod
    def from_base64(cls, text: str, where: str) -> "LocalKeyEncryptionKey":
        try:
            return cls(base64.b64decode(text.strip(), validate=True))
        except (binascii.Error, KeyEncryptionKeyError):
            raise KeyEncryptionKeyError(
                f"{where} is not a key-encryption key: 32 random bytes in base64; make one with: {MAKE_ONE}"
            ) from None

    def wrap(self, person_id: UUID, key: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, key, person_id.bytes)

    def unwrap(self, person_id: UUID, wrapped: bytes) -> bytes:
        try:
            return self._aead.decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], person_id.bytes)
        except InvalidTag:
            raise KeyEncryptionKeyError(
                f"the key of person {person_id} does not decrypt under key-encryption key {self.kek_id}"
            ) from None

    def derive(self, purpose: str) -> bytes:
        """A secret of its own for `purpose` (the idempotency HMAC), derived so that neither reveals the other."""
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(self._kek)


def load_key_encryption_key(value: str | None, path: str | Path | None) -> LocalKeyEncryptionKey | None:
    """The KEK given in base64 (`value`), or read from the file at `path`; None when neither is given."""
    if value:
        return LocalKeyEncryptionKey.from_base64(value, "COMMUNITY_TRIGGER_KEY_ENCRYPTION_KEY")
    if path:
        try:
            text = Path(path).read_text()
        except OSError as error:
            raise KeyEncryptionKeyError(f"cannot read the key-encryption key file {path}: {error.strerror}") from None
        return LocalKeyEncryptionKey.from_base64(text, f"the file {path}")
    return None


def ensure_key_file(data_dir: Path) -> Path:
    """The embedded demo's KEK file in `data_dir` (made now, readable by this user only, if missing)."""
    path = data_dir / KEK_FILE_NAME
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(base64.b64encode(secrets.token_bytes(KEK_BYTES)).decode() + "\n")
        log.info("made a key-encryption key for the personal keys in %s: keep it out of database backups", path)
    return path

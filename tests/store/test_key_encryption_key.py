"""Erasure is final: a copy of the database (dump, backup, WAL) without the key-encryption key decrypts nothing.

Each person's key is stored wrapped under a key-encryption key (KEK) that never enters the database
(store/key_encryption.py). Keys stored before a KEK was configured keep working, and are wrapped at the
next start or by `community-trigger keys rewrap`; a change of KEK is a rewrap with the previous one given.
After an erasure the service vacuums the keys, switches WAL segment and checkpoints, or says why it could
not. (The Idempotency-Key table's HMAC: tests/api/test_idempotency_hmac.py.)
"""

import base64
import logging
import os
import secrets
from contextlib import contextmanager
from datetime import UTC, datetime
from uuid import UUID, uuid4

import psycopg
import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from psycopg import sql
from psycopg.rows import dict_row

from domain.actor import SYSTEM
from domain.people import Contact
from service.bootstrap import open_store
from service.commands import ErasePerson, RegisterPerson
from store.database import scratch_database
from store.event_store import KEK_VARIABLE
from store.key_encryption import KeyEncryptionKeyError, LocalKeyEncryptionKey, ensure_key_file
from store.personal_data import NONCE_BYTES, SEALED_FIELD
from store.personal_keys import PostgresPersonalKeys


def _kek() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


@contextmanager
def configured(monkeypatch, kek: str | None):
    """The environment of a process with this key-encryption key (None: none configured)."""
    with monkeypatch.context() as patch:
        patch.setenv(KEK_VARIABLE, kek or "")
        patch.delenv(f"{KEK_VARIABLE}_FILE", raising=False)
        yield


def _register(store, name: str) -> UUID:
    from service.casework import Casework

    casework = Casework(store, assess=lambda review, at: None)
    contact = Contact(phone="07700 900111", email=None, address=None)
    return casework.handle(RegisterPerson(display_name=name, contact=contact), actor=SYSTEM, now=datetime.now(UTC)).id


def _erase(store, person_id: UUID) -> None:
    from domain.people import ErasureReason
    from service.casework import Casework

    Casework(store, assess=lambda review, at: None).handle(
        ErasePerson(person_id, ErasureReason.SUBJECT_REQUEST), actor=SYSTEM, now=datetime.now(UTC)
    )


def _rows(url: str, person_id: UUID) -> tuple[dict, bytes]:
    """What a copy of the database holds for the person: their key's row and their first event's body."""
    with psycopg.connect(url, row_factory=dict_row) as conn:
        key_row = conn.execute("SELECT key, kek_id FROM personal_keys WHERE person_id = %s", (person_id,)).fetchone()
        state = conn.execute(
            "SELECT state FROM community_trigger_events WHERE originator_id = %s AND originator_version = 1",
            (person_id,),
        ).fetchone()["state"]
    return key_row, bytes(state)


def _open_sealed(key: bytes, person_id: UUID, state: bytes) -> dict:
    """The person's sealed fields, decrypted with `key` as the mapper does (store/personal_data.py)."""
    import json

    sealed = base64.b64decode(json.loads(state)[SEALED_FIELD])
    plain = AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], f"{person_id}/1".encode())
    return json.loads(plain)


def test_a_copy_of_the_keys_and_events_without_the_kek_decrypts_nothing_and_with_it_does(server_url, monkeypatch):
    kek = _kek()
    with scratch_database(server_url, "ct_kek_copy") as url:
        with configured(monkeypatch, kek):
            store = open_store(url)
            try:
                person = _register(store, "Ottoline Copied")
            finally:
                store.close()
        key_row, state = _rows(url, person)  # a copy: the rows, as a dump or a backup holds them
        assert key_row["kek_id"] == LocalKeyEncryptionKey.from_base64(kek, "test").kek_id
        assert b"Ottoline" not in state and b"Ottoline".hex().encode() not in bytes(key_row["key"]).hex().encode()
        stored = bytes(key_row["key"])
        for guess in (stored, stored[:32], stored[-32:], stored[12:44]):  # the stored bytes as a key: no
            with pytest.raises((InvalidTag, ValueError)):
                _open_sealed(guess, person, state)
        with pytest.raises(KeyEncryptionKeyError):  # another KEK: no
            LocalKeyEncryptionKey.from_base64(_kek(), "another").unwrap(person, stored)
        key = LocalKeyEncryptionKey.from_base64(kek, "the KEK").unwrap(person, stored)  # the KEK: yes
        assert _open_sealed(key, person, state)["display_name"] == "Ottoline Copied"


def test_a_store_is_not_opened_without_the_kek_its_keys_are_wrapped_with(server_url, monkeypatch, capsys):
    from cli.main import main

    kek = _kek()
    with scratch_database(server_url, "ct_kek_refused") as url:
        with configured(monkeypatch, kek):
            open_store(url).close()
            store = open_store(url)
            person = _register(store, "Wrapped Once")
            store.close()
        for other in (None, _kek()):
            with configured(monkeypatch, other), pytest.raises(KeyEncryptionKeyError, match="wrapped with key-encr"):
                open_store(url)
        with configured(monkeypatch, _kek()):
            monkeypatch.setenv("DATABASE_URL", url)
            assert main(["projections", "rebuild", "case_list"]) == 2
            assert "key-encryption key" in capsys.readouterr().err
        with configured(monkeypatch, kek):
            store = open_store(url)
            try:
                from service.casework import Casework

                assert Casework(store, assess=lambda r, a: None).person(person).display_name == "Wrapped Once"
            finally:
                store.close()


def test_keys_stored_unwrapped_keep_working_and_are_wrapped_at_the_next_start_with_a_kek(server_url, monkeypatch):
    from service.casework import Casework

    kek = _kek()
    with scratch_database(server_url, "ct_kek_later") as url:
        with configured(monkeypatch, None):
            store = open_store(url)
            person = _register(store, "Before The Kek")
            store.close()
        assert _rows(url, person)[0]["kek_id"] is None and len(_rows(url, person)[0]["key"]) == 32
        with configured(monkeypatch, kek):
            store = open_store(url)  # wraps it
            try:
                assert Casework(store, assess=lambda r, a: None).person(person).display_name == "Before The Kek"
                assert store.personal_keys.keys.unwrapped() == 0
            finally:
                store.close()
        key_row, _ = _rows(url, person)
        assert key_row["kek_id"] is not None and len(key_row["key"]) == 12 + 32 + 16


def test_keys_rewrap_wraps_unwrapped_keys_and_changes_the_kek_given_the_previous_one(
    server_url, monkeypatch, tmp_path, capsys
):
    from cli.main import main
    from service.casework import Casework

    old, new = _kek(), _kek()
    with scratch_database(server_url, "ct_kek_rewrap") as url:
        monkeypatch.setenv("DATABASE_URL", url)
        with configured(monkeypatch, None):
            store = open_store(url)
            first = _register(store, "Rewrapped First")
            store.close()
        with configured(monkeypatch, old):
            assert main(["keys", "rewrap"]) == 0
            assert "Wrapped 1 personal key(s)" in capsys.readouterr().out
            store = open_store(url)
            second = _register(store, "Rewrapped Second")
            store.close()
        previous = tmp_path / "old-kek"
        previous.write_text(old)
        with configured(monkeypatch, new):
            assert main(["keys", "rewrap", "--previous-key-file", str(previous)]) == 0
            assert "Wrapped 2 personal key(s)" in capsys.readouterr().out
            store = open_store(url)
            try:
                casework = Casework(store, assess=lambda r, a: None)
                assert [casework.person(p).display_name for p in (first, second)] == [
                    "Rewrapped First", "Rewrapped Second",
                ]  # fmt: skip
            finally:
                store.close()


def test_the_embedded_demo_makes_its_kek_once_in_the_data_directory_readable_by_its_user_only(tmp_path, monkeypatch):
    from cli.main import _embedded_key_encryption_key

    monkeypatch.delenv(KEK_VARIABLE, raising=False)
    monkeypatch.delenv(f"{KEK_VARIABLE}_FILE", raising=False)
    _embedded_key_encryption_key(tmp_path)
    path = tmp_path / "key-encryption-key"
    assert os.environ[f"{KEK_VARIABLE}_FILE"] == str(path) and (path.stat().st_mode & 0o777) == 0o600
    made = path.read_text()
    LocalKeyEncryptionKey.from_base64(made, "the file")
    assert ensure_key_file(tmp_path) == path and path.read_text() == made  # kept, never replaced


def _checkpoint_and_segment(url: str) -> tuple[str, str]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT (SELECT checkpoint_lsn::text FROM pg_control_checkpoint()), pg_walfile_name(pg_current_wal_lsn())"
        ).fetchone()


def test_an_erasure_switches_the_wal_segment_and_checkpoints(server_url, monkeypatch):
    with scratch_database(server_url, "ct_kek_wal") as url, configured(monkeypatch, _kek()):
        store = open_store(url)
        try:
            person = _register(store, "Out Of The Wal")
            checkpoint, segment = _checkpoint_and_segment(url)
            _erase(store, person)
            after_checkpoint, after_segment = _checkpoint_and_segment(url)
        finally:
            store.close()
        assert after_segment != segment and after_checkpoint != checkpoint
        assert _rows(url, person)[0] == {"key": None, "kek_id": None}


class _Datastore:
    """A datastore for PostgresPersonalKeys whose connections belong to a role that is not a superuser."""

    schema = "public"

    def __init__(self, url: str) -> None:
        self.url = url

    @contextmanager
    def get_connection(self):
        with psycopg.connect(self.url, autocommit=True, row_factory=dict_row) as conn:
            yield conn


def test_without_the_right_to_checkpoint_an_erasure_still_destroys_the_key_and_says_why(server_url, caplog):
    role = f"ct_plain_{secrets.token_hex(4)}"
    with scratch_database(server_url, "ct_kek_plain") as url:
        from store.schema import migrate

        migrate(url)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
            conn.execute(sql.SQL("GRANT ALL ON personal_keys TO {}").format(sql.Identifier(role)))
        try:
            plain_url = psycopg.conninfo.make_conninfo(url, user=role)
            keys = PostgresPersonalKeys(_Datastore(plain_url), LocalKeyEncryptionKey(secrets.token_bytes(32)))
            person = uuid4()
            keys.create(person)
            with caplog.at_level(logging.WARNING, logger="store.personal_keys"):
                assert keys.destroy(person) is True
            assert keys.get(person) is None
            said = " ".join(record.getMessage() for record in caplog.records)
            assert (
                "could not switch to a new write-ahead log segment" in said and "could not force a checkpoint" in said
            )
        finally:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
                conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))

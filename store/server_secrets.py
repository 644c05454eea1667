"""Secrets the service makes for itself when none is configured, kept in the database (`server_secrets`).

Only a fallback: a secret in the database protects nothing against a copy of the database. Configure
COMMUNITY_TRIGGER_IDEMPOTENCY_SECRET, or a key-encryption key it is derived from (store/key_encryption.py),
and this is never used. Every process on the database reads the same one, made by whichever asked first.
"""

import secrets

from psycopg_pool import ConnectionPool


def server_secret(pool: ConnectionPool, name: str) -> bytes:
    with pool.connection() as conn:
        conn.execute(
            "INSERT INTO server_secrets (name, secret) VALUES (%s, %s) ON CONFLICT (name) DO NOTHING",
            (name, secrets.token_bytes(32)),
        )
        row = conn.execute("SELECT secret FROM server_secrets WHERE name = %s", (name,)).fetchone()
    return bytes(row["secret"])

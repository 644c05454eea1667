-- Personal keys wrapped under a key-encryption key held outside the database; idempotency bodies kept as an HMAC.
--
-- personal_keys.kek_id names the key-encryption key a key is wrapped with (store/key_encryption.py);
-- NULL: stored unwrapped, as before this migration (`community-trigger keys rewrap`, or the next start
-- with a key-encryption key configured, wraps those).
--
-- api_idempotency kept a plain SHA-256 of each write's body, personal data included, which anyone with
-- a copy of the database could test guesses against; it now keeps an HMAC under a server secret
-- (api/idempotency.py). The plain digests kept so far are wiped: an Idempotency-Key sent again within
-- its 24 hours is then refused (422) rather than replayed, and records nothing either way.
--
-- server_secrets holds the HMAC's secret only when neither COMMUNITY_TRIGGER_IDEMPOTENCY_SECRET nor a
-- key-encryption key is configured (as strong as the unwrapped keys beside it: not against a copy).
-- depends: 0007_key_positions

ALTER TABLE personal_keys ADD COLUMN IF NOT EXISTS kek_id text;

CREATE INDEX IF NOT EXISTS personal_keys_unwrapped ON personal_keys (person_id) WHERE key IS NOT NULL AND kek_id IS NULL;

ALTER TABLE api_idempotency RENAME COLUMN request_sha256 TO request_hmac;

UPDATE api_idempotency SET request_hmac = ''::bytea;

CREATE TABLE IF NOT EXISTS server_secrets (
    name text PRIMARY KEY,
    secret bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Write receipts (0002) name their request by the same digest, an HMAC from now on: those kept under a
-- plain SHA-256 could never match again, and are needed a day at most.
DELETE FROM write_receipts;

-- Each API key's last written position, so a read through any process waits for its caller's own writes.
--
-- Upserted with the events themselves, in the same statement (store/recorder.py): a write's position
-- is known to every process the moment it commits. Read by api/consistency.py before a read-model query.
-- depends: 0006_webhooks

CREATE TABLE IF NOT EXISTS api_key_positions (
    key_id text PRIMARY KEY,
    position bigint NOT NULL,
    written_at timestamptz NOT NULL DEFAULT now()
);

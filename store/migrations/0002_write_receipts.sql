-- Exactly-once writes under an Idempotency-Key, even when the answer could not be kept after the
-- commit (api/idempotency.py takes over a claim abandoned mid-write and runs the write again).
--
-- Each write made under a key leaves a receipt in the same transaction as its events: the key,
-- the request's digest, and the version of the object it wrote. (The digest is part of the
-- receipt's key: once a key has expired, 24 hours on, it may carry another write.) Run again, the write is refused by the receipt ('CT003',
-- ALREADY_RECORDED in store/recorder.py) and answered from it (service/casework.py), so it is
-- recorded once whatever happens between the commit and the answer. Receipts are kept as long as
-- the keys (24 hours).
-- depends: 0001_baseline

CREATE TABLE "public"."write_receipts" (
    key_id text NOT NULL,
    idempotency_key text NOT NULL,
    request_digest bytea NOT NULL,
    subject_id uuid NOT NULL,
    subject_version bigint NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (key_id, idempotency_key, request_digest)
);

CREATE INDEX write_receipts_by_time ON "public"."write_receipts" (recorded_at);

-- The insert function takes the receipts beside the rest: the old signature goes.
DROP FUNCTION "public"."community_trigger_insert_events"(
    "public"."stored_event_uuid"[], uuid[], bigint[], timestamptz[], uuid[], uuid[], timestamptz[], bigint, uuid[],
    timestamptz
);

-- As in 0001, with the receipts checked and kept before the events are written.
CREATE FUNCTION "public"."community_trigger_insert_events"(
    events "public"."stored_event_uuid"[], ids uuid[], versions bigint[], stamps timestamptz[],
    subjects uuid[], facts uuid[], linked_at timestamptz[],
    read_position bigint, guarded uuid[], known_at timestamptz,
    receipt_key_ids text[], receipt_keys text[], receipt_digests bytea[], receipt_subjects uuid[],
    receipt_versions bigint[]
) RETURNS SETOF bigint LANGUAGE plpgsql AS $body$
DECLARE
    kept integer;
BEGIN
    SET LOCAL lock_timeout = '10s';
    -- Every earlier writer has committed, and no later one commits before this one.
    LOCK TABLE "public"."community_trigger_events" IN EXCLUSIVE MODE;
    -- A fact stamped at or before the moment a recorded decision read as known.
    IF EXISTS (
        SELECT 1 FROM unnest(ids, stamps) AS n(id, at)
        WHERE EXISTS (SELECT 1 FROM "public"."known_at_marks" AS m WHERE m.subject_id = n.id AND m.known_at >= n.at)
           OR EXISTS (SELECT 1 FROM "public"."fact_links" AS l JOIN "public"."known_at_marks" AS m ON m.subject_id = l.subject_id
                      WHERE l.fact_id = n.id AND m.known_at >= n.at)
    ) THEN
        RAISE EXCEPTION USING ERRCODE = 'CT002',
            MESSAGE = 'a threshold decision already recorded what was known at this moment';
    END IF;
    IF guarded IS NOT NULL THEN
        -- Facts of the decision's subjects (their links, or their own events) committed after its read.
        IF EXISTS (
            SELECT 1 FROM "public"."community_trigger_events" AS e WHERE e.notification_id > read_position
              AND (e.originator_id = ANY(guarded)
                   OR e.originator_id IN (SELECT fact_id FROM "public"."fact_links" WHERE subject_id = ANY(guarded)))
        ) THEN
            RAISE EXCEPTION USING ERRCODE = '23CT1',
                MESSAGE = 'facts the decision relied on changed after it read them';
        END IF;
        INSERT INTO "public"."known_at_marks" (subject_id, known_at) SELECT unnest(guarded), known_at
            ON CONFLICT (subject_id) DO UPDATE SET known_at = greatest("public"."known_at_marks".known_at, EXCLUDED.known_at);
    END IF;
    IF receipt_key_ids IS NOT NULL THEN
        -- A write sent again under the same Idempotency-Key after it committed (its answer was lost):
        -- its receipt is there, so it is refused, and the caller answers from the receipt instead.
        INSERT INTO "public"."write_receipts" (key_id, idempotency_key, request_digest, subject_id, subject_version)
            SELECT * FROM unnest(receipt_key_ids, receipt_keys, receipt_digests, receipt_subjects, receipt_versions)
            ON CONFLICT DO NOTHING;
        GET DIAGNOSTICS kept = ROW_COUNT;
        IF kept < cardinality(receipt_key_ids) THEN
            RAISE EXCEPTION USING ERRCODE = 'CT003',
                MESSAGE = 'a write with this Idempotency-Key was already recorded';
        END IF;
    END IF;
    INSERT INTO "public"."event_timeline" (originator_id, originator_version, recorded_at)
        SELECT * FROM unnest(ids, versions, stamps);
    INSERT INTO "public"."fact_links" (subject_id, fact_id, recorded_at)
        SELECT * FROM unnest(subjects, facts, linked_at) ON CONFLICT DO NOTHING;
    NOTIFY "community_trigger_events";
    RETURN QUERY INSERT INTO "public"."community_trigger_events" (originator_id, originator_version, topic, state)
        SELECT e.originator_id, e.originator_version, e.topic, e.state FROM unnest(events) AS e
        RETURNING notification_id;
END
$body$;

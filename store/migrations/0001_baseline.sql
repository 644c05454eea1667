-- The schema as the code of main created it at start-up until 2026-12-03 (commit cc23c6a), now in one place.
--
-- It applies to an empty database and to one made by that code alike (IF NOT EXISTS, CREATE OR
-- REPLACE), and leaves both the same. Names and shapes are exactly what that code made, so that
-- its data reads as before. What each table is for is said where it is used: store/recorder.py
-- (the library's events, event_timeline, fact_links, known_at_marks and the insert function),
-- store/personal_keys.py, store/api_keys.py, api/idempotency.py, api/audit.py and projections/.

-- The eventsourcing library's events table, composite type, index and insert function, exactly as
-- its PostgresApplicationRecorder (9.5) creates them for the application `community_trigger` in
-- schema public; store_environment turns the library's own creating off (CREATE_TABLE=n).
-- tests/store/test_migrations.py compares them with what the library creates.
CREATE TABLE IF NOT EXISTS "public"."community_trigger_events" (originator_id "uuid" NOT NULL, originator_version bigint NOT NULL, topic text, state bytea, notification_id bigserial, PRIMARY KEY (originator_id, originator_version)) WITH (    autovacuum_enabled = true,    autovacuum_vacuum_threshold = 100000000,    autovacuum_vacuum_scale_factor = 0.5,    autovacuum_analyze_threshold = 1000,    autovacuum_analyze_scale_factor = 0.01);

DO $create_type$
BEGIN
    CREATE TYPE "public"."stored_event_uuid" AS (originator_id "uuid", originator_version bigint, topic text, state bytea);
EXCEPTION WHEN duplicate_object THEN
    NULL;  -- made by the library before the migrations
END
$create_type$;

CREATE UNIQUE INDEX IF NOT EXISTS "community_trigger_events_notification_id_idx" ON "public"."community_trigger_events" (notification_id ASC);

-- The library's lock timeout is POSTGRES_LOCK_TIMEOUT (10 s, store/event_store.py); its NOTIFY
-- channel is the events table's name (the recorder's channel_name), which the runner LISTENs on.
CREATE OR REPLACE FUNCTION "public"."es_insert_events_uuid"(events "public"."stored_event_uuid"[]) RETURNS SETOF bigint LANGUAGE plpgsql AS $BODY$BEGIN    SET LOCAL lock_timeout = '10s';    NOTIFY "community_trigger_events";    RETURN QUERY    INSERT INTO "public"."community_trigger_events" AS t (    originator_id, originator_version, topic, state)    SELECT originator_id, originator_version, topic, state    FROM unnest(events)    RETURNING notification_id;END;$BODY$;

-- Beside each event, in the same transaction: its recorded time, and the subject a fact belongs to.
CREATE TABLE IF NOT EXISTS "public"."event_timeline" ( originator_id uuid NOT NULL, originator_version bigint NOT NULL, recorded_at timestamptz NOT NULL, PRIMARY KEY (originator_id, originator_version));

CREATE TABLE IF NOT EXISTS "public"."fact_links" ( subject_id uuid NOT NULL, fact_id uuid NOT NULL, recorded_at timestamptz NOT NULL, PRIMARY KEY (subject_id, fact_id));

CREATE INDEX IF NOT EXISTS fact_links_by_fact ON "public"."fact_links" (fact_id);

-- The moment up to which a threshold decision read each subject's facts as known.
CREATE TABLE IF NOT EXISTS "public"."known_at_marks" (subject_id uuid PRIMARY KEY, known_at timestamptz NOT NULL);

-- Replaced by community_trigger_insert_events (its checks were separate statements before).
DROP FUNCTION IF EXISTS "public"."community_trigger_refuse"(boolean, text, text);

-- One save: events, timeline rows and fact links under the events table's lock, after the checks
-- of store/recorder.py KnownAtGuard. The lock timeout and the channel are the library's, as above;
-- 'CT002' and '23CT1' are RECORDED_TOO_LATE and READ_OVERTAKEN there.
CREATE OR REPLACE FUNCTION "public"."community_trigger_insert_events"(
    events "public"."stored_event_uuid"[], ids uuid[], versions bigint[], stamps timestamptz[],
    subjects uuid[], facts uuid[], linked_at timestamptz[],
    read_position bigint, guarded uuid[], known_at timestamptz
) RETURNS SETOF bigint LANGUAGE plpgsql AS $body$
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

-- Each person's own key (NULL once destroyed): store/personal_keys.py.
CREATE TABLE IF NOT EXISTS "public"."personal_keys" (
    person_id uuid PRIMARY KEY,
    key bytea,
    created_at timestamptz NOT NULL DEFAULT now(),
    destroyed_at timestamptz
);

-- API keys, stored as hashes: store/api_keys.py.
CREATE TABLE IF NOT EXISTS api_keys (
    key_id text PRIMARY KEY,
    secret_sha256 bytea NOT NULL,
    role text NOT NULL,
    agency text,
    label text,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);

-- Idempotency-Key claims and answers, kept 24 hours: api/idempotency.py.
CREATE TABLE IF NOT EXISTS api_idempotency (
    key_id text NOT NULL,
    idempotency_key text NOT NULL,
    request_sha256 bytea NOT NULL,
    status_code int,
    content_type text,
    response_body bytea,
    claimed_at timestamptz NOT NULL DEFAULT now(),
    answered_at timestamptz,
    PRIMARY KEY (key_id, idempotency_key)
);

-- Every read of a person's data: api/audit.py.
CREATE TABLE IF NOT EXISTS api_read_audit (
    id bigserial PRIMARY KEY,
    read_at timestamptz NOT NULL DEFAULT now(),
    key_id text NOT NULL,
    role text NOT NULL,
    agency text,
    method text NOT NULL,
    path text NOT NULL,
    route text NOT NULL,
    request_id text,
    person_ids uuid[] NOT NULL
);

CREATE INDEX IF NOT EXISTS api_read_audit_person_ids ON api_read_audit USING gin (person_ids);

-- The read models, each in its own schema with a one-row position table (projections/runner.py).
-- A rebuild makes its tables beside these, shaped like them (projections/rebuild.py).

-- The case list: projections/case_list.py.
CREATE SCHEMA IF NOT EXISTS "case_list";

CREATE TABLE IF NOT EXISTS "case_list"."position" (only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row), position bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());

INSERT INTO "case_list"."position" (position) VALUES (0) ON CONFLICT DO NOTHING;

CREATE TABLE IF NOT EXISTS "case_list"."case_reviews" (
    id uuid PRIMARY KEY,
    route text NOT NULL,
    status text NOT NULL,
    received_date date NOT NULL,
    applicant_id uuid NOT NULL,
    victim_id uuid,
    member_ids uuid[] NOT NULL,
    decision text,
    decided_on date,
    completed_on date,
    finished_on date,
    due_date date NOT NULL,
    policy_name text NOT NULL,
    policy_version int NOT NULL,
    delay_notified_on date,
    new_target_date date,
    version bigint NOT NULL,
    requested_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS "case_reviews_newest" ON "case_list"."case_reviews" (received_date DESC, id DESC);

-- Newest first: by received date, then the latest recorded (API.md, the case list).
CREATE INDEX IF NOT EXISTS "case_reviews_newest_recorded" ON "case_list"."case_reviews" (received_date DESC, requested_at DESC, id DESC);

CREATE INDEX IF NOT EXISTS "case_reviews_by_due_date" ON "case_list"."case_reviews" (due_date, id);

-- The facts each application may rely on: projections/case_facts.py.
CREATE SCHEMA IF NOT EXISTS "case_facts";

CREATE TABLE IF NOT EXISTS "case_facts"."position" (only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row), position bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());

INSERT INTO "case_facts"."position" (position) VALUES (0) ON CONFLICT DO NOTHING;

CREATE TABLE IF NOT EXISTS "case_facts"."complaints" (
    id uuid PRIMARY KEY,
    victim_id uuid NOT NULL,
    complainant_id uuid NOT NULL,
    agency text NOT NULL,
    incident_date date NOT NULL,
    reported_date date NOT NULL,
    withdrawn boolean NOT NULL,
    version bigint NOT NULL,
    logged_at timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS complaints_by_victim ON "case_facts"."complaints" (victim_id, reported_date);

CREATE INDEX IF NOT EXISTS complaints_by_agency ON "case_facts"."complaints" (agency, logged_at);

CREATE TABLE IF NOT EXISTS "case_facts"."consents" (
    id uuid PRIMARY KEY,
    application_id uuid NOT NULL,
    person_id uuid NOT NULL,
    purpose text NOT NULL,
    given_on date NOT NULL,
    withdrawn_on date,
    version bigint NOT NULL
);

CREATE INDEX IF NOT EXISTS consents_by_application ON "case_facts"."consents" (application_id);

-- The facts behind the yearly figures: projections/publication.py.
CREATE SCHEMA IF NOT EXISTS "publication";

CREATE TABLE IF NOT EXISTS "publication"."position" (only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row), position bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());

INSERT INTO "publication"."position" (position) VALUES (0) ON CONFLICT DO NOTHING;

CREATE TABLE IF NOT EXISTS "publication"."facts" (
    case_id uuid NOT NULL,
    version bigint NOT NULL,
    kind text NOT NULL,
    on_date date NOT NULL,
    received_date date NOT NULL,
    detail text,
    PRIMARY KEY (case_id, version)
);

CREATE INDEX IF NOT EXISTS facts_by_kind_and_date ON "publication"."facts" (kind, on_date);

CREATE TABLE IF NOT EXISTS "publication"."received" (case_id uuid PRIMARY KEY, received_date date NOT NULL);

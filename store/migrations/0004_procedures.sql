-- depends: 0003_promises
--
-- RULES.md section 11: every partnership's procedure as data, and history re-decided under another.
--
-- The case list keeps, beside each application's review due date, the facts its procedure's stages
-- are counted from (`stages_done`: stage name -> the date that step happened, domain.deadlines
-- stage_done_dates) and the complaints the applicant named (`complaint_ids`, NULL: all of the
-- victim's), so the deadline view can show every stage and a what-if can assess a year's
-- applications without reading each one (projections/case_list.py). The rows already there get
-- both when the case list is folded again from the first event: its position goes back to 0, and
-- the next process that runs the projections refills every row in place (a row is upserted whole).
ALTER TABLE "case_list"."case_reviews" ADD COLUMN IF NOT EXISTS complaint_ids uuid[];

ALTER TABLE "case_list"."case_reviews" ADD COLUMN IF NOT EXISTS stages_done jsonb NOT NULL DEFAULT '{}'::jsonb;

UPDATE "case_list"."position" SET position = 0, updated_at = now();

-- Every revision of each complaint and consent, typed, for re-deciding history in bulk
-- (projections/case_facts.py; service/what_if.py reads them instead of decoding every event). No
-- personal data: a complaint's place is not here. The facts already recorded get theirs when the
-- case facts are folded again from the first event (each row is written once: ON CONFLICT DO NOTHING).
CREATE TABLE IF NOT EXISTS "case_facts"."complaint_revisions" (
    complaint_id uuid NOT NULL,
    version bigint NOT NULL,
    recorded_at timestamptz NOT NULL,
    victim_id uuid NOT NULL,
    complainant_id uuid NOT NULL,
    agency text NOT NULL,
    incident_date date NOT NULL,
    reported_date date NOT NULL,
    caused_had boolean NOT NULL,
    incident_ref text,
    withdrawn boolean NOT NULL,
    category text NOT NULL,
    source text NOT NULL,
    PRIMARY KEY (complaint_id, version)
);

CREATE INDEX IF NOT EXISTS complaint_revisions_by_victim ON "case_facts"."complaint_revisions" (victim_id);

CREATE TABLE IF NOT EXISTS "case_facts"."consent_revisions" (
    consent_id uuid NOT NULL,
    version bigint NOT NULL,
    recorded_at timestamptz NOT NULL,
    person_id uuid NOT NULL,
    application_id uuid NOT NULL,
    purpose text NOT NULL,
    given_on date NOT NULL,
    withdrawn_on date,
    PRIMARY KEY (consent_id, version)
);

CREATE INDEX IF NOT EXISTS consent_revisions_by_application ON "case_facts"."consent_revisions" (application_id);

UPDATE "case_facts"."position" SET position = 0, updated_at = now();

-- Every policy with a published version (GET /v1/policies, `community-trigger policies list`): a
-- book's first event names it. A partial index, so only those few rows are in it and finding them
-- never scans the events (store/event_store.py EventStore.policy_names).
CREATE INDEX IF NOT EXISTS "community_trigger_events_policy_books" ON "public"."community_trigger_events" (originator_id)
    WHERE topic = 'domain.policy_book:PolicyBook.Opened';

-- The potential triggers of RULES.md section 12: projections/potential_triggers.py.
-- depends: 0004_procedures
--
-- Facts, not verdicts: every revision of every complaint with its recorded time, every telling, and
-- every application's people and open periods, so that a list as on any day D and as known at any
-- time T can be decided from them (the domain decides; these tables only find the candidates fast).
-- A place is kept as a keyed digest (HMAC-SHA256 under a deployment secret kept outside the
-- database), never as the location key itself, and is blanked when its victim is erased.

CREATE SCHEMA IF NOT EXISTS "potential_triggers";

CREATE TABLE IF NOT EXISTS "potential_triggers"."position" (only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row), position bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());

INSERT INTO "potential_triggers"."position" (position) VALUES (0) ON CONFLICT DO NOTHING;

-- One row per revision of a complaint (logged, each amendment, its withdrawal), each complete.
CREATE TABLE IF NOT EXISTS "potential_triggers"."complaints" (
    complaint_id uuid NOT NULL,
    version bigint NOT NULL,
    recorded_at timestamptz NOT NULL,
    victim_id uuid NOT NULL,
    complainant_id uuid NOT NULL,
    agency text NOT NULL,
    incident_date date NOT NULL,
    reported_date date NOT NULL,
    caused_had boolean NOT NULL,
    category text NOT NULL,
    source text NOT NULL,
    incident_ref text,
    withdrawn boolean NOT NULL,
    location_digest bytea,
    PRIMARY KEY (complaint_id, version)
);

-- The list's candidates: complaints reported in the window on the day asked about.
CREATE INDEX IF NOT EXISTS complaints_by_reported_date ON "potential_triggers"."complaints" (reported_date, victim_id);

CREATE INDEX IF NOT EXISTS complaints_by_victim ON "potential_triggers"."complaints" (victim_id);

CREATE INDEX IF NOT EXISTS complaints_by_place ON "potential_triggers"."complaints" (location_digest) WHERE location_digest IS NOT NULL;

-- A person told about the case review (Person.ToldAboutCaseReview).
CREATE TABLE IF NOT EXISTS "potential_triggers"."tellings" (
    person_id uuid NOT NULL,
    version bigint NOT NULL,
    told_on date NOT NULL,
    channel text NOT NULL,
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (person_id, version)
);

-- The people each application is for (its victim, or its members).
CREATE TABLE IF NOT EXISTS "potential_triggers"."application_victims" (
    victim_id uuid NOT NULL,
    application_id uuid NOT NULL,
    PRIMARY KEY (victim_id, application_id)
);

-- One row per change of an application's open periods: received, and each closing or reopening
-- (closed_on[i] with reopened_on[i], NULL while still closed).
CREATE TABLE IF NOT EXISTS "potential_triggers"."applications" (
    application_id uuid NOT NULL,
    version bigint NOT NULL,
    recorded_at timestamptz NOT NULL,
    received_date date NOT NULL,
    closed_on date[] NOT NULL,
    reopened_on date[] NOT NULL,
    latest boolean NOT NULL,
    PRIMARY KEY (application_id, version)
);

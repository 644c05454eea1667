-- The victim's part and the partnership's promises (RULES.md section 13): actions, information
-- requests, updates owed and PCC reviews across case reviews, read by projections/promises.py.
-- depends: 0002_write_receipts

CREATE SCHEMA "promises";

CREATE TABLE "promises"."position" (only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row), position bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());

INSERT INTO "promises"."position" (position) VALUES (0);

CREATE TABLE "promises"."actions" (
    id uuid PRIMARY KEY,
    case_review_id uuid NOT NULL,
    received_date date NOT NULL,
    applicant_id uuid NOT NULL,
    agency text NOT NULL,
    action_owner_id uuid NOT NULL,
    action_text_id uuid NOT NULL,
    due_date date,
    agreed_on date NOT NULL,
    pcc_review_id uuid,
    done_on date,
    dropped_on date
);

CREATE INDEX actions_by_due_date ON "promises"."actions" ((coalesce(due_date, 'infinity')), id);

CREATE INDEX actions_by_agency ON "promises"."actions" (agency, (coalesce(due_date, 'infinity')), id);

CREATE TABLE "promises"."information_requests" (
    id uuid PRIMARY KEY,
    case_review_id uuid NOT NULL,
    received_date date NOT NULL,
    applicant_id uuid NOT NULL,
    agency text NOT NULL,
    requested_on date NOT NULL,
    due_date date NOT NULL,
    question_owner_id uuid,
    question_text_id uuid,
    answered_on date
);

CREATE INDEX requests_by_due_date ON "promises"."information_requests" (due_date, id);

CREATE INDEX requests_by_agency ON "promises"."information_requests" (agency, due_date, id);

CREATE TABLE "promises"."updates_owed" (
    case_review_id uuid PRIMARY KEY,
    received_date date NOT NULL,
    decided_on date NOT NULL,
    update_dates date[] NOT NULL,
    closed_from date[] NOT NULL,
    reopened_on date[] NOT NULL,
    closed_since date
);

CREATE TABLE "promises"."pcc_reviews" (
    id uuid PRIMARY KEY,
    case_review_id uuid NOT NULL,
    applicant_id uuid NOT NULL,
    requested_on date NOT NULL,
    told_on date NOT NULL,
    grounds text[] NOT NULL,
    accepted_late boolean NOT NULL,
    result text,
    decided_on date
);

CREATE INDEX pcc_by_requested_on ON "promises"."pcc_reviews" (requested_on, id);

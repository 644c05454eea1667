-- depends: 0001_baseline
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

-- Every policy with a published version (GET /v1/policies, `community-trigger policies list`): a
-- book's first event names it. A partial index, so only those few rows are in it and finding them
-- never scans the events (store/event_store.py EventStore.policy_names).
CREATE INDEX IF NOT EXISTS "community_trigger_events_policy_books" ON "public"."community_trigger_events" (originator_id)
    WHERE topic = 'domain.policy_book:PolicyBook.Opened';

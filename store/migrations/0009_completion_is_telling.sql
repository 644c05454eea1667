-- RULES.md section 14: completion is the applicant being told the outcome (the outcome notice after a review, or
-- the notice of a 'not met' decision), and the deadline view's `completed_in_time` / `completed_late` is judged by
-- it. The case list kept the review's own completion as `finished_on` for an application met; the first outcome
-- notice is in `stages_done` (domain/deadlines.py stage_done_dates), so the rows are corrected here, with no rebuild.
-- depends: 0008_wrapped_keys_and_hmac

UPDATE "case_list"."case_reviews"
SET finished_on = (stages_done ->> 'outcome_notified')::date
WHERE finished_on IS DISTINCT FROM (stages_done ->> 'outcome_notified')::date;

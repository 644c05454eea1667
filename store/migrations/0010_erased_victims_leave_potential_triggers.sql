-- RULES.md 14: nothing more may be recorded about an erased person, so an erased victim can never be told about the
-- case review. The potential triggers (projections/potential_triggers.py) now drop a victim's complaints and tellings
-- when the victim is erased; the victims erased before this (their Person.Erased events) go here, so none of them
-- stays listed as `should_be_told` or in the alarms for good.
-- depends: 0009_completion_is_telling

DELETE FROM "potential_triggers"."complaints"
WHERE victim_id IN (SELECT originator_id FROM "public"."community_trigger_events" WHERE topic = 'domain.people:Person.Erased');

DELETE FROM "potential_triggers"."tellings"
WHERE person_id IN (SELECT originator_id FROM "public"."community_trigger_events" WHERE topic = 'domain.people:Person.Erased');

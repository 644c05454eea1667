"""RULES.md section 3 (the individual route), black box through the HTTP API: its worked examples, to the day."""

import pytest
from acceptance_helpers import COUNCIL, NHS, application, assessment, complaint, counted_ids, excluded, moment, person


def test_rules_3_three_counted_incidents_in_the_window_meet_the_threshold(coordinator):
    victim = person(coordinator)
    ids = {complaint(coordinator, victim, day) for day in ("2026-02-01", "2026-04-10", "2026-07-01")}
    body = assessment(coordinator, application(coordinator, victim, "2026-07-15")["id"])
    assert body["verdict"] == "met"
    assert counted_ids(body) == ids and body["excluded"] == [] and body["reasons"] == []
    for item in body["counted"]:
        assert set(item) >= {"complaint_id", "incident_date", "reported_date"}


def test_rules_3_fewer_incidents_than_the_policy_number_is_not_met(coordinator):
    victim = person(coordinator)
    for day in ("2026-03-01", "2026-06-01"):
        complaint(coordinator, victim, day)
    body = assessment(coordinator, application(coordinator, victim, "2026-07-15")["id"])
    assert body["verdict"] == "not_met" and body["reasons"] == ["too_few_incidents"]


def test_rules_3_every_check_has_its_reason_code(coordinator, police):
    victim, someone_else = person(coordinator), person(coordinator)
    good = [complaint(coordinator, victim, day) for day in ("2026-02-01", "2026-03-01", "2026-04-01")]
    other_victim = complaint(coordinator, someone_else, "2026-05-01")
    not_partner = complaint(coordinator, victim, "2026-05-02", agency="neighbourhood-watch-havant")
    not_had = complaint(coordinator, victim, "2026-05-03", had=False)
    late = complaint(coordinator, victim, "2026-05-04", "2026-06-10")
    outside = complaint(coordinator, victim, "2026-01-10")
    after = complaint(coordinator, victim, "2026-07-16")
    withdrawn = complaint(police, victim, "2026-05-05")
    assert police.post(f"/v1/complaints/{withdrawn}/withdrawal", json={"reason": "logged twice"}).status_code in (
        200,
        201,
    )
    duplicate = complaint(coordinator, victim, "2026-02-01", "2026-02-03", agency=COUNCIL)
    named = [*good, other_victim, not_partner, not_had, late, outside, after, withdrawn, duplicate]
    body = assessment(coordinator, application(coordinator, victim, "2026-07-15", complaint_ids=named)["id"])
    assert body["verdict"] == "met"
    assert counted_ids(body) == set(good)
    assert excluded(body) == {
        other_victim: ["other_victim"],
        not_partner: ["not_partner_agency"],
        not_had: ["not_had"],
        late: ["reported_late"],
        outside: ["outside_window"],
        after: ["after_application"],
        withdrawn: ["withdrawn"],
        duplicate: ["duplicate_incident"],
    }


def test_rules_3_every_reason_that_applies_is_listed(coordinator):
    victim = person(coordinator)
    bad = complaint(coordinator, victim, "2026-05-01", "2026-06-15", agency="neighbourhood-watch-havant", had=False)
    body = assessment(coordinator, application(coordinator, victim, "2026-07-15")["id"])
    assert set(excluded(body)[bad]) == {"not_partner_agency", "not_had", "reported_late"}


def test_rules_3_reports_of_one_incident_to_several_agencies_count_once_the_earliest_reported(coordinator, police):
    victim = person(coordinator)
    to_police = complaint(police, victim, "2026-06-01", "2026-06-03")  # logged first, reported later
    to_council = complaint(coordinator, victim, "2026-06-01", "2026-06-02", agency=COUNCIL)
    to_nhs = complaint(coordinator, victim, "2026-06-01", "2026-06-04", agency=NHS)
    body = assessment(coordinator, application(coordinator, victim, "2026-07-15")["id"])
    assert counted_ids(body) == {to_council}
    assert excluded(body) == {to_police: ["duplicate_incident"], to_nhs: ["duplicate_incident"]}
    assert body["reasons"] == ["too_few_incidents"]


def test_rules_3_a_shared_incident_reference_ties_reports_of_one_incident(coordinator):
    victim = person(coordinator)
    first = complaint(coordinator, victim, "2026-06-10", "2026-06-10", incident_ref="INC-7731")
    second = complaint(coordinator, victim, "2026-06-11", "2026-06-12", agency=COUNCIL, incident_ref="INC-7731")
    body = assessment(coordinator, application(coordinator, victim, "2026-07-15")["id"])
    assert counted_ids(body) == {first}
    assert excluded(body) == {second: ["duplicate_incident"]}


def test_rules_3_different_references_on_one_day_are_different_incidents(coordinator):
    victim = person(coordinator)
    morning = complaint(coordinator, victim, "2026-06-10", incident_ref="INC-1001")
    evening = complaint(coordinator, victim, "2026-06-10", agency=COUNCIL, incident_ref="INC-1002")
    body = assessment(coordinator, application(coordinator, victim, "2026-07-15")["id"])
    assert counted_ids(body) == {morning, evening} and body["excluded"] == []


def test_rules_3_without_a_reference_on_either_the_same_victim_and_day_is_one_incident(coordinator):
    victim = person(coordinator)
    with_ref = complaint(coordinator, victim, "2026-06-10", "2026-06-10", incident_ref="INC-2001")
    without_ref = complaint(coordinator, victim, "2026-06-10", "2026-06-11", agency=COUNCIL)
    body = assessment(coordinator, application(coordinator, victim, "2026-07-15")["id"])
    assert counted_ids(body) == {with_ref}
    assert excluded(body) == {without_ref: ["duplicate_incident"]}


def test_rules_3_of_an_incident_only_qualifying_reports_compete(coordinator):
    victim = person(coordinator)
    complaint(coordinator, victim, "2026-06-10", "2026-06-10", had=False)  # earliest, but not qualifying
    qualifying = complaint(coordinator, victim, "2026-06-10", "2026-06-11", agency=COUNCIL)
    body = assessment(coordinator, application(coordinator, victim, "2026-07-15")["id"])
    assert counted_ids(body) == {qualifying}


def test_rules_3_named_complaints_only_are_considered_else_all_the_victims(coordinator):
    victim = person(coordinator)
    ids = [complaint(coordinator, victim, day) for day in ("2026-03-01", "2026-04-01", "2026-05-01")]
    named = assessment(coordinator, application(coordinator, victim, "2026-07-15", complaint_ids=ids[:2])["id"])
    assert counted_ids(named) == set(ids[:2]) and named["verdict"] == "not_met"
    everything = assessment(coordinator, application(coordinator, victim, "2026-07-15")["id"])
    assert counted_ids(everything) == set(ids) and everything["verdict"] == "met"


def test_rules_3_a_withdrawn_complaint_stops_counting_from_its_withdrawal(coordinator, police):
    victim = person(coordinator)
    for day in ("2026-03-01", "2026-04-01"):
        complaint(coordinator, victim, day)
    third = complaint(police, victim, "2026-05-01")
    review = application(coordinator, victim, "2026-07-15")["id"]
    before = moment()
    withdrawn = police.post(f"/v1/complaints/{third}/withdrawal", json={"reason": "made in error"})
    assert withdrawn.status_code in (200, 201), withdrawn.text
    assert assessment(coordinator, review, as_known_at=before)["verdict"] == "met"
    now = assessment(coordinator, review)
    assert now["verdict"] == "not_met" and excluded(now) == {third: ["withdrawn"]}
    assert now["reasons"] == ["too_few_incidents"]


@pytest.mark.parametrize(("last_incident", "verdict"), [("2026-01-15", "not_met"), ("2026-01-16", "met")])
def test_rules_3_the_most_recent_counted_incident_must_be_inside_the_previous_six_months(
    coordinator, last_incident, verdict
):
    # Received 15 Jul 2026: the previous six months begin on 16 Jan 2026. Every report is in time and
    # inside the window, so all three count; only the last incident's date decides.
    victim = person(coordinator)
    ids = {
        complaint(coordinator, victim, "2025-12-20", "2026-01-16"),
        complaint(coordinator, victim, "2026-01-05", "2026-01-16"),
        complaint(coordinator, victim, last_incident, "2026-01-16"),
    }
    body = assessment(coordinator, application(coordinator, victim, "2026-07-15")["id"])
    assert counted_ids(body) == ids
    assert body["verdict"] == verdict
    assert body["reasons"] == ([] if verdict == "met" else ["last_incident_outside_window"])

"""RULES.md section 14 through the HTTP API: the rulings on delay notices, completion and deciding against consent.

(A notice dated after the due date leaving the case overdue: test_rules_14_late_delay_notice.py; policy
versions as known at T: test_rules_14_policy_as_known.py; erasure: test_rules_14_erasure_holds.py.)
"""

from acceptance_helpers import application, assert_problem, complaint, person


def _delay(caller, review: str, new_target: str, notified_on: str):
    return caller.post(
        f"/v1/case-reviews/{review}/delay-notices",
        json={"reason": "records awaited", "new_target_date": new_target, "notified_on": notified_on},
    )


def _met(caller, received: str = "2026-10-01") -> str:
    """Received Thu 1 Oct 2026: due Thu 29 Oct (20 working days); three qualifying complaints before it."""
    victim = person(caller)
    for day in ("2026-08-03", "2026-08-24", "2026-09-14"):
        complaint(caller, victim, day)
    review = application(caller, victim, received)
    assert review["due_date"] == "2026-10-29"
    decided = caller.post(
        f"/v1/case-reviews/{review['id']}/threshold-decision", json={"decision": "met", "decided_on": "2026-10-05"}
    )
    assert decided.status_code == 201, decided.text
    return review["id"]


def test_rules_14_a_new_target_date_must_be_after_the_current_due_date(coordinator):
    review = _met(coordinator)
    assert_problem(_delay(coordinator, review, "2026-10-29", "2026-10-20"), 422, "new_target_date")  # not after 29 Oct
    assert _delay(coordinator, review, "2026-11-12", "2026-10-20").status_code == 201
    # The current due date is now the notice's target: a later notice must go past it.
    assert_problem(_delay(coordinator, review, "2026-11-05", "2026-10-22"), 422, "new_target_date")
    assert _delay(coordinator, review, "2026-11-19", "2026-10-22").status_code == 201


def test_rules_14_completion_is_telling_the_applicant_and_no_delay_notice_comes_after_it(coordinator):
    review = _met(coordinator)
    base = f"/v1/case-reviews/{review}"
    completed = coordinator.post(f"{base}/review", json={"completed_on": "2026-10-20", "recommendations": []})
    assert completed.status_code == 201, completed.text
    # Between the review's completion and telling the applicant, a delay notice may still come.
    assert _delay(coordinator, review, "2026-11-12", "2026-10-21").status_code == 201
    assert coordinator.post(f"{base}/outcome-notices", json={"notified_on": "2026-10-22"}).status_code == 201
    assert_problem(_delay(coordinator, review, "2026-11-26", "2026-10-23"), 409)


def test_rules_14_for_not_met_completion_is_the_notice_of_the_decision(coordinator):
    victim = person(coordinator)
    review = application(coordinator, victim, "2026-10-01")["id"]
    base = f"/v1/case-reviews/{review}"
    decided = coordinator.post(f"{base}/threshold-decision", json={"decision": "not_met", "decided_on": "2026-10-05"})
    assert decided.status_code == 201, decided.text
    assert _delay(coordinator, review, "2026-11-12", "2026-10-06").status_code == 201  # not told yet
    assert coordinator.post(f"{base}/outcome-notices", json={"notified_on": "2026-10-07"}).status_code == 201
    assert_problem(_delay(coordinator, review, "2026-11-19", "2026-10-08"), 409)


def test_rules_14_met_against_a_pending_assessment_is_refused_naming_the_missing_consent(coordinator):
    victim, applicant = person(coordinator), person(coordinator)
    for day in ("2026-08-03", "2026-08-24", "2026-09-14"):
        complaint(coordinator, victim, day)
    review = application(coordinator, victim, "2026-10-01", applicant=applicant)["id"]
    assessed = coordinator.get(f"/v1/case-reviews/{review}/assessment").json()
    assert (assessed["verdict"], assessed["reasons"]) == ("pending", ["victim_consent_missing"])
    base = f"/v1/case-reviews/{review}/threshold-decision"
    refused = coordinator.post(base, json={"decision": "met", "decided_on": "2026-10-05"})
    problem = assert_problem(refused, 409)
    assert "victim_consent_missing" in problem["detail"] or "consent" in problem["detail"]
    # Discretion covers the incidents, never consent: grounds do not change it.
    with_grounds = {"decision": "met", "grounds": "harm", "reason": "vulnerable", "decided_on": "2026-10-05"}
    assert_problem(coordinator.post(base, json=with_grounds), 409)
    assert coordinator.post(base, json={"decision": "not_met", "decided_on": "2026-10-05"}).status_code == 201

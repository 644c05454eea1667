"""RULES.md section 5 (verdicts, discretion), black box through the HTTP API: its worked examples, to the day."""

from acceptance_helpers import application, assert_problem, assessment, complaint, consent, met_case, moment, person


def test_rules_5_an_application_on_behalf_is_pending_until_the_victim_consents(coordinator):
    victim, advocate = person(coordinator), person(coordinator)
    for day in ("2026-03-01", "2026-04-01", "2026-05-01"):
        complaint(coordinator, victim, day)
    review = application(coordinator, victim, "2026-07-15", applicant=advocate)["id"]
    body = assessment(coordinator, review)
    assert body["verdict"] == "pending" and body["reasons"] == ["victim_consent_missing"]
    given = consent(coordinator, victim, review, "application_on_behalf")
    consented_at = moment()
    assert assessment(coordinator, review)["verdict"] == "met"
    assert assessment(coordinator, review)["reasons"] == []
    response = coordinator.post(f"/v1/consents/{given}/withdrawal", json={"withdrawn_on": "2026-07-16"})
    assert response.status_code in (200, 201), response.text
    assert assessment(coordinator, review)["verdict"] == "pending"
    assert assessment(coordinator, review, as_known_at=consented_at)["verdict"] == "met"


def test_rules_5_consent_to_sharing_is_not_consent_to_the_application(coordinator):
    victim, advocate = person(coordinator), person(coordinator)
    for day in ("2026-03-01", "2026-04-01", "2026-05-01"):
        complaint(coordinator, victim, day)
    review = application(coordinator, victim, "2026-07-15", applicant=advocate)["id"]
    consent(coordinator, victim, review, "information_sharing")
    assert assessment(coordinator, review)["verdict"] == "pending"


def test_rules_5_dissatisfaction_is_required_but_not_judged(coordinator):
    victim = person(coordinator)
    for day in ("2026-03-01", "2026-04-01", "2026-05-01"):
        complaint(coordinator, victim, day)
    body = {
        "route": "individual", "applicant_id": victim, "victim_id": victim, "received_date": "2026-07-15",
        "channel": "101",
    }  # fmt: skip
    assert_problem(coordinator.post("/v1/case-reviews", json=body), 422, "dissatisfaction")
    assert_problem(
        coordinator.post("/v1/case-reviews", json={**body, "dissatisfaction": "angry"}), 422, "dissatisfaction"
    )
    verdicts = set()
    for value in ("no_action_taken", "not_satisfied"):
        created = coordinator.post("/v1/case-reviews", json={**body, "dissatisfaction": value})
        assert created.status_code == 201, created.text
        verdicts.add(assessment(coordinator, created.json()["id"])["verdict"])
    assert verdicts == {"met"}


def test_rules_5_discretion_decides_met_against_not_met_with_grounds_and_a_reason(coordinator):
    victim = person(coordinator)
    review = application(coordinator, victim, "2026-07-15")["id"]
    assert assessment(coordinator, review)["verdict"] == "not_met"
    path = f"/v1/case-reviews/{review}/threshold-decision"
    assert_problem(coordinator.post(path, json={"decision": "met", "decided_on": "2026-07-20"}), 422, "grounds")
    assert_problem(
        coordinator.post(
            path, json={"decision": "met", "grounds": "sympathy", "reason": "x", "decided_on": "2026-07-20"}
        ),
        422,
        "grounds",
    )
    assert_problem(
        coordinator.post(path, json={"decision": "met", "grounds": "harm", "decided_on": "2026-07-20"}), 422, "reason"
    )
    for grounds in ("persistence", "harm", "adequacy"):
        assert (
            coordinator.post(path, json={"decision": "met", "grounds": grounds, "decided_on": "2026-07-20"}).status_code
            == 422
        )
    decided = coordinator.post(
        path,
        json={"decision": "met", "grounds": "harm", "reason": "the victim is housebound", "decided_on": "2026-07-20"},
    )
    assert decided.status_code == 201, decided.text
    assert set(decided.json()) >= {"id", "version", "recorded_at"}


def test_rules_5_a_met_assessment_cannot_be_decided_not_met(coordinator):
    review = met_case(coordinator)
    path = f"/v1/case-reviews/{review}/threshold-decision"
    assert_problem(coordinator.post(path, json={"decision": "not_met", "decided_on": "2026-07-20"}), 409)
    assert coordinator.post(path, json={"decision": "met", "decided_on": "2026-07-20"}).status_code == 201


def test_rules_5_not_met_may_be_decided_not_met(coordinator):
    review = application(coordinator, person(coordinator), "2026-07-15")["id"]
    decided = coordinator.post(
        f"/v1/case-reviews/{review}/threshold-decision",
        json={"decision": "not_met", "reason": "one complaint only", "decided_on": "2026-07-20"},
    )
    assert decided.status_code == 201, decided.text

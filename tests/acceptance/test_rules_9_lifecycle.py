"""RULES.md section 9 (lifecycle), black box through the HTTP API: its worked examples, to the day."""

from uuid import uuid4

from acceptance_helpers import COUNCIL, POLICE, application, ask_agency, assert_problem, met_case, person


def test_rules_9_the_lifecycle_of_a_met_application(coordinator, police):
    review = met_case(coordinator, received="2026-07-15")
    base = f"/v1/case-reviews/{review}"
    assert_problem(coordinator.post(f"{base}/review", json={"completed_on": "2026-07-20", "recommendations": []}), 409)
    assert_problem(coordinator.post(f"{base}/escalations", json={"requested_on": "2026-07-20"}), 409)
    assert coordinator.post(f"{base}/acknowledgement", json={"acknowledged_on": "2026-07-16"}).status_code == 201
    assert (
        coordinator.post(f"{base}/threshold-decision", json={"decision": "met", "decided_on": "2026-07-20"}).status_code
        == 201
    )
    ask_agency(coordinator, review, POLICE, "2026-07-21")
    shared = police.post(
        f"{base}/information", json={"agency": POLICE, "shared_on": "2026-07-22", "summary": "two visits"}
    )
    assert shared.status_code == 201, shared.text
    assert (
        coordinator.post(
            f"{base}/delay-notices",
            json={"reason": "meeting moved", "new_target_date": "2026-08-20", "notified_on": "2026-07-23"},
        ).status_code
        == 201
    )
    done = coordinator.post(
        f"{base}/review",
        json={
            "completed_on": "2026-07-30",
            "recommendations": [{"action": "mediation", "agency": COUNCIL, "due_date": "2026-08-30"}],
        },
    )
    assert done.status_code == 201, done.text
    assert coordinator.post(f"{base}/outcome-notices", json={"notified_on": "2026-07-31"}).status_code == 201
    assert_problem(  # RULES.md 14: completion is the applicant being told the outcome
        coordinator.post(
            f"{base}/delay-notices",
            json={"reason": "late", "new_target_date": "2026-09-01", "notified_on": "2026-07-31"},
        ),
        409,
    )
    escalation = coordinator.post(f"{base}/escalations", json={"requested_on": "2026-08-03", "reason": "unhappy"})
    assert escalation.status_code == 201, escalation.text
    eid = escalation.json()["id"]  # each write answers the id of what it created
    assert_problem(
        coordinator.post(f"{base}/escalations/{uuid4()}/result", json={"result": "upheld", "decided_on": "2026-08-05"}),
        404,
    )
    assert_problem(
        coordinator.post(f"{base}/escalations/{eid}/result", json={"result": "maybe", "decided_on": "2026-08-05"}),
        422,
        "result",
    )
    result = coordinator.post(f"{base}/escalations/{eid}/result", json={"result": "upheld", "decided_on": "2026-08-05"})
    assert result.status_code == 201, result.text
    again = coordinator.post(f"{base}/review", json={"completed_on": "2026-08-10", "recommendations": []})
    assert again.status_code == 201, again.text  # upheld: back to review


def test_rules_9_a_not_met_application_is_told_and_may_be_escalated_not_upheld(coordinator):
    review = application(coordinator, person(coordinator), "2026-07-15")["id"]
    base = f"/v1/case-reviews/{review}"
    assert_problem(coordinator.post(f"{base}/outcome-notices", json={"notified_on": "2026-07-20"}), 409)
    assert (
        coordinator.post(
            f"{base}/threshold-decision", json={"decision": "not_met", "decided_on": "2026-07-20"}
        ).status_code
        == 201
    )
    assert_problem(coordinator.post(f"{base}/review", json={"completed_on": "2026-07-21", "recommendations": []}), 409)
    assert coordinator.post(f"{base}/outcome-notices", json={"notified_on": "2026-07-21"}).status_code == 201
    escalation = coordinator.post(f"{base}/escalations", json={"requested_on": "2026-07-25"})
    assert escalation.status_code == 201, escalation.text
    result = coordinator.post(
        f"{base}/escalations/{escalation.json()['id']}/result",
        json={"result": "not_upheld", "decided_on": "2026-07-28"},
    )
    assert result.status_code == 201, result.text

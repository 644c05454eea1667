"""RULES.md section 6 (any point in time), black box through the HTTP API: its worked examples, to the day."""

from datetime import datetime

from acceptance_helpers import application, assessment, complaint, counted_ids, met_case, moment, person


def test_rules_6_an_assessment_as_known_at_t_sees_only_facts_recorded_by_t_and_names_its_policy(coordinator):
    victim = person(coordinator)
    for day in ("2026-03-01", "2026-04-01"):
        complaint(coordinator, victim, day)
    review = application(coordinator, victim, "2026-07-15")["id"]
    before = moment()
    third = complaint(coordinator, victim, "2026-05-01")
    then = assessment(coordinator, review, as_known_at=before)
    now = assessment(coordinator, review)
    assert then["verdict"] == "not_met" and third not in counted_ids(then)
    assert now["verdict"] == "met" and third in counted_ids(now)
    assert datetime.fromisoformat(then["as_known_at"]) == datetime.fromisoformat(before)
    assert datetime.fromisoformat(now["as_known_at"]).utcoffset() is not None
    for body in (then, now):
        assert body["policy"] == {"name": "safer-havant", "version": 1}
        assert isinstance(body["explanation"], str) and body["explanation"]


def test_rules_6_the_decision_keeps_what_the_assessment_said_and_replay_agrees(coordinator):
    victim = person(coordinator)
    ids = [complaint(coordinator, victim, day) for day in ("2026-03-01", "2026-04-01", "2026-05-01")]
    review = application(coordinator, victim, "2026-07-15")["id"]
    decided = coordinator.post(
        f"/v1/case-reviews/{review}/threshold-decision", json={"decision": "met", "decided_on": "2026-07-20"}
    )
    assert decided.status_code == 201, decided.text
    decided_at = decided.json()["recorded_at"]
    coordinator.post(f"/v1/complaints/{ids[0]}/withdrawal", json={"reason": "error"})
    assert assessment(coordinator, review)["verdict"] == "not_met"  # what is known now
    assert assessment(coordinator, review, as_known_at=decided_at)["verdict"] == "met"  # what was known then


def test_rules_6_the_recorded_assessment_is_what_replay_as_known_then_says(coordinator):
    review = met_case(coordinator)
    decided = coordinator.post(
        f"/v1/case-reviews/{review}/threshold-decision", json={"decision": "met", "decided_on": "2026-07-20"}
    )
    assert decided.status_code == 201, decided.text
    recorded = decided.json()["assessment"]
    assert assessment(coordinator, review, as_known_at=recorded["as_known_at"]) == recorded


def test_rules_6_replay_agrees_even_when_a_fact_is_written_while_the_threshold_is_decided(coordinator):
    import threading

    disagreements = 0
    for _ in range(15):
        victim = person(coordinator)
        ids = [complaint(coordinator, victim, day) for day in ("2026-03-01", "2026-04-01", "2026-05-01")]
        review = application(coordinator, victim, "2026-07-15")["id"]
        barrier, answers = threading.Barrier(2), {}

        def withdraw(barrier=barrier, first=ids[0]) -> None:
            barrier.wait()
            coordinator.post(f"/v1/complaints/{first}/withdrawal", json={"reason": "logged twice"})

        def decide(barrier=barrier, answers=answers, review=review) -> None:
            barrier.wait()
            answers["decision"] = coordinator.post(
                f"/v1/case-reviews/{review}/threshold-decision", json={"decision": "met", "decided_on": "2026-07-20"}
            )

        threads = [threading.Thread(target=withdraw), threading.Thread(target=decide)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if answers["decision"].status_code != 201:
            continue
        recorded = answers["decision"].json()["assessment"]
        disagreements += assessment(coordinator, review, as_known_at=recorded["as_known_at"]) != recorded
    assert disagreements == 0

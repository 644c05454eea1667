"""API.md (writing), black box through the HTTP API: every statement of the contract."""

from datetime import datetime
from uuid import uuid4

from acceptance_helpers import POLICE, application, assert_problem, complaint, last_position, person


def test_api_each_write_answers_id_version_and_recorded_at(coordinator):
    victim = person(coordinator)
    checks = [
        coordinator.post("/v1/people", json={"display_name": "Writer", "contact": {"phone": "01234", "email": "w@example.org"}}),
        coordinator.post("/v1/complaints", json={"victim_id": victim, "agency": POLICE, "incident_date": "2026-05-01",
                                                 "reported_date": "2026-05-01", "caused_harassment_alarm_distress": True,
                                                 "category": "noise"}),
    ]  # fmt: skip
    review = application(coordinator, victim, "2026-07-15")
    for response in checks:
        assert response.status_code in (200, 201), response.text
    for body in [r.json() for r in checks] + [review]:
        assert set(body) >= {"id", "version", "recorded_at"}
        assert isinstance(body["version"], int)
        assert datetime.fromisoformat(body["recorded_at"]).utcoffset() is not None
    ack = coordinator.post(f"/v1/case-reviews/{review['id']}/acknowledgement", json={"acknowledged_on": "2026-07-16"})
    assert (
        ack.status_code == 201 and ack.json()["id"] == review["id"] and ack.json()["version"] == review["version"] + 1
    )


def test_api_complaint_defaults_its_complainant_to_the_victim(coordinator):
    victim = person(coordinator)
    created = complaint(coordinator, victim, "2026-05-01")
    assert coordinator.get(f"/v1/complaints/{created}").json()["complainant_id"] == victim


def test_api_the_same_idempotency_key_and_body_return_the_first_answer_and_record_nothing(coordinator):
    victim = person(coordinator)
    key = {"Idempotency-Key": str(uuid4())}
    body = {
        "victim_id": victim, "agency": POLICE, "incident_date": "2026-05-01", "reported_date": "2026-05-02",
        "caused_harassment_alarm_distress": True, "category": "noise",
    }  # fmt: skip
    first = coordinator.post("/v1/complaints", json=body, headers=key)
    assert first.status_code == 201, first.text
    position = last_position(coordinator)
    again = coordinator.post("/v1/complaints", json=body, headers=key)
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert last_position(coordinator) == position
    listed = coordinator.get(f"/v1/people/{victim}/complaints").json()["items"]
    assert [item["id"] for item in listed] == [first.json()["id"]]

    review = application(coordinator, victim, "2026-07-15")["id"]
    key = {"Idempotency-Key": str(uuid4())}
    step = {"acknowledged_on": "2026-07-16"}
    first = coordinator.post(f"/v1/case-reviews/{review}/acknowledgement", json=step, headers=key)
    again = coordinator.post(f"/v1/case-reviews/{review}/acknowledgement", json=step, headers=key)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()


def test_api_if_match_with_a_stale_version_is_412(coordinator, police):
    victim = person(coordinator)
    logged = police.post(
        "/v1/complaints",
        json={"victim_id": victim, "agency": POLICE, "incident_date": "2026-05-01", "reported_date": "2026-05-02",
              "caused_harassment_alarm_distress": True, "category": "noise"},
    ).json()  # fmt: skip
    stale = police.post(
        f"/v1/complaints/{logged['id']}/withdrawal",
        json={"reason": "x"},
        headers={"If-Match": str(logged["version"] + 1)},
    )
    assert_problem(stale, 412)
    fresh = police.post(
        f"/v1/complaints/{logged['id']}/withdrawal", json={"reason": "x"}, headers={"If-Match": str(logged["version"])}
    )
    assert fresh.status_code in (200, 201), fresh.text

    review = application(coordinator, victim, "2026-07-15")
    ack = coordinator.post(
        f"/v1/case-reviews/{review['id']}/acknowledgement", json={"acknowledged_on": "2026-07-16"},
        headers={"If-Match": str(review["version"])},
    )  # fmt: skip
    assert ack.status_code == 201, ack.text
    stale = coordinator.post(
        f"/v1/case-reviews/{review['id']}/threshold-decision", json={"decision": "not_met", "decided_on": "2026-07-20"},
        headers={"If-Match": str(review["version"])},
    )  # fmt: skip
    assert_problem(stale, 412)
    assert coordinator.get(f"/v1/case-reviews/{review['id']}").json()["version"] == ack.json()["version"]

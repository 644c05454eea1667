"""The threshold assessment and decision through the API: as known at any moment, under any policy version."""

import time
from datetime import UTC, datetime

import pytest


def _person(caller, name="Morgan Ellis") -> str:
    return caller.post("/v1/people", json={"display_name": name}).json()["id"]


def _complaint(caller, victim, incident, reported=None, **extra) -> str:
    body = {
        "victim_id": victim, "agency": "hampshire-constabulary", "incident_date": incident, "reported_date": reported or incident,
        "caused_harassment_alarm_distress": True, "category": "intimidation", **extra,
    }  # fmt: skip
    response = caller.post("/v1/complaints", json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _application(caller, victim, received="2026-11-02", **extra) -> str:
    body = {
        "route": "individual",
        "applicant_id": victim,
        "victim_id": victim,
        "received_date": received,
        "channel": "101",
        "dissatisfaction": "no_action_taken",
        **extra,
    }
    response = caller.post("/v1/case-reviews", json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _moment() -> str:
    time.sleep(0.01)  # recorded times are distinct: the next write is strictly after this moment
    moment = datetime.now(UTC).isoformat()
    time.sleep(0.01)
    return moment


def test_three_qualifying_complaints_meet_the_threshold_with_reasons_and_policy(coordinator):
    victim = _person(coordinator)
    ids = [_complaint(coordinator, victim, day) for day in ("2026-08-01", "2026-09-15", "2026-10-20")]
    late = _complaint(coordinator, victim, "2026-07-01", "2026-08-05")  # reported after a month
    review = _application(coordinator, victim)
    body = coordinator.get(f"/v1/case-reviews/{review}/assessment").json()
    assert body["verdict"] == "met"
    assert sorted(c["complaint_id"] for c in body["counted"]) == sorted(ids)
    assert body["excluded"] == [{"complaint_id": late, "reasons": ["reported_late"]}]
    assert body["policy"] == {"name": "safer-havant", "version": 1}
    assert body["reasons"] == [] and body["explanation"]


def test_as_known_at_sees_only_what_was_recorded_by_then(coordinator):
    victim = _person(coordinator)
    _complaint(coordinator, victim, "2026-08-01")
    _complaint(coordinator, victim, "2026-09-01")
    review = _application(coordinator, victim)
    before_third = _moment()
    third = _complaint(coordinator, victim, "2026-10-01")
    after_third = _moment()
    coordinator.post(f"/v1/complaints/{third}/withdrawal", json={"reason": "logged in error"})
    assessed = lambda at: coordinator.get(f"/v1/case-reviews/{review}/assessment", params={"as_known_at": at}).json()  # noqa: E731
    assert assessed(before_third)["verdict"] == "not_met" and "too_few_incidents" in assessed(before_third)["reasons"]
    assert assessed(after_third)["verdict"] == "met"
    now = coordinator.get(f"/v1/case-reviews/{review}/assessment").json()
    assert now["verdict"] == "not_met"
    assert {"complaint_id": third, "reasons": ["withdrawn"]} in now["excluded"]
    assert assessed(after_third)["as_known_at"].startswith(after_third[:19])


def test_an_amendment_is_seen_as_it_was_at_the_time(coordinator):
    victim = _person(coordinator)
    for day in ("2026-08-01", "2026-09-01"):
        _complaint(coordinator, victim, day)
    third = _complaint(coordinator, victim, "2026-10-01", "2026-11-20")  # late as first logged
    review = _application(coordinator, victim)
    before = _moment()
    assert coordinator.patch(f"/v1/complaints/{third}", json={"reported_date": "2026-10-02"}).status_code == 200

    def assessed(at=None):
        return coordinator.get(f"/v1/case-reviews/{review}/assessment", params={"as_known_at": at} if at else {}).json()  # noqa: E731

    assert assessed(before)["verdict"] == "not_met"
    assert assessed()["verdict"] == "met"


def test_an_application_is_not_assessed_before_it_was_recorded(coordinator):
    victim = _person(coordinator)
    before = _moment()
    review = _application(coordinator, victim)
    response = coordinator.get(f"/v1/case-reviews/{review}/assessment", params={"as_known_at": before})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "as_known_at"


def test_the_decision_records_its_assessment_and_replays_to_the_same(coordinator, auditor):
    victim = _person(coordinator)
    for day in ("2026-08-01", "2026-09-15", "2026-10-20"):
        _complaint(coordinator, victim, day)
    review = _application(coordinator, victim)
    refused = coordinator.post(
        f"/v1/case-reviews/{review}/threshold-decision", json={"decision": "not_met", "decided_on": "2026-11-04"}
    )
    assert refused.status_code == 409
    decided = coordinator.post(
        f"/v1/case-reviews/{review}/threshold-decision", json={"decision": "met", "decided_on": "2026-11-04"}
    )
    assert decided.status_code == 201 and decided.json()["assessment"]["verdict"] == "met"
    # A complaint recorded after the decision changes what is known now, not what was decided.
    _complaint(coordinator, victim, "2026-11-01")
    replay = auditor.get(f"/v1/case-reviews/{review}/threshold-decision/replay").json()
    assert replay["agrees"] is True
    assert replay["replayed"] == replay["recorded"]
    assert len(replay["now"]["counted"]) == 4 and len(replay["recorded"]["counted"]) == 3
    assert coordinator.get(f"/v1/case-reviews/{review}").json()["threshold_decision"]["assessment"]["verdict"] == "met"


def test_discretion_against_a_not_met_assessment(coordinator):
    victim = _person(coordinator)
    review = _application(coordinator, victim)
    base = f"/v1/case-reviews/{review}/threshold-decision"
    missing = coordinator.post(base, json={"decision": "met", "decided_on": "2026-11-04"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "grounds"
    done = coordinator.post(
        base, json={"decision": "met", "grounds": "harm", "reason": "Victim is housebound", "decided_on": "2026-11-04"}
    )
    assert done.status_code == 201 and done.json()["assessment"]["verdict"] == "not_met"


def test_a_policy_with_more_than_three_complaints_is_refused(admin, coordinator):
    response = admin.post(
        "/v1/policies",
        json={"name": "safer-havant", "version": 99, "effective_from": "2030-01-01", "individual_min_complaints": 4},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "individual_min_complaints"
    assert (
        coordinator.post("/v1/policies", json={"name": "x", "version": 1, "effective_from": "2026-01-01"}).status_code
        == 403
    )


def test_what_if_under_another_version_and_the_version_in_force_on_the_received_date(admin, coordinator):
    published = admin.post(
        "/v1/policies",
        json={"name": "safer-havant", "version": 2, "effective_from": "2026-11-21", "individual_min_complaints": 2},
    )
    assert published.status_code == 201, published.text
    assert published.json()["policy"]["review_due_working_days"] == 20  # taken from the current version
    victim = _person(coordinator)
    for day in ("2026-09-01", "2026-10-01"):
        _complaint(coordinator, victim, day)
    old_rules = _application(coordinator, victim, received="2026-11-20")
    new_rules = _application(coordinator, victim, received="2026-11-21")
    under_v1 = coordinator.get(f"/v1/case-reviews/{old_rules}/assessment").json()
    under_v2 = coordinator.get(f"/v1/case-reviews/{new_rules}/assessment").json()
    assert (under_v1["verdict"], under_v1["policy"]["version"]) == ("not_met", 1)
    assert (under_v2["verdict"], under_v2["policy"]["version"]) == ("met", 2)
    what_if = coordinator.get(f"/v1/case-reviews/{old_rules}/assessment", params={"policy": "safer-havant@2"}).json()
    assert (what_if["verdict"], what_if["policy"]["version"]) == ("met", 2)
    unknown = coordinator.get(f"/v1/case-reviews/{old_rules}/assessment", params={"policy": "safer-havant@42"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "policy"


@pytest.mark.parametrize("bad", ["yesterday", "2026-11-02T10:00:00"])
def test_as_known_at_must_be_a_time_with_offset(coordinator, bad):
    victim = _person(coordinator)
    review = _application(coordinator, victim)
    response = coordinator.get(f"/v1/case-reviews/{review}/assessment", params={"as_known_at": bad})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "as_known_at"

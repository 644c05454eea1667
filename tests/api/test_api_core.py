"""The core API end to end: people, complaints, applications, their lifecycle, lists and history."""

from datetime import date, timedelta
from uuid import uuid4

import psycopg
import pytest
from conftest import ask_for_information


def register(caller, name="Alex Taylor", **contact) -> str:
    response = caller.post("/v1/people", json={"display_name": name, "contact": contact or None})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def complaint(
    caller, victim_id, *, agency="hampshire-constabulary", incident="2026-10-01", reported="2026-10-02", **extra
) -> str:
    body = {
        "victim_id": victim_id, "agency": agency, "incident_date": incident, "reported_date": reported,
        "caused_harassment_alarm_distress": True, "category": "noise", **extra,
    }  # fmt: skip
    response = caller.post("/v1/complaints", json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def application(caller, victim_id, received="2026-11-02", **extra) -> dict:
    body = {
        "route": "individual", "applicant_id": victim_id, "victim_id": victim_id, "received_date": received,
        "channel": "101", "dissatisfaction": "no_action_taken", **extra,
    }  # fmt: skip
    response = caller.post("/v1/case-reviews", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_healthz_needs_no_key(app_client):
    response = app_client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert "lag_events" in response.json()["projections"]


def test_a_write_answers_id_version_and_recorded_time(coordinator):
    response = coordinator.post("/v1/people", json={"display_name": "Sam Patel", "contact": {"phone": "07700 900123"}})
    assert response.status_code == 201
    body = response.json()
    assert body["version"] == 1 and body["id"] and body["recorded_at"]
    person = coordinator.get(f"/v1/people/{body['id']}").json()
    assert person["display_name"] == "Sam Patel" and person["contact"]["phone"] == "07700 900123"


def test_missing_or_wrong_key_is_401_problem(app_client):
    for headers in ({}, {"Authorization": "Bearer ct_000000000000_" + "x" * 43}, {"Authorization": "Basic abc"}):
        response = app_client.get("/v1/case-reviews", headers=headers)
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["status"] == 401


def test_role_outside_the_table_is_403(analyst, police):
    assert analyst.get("/v1/case-reviews").status_code == 403
    assert police.post("/v1/case-reviews", json={}).status_code == 403


def test_invalid_body_is_422_naming_each_field(coordinator):
    response = coordinator.post(
        "/v1/complaints", json={"victim_id": "not-a-uuid", "agency": "Police!", "incident_date": "2026-02-30"}
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["title"] == "Invalid input"
    fields = {error["field"] for error in problem["errors"]}
    assert {"victim_id", "agency", "incident_date", "reported_date", "category"} <= fields


def test_reported_before_incident_is_refused_and_records_nothing(coordinator, database_url):
    victim = register(coordinator)
    before = _event_count(database_url)
    response = coordinator.post(
        "/v1/complaints",
        json={"victim_id": victim, "agency": "hampshire-constabulary", "incident_date": "2026-10-05", "reported_date": "2026-10-04",
              "caused_harassment_alarm_distress": True, "category": "noise"},
    )  # fmt: skip
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "reported_date"
    assert _event_count(database_url) == before


def test_a_date_in_the_future_is_refused(coordinator):
    victim = register(coordinator)
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    response = coordinator.post(
        "/v1/complaints",
        json={"victim_id": victim, "agency": "hampshire-constabulary", "incident_date": tomorrow, "reported_date": tomorrow,
              "caused_harassment_alarm_distress": True, "category": "noise"},
    )  # fmt: skip
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "incident_date"


def test_unknown_people_are_named_fields_not_500(coordinator):
    response = coordinator.post(
        "/v1/complaints",
        json={"victim_id": str(uuid4()), "agency": "hampshire-constabulary", "incident_date": "2026-10-01", "reported_date": "2026-10-01",
              "caused_harassment_alarm_distress": True, "category": "noise"},
    )  # fmt: skip
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "victim_id"


def test_an_id_that_is_not_a_person_is_refused_as_one_and_records_nothing(coordinator, database_url):
    """A person is known by their first event: another aggregate's id (a complaint's) names no one."""
    victim = coordinator.post("/v1/people", json={"display_name": "Real Victim"}).json()["id"]
    body = {"agency": "hampshire-constabulary", "incident_date": "2026-10-01", "reported_date": "2026-10-01",
            "caused_harassment_alarm_distress": True, "category": "noise"}  # fmt: skip
    complaint = coordinator.post("/v1/complaints", json={**body, "victim_id": victim}).json()["id"]
    before = _event_count(database_url)
    as_victim = coordinator.post("/v1/complaints", json={**body, "victim_id": complaint})
    as_complainant = coordinator.post("/v1/complaints", json={**body, "victim_id": victim, "complainant_id": complaint})
    as_member = coordinator.post(
        "/v1/case-reviews",
        json={"route": "group", "applicant_id": victim, "member_ids": [victim, complaint],
              "received_date": "2026-11-02", "channel": "email", "dissatisfaction": "no_action_taken"},
    )  # fmt: skip
    assert [r.status_code for r in (as_victim, as_complainant, as_member)] == [422, 422, 422]
    assert as_victim.json()["errors"][0]["field"] == "victim_id"
    assert as_complainant.json()["errors"][0]["field"] == "complainant_id"
    assert as_member.json()["errors"][0]["field"] == "member_ids[1]"
    assert _event_count(database_url) == before


def test_unknown_application_is_404(coordinator):
    response = coordinator.get(f"/v1/case-reviews/{uuid4()}")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    "path",
    ["/v1/case-reviews/not-an-id", "/v1/complaints/12345", "/v1/people/x", "/v1/case-reviews/not-an-id/history"],
)
def test_an_id_that_could_be_no_ones_is_404_as_an_unknown_one(coordinator, path):
    """API.md Errors: an unknown id 404, whether or not it has the shape of an id."""
    response = coordinator.get(path)
    assert response.status_code == 404, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert coordinator.post(path.removesuffix("/history") + "/withdrawal", json={}).status_code in (404, 405)


def test_a_complaint_takes_the_agencys_own_category_code_and_a_policy_only_known_ones(coordinator, admin):
    victim = register(coordinator)
    logged = complaint(coordinator, victim, category="harassment")
    assert coordinator.get(f"/v1/complaints/{logged}").json()["category"] == "harassment"
    for bad in ("Harassment", "anti-social behaviour", "", "x" * 61):
        body = {"victim_id": victim, "agency": "hampshire-constabulary", "incident_date": "2026-10-01",
                "reported_date": "2026-10-02", "caused_harassment_alarm_distress": True, "category": bad}  # fmt: skip
        refused = coordinator.post("/v1/complaints", json=body)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "category"
        assert "snake_case" in refused.json()["errors"][0]["message"]
    policy = admin.post(
        "/v1/policies",
        json={"name": "safer-havant", "version": 2, "effective_from": "2026-12-01",
              "category_thresholds": {"harassment": 1}},
    )  # fmt: skip
    assert policy.status_code == 422 and policy.json()["errors"][0]["field"] == "category_thresholds.harassment"


def test_agency_logs_only_as_itself_and_reads_only_its_own(police, council, coordinator):
    victim = register(police)
    mine = complaint(police, victim)
    assert police.get(f"/v1/complaints/{mine}").status_code == 200
    assert council.get(f"/v1/complaints/{mine}").status_code == 403
    response = police.post(
        "/v1/complaints",
        json={"victim_id": victim, "agency": "havant-borough-council", "incident_date": "2026-10-01", "reported_date": "2026-10-01",
              "caused_harassment_alarm_distress": True, "category": "noise"},
    )  # fmt: skip
    assert response.status_code == 403
    assert council.post(f"/v1/complaints/{mine}/withdrawal", json={"reason": "not ours"}).status_code == 403


def test_complaint_withdrawn_twice_is_409(coordinator):
    victim = register(coordinator)
    complaint_id = complaint(coordinator, victim, description="Loud music every night")
    assert coordinator.post(f"/v1/complaints/{complaint_id}/withdrawal", json={"reason": "resolved"}).status_code == 200
    second = coordinator.post(f"/v1/complaints/{complaint_id}/withdrawal", json={"reason": "again"})
    assert second.status_code == 409
    read = coordinator.get(f"/v1/complaints/{complaint_id}").json()
    assert (
        read["withdrawn"] is True
        and read["withdrawal_reason"] == "resolved"
        and read["description"] == "Loud music every night"
    )


def test_stale_if_match_is_412_and_records_nothing(coordinator):
    victim = register(coordinator)
    complaint_id = complaint(coordinator, victim)
    amended = coordinator.patch(
        f"/v1/complaints/{complaint_id}", json={"agency_reference": "HC-1"}, headers={"If-Match": "1"}
    )
    assert amended.status_code == 200 and amended.json()["version"] == 2
    stale = coordinator.patch(
        f"/v1/complaints/{complaint_id}", json={"agency_reference": "HC-2"}, headers={"If-Match": "1"}
    )
    assert stale.status_code == 412
    assert coordinator.get(f"/v1/complaints/{complaint_id}").json()["agency_reference"] == "HC-1"


def test_the_whole_lifecycle_through_the_api(coordinator, police, council):
    victim = register(coordinator, "Jordan Smith", email="jordan@example.org")
    for day in ("2026-09-01", "2026-09-20", "2026-10-10"):
        complaint(police, victim, incident=day, reported=day)
    created = application(coordinator, victim)
    review_id = created["id"]
    assert created["status"] == "received" and "due_date" in created
    base = f"/v1/case-reviews/{review_id}"

    # No review, information or outcome before the threshold decision.
    assert (
        coordinator.post(f"{base}/review", json={"completed_on": "2026-11-10", "recommendations": []}).status_code
        == 409
    )
    assert coordinator.post(f"{base}/outcome-notices", json={"notified_on": "2026-11-10"}).status_code == 409

    assert coordinator.post(f"{base}/acknowledgement", json={"acknowledged_on": "2026-11-03"}).status_code == 201
    assert coordinator.post(f"{base}/acknowledgement", json={"acknowledged_on": "2026-11-03"}).status_code == 409
    decided = coordinator.post(f"{base}/threshold-decision", json={"decision": "met", "decided_on": "2026-11-05"})
    assert decided.status_code == 201, decided.text
    assert decided.json()["status"] == "under_review"
    ask_for_information(coordinator.client.app.state.services.store, review_id, "hampshire-constabulary")
    assert (
        police.post(
            f"{base}/information",
            json={"agency": "hampshire-constabulary", "shared_on": "2026-11-06", "summary": "Three visits"},
        ).status_code
        == 201
    )
    assert (
        council.post(
            f"{base}/information", json={"agency": "hampshire-constabulary", "shared_on": "2026-11-06"}
        ).status_code
        == 403
    )
    delay = coordinator.post(
        f"{base}/delay-notices",
        json={"reason": "awaiting NHS records", "new_target_date": "2026-12-15", "notified_on": "2026-11-09"},
    )
    assert delay.status_code == 201
    done = coordinator.post(
        f"{base}/review",
        json={
            "completed_on": "2026-11-12",
            "recommendations": [{"action": "Mediation", "agency": "vivid-homes", "due_date": "2026-12-01"}],
        },
    )
    assert done.status_code == 201 and done.json()["status"] == "review_completed"
    assert coordinator.post(f"{base}/outcome-notices", json={"notified_on": "2026-11-13"}).status_code == 201
    assert coordinator.post(f"{base}/outcome-notices", json={"notified_on": "2026-11-14"}).status_code == 409
    # RULES.md 14: completion is the applicant being told the outcome; no delay notice after it.
    assert (
        coordinator.post(
            f"{base}/delay-notices",
            json={"reason": "late", "new_target_date": "2026-12-20", "notified_on": "2026-11-13"},
        ).status_code
        == 409
    )

    escalation = coordinator.post(f"{base}/escalations", json={"requested_on": "2026-11-16", "reason": "not satisfied"})
    assert escalation.status_code == 201 and escalation.json()["status"] == "escalated"
    escalation_id = escalation.json()["escalation_id"]
    result = coordinator.post(
        f"{base}/escalations/{escalation_id}/result", json={"result": "upheld", "decided_on": "2026-11-18"}
    )
    assert result.status_code == 201 and result.json()["status"] == "under_review"
    assert (
        coordinator.post(
            f"{base}/escalations/{uuid4()}/result", json={"result": "upheld", "decided_on": "2026-11-18"}
        ).status_code
        == 404
    )

    case = coordinator.get(base).json()
    assert case["threshold_decision"]["decision"] == "met"
    assert case["threshold_decision"]["actor"]["role"] == "coordinator"
    assert case["information_shared"][0]["summary"] == "Three visits"
    assert case["reviews"][0]["recommendations"][0]["action"] == "Mediation"
    assert case["delay_notices"][0]["reason"] == "awaiting NHS records"
    assert case["escalations"][0]["result"] == "upheld"

    history = coordinator.get(f"{base}/history").json()["items"]
    types = [item["type"] for item in history]
    assert types.count("Complaint.Logged") == 3
    assert "CaseReview.ThresholdDecided" in types and "CaseReview.EscalationDecided" in types
    assert all(item["recorded_at"] and item["actor"]["role"] for item in history)


def test_not_met_decision_then_outcome_closes(coordinator):
    victim = register(coordinator)
    review_id = application(coordinator, victim)["id"]
    base = f"/v1/case-reviews/{review_id}"
    assert (
        coordinator.post(
            f"{base}/threshold-decision", json={"decision": "not_met", "decided_on": "2026-11-04"}
        ).status_code
        == 201
    )
    assert (
        coordinator.post(f"{base}/review", json={"completed_on": "2026-11-10", "recommendations": []}).status_code
        == 409
    )
    closed = coordinator.post(f"{base}/outcome-notices", json={"notified_on": "2026-11-05"})
    assert closed.status_code == 201 and closed.json()["status"] == "closed"


def test_case_list_is_newest_first_cursor_paged_and_reads_own_writes(coordinator):
    victim = register(coordinator)
    ids = [application(coordinator, victim, received=f"2025-0{month}-15")["id"] for month in (1, 2, 3, 4, 5)]
    seen, cursor = [], None
    while True:
        page = coordinator.get("/v1/case-reviews", params={"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen))
    positions = [seen.index(i) for i in ids]
    assert positions == sorted(positions, reverse=True)  # the latest received first
    received = [coordinator.get(f"/v1/case-reviews/{i}").json()["received_date"] for i in seen[:5]]
    assert received == sorted(received, reverse=True)


def test_a_page_larger_than_the_most_is_the_most_and_a_page_of_none_is_422(coordinator, auditor):
    for _ in range(3):
        application(coordinator, register(coordinator))
    page = coordinator.get("/v1/case-reviews", params={"limit": 100_000})
    assert page.status_code == 200, page.text
    assert len(page.json()["items"]) <= 200
    assert len(coordinator.get("/v1/case-reviews", params={"limit": 2}).json()["items"]) == 2
    assert auditor.get("/v1/events", params={"after": 0, "limit": 5000}).status_code == 200
    refused = coordinator.get("/v1/case-reviews", params={"limit": 0})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "limit"


def test_history_and_the_feed_name_an_events_fields_as_the_api_does(coordinator, auditor):
    victim = register(coordinator)
    logged = complaint(coordinator, victim)
    review = application(coordinator, victim)["id"]
    events = coordinator.get(f"/v1/case-reviews/{review}/history").json()["items"]
    data = next(e["data"] for e in events if e["aggregate_id"] == logged and e["type"].endswith("Logged"))
    assert data["caused_harassment_alarm_distress"] is True and "caused_had" not in data


@pytest.mark.parametrize(("given", "kept"), [("in person", "in_person"), (101, "101"), ("Online", "online")])
def test_an_application_takes_its_channel_as_rules_1_writes_it(coordinator, given, kept):
    """RULES.md 1: "channel (101, online, email, letter, in person)"."""
    victim = register(coordinator)
    made = application(coordinator, victim, channel=given)
    assert coordinator.get(f"/v1/case-reviews/{made['id']}").json()["channel"] == kept
    refused = coordinator.post("/v1/case-reviews", json={
        "route": "individual", "applicant_id": victim, "victim_id": victim, "received_date": "2026-11-02",
        "channel": "carrier pigeon", "dissatisfaction": "no_action_taken",
    })  # fmt: skip
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "channel"


def test_a_bad_cursor_is_422(coordinator):
    response = coordinator.get("/v1/case-reviews", params={"cursor": "garbage"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "cursor"


def test_events_are_rows_in_postgresql(coordinator, database_url):
    victim = register(coordinator, "Row Check")
    with psycopg.connect(database_url) as conn:
        topics = [
            row[0]
            for row in conn.execute("SELECT topic FROM community_trigger_events WHERE originator_id = %s", (victim,))
        ]
    assert topics == ["domain.people:Person.Registered"]


def test_event_feed_is_in_commit_order_with_positions(coordinator, auditor):
    register(coordinator, "Feed Check")
    page = auditor.get("/v1/events", params={"after": 0, "limit": 1000}).json()
    positions = [item["position"] for item in page["items"]]
    assert positions == sorted(positions) and len(positions) == len(set(positions))
    assert page["next_after"] == positions[-1]


def _event_count(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT count(*) FROM community_trigger_events").fetchone()[0]


def test_a_victims_complaints_are_listed_and_an_agency_sees_only_its_own(coordinator, police, council, services):
    victim = register(coordinator)
    mine = complaint(police, victim, incident="2026-10-01")
    theirs = complaint(council, victim, agency="havant-borough-council", incident="2026-10-03", reported="2026-10-03")
    services.runner.wait_for(
        services.runner.head(), timeout=10
    )  # others' writes: read models catch up soon, not at once
    listed = coordinator.get(f"/v1/people/{victim}/complaints").json()["items"]
    assert [item["id"] for item in listed] == [mine, theirs]
    assert [item["id"] for item in police.get(f"/v1/people/{victim}/complaints").json()["items"]] == [mine]
    assert coordinator.get(f"/v1/people/{uuid4()}/complaints").status_code == 404
    assert coordinator.get(f"/v1/people/{victim}/complaints", params={"cursor": "e30"}).status_code == 422


def test_the_case_list_filters_by_agency_and_route(coordinator, council, services):
    victim = register(coordinator)
    complaint(council, victim, agency="havant-borough-council")
    review = application(coordinator, victim)["id"]
    services.runner.wait_for(services.runner.head(), timeout=10)
    listed = coordinator.get(
        "/v1/case-reviews", params={"agency": "havant-borough-council", "route": "individual", "limit": 200}
    ).json()["items"]
    assert review in [item["id"] for item in listed]
    none = coordinator.get("/v1/case-reviews", params={"agency": "no-such-agency"}).json()["items"]
    assert none == []

"""API.md (errors), black box through the HTTP API: every statement of the contract."""

from uuid import uuid4

from acceptance_helpers import POLICE, PROBLEM, application, assert_problem, person


def test_api_invalid_input_is_422_problem_naming_each_field(coordinator):
    body = assert_problem(coordinator.post("/v1/people", json={}), 422, "display_name")
    assert body["errors"]
    victim = person(coordinator)
    response = coordinator.post(
        "/v1/complaints",
        json={"victim_id": victim, "agency": POLICE, "incident_date": "10/05/2026", "reported_date": "2026-05-10",
              "caused_harassment_alarm_distress": True},
    )  # fmt: skip
    fields = [e["field"] for e in assert_problem(response, 422, "incident_date")["errors"]]
    assert "category" in fields
    assert_problem(
        coordinator.post("/v1/case-reviews", json={"route": "sideways", "applicant_id": victim, "victim_id": victim,
                                                   "received_date": "2026-07-15", "channel": "online",
                                                   "dissatisfaction": "no_action_taken"}),
        422, "route",
    )  # fmt: skip
    assert_problem(
        coordinator.post("/v1/case-reviews", json={"route": "individual", "applicant_id": victim, "received_date": "2026-07-15",
                                                   "channel": "online", "dissatisfaction": "no_action_taken"}),
        422, "victim_id",
    )  # fmt: skip
    assert_problem(
        coordinator.post("/v1/case-reviews", json={"route": "group", "applicant_id": victim, "received_date": "2026-07-15",
                                                   "channel": "online", "dissatisfaction": "no_action_taken"}),
        422, "member_ids",
    )  # fmt: skip
    assert_problem(
        coordinator.post("/v1/consents", json={"person_id": victim, "application_id": str(uuid4()),
                                               "purpose": "everything", "given_on": "2026-07-15"}),
        422, "purpose",
    )  # fmt: skip


def test_api_an_unknown_id_is_404_problem(coordinator):
    unknown = uuid4()
    for path in (
        f"/v1/people/{unknown}", f"/v1/complaints/{unknown}", f"/v1/case-reviews/{unknown}",
        f"/v1/case-reviews/{unknown}/assessment", f"/v1/case-reviews/{unknown}/history",
    ):  # fmt: skip
        assert_problem(coordinator.get(path), 404)
    assert_problem(coordinator.post(f"/v1/complaints/{unknown}/withdrawal", json={"reason": "x"}), 404)
    assert_problem(coordinator.post(f"/v1/consents/{unknown}/withdrawal", json={"withdrawn_on": "2026-07-15"}), 404)
    assert_problem(
        coordinator.post(
            f"/v1/case-reviews/{unknown}/threshold-decision", json={"decision": "met", "decided_on": "2026-07-15"}
        ),
        404,
    )
    assert_problem(coordinator.post(f"/v1/people/{unknown}/erasure", json={"reason": "subject_request"}), 404)


def test_api_no_5xx_for_odd_input(coordinator):
    victim = person(coordinator)
    review = application(coordinator, victim, "2026-07-15")["id"]
    odd = [
        coordinator.get("/v1/case-reviews/not-a-uuid"),
        coordinator.get(f"/v1/case-reviews/{review}/assessment", params={"as_known_at": "never"}),
        coordinator.get(f"/v1/case-reviews/{review}/assessment", params={"policy": "@@"}),
        coordinator.get("/v1/case-reviews", params={"cursor": "%%%"}),
        coordinator.get("/v1/case-reviews", params={"limit": -1}),
        coordinator.get("/v1/deadlines", params={"on": "2026-02-30"}),
        coordinator.get("/v1/events", params={"after": -5}),
        coordinator.get("/v1/reports/publication", params={"year": "MMXXVI"}),
        coordinator.post("/v1/people", content=b"\xff\xfe not json", headers={"Content-Type": "application/json"}),
        coordinator.post("/v1/people", json={"display_name": "x" * 100_000}),
        coordinator.post("/v1/complaints", json={"victim_id": victim, "agency": POLICE, "incident_date": "2026-13-45",
                                                 "reported_date": "0000-00-00", "caused_harassment_alarm_distress": "yes",
                                                 "category": "noise"}),
        coordinator.post(f"/v1/case-reviews/{review}/delay-notices", json=[1, 2, 3]),
        coordinator.post(f"/v1/case-reviews/{review}/review", json={"completed_on": "2026-07-20", "recommendations": [{}]}),
    ]  # fmt: skip
    for response in odd:
        assert 400 <= response.status_code < 500, (response.request.url, response.status_code, response.text)
        assert response.headers["content-type"].startswith(PROBLEM)
        if response.status_code == 422:
            assert response.json()["errors"]
    for on in ("0001-01-01", "0001-01-15", "9999-12-31"):  # the first and last days a date can be
        assert coordinator.get("/v1/deadlines", params={"on": on}).status_code < 500, on


def test_api_a_missing_key_is_401_and_a_role_outside_the_table_403_before_the_body_is_judged(app_client, analyst):
    assert_problem(app_client.post("/v1/people", json={}), 401)
    assert_problem(analyst.post("/v1/people", json={}), 403)
    assert_problem(analyst.post("/v1/case-reviews", json={"route": "nonsense"}), 403)

"""Every read of a person's data is recorded (who, when, what, whom), and auditors read it back."""

import uuid

from fastapi.testclient import TestClient

from api.audit import person_ids_in


def _person(caller, name: str) -> str:
    response = caller.post("/v1/people", json={"display_name": name})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _complaint(caller, victim: str, agency: str = "hampshire-constabulary") -> str:
    body = {
        "victim_id": victim, "agency": agency, "incident_date": "2026-10-01", "reported_date": "2026-10-02",
        "caused_harassment_alarm_distress": True, "category": "noise",
    }  # fmt: skip
    response = caller.post("/v1/complaints", json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _reads_of(auditor, person_id: str) -> list[dict]:
    response = auditor.get("/v1/audit", params={"person_id": person_id})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_reading_a_person_is_recorded_with_who_when_and_what(coordinator, auditor):
    person = _person(coordinator, "Audited Once")
    assert _reads_of(auditor, person) == []  # registering is a write, not a read
    read = coordinator.get(f"/v1/people/{person}", headers={"X-Request-ID": "trace-audit-1"})
    assert read.status_code == 200
    [row] = _reads_of(auditor, person)
    key_id = coordinator.headers["Authorization"].split("_")[1]
    assert row["key_id"] == key_id and row["role"] == "coordinator" and row["agency"] is None
    assert row["method"] == "GET" and row["path"] == f"/v1/people/{person}"
    assert row["route"] == "/v1/people/{person_id}"
    assert row["person_ids"] == [person] and row["request_id"] == "trace-audit-1" and row["read_at"]


def test_an_agency_reading_its_complaint_is_recorded_with_its_agency(police, auditor):
    victim = _person(police, "Police Victim")
    complaint = _complaint(police, victim)
    assert police.get(f"/v1/complaints/{complaint}").status_code == 200
    [row] = _reads_of(auditor, victim)
    assert row["role"] == "agency" and row["agency"] == "hampshire-constabulary"
    assert row["path"] == f"/v1/complaints/{complaint}"


def test_lists_histories_and_the_event_feed_record_every_person_they_show(coordinator, auditor):
    start = 0  # the feed's end before this test: however many events other tests wrote, the page read holds ours
    while page := auditor.get("/v1/events", params={"after": start, "limit": 1000}).json()["items"]:
        start = page[-1]["position"]
    applicant = _person(coordinator, "Listed Applicant")
    review = coordinator.post(
        "/v1/case-reviews",
        json={"route": "individual", "applicant_id": applicant, "victim_id": applicant, "received_date": "2026-11-02",
              "channel": "101", "dissatisfaction": "no_action_taken"},
    )  # fmt: skip
    assert review.status_code == 201
    assert coordinator.get("/v1/case-reviews", params={"limit": 200}).status_code == 200
    assert coordinator.get(f"/v1/case-reviews/{review.json()['id']}/history").status_code == 200
    assert auditor.get("/v1/events", params={"after": start, "limit": 1000}).status_code == 200
    routes = {row["route"] for row in _reads_of(auditor, applicant)}
    assert {"/v1/case-reviews", "/v1/case-reviews/{review_id}/history", "/v1/events"} <= routes


def test_refused_and_missing_reads_record_nothing(coordinator, analyst, auditor):
    person = _person(coordinator, "Not Read")
    assert analyst.get(f"/v1/people/{person}").status_code == 403
    assert coordinator.get(f"/v1/people/{uuid.uuid4()}").status_code == 404
    assert _reads_of(auditor, person) == []


def test_only_auditors_read_the_audit(coordinator, police, analyst, admin, app_client):
    for caller in (coordinator, police, analyst, admin):
        response = caller.get("/v1/audit")
        assert response.status_code == 403 and response.headers["content-type"].startswith("application/problem+json")
    assert app_client.get("/v1/audit").status_code == 401


def test_the_audit_is_newest_first_and_cursor_paged(coordinator, auditor):
    person = _person(coordinator, "Read Five Times")
    for _ in range(5):
        assert coordinator.get(f"/v1/people/{person}").status_code == 200
    seen, cursor = [], None
    while True:
        params = {"person_id": person, "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = auditor.get("/v1/audit", params=params).json()
        seen += [row["id"] for row in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 5 and seen == sorted(seen, reverse=True)
    bad = auditor.get("/v1/audit", params={"cursor": "garbage"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"


def test_no_audit_row_means_no_data(app_client, coordinator, services):
    """The row is written before the answer leaves: if it cannot be written, the person's data is not sent."""
    person = _person(coordinator, "Unrecordable Name")
    refusing = TestClient(app_client.app, raise_server_exceptions=False)
    with services.pool.connection() as conn:
        conn.execute("ALTER TABLE api_read_audit RENAME TO api_read_audit_away")
    try:
        response = refusing.get(f"/v1/people/{person}", headers=coordinator.headers)
    finally:
        with services.pool.connection() as conn:
            conn.execute("ALTER TABLE api_read_audit_away RENAME TO api_read_audit")
    assert response.status_code == 500
    assert "Unrecordable Name" not in response.text
    assert response.headers["content-type"].startswith("application/problem+json")


def test_person_ids_are_found_at_any_depth_by_field():
    a, b, c, d, e = (str(uuid.uuid4()) for _ in range(5))
    document = {
        "items": [
            {"id": "not-a-person", "applicant_id": a, "victim_id": None, "member_ids": [b, c]},
            {"type": "Complaint.Logged", "data": {"victim_id": d, "complainant_id": d}},
            {"type": "Person.Registered", "aggregate_id": e, "data": {"display_name": "x"}},
        ]
    }
    assert person_ids_in(document, "/v1/events") == sorted({a, b, c, d, e})
    assert person_ids_in({"id": a, "display_name": "x"}, "/v1/people/{person_id}") == [a]
    assert person_ids_in({"id": a}, "/v1/consents/{consent_id}") == []


def _declaring_app(check_declared: bool, declared: list[str], answer: dict, rows: list) -> TestClient:
    """A bare app behind the read audit whose one route answers `answer`, naming `declared` as its people."""
    from fastapi import FastAPI

    from api import audit

    class Writer:  # stands in for the AuditWriter: keeps each row it is handed
        async def record(self, row: tuple) -> None:
            rows.append(row)

    app = FastAPI()
    app.state.audit_writer = Writer()
    audit.install(app, check_declared=check_declared)

    @app.get("/v1/things")
    def things() -> audit.AuditedJSON:
        return audit.AuditedJSON(answer, declared)

    return TestClient(app, raise_server_exceptions=False)


def test_a_route_naming_its_people_is_recorded_without_a_walk_and_checked_against_one_in_tests():
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    answer = {"items": [{"victim_id": a, "member_ids": [b]}, {"victim_id": a, "member_ids": []}]}
    rows: list = []
    named = _declaring_app(False, [a, b, a, None], answer, rows).get("/v1/things")
    assert named.status_code == 200 and named.json() == answer
    assert rows[-1][-1] == "{" + ",".join(sorted({a, b})) + "}"  # as named: repeats and nulls dropped
    checked = _declaring_app(True, [b, a], answer, rows).get("/v1/things")
    assert checked.status_code == 200 and len(rows) == 2
    # A route naming too few is recorded as it says without the check; with it, the read fails and sends nothing.
    assert _declaring_app(False, [a], answer, rows).get("/v1/things").status_code == 200
    refused = _declaring_app(True, [a], answer, rows).get("/v1/things")
    assert refused.status_code == 500 and b not in refused.text and len(rows) == 3

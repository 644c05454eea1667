"""What the acceptance scenarios share: black box through the HTTP API only, with the documents' own reason codes,
field names and values (RULES.md and API.md). Each scenario uses people of its own, so the shared test
database's other data never changes an answer; scenarios that need to know everything in the store
(publication figures, policy versions) get a database of their own (`own_store`)."""

import secrets
import time
from datetime import UTC, date, datetime, timedelta

PROBLEM = "application/problem+json"
POLICE, COUNCIL, NHS = "hampshire-constabulary", "havant-borough-council", "nhs-hampshire-iow-icb"


def today() -> date:
    return datetime.now(UTC).date()


def iso(d: date) -> str:
    return d.isoformat()


def D(text: str) -> date:
    return date.fromisoformat(text)


# --- helpers: everything through the API ---------------------------------------------------


def person(caller, name: str | None = None, **contact) -> str:
    body = {"display_name": name or f"Person {secrets.token_hex(3)}"}
    if contact:
        body["contact"] = contact
    response = caller.post("/v1/people", json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def complaint(caller, victim, incident, reported=None, *, agency=POLICE, had=True, expect=201, **extra) -> str:
    body = {
        "victim_id": victim, "agency": agency, "incident_date": str(incident), "reported_date": str(reported or incident),
        "caused_harassment_alarm_distress": had, "category": "intimidation", **extra,
    }  # fmt: skip
    response = caller.post("/v1/complaints", json=body)
    assert response.status_code == expect, response.text
    return response.json().get("id")


def application(caller, victim, received, *, applicant=None, complaint_ids=None, **extra) -> dict:
    body = {
        "route": "individual", "applicant_id": applicant or victim, "victim_id": victim, "received_date": str(received),
        "channel": "online", "dissatisfaction": "no_action_taken", **extra,
    }  # fmt: skip
    if complaint_ids is not None:
        body["complaint_ids"] = complaint_ids
    response = caller.post("/v1/case-reviews", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def group_application(caller, applicant, members, received, **extra) -> dict:
    body = {
        "route": "group", "applicant_id": applicant, "member_ids": members, "received_date": str(received),
        "channel": "email", "dissatisfaction": "not_satisfied", **extra,
    }  # fmt: skip
    response = caller.post("/v1/case-reviews", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def consent(caller, person_id, application_id, purpose, given_on="2026-07-15") -> str:
    response = caller.post(
        "/v1/consents",
        json={"person_id": person_id, "application_id": application_id, "purpose": purpose, "given_on": given_on},
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def assessment(caller, review_id, **params) -> dict:
    response = caller.get(f"/v1/case-reviews/{review_id}/assessment", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def counted_ids(body: dict) -> set[str]:
    return {c["complaint_id"] for c in body["counted"]}


def excluded(body: dict) -> dict[str, list[str]]:
    return {e["complaint_id"]: e["reasons"] for e in body["excluded"]}


def moment() -> str:
    """A recorded time strictly between the writes before and after it."""
    time.sleep(0.02)
    at = datetime.now(UTC).isoformat()
    time.sleep(0.02)
    return at


def assert_problem(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    for name in ("type", "title", "status", "detail"):
        assert name in body, body
    assert body["status"] == status
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body
        assert all(e["message"] for e in body["errors"])
    return body


def last_position(caller) -> int:
    after = 0
    while True:
        page = caller.get("/v1/events", params={"after": after, "limit": 1000}).json()["items"]
        if not page:
            return after
        after = page[-1]["position"]


def deadline_row(caller, review_id: str, on: str) -> dict | None:
    """The row of one application in the deadline view as on `on`, paging through every page."""
    params = {"on": on}
    while True:
        response = caller.get("/v1/deadlines", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        for item in page["items"]:
            if item["id"] == review_id:
                return item
        if not page["next_cursor"]:
            return None
        params = {"on": on, "cursor": page["next_cursor"]}


def met_case(coordinator, received="2026-07-15") -> str:
    victim = person(coordinator)
    for days_before in (90, 60, 30):
        complaint(coordinator, victim, D(received) - timedelta(days=days_before))
    return application(coordinator, victim, received)["id"]


def ask_agency(caller, review_id: str, agency: str, requested_on: str) -> str:
    """The coordinator asks `agency` for information on the review (RULES.md 13): an agency shares only when asked."""
    due = (D(requested_on) + timedelta(days=10)).isoformat()
    response = caller.post(
        f"/v1/case-reviews/{review_id}/information-requests",
        json={"agency": agency, "requested_on": requested_on, "due_date": due},
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]

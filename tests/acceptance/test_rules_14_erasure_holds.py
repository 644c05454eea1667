"""RULES.md section 14: nothing more may be recorded about an erased person.

A write that names them (victim, complainant, applicant, member, consent) is refused with 409
naming the field, and records nothing: not even a complaint without free text, whose events
would otherwise hold only ids and dates.
"""

import psycopg
import pytest


def _person(caller, name: str) -> str:
    response = caller.post("/v1/people", json={"display_name": name})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _events(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT count(*) FROM community_trigger_events").fetchone()[0]


def _complaint(victim: str, **extra) -> dict:
    return {
        "victim_id": victim, "agency": "hampshire-constabulary", "incident_date": "2026-10-01",
        "reported_date": "2026-10-02", "caused_harassment_alarm_distress": True, "category": "noise", **extra,
    }  # fmt: skip


def _application(applicant: str, **extra) -> dict:
    return {
        "route": "individual", "applicant_id": applicant, "victim_id": applicant, "received_date": "2026-11-02",
        "channel": "online", "dissatisfaction": "no_action_taken", **extra,
    }  # fmt: skip


@pytest.fixture(scope="module")
def erased_and_alive(coordinator):
    erased, alive = _person(coordinator, "Erin Erased"), _person(coordinator, "Alive Person")
    # An application made before the erasure, naming both: a consent to it is a write naming the person.
    before = coordinator.post("/v1/case-reviews", json=_application(alive, victim_id=erased)).json()["id"]
    assert coordinator.post(f"/v1/people/{erased}/erasure", json={"reason": "subject_request"}).status_code == 201
    return erased, alive, before


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/complaints", lambda e, a, r: _complaint(e), "victim_id"),
        ("/v1/complaints", lambda e, a, r: _complaint(a, complainant_id=e), "complainant_id"),
        ("/v1/case-reviews", lambda e, a, r: _application(e), "applicant_id"),
        ("/v1/case-reviews", lambda e, a, r: _application(a, victim_id=e), "victim_id"),
        (
            "/v1/case-reviews",
            lambda e, a, r: _application(a, route="group", victim_id=None, member_ids=[a, e]),
            "member_ids[1]",
        ),
        (
            "/v1/consents",
            lambda e, a, r: {
                "person_id": e,
                "application_id": r,
                "purpose": "application_on_behalf",
                "given_on": "2026-11-03",
            },
            "person_id",
        ),
    ],
)
def test_rules_14_a_write_naming_an_erased_person_is_refused_409_naming_the_field(
    coordinator, database_url, erased_and_alive, path, body, field
):
    erased, alive, before = erased_and_alive
    events = _events(database_url)
    response = coordinator.post(path, json=body(erased, alive, before))
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert _events(database_url) == events  # nothing recorded


def test_rules_14_the_same_writes_about_a_person_not_erased_are_recorded(coordinator, erased_and_alive):
    _, alive, _ = erased_and_alive
    assert coordinator.post("/v1/complaints", json=_complaint(alive)).status_code == 201
    assert coordinator.post("/v1/case-reviews", json=_application(alive)).status_code == 201


def test_an_unknown_person_is_still_invalid_input_not_a_conflict(coordinator):
    response = coordinator.post("/v1/complaints", json=_complaint("00000000-0000-4000-8000-000000000000"))
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "victim_id"

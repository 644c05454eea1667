"""Errors a person can act on: each says what to send instead (issue 13, point 7)."""

import re
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.app import create_app

SEND_JSON = "Content-Type: application/json"
WRITES = [
    (method.upper(), path)
    for path, item in create_app("postgresql://never-started").openapi()["paths"].items()
    for method, operation in item.items()
    if "requestBody" in operation
]


def _writer(path, coordinator, admin, pcc):
    """A key whose role may make the write: the role check comes before the body is read."""
    if path == "/v1/policies":
        return admin
    return pcc if path.startswith("/v1/pcc-review-requests/") else coordinator


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded"], ids=["none", "text", "form"]
)
@pytest.mark.parametrize(("method", "path"), WRITES, ids=lambda value: value)
def test_a_body_not_sent_as_json_is_415_saying_to_send_content_type_json(
    method, path, content_type, coordinator, admin, pcc
):
    """Every write alike: curl's -d sends a form, and a client that sets no Content-Type sends none."""
    caller = _writer(path, coordinator, admin, pcc)
    headers = {**caller.headers, **({"Content-Type": content_type} if content_type else {})}
    # A fresh id in every path parameter (a letter's kind is a word): a write never reached, 415 comes first.
    target = re.sub(r"\{([^}]+)\}", lambda m: "outcome" if m.group(1) == "kind" else str(uuid.uuid4()), path)
    response = caller.client.request(method, target, content=b'{"display_name": "Alex"}', headers=headers)
    assert response.status_code == 415, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 415 and SEND_JSON in problem["detail"]
    assert problem["errors"] == [{"field": "Content-Type", "message": problem["detail"]}]


def test_a_json_body_with_a_charset_is_json(coordinator):
    response = coordinator.client.post(
        "/v1/people",
        content=b'{"display_name": "Alex Charset"}',
        headers={**coordinator.headers, "Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 201, response.text


def test_a_body_that_is_not_json_says_where(coordinator):
    response = coordinator.client.post(
        "/v1/people", content=b'{"display_name": }', headers={**coordinator.headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert (
        error["field"] == "body"
        and error["message"].startswith("the body is not valid JSON")
        and "character" in error["message"]
    )


@pytest.fixture(scope="module")
def review(coordinator):
    victim = coordinator.post("/v1/people", json={"display_name": "Kit Plus"}).json()["id"]
    body = {"route": "individual", "applicant_id": victim, "victim_id": victim, "received_date": "2026-11-02",
            "channel": "online", "dissatisfaction": "no_action_taken"}  # fmt: skip
    return coordinator.post("/v1/case-reviews", json=body).json()["id"]


@pytest.mark.parametrize(
    "query",
    [
        "as_known_at=2026-12-02T09:30:00+00:00",
        "as_known_at=2026-12-02T09:30:00%2000:00",
        "as_known_at=2026-12-02T09:30:00+0100",
    ],
)
def test_an_unencoded_plus_in_as_known_at_says_to_write_z_or_2b(coordinator, review, query):
    """A '+' in a URL's query reads as a space: the time arrives as '2026-12-02T09:30:00 00:00'."""
    response = coordinator.get(f"/v1/case-reviews/{review}/assessment?{query}")
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "as_known_at"
    assert "Z" in error["message"] and "%2B" in error["message"]


@pytest.mark.parametrize("query", ["as_known_at=2026-12-02T09:30:00%2B00:00", "as_known_at=2026-12-02T09:30:00Z"])
def test_an_as_known_at_written_with_z_or_2b_is_read(coordinator, review, query):
    response = coordinator.get(f"/v1/case-reviews/{review}/assessment?{query}")
    assert response.status_code in (200, 422), response.text
    if response.status_code == 422:  # recorded after that moment: a rule, not the form of the time
        assert "not yet recorded" in response.json()["detail"]


def _messages(response) -> list[str]:
    assert response.status_code == 422, response.text
    return [error["message"] for error in response.json()["errors"]]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    incident=st.text(max_size=30),
    email=st.text(max_size=40),
    known_at=st.text(alphabet=st.characters(codec="ascii", exclude_categories=["Cc"]), max_size=30),
)
def test_no_error_message_starts_with_pydantics_value_error_prefix(coordinator, review, incident, email, known_at):
    """The message alone says what is wrong: 'Value error, ' is pydantic's, not something a person can act on."""
    complaint = coordinator.post(
        "/v1/complaints",
        json={"victim_id": str(uuid.uuid4()), "agency": "hampshire-constabulary", "incident_date": incident,
              "reported_date": "2026-10-02", "caused_harassment_alarm_distress": True, "category": "noise"},
    )  # fmt: skip
    person = coordinator.post("/v1/people", json={"display_name": "Val Error", "contact": {"email": email}})
    assessed = coordinator.get(f"/v1/case-reviews/{review}/assessment", params={"as_known_at": known_at})
    messages = [
        message
        for response in (complaint, person, assessed)
        if response.status_code == 422
        for message in _messages(response)
    ]
    assert [message for message in messages if message.startswith("Value error")] == []
    assert all(message.strip() for message in messages)


@pytest.mark.parametrize("email", ["alex", "alex@", "alex@example", "alex example@example.org", "a@@example.org"])
def test_a_contact_email_that_is_not_an_email_address_is_refused_naming_it(coordinator, email):
    response = coordinator.post("/v1/people", json={"display_name": "Alex Mail", "contact": {"email": email}})
    (message,) = _messages(response)
    assert response.json()["errors"][0]["field"] == "contact.email"
    assert message.startswith("not an email address") and "alex.taylor@example.org" in message


def test_a_contact_email_is_kept_as_the_person_gave_it(coordinator):
    created = coordinator.post(
        "/v1/people", json={"display_name": "Alex Case", "contact": {"email": " Alex.Case@Example.ORG "}}
    )
    assert created.status_code == 201, created.text
    read = coordinator.get(f"/v1/people/{created.json()['id']}").json()
    assert read["contact"]["email"] == "Alex.Case@Example.ORG"

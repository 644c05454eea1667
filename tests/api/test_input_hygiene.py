"""Input hygiene (API.md, Errors: invalid input is 422 naming the field, and records nothing).

NUL and the other C0 control characters are refused in every text field (tabs and line breaks only
in long free text), bidirectional override and isolate characters in names, dates before 1900
wherever a date is taken; and an agency shares information only on a review it was asked to
(RULES.md 13's information requests), answered 404 otherwise, exactly as for a review that does
not exist, so it learns nothing.
"""

from uuid import uuid4

import pytest
from conftest import ask_for_information, caller_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_api_core import application, complaint, register

POLICE = "hampshire-constabulary"
C0_BUT_TAB_AND_LINE_BREAKS = [chr(c) for c in range(32) if chr(c) not in "\t\n\r"] + ["\x7f"]
BIDI = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]


def _complaint_body(victim: str, **fields) -> dict:
    return {
        "victim_id": victim, "agency": POLICE, "incident_date": "2026-10-01", "reported_date": "2026-10-02",
        "caused_harassment_alarm_distress": True, "category": "noise", **fields,
    }  # fmt: skip


def _refused(response, field: str) -> dict:
    assert response.status_code == 422, response.text
    problem = response.json()
    assert [error["field"] for error in problem["errors"]] == [field], problem
    return problem


def _head(client) -> int:
    return client.app.state.services.runner.head()


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b", "\x7f", "\n", "\t"])
def test_a_name_with_a_control_character_or_line_break_is_refused_naming_it(coordinator, character):
    before = _head(coordinator.client)
    problem = _refused(coordinator.post("/v1/people", json={"display_name": f"Al{character}ex"}), "display_name")
    assert f"U+{ord(character):04X}" in problem["detail"]
    assert _head(coordinator.client) == before  # nothing recorded


@pytest.mark.parametrize("character", BIDI)
def test_a_name_with_a_bidirectional_control_is_refused(coordinator, character):
    _refused(coordinator.post("/v1/people", json={"display_name": f"Alex {character}rolyaT"}), "display_name")


def test_long_free_text_takes_tabs_and_line_breaks_and_bidi_but_no_other_control(coordinator):
    victim = register(coordinator, "Noor Hygiene")
    body = _complaint_body(victim, description="Shouting.\r\n\tThen music\n\u202eright to left")
    assert coordinator.post("/v1/complaints", json=body).status_code == 201
    for field in ("description", "location"):
        _refused(coordinator.post("/v1/complaints", json=_complaint_body(victim, **{field: "noise\x00"})), field)
    _refused(
        coordinator.post("/v1/complaints", json=_complaint_body(victim, agency_reference="HC\n1")), "agency_reference"
    )


def test_nested_text_fields_are_named_by_their_path(coordinator):
    _refused(
        coordinator.post("/v1/people", json={"display_name": "Kai", "contact": {"phone": "0770\x1b0"}}), "contact.phone"
    )
    _refused(
        coordinator.post("/v1/people", json={"display_name": "Kai", "contact": {"address": "1 Road\x00"}}),
        "contact.address",
    )
    assert (
        coordinator.post(
            "/v1/people", json={"display_name": "Kai", "contact": {"address": "1 Road\nHavant"}}
        ).status_code
        == 201
    )
    victim = register(coordinator, "Mo Nested")
    complaint(coordinator, victim)
    review = application(coordinator, victim)["id"]
    coordinator.post(f"/v1/case-reviews/{review}/threshold-decision", json={"decision": "not_met",
                     "decided_on": "2026-11-05", "reason": "fewer than three"})  # fmt: skip
    _refused(
        coordinator.post(
            f"/v1/case-reviews/{review}/review",
            json={"completed_on": "2026-11-10", "recommendations": [{"action": "mediate\x00", "agency": POLICE}]},
        ),
        "recommendations[0].action",
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    before=st.text(st.characters(min_codepoint=0x20, max_codepoint=0x2000), max_size=20),
    control=st.sampled_from(C0_BUT_TAB_AND_LINE_BREAKS),
    after=st.text(st.characters(min_codepoint=0x20, max_codepoint=0x2000), max_size=20),
    field=st.sampled_from(["description", "location", "agency_reference", "incident_ref"]),
)
def test_any_text_with_a_c0_control_is_refused_naming_the_field(coordinator, before, control, after, field):
    victim = "4d2c8a9e-5b1f-4c3a-9e7d-2f6b8c1a0e53"  # refused before it is looked up
    response = coordinator.post("/v1/complaints", json=_complaint_body(victim, **{field: f"x{before}{control}{after}"}))
    _refused(response, field)


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31"])
def test_dates_before_1900_are_refused_wherever_a_date_is_taken(coordinator, admin, day):
    victim = register(coordinator, "Ada Early")
    for field in ("incident_date", "reported_date"):
        _refused(coordinator.post("/v1/complaints", json=_complaint_body(victim, **{field: day})), field)
    received = {
        "route": "individual", "applicant_id": victim, "victim_id": victim, "received_date": day, "channel": "101",
        "dissatisfaction": "no_action_taken",
    }  # fmt: skip
    _refused(coordinator.post("/v1/case-reviews", json=received), "received_date")
    _refused(admin.post("/v1/policies", json={"name": "early", "version": 1, "effective_from": day}), "effective_from")
    _refused(coordinator.get("/v1/deadlines", params={"on": day}), "on")
    _refused(coordinator.get("/v1/deadlines/alarms", params={"on": day}), "on")
    review = application(coordinator, victim)["id"]
    _refused(
        coordinator.get(f"/v1/case-reviews/{review}/assessment", params={"as_known_at": f"{day}T00:00:00Z"}),
        "as_known_at",
    )
    assert coordinator.get("/v1/deadlines", params={"on": "1900-01-01"}).status_code == 200


@pytest.fixture
def decided_review(coordinator):
    victim = register(coordinator, "Sasha Asked")
    for day in ("2026-09-01", "2026-09-20", "2026-10-10"):
        complaint(coordinator, victim, incident=day, reported=day)
    review = application(coordinator, victim)["id"]
    decided = coordinator.post(
        f"/v1/case-reviews/{review}/threshold-decision", json={"decision": "met", "decided_on": "2026-11-05"}
    )
    assert decided.status_code == 201, decided.text
    return review


def test_an_agency_not_asked_gets_the_same_404_as_for_a_review_that_does_not_exist(app_client, decided_review):
    police = caller_for(app_client, "agency", POLICE)
    share = {"agency": POLICE, "shared_on": "2026-11-06", "summary": "two visits"}
    before = _head(app_client)
    not_asked = police.post(f"/v1/case-reviews/{decided_review}/information", json=share)
    stale_not_asked = police.post(
        f"/v1/case-reviews/{decided_review}/information", json=share, headers={"If-Match": "1"}
    )
    missing_id = uuid4()
    missing = police.post(f"/v1/case-reviews/{missing_id}/information", json=share)
    assert not_asked.status_code == stale_not_asked.status_code == missing.status_code == 404
    assert not_asked.json()["detail"].replace(decided_review, "ID") == missing.json()["detail"].replace(
        str(missing_id), "ID"
    )
    assert _head(app_client) == before  # nothing recorded


def test_an_agency_asked_on_that_review_shares_and_another_agency_still_may_not(app_client, decided_review):
    police = caller_for(app_client, "agency", POLICE)
    landlord = caller_for(app_client, "agency", "vivid-homes")
    ask_for_information(app_client.app.state.services.store, decided_review, POLICE)
    shared = police.post(
        f"/v1/case-reviews/{decided_review}/information", json={"agency": POLICE, "shared_on": "2026-11-06"}
    )
    assert shared.status_code == 201, shared.text
    other = landlord.post(
        f"/v1/case-reviews/{decided_review}/information", json={"agency": "vivid-homes", "shared_on": "2026-11-06"}
    )
    assert other.status_code == 404, other.text


def test_a_coordinator_shares_for_an_agency_without_a_request(coordinator, decided_review):
    response = coordinator.post(
        f"/v1/case-reviews/{decided_review}/information", json={"agency": POLICE, "shared_on": "2026-11-06"}
    )
    assert response.status_code == 201, response.text

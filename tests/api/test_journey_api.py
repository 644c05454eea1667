"""API.md v1.1, the victim's part and the promises (RULES.md section 13): roles and object-level checks, bad bodies
(422 naming the field), steps out of order (409), the lists and their states, and erasure in letters and lists.

Each test walks cases of its own (people of its own), so the shared database's other data never changes an answer.
An agency's view of another agency's action or request is 404, not 403: a 403 would tell that it exists.
"""

import io
from datetime import date, timedelta
from uuid import uuid4

import pytest
from pypdf import PdfReader

from tests.conftest import caller_for

POLICE, COUNCIL, LANDLORD = "hampshire-constabulary", "havant-borough-council", "vivid-homes"
PROBLEM = "application/problem+json"
RECEIVED = date(2026, 11, 2)  # Mon; due Mon 30 Nov (RULES.md 8)


def ok(response, status=201):
    assert response.status_code == status, response.text
    return response.json()


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    return response.json()


def fields_of(response) -> set[str]:
    return {error["field"] for error in problem(response, 422)["errors"]}


@pytest.fixture(scope="module")
def keys(app_client, coordinator, police):
    return {
        "coordinator": coordinator,
        "police": police,
        "landlord": caller_for(app_client, "agency", LANDLORD),
        "council": caller_for(app_client, "agency", COUNCIL),
        "pcc": caller_for(app_client, "pcc"),
        "auditor": caller_for(app_client, "auditor"),
    }


def settle(app_client) -> None:
    services = app_client.app.state.services
    services.runner.wait_for(services.runner.head(), 10)


def walk(keys, *, to: str = "told", name: str = "Jordan Reeve") -> dict:
    """A case of its own, walked to `to`: received, decided (met), reviewed (two actions), told."""
    coordinator, police = keys["coordinator"], keys["police"]
    victim = ok(coordinator.post("/v1/people", json={
        "display_name": name, "contact": {"address": "3 Park Lane, Havant, PO9 2BB"},
    }))["id"]  # fmt: skip
    for incident in ("2026-08-03", "2026-09-07", "2026-10-05"):
        ok(police.post("/v1/complaints", json={
            "victim_id": victim, "agency": POLICE, "incident_date": incident, "reported_date": incident,
            "caused_harassment_alarm_distress": True, "category": "noise",
        }))  # fmt: skip
    rid = ok(coordinator.post("/v1/case-reviews", json={
        "route": "individual", "applicant_id": victim, "victim_id": victim, "received_date": RECEIVED.isoformat(),
        "channel": "email", "dissatisfaction": "not_satisfied",
    }))["id"]  # fmt: skip
    case = {"id": rid, "path": f"/v1/case-reviews/{rid}", "victim": victim}
    if to == "received":
        return case
    ok(coordinator.post(f"{case['path']}/threshold-decision", json={"decision": "met", "decided_on": "2026-11-04"}))
    case["request"] = ok(coordinator.post(f"{case['path']}/information-requests", json={
        "agency": LANDLORD, "requested_on": "2026-11-05", "due_date": "2026-11-12", "question": "Tenancy history?",
    }))["id"]  # fmt: skip
    if to == "decided":
        return case
    ok(coordinator.post(f"{case['path']}/review", json={"completed_on": "2026-11-12", "recommendations": [
        {"action": "Visit the street at night", "agency": POLICE, "due_date": "2026-11-20"},
        {"action": "Offer mediation", "agency": LANDLORD, "due_date": "2026-12-31"},
    ]}))  # fmt: skip
    actions = ok(coordinator.get(case["path"]), 200)["actions"]
    case["actions"] = {action["agency"]: action["id"] for action in actions}
    if to == "reviewed":
        return case
    ok(coordinator.post(f"{case['path']}/outcome-notices", json={"notified_on": "2026-11-13"}))
    return case


# --- who may do what, and to which objects ----------------------------------------------------


def test_an_agency_lists_only_its_own_actions_and_requests(keys, app_client):
    case = walk(keys)
    settle(app_client)
    police_items = ok(keys["police"].get("/v1/actions", params={"limit": 200}), 200)["items"]
    assert police_items and {item["agency"] for item in police_items} == {POLICE}
    assert case["actions"][POLICE] in {item["id"] for item in police_items}
    assert case["actions"][LANDLORD] not in {item["id"] for item in police_items}
    problem(keys["police"].get("/v1/actions", params={"agency": LANDLORD}), 403)
    everyone = {item["id"] for item in ok(keys["coordinator"].get("/v1/actions", params={"limit": 200}), 200)["items"]}
    assert set(case["actions"].values()) <= everyone
    asked = ok(keys["landlord"].get("/v1/information-requests", params={"limit": 200}), 200)["items"]
    assert case["request"] in {item["id"] for item in asked} and {item["agency"] for item in asked} == {LANDLORD}
    police_asked = ok(keys["police"].get("/v1/information-requests", params={"limit": 200}), 200)["items"]
    assert case["request"] not in {item["id"] for item in police_asked}
    assert all(item["agency"] == POLICE for item in police_asked)
    problem(keys["pcc"].get("/v1/actions"), 403)


def test_an_agency_closes_only_its_own_action_and_answers_only_its_own_request(keys, app_client):
    case = walk(keys)
    settle(app_client)
    landlords_action, polices_action = case["actions"][LANDLORD], case["actions"][POLICE]
    # Another agency's action or request is not found, as if it did not exist (and nothing is recorded).
    problem(keys["police"].post(f"/v1/actions/{landlords_action}/done", json={"done_on": "2026-11-20"}), 404)
    problem(
        keys["police"].post(f"/v1/information-requests/{case['request']}/answer", json={"answered_on": "2026-11-10"}),
        404,
    )
    assert ok(keys["coordinator"].get(case["path"]), 200)["information_requests"][0]["answered_on"] is None
    # Its own: recorded, as that agency.
    done = ok(
        keys["police"].post(
            f"/v1/actions/{polices_action}/done", json={"done_on": "2026-11-24", "evidence": "Two visits"}
        )
    )
    assert done["id"] == polices_action and done["case_review_id"] == case["id"]
    ok(keys["landlord"].post(f"/v1/information-requests/{case['request']}/answer", json={"answered_on": "2026-11-10"}))
    # Dropping is the coordinator's; the PCC and the auditor change nothing here.
    problem(
        keys["landlord"].post(
            f"/v1/actions/{landlords_action}/dropped", json={"dropped_on": "2026-11-25", "reason": "x"}
        ),
        403,
    )
    problem(keys["auditor"].post(f"/v1/actions/{landlords_action}/done", json={"done_on": "2026-11-25"}), 403)
    problem(keys["pcc"].post(f"/v1/actions/{landlords_action}/done", json={"done_on": "2026-11-25"}), 403)
    dropped = ok(keys["coordinator"].post(f"/v1/actions/{landlords_action}/dropped", json={
        "dropped_on": "2026-11-25", "reason": "The neighbours moved away",
    }))  # fmt: skip
    assert dropped["status"] == "closed"  # told, and no action open any more
    history = ok(keys["coordinator"].get(f"{case['path']}/history"), 200)["items"]
    done_event = next(item for item in history if item["type"] == "CaseReview.ActionDone")
    assert done_event["actor"]["agency"] == POLICE and done_event["data"]["evidence"] == "Two visits"
    # An unknown id is 404 for everyone.
    problem(keys["coordinator"].post(f"/v1/actions/{uuid4()}/done", json={"done_on": "2026-11-25"}), 404)


def test_the_pcc_decides_a_review_and_an_upheld_one_reopens_the_case_with_its_next_steps(keys, app_client):
    case = walk(keys)
    pcc_id = ok(keys["coordinator"].post(f"{case['path']}/pcc-review-requests", json={
        "requested_on": "2026-11-20", "grounds": ["actions_inadequate", "procedure_not_followed"],
    }))["id"]  # fmt: skip
    assert ok(keys["coordinator"].get(case["path"]), 200)["status"] == "escalated"
    settle(app_client)
    body = {
        "result": "upheld", "reasons": "The meeting did not hear the housing provider", "decided_on": "2026-11-27",
        "next_steps": [{"action": "Hold a new meeting with an independent chair", "agency": COUNCIL,
                        "due_date": "2026-12-18"}],
    }  # fmt: skip
    problem(keys["coordinator"].post(f"/v1/pcc-review-requests/{pcc_id}/result", json=body), 403)
    problem(keys["police"].post(f"/v1/pcc-review-requests/{pcc_id}/result", json=body), 403)
    problem(keys["pcc"].post(f"/v1/pcc-review-requests/{uuid4()}/result", json=body), 404)
    decided = ok(keys["pcc"].post(f"/v1/pcc-review-requests/{pcc_id}/result", json=body))
    assert decided["status"] == "under_review"  # back to review
    view = ok(keys["pcc"].get(case["path"]), 200)
    next_step = [a for a in view["actions"] if a["pcc_review_id"] == pcc_id]
    assert [(a["action"], a["agency"], a["due_date"], a["state"]) for a in next_step] == [
        ("Hold a new meeting with an independent chair", COUNCIL, "2026-12-18", "open")
    ]
    settle(app_client)
    listed = ok(keys["pcc"].get("/v1/pcc-review-requests", params={"state": "decided", "limit": 200}), 200)["items"]
    assert {"id": pcc_id, "result": "upheld", "decided_on": "2026-11-27"}.items() <= next(
        item for item in listed if item["id"] == pcc_id
    ).items()
    problem(keys["pcc"].post(f"/v1/pcc-review-requests/{pcc_id}/result", json=body), 409)  # decided once


def test_a_pcc_review_asked_on_one_ground_and_upheld_with_reasons_alone_goes_back_to_review(keys, app_client):
    """RULES.md 13 "on one of the policy's pcc_review_grounds": one ground as a string; API.md v1.1 marks
    `next_steps` optional: upheld with none reopens the review with no new action."""
    case = walk(keys)
    asked = ok(keys["coordinator"].post(f"{case['path']}/pcc-review-requests", json={
        "requested_on": "2026-11-20", "grounds": "threshold_wrongly_applied",
    }))  # fmt: skip
    settle(app_client)
    before = {a["id"] for a in ok(keys["pcc"].get(case["path"]), 200)["actions"]}
    decided = ok(keys["pcc"].post(f"/v1/pcc-review-requests/{asked['id']}/result", json={
        "result": "upheld", "reasons": ["The threshold was applied wrongly", "Two reports were missed"],
        "decided_on": "2026-11-27",
    }))  # fmt: skip
    assert decided["status"] == "under_review"
    view = ok(keys["pcc"].get(case["path"]), 200)
    assert {a["id"] for a in view["actions"]} == before
    pcc_view = next(p for p in view["pcc_reviews"] if p["id"] == asked["id"])
    assert pcc_view["request"]["grounds"] == ["threshold_wrongly_applied"]
    assert pcc_view["result"]["reasons"] == "The threshold was applied wrongly\nTwo reports were missed"


def test_a_pcc_next_step_given_as_text_alone_is_an_action_of_the_partnership_with_no_due_date(keys, app_client):
    case = walk(keys)
    asked = ok(keys["coordinator"].post(f"{case['path']}/pcc-review-requests", json={
        "requested_on": "2026-11-20", "grounds": ["procedure_not_followed"],
    }))  # fmt: skip
    settle(app_client)
    ok(keys["pcc"].post(f"/v1/pcc-review-requests/{asked['id']}/result", json={
        "result": "upheld", "reasons": "The victim was not invited", "decided_on": "2026-11-27",
        "next_steps": "Reconvene the review and invite the victim",
    }))  # fmt: skip
    view = ok(keys["pcc"].get(case["path"]), 200)
    steps = [a for a in view["actions"] if a["pcc_review_id"] == asked["id"]]
    assert [(a["action"], a["agency"], a["due_date"], a["state"]) for a in steps] == [
        ("Reconvene the review and invite the victim", "safer-havant", None, "open")
    ]


def test_a_write_on_an_action_request_or_pcc_review_points_at_its_application_with_the_applications_etag(
    keys, app_client
):
    """API.md v1.1: a 201 answers `Location` and `ETag`; a write on a promise names only the promise in its path, so
    its Location is the application it belongs to, and its ETag that application's version (the `If-Match` of the
    next write on it), while `id` stays the promise's."""
    case = walk(keys)
    settle(app_client)
    writes = [
        keys["landlord"].post(f"/v1/information-requests/{case['request']}/answer", json={"answered_on": "2026-11-10"}),
        keys["police"].post(f"/v1/actions/{case['actions'][POLICE]}/done", json={"done_on": "2026-11-20"}),
        keys["coordinator"].post(
            f"/v1/actions/{case['actions'][LANDLORD]}/dropped", json={"dropped_on": "2026-11-20", "reason": "Moved"}
        ),
        keys["coordinator"].post(
            f"{case['path']}/pcc-review-requests",
            json={"requested_on": "2026-11-20", "grounds": ["actions_inadequate"]},
        ),
    ]
    settle(app_client)
    writes.append(keys["pcc"].post(f"/v1/pcc-review-requests/{writes[-1].json()['id']}/result", json={
        "result": "not_upheld", "reasons": "The actions agreed were carried out", "decided_on": "2026-11-27",
    }))  # fmt: skip
    for written, promise in zip(
        writes, [case["request"], case["actions"][POLICE], case["actions"][LANDLORD], None, None], strict=True
    ):
        assert written.status_code == 201, written.text
        assert written.headers["Location"] == case["path"]
        assert written.headers["ETag"] == f'"{written.json()["version"]}"'
        assert written.json()["id"] == (promise or written.json()["pcc_review_id"])
    assert [w.json()["version"] for w in writes] == sorted({w.json()["version"] for w in writes})  # one each
    assert ok(keys["coordinator"].get(case["path"]), 200)["version"] == writes[-1].json()["version"]


# --- bad bodies: 422 naming the field, nothing recorded ------------------------------------------


def test_bad_bodies_are_422_naming_the_field(keys, app_client):
    case = walk(keys, to="reviewed")
    settle(app_client)
    c, path = keys["coordinator"], case["path"]
    version = ok(c.get(path), 200)["version"]
    assert fields_of(c.post(f"{path}/involvement", json={"level": "shout"})) == {"level"}
    assert fields_of(c.post(f"{path}/involvement", json={"level": "attend", "invited": "yes"})) == {"invited"}
    assert fields_of(c.post(f"{path}/involvement", json={"level": "attend", "invited": False})) == {
        "not_invited_reason"
    }
    assert fields_of(c.post(f"{path}/review-meeting", json={"held_on": "13/11/2026"})) == {"held_on"}
    assert fields_of(
        c.post(f"{path}/review-meeting", json={"held_on": "2026-11-10", "agencies_present": ["Police!"]})
    ) == {"agencies_present[0]"}
    assert fields_of(c.post(f"{path}/updates", json={"updated_on": "2026-11-16", "channel": "pigeon"})) == {"channel"}
    assert fields_of(c.post(f"{path}/updates", json={"updated_on": "2099-01-01", "channel": "phone"})) == {"updated_on"}
    assert fields_of(c.post(f"{path}/information-requests", json={
        "agency": POLICE, "requested_on": "2026-11-16", "due_date": "2026-11-13",
    })) == {"due_date"}  # fmt: skip
    assert fields_of(c.post(f"{path}/information-requests", json={"agency": POLICE, "requested_on": "2026-11-16"})) == {
        "due_date"
    }
    action = case["actions"][POLICE]
    assert fields_of(c.post(f"/v1/actions/{action}/done", json={})) == {"done_on"}
    assert fields_of(c.post(f"/v1/actions/{action}/done", json={"done_on": "2026-11-20", "colour": "red"})) == {
        "colour"
    }
    assert fields_of(c.post(f"/v1/actions/{action}/dropped", json={"dropped_on": "2026-11-20", "reason": " "})) == {
        "reason"
    }
    assert fields_of(c.post(f"/v1/actions/{action}/done", json={"done_on": "2026-11-11"})) == {
        "done_on"
    }  # before agreed
    assert fields_of(c.post(f"{path}/letters/outcome/sent", json={"sent_on": "2026-11-13", "channel": "fax"})) == {
        "channel"
    }
    assert c.post(f"{path}/letters/memo/sent", json={"sent_on": "2026-11-13", "channel": "email"}).status_code == 404
    assert ok(c.get(path), 200)["version"] == version  # nothing was recorded
    ok(c.post(f"{path}/outcome-notices", json={"notified_on": "2026-11-13"}))
    version = ok(c.get(path), 200)["version"]
    assert fields_of(
        c.post(f"{path}/pcc-review-requests", json={"requested_on": "2026-11-20", "grounds": ["bored"]})
    ) == {"grounds[0]"}
    assert fields_of(c.post(f"{path}/pcc-review-requests", json={"requested_on": "2026-11-20", "grounds": []})) == {
        "grounds"
    }
    assert ok(c.get(path), 200)["version"] == version  # nothing was recorded


def test_a_pcc_result_without_reasons_or_with_steps_when_not_upheld_is_422(keys, app_client):
    case = walk(keys)
    pcc_id = ok(keys["coordinator"].post(f"{case['path']}/pcc-review-requests", json={
        "requested_on": "2026-11-16", "grounds": ["threshold_wrongly_applied"],
    }))["id"]  # fmt: skip
    settle(app_client)
    pcc = keys["pcc"]
    url = f"/v1/pcc-review-requests/{pcc_id}/result"
    assert fields_of(pcc.post(url, json={"result": "upheld", "decided_on": "2026-11-20"})) == {"reasons"}
    step = {"action": "Again", "agency": COUNCIL, "due_date": "2026-12-01"}
    assert fields_of(pcc.post(url, json={
        "result": "not_upheld", "reasons": "r", "decided_on": "2026-11-20", "next_steps": [step],
    })) == {"next_steps"}  # fmt: skip
    assert fields_of(pcc.post(url, json={
        "result": "upheld", "reasons": "r", "decided_on": "2026-11-20", "next_steps": [{**step, "due_date": "2026-11-19"}],
    })) == {"next_steps[0].due_date"}  # fmt: skip


# --- steps out of order: 409 --------------------------------------------------------------------


def test_steps_out_of_order_are_409(keys, app_client):
    received = walk(keys, to="received", name="Riley Ashdown")
    c = keys["coordinator"]
    path = received["path"]
    assert problem(c.get(f"{path}/letters/acknowledgement"), 409)["status"] == 409
    problem(c.get(f"{path}/letters/threshold_decision"), 409)
    problem(c.post(f"{path}/letters/threshold_decision/sent", json={"sent_on": "2026-11-03", "channel": "letter"}), 409)
    problem(c.post(f"{path}/review-meeting", json={"held_on": "2026-11-03"}), 409)
    problem(c.post(f"{path}/involvement", json={"level": "attend", "invited": True, "invitation_mode": "online"}), 409)
    problem(
        c.post(
            f"{path}/pcc-review-requests", json={"requested_on": "2026-11-20", "grounds": ["procedure_not_followed"]}
        ),
        409,
    )
    # A level of involvement may be chosen before anything is decided.
    ok(c.post(f"{path}/involvement", json={"level": "updates_only"}))

    decided = walk(keys, to="decided")
    problem(c.get(f"{decided['path']}/letters/outcome"), 409)
    problem(c.get(f"{decided['path']}/letters/delay"), 409)
    problem(
        c.post(
            f"{decided['path']}/pcc-review-requests",
            json={"requested_on": "2026-11-20", "grounds": ["procedure_not_followed"]},
        ),
        409,
    )

    told = walk(keys)
    settle(keys["coordinator"].client)
    action = told["actions"][POLICE]
    ok(c.post(f"/v1/actions/{action}/done", json={"done_on": "2026-11-20"}))
    problem(c.post(f"/v1/actions/{action}/done", json={"done_on": "2026-11-21"}), 409)
    problem(c.post(f"/v1/actions/{action}/dropped", json={"dropped_on": "2026-11-21", "reason": "late"}), 409)
    ok(c.post(f"/v1/information-requests/{told['request']}/answer", json={"answered_on": "2026-11-11"}))
    problem(c.post(f"/v1/information-requests/{told['request']}/answer", json={"answered_on": "2026-11-12"}), 409)
    problem(c.post(f"{told['path']}/information-requests", json={
        "agency": POLICE, "requested_on": "2026-11-16", "due_date": "2026-11-20",
    }), 409)  # fmt: skip  # information is asked for before the outcome is told


def test_a_late_pcc_request_is_refused_unless_the_coordinator_records_why_it_is_accepted(keys):
    c = keys["coordinator"]
    old = walk(keys, to="received", name="Casey Holm")
    ok(c.post(f"{old['path']}/threshold-decision", json={"decision": "met", "decided_on": "2026-11-03"}))
    ok(c.post(f"{old['path']}/review", json={"completed_on": "2026-11-03", "recommendations": []}))
    ok(c.post(f"{old['path']}/outcome-notices", json={"notified_on": "2026-11-03"}))
    # Told Tue 3 Nov: the last day is Tue 1 Dec (20 working days).
    late = c.post(
        f"{old['path']}/pcc-review-requests", json={"requested_on": "2026-12-02", "grounds": ["procedure_not_followed"]}
    )
    body = problem(late, 409)
    assert body["errors"] == [{"field": "requested_on", "message": body["detail"]}]
    assert "2026-12-01" in body["detail"]
    in_time_with_reason = c.post(f"{old['path']}/pcc-review-requests", json={
        "requested_on": "2026-12-01", "grounds": ["procedure_not_followed"], "late_acceptance_reason": "why not",
    })  # fmt: skip
    assert fields_of(in_time_with_reason) == {"late_acceptance_reason"}
    accepted = ok(c.post(f"{old['path']}/pcc-review-requests", json={
        "requested_on": "2026-12-02", "grounds": ["procedure_not_followed"],
        "late_acceptance_reason": "The applicant was in hospital until 30 November",
    }))  # fmt: skip
    view = ok(c.get(old["path"]), 200)
    assert view["pcc_reviews"][0]["id"] == accepted["id"] and view["pcc_reviews"][0]["accepted_late"] is True


# --- the lists' states --------------------------------------------------------------------------


def test_the_lists_filter_by_state_on_today(keys, app_client):
    case = walk(keys)
    c = keys["coordinator"]
    ok(c.post(f"/v1/actions/{case['actions'][LANDLORD]}/dropped", json={"dropped_on": "2026-11-16", "reason": "moved"}))
    settle(app_client)

    def ids(path, **params):
        items, cursor = [], None
        while True:
            page = ok(c.get(path, params={**params, "limit": 2, **({"cursor": cursor} if cursor else {})}), 200)
            items += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                return {item["id"]: item["state"] for item in items}

    overdue = ids("/v1/actions", state="overdue")  # the police's, due 20 Nov, still open today
    assert overdue[case["actions"][POLICE]] == "overdue" and set(overdue.values()) == {"overdue"}
    assert ids("/v1/actions", state="dropped")[case["actions"][LANDLORD]] == "dropped"
    assert case["actions"][POLICE] not in ids("/v1/actions", state="open")
    assert ids("/v1/information-requests", state="overdue")[case["request"]] == "overdue"
    ok(keys["landlord"].post(f"/v1/information-requests/{case['request']}/answer", json={"answered_on": "2026-11-30"}))
    settle(app_client)
    assert ids("/v1/information-requests", state="answered")[case["request"]] == "answered"
    assert problem(c.get("/v1/actions", params={"state": "late"}), 422)["errors"][0]["field"] == "state"
    assert problem(c.get("/v1/actions", params={"cursor": "nonsense"}), 422)["errors"][0]["field"] == "cursor"
    # The case is not closed while the police's action is open; its status in the list agrees.
    actions_open = {
        item["id"]
        for item in ok(c.get("/v1/case-reviews", params={"status": "actions_open", "limit": 200}), 200)["items"]
    }
    assert case["id"] in actions_open


# --- erasure -------------------------------------------------------------------------------------


def test_after_erasure_letters_and_lists_show_erased(keys, app_client):
    case = walk(keys, name="Taylor Quinn")
    c = keys["coordinator"]
    ok(c.post(f"{case['path']}/letters/outcome/sent", json={"sent_on": "2026-11-13", "channel": "letter"}))
    before = c.get(f"{case['path']}/letters/outcome").text
    assert "Taylor Quinn" in before and "Visit the street at night" in before
    ok(c.post(f"/v1/people/{case['victim']}/erasure", json={"reason": "subject_request"}))
    settle(app_client)
    html = c.get(f"{case['path']}/letters/outcome")
    assert html.status_code == 200
    assert (
        "Taylor Quinn" not in html.text
        and "3 Park Lane" not in html.text
        and "Visit the street at night" not in html.text
    )
    assert "[erased]" in html.text
    pdf = c.get(f"{case['path']}/letters/threshold_decision", headers={"Accept": "application/pdf"})
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Taylor Quinn" not in text and "[erased]" in text
    actions = {item["id"]: item for item in ok(c.get("/v1/actions", params={"limit": 200}), 200)["items"]}
    assert actions[case["actions"][POLICE]]["action"] == "[erased]"
    requests = {item["id"]: item for item in ok(c.get("/v1/information-requests", params={"limit": 200}), 200)["items"]}
    assert requests[case["request"]]["question"] == "[erased]"
    view = ok(c.get(case["path"]), 200)
    assert {a["action"] for a in view["actions"]} == {"[erased]"}
    # The letter stays readable to the letter's sender, and recording it once more names nothing erased.
    assert view["letters_sent"][0]["template_version"] == "safer-havant/outcome@1"


def test_a_letter_is_dated_the_day_it_was_sent_and_says_when_to_ask_the_pcc(keys):
    case = walk(keys, name="Avery Stone")
    c = keys["coordinator"]
    sent = ok(c.post(f"{case['path']}/letters/outcome/sent", json={"sent_on": "2026-11-16", "channel": "email"}))
    assert sent["template_version"] == "safer-havant/outcome@1" and sent["kind"] == "outcome"
    letter = c.get(f"{case['path']}/letters/outcome")
    assert letter.headers["x-template-version"] == "safer-havant/outcome@1"
    assert "16 November 2026" in letter.text
    assert "11 December 2026" in letter.text  # 20 working days after being told on Fri 13 Nov
    before_review = c.post(f"{case['path']}/letters/outcome/sent", json={"sent_on": "2026-11-11", "channel": "email"})
    assert fields_of(before_review) == {"sent_on"}  # before the review it reports was completed
    today = date.today()
    assert (
        c.post(
            f"{case['path']}/letters/outcome/sent",
            json={"sent_on": (today + timedelta(days=2)).isoformat(), "channel": "email"},
        ).status_code
        == 422
    )

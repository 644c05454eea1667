"""RULES.md section 13 end to end, through the HTTP API: one case walked from application to closure, to the day.

A case received on Monday 7 September 2026 (England's calendar: no bank holiday from September to
November), with an information request answered late, an update missed, an action done late, two
letters sent and a review by the Police and Crime Commissioner. Each step shows in the case's history
with its actor, each overdue item in the alarms on the right day (`on=`), and the letters' PDF text
carries the decision's reasons.
"""

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader

from tests.conftest import caller_for

POLICE, COUNCIL, LANDLORD = "hampshire-constabulary", "havant-borough-council", "vivid-homes"

RECEIVED = date(2026, 9, 7)  # Mon; the review is due 20 working days later: Mon 5 Oct
DECIDED = date(2026, 9, 10)  # Thu; updates owed every 10 working days from here: first by Thu 24 Sep
ASKED, ASKED_DUE, ANSWERED = date(2026, 9, 11), date(2026, 9, 18), date(2026, 9, 22)  # answered late
FIRST_UPDATE = date(2026, 9, 23)  # in time; the next is due Wed 7 Oct ...
LATE_UPDATE = date(2026, 10, 9)  # ... and is given on Fri 9 Oct: missed (overdue on 8 Oct)
MEETING, COMPLETED, TOLD = date(2026, 9, 29), date(2026, 10, 1), date(2026, 10, 5)
ACTION_A_DUE, ACTION_A_DONE = date(2026, 10, 16), date(2026, 10, 20)  # done late
ACTION_B_DUE, ACTION_B_DONE = date(2026, 10, 30), date(2026, 10, 29)  # done in time: the case closes
THIRD_UPDATE = date(2026, 10, 22)
PCC_LAST_DAY = date(2026, 11, 2)  # 20 working days after the applicant was told on 5 Oct
PCC_DECIDED = date(2026, 11, 13)


def day(d: date) -> str:
    return d.isoformat()


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


@pytest.fixture(scope="module")
def walked(app_client, coordinator):
    """The whole walk, step by step; returns what the assertions need."""
    services = app_client.app.state.services
    police = caller_for(app_client, "agency", POLICE)
    landlord = caller_for(app_client, "agency", LANDLORD)
    pcc = caller_for(app_client, "pcc")

    def settled() -> None:  # other keys' writes (the agencies', the PCC's) reach the read models
        services.runner.wait_for(services.runner.head(), 10)

    def ok(response, status=201):
        assert response.status_code == status, response.text
        return response.json()

    victim = ok(
        coordinator.post(
            "/v1/people", json={"display_name": "Morgan Ellis", "contact": {"address": "12 Elm Road, Havant, PO9 1AA"}}
        )
    )["id"]
    for incident in ("2026-07-01", "2026-07-20", "2026-08-10"):
        ok(police.post("/v1/complaints", json={
            "victim_id": victim, "agency": POLICE, "incident_date": incident, "reported_date": incident,
            "caused_harassment_alarm_distress": True, "category": "intimidation",
        }))  # fmt: skip
    review = ok(coordinator.post("/v1/case-reviews", json={
        "route": "individual", "applicant_id": victim, "victim_id": victim, "received_date": day(RECEIVED),
        "channel": "online", "dissatisfaction": "no_action_taken",
    }))  # fmt: skip
    rid = review["id"]
    assert review["due_date"] == "2026-10-05"
    case = f"/v1/case-reviews/{rid}"
    ok(coordinator.post(f"{case}/acknowledgement", json={"acknowledged_on": "2026-09-08"}))
    decision = ok(coordinator.post(f"{case}/threshold-decision", json={"decision": "met", "decided_on": day(DECIDED)}))
    explanation = decision["assessment"]["explanation"]
    ok(coordinator.post(f"{case}/letters/threshold_decision/sent", json={"sent_on": "2026-09-11", "channel": "letter"}))
    ok(coordinator.post(f"{case}/involvement", json={
        "level": "attend", "invited": True, "invitation_mode": "online",
        "impact_statement": "I am afraid to leave the house after dark.",
    }))  # fmt: skip
    request_id = ok(coordinator.post(f"{case}/information-requests", json={
        "agency": LANDLORD, "requested_on": day(ASKED), "due_date": day(ASKED_DUE),
        "question": "Which tenancy actions have you taken since June?",
    }))["id"]  # fmt: skip
    ok(coordinator.post(f"{case}/updates", json={"updated_on": day(FIRST_UPDATE), "channel": "phone"}))
    settled()
    ok(landlord.post(f"/v1/information-requests/{request_id}/answer", json={
        "answered_on": day(ANSWERED), "answer": "A tenancy warning was issued on 3 September.",
    }))  # fmt: skip
    ok(coordinator.post(f"{case}/review-meeting", json={
        "held_on": day(MEETING), "chair": "Sam Patel", "independent_chair": True,
        "agencies_present": [POLICE, COUNCIL, LANDLORD],
    }))  # fmt: skip
    ok(coordinator.post(f"{case}/involvement", json={
        "level": "attend", "invited": True, "invitation_mode": "online", "attended": True,
        "impact_statement": "I am afraid to leave the house after dark.",
    }))  # fmt: skip
    ok(coordinator.post(f"{case}/review", json={"completed_on": day(COMPLETED), "recommendations": [
        {"action": "Patrol Elm Road on Friday and Saturday evenings", "agency": POLICE, "due_date": day(ACTION_A_DUE)},
        {"action": "Offer mediation to both households", "agency": LANDLORD, "due_date": day(ACTION_B_DUE)},
    ]}))  # fmt: skip
    told = ok(coordinator.post(f"{case}/outcome-notices", json={"notified_on": day(TOLD)}))
    assert told["status"] == "actions_open"  # RULES.md 13: not closed while an action is open
    ok(coordinator.post(f"{case}/letters/outcome/sent", json={"sent_on": day(TOLD), "channel": "email"}))
    ok(coordinator.post(f"{case}/updates", json={"updated_on": day(LATE_UPDATE), "channel": "email"}))
    ok(coordinator.post(f"{case}/updates", json={"updated_on": day(THIRD_UPDATE), "channel": "phone"}))
    actions = ok(coordinator.get(f"{case}"), 200)["actions"]
    by_agency = {action["agency"]: action["id"] for action in actions}
    ok(
        police.post(
            f"/v1/actions/{by_agency[POLICE]}/done", json={"done_on": day(ACTION_A_DONE), "evidence": "Six patrols"}
        )
    )
    closed = ok(landlord.post(f"/v1/actions/{by_agency[LANDLORD]}/done", json={"done_on": day(ACTION_B_DONE)}))
    assert closed["status"] == "closed"
    pcc_id = ok(coordinator.post(f"{case}/pcc-review-requests", json={
        "requested_on": day(PCC_LAST_DAY), "grounds": ["actions_inadequate"],
        "reason": "The patrols stopped after two weeks",
    }))["id"]  # fmt: skip
    settled()
    result = ok(pcc.post(f"/v1/pcc-review-requests/{pcc_id}/result", json={
        "result": "not_upheld", "reasons": "The actions agreed were carried out", "decided_on": day(PCC_DECIDED),
    }))  # fmt: skip
    assert result["status"] == "closed"
    settled()
    return {
        "case": case, "id": rid, "victim": victim, "explanation": explanation, "actions": by_agency,
        "request_id": request_id, "pcc_id": pcc_id, "pcc": pcc, "police": police,
    }  # fmt: skip


def test_each_step_shows_in_the_history_with_its_actor(walked, coordinator):
    history = coordinator.get(f"{walked['case']}/history").json()["items"]
    steps = [(item["type"], item["actor"]["role"], item["actor"]["agency"]) for item in history]
    for expected in [
        ("CaseReview.Acknowledged", "coordinator", None),
        ("CaseReview.ThresholdDecided", "coordinator", None),
        ("CaseReview.LetterSent", "coordinator", None),
        ("CaseReview.InvolvementRecorded", "coordinator", None),
        ("CaseReview.InformationRequested", "coordinator", None),
        ("CaseReview.InformationRequestAnswered", "agency", LANDLORD),
        ("CaseReview.UpdateGiven", "coordinator", None),
        ("CaseReview.ReviewMeetingHeld", "coordinator", None),
        ("CaseReview.ReviewCompleted", "coordinator", None),
        ("CaseReview.OutcomeNotified", "coordinator", None),
        ("CaseReview.ActionDone", "agency", POLICE),
        ("CaseReview.ActionDone", "agency", LANDLORD),
        ("CaseReview.PccReviewRequested", "coordinator", None),
        ("CaseReview.PccReviewDecided", "pcc", None),
    ]:
        assert expected in steps, expected
    data = {item["type"]: item["data"] for item in history}
    assert data["CaseReview.InformationRequestAnswered"]["answer"] == "A tenancy warning was issued on 3 September."
    assert data["CaseReview.PccReviewDecided"]["reasons"] == "The actions agreed were carried out"
    letters = [item["data"] for item in history if item["type"] == "CaseReview.LetterSent"]
    assert [(letter["kind"], letter["template_version"]) for letter in letters] == [
        ("threshold_decision", "safer-havant/threshold_decision@1"),
        ("outcome", "safer-havant/outcome@1"),
    ]
    assert [s for s in steps if s[0] == "CaseReview.UpdateGiven"] == [
        ("CaseReview.UpdateGiven", "coordinator", None)
    ] * 3
    # The PCC reads the case and its history too (API.md v1.1, role pcc).
    assert walked["pcc"].get(f"{walked['case']}/history").status_code == 200


def _promise_alarms(coordinator, on: date, case_review_id: str) -> list[tuple[str, str, str]]:
    answer = coordinator.get("/v1/deadlines/alarms", params={"on": day(on)})
    assert answer.status_code == 200, answer.text
    return [
        (alarm["kind"], alarm["state"], alarm["due_date"])
        for alarm in answer.json()["promises"]
        if alarm["case_review_id"] == case_review_id
    ]


def test_each_overdue_item_is_in_the_alarms_on_the_right_day(walked, coordinator):
    rid = walked["id"]
    # The information request: due soon on its due date, overdue the next working day, gone once answered.
    assert ("information_request", "due_soon", "2026-09-18") in _promise_alarms(coordinator, ASKED_DUE, rid)
    assert ("information_request", "overdue", "2026-09-18") in _promise_alarms(coordinator, date(2026, 9, 21), rid)
    assert [a for a in _promise_alarms(coordinator, ANSWERED, rid) if a[0] == "information_request"] == []
    # The update owed by Wed 7 Oct (10 working days after the one of 23 Sep) was missed: overdue on 8 Oct.
    assert ("update", "due_soon", "2026-10-07") in _promise_alarms(coordinator, date(2026, 10, 7), rid)
    assert ("update", "overdue", "2026-10-07") in _promise_alarms(coordinator, date(2026, 10, 8), rid)
    assert [a for a in _promise_alarms(coordinator, LATE_UPDATE, rid) if a[0] == "update"] == []
    # The police's action, due Fri 16 Oct, overdue on Mon 19 Oct, done on Tue 20 Oct.
    assert ("action", "overdue", "2026-10-16") in _promise_alarms(coordinator, date(2026, 10, 19), rid)
    assert ("action", "overdue", "2026-10-16") not in _promise_alarms(coordinator, ACTION_A_DONE, rid)
    # Closed from 29 Oct: nothing owed any more.
    assert _promise_alarms(coordinator, date(2026, 10, 30), rid) == []
    whole = coordinator.get("/v1/deadlines/alarms", params={"on": "2026-10-19"}).json()
    police_action = [a for a in whole["promises"] if a["id"] == walked["actions"][POLICE]]
    assert police_action == [{
        "kind": "action", "id": walked["actions"][POLICE], "case_review_id": rid, "due_date": "2026-10-16",
        "state": "overdue", "agency": POLICE,
    }]  # fmt: skip


def test_the_case_review_shows_every_promise_and_is_closed(walked, coordinator):
    case = coordinator.get(walked["case"]).json()
    assert case["status"] == "closed"
    assert {a["agency"]: (a["state"], a["done_on"]) for a in case["actions"]} == {
        POLICE: ("done", "2026-10-20"),
        LANDLORD: ("done", "2026-10-29"),
    }
    assert case["involvement"]["attended"] is True
    assert case["involvement"]["impact_statement"] == "I am afraid to leave the house after dark."
    assert case["review_meetings"][0]["chair"] == "Sam Patel" and case["review_meetings"][0]["independent_chair"]
    assert [u["updated_on"] for u in case["updates"]] == ["2026-09-23", "2026-10-09", "2026-10-22"]
    assert case["next_update"] is None  # closed: no update owed
    assert case["information_requests"][0]["state"] == "answered"
    assert [letter["kind"] for letter in case["letters_sent"]] == ["threshold_decision", "outcome"]
    assert case["pcc_reviews"][0]["result"]["result"] == "not_upheld"
    assert case["pcc_reviews"][0]["told_on"] == "2026-10-05"
    listed = coordinator.get("/v1/case-reviews", params={"status": "closed", "limit": 200}).json()["items"]
    assert walked["id"] in {item["id"] for item in listed}


def test_the_letters_pdf_text_carries_the_decisions_reasons(walked, coordinator):
    pdf = coordinator.get(f"{walked['case']}/letters/threshold_decision", headers={"Accept": "application/pdf"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert "Morgan Ellis" in text and "12 Elm Road" in text
    for line in walked["explanation"].splitlines():
        words = " ".join(re.sub(r"^[-*] ", "", line.strip()).split())
        if words:
            assert words in text, words
    assert "11 September 2026" in text  # dated the day it was sent
    outcome = pdf_text(
        coordinator.get(f"{walked['case']}/letters/outcome", headers={"Accept": "application/pdf"}).content
    )
    assert "Patrol Elm Road on Friday and Saturday evenings" in outcome
    assert "Offer mediation to both households" in outcome
    assert "2 November 2026" in outcome  # the last day to ask the PCC: 20 working days after 5 October
    html = coordinator.get(f"{walked['case']}/letters/outcome")
    assert html.headers["content-type"].startswith("text/html") and "Morgan Ellis" in html.text
    # A read of a person's data: recorded in the read audit, with the applicant's id.
    auditor = caller_for(coordinator.client, "auditor")
    reads = auditor.get("/v1/audit", params={"person_id": walked["victim"]}).json()["items"]
    assert any("/letters/threshold_decision" in read["path"] for read in reads)

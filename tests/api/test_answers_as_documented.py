"""Every operation's success answer, on real data, is what the OpenAPI documents (API.md v1.1).

The schemathesis run (test_schemathesis.py) sends made-up ids, so most of its answers are 404s; here
one application goes through its whole lifecycle, with the people, complaints, consents, policies and
reads around it, and every answer is checked against the OpenAPI: status, content type, headers and
body schema. Every operation of the app must be exercised, so a new route is covered once it is added
to the journey below. The same answers then show that every time in them is written in UTC with `Z`.
"""

import re
from collections import defaultdict
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import schemathesis
from conftest import ask_for_information

pytestmark = pytest.mark.slow  # builds a store through the API

ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


class Journey:
    """Calls the app, checking each answer against the OpenAPI and remembering it by operation."""

    def __init__(self, client, openapi: dict[str, Any]) -> None:
        self.client = client
        self.schema = schemathesis.openapi.from_dict(openapi)
        self.answers: dict[tuple[str, str], list[Any]] = defaultdict(list)
        self.known_at = datetime.now(UTC)

    def call(self, caller, method: str, template: str, ids: dict[str, str] | None = None, **kwargs) -> Any:
        path = template.format(**(ids or {}))
        headers = {**(caller.headers if caller else {}), **kwargs.pop("headers", {})}
        response = self.client.request(method, path, headers=headers, **kwargs)
        assert 200 <= response.status_code < 300, f"{method} {path}: {response.status_code} {response.text}"
        self.schema[template][method].validate_response(response)
        self.answers[(method, template)].append(response)
        return response


def _walk_the_victims_part_and_the_promises(j: Journey, c, police, pcc) -> None:
    """RULES.md section 13 on an application of its own (as tests/acceptance/test_rules_13_journey.py walks it):
    involvement, a review meeting, updates, an information request asked and answered, letters sent and read,
    actions done and dropped, a PCC review requested and upheld, and the lists of each."""
    applicant = j.call(c, "POST", "/v1/people", json={"display_name": "Morgan Ellis"}).json()["id"]
    for day in ("2026-07-01", "2026-07-20", "2026-08-10"):
        j.call(
            police, "POST", "/v1/complaints",
            json={"victim_id": applicant, "agency": "hampshire-constabulary", "incident_date": day,
                  "reported_date": day, "caused_harassment_alarm_distress": True, "category": "intimidation"},
        )  # fmt: skip
    created = j.call(
        c, "POST", "/v1/case-reviews",
        json={"route": "individual", "applicant_id": applicant, "victim_id": applicant, "received_date": "2026-09-07",
              "channel": "online", "dissatisfaction": "no_action_taken"},
    ).json()  # fmt: skip
    review = {"review_id": created["id"]}
    base = "/v1/case-reviews/{review_id}"
    j.call(c, "POST", base + "/acknowledgement", review, json={"acknowledged_on": "2026-09-08"})
    j.call(c, "POST", base + "/threshold-decision", review, json={"decision": "met", "decided_on": "2026-09-10"})
    letter = {**review, "kind": "threshold_decision"}
    j.call(c, "POST", base + "/letters/{kind}/sent", letter, json={"sent_on": "2026-09-11", "channel": "letter"})
    assert j.call(c, "GET", base + "/letters/{kind}", letter).headers["content-type"].startswith("text/html")
    pdf = j.call(pcc, "GET", base + "/letters/{kind}", letter, headers={"Accept": "application/pdf"})
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    j.call(
        c, "POST", base + "/involvement", review,
        json={"level": "attend", "invited": True, "invitation_mode": "online",
              "impact_statement": "I am afraid to leave the house after dark."},
    )  # fmt: skip
    asked = j.call(
        c, "POST", base + "/information-requests", review,
        json={"agency": "hampshire-constabulary", "requested_on": "2026-09-11", "due_date": "2026-09-18",
              "question": "Which visits did officers make in August?"},
    ).json()  # fmt: skip
    assert asked["id"] == asked["request_id"] != created["id"]
    for caller in (c, police):
        j.call(caller, "GET", "/v1/information-requests", params={"limit": 2})
    j.call(
        police, "POST", "/v1/information-requests/{request_id}/answer", {"request_id": asked["id"]},
        json={"answered_on": "2026-09-17", "answer": "Three visits; two warnings given."},
    )  # fmt: skip
    j.call(c, "POST", base + "/updates", review, json={"updated_on": "2026-09-23", "channel": "phone"})
    j.call(
        c, "POST", base + "/review-meeting", review,
        json={"held_on": "2026-09-29", "chair": "Sam Patel", "independent_chair": True,
              "agencies_present": ["hampshire-constabulary", "vivid-homes"]},
    )  # fmt: skip
    j.call(
        c, "POST", base + "/review", review,
        json={"completed_on": "2026-10-01",
              "recommendations": [{"action": "Patrol at night", "agency": "hampshire-constabulary",
                                   "due_date": "2026-10-16"},
                                  {"action": "Offer mediation", "agency": "vivid-homes", "due_date": "2026-10-30"}]},
    )  # fmt: skip
    j.call(c, "POST", base + "/outcome-notices", review, json={"notified_on": "2026-10-05"})
    actions = {action["agency"]: action["id"] for action in j.call(c, "GET", base, review).json()["actions"]}
    for caller in (c, police):
        j.call(caller, "GET", "/v1/actions", params={"on": "2026-10-20", "limit": 2})
    j.call(
        police, "POST", "/v1/actions/{action_id}/done", {"action_id": actions["hampshire-constabulary"]},
        json={"done_on": "2026-10-20", "evidence": "Six patrols"},
    )  # fmt: skip
    j.call(
        c, "POST", "/v1/actions/{action_id}/dropped", {"action_id": actions["vivid-homes"]},
        json={"dropped_on": "2026-10-29", "reason": "The neighbours moved away"},
    )  # fmt: skip
    requested = j.call(
        c, "POST", base + "/pcc-review-requests", review,
        json={"requested_on": "2026-11-02", "grounds": ["actions_inadequate"], "reason": "The patrols stopped"},
    ).json()  # fmt: skip
    assert requested["id"] == requested["pcc_review_id"] != created["id"]
    j.call(
        pcc, "POST", "/v1/pcc-review-requests/{pcc_review_id}/result", {"pcc_review_id": requested["id"]},
        json={"result": "upheld", "reasons": "The patrols were not enough", "decided_on": "2026-11-13",
              "next_steps": [{"action": "Hold a new meeting", "agency": "havant-borough-council",
                              "due_date": "2026-12-18"}]},
    )  # fmt: skip
    for caller in (pcc, c):
        j.call(caller, "GET", "/v1/pcc-review-requests", params={"limit": 2})
    j.call(pcc, "GET", base, review)  # every part of section 13 in one answer, as the PCC reads it
    alarms = j.call(c, "GET", "/v1/deadlines/alarms", params={"on": "2026-12-16"}).json()
    assert any(alarm["case_review_id"] == created["id"] for alarm in alarms["promises"])


@pytest.fixture(scope="module")
def journey(app_client, coordinator, police, auditor, analyst, admin, pcc) -> Journey:
    j = Journey(app_client, app_client.get("/openapi.json").json())
    c = coordinator

    j.call(None, "GET", "/healthz")
    j.call(None, "GET", "/metrics")
    published = j.call(
        admin, "POST", "/v1/policies",
        json={"name": "contract-check", "version": 1, "effective_from": "2026-01-01",
              "partner_agencies": ["hampshire-constabulary"], "calendar": {"closure_days": ["2026-12-29"]},
              "lookback": {"days": 183}, "category_thresholds": {"hate_incident": 1}, "excluded_sources": ["other"],
              "stages": [{"name": "acknowledged", "days": 10}, {"name": "review_completed", "days": 20},
                         {"name": "outcome_notified", "days": 28, "day_kind": "calendar", "from": "received"}]},
    )  # fmt: skip
    assert published.json()["policy"]["name"] == "contract-check"
    for caller in (admin, analyst):
        j.call(caller, "GET", "/v1/policies")

    victim = j.call(
        c, "POST", "/v1/people", json={"display_name": "Rowan Hale", "contact": {"email": "rowan.hale@example.org"}}
    ).json()["id"]
    person = {"person_id": victim}
    j.call(c, "GET", "/v1/people/{person_id}", person)
    complaints = [
        j.call(
            police, "POST", "/v1/complaints",
            json={"victim_id": victim, "agency": "hampshire-constabulary", "incident_date": day, "reported_date": day,
                  "caused_harassment_alarm_distress": True, "category": "noise", "location": "outside number 3",
                  "source": "phone", "location_key": "uprn-100062456789"},
        ).json()["id"]
        for day in ("2026-09-01", "2026-09-20", "2026-10-10", "2026-10-12")
    ]  # fmt: skip
    last = {"complaint_id": complaints[-1]}
    j.call(police, "GET", "/v1/complaints/{complaint_id}", last)
    j.call(police, "PATCH", "/v1/complaints/{complaint_id}", last, json={"agency_reference": "HC-77"})
    j.call(police, "POST", "/v1/complaints/{complaint_id}/withdrawal", last, json={"reason": "logged twice"})
    j.call(c, "GET", "/v1/people/{person_id}/complaints", person)
    j.call(police, "GET", "/v1/complaints", params={"since": "2026-09-01", "limit": 2})

    created = j.call(
        c, "POST", "/v1/case-reviews",
        json={"route": "individual", "applicant_id": victim, "victim_id": victim, "received_date": "2026-11-02",
              "channel": "online", "dissatisfaction": "no_action_taken", "complaint_ids": complaints[:3]},
    ).json()  # fmt: skip
    review = {"review_id": created["id"]}
    consent = j.call(
        c, "POST", "/v1/consents",
        json={"person_id": victim, "application_id": created["id"], "purpose": "information_sharing",
              "given_on": "2026-11-03"},
    ).json()["id"]  # fmt: skip
    j.call(c, "GET", "/v1/consents/{consent_id}", {"consent_id": consent})
    base = "/v1/case-reviews/{review_id}"
    j.call(c, "POST", base + "/acknowledgement", review, json={"acknowledged_on": "2026-11-03"})
    j.known_at = datetime.now(timezone(timedelta(hours=1)))  # given with an offset other than UTC
    j.call(c, "GET", base + "/assessment", review, params={"as_known_at": j.known_at.isoformat()})
    j.call(c, "POST", base + "/threshold-decision", review, json={"decision": "met", "decided_on": "2026-11-05"})
    j.call(auditor, "GET", base + "/threshold-decision/replay", review)
    ask_for_information(app_client.app.state.services.store, created["id"], "hampshire-constabulary")
    j.call(
        police, "POST", base + "/information", review,
        json={"agency": "hampshire-constabulary", "shared_on": "2026-11-06", "summary": "Three visits"},
    )  # fmt: skip
    j.call(
        c, "POST", base + "/delay-notices", review,
        json={"reason": "awaiting records", "new_target_date": "2026-12-15", "notified_on": "2026-11-09"},
    )  # fmt: skip
    j.call(
        c, "POST", base + "/review", review,
        json={"completed_on": "2026-11-12",
              "recommendations": [{"action": "Mediation", "agency": "vivid-homes", "due_date": "2026-12-01"}]},
    )  # fmt: skip
    j.call(c, "POST", base + "/outcome-notices", review, json={"notified_on": "2026-11-13"})
    escalation = j.call(c, "POST", base + "/escalations", review, json={"requested_on": "2026-11-16"}).json()
    j.call(
        c, "POST", base + "/escalations/{escalation_id}/result",
        {**review, "escalation_id": escalation["escalation_id"]}, json={"result": "upheld", "decided_on": "2026-11-18"},
    )  # fmt: skip
    j.call(
        c, "POST", "/v1/consents/{consent_id}/withdrawal", {"consent_id": consent}, json={"withdrawn_on": "2026-11-20"}
    )
    _walk_the_victims_part_and_the_promises(j, c, police, pcc)

    for caller in (c, auditor):
        j.call(caller, "GET", base, review)
        j.call(caller, "GET", base + "/history", review)
        j.call(caller, "GET", "/v1/case-reviews", params={"limit": 2})
        j.call(caller, "GET", "/v1/deadlines", params={"on": "2026-11-25", "limit": 2})
        j.call(caller, "GET", "/v1/deadlines/alarms", params={"on": "2026-11-25"})
        j.call(caller, "GET", "/v1/deadlines.ics")
        j.call(caller, "GET", "/v1/events", params={"limit": 50})
    j.call(auditor, "GET", "/v1/audit", params={"person_id": victim})
    for caller in (analyst, c):
        j.call(caller, "GET", "/v1/reports/publication", params={"year": 2026})
        j.call(caller, "GET", "/v1/reports/what-if", params={"policy": "contract-check@1", "year": 2026})
        j.call(caller, "GET", "/v1/reports/what-if", params={"policy": "contract-check@1", "against": "live"})
        j.call(
            caller, "GET", "/v1/reports/what-if", params={"policy": "contract-check@1", "against": "safer-havant@1",
                                                          "format": "csv"},
        )  # fmt: skip
    j.call(analyst, "GET", "/v1/reports/publication", params={"year": 2026}, headers={"Accept": "text/csv"})
    feed = j.call(c, "POST", "/v1/deadlines/feed-tokens", json={"label": "phone"}).json()
    j.call(None, "GET", "/v1/deadlines.ics", params={"token": feed["token"]})
    j.call(c, "DELETE", "/v1/deadlines/feed-tokens/{token_id}", {"token_id": feed["id"]})

    # RULES.md 12: two reports at two agencies, then telling; subscriptions (never sent: no delivery worker here).
    told = j.call(c, "POST", "/v1/people", json={"display_name": "Casey Told"}).json()["id"]
    for caller, agency, day in (
        (police, "hampshire-constabulary", "2026-11-02"),
        (c, "havant-borough-council", "2026-11-04"),
    ):
        j.call(
            caller, "POST", "/v1/complaints",
            json={"victim_id": told, "agency": agency, "incident_date": day, "reported_date": day,
                  "caused_harassment_alarm_distress": True, "category": "noise", "source": "phone",
                  "location_key": "100062341234"},
        )  # fmt: skip
    for caller in (c, auditor, police):
        j.call(caller, "GET", "/v1/potential-triggers", params={"on": "2026-11-10", "limit": 2})
    j.call(c, "POST", "/v1/people/{person_id}/told-about-case-review", {"person_id": told},
           json={"told_on": "2026-11-12", "channel": "phone"})  # fmt: skip
    subscription = j.call(
        c, "POST", "/v1/subscriptions", json={"url": "http://127.0.0.1:9/hooks", "events": ["should_be_told"]}
    ).json()
    for caller in (c, auditor):
        j.call(caller, "GET", "/v1/subscriptions")
        j.call(caller, "GET", "/v1/subscriptions/{subscription_id}/deliveries", {"subscription_id": subscription["id"]})
    j.call(c, "DELETE", "/v1/subscriptions/{subscription_id}", {"subscription_id": subscription["id"]})

    erased = j.call(c, "POST", "/v1/people", json={"display_name": "Sam Erased"}).json()["id"]
    j.call(c, "POST", "/v1/people/{person_id}/erasure", {"person_id": erased}, json={"reason": "subject_request"})
    j.call(c, "GET", "/v1/people/{person_id}", {"person_id": erased})
    return j


def test_every_operation_answers_as_the_openapi_documents(journey, app_client):
    operations = {
        (method.upper(), path)
        for path, item in app_client.get("/openapi.json").json()["paths"].items()
        for method in item
    }
    assert operations - set(journey.answers) == set(), "operations the journey above does not call yet"


def _times(value: Any, where: str = "") -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [found for key, inner in value.items() for found in _times(inner, f"{where}.{key}")]
    if isinstance(value, list):
        return [found for index, inner in enumerate(value) for found in _times(inner, f"{where}[{index}]")]
    return [(where, value)] if isinstance(value, str) and ISO_TIME.match(value) else []


def test_every_time_in_every_answer_is_utc_with_z(journey):
    """API.md v1.1: times are written one way everywhere (UTC, `Z`); an as_known_at given as +00:00 comes back as Z."""
    times = [
        (f"{method} {template}{where}", value)
        for (method, template), responses in journey.answers.items()
        for response in responses
        if response.headers["content-type"].startswith("application/json")
        for where, value in _times(response.json())
    ]
    assert len(times) > 100  # recorded_at, updated_at, as_known_at, read_at, events' and steps' times, ...
    assert [(where, value) for where, value in times if not value.endswith("Z")] == []
    assessment = journey.answers[("GET", "/v1/case-reviews/{review_id}/assessment")][0].json()
    assert assessment["as_known_at"] == journey.known_at.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"


def test_the_replay_still_agrees_with_what_the_decision_recorded(journey):
    """RULES.md section 6: formatting times for the answer must not make a recorded and a replayed assessment differ."""
    replay = journey.answers[("GET", "/v1/case-reviews/{review_id}/threshold-decision/replay")][0].json()
    assert replay["agrees"] is True and replay["recorded"] == replay["replayed"]
    assert replay["recorded"]["as_known_at"].endswith("Z")

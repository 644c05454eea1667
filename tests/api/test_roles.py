"""The role table of API.md on every endpoint: each role against each route of the app, allowed or 403.

The routes come from the app itself, so a new endpoint fails `test_every_route_has_an_expected_row`
until its row is added here: the table below is the one place that says who may call what.
"""

import re
import uuid

import pytest
from fastapi import routing

from tests.conftest import caller_for

C, AG, AU, AN, AD, P = "coordinator", "agency", "auditor", "analyst", "admin", "pcc"
ROLES = (C, AG, AU, AN, AD, P)
REVIEW = "/v1/case-reviews/{review_id}"

# API.md: coordinator everything on case work; agency logs, amends and withdraws its own complaints,
# registers the people it logs them about, reads what it logged, shares information on a review;
# auditor reads everything, the read audit included, and writes nothing; analyst publication figures
# and aggregate views only; admin policies (keys and projections are the command line's), no case data.
EXPECTED: dict[tuple[str, str], set[str]] = {
    ("POST", "/v1/people"): {C, AG},
    ("GET", "/v1/people/{person_id}"): {C, AU},
    ("POST", "/v1/people/{person_id}/erasure"): {C},
    ("GET", "/v1/people/{person_id}/complaints"): {C, AG, AU},
    ("POST", "/v1/complaints"): {C, AG},
    ("GET", "/v1/complaints"): {C, AG, AU},
    ("GET", "/v1/complaints/{complaint_id}"): {C, AG, AU},
    ("PATCH", "/v1/complaints/{complaint_id}"): {C, AG},
    ("POST", "/v1/complaints/{complaint_id}/withdrawal"): {C, AG},
    ("POST", "/v1/consents"): {C},
    ("GET", "/v1/consents/{consent_id}"): {C, AU},
    ("POST", "/v1/consents/{consent_id}/withdrawal"): {C},
    ("POST", "/v1/case-reviews"): {C},
    ("GET", "/v1/case-reviews"): {C, AU, P},
    ("GET", REVIEW): {C, AU, P},
    ("GET", REVIEW + "/history"): {C, AU, P},
    ("GET", REVIEW + "/assessment"): {C, AU, P},
    ("GET", REVIEW + "/threshold-decision/replay"): {C, AU, P},
    ("POST", REVIEW + "/acknowledgement"): {C},
    ("POST", REVIEW + "/threshold-decision"): {C},
    ("POST", REVIEW + "/information"): {C, AG},
    ("POST", REVIEW + "/delay-notices"): {C},
    ("POST", REVIEW + "/review"): {C},
    ("POST", REVIEW + "/outcome-notices"): {C},
    ("POST", REVIEW + "/escalations"): {C},
    ("POST", REVIEW + "/escalations/{escalation_id}/result"): {C},
    ("GET", "/v1/deadlines"): {C, AU},
    ("GET", "/v1/deadlines/alarms"): {C, AU},
    ("GET", "/v1/deadlines.ics"): {C, AU},
    ("POST", "/v1/deadlines/feed-tokens"): {C, AU},
    ("DELETE", "/v1/deadlines/feed-tokens/{token_id}"): {C, AU},
    ("GET", "/v1/events"): {C, AU},
    ("GET", "/v1/audit"): {AU},
    ("POST", "/v1/policies"): {AD},
    ("GET", "/v1/policies"): {C, AU, AN, AD},
    ("GET", "/v1/reports/publication"): {C, AU, AN},
    ("GET", "/v1/reports/what-if"): {C, AU, AN},
    # API.md v1.1, the victim's part and the promises: coordinator unless said; the owning agency marks its
    # action done, the agency asked answers; role pcc reads case reviews and their history, decides PCC reviews.
    ("POST", REVIEW + "/involvement"): {C},
    ("POST", REVIEW + "/review-meeting"): {C},
    ("POST", REVIEW + "/updates"): {C},
    ("POST", REVIEW + "/information-requests"): {C},
    ("POST", REVIEW + "/pcc-review-requests"): {C},
    ("GET", REVIEW + "/letters/{kind}"): {C, AU, P},
    ("POST", REVIEW + "/letters/{kind}/sent"): {C},
    ("GET", "/v1/actions"): {C, AU, AG},
    ("POST", "/v1/actions/{action_id}/done"): {C, AG},
    ("POST", "/v1/actions/{action_id}/dropped"): {C},
    ("GET", "/v1/information-requests"): {C, AU, AG},
    ("POST", "/v1/information-requests/{request_id}/answer"): {C, AG},
    ("GET", "/v1/pcc-review-requests"): {C, AU, P},
    ("POST", "/v1/pcc-review-requests/{pcc_review_id}/result"): {P},
    # RULES.md 12: an agency sees the victims it logged a complaint for, and may record telling them.
    ("GET", "/v1/potential-triggers"): {C, AG, AU},
    ("POST", "/v1/people/{person_id}/told-about-case-review"): {C, AG},
    # API.md v1.1 Subscriptions: an agency subscribes to its own victims' events; the auditor reads.
    ("POST", "/v1/subscriptions"): {C, AG},
    ("GET", "/v1/subscriptions"): {C, AG, AU},
    ("DELETE", "/v1/subscriptions/{subscription_id}"): {C, AG},
    ("GET", "/v1/subscriptions/{subscription_id}/deliveries"): {C, AG, AU},
}
# Outside /v1 and needing no key: liveness and readiness, metrics, the API's own description.
PUBLIC = {("GET", "/healthz"), ("GET", "/metrics")}
DOCUMENTATION = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


def app_endpoints(app) -> set[tuple[str, str]]:
    """Every (method, path template) the app answers, from its routes (included routers flattened)."""
    contexts = routing.iter_route_contexts(app.routes) if hasattr(routing, "iter_route_contexts") else app.routes
    return {
        (method, route.path)
        for route in contexts
        if route.path not in DOCUMENTATION
        for method in (route.methods or ()) - {"HEAD"}
    }


def concrete(path: str) -> str:
    """A path template with a fresh id in each parameter: allowed calls then end at 404 or 422, never a write."""
    return re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), path)


def call(client_or_caller, method: str, path: str):
    if method == "GET":
        return client_or_caller.get(path)
    if method == "DELETE":
        return client_or_caller.request("DELETE", path)
    return getattr(client_or_caller, method.lower())(path, json={})


@pytest.fixture(scope="module")
def callers(app_client, coordinator, police, auditor, analyst, admin):
    return {C: coordinator, AG: police, AU: auditor, AN: analyst, AD: admin, P: caller_for(app_client, P)}


def test_every_route_has_an_expected_row(app_client):
    endpoints = app_endpoints(app_client.app)
    assert endpoints - set(EXPECTED) - PUBLIC == set(), "routes with no row in EXPECTED: add one"
    assert (set(EXPECTED) | PUBLIC) - endpoints == set(), "rows in EXPECTED for routes that are gone"


def test_every_openapi_operation_is_a_route_in_the_table(app_client):
    schema = app_client.get("/openapi.json").json()
    operations = {(method.upper(), path) for path, item in schema["paths"].items() for method in item}
    assert operations <= set(EXPECTED) | PUBLIC


def test_each_role_is_allowed_or_refused_as_the_table_says(app_client, callers):
    wrong = []
    for method, path in sorted(app_endpoints(app_client.app) - PUBLIC):
        for role in ROLES:
            response = call(callers[role], method, concrete(path))
            status = response.status_code
            if role in EXPECTED[(method, path)]:
                if status in (401, 403) or status >= 500:
                    wrong.append(f"{role} {method} {path}: allowed, but got {status} {response.text[:200]}")
            elif status != 403 or not response.headers["content-type"].startswith("application/problem+json"):
                wrong.append(f"{role} {method} {path}: should be 403 problem+json, got {status}")
            elif response.json()["status"] != 403:
                wrong.append(f"{role} {method} {path}: the problem's status is not 403")
    assert wrong == []


def test_every_v1_route_without_a_key_is_401_problem(app_client):
    wrong = []
    for method, path in sorted(app_endpoints(app_client.app) - PUBLIC):
        response = call(app_client, method, concrete(path))
        if response.status_code != 401 or not response.headers["content-type"].startswith("application/problem+json"):
            wrong.append(f"{method} {path}: got {response.status_code}")
        elif response.headers.get("WWW-Authenticate") != "Bearer":
            wrong.append(f"{method} {path}: no WWW-Authenticate: Bearer")
    assert wrong == []


def test_public_routes_need_no_key(app_client):
    for method, path in PUBLIC:
        assert call(app_client, method, path).status_code == 200, path

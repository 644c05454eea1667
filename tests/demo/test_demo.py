"""The demo data set: loaded through the commands into an empty store, it shows every state."""

from datetime import date

import pytest

from demo.loader import load_demo
from domain.vocabulary import CaseStatus, Role

pytestmark = pytest.mark.slow  # every test here starts servers or builds a store

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def demo(fresh_app):
    services = fresh_app.app.state.services
    loaded = load_demo(services.casework, TODAY)
    _, secret = services.keys.create(Role.COORDINATOR)
    return fresh_app, {"Authorization": f"Bearer {secret}"}, services, loaded


def _all(client, headers, path, **params):
    items, cursor = [], None
    while True:
        page = client.get(
            path, headers=headers, params={**params, "limit": 200, **({"cursor": cursor} if cursor else {})}
        ).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def test_the_demo_loads_once_and_every_decision_agrees_with_its_assessment(demo):
    client, headers, services, loaded = demo
    assert loaded > 2000
    assert load_demo(services.casework, TODAY) == 0  # not loaded twice
    decided = [item for item in _all(client, headers, "/v1/case-reviews") if item["decision"]]
    assert decided
    for item in decided:
        replay = client.get(f"/v1/case-reviews/{item['id']}/threshold-decision/replay", headers=headers).json()
        assert replay["agrees"] is True, item["id"]


def test_the_demo_covers_every_lifecycle_state_and_deadline_state(demo):
    client, headers, services, _ = demo
    services.runner.wait_for(services.runner.head(), timeout=30)
    cases = _all(client, headers, "/v1/case-reviews")
    assert len(cases) >= 20
    assert {case["status"] for case in cases} >= {s.value for s in CaseStatus}
    assert {case["route"] for case in cases} == {"individual", "group"}
    # Finished states never change with the day; open ones are seen as on the generator's today.
    assert {case["deadline_state"] for case in cases} >= {"completed_in_time", "completed_late"}
    open_now = {item["deadline_state"] for item in _all(client, headers, "/v1/deadlines", on=TODAY.isoformat())}
    assert open_now >= {"on_track", "due_soon", "overdue", "delay_notified"}


def test_the_demo_shows_every_state_of_the_promises_through_the_api(demo):
    """RULES.md 13, loaded through the commands: the lists, the alarms and the letters as a coordinator sees them."""
    client, headers, services, _ = demo
    services.runner.wait_for(services.runner.head(), timeout=30)
    actions = _all(client, headers, "/v1/actions", on=TODAY.isoformat())
    assert {action["state"] for action in actions} == {"open", "overdue", "done", "dropped"}
    assert any(a["done_on"] and a["due_date"] and a["done_on"] > a["due_date"] for a in actions)  # done late
    requests = _all(client, headers, "/v1/information-requests", on=TODAY.isoformat())
    assert {"open", "answered"} <= {request["state"] for request in requests}
    pcc = _all(client, headers, "/v1/pcc-review-requests")
    assert {item["result"] for item in pcc} >= {"upheld", "not_upheld"}
    alarms = client.get("/v1/deadlines/alarms", headers=headers, params={"on": TODAY.isoformat()}).json()["promises"]
    assert {(alarm["kind"], alarm["state"]) for alarm in alarms} >= {("action", "overdue"), ("update", "overdue")}
    reviewed = next(a["case_review_id"] for a in actions if a["state"] == "dropped")
    case = client.get(f"/v1/case-reviews/{reviewed}", headers=headers).json()
    assert case["letters_sent"] and case["involvement"] and case["review_meetings"] and case["updates"]
    letter = client.get(f"/v1/case-reviews/{reviewed}/letters/outcome", headers=headers)
    assert letter.status_code == 200 and "What the agencies will do" in letter.text

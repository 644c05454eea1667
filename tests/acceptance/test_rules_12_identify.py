"""Issue [identify], done when: on the demo data and on a hand-built case through the HTTP API, a victim with two
qualifying complaints at two agencies appears as `should_be_told` with the right due date, moves to `told` when
telling is recorded, and a subscribed local receiver gets each change exactly once by id (RULES.md section 12,
API.md v1.1 Potential triggers and Subscriptions).

The server runs as `serve` runs it with inline projections: the projections, the delivery worker and the periodic
check in one process. The receiver listens on 127.0.0.1 only.
"""

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from conftest import caller_for
from standardwebhooks.webhooks import Webhook
from webhook_receiver import Receiver

from demo.loader import load_demo
from domain.audited import local_date
from domain.deadlines import calendar_for
from domain.policy import HAVANT_POLICY

pytestmark = pytest.mark.slow  # a server over a database of its own, the demo data, a receiver

POLICE, COUNCIL = "hampshire-constabulary", "havant-borough-council"


def due_after(second_report: str) -> str:
    """RULES.md 12: 10 working days (Havant's tell_within_working_days, England's calendar) after the second report."""
    return calendar_for(HAVANT_POLICY.calendar).add_working_days(date.fromisoformat(second_report), 10).isoformat()


@pytest.fixture(scope="module")
def server(server_url):
    from fastapi.testclient import TestClient

    from api.app import create_app
    from store.database import scratch_database

    with (
        Receiver("take") as receiver,
        scratch_database(server_url, "ct_test_identify") as url,
        TestClient(create_app(url, read_wait_seconds=10, check_audit=True, webhooks=True)) as client,
    ):
        services = client.app.state.services
        load_demo(services.casework, today=local_date(datetime.now(UTC)))
        assert services.runner.wait_for(services.runner.head(), 60)
        callers = {
            "coordinator": caller_for(client, "coordinator"),
            "police": caller_for(client, "agency", POLICE),
            "council": caller_for(client, "agency", COUNCIL),
        }
        created = callers["coordinator"].post(
            "/v1/subscriptions", json={"url": receiver.url, "events": ["should_be_told", "told", "threshold_reached"]}
        )
        assert created.status_code == 201, created.text
        yield {"client": client, "receiver": receiver, "secret": created.json()["secret"],
               "subscription": created.json()["id"], **callers}  # fmt: skip


def listing(caller) -> list[dict]:
    services = caller.client.app.state.services  # other keys wrote some facts: wait until every write is projected
    assert services.runner.wait_for(services.runner.head(), 10)
    answer = caller.get("/v1/potential-triggers", params={"limit": 200})
    assert answer.status_code == 200, answer.text
    assert answer.json()["next_cursor"] is None
    return answer.json()["items"]


def item_of(caller, victim: str) -> dict | None:
    return next((item for item in listing(caller) if item.get("victim_id") == victim), None)


def tell(caller, victim: str) -> None:
    today = local_date(datetime.now(UTC)).isoformat()
    told = caller.post(f"/v1/people/{victim}/told-about-case-review", json={"told_on": today, "channel": "letter"})
    assert told.status_code == 201, told.text


def deliveries_of(server, victim: str) -> list[dict]:
    """What the receiver took about `victim`, verified with the subscription's secret, in arrival order."""
    events = []
    for received in server["receiver"].taken():
        event = Webhook(server["secret"]).verify(received.body, received.headers)
        if event["data"]["victim_id"] == victim:
            events.append({"id": received.webhook_id, **event})
    return events


def test_rules_12_on_the_demo_data_a_victim_with_two_reports_at_two_agencies_should_be_told_then_is_told(server):
    coordinator = server["coordinator"]
    listed = listing(coordinator)
    assert {item["state"] for item in listed} >= {"should_be_told", "told", "threshold_reached"}
    two_agencies = [
        item for item in listed
        if item["state"] == "should_be_told" and item["counted_incidents"] == 2 and len(item["by_agency"]) == 2
    ]  # fmt: skip
    assert two_agencies
    for item in two_agencies:
        second = sorted(c["reported_date"] for c in item["counted"])[1]
        assert item["tell_due_date"] == due_after(second)
    alarms = coordinator.get("/v1/deadlines/alarms").json()["victims_to_tell"]
    assert any(alarm["state"] == "overdue" for alarm in alarms)  # the demo's victim not told in time
    victim = two_agencies[0]["victim_id"]
    tell(coordinator, victim)
    assert item_of(coordinator, victim)["state"] == "told"
    assert server["receiver"].wait_for(lambda r: deliveries_of(server, victim), timeout=30)
    [told] = deliveries_of(server, victim)  # the should_be_told came before the subscription: only the change since
    assert (told["type"], told["data"]["state"], told["data"]["tell_due_date"]) == ("told", "told", None)


def test_rules_12_a_hand_built_case_through_the_api_and_a_receiver_that_gets_each_change_once_by_id(server):
    coordinator, police, council = server["coordinator"], server["police"], server["council"]
    victim = coordinator.post("/v1/people", json={"display_name": "Robin Hartley"}).json()["id"]
    yesterday = local_date(datetime.now(UTC)) - timedelta(days=1)
    reports = []
    for caller, agency, day in ((police, POLICE, yesterday - timedelta(days=3)), (council, COUNCIL, yesterday)):
        answer = caller.post(
            "/v1/complaints",
            json={"victim_id": victim, "agency": agency, "incident_date": day.isoformat(),
                  "reported_date": day.isoformat(), "caused_harassment_alarm_distress": True,
                  "category": "intimidation", "source": "phone"},
        )  # fmt: skip
        assert answer.status_code == 201, answer.text
        reports.append(day.isoformat())
    item = item_of(coordinator, victim)
    assert (item["state"], item["counted_incidents"], item["by_agency"]) == (
        "should_be_told", 2, {COUNCIL: 1, POLICE: 1}
    )  # fmt: skip
    assert item["tell_due_date"] == due_after(reports[1])
    assert item_of(police, victim)["by_agency"] == {COUNCIL: 1, POLICE: 1}  # an agency sees every count
    tell(coordinator, victim)
    assert item_of(coordinator, victim)["state"] == "told"
    receiver = server["receiver"]
    assert receiver.wait_for(lambda r: len(deliveries_of(server, victim)) >= 2, timeout=30)
    events = deliveries_of(server, victim)
    assert [e["type"] for e in events] == ["should_be_told", "told"]
    assert events[0]["data"]["tell_due_date"] == due_after(reports[1])
    assert Counter(e["id"] for e in events).most_common(1)[0][1] == 1  # each change once by id
    sent = coordinator.get(f"/v1/subscriptions/{server['subscription']}/deliveries", params={"limit": 200}).json()
    delivered = {d["webhook_id"]: d for d in sent["items"]}
    assert all(delivered[e["id"]]["state"] == "delivered" for e in events)
    for received in receiver.received:  # every request, whoever it was about, verifies
        Webhook(server["secret"]).verify(received.body, received.headers)
    assert len({r.webhook_id for r in receiver.received}) == len(receiver.received)  # nothing sent twice

"""API.md v1.1 Subscriptions through HTTP: URLs checked, the secret shown once, an agency's own, deliveries shown.

Nothing is sent from here: the session's app runs no delivery worker (tests/service/test_webhook_deliveries.py and
the acceptance test send to a receiver on 127.0.0.1).
"""

from datetime import UTC, datetime, timedelta

import pytest

HOOK = "http://127.0.0.1:9/hooks"  # never called: no delivery worker runs in this app


def subscribe(caller, url=HOOK, events=("should_be_told",)):
    return caller.post("/v1/subscriptions", json={"url": url, "events": list(events)})


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://partner.example.org/hooks", "http or https"),
        ("file:///etc/passwd", "http or https"),
        ("https://user:secret@partner.example.org/hooks", "credentials"),
        ("https://token@partner.example.org/hooks", "credentials"),
        ("https:///hooks", "host"),
        ("partner.example.org/hooks", "http or https"),
        ("https://partner.example.org:99999/hooks", "URL"),
        ("https://partner.example.org/ho oks", "spaces"),
        ("", "http or https"),
    ],
)
def test_a_subscription_url_must_be_http_or_https_with_a_host_and_no_credentials(coordinator, url, why):
    answer = subscribe(coordinator, url=url)
    assert answer.status_code == 422, answer.text
    [error] = answer.json()["errors"]
    assert error["field"] == "url" and why in error["message"]


def test_subscription_events_must_be_known_and_named(coordinator):
    unknown = subscribe(coordinator, events=["should_be_told", "coffee_ready"])
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "events[1]"
    none = subscribe(coordinator, events=[])
    assert none.status_code == 422 and none.json()["errors"][0]["field"] == "events"


def test_the_secret_is_shown_once_in_the_standard_webhooks_form(coordinator, auditor):
    created = subscribe(coordinator, events=["should_be_told", "threshold_reached", "should_be_told"])
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["secret"].startswith("whsec_") and len(body["secret"]) > 40
    assert body["events"] == ["should_be_told", "threshold_reached"]  # each once
    assert created.headers["location"] == f"/v1/subscriptions/{body['id']}" and created.headers["etag"] == '"1"'
    for reader in (coordinator, auditor):
        listed = reader.get("/v1/subscriptions", params={"limit": 200}).json()["items"]
        mine = next(item for item in listed if item["id"] == body["id"])
        assert "secret" not in mine and body["secret"] not in str(listed)
    assert coordinator.get(f"/v1/subscriptions/{body['id']}/deliveries").json() == {"items": [], "next_cursor": None}


def test_an_agency_subscribes_to_its_own_victims_events_and_sees_and_deletes_only_its_own(coordinator, police, council):
    refused = subscribe(police, events=["deadline_overdue"])
    assert refused.status_code == 403
    own = subscribe(police, events=["should_be_told", "told", "action_overdue"]).json()
    assert own["agency"] == "hampshire-constabulary"
    others = subscribe(coordinator).json()
    police_sees = {item["id"] for item in police.get("/v1/subscriptions", params={"limit": 200}).json()["items"]}
    assert own["id"] in police_sees and others["id"] not in police_sees
    assert council.get(f"/v1/subscriptions/{own['id']}/deliveries").status_code == 404
    assert council.delete(f"/v1/subscriptions/{own['id']}").status_code == 404
    deleted = police.delete(f"/v1/subscriptions/{own['id']}")
    assert deleted.status_code == 200 and deleted.json()["deleted"] is True and deleted.headers["etag"] == '"2"'
    assert police.delete(f"/v1/subscriptions/{own['id']}").status_code == 404
    assert coordinator.delete(f"/v1/subscriptions/{others['id']}").status_code == 200


def test_deliveries_show_each_event_with_its_webhook_id_state_and_attempts(coordinator, police, council, services):
    # Other tests publish policy versions (a lower number, say): two reports may reach the threshold here.
    created = subscribe(coordinator, events=["should_be_told", "threshold_reached"]).json()
    victim = coordinator.post("/v1/people", json={"display_name": "Dale Pike"}).json()["id"]
    yesterday = datetime.now(UTC).date() - timedelta(days=1)  # a day reached in every time zone
    for caller, agency, days in ((police, "hampshire-constabulary", 1), (council, "havant-borough-council", 0)):
        day = (yesterday - timedelta(days=days)).isoformat()  # two incidents: two days
        answer = caller.post(
            "/v1/complaints",
            json={"victim_id": victim, "agency": agency, "incident_date": day, "reported_date": day,
                  "caused_harassment_alarm_distress": True, "category": "noise"},
        )  # fmt: skip
        assert answer.status_code == 201, answer.text
    assert services.runner.wait_for(services.runner.head(), 10)
    [delivery] = coordinator.get(f"/v1/subscriptions/{created['id']}/deliveries").json()["items"]
    assert delivery["type"] in ("should_be_told", "threshold_reached") and delivery["webhook_id"].startswith("msg_")
    assert (delivery["state"], delivery["attempts"], delivery["delivered_at"]) == ("pending", 0, None)
    assert coordinator.delete(f"/v1/subscriptions/{created['id']}").status_code == 200
    [cancelled] = coordinator.get(f"/v1/subscriptions/{created['id']}/deliveries").json()["items"]
    assert cancelled["state"] == "cancelled"

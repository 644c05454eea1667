"""What partner developers asked for (issue [contract] point 6, API.md v1.1): a complaints list to keep their own
copy, sharing information as the key's agency, a calendar feed a client without headers can subscribe to,
CSV downloads by query, and agency keys only for the partnership's agencies unless that is intended."""

import uuid
from datetime import UTC, datetime, timedelta

from cli.main import main as community_trigger


def _victim(caller) -> str:
    return caller.post("/v1/people", json={"display_name": f"Pat {uuid.uuid4().hex[:6]}"}).json()["id"]


def _complaint(caller, victim: str, agency: str, day: str = "2026-10-01") -> str:
    body = {
        "victim_id": victim, "agency": agency, "incident_date": day, "reported_date": day,
        "caused_harassment_alarm_distress": True, "category": "noise",
    }  # fmt: skip
    response = caller.post("/v1/complaints", json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_the_complaints_list_is_newest_first_paged_filtered_and_an_agency_sees_only_its_own(
    coordinator, police, council
):
    started = datetime.now(UTC)
    victim = _victim(coordinator)
    ours = [_complaint(police, victim, "hampshire-constabulary") for _ in range(3)]
    theirs = _complaint(council, victim, "havant-borough-council")

    seen, cursor = [], None
    while True:  # an agency key: its own only, newest first, in pages
        page = police.get(
            "/v1/complaints",
            params={"since": started.isoformat(), "limit": 2, **({"cursor": cursor} if cursor else {})},
        )
        assert page.status_code == 200, page.text
        seen += [item["id"] for item in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(ours)) and theirs not in seen
    assert police.get("/v1/complaints", params={"agency": "havant-borough-council"}).status_code == 403

    everything = coordinator.get("/v1/complaints", params={"since": started.isoformat(), "limit": 50}).json()["items"]
    assert {item["id"] for item in everything} >= {*ours, theirs}
    council_only = coordinator.get(
        "/v1/complaints", params={"since": started.isoformat(), "agency": "havant-borough-council"}
    ).json()["items"]
    assert [item["id"] for item in council_only] == [theirs]
    later = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    assert coordinator.get("/v1/complaints", params={"since": later}).json()["items"] == []
    today = started.date().isoformat()
    assert len(coordinator.get("/v1/complaints", params={"since": today, "limit": 500}).json()["items"]) >= 4
    bad = coordinator.get("/v1/complaints", params={"since": "yesterday"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "since"


def test_an_agency_shares_information_as_its_own_key_without_naming_itself(coordinator, police):
    victim = _victim(coordinator)
    review = coordinator.post(
        "/v1/case-reviews",
        json={"route": "individual", "applicant_id": victim, "victim_id": victim, "received_date": "2026-11-02",
              "channel": "online", "dissatisfaction": "no_action_taken"},
    ).json()["id"]  # fmt: skip
    decided = coordinator.post(
        f"/v1/case-reviews/{review}/threshold-decision",
        json={"decision": "met", "grounds": "harm", "reason": "vulnerable", "decided_on": "2026-11-03"},
    )
    assert decided.status_code == 201, decided.text
    asked = coordinator.post(
        f"/v1/case-reviews/{review}/information-requests",
        json={"agency": "hampshire-constabulary", "requested_on": "2026-11-03", "due_date": "2026-11-13"},
    )
    assert asked.status_code == 201, asked.text  # an agency shares only on a review it was asked to
    shared = police.post(f"/v1/case-reviews/{review}/information", json={"shared_on": "2026-11-04"})
    assert shared.status_code == 201, shared.text
    information = coordinator.get(f"/v1/case-reviews/{review}").json()["information_shared"]
    assert [item["agency"] for item in information] == ["hampshire-constabulary"]
    as_another = police.post(
        f"/v1/case-reviews/{review}/information", json={"agency": "havant-borough-council", "shared_on": "2026-11-04"}
    )
    assert as_another.status_code == 403
    unnamed = coordinator.post(f"/v1/case-reviews/{review}/information", json={"shared_on": "2026-11-04"})
    assert unnamed.status_code == 422 and unnamed.json()["errors"][0]["field"] == "agency"


def test_a_calendar_client_subscribes_with_a_revocable_feed_token_in_the_url(app_client, coordinator, auditor):
    made = coordinator.post("/v1/deadlines/feed-tokens", json={"label": "desk calendar"})
    assert made.status_code == 201 and made.headers["Location"] == "/v1/deadlines.ics"
    token = made.json()["token"]
    feed = app_client.get(made.json()["url"])  # no Authorization header at all
    assert feed.status_code == 200 and feed.text.startswith("BEGIN:VCALENDAR")
    # It reads the feed and nothing else, and only a feed token may travel in a URL.
    assert app_client.get("/v1/case-reviews", headers={"Authorization": f"Bearer {token}"}).status_code == 403
    secret = coordinator.headers["Authorization"].removeprefix("Bearer ")
    assert app_client.get("/v1/deadlines.ics", params={"token": secret}).status_code == 403
    # An auditor cannot end a coordinator's token (and is not told it exists); the coordinator can.
    assert auditor.request("DELETE", f"/v1/deadlines/feed-tokens/{made.json()['id']}").status_code == 404
    assert coordinator.request("DELETE", f"/v1/deadlines/feed-tokens/{made.json()['id']}").status_code == 200
    assert app_client.get(made.json()["url"]).status_code == 401


def test_a_read_of_the_calendar_feed_through_a_feed_token_is_recorded_under_the_tokens_key_id(
    app_client, coordinator, auditor
):
    """API.md: every read of case data is recorded, who and whom. The feed lists applications by id, so a read of it
    names the people of each (applicant, victim, members), under the feed token's own key id."""
    applicant, victim = _victim(coordinator), _victim(coordinator)
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()  # received by today: open, in the feed
    review = coordinator.post(
        "/v1/case-reviews",
        json={"route": "individual", "applicant_id": applicant, "victim_id": victim, "received_date": yesterday,
              "channel": "online", "dissatisfaction": "no_action_taken"},
    )  # fmt: skip
    assert review.status_code == 201, review.text
    made = coordinator.post("/v1/deadlines/feed-tokens", json={"label": "audit check"}).json()
    assert coordinator.get("/v1/deadlines.ics").status_code == 200  # the coordinator's read waits for its own writes
    feed = app_client.get(made["url"])  # the token has written nothing: it reads what the read models hold
    assert feed.status_code == 200 and f"UID:{review.json()['id']}@community-trigger" in feed.text
    for person in (applicant, victim):
        reads = auditor.get("/v1/audit", params={"person_id": person, "key_id": made["id"]}).json()["items"]
        assert [(read["key_id"], read["role"], read["route"]) for read in reads] == [
            (made["id"], "calendar", "/v1/deadlines.ics")
        ]
        assert {applicant, victim} <= set(reads[0]["person_ids"])


def test_csv_downloads_by_query_carry_a_filename(analyst):
    response = analyst.get("/v1/reports/publication", params={"year": 2026, "format": "csv"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert 'filename="asb-case-reviews-2026-2027.csv"' in response.headers["Content-Disposition"]
    assert response.text.splitlines()[0].startswith("year,from,to,applications_received")


def test_an_agency_key_for_an_agency_outside_the_partnership_is_refused_unless_intended(
    database_url, monkeypatch, capsys
):
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert community_trigger(["keys", "create", "--role", "agency", "--agency", "hampshire-constabulary"]) == 0
    assert community_trigger(["keys", "create", "--role", "agency", "--agency", "hampshire-constabulray"]) == 2
    assert "not a partner agency" in capsys.readouterr().err
    assert (
        community_trigger(["keys", "create", "--role", "agency", "--agency", "neighbourhood-watch", "--not-a-partner"])
        == 0
    )

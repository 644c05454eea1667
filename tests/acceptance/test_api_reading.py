"""API.md (reading), black box through the HTTP API: every statement of the contract."""

from datetime import UTC, datetime, timedelta

from acceptance_helpers import (
    application,
    complaint,
    consent,
    deadline_row,
    iso,
    last_position,
    met_case,
    person,
    today,
)

from tests.conftest import caller_for


def test_api_the_case_list_is_newest_first_cursor_paged_and_sees_ones_own_writes(coordinator):
    victim = person(coordinator)
    mine = [application(coordinator, victim, day)["id"] for day in ("2026-01-05", "2026-06-05", "2026-03-05")]
    seen, received, params = [], [], {"limit": 7}
    while True:
        response = coordinator.get("/v1/case-reviews", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        assert set(page) >= {"items", "next_cursor"} and len(page["items"]) <= 7
        seen += [item["id"] for item in page["items"]]
        received += [item["received_date"] for item in page["items"]]
        if page["next_cursor"] is None:
            break
        params = {"limit": 7, "cursor": page["next_cursor"]}
    assert len(seen) == len(set(seen))
    assert received == sorted(received, reverse=True)
    assert set(mine) <= set(seen)
    assert [s for s in seen if s in mine] == [mine[1], mine[2], mine[0]]


def test_api_the_case_list_is_newest_first_among_applications_received_the_same_day(own_store):
    client, _ = own_store
    coordinator = caller_for(client, "coordinator")
    victim = person(coordinator)
    created = [application(coordinator, victim, "2026-11-02")["id"] for _ in range(4)]
    seen, params = [], {"limit": 1}
    while True:
        page = coordinator.get("/v1/case-reviews", params=params).json()
        seen += [item["id"] for item in page["items"]]
        if not page["next_cursor"]:
            break
        params = {"limit": 1, "cursor": page["next_cursor"]}
    assert seen == created[::-1]


def test_api_deadlines_items_have_the_documented_fields_and_default_to_today(own_store):
    # A store of its own: an application received today would be under any version another test
    # publishes with an earlier effective date.
    client, _ = own_store
    coordinator = caller_for(client, "coordinator")
    review = application(coordinator, person(coordinator), iso(today()))["id"]
    response = coordinator.get("/v1/deadlines")
    assert response.status_code == 200
    page = response.json()
    assert set(page) >= {"items", "next_cursor"}
    row = deadline_row(coordinator, review, iso(today()))
    assert set(row) >= {"id", "received_date", "due_date", "working_days_left", "deadline_state"}
    assert row["working_days_left"] == 20 and row["deadline_state"] == "on_track"


def test_api_history_lists_every_event_of_the_application_and_its_facts(coordinator, auditor):
    victim, advocate = person(coordinator), person(coordinator)
    ids = [complaint(coordinator, victim, day) for day in ("2026-03-01", "2026-04-01", "2026-05-01")]
    review = application(coordinator, victim, "2026-07-15", applicant=advocate)["id"]
    consent(coordinator, victim, review, "application_on_behalf")
    coordinator.post(f"/v1/complaints/{ids[0]}/withdrawal", json={"reason": "error"})
    response = auditor.get(f"/v1/case-reviews/{review}/history")
    assert response.status_code == 200, response.text
    assert set(response.json()) >= {"items", "next_cursor"}
    items = response.json()["items"]
    for item in items:
        assert set(item) >= {"type", "recorded_at", "actor", "data"}
    assert len(items) == 1 + 3 + 1 + 1  # the application, three complaints, one consent, one withdrawal


def test_api_every_read_of_a_persons_data_is_recorded_who_when_what(coordinator, auditor):
    victim = person(coordinator, "Audited Reader")
    before = datetime.now(UTC) - timedelta(seconds=5)
    assert coordinator.get(f"/v1/people/{victim}").status_code == 200
    response = auditor.get("/v1/audit", params={"person_id": victim})
    assert response.status_code == 200, response.text
    reads = [item for item in response.json()["items"] if item["path"] == f"/v1/people/{victim}"]
    assert reads and reads[0]["role"] == "coordinator" and reads[0]["key_id"]
    assert datetime.fromisoformat(reads[0]["read_at"]) >= before


def test_api_an_analyst_gets_aggregate_views_without_any_persons_id(own_store):
    client, _ = own_store
    admin, coordinator, analyst = (caller_for(client, role) for role in ("admin", "coordinator", "analyst"))
    published = admin.post(
        "/v1/policies",
        json={"name": "two-will-do", "version": 1, "effective_from": "2014-10-20", "individual_min_complaints": 2},
    )
    assert published.status_code == 201, published.text
    victim = person(coordinator, "Analysed Nobody")
    for day in ("2026-05-01", "2026-06-01"):
        complaint(coordinator, victim, day)
    review = application(coordinator, victim, "2026-07-15")["id"]
    coordinator.get("/v1/case-reviews")  # waits for the coordinator's own writes to reach the read models
    figures = analyst.get("/v1/reports/publication", params={"year": 2026})
    assert figures.status_code == 200 and victim not in figures.text
    what_if = analyst.get("/v1/reports/what-if", params={"policy": "two-will-do@1"})
    assert what_if.status_code == 200, what_if.text
    assert review in what_if.text  # the changed verdict is listed...
    assert victim not in what_if.text and "Analysed Nobody" not in what_if.text  # ...naming nobody


def test_concurrent_threshold_decisions_record_one(coordinator):
    from concurrent.futures import ThreadPoolExecutor

    review = met_case(coordinator)
    path = f"/v1/case-reviews/{review}/threshold-decision"
    with ThreadPoolExecutor(6) as pool:
        codes = list(
            pool.map(
                lambda _: coordinator.post(path, json={"decision": "met", "decided_on": "2026-07-20"}).status_code,
                range(6),
            )
        )
    assert sorted(codes) == [201] + [409] * 5
    history = coordinator.get(f"/v1/case-reviews/{review}/history").json()["items"]
    assert [item["type"] for item in history].count("CaseReview.ThresholdDecided") == 1


def test_api_events_are_in_commit_order_with_positions_after_n(coordinator, auditor):
    start = last_position(auditor)
    victim = person(coordinator)
    complaint(coordinator, victim, "2026-05-01")
    application(coordinator, victim, "2026-07-15")
    page = auditor.get("/v1/events", params={"after": start, "limit": 2}).json()
    positions = [item["position"] for item in page["items"]]
    assert len(positions) == 2 and all(p > start for p in positions) and positions == sorted(set(positions))
    for item in page["items"]:
        assert set(item) >= {"position", "type", "recorded_at"}
    rest = auditor.get("/v1/events", params={"after": positions[-1]}).json()["items"]
    assert rest and all(item["position"] > positions[-1] for item in rest)
    everything = auditor.get("/v1/events", params={"after": start}).json()["items"]
    assert [item["position"] for item in everything] == positions + [item["position"] for item in rest]


def test_api_the_event_feed_pages_with_a_cursor_like_every_list(auditor, coordinator):
    victim = person(coordinator)
    complaint(coordinator, victim, "2026-05-01")
    page = auditor.get("/v1/events", params={"limit": 1}).json()
    assert set(page) >= {"items", "next_cursor"} and page["next_cursor"]
    following = auditor.get("/v1/events", params={"limit": 1, "cursor": page["next_cursor"]}).json()
    assert following["items"][0]["position"] > page["items"][0]["position"]

"""Idempotency-Key on every write: a replay returns the first answer and records nothing new."""

import threading
import uuid

import psycopg

from api import idempotency


def _events(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT count(*) FROM community_trigger_events").fetchone()[0]


def _events_of(database_url: str, originator_id: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT count(*) FROM community_trigger_events WHERE originator_id = %s", (originator_id,)
        ).fetchone()[0]


def _register(caller, name: str = "Idem Potent", key: str | None = None):
    headers = {"Idempotency-Key": key} if key else {}
    return caller.post("/v1/people", json={"display_name": name}, headers=headers)


def _complaint_body(victim: str, **changes) -> dict:
    return {
        "victim_id": victim, "agency": "hampshire-constabulary", "incident_date": "2026-10-01",
        "reported_date": "2026-10-02", "caused_harassment_alarm_distress": True, "category": "noise", **changes,
    }  # fmt: skip


def test_a_replay_returns_the_first_answer_and_records_nothing(coordinator, database_url):
    key = str(uuid.uuid4())
    first = _register(coordinator, key=key)
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    before = _events(database_url)
    again = _register(coordinator, key=key)
    assert again.status_code == 201
    assert again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["content-type"] == first.headers["content-type"]
    assert _events(database_url) == before
    assert _events_of(database_url, first.json()["id"]) == 1


def test_the_same_key_with_another_body_or_path_is_422_naming_the_header(coordinator, database_url):
    key = str(uuid.uuid4())
    assert _register(coordinator, "First Body", key=key).status_code == 201
    before = _events(database_url)
    other_body = _register(coordinator, "Second Body", key=key)
    assert other_body.status_code == 422
    assert other_body.headers["content-type"].startswith("application/problem+json")
    assert other_body.json()["errors"][0]["field"] == "Idempotency-Key"
    other_path = coordinator.post(
        "/v1/complaints", json=_complaint_body(str(uuid.uuid4())), headers={"Idempotency-Key": key}
    )
    assert other_path.status_code == 422 and other_path.json()["errors"][0]["field"] == "Idempotency-Key"
    assert _events(database_url) == before


def test_keys_belong_to_one_api_key(coordinator, police):
    key = str(uuid.uuid4())
    mine = _register(coordinator, "Same Key", key=key)
    theirs = _register(police, "Same Key", key=key)
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"] and "Idempotent-Replayed" not in theirs.headers


def test_a_failed_write_is_not_kept_and_can_be_retried_with_the_same_key(coordinator, database_url):
    victim = _register(coordinator, "Retry Victim").json()["id"]
    key = str(uuid.uuid4())
    wrong = _complaint_body(victim, incident_date="2026-10-05", reported_date="2026-10-04")
    refused = coordinator.post("/v1/complaints", json=wrong, headers={"Idempotency-Key": key})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "reported_date"
    refused_again = coordinator.post("/v1/complaints", json=wrong, headers={"Idempotency-Key": key})
    assert refused_again.status_code == 422 and "Idempotent-Replayed" not in refused_again.headers
    before = _events(database_url)
    corrected = coordinator.post("/v1/complaints", json=_complaint_body(victim), headers={"Idempotency-Key": key})
    assert corrected.status_code == 201
    assert _events(database_url) == before + 1
    replay = coordinator.post("/v1/complaints", json=_complaint_body(victim), headers={"Idempotency-Key": key})
    assert replay.json() == corrected.json() and replay.headers["Idempotent-Replayed"] == "true"


def test_a_replayed_patch_with_if_match_answers_as_the_first_time_not_412(coordinator, database_url):
    victim = _register(coordinator, "Patch Victim").json()["id"]
    complaint_id = coordinator.post("/v1/complaints", json=_complaint_body(victim)).json()["id"]
    headers = {"Idempotency-Key": str(uuid.uuid4()), "If-Match": "1"}
    first = coordinator.patch(f"/v1/complaints/{complaint_id}", json={"agency_reference": "HC-9"}, headers=headers)
    assert first.status_code == 200 and first.json()["version"] == 2
    before = _events(database_url)
    again = coordinator.patch(f"/v1/complaints/{complaint_id}", json={"agency_reference": "HC-9"}, headers=headers)
    assert again.status_code == 200 and again.json() == first.json()
    assert _events(database_url) == before
    # Without the key, the same stale If-Match is refused.
    stale = coordinator.patch(
        f"/v1/complaints/{complaint_id}", json={"agency_reference": "HC-9"}, headers={"If-Match": "1"}
    )
    assert stale.status_code == 412


def test_identical_requests_racing_with_one_key_record_once(coordinator, database_url):
    key = str(uuid.uuid4())
    start = threading.Barrier(8)
    answers = []

    def send() -> None:
        start.wait()
        answers.append(_register(coordinator, "Racing Twin", key=key))

    threads = [threading.Thread(target=send) for _ in range(8)]
    before = _events(database_url)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {answer.status_code for answer in answers} == {201}, [a.text for a in answers]
    assert len({answer.json()["id"] for answer in answers}) == 1
    assert sum(answer.headers.get("Idempotent-Replayed") == "true" for answer in answers) == 7
    assert _events(database_url) == before + 1


def test_a_malformed_key_is_422_and_no_key_at_all_is_still_401(app_client, coordinator):
    response = coordinator.post(
        "/v1/people", json={"display_name": "Bad Key"}, headers={"Idempotency-Key": "has spaces in it"}
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "Idempotency-Key"
    unauthenticated = app_client.post("/v1/people", json={"display_name": "X"}, headers={"Idempotency-Key": "k-1"})
    assert unauthenticated.status_code == 401


def test_keys_expire_after_24_hours(coordinator, services):
    key = str(uuid.uuid4())
    first = _register(coordinator, "Yesterday", key=key)
    with services.pool.connection() as conn:
        conn.execute(
            "UPDATE api_idempotency SET claimed_at = now() - interval '25 hours' WHERE idempotency_key = %s", (key,)
        )
    later = _register(coordinator, "Today", key=key)  # another body: fine once the key expired
    assert later.status_code == 201 and later.json()["id"] != first.json()["id"]
    with services.pool.connection() as conn:
        conn.execute(
            "UPDATE api_idempotency SET claimed_at = now() - interval '25 hours' WHERE idempotency_key = %s", (key,)
        )
    idempotency.purge_expired(services.pool)  # at start-up: expired keys are purged
    with services.pool.connection() as conn:
        left = conn.execute("SELECT count(*) AS n FROM api_idempotency WHERE idempotency_key = %s", (key,)).fetchone()
    assert left["n"] == 0


def test_the_openapi_shows_the_header_on_every_write(app_client):
    schema = app_client.get("/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            names = [parameter["name"] for parameter in operation.get("parameters", [])]
            if path.startswith("/v1/") and method in ("post", "patch", "delete"):  # every write
                assert "Idempotency-Key" in names, (method, path)
            else:
                assert "Idempotency-Key" not in names, (method, path)

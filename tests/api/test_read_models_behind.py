"""Honest failures (API.md, Reading: a read after a write sees it): never a stale 200 without saying so.

With COMMUNITY_TRIGGER_PROJECTIONS=worker and no worker running, nothing moves the read models: /healthz
says `degraded` (HTTP 200, with why) and a read, by any key, made after a write the read models do not
hold within the wait answers 503 `read-models-behind` with Retry-After; once a runner runs, both recover.
A write answers `X-Consistency-Token`; a read may send one, and it is met whenever the read is answered.
"""

from datetime import UTC, datetime

import pytest
from conftest import caller_for
from fastapi.testclient import TestClient
from test_api_core import application, register

from api.app import create_app
from domain.audited import local_date
from projections.catalogue import read_models
from projections.runner import ProjectionRunner
from service.settings import Settings
from store.database import scratch_database
from store.pool import open_pool


@pytest.fixture
def no_runner(server_url):
    with scratch_database(server_url, "ct_behind") as url:
        with TestClient(
            create_app(url, read_wait_seconds=0.5, projections="worker", health_max_lag_seconds=1)
        ) as client:
            yield client, url


@pytest.mark.slow
def test_without_a_runner_reads_after_a_write_answer_503_whoever_reads_and_healthz_says_degraded(no_runner):
    client, url = no_runner
    coordinator = caller_for(client, "coordinator")
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json()["status"] == "degraded", health.json()
    assert health.json()["projections"]["runner"] == "none"
    assert any("no projection runner" in problem for problem in health.json()["problems"])

    review = application(coordinator, register(coordinator, "Behind Reader"))
    for path in ("/v1/case-reviews", "/v1/deadlines", "/v1/deadlines/alarms"):
        response = coordinator.get(path)
        assert response.status_code == 503, (path, response.text)
        assert response.headers["Retry-After"].isdigit()
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["type"].endswith("/read-models-behind")
        assert "read models are behind" in response.json()["detail"]
    other = caller_for(client, "auditor")  # another key: it never wrote, and still sees no stale 200 without the write
    assert other.get("/v1/case-reviews").status_code == 503
    assert coordinator.get(f"/v1/case-reviews/{review['id']}").status_code == 200  # from the events: current

    services = client.app.state.services
    pool = open_pool(url, size=2, name="test-late-runner")
    models = read_models(services.store, services.policies.in_force, Settings.from_environment().location_secret())
    runner = ProjectionRunner(services.store, pool, models)
    try:
        runner.start()  # a worker arrives
        listed = coordinator.get("/v1/case-reviews", params={"limit": 5})
        assert listed.status_code == 200 and review["id"] in [item["id"] for item in listed.json()["items"]]
        seen_by_other = other.get("/v1/case-reviews", params={"limit": 5})
        assert seen_by_other.status_code == 200 and review["id"] in [i["id"] for i in seen_by_other.json()["items"]]
        health = client.get("/healthz").json()
        assert health["status"] == "ok" and health["problems"] == [] and health["projections"]["runner"] == "running"
    finally:
        runner.stop()
        pool.close()


def test_healthz_is_ok_with_a_runner_and_degraded_past_the_lag_threshold(app_client, monkeypatch):
    health = app_client.get("/healthz").json()
    assert health["status"] == "ok" and health["projections"]["runner"] == "running"
    runner = app_client.app.state.services.runner
    monkeypatch.setattr(runner, "lag", lambda: {"events": 12, "seconds": 172.0, "position": 1, "head": 13})
    health = app_client.get("/healthz")
    assert health.status_code == 200 and health.json()["status"] == "degraded"
    assert "172 s" in health.json()["problems"][0]


def test_a_write_answers_a_consistency_token_that_another_key_can_read_with(coordinator, auditor):
    victim = register(coordinator, "Token Holder")
    written = coordinator.post(
        "/v1/case-reviews",
        json={"route": "individual", "applicant_id": victim, "victim_id": victim, "channel": "101",
              "received_date": local_date(datetime.now(UTC)).isoformat(), "dissatisfaction": "no_action_taken"},
    )  # fmt: skip
    token = written.headers["X-Consistency-Token"]
    assert int(token) >= 1
    listed = auditor.get("/v1/case-reviews", params={"limit": 5}, headers={"X-Consistency-Token": token})
    assert listed.status_code == 200 and written.json()["id"] in [item["id"] for item in listed.json()["items"]]
    replayed = coordinator.post("/v1/people", json={"display_name": "Once"}, headers={"Idempotency-Key": "tok-1"})
    again = coordinator.post("/v1/people", json={"display_name": "Once"}, headers={"Idempotency-Key": "tok-1"})
    assert again.headers["Idempotent-Replayed"] == "true"
    assert int(again.headers["X-Consistency-Token"]) >= int(replayed.headers["X-Consistency-Token"])


@pytest.mark.parametrize("token", ["abc", "-1", "1" * 19, b"\xb2", "1.5", ""])
def test_a_consistency_token_that_is_not_one_is_invalid_input_naming_the_header(auditor, token):
    response = auditor.get("/v1/case-reviews", headers={"X-Consistency-Token": token})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "X-Consistency-Token"


def test_a_token_past_the_newest_event_waits_only_for_the_newest_event(auditor):
    response = auditor.get("/v1/case-reviews", headers={"X-Consistency-Token": "9" * 18})
    assert response.status_code == 200, response.text

"""The demo data set: loaded through the commands into an empty store, it shows every state."""

import secrets
from datetime import date

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import sql

from api.app import create_app
from api.database import with_database
from benchmarks.loader import load_demo
from domain.vocabulary import CaseStatus, Role

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def demo(server_url):
    name = f"ct_demo_{secrets.token_hex(4)}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        with TestClient(create_app(with_database(server_url, name))) as client:
            services = client.app.state.services
            loaded = load_demo(services.trigger, TODAY, assess=lambda review, at: services.assessor.assess(review, at).to_dict())
            _, secret = services.keys.create(Role.COORDINATOR)
            yield client, {"Authorization": f"Bearer {secret}"}, services, loaded
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _all(client, headers, path, **params):
    items, cursor = [], None
    while True:
        page = client.get(path, headers=headers, params={**params, "limit": 200, **({"cursor": cursor} if cursor else {})}).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def test_the_demo_loads_once_and_every_decision_agrees_with_its_assessment(demo):
    client, headers, services, loaded = demo
    assert loaded > 2000
    assert load_demo(services.trigger, TODAY, assess=lambda review, at: None) == 0  # not loaded twice
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

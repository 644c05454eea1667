"""While the database cannot be reached, the API answers 503 with Retry-After (and records nothing), not 500."""

import psycopg
import pytest
from conftest import caller_for
from fastapi.testclient import TestClient
from psycopg import sql

from api.app import create_app
from store.database import scratch_database


@pytest.fixture
def app_whose_database_goes_away(server_url):
    with scratch_database(server_url, "ct_unavailable") as url:
        name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
        with TestClient(create_app(url, read_wait_seconds=1)) as client:
            yield client, server_url, name
            with psycopg.connect(server_url, autocommit=True) as conn:  # back, so the database can be dropped
                conn.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(sql.Identifier(name)))


@pytest.mark.slow
def test_requests_get_503_with_retry_after_while_the_database_is_unreachable(app_whose_database_goes_away):
    client, server_url, name = app_whose_database_goes_away
    coordinator = caller_for(client, "coordinator")
    assert coordinator.get("/v1/case-reviews").status_code == 200  # the key is now remembered in memory
    with psycopg.connect(server_url, autocommit=True) as conn:  # as a restart or a failover does
        conn.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(sql.Identifier(name)))
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
    for _ in range(2):  # the dropped connections, then the refused new ones (each waits for the pool's time-out)
        for response in (
            coordinator.get("/v1/case-reviews"),
            coordinator.post("/v1/people", json={"display_name": "Nobody Recorded"}),
            coordinator.post(
                "/v1/people", json={"display_name": "Nobody Recorded"}, headers={"Idempotency-Key": "unavailable-1"}
            ),
        ):
            assert response.status_code == 503, response.text
            assert response.headers["Retry-After"].isdigit()
            assert response.headers["content-type"].startswith("application/problem+json")
    health = client.get("/healthz")
    assert health.status_code == 503

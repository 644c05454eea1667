"""The request path's shortcuts keep their promises: remembered keys, grouped audit rows, one thread hop."""

import time

from conftest import Caller

from domain.vocabulary import Role
from store.api_keys import KeyStore
from store.pool import open_pool


def test_a_key_revoked_by_the_server_is_refused_at_once(app_client, services):
    key, secret = services.keys.create(Role.COORDINATOR, label="revoked here")
    caller = Caller(app_client, secret)
    assert caller.get("/v1/case-reviews").status_code == 200  # now remembered
    assert services.keys.revoke(key.key_id)
    assert caller.get("/v1/case-reviews").status_code == 401


def test_a_key_revoked_by_another_process_is_refused_once_remembered_no_longer(database_url):
    pool = open_pool(database_url, size=2, name="test-key-cache")
    try:
        server, elsewhere = KeyStore(pool, cache_seconds=0.3), KeyStore(pool)
        key, secret = server.create(Role.AUDITOR)
        assert server.authenticate(secret) == key
        assert elsewhere.revoke(key.key_id)  # e.g. `community-trigger keys revoke`
        assert server.authenticate(secret) == key  # still remembered, for at most cache_seconds
        time.sleep(0.35)
        assert server.authenticate(secret) is None
        assert server.authenticate(secret) is None  # a refused key is never remembered
    finally:
        pool.close()


def test_a_wrong_secret_for_a_remembered_key_is_refused(app_client, services):
    key, secret = services.keys.create(Role.COORDINATOR)
    assert Caller(app_client, secret).get("/v1/case-reviews").status_code == 200
    forged = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    assert Caller(app_client, forged).get("/v1/case-reviews").status_code == 401
    assert services.keys.cached(forged) is None


def test_reads_at_once_are_each_audited(coordinator, auditor, app_client):
    """Reads arriving together share the audit's commits; each is still recorded before it is answered."""
    import concurrent.futures

    person = coordinator.post("/v1/people", json={"display_name": "Read Together"}).json()["id"]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda _: coordinator.get(f"/v1/people/{person}").status_code, range(24)))
    assert statuses == [200] * 24
    rows = auditor.get("/v1/audit", params={"person_id": person, "limit": 100}).json()["items"]
    assert len(rows) == 24 and len({row["request_id"] for row in rows}) == 24

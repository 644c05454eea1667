"""The Idempotency-Key table keeps an HMAC of each request body under a server secret, never its plain hash:
a body holds personal data (a name), and a plain hash in a copy of the database could be tested against
guesses. The secret is derived from the key-encryption key here (tests run with one)."""

import base64
import hashlib
import hmac
import os

import psycopg

from store.event_store import KEK_VARIABLE


def test_idempotency_keeps_an_hmac_of_the_body_never_its_plain_hash(coordinator, services, database_url):
    body = b'{"display_name":"Hashed Guessable"}'
    response = coordinator.post(
        "/v1/people", content=body, headers={"Idempotency-Key": "hmac-1", "Content-Type": "application/json"}
    )
    assert response.status_code == 201
    with psycopg.connect(database_url) as conn:
        (kept,) = conn.execute("SELECT request_hmac FROM api_idempotency WHERE idempotency_key = 'hmac-1'").fetchone()
    message = b"\n".join([b"POST", b"/v1/people", body])
    assert bytes(kept) != hashlib.sha256(message).digest()
    assert bytes(kept) == hmac.new(services.idempotency_secret, message, hashlib.sha256).digest()
    wrapper = services.store.personal_keys.keys.wrapper
    assert services.idempotency_secret == wrapper.derive("community-trigger idempotency-key bodies")
    assert services.idempotency_secret not in (base64.b64decode(os.environ[KEK_VARIABLE]),)

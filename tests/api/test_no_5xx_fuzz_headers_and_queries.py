"""No input may cause a 5xx (API.md, Errors): a fuzz of every read's query parameters and of the headers
every request may carry (Idempotency-Key, X-Request-ID, Accept, Content-Type, If-Match, X-Consistency-Token,
Authorization), beside tests/api/test_no_5xx_from_headers_and_cursors.py's cursors."""

import re
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.app import create_app

pytestmark = pytest.mark.slow  # a few hundred requests

OPENAPI = create_app("postgresql://never-started").openapi()
READS = sorted(
    (path, [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"])
    for path, item in OPENAPI["paths"].items()
    for method, operation in item.items()
    if method == "get" and path.startswith("/v1/")
)
NASTY = [
    "", "0", "-1", "9" * 400, "1e309", "NaN", "inf", "2026-02-30", "0001-01-01", "9999-12-31", "1899-12-31T23:59Z",
    "2026-11-02T09:30:00 00:00", "safer-havant@²", "safer-havant@99999999999999999999", "x@1", "@", "%00", "\u202e",
    "\x00", "true", "[]", "{}", "a" * 5000,
]  # fmt: skip
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
VALUES = st.one_of(TEXT, st.integers(-(10**30), 10**30).map(str), st.sampled_from(NASTY))
HEADER_VALUES = st.one_of(
    st.binary(max_size=80).filter(lambda b: not re.search(rb"[\r\n\x00]", b)),
    st.sampled_from([b"9" * 5000, "²".encode(), b"\xb9", b'"3"', b'W/"3"', b"*/*", b"text/csv", b"application/xml"]),
)
HEADERS = ["Idempotency-Key", "X-Request-ID", "Accept", "Content-Type", "If-Match", "X-Consistency-Token"]


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), path)


@pytest.fixture(scope="module")
def readers(coordinator, auditor, analyst):
    return {"/v1/audit": auditor, "/v1/reports/publication": analyst, "/v1/reports/what-if": analyst}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(read=st.sampled_from(READS), data=st.data())
def test_any_query_parameters_of_any_read_are_answered_without_a_server_error(coordinator, readers, read, data):
    path, names = read
    params = {name: data.draw(VALUES, label=name) for name in names if data.draw(st.booleans(), label=f"send {name}")}
    response = readers.get(path, coordinator).get(_concrete(path), params=params)
    assert response.status_code < 500, (path, params, response.text[:300])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.sampled_from(HEADERS), value=HEADER_VALUES, write=st.booleans())
def test_any_header_on_a_read_or_a_write_is_answered_without_a_server_error(coordinator, header, value, write):
    if write:
        response = coordinator.post("/v1/people", json={"display_name": "Header Fuzz"}, headers={header: value})
    else:
        response = coordinator.get("/v1/case-reviews", params={"limit": 1}, headers={header: value})
    assert response.status_code < 500, (header, value[:40], response.text[:300])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=HEADER_VALUES)
def test_any_authorization_header_is_answered_without_a_server_error(app_client, value):
    response = app_client.get("/v1/case-reviews", headers={"Authorization": value})
    assert response.status_code in (401, 403), (value[:40], response.text[:300])

"""No input may cause a 5xx (API.md, Errors): cursors and headers that once did, and a fuzz of both."""

import base64
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

LISTS = ["/v1/events", "/v1/case-reviews", "/v1/deadlines", "/v1/audit"]


def _cursor(value) -> str:
    return base64.urlsafe_b64encode(value.encode() if isinstance(value, str) else value).decode().rstrip("=")


def test_a_cursor_of_deeply_nested_json_is_invalid_input_not_a_server_error(coordinator, auditor):
    nested = _cursor("[" * 5_000 + "]" * 5_000)  # refused by its length, never parsed
    short_nested = _cursor("[" * 700 + "]" * 700)  # parsed: not an object
    for caller, path in [(coordinator, p) for p in LISTS[:3]] + [(auditor, "/v1/audit")]:
        for cursor in (nested, short_nested):
            response = caller.get(path, params={"cursor": cursor})
            assert response.status_code == 422, (path, response.text[:200])
            assert response.json()["errors"][0]["field"] == "cursor"


def test_an_if_match_of_thousands_of_digits_or_unicode_digits_is_invalid_input(coordinator):
    person = coordinator.post("/v1/people", json={"display_name": "Ida Match"}).json()["id"]
    body = {
        "victim_id": person, "agency": "hampshire-constabulary", "incident_date": "2026-10-01",
        "reported_date": "2026-10-02", "caused_harassment_alarm_distress": True, "category": "noise",
    }  # fmt: skip
    complaint = coordinator.post("/v1/complaints", json=body).json()["id"]
    for value in (b"9" * 4300, b"\xb2", b"\xb9", b"1\xb2"):  # as reported: the bytes 0xB2 and 0xB9
        response = coordinator.post(
            f"/v1/complaints/{complaint}/withdrawal", json={"reason": "duplicate"}, headers={"If-Match": value}
        )
        assert response.status_code == 422, (value[:10], response.text[:200])
        assert response.json()["errors"][0]["field"] == "If-Match"
    assert coordinator.get(f"/v1/complaints/{complaint}").json()["version"] == 1  # nothing recorded


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    raw=st.one_of(
        st.binary(max_size=300).map(_cursor),
        st.recursive(
            st.none() | st.integers() | st.text(max_size=5),
            lambda c: st.lists(c) | st.dictionaries(st.text(max_size=5), c),
            max_leaves=30,
        ).map(lambda v: _cursor(json.dumps(v))),
        st.text(max_size=100),
    ),
    path=st.sampled_from(LISTS[:3]),
)
def test_any_cursor_is_answered_without_a_server_error(coordinator, raw, path):
    response = coordinator.get(path, params={"cursor": raw})
    assert response.status_code < 500, response.text[:200]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.binary(max_size=60).filter(lambda b: b"\r" not in b and b"\n" not in b and b"\x00" not in b))
def test_any_if_match_is_answered_without_a_server_error(coordinator, value):
    response = coordinator.post(
        "/v1/complaints/00000000-0000-4000-8000-000000000000/withdrawal",
        json={"reason": "x"},
        headers={"If-Match": value},
    )
    assert response.status_code < 500, response.text[:200]

"""Request ids, JSON logs and Prometheus metrics."""

import json
import logging
import re

from api.observability import JsonFormatter, request_log


def _metric(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in Prometheus text, or None."""
    for line in text.splitlines():
        if not line.startswith(name):
            continue
        match = re.match(r"^([a-z_]+)(?:\{(.*)\})? (\S+)$", line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(match.group(3))
    return None


def test_a_request_id_is_honoured_or_made_and_always_echoed(app_client, coordinator):
    given = coordinator.get("/v1/case-reviews", headers={"X-Request-ID": "partner-abc.123"})
    assert given.headers["X-Request-ID"] == "partner-abc.123"
    made = app_client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["X-Request-ID"])
    forged = app_client.get("/v1/case-reviews", headers={"X-Request-ID": 'x" level="CRITICAL'})
    assert forged.status_code == 401 and forged.headers["X-Request-ID"] != 'x" level="CRITICAL'
    assert re.fullmatch(r"[0-9a-f]{32}", forged.headers["X-Request-ID"])


def test_each_request_is_logged_as_one_json_line_with_its_request_id(coordinator, caplog):
    request_log.addHandler(caplog.handler)
    try:
        response = coordinator.get("/v1/case-reviews", headers={"X-Request-ID": "log-line-1"})
    finally:
        request_log.removeHandler(caplog.handler)
    [record] = [r for r in caplog.records if r.name == "api.requests" and "log-line-1" in JsonFormatter().format(r)]
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "log-line-1" == response.headers["X-Request-ID"]
    assert line["route"] == "/v1/case-reviews" and line["status"] == 200 and line["method"] == "GET"
    assert line["key_id"] and line["duration_ms"] >= 0 and line["level"] == "INFO" and line["time"]


def test_the_json_formatter_keeps_errors_on_one_line():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("api.x", logging.ERROR, __file__, 1, "failed %s", ("here",), exc_info=True)
        import sys

        record.exc_info = sys.exc_info()
    text = JsonFormatter().format(record)
    assert "\n" not in text
    line = json.loads(text)
    assert line["message"] == "failed here" and "ValueError: boom" in line["error"]


def test_metrics_need_no_key_and_count_requests_by_route_template(app_client, coordinator):
    person = coordinator.post("/v1/people", json={"display_name": "Metric Person Name"}).json()["id"]
    assert coordinator.get(f"/v1/people/{person}").status_code == 200
    app_client.get("/v1/no-such-thing/123")
    response = app_client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    text = response.text
    route = "/v1/people/{person_id}"
    assert _metric(text, "community_trigger_http_requests_total", method="GET", route=route, status="200") >= 1
    assert (
        _metric(text, "community_trigger_http_request_duration_seconds_count", method="GET", route=route, status="200")
        >= 1
    )
    assert _metric(text, "community_trigger_http_request_duration_seconds_bucket", route=route, le="+Inf") >= 1
    assert _metric(text, "community_trigger_http_requests_total", route="unmatched", status="404") >= 1
    assert _metric(text, "community_trigger_event_store_appends_total") >= 1
    assert _metric(text, "community_trigger_projection_lag_events") is not None
    assert _metric(text, "community_trigger_projection_lag_seconds") is not None
    assert _metric(text, "community_trigger_event_store_position") >= 1
    # No personal data: no names, no ids of people, no raw paths.
    assert "Metric Person Name" not in text and person not in text and "/v1/no-such-thing" not in text


def test_appends_count_every_event_saved(app_client, coordinator):
    def appended() -> float:
        return _metric(app_client.get("/metrics").text, "community_trigger_event_store_appends_total")

    before = appended()
    victim = coordinator.post("/v1/people", json={"display_name": "Two Events"}).json()["id"]
    body = {
        "victim_id": victim, "agency": "hampshire-constabulary", "incident_date": "2026-10-01",
        "reported_date": "2026-10-02", "caused_harassment_alarm_distress": True, "category": "noise",
        "description": "free text lives in its own stream",
    }  # fmt: skip
    assert coordinator.post("/v1/complaints", json=body).status_code == 201
    assert appended() == before + 3  # the person, the complaint, and the complaint's text

"""What an operator sees: JSON logs that carry a request id, and Prometheus metrics at /metrics.

Every request gets an id: the caller's `X-Request-ID` when it is a sensible token, else a new
one. It is echoed in the response, stamped on every log line written while the request runs, and
kept on each read-audit row, so one id ties a partner's report to our logs and audit.

The metrics carry no personal data: requests are labelled by route template (never the path with
its ids), method and status; the rest are counts and times.
"""

import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)
request_log = logging.getLogger("api.requests")

REQUEST_ID_HEADER = "X-Request-ID"
# Letters, digits and a little punctuation: anything else (spaces, quotes, newlines) could forge log lines.
SENSIBLE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
UNMATCHED_ROUTE = "unmatched"  # 404s for unknown paths share one label, so junk paths cannot grow the metrics

current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)


# --- logs --------------------------------------------------------------------------------


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the request id, and any `fields` given."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id.get(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: int = logging.INFO) -> None:
    """Make every log line of the process JSON on stderr (for `serve`; tests keep pytest's own logging)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    logging.basicConfig(level=level, handlers=[handler], force=True)


def _ensure_request_log_is_json() -> None:
    # The request log is JSON however the process configured logging (uvicorn's defaults, or none),
    # and does not propagate, so a JSON root handler does not print each request twice.
    if not request_log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        request_log.addHandler(handler)
        request_log.setLevel(logging.INFO)
        request_log.propagate = False


# --- metrics -----------------------------------------------------------------------------

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The app's Prometheus metrics, in a registry of its own (two apps in one process do not collide)."""

    def __init__(self, app: FastAPI) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "community_trigger_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "community_trigger_http_request_duration_seconds",
            "Time to answer an HTTP request, by method, route template and status.",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.appends = Counter(
            "community_trigger_event_store_appends",
            "Events this process appended to the event store.",
            registry=self.registry,
        )
        self.registry.register(ProjectionLag(app))

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route, str(status)).observe(seconds)


class ProjectionLag(Collector):
    """Read at each scrape from `services.runner.lag()`: how far the read models trail the event store."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        services = getattr(self.app.state, "services", None)
        if services is None:  # not started yet
            return
        try:
            lag = services.runner.lag()
        except Exception:  # the database does not answer: /metrics still answers, /healthz says why
            log.warning("projection lag unavailable for /metrics", exc_info=True)
            return
        yield GaugeMetricFamily(
            "community_trigger_projection_lag_events", "Events recorded that the read models have not applied yet.",
            value=lag["events"],
        )  # fmt: skip
        yield GaugeMetricFamily(
            "community_trigger_projection_lag_seconds",
            "How long the oldest event the read models have not applied has waited (at most since they last moved).",
            value=lag["seconds"],
        )  # fmt: skip
        yield GaugeMetricFamily(
            "community_trigger_event_store_position", "Position of the newest event in the store (all processes).",
            value=lag["head"],
        )  # fmt: skip


def count_appends(store: Any, metrics: Metrics) -> None:
    """Count every event `store` saves. The library offers no listener for saves, so its `save` is wrapped."""
    save = store.save

    def save_and_count(*objects: Any, **kwargs: Any) -> Any:
        recordings = save(*objects, **kwargs)
        metrics.appends.inc(len(recordings))
        return recordings

    store.save = save_and_count


# --- the middleware ----------------------------------------------------------------------


def route_template(scope: Scope) -> str:
    """'/v1/case-reviews/{review_id}', not the path with its ids (set by the router once it matched)."""
    route = scope.get("route")
    return getattr(route, "path", None) or UNMATCHED_ROUTE


class RequestObservation:
    """Outermost layer: gives each request its id, times it, counts it and logs it as one JSON line."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get(REQUEST_ID_HEADER)
        request_id = incoming if incoming and SENSIBLE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = current_request_id.set(request_id)
        status = 500  # what the client gets if the app fails before answering
        started = time.perf_counter()

        async def send_with_request_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_request_id)
        finally:
            seconds = time.perf_counter() - started
            route = route_template(scope)
            self.metrics.observe(scope["method"], route, status, seconds)
            key = scope.get("state", {}).get("api_key")
            request_log.info(
                "%s %s %s", scope["method"], route, status,
                extra={"request_id": request_id, "fields": {
                    "method": scope["method"], "path": scope["path"], "route": route, "status": status,
                    "duration_ms": round(seconds * 1000, 2), "key_id": getattr(key, "key_id", None),
                }},
            )  # fmt: skip
            current_request_id.reset(token)


METRICS_EXAMPLE = (
    "# HELP community_trigger_http_requests_total HTTP requests answered, by method, route template and status.\n"
    "# TYPE community_trigger_http_requests_total counter\n"
    'community_trigger_http_requests_total{method="GET",route="/v1/case-reviews",status="200"} 42.0\n'
)


def install(app: FastAPI) -> Metrics:
    """Add the request layer (call last, so it is outermost) and GET /metrics."""
    _ensure_request_log_is_json()
    metrics = Metrics(app)
    app.state.metrics = metrics
    app.add_middleware(RequestObservation, metrics=metrics)

    @app.get(
        "/metrics", tags=["health"], response_class=Response, summary="Prometheus metrics (no key needed)",
        responses={200: {"content": {"text/plain": {"schema": {"type": "string"}, "example": METRICS_EXAMPLE}}}},
    )  # fmt: skip
    def prometheus_metrics() -> Response:
        """Request counts and latencies by route template, event store appends, projection lag. No personal data."""
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return metrics

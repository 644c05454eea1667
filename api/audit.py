"""Every read of a person's data is itself recorded (API.md): who, when, what, and whom it touched.

One ASGI layer in front of every GET under /v1 looks at the JSON a read is about to return and
collects the person ids in it (the fields that name people, wherever they sit), so a new route is
audited without doing anything. The row is written before the answer leaves: a client cannot read
without being recorded, however slowly it reads or whether it reads at all; if the row cannot be
written, the data is not sent.

Auditors read the rows back with GET /v1/audit?person_id= (api/routes/audit.py).
"""

import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import anyio
from fastapi import FastAPI
from psycopg_pool import ConnectionPool
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.observability import current_request_id, route_template

# The fields of our JSON that hold person ids, at any depth (a case, a list of cases, an event's data).
PERSON_ID_FIELDS = frozenset({"victim_id", "complainant_id", "applicant_id", "member_ids", "person_id"})
# Where a person is the thing read, its own `id` is the person's (GET /v1/people/{person_id}).
PERSON_ROUTE = re.compile(r"^/v1/people/\{[^}]+\}$")
# In the event feed and histories a person's own events name the person as the aggregate.
PERSON_EVENT = re.compile(r"^Person\.")

SCHEMA = """
CREATE TABLE IF NOT EXISTS api_read_audit (
    id bigserial PRIMARY KEY,
    read_at timestamptz NOT NULL DEFAULT now(),
    key_id text NOT NULL,
    role text NOT NULL,
    agency text,
    method text NOT NULL,
    path text NOT NULL,
    route text NOT NULL,
    request_id text,
    person_ids uuid[] NOT NULL
);
CREATE INDEX IF NOT EXISTS api_read_audit_person_ids ON api_read_audit USING gin (person_ids);
"""


def create_table(pool: ConnectionPool) -> None:
    with pool.connection() as conn:
        conn.execute(SCHEMA)


def _as_uuid(value: Any) -> str | None:
    try:
        return str(uuid.UUID(value)) if isinstance(value, str) else None
    except ValueError:
        return None


def _walk(value: Any) -> Iterator[Any]:
    """Every person id named in `value` by field, however deep."""
    if isinstance(value, dict):
        if isinstance(value.get("type"), str) and PERSON_EVENT.match(value["type"]):
            yield value.get("aggregate_id")
        for name, inner in value.items():
            if name in PERSON_ID_FIELDS:
                yield from inner if isinstance(inner, list) else [inner]
            else:
                yield from _walk(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _walk(inner)


def person_ids_in(document: Any, route: str) -> list[str]:
    """The person ids a read's answer touches, sorted and without repeats."""
    found = set(_walk(document))
    if PERSON_ROUTE.match(route) and isinstance(document, dict):
        found.add(document.get("id"))
    return sorted(filter(None, (_as_uuid(value) for value in found)))


def record_read(pool: ConnectionPool, scope: Scope, route: str, person_ids: list[str]) -> None:
    key = scope.get("state", {}).get("api_key")  # set by api.auth.current_key
    query = scope.get("query_string", b"").decode("latin-1")
    with pool.connection() as conn:
        conn.execute(
            "INSERT INTO api_read_audit (key_id, role, agency, method, path, route, request_id, person_ids)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s::uuid[])",
            (
                getattr(key, "key_id", "unknown"),
                getattr(getattr(key, "role", None), "value", "unknown"),
                getattr(key, "agency", None),
                scope["method"],
                scope["path"] + (f"?{query}" if query else ""),
                route,
                current_request_id.get(),
                person_ids,
            ),
        )


class ReadAudit:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        body: list[bytes] = []

        async def send_after_audit(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                content_type = Headers(raw=message.get("headers", [])).get("content-type", "")
                if 200 <= message["status"] < 300 and content_type.startswith("application/json"):
                    start = message  # held back until the read is recorded
                    return
            if start is None:  # a refusal, or not JSON (the CSV figures, the calendar's ids): straight through
                await send(message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            content = b"".join(body)
            route = route_template(scope)
            try:
                person_ids = person_ids_in(json.loads(content), route) if content else []
            except ValueError:  # not JSON after all, so no client can read ids out of it either
                person_ids = []
            if person_ids:
                pool = scope["app"].state.services.pool
                with anyio.CancelScope(shield=True):  # recorded even if the client gives up meanwhile
                    await run_in_threadpool(record_read, pool, scope, route, person_ids)
            await send(start)
            await send({"type": "http.response.body", "body": content, "more_body": False})

        await self.app(scope, receive, send_after_audit)


def install(app: FastAPI) -> None:
    app.add_middleware(ReadAudit)

"""Every read of a person's data is itself recorded (API.md): who, when, what, and whom it touched.

One ASGI layer in front of every GET under /v1 looks at the JSON a read is about to return and
collects the person ids in it (the fields that name people, wherever they sit), so a new route is
audited without doing anything. The row is written before the answer leaves: a client cannot read
without being recorded, however slowly it reads or whether it reads at all; if the row cannot be
written, the data is not sent.

An answer that is not JSON (a letter as HTML or PDF, the calendar feed of applications) names the
ids it shows with `AuditedContent`, and is recorded like a JSON one; the CSV figures hold none.

A busy route may name the ids itself by answering with `AuditedJSON` (the case list does): the
layer then records those instead of parsing the answer again to walk it. With `check_declared`
on (the test suite's apps), the layer walks the answer anyway and fails the request when the two
disagree, so a route that names too few ids cannot pass the tests.

Rows are committed in groups by one writer thread (`AuditWriter`): each read hands its row over
and waits until the transaction holding it has committed, so "recorded before sent" holds as
before, while reads arriving together share one transaction and one flush of the write-ahead log.

Rows go to `api_read_audit` (made by the migrations, store/migrations/); auditors read them back
with GET /v1/audit?person_id= (api/routes/audit.py).
"""

import asyncio
import logging
import queue
import re
import threading
import uuid
from collections.abc import Iterable
from typing import Any

import anyio
from fastapi import FastAPI
from psycopg_pool import ConnectionPool
from pydantic_core import from_json, to_json  # loads and dumps, in Rust: about twice the json module
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.observability import current_request_id, route_template

log = logging.getLogger(__name__)

# The fields of our JSON that hold person ids, at any depth (a case, a list of cases, an event's data).
PERSON_ID_FIELDS = frozenset({"victim_id", "complainant_id", "applicant_id", "member_ids", "person_id"})
# Where a person is the thing read, its own `id` is the person's (GET /v1/people/{person_id}).
PERSON_ROUTE = re.compile(r"^/v1/people/\{[^}]+\}$")
# In the event feed and histories a person's own events name the person as the aggregate.
PERSON_EVENT = re.compile(r"^Person\.")


CANONICAL_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _as_uuid(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    if CANONICAL_UUID.match(value):  # how our answers write ids: no need to parse them
        return value
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def _collect(value: Any, found: set[Any]) -> None:
    """Add to `found` every person id named in `value` by field, however deep."""
    if type(value) is dict:
        kind = value.get("type")
        if isinstance(kind, str) and PERSON_EVENT.match(kind) and isinstance(value.get("aggregate_id"), str):
            found.add(value["aggregate_id"])
        for name, inner in value.items():
            if name in PERSON_ID_FIELDS:
                if type(inner) is list:
                    found.update(item for item in inner if isinstance(item, str))
                elif isinstance(inner, str):
                    found.add(inner)
            elif type(inner) is dict or type(inner) is list:  # scalars name no one unless their field does
                _collect(inner, found)
    elif type(value) is list:
        for inner in value:
            if type(inner) is dict or type(inner) is list:
                _collect(inner, found)


def person_ids_in(document: Any, route: str) -> list[str]:
    """The person ids a read's answer touches, sorted and without repeats."""
    found: set[Any] = set()
    _collect(document, found)
    if PERSON_ROUTE.match(route) and isinstance(document, dict) and isinstance(document.get("id"), str):
        found.add(document["id"])
    return sorted(filter(None, (_as_uuid(value) for value in found)))


# A group of rows in one statement: a column an array (each row's ids as an array literal, made uuid[] here).
INSERT = (
    "INSERT INTO api_read_audit (key_id, role, agency, method, path, route, request_id, person_ids)"
    " SELECT key_id, role, agency, method, path, route, request_id, person_ids::uuid[]"
    " FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[])"
    " AS r(key_id, role, agency, method, path, route, request_id, person_ids)"
)
MAX_GROUP = 500  # rows committed together at most


def audit_row(scope: Scope, route: str, person_ids: list[str]) -> tuple[Any, ...]:
    key = scope.get("state", {}).get("api_key")  # set by api.auth.current_key
    query = scope.get("query_string", b"").decode("latin-1")
    return (
        getattr(key, "key_id", "unknown"),
        getattr(getattr(key, "role", None), "value", "unknown"),
        getattr(key, "agency", None),
        scope["method"],
        scope["path"] + (f"?{query}" if query else ""),
        route,
        current_request_id.get(),
        # As an array literal: the ids are canonical UUIDs (person_ids_in), so nothing needs quoting,
        # and one string is far cheaper to send than a list psycopg dumps item by item.
        "{" + ",".join(person_ids) + "}",
    )


class AuditWriter:
    """Commits read-audit rows in groups, on a thread of its own; each caller waits for its row's commit.

    Whatever is waiting when the thread is free goes into one transaction (at most MAX_GROUP rows):
    one round trip and one WAL flush for many reads, and no thread-pool hand-off per read. If the
    transaction fails, every read in it gets the error (and sends nothing), as a failed single
    insert would.
    """

    _STOP = object()

    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="read-audit-writer", daemon=True)
        self._thread.start()

    async def record(self, row: tuple[Any, ...]) -> None:
        """Return once `row` is committed; raise what prevented it."""
        loop = asyncio.get_running_loop()
        committed = loop.create_future()
        self._queue.put((row, loop, committed))
        await committed

    def close(self) -> None:
        self._queue.put(self._STOP)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        stopping = False
        while not stopping:
            item = self._queue.get()
            if item is self._STOP:
                return
            group = [item]
            while len(group) < MAX_GROUP:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is self._STOP:
                    stopping = True  # commit what was handed over first
                    break
                group.append(item)
            error: BaseException | None = None
            try:
                columns = [list(column) for column in zip(*(row for row, _, _ in group), strict=True)]
                with self.pool.connection() as conn:
                    conn.execute(INSERT, columns)
            except Exception as failure:
                log.exception("could not record %d reads in the read audit", len(group))
                error = failure
            waiting: dict[asyncio.AbstractEventLoop, list[asyncio.Future[None]]] = {}
            for _, loop, committed in group:
                waiting.setdefault(loop, []).append(committed)
            for loop, futures in waiting.items():
                try:
                    loop.call_soon_threadsafe(_settle, futures, error)  # one wake-up of each loop per group
                except RuntimeError:  # that loop is closed: no one is waiting any more
                    pass


def _settle(futures: list["asyncio.Future[None]"], error: BaseException | None) -> None:
    for future in futures:
        if not future.done():
            if error is None:
                future.set_result(None)
            else:
                future.set_exception(error)


DECLARED = "read_person_ids"  # where AuditedJSON leaves its ids for the layer: the request's state


class AuditedJSON(Response):
    """A read's JSON answer together with the ids of every person it names (see the module's note)."""

    media_type = "application/json"

    def __init__(self, content: Any, person_ids: Iterable[str | None]) -> None:
        self.person_ids = sorted({person_id for person_id in person_ids if person_id})
        super().__init__(to_json(content))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope.setdefault("state", {})[DECLARED] = self.person_ids
        await super().__call__(scope, receive, send)


class AuditedContent(Response):
    """A read's answer that is not JSON (a letter as HTML or PDF, the calendar feed) with the ids of every person
    it shows.

    Nothing can be walked in such an answer, so the layer records the declared ids as they are."""

    def __init__(self, content: bytes, media_type: str, person_ids: Iterable[str | None], **kwargs: Any) -> None:
        self.person_ids = sorted({str(person_id) for person_id in person_ids if person_id})
        super().__init__(content, media_type=media_type, **kwargs)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope.setdefault("state", {})[DECLARED] = self.person_ids
        await super().__call__(scope, receive, send)


class UndeclaredPersonIds(RuntimeError):
    """A route's AuditedJSON named other ids than its answer holds (only raised with `check_declared`)."""


class ReadAudit:
    def __init__(self, app: ASGIApp, check_declared: bool = False) -> None:
        self.app = app
        self.check_declared = check_declared

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        declared_content = False
        body: list[bytes] = []

        async def send_after_audit(message: Message) -> None:
            nonlocal start
            nonlocal declared_content
            if message["type"] == "http.response.start":
                content_type = Headers(raw=message.get("headers", [])).get("content-type", "")
                if 200 <= message["status"] < 300:
                    if content_type.startswith("application/json"):
                        start = message  # held back until the read is recorded
                        return
                    if scope.get("state", {}).get(DECLARED) is not None:  # AuditedContent: a letter, say
                        start, declared_content = message, True
                        return
            if start is None:  # a refusal, or not JSON and naming no one (the CSV figures): straight through
                await send(message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            content = b"".join(body)
            route = route_template(scope)
            declared = scope.get("state", {}).get(DECLARED)
            if declared_content:  # not JSON: nothing to walk, the declared ids are the record
                person_ids = declared
            elif declared is not None and not self.check_declared:
                person_ids = declared
            else:
                try:
                    person_ids = person_ids_in(from_json(content), route) if content else []
                except ValueError:  # not JSON after all, so no client can read ids out of it either
                    person_ids = []
                if declared is not None and declared != person_ids:
                    raise UndeclaredPersonIds(f"{route} named {declared} but its answer holds {person_ids}")
            if person_ids:
                writer: AuditWriter = scope["app"].state.audit_writer
                with anyio.CancelScope(shield=True):  # recorded even if the client gives up meanwhile
                    await writer.record(audit_row(scope, route, person_ids))
            await send(start)
            await send({"type": "http.response.body", "body": content, "more_body": False})

        await self.app(scope, receive, send_after_audit)


def install(app: FastAPI, check_declared: bool = False) -> None:
    app.add_middleware(ReadAudit, check_declared=check_declared)

"""Reads that see every write committed before they began (API.md, Reading: "a read after a write sees it"),
whichever key wrote it and whichever process or host serves the read.

The read models trail the event store by a few milliseconds. Before a read-model query a route calls
`await_earlier_writes`, which waits (at most COMMUNITY_TRIGGER_READ_WAIT_SECONDS) until the read models
hold the newest event committed when the read began: so a coordinator's write is in the analyst's figures,
an agency's complaint in the coordinator's list, the moment the write has answered. API.md promises this
for the caller's own writes; scenarios, partner tools and people read what others wrote just as soon.

If they still do not hold it, the read answers 503 with `Retry-After`, saying the read models are
behind, rather than a 200 that silently misses a write. Every write answers an `X-Consistency-Token` (the
event-feed position of the key's writes so far); a read may send one, and since every read waits for the
newest event, a token is met whenever the read is answered (one beyond the newest event, from a database
restored from an older backup, is not waited for).
"""

import logging
import re

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import DATABASE_UNAVAILABLE, Problem, invalid, problem_response
from service.bootstrap import Services
from store.api_keys import ApiKey

log = logging.getLogger(__name__)

HEADER = "X-Consistency-Token"
TOKEN = re.compile(r"[0-9]{1,18}")  # ASCII digits of a sane length, as api/dependencies.py VERSION
RETRY_AFTER_SECONDS = 2
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

OPENAPI_PARAMETER = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": (
        "The `X-Consistency-Token` a write answered (yours or another client's). Every read waits until the read "
        "models hold each write committed before it began, or answers 503 with `Retry-After`, so a token is met "
        "whenever a read is answered; it is taken for clients written against the token."
    ),
    "schema": {"type": "string", "pattern": "^[0-9]{1,18}$"},
    "example": "10452",
}
RESPONSE_HEADER = {
    "description": "Send it as `X-Consistency-Token` on a read (through any server) to see this write. On every "
    "write that records events (one that records none, such as a feed token's, has none to wait for).",
    "required": False,
    "schema": {"type": "string", "pattern": "^[0-9]+$"},
}


class ReadModelsBehind(Problem):
    def __init__(self, wanted: int, reached: int, waited: float) -> None:
        super().__init__(
            503, "Read models behind",
            f"the read models are behind: they have reached position {reached}, not yet {wanted} (the newest write "
            f"when your read began), after waiting {waited:g} s. What was written is recorded; "
            "read again after Retry-After seconds",
            slug="read-models-behind",
        )  # fmt: skip
        self.headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}


def await_earlier_writes(svc: Services) -> None:
    """Before a read-model query: wait (bounded) until the read models hold every write committed before now."""
    wanted = svc.runner.head()  # the newest committed event; any token a write answered is at or below it
    if wanted <= svc.runner.position or svc.runner.wait_for(wanted, svc.read_wait_seconds):
        return
    raise ReadModelsBehind(wanted, svc.runner.position, svc.read_wait_seconds)


def _known_position(scope: Scope) -> int | None:
    """The caller's key's last written position if this process wrote it (None: ask `_written_position`)."""
    key: ApiKey | None = scope.get("state", {}).get("api_key")
    return scope["app"].state.services.last_write.get(key.key_id) if key is not None else None


def _written_position(scope: Scope) -> int | None:
    """The caller's key's last written position (None: not a known caller, or the database did not say)."""
    key: ApiKey | None = scope.get("state", {}).get("api_key")
    if key is None:
        return None
    svc: Services = scope["app"].state.services
    try:
        return svc.last_write.get(key.key_id) or svc.keys.last_written(key.key_id)
    except DATABASE_UNAVAILABLE:  # the write is recorded: answer it, without a token rather than with a 503
        log.warning("no consistency token for a write: the database did not answer", exc_info=True)
        return None


class ConsistencyTokens:
    """Takes the token a read sends (422 naming the header when it is not one), and answers one on every write."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        sent = Headers(scope=scope).get(HEADER)
        if sent is not None and not TOKEN.fullmatch(sent.strip()):
            problem = invalid(HEADER, "an X-Consistency-Token is the value a write answered, for example 10452")
            await problem_response(problem)(scope, receive, send)
            return
        if scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return

        async def send_with_token(message: Message) -> None:
            if message["type"] == "http.response.start" and 200 <= message["status"] < 300:
                # Known here for a write this process made (no thread hand-off); a replay may need the database.
                position = _known_position(scope) or await run_in_threadpool(_written_position, scope)
                if position:
                    token = (b"x-consistency-token", str(position).encode())
                    message = {**message, "headers": [*message.get("headers", []), token]}
            await send(message)

        await self.app(scope, receive, send_with_token)


def install(app: FastAPI) -> None:
    """Add the layer (outside the Idempotency-Key layer, so a replayed write answers a token too)."""
    app.add_middleware(ConsistencyTokens)

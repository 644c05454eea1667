"""`Idempotency-Key` on every write (API.md, Writing): the same key and body return the first answer.

A partner whose write timed out cannot tell whether it was recorded; it sends it again with the
same `Idempotency-Key` and gets the first answer (with `Idempotent-Replayed: true`), and nothing
is recorded twice. This is one ASGI layer in front of every POST and PATCH under /v1, so no route
can forget it.

Per API key and Idempotency-Key, `api_idempotency` keeps an HMAC-SHA-256 of method, path and body
under a server secret (COMMUNITY_TRIGGER_IDEMPOTENCY_SECRET, else derived from the key-encryption key:
service/bootstrap.py) and, once the write succeeded, its status and body. Not a plain hash: a body holds
personal data (a name), and anyone with a copy of the database could test guesses against a plain hash. The key is claimed (a committed row with no answer
yet) before the write runs, so of two identical requests racing only one runs the write; the other
waits for the answer and replays it. Only a 2xx answer is kept: after a refusal or a failure the
claim is released and the same key may be used again. Keys are kept 24 hours. (The table is made
by the migrations, store/migrations/.)
"""

import hashlib
import hmac
import logging
import re
import time
from dataclasses import dataclass

import anyio
from fastapi import FastAPI
from fastapi.responses import Response
from psycopg_pool import ConnectionPool
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import Problem, invalid, problem_response
from service.casework import WRITE_UNDER_KEY, IdempotencyKey
from store.api_keys import ApiKey

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
SENSIBLE_KEY = re.compile(r"^[!-~]{1,255}$")  # 1 to 255 visible ASCII characters, e.g. a UUID
MAX_BODY_BYTES = 1024 * 1024  # a write body is a few hundred bytes; a megabyte is not a write, it is an attack
WAIT_FOR_FIRST_SECONDS = 10.0  # how long a repeat waits for the first request with its key to finish
POLL_SECONDS = 0.02
KEPT_HOURS = 24
ABANDONED_AFTER_MINUTES = 5  # a claim with no answer this old belongs to a process that died mid-write

# Claim the key, or take it over when its earlier use expired or its process died mid-write.
CLAIM = f"""
INSERT INTO api_idempotency AS kept (key_id, idempotency_key, request_hmac) VALUES (%s, %s, %s)
ON CONFLICT (key_id, idempotency_key) DO UPDATE
    SET request_hmac = EXCLUDED.request_hmac, status_code = NULL, content_type = NULL,
        response_body = NULL, claimed_at = now(), answered_at = NULL
    WHERE kept.claimed_at < now() - interval '{KEPT_HOURS} hours'
       OR (kept.status_code IS NULL AND kept.claimed_at < now() - interval '{ABANDONED_AFTER_MINUTES} minutes')
RETURNING true AS claimed
"""

OPENAPI_PARAMETER = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": (
        "Any unique string (a UUID is good). Sending the same write again with the same key and body returns "
        "the first answer (with `Idempotent-Replayed: true`) and records nothing new; the same key with "
        "another body or path is 422. Keys are kept 24 hours."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
    "example": "6f1c1f0e-3f7a-4b8e-9d57-2f0d8c1b9a10",
}


def purge_expired(pool: ConnectionPool) -> None:
    """Forget keys, and the receipts of the writes made under them, older than KEPT_HOURS (at start-up; an
    expired key is also taken over when it comes again)."""
    with pool.connection() as conn:
        conn.execute(f"DELETE FROM api_idempotency WHERE claimed_at < now() - interval '{KEPT_HOURS} hours'")
        conn.execute(f"DELETE FROM write_receipts WHERE recorded_at < now() - interval '{KEPT_HOURS} hours'")


# --- what a key holds --------------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    """This request owns the key: run the write."""


@dataclass(frozen=True)
class Answered:
    """The first request with this key and body succeeded: replay its answer."""

    status_code: int
    content_type: str | None
    body: bytes


@dataclass(frozen=True)
class InProgress:
    """The first request with this key is still running."""


@dataclass(frozen=True)
class OtherRequest:
    """The key was used for another method, path or body."""


class IdempotencyKeys:
    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool

    def claim(
        self, key_id: str, idempotency_key: str, request_hmac: bytes
    ) -> Claimed | Answered | InProgress | OtherRequest:
        with self.pool.connection() as conn:
            if conn.execute(CLAIM, (key_id, idempotency_key, request_hmac)).fetchone():
                return Claimed()
            row = conn.execute(
                "SELECT request_hmac, status_code, content_type, response_body FROM api_idempotency"
                " WHERE key_id = %s AND idempotency_key = %s",
                (key_id, idempotency_key),
            ).fetchone()
        if row is None:  # released by a first request that failed, just now: the caller tries again
            return InProgress()
        if not hmac.compare_digest(bytes(row["request_hmac"]), request_hmac):
            return OtherRequest()
        if row["status_code"] is None:
            return InProgress()
        return Answered(row["status_code"], row["content_type"], bytes(row["response_body"]))

    def keep_answer(self, key_id: str, idempotency_key: str, answer: Answered) -> None:
        with self.pool.connection() as conn:
            conn.execute(
                "UPDATE api_idempotency SET status_code = %s, content_type = %s, response_body = %s, answered_at = now()"
                " WHERE key_id = %s AND idempotency_key = %s",
                (answer.status_code, answer.content_type, answer.body, key_id, idempotency_key),
            )

    def release(self, key_id: str, idempotency_key: str) -> None:
        with self.pool.connection() as conn:
            conn.execute(
                "DELETE FROM api_idempotency WHERE key_id = %s AND idempotency_key = %s AND status_code IS NULL",
                (key_id, idempotency_key),
            )

    def claim_or_wait(
        self, key_id: str, idempotency_key: str, request_hmac: bytes
    ) -> Claimed | Answered | InProgress | OtherRequest:
        """Claim the key; while another request holds it, wait (bounded) for its answer."""
        deadline = time.monotonic() + WAIT_FOR_FIRST_SECONDS
        while True:
            outcome = self.claim(key_id, idempotency_key, request_hmac)
            if not isinstance(outcome, InProgress) or time.monotonic() >= deadline:
                return outcome
            time.sleep(POLL_SECONDS)


# --- the middleware ----------------------------------------------------------------------


def request_digest(scope: Scope, body: bytes) -> bytes:
    """The HMAC of method, target and body under the server's idempotency secret."""
    target = scope["path"] + ("?" + scope["query_string"].decode("latin-1") if scope.get("query_string") else "")
    secret = scope["app"].state.services.idempotency_secret
    return hmac.new(secret, b"\n".join([scope["method"].encode(), target.encode(), body]), hashlib.sha256).digest()


def _bearer_key(scope: Scope, authorization: str | None) -> ApiKey | None:
    """The caller's key, or None (the route itself then answers 401)."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    return scope["app"].state.services.keys.authenticate(token)


def _cached_bearer_key(scope: Scope, authorization: str | None) -> ApiKey | None:
    """The caller's key if the key store remembers it (no query, so it runs on the event loop); else None."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    return scope["app"].state.services.keys.cached(token)


class BodyTooLarge(Exception):
    pass


async def _read_body(receive: Receive) -> bytes:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


class ResponseHeldBack:
    """Collects the app's answer so it is kept before the client sees it (a replay racing in then finds it)."""

    def __init__(self) -> None:
        self.start: Message | None = None
        self.body: list[bytes] = []

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.start = message
        elif message["type"] == "http.response.body":
            self.body.append(message.get("body", b""))

    @property
    def status(self) -> int:
        return self.start["status"] if self.start else 500

    def answer(self) -> Answered:
        content_type = Headers(raw=self.start["headers"]).get("content-type") if self.start else None
        return Answered(self.status, content_type, b"".join(self.body))

    async def forward(self, send: Send) -> None:
        if self.start is not None:
            await send(self.start)
            await send({"type": "http.response.body", "body": b"".join(self.body), "more_body": False})


class IdempotentWrites:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        idempotency_key = headers.get(HEADER)
        if idempotency_key is None:
            await self.app(scope, receive, send)
            return

        try:
            body = await _read_body(receive)
        except BodyTooLarge:
            await problem_response(
                Problem(413, "Content too large", f"a write body is at most {MAX_BODY_BYTES} bytes", slug="too-large")
            )(scope, receive, send)
            return
        body_sent = False

        async def receive_body_again() -> Message:
            nonlocal body_sent
            if not body_sent:
                body_sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        key = _cached_bearer_key(scope, headers.get("authorization")) or await run_in_threadpool(
            _bearer_key, scope, headers.get("authorization")
        )
        if key is None:  # unauthenticated: the route refuses it with 401, and nothing is kept
            await self.app(scope, receive_body_again, send)
            return
        scope.setdefault("state", {})["api_key"] = key  # for the request log, even when refused here
        if not SENSIBLE_KEY.match(idempotency_key):
            problem = invalid(HEADER, "an Idempotency-Key is 1 to 255 visible ASCII characters, for example a UUID")
            await problem_response(problem)(scope, receive, send)
            return

        keys = IdempotencyKeys(scope["app"].state.services.pool)
        digest = request_digest(scope, body)
        outcome = await run_in_threadpool(keys.claim_or_wait, key.key_id, idempotency_key, digest)
        if isinstance(outcome, OtherRequest):
            problem = invalid(
                HEADER,
                "this Idempotency-Key was already used for another request (method, path or body); use a new key",
            )
            await problem_response(problem)(scope, receive, send)
            return
        if isinstance(outcome, InProgress):
            problem = Problem(
                409, "Request in progress", "a request with this Idempotency-Key is still being processed; retry shortly",
                slug="idempotency-in-progress",
            )  # fmt: skip
            await problem_response(problem, headers={"Retry-After": "1"})(scope, receive, send)
            return
        if isinstance(outcome, Answered):
            replay = Response(
                outcome.body, status_code=outcome.status_code, media_type=outcome.content_type,
                headers={REPLAYED_HEADER: "true"},
            )  # fmt: skip
            await replay(scope, receive, send)
            return

        held = ResponseHeldBack()
        # The write below runs under this key: the service keeps its receipt with the events, so should
        # the answer not be kept after the commit, the write run again is answered, not recorded twice.
        writing = WRITE_UNDER_KEY.set(IdempotencyKey(key.key_id, idempotency_key, digest))
        try:
            await self.app(scope, receive_body_again, held.send)
        except BaseException:
            with anyio.CancelScope(shield=True):  # the claim must go even if the client is gone
                await run_in_threadpool(keys.release, key.key_id, idempotency_key)
            raise
        finally:
            WRITE_UNDER_KEY.reset(writing)
        with anyio.CancelScope(shield=True):
            if 200 <= held.status < 300:
                try:
                    await run_in_threadpool(keys.keep_answer, key.key_id, idempotency_key, held.answer())
                except Exception:
                    # The write is recorded: the client must hear so. The claim stays, so a retry is not
                    # run twice; it gets 409 until the claim counts as abandoned.
                    log.exception("could not keep the answer for an Idempotency-Key")
            else:
                await run_in_threadpool(keys.release, key.key_id, idempotency_key)
        await held.forward(send)


def document(app: FastAPI) -> None:
    """Show the Idempotency-Key header on every write in the OpenAPI (the middleware, not the routes, reads it)."""
    build = app.openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                if path.startswith("/v1/") and method.upper() not in SAFE_METHODS:
                    operation.setdefault("parameters", []).append(OPENAPI_PARAMETER)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def install(app: FastAPI) -> None:
    app.add_middleware(IdempotentWrites)
    document(app)

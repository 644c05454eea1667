"""Every error is application/problem+json (RFC 9457), with the fields at fault for invalid input.

`ProblemDetails` is the schema of every such answer, as the OpenAPI documents it (api/openapi.py).
A body not sent as JSON is 415, saying to send `Content-Type: application/json`.
"""

import logging
from typing import Any

import psycopg
from eventsourcing import persistence
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg_pool import PoolClosed, PoolTimeout
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.errors import InvalidFact, NotPermitted, RuleBroken
from service.errors import Conflict, Forbidden, NotFound, StaleVersion

log = logging.getLogger(__name__)

PROBLEM_TYPES = "https://community-trigger.example/problems/"
RETRY_AFTER_SECONDS = 5
# The database could not be reached or dropped the connection (a restart, a failover): the request
# may be sent again, so 503 with Retry-After, not a 500. psycopg's own errors and the library's
# wrappers of them; a pool that cannot lend a connection in time is the same thing seen from here.
DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (
    psycopg.OperationalError, psycopg.InterfaceError, PoolTimeout, PoolClosed,
    persistence.OperationalError, persistence.InterfaceError, persistence.ConnectionUnavailableError,
)  # fmt: skip
MEDIA_TYPE = "application/problem+json"
SEND_JSON = "send the body as JSON, with the header 'Content-Type: application/json'"
# pydantic's prefix to the message of a ValueError raised by a validator: the message alone says it.
PYDANTIC_VALUE_ERROR = "Value error, "


class FieldError(BaseModel):
    field: str = Field(
        description="the field at fault: a body field as a path (`recommendations[0].agency`), a query parameter "
        "or a header by its name, or `body` for the body as a whole"
    )
    message: str = Field(description="what is wrong with it, and how to put it right")


class ProblemDetails(BaseModel):
    """Every error answer (RFC 9457), as `application/problem+json`."""

    model_config = ConfigDict(
        title="Problem",
        json_schema_extra={
            "examples": [
                {
                    "type": PROBLEM_TYPES + "invalid-input",
                    "title": "Invalid input",
                    "status": 422,
                    "detail": "reported_date: a date is written YYYY-MM-DD",
                    "errors": [{"field": "reported_date", "message": "a date is written YYYY-MM-DD"}],
                }
            ]
        },
    )

    type: str = Field(description="a URI naming the kind of problem; the same kind always has the same type")
    title: str = Field(description="the kind of problem, in a few words")
    status: int = Field(description="the HTTP status code, repeated")
    detail: str = Field(description="this occurrence, in plain words a person can act on")
    errors: list[FieldError] | SkipJsonSchema[None] = Field(
        default=None, description="each field at fault, for invalid input (422) and a body not sent as JSON (415)"
    )


class Problem(Exception):
    def __init__(
        self, status: int, title: str, detail: str, errors: list[dict[str, str]] | None = None, slug: str | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors
        self.slug = slug or title.lower().replace(" ", "-")


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPES + problem.slug,
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
    }
    if problem.errors is not None:
        body["errors"] = problem.errors
    return JSONResponse(body, status_code=problem.status, media_type="application/problem+json", headers=headers)


def unavailable_response() -> JSONResponse:
    return problem_response(
        Problem(
            503, "Service unavailable",
            "the database does not answer just now; nothing was recorded by this request. Try again shortly",
            slug="database-unavailable",
        ),
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )  # fmt: skip


class DatabaseUnavailableGuard:
    """503 with Retry-After when the layers around the routes (idempotency, read audit) cannot reach the database.

    The routes' own errors meet the exception handlers; these layers sit outside them. An answer
    already begun is left to fail as it would: nothing can be said after the first byte.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_noting_start(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_noting_start)
        except DATABASE_UNAVAILABLE as error:
            if started:
                raise
            log.warning("database unavailable on %s %s: %s", scope.get("method"), scope.get("path"), error)
            await unavailable_response()(scope, receive, send)


def invalid(field: str | None, message: str) -> Problem:
    return Problem(
        422, "Invalid input", message, errors=[{"field": field or "body", "message": message}], slug="invalid-input"
    )


def _field_path(location: tuple[Any, ...]) -> str:
    """('body', 'recommendations', 0, 'agency') -> 'recommendations[0].agency'."""
    parts = list(location[1:]) if location and location[0] in ("body", "query", "path", "header") else list(location)
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or (str(location[0]) if location else "body")


def _field_error(error: dict[str, Any]) -> dict[str, str]:
    location = tuple(error.get("loc", ()))
    if error.get("type") == "json_invalid":  # ("body", character): name the body, and say where it went wrong
        reason = (error.get("ctx") or {}).get("error", "invalid")
        where = f" at character {location[1]}" if len(location) > 1 else ""
        return {"field": "body", "message": f"the body is not valid JSON ({reason}{where})"}
    return {
        "field": _field_path(location),
        "message": str(error.get("msg", "invalid")).removeprefix(PYDANTIC_VALUE_ERROR),
    }


def not_json() -> Problem:
    return Problem(415, "Unsupported media type", SEND_JSON, errors=[{"field": "Content-Type", "message": SEND_JSON}])


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        if isinstance(exc.body, bytes | bytearray):  # FastAPI reads a body as JSON only when it is sent as JSON
            return problem_response(not_json())
        errors = [_field_error(error) for error in exc.errors()]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        path = [error for error in exc.errors() if tuple(error.get("loc", ()))[:1] == ("path",)]
        if path:  # a path naming no id (or kind) there could be is no such thing: 404, as for an unknown id (API.md)
            named = ", ".join(f"{_field_path(tuple(e['loc']))} {str(e.get('input'))[:80]!r}" for e in path)
            detail = f"no such thing: {named} ({path[0].get('msg', 'not a value it can be').lower()})"
            return problem_response(Problem(404, "Not found", detail, slug="not-found"))
        return problem_response(Problem(422, "Invalid input", detail, errors=errors, slug="invalid-input"))

    @app.exception_handler(Problem)
    async def problem(request: Request, exc: Problem) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else getattr(exc, "headers", None)
        return problem_response(exc, headers=headers)

    @app.exception_handler(InvalidFact)
    async def invalid_fact(request: Request, exc: InvalidFact) -> JSONResponse:
        return problem_response(invalid(exc.field, exc.message))

    @app.exception_handler(RuleBroken)
    async def rule_broken(request: Request, exc: RuleBroken) -> JSONResponse:
        errors = [{"field": exc.field, "message": exc.message}] if exc.field else None
        return problem_response(Problem(409, "Rule broken", exc.message, errors=errors, slug="rule-broken"))

    @app.exception_handler(NotPermitted)
    async def not_permitted(request: Request, exc: NotPermitted) -> JSONResponse:
        return problem_response(Problem(403, "Forbidden", exc.message, slug="forbidden"))

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> JSONResponse:
        return problem_response(Problem(404, "Not found", str(exc), slug="not-found"))

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> JSONResponse:
        return problem_response(Problem(403, "Forbidden", str(exc), slug="forbidden"))

    @app.exception_handler(StaleVersion)
    async def stale(request: Request, exc: StaleVersion) -> JSONResponse:
        return problem_response(Problem(412, "Precondition failed", str(exc), slug="stale-version"))

    @app.exception_handler(Conflict)
    async def conflict(request: Request, exc: Conflict) -> JSONResponse:
        return problem_response(Problem(409, "Conflict", str(exc), slug="conflict"))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # FastAPI's "error parsing the body" (e.g. not UTF-8): invalid input is 422
            return problem_response(invalid("body", "the body could not be read as JSON (UTF-8)"))
        return problem_response(Problem(exc.status_code, str(exc.detail), str(exc.detail)))

    for unavailable in DATABASE_UNAVAILABLE:

        @app.exception_handler(unavailable)
        async def database_unavailable(request: Request, exc: Exception) -> JSONResponse:
            log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
            return unavailable_response()

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem_response(Problem(500, "Internal error", "something went wrong on our side; it has been logged"))

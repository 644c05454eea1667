"""`ETag` on every write and `Location` on every creation (API.md v1.1, "Every answer is documented"), and `ETag`
on the reads of one thing that `If-Match` can name (`@answers_etag`).

Every successful write under /v1 answers `ETag: "<version>"`, the version in its answer and the value
`If-Match` takes (api/dependencies.py `expected_version` reads `"3"`, `W/"3"` and `3` alike). A write
that answers 201 also answers `Location`: the URL to GET what it made (or, for a step recorded on an
application, the application), from the template its route declares with `@location(...)`.

One ASGI layer sets both from the answer itself, so no route can forget them, and it sits outside the
Idempotency-Key layer (api/idempotency.py), so a replayed answer carries the same headers as the first.
"""

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from fastapi import FastAPI
from pydantic_core import from_json
from starlette.datastructures import Headers
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
LOCATION_TEMPLATE = "answer_location"  # the attribute `location` sets on a route's function
ANSWERS_ETAG = "answers_etag"  # the attribute `answers_etag` sets on a read's function

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def location(template: str) -> Callable[[Endpoint], Endpoint]:
    """Declare where a route's 201 answer points: a path with the route's path parameters, `{id}` (the answer's id)
    and any other field of the answer (`{case_review_id}`, for a write whose path names only an action).

    Put it under the route's decorator: `@router.post(...)` then `@location("/v1/people/{id}")`.
    """

    def declare(endpoint: Endpoint) -> Endpoint:
        setattr(endpoint, LOCATION_TEMPLATE, template)
        return endpoint

    return declare


def answers_etag(endpoint: Endpoint) -> Endpoint:
    """Declare that a read of one thing answers its version as `ETag`, the `If-Match` of the next write on it.

    Put it under the route's decorator: `@router.get(...)` then `@answers_etag`.
    """
    setattr(endpoint, ANSWERS_ETAG, True)
    return endpoint


def read_answers_etag(route: Any) -> bool:
    return bool(getattr(getattr(route, "endpoint", None), ANSWERS_ETAG, False))


def location_template(route: Any) -> str | None:
    """The template a route declared (ThreadRoute wraps its function, keeping the function's attributes)."""
    return getattr(getattr(route, "endpoint", None), LOCATION_TEMPLATE, None)


def app_routes(app: FastAPI) -> Iterator[Any]:
    """Every route of the app, those of included routers too, each with its full path, methods and endpoint.

    FastAPI 0.16x keeps an included router as one branch of `app.routes`; earlier versions copy its routes in."""
    try:
        from fastapi.routing import iter_route_contexts  # type: ignore[attr-defined]
    except ImportError:
        yield from app.routes
        return
    yield from iter_route_contexts(app.routes)


def etag(version: int) -> str:
    return f'"{version}"'


def _route(scope: Scope) -> tuple[Any, dict[str, Any]]:
    """The route a request went to, and its path parameters (a replayed answer never reached the router)."""
    if "route" in scope:
        return scope["route"], scope.get("path_params", {})
    for route in app_routes(scope["app"]):
        match, child = route.matches(scope)
        if match is Match.FULL:
            return route, child.get("path_params", {})
    return None, {}


def write_headers(scope: Scope, status: int, content: bytes) -> list[tuple[bytes, bytes]]:
    try:
        answer = from_json(content)
    except ValueError:
        return []
    if not isinstance(answer, dict):
        return []
    headers = []
    version = answer.get("version")
    if isinstance(version, int) and not isinstance(version, bool):
        headers.append((b"etag", etag(version).encode()))
    if status == 201:
        route, path_params = _route(scope)
        template = location_template(route)
        if template is not None:
            fields = {name: value for name, value in answer.items() if isinstance(value, str)}
            where = template.format(**{**fields, **path_params, "id": answer.get("id")})
            headers.append((b"location", (scope.get("root_path", "") + where).encode()))
    return headers


class WriteHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        read = scope["method"] in SAFE_METHODS
        start: Message | None = None
        body: list[bytes] = []

        async def send_with_headers(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                content_type = Headers(raw=message.get("headers", [])).get("content-type", "")
                wanted = not read or read_answers_etag(scope.get("route"))  # routed by now
                if wanted and 200 <= message["status"] < 300 and content_type.startswith("application/json"):
                    start = message  # held back until the answer, which names the version, is complete
                    return
            if start is None:  # a refusal: straight through
                await send(message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            content = b"".join(body)
            extra = write_headers(scope, start["status"], content)
            await send({**start, "headers": [*start.get("headers", []), *extra]})
            await send({"type": "http.response.body", "body": content, "more_body": False})

        await self.app(scope, receive, send_with_headers)


def install(app: FastAPI) -> None:
    """Add the layer; call after api.idempotency.install, so this one is outside it."""
    app.add_middleware(WriteHeaders)

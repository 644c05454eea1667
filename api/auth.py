"""Bearer API keys and the role table of API.md.

The dependencies here are `async`: FastAPI runs a plain `def` dependency in its thread pool, a
hand-off that costs more than the check itself. A key remembered by the key store (store/api_keys.py)
is checked on the event loop; only a key not seen recently is looked up, in the thread pool.
"""

from collections.abc import Awaitable, Callable

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from api.problems import Problem
from domain.vocabulary import Role
from store.api_keys import ApiKey

bearer = HTTPBearer(auto_error=False, description="An API key from `community-trigger keys create`")


async def current_key(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> ApiKey:
    """The caller's key: 401 when it is missing, unknown or revoked."""
    return await _authenticated(request, credentials)


async def _authenticated(request: Request, credentials: HTTPAuthorizationCredentials | None) -> ApiKey:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Problem(401, "Unauthorized", "send an API key as 'Authorization: Bearer <key>'", slug="unauthorized")
    keys = request.app.state.services.keys
    key = keys.cached(credentials.credentials) or await run_in_threadpool(keys.authenticate, credentials.credentials)
    if key is None:
        raise Problem(401, "Unauthorized", "the API key is unknown or revoked", slug="unauthorized")
    request.state.api_key = key  # for the layers around the routes: the read audit and the request log
    return key


async def _authenticated_secret(request: Request, secret: str) -> ApiKey:
    keys = request.app.state.services.keys
    key = keys.cached(secret) or await run_in_threadpool(keys.authenticate, secret)
    if key is None:
        raise Problem(401, "Unauthorized", "the feed token is unknown or revoked", slug="unauthorized")
    request.state.api_key = key
    return key


def allow_feed(*roles: Role) -> Callable[..., Awaitable[ApiKey]]:
    """`allow(*roles)`, or a feed token (role `calendar`) in the URL's `token`, for a calendar client that cannot
    send headers. Only a feed token is taken from a URL: a full key there would end up in logs and histories."""

    async def check(
        request: Request,
        credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
        token: str | None = Query(
            default=None, max_length=100, description="a feed token (POST /v1/deadlines/feed-tokens) instead of a key"
        ),
    ) -> ApiKey:
        if token is None:
            return await allow(*roles)(request, credentials)
        key = await _authenticated_secret(request, token)
        if key.role is not Role.CALENDAR:
            raise Problem(
                403,
                "Forbidden",
                "only a feed token may be sent in the URL; send an API key as a header",
                slug="forbidden",
            )
        return key

    return check


def allow(*roles: Role) -> Callable[..., Awaitable[ApiKey]]:
    """A dependency that lets only `roles` through (401 without a valid key, 403 for the other roles)."""

    async def check(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> ApiKey:
        key = await _authenticated(request, credentials)  # not a sub-dependency: one level less to resolve
        if key.role not in roles:
            allowed = ", ".join(role.value for role in roles)
            raise Problem(
                403, "Forbidden", f"the {key.role.value} role may not do this (allowed: {allowed})", slug="forbidden"
            )
        return key

    return check

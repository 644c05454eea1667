"""Bearer API keys and the role table of API.md."""

from collections.abc import Callable

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.keys import ApiKey
from api.problems import Problem
from domain.vocabulary import Role

bearer = HTTPBearer(auto_error=False, description="An API key from `community-trigger keys create`")


def current_key(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> ApiKey:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Problem(401, "Unauthorized", "send an API key as 'Authorization: Bearer <key>'", slug="unauthorized")
    key = request.app.state.services.keys.authenticate(credentials.credentials)
    if key is None:
        raise Problem(401, "Unauthorized", "the API key is unknown or revoked", slug="unauthorized")
    request.state.api_key = key  # for the layers around the routes: the read audit and the request log
    return key


def allow(*roles: Role) -> Callable[..., ApiKey]:
    """A dependency that lets only `roles` through (403 for the others)."""

    def check(key: ApiKey = Depends(current_key)) -> ApiKey:
        if key.role not in roles:
            allowed = ", ".join(role.value for role in roles)
            raise Problem(
                403, "Forbidden", f"the {key.role.value} role may not do this (allowed: {allowed})", slug="forbidden"
            )
        return key

    return check

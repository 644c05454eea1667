"""The partner API's routes, one module per resource.

Every router here is made with `route_class=ThreadRoute`. A route function is a plain `def`
(it talks to PostgreSQL through blocking drivers), which FastAPI runs in its thread pool, and
then hands the answer back to the thread pool a second time to validate it against the response
model: two hand-offs between threads a request, each costing more than the check itself. A
ThreadRoute runs the function in the thread pool once and checks its answer on the event loop.

A ThreadRoute's answer keeps exactly the keys the function gave: its response model (api/answers.py)
checks and documents it, and does not add the model's optional fields the answer left out.
"""

import functools
import inspect
from collections.abc import Callable
from typing import Any

from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool


def _in_thread_pool(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """`endpoint` as a coroutine function that runs it in the thread pool (same signature, for FastAPI)."""

    @functools.wraps(endpoint)  # FastAPI reads the parameters and return type through __wrapped__
    async def run(*args: Any, **kwargs: Any) -> Any:
        return await run_in_threadpool(endpoint, *args, **kwargs)

    return run


class ThreadRoute(APIRoute):
    """A route whose plain-def function runs in the thread pool once; its answer is checked on the event loop."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if inspect.isfunction(endpoint) and not inspect.iscoroutinefunction(endpoint):
            endpoint = _in_thread_pool(endpoint)
        kwargs["response_model_exclude_unset"] = True
        super().__init__(path, endpoint, **kwargs)

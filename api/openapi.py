"""The OpenAPI at /openapi.json is the contract partner developers generate clients from (API.md v1.1).

Each route declares its own summary, success model (api/answers.py) and, where it differs from the
rule below, its extra error answers with `problems(...)`. `document(app)` then adds what every
operation of a kind can answer, from the operation itself, so a new route is documented by being
written:

- every error as `application/problem+json` with the `Problem` schema (api/problems.py ProblemDetails);
- 401 and 403 on every /v1 operation (every one needs a key, and a role);
- 404 where the path names an object by id;
- 409, 413 and 415 on every write (a broken rule or an Idempotency-Key still in use; a body over
  1 MiB; a body not sent as JSON), 412 where `If-Match` is taken, 422 wherever input is taken;
- `ETag` on every write's success answer and `Location` on every 201 (api/writes.py sets them);
- `X-Consistency-Token` on every write's success answer, and as a header every read takes (api/consistency.py).
"""

from typing import Any

from fastapi import FastAPI

from api import consistency
from api.answers import Answer
from api.idempotency import MAX_BODY_BYTES
from api.problems import MEDIA_TYPE, ProblemDetails
from api.schemas import Body
from api.writes import SAFE_METHODS, app_routes, location_template, read_answers_etag

PROBLEM_SCHEMA = "Problem"
PROBLEM_REF = f"#/components/schemas/{PROBLEM_SCHEMA}"

MEANING = {
    401: "No API key, or one that is unknown or revoked: send `Authorization: Bearer <key>`.",
    403: "The key's role (or its agency) may not do this.",
    404: "No object with that id.",
    409: "A rule would be broken (RULES.md; `detail` says which), or a request with the same Idempotency-Key "
    "is still being processed (retry after `Retry-After` seconds).",
    412: "`If-Match` names a version that is no longer current: read the object again and retry.",
    413: f"The body is over {MAX_BODY_BYTES} bytes.",
    415: "The body was not sent as JSON: send it with `Content-Type: application/json`.",
    422: "Invalid input: `errors` names each field at fault and what is wrong with it.",
    503: "The database does not answer just now (a restart, a failover): nothing was recorded; send the request "
    "again after `Retry-After` seconds. On a read of the read models (lists, deadlines, reports, assessments), "
    "also when they do not yet hold every write committed before the read began "
    "(`read-models-behind`): read again after `Retry-After` seconds.",
}

ETAG_HEADER = {
    "description": 'The version written, quoted (`"3"`): the value `If-Match` takes on the next write.',
    "required": True,
    "schema": {"type": "string", "pattern": '^"[0-9]+"$'},
}
LOCATION_HEADER = {
    "description": "The URL to GET what was written (for a step recorded on an application, the application).",
    "required": True,
    "schema": {"type": "string", "format": "uri-reference"},
}


def problem_answer(status: int, description: str | None = None) -> dict[str, Any]:
    return {"description": description or MEANING[status], "content": {MEDIA_TYPE: {"schema": {"$ref": PROBLEM_REF}}}}


def problems(*statuses: int, **described: str) -> dict[int | str, dict[str, Any]]:
    """`responses=` for error answers a route gives beyond those `document` adds to every operation of its kind.

    `problems(404)`, or with a description of one's own: `problems(**{"404": "no policy version of that name"})`.
    """
    answers: dict[int | str, dict[str, Any]] = {status: problem_answer(status) for status in statuses}
    answers.update({int(status): problem_answer(int(status), text) for status, text in described.items()})
    return answers


def error_statuses(path: str, method: str, operation: dict[str, Any]) -> set[int]:
    """The error answers every operation like this one can give (see the module's note)."""
    parameters = {(p.get("in"), p.get("name")) for p in operation.get("parameters", [])}
    takes_input = bool(parameters) or "requestBody" in operation
    statuses = {401, 403, 503} if path.startswith("/v1/") else set()
    if any(where == "path" for where, _ in parameters):
        statuses.add(404)
    if method.upper() not in SAFE_METHODS:
        statuses |= {409, 413}
        if "requestBody" in operation:
            statuses.add(415)
    if ("header", "If-Match") in parameters:
        statuses.add(412)
    if takes_input:
        statuses.add(422)
    return statuses


def _add_problem_schema(components: dict[str, Any]) -> None:
    schema = ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}")
    schema["properties"]["errors"].pop("default", None)  # absent, never null, when there is nothing to list
    components.update(schema.pop("$defs", {}))
    components[PROBLEM_SCHEMA] = schema


def _document_operation(route: Any, path: str, method: str, operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    if path.startswith("/v1/") and method.upper() in SAFE_METHODS:  # before the errors: a header is input (422)
        operation.setdefault("parameters", []).append(consistency.OPENAPI_PARAMETER)
    for status in error_statuses(path, method, operation):
        answer = responses.get(str(status))
        if answer is None or MEDIA_TYPE not in answer.get("content", {}):  # e.g. FastAPI's own 422
            responses[str(status)] = problem_answer(status)
    if method.upper() in SAFE_METHODS and read_answers_etag(route):
        responses["200"].setdefault("headers", {})["ETag"] = {
            **ETAG_HEADER,
            "description": 'The version read, quoted (`"3"`): the value `If-Match` takes on the next write.',
        }
    if method.upper() in SAFE_METHODS or not path.startswith("/v1/"):
        return
    for status, answer in responses.items():
        if status.startswith("2"):
            headers = answer.setdefault("headers", {})
            headers["ETag"] = ETAG_HEADER
            headers[consistency.HEADER] = consistency.RESPONSE_HEADER
            if status == "201" and location_template(route) is not None:
                headers["Location"] = LOCATION_HEADER


def _model_examples(components: dict[str, Any]) -> None:
    """Put back the nulls in the models' examples: FastAPI drops every null from the OpenAPI it writes, and an
    example of an answer whose field is null must show the field (it is there, as null)."""

    def models(cls: type) -> list[type]:
        return [sub for direct in cls.__subclasses__() for sub in (direct, *models(direct))]

    for model in models(Answer) + models(Body):
        examples = (model.model_config.get("json_schema_extra") or {}).get("examples")  # type: ignore[union-attr]
        if examples and model.__name__ in components:
            components[model.__name__]["examples"] = examples


def _unused_validation_schemas(schema: dict[str, Any]) -> None:
    """FastAPI's own 422 schemas, now that every 422 is a Problem."""
    text = str(schema["paths"])
    for name in ("HTTPValidationError", "ValidationError"):
        if f"/{name}'" not in text:
            schema["components"]["schemas"].pop(name, None)


def document(app: FastAPI) -> None:
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        _add_problem_schema(components)
        _model_examples(components)
        routes = {
            (route.path_format, method.lower()): route
            for route in app_routes(app)
            for method in getattr(route, "methods", None) or ()
        }
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                _document_operation(routes.get((path, method)), path, method, operation)
        _unused_validation_schemas(schema)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]

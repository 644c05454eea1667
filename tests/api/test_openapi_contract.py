"""The OpenAPI documents every operation as API.md v1.1 asks: summary, success schema and example, and
every error answer it can give as application/problem+json with the Problem schema.

Read from an app that is never started: its description needs no database.
"""

import jsonschema_rs
import pytest

from api.app import create_app

OPENAPI = create_app("postgresql://never-started").openapi()
PROBLEM = {"$ref": "#/components/schemas/Problem"}
OPERATIONS = [
    (method.upper(), path, operation) for path, item in OPENAPI["paths"].items() for method, operation in item.items()
]
V1 = [(method, path, operation) for method, path, operation in OPERATIONS if path.startswith("/v1/")]


def _label(value):
    return value if isinstance(value, str) else ""


def _parameters(operation) -> set[tuple[str, str]]:
    return {(p["in"], p["name"]) for p in operation.get("parameters", [])}


def _expected_errors(method: str, operation) -> set[int]:
    """API.md v1.1: 401 and 403 everywhere (a key and a role); 404 for an id in the path; 409 where a rule can be
    broken (every write); 415 where a body is taken; 412 where If-Match is taken; 422 wherever input is taken."""
    parameters = _parameters(operation)
    expected = {401, 403}
    if any(where == "path" for where, _ in parameters):
        expected.add(404)
    if method != "GET":
        expected.add(409)
        if "requestBody" in operation:  # a body sent as something other than JSON
            expected.add(415)
    if ("header", "If-Match") in parameters:
        expected.add(412)
    if parameters or "requestBody" in operation:
        expected.add(422)
    return expected


@pytest.mark.parametrize(("method", "path", "operation"), V1, ids=_label)
def test_every_error_an_operation_can_give_is_documented_as_problem_json(method, path, operation):
    documented = {int(status): answer for status, answer in operation["responses"].items() if status[0] in "45"}
    assert _expected_errors(method, operation) <= set(documented)
    for status, answer in documented.items():
        assert answer["content"] == {"application/problem+json": {"schema": PROBLEM}}, status
        assert answer["description"]


def test_the_problem_schema_is_rfc_9457_with_the_fields_at_fault():
    problem = OPENAPI["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail"}
    assert problem["properties"]["errors"]["items"] == {"$ref": "#/components/schemas/FieldError"}
    assert set(OPENAPI["components"]["schemas"]["FieldError"]["required"]) == {"field", "message"}
    assert "HTTPValidationError" not in OPENAPI["components"]["schemas"]  # FastAPI's own 422 is replaced


def test_healthz_documents_503_as_problem_json():
    answer = OPENAPI["paths"]["/healthz"]["get"]["responses"]["503"]
    assert answer["content"] == {"application/problem+json": {"schema": PROBLEM}}


def _success(operation) -> tuple[str, dict]:
    status = min(status for status in operation["responses"] if status.startswith("2"))
    return status, operation["responses"][status]


def _has_example(media: dict) -> bool:
    if media.get("example") is not None or media.get("examples"):
        return True
    reference = media.get("schema", {}).get("$ref", "")
    return bool(OPENAPI["components"]["schemas"].get(reference.rsplit("/", 1)[-1], {}).get("examples"))


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=_label)
def test_every_operation_has_a_summary_a_success_schema_and_an_example(method, path, operation):
    assert operation.get("summary")
    # Not FastAPI's default (the function's name, title-cased): a summary someone wrote.
    assert operation["summary"] != operation["operationId"].split("_v1")[0].replace("_", " ").title()
    _, success = _success(operation)
    content = success["content"]
    assert content, "no success content documented"
    for media_type, media in content.items():
        assert media.get("schema"), media_type
        assert _has_example(media), f"{media_type} has no example"
    json_schema = content.get("application/json", {}).get("schema", {})
    assert json_schema.get("type") != "object" or json_schema.get("properties"), "a success schema names its fields"


@pytest.mark.parametrize(("method", "path", "operation"), [op for op in V1 if op[0] != "GET"], ids=_label)
def test_every_write_documents_its_etag_and_every_creation_its_location(method, path, operation):
    status, success = _success(operation)
    assert success["headers"]["ETag"]["required"] is True
    if status == "201":
        assert success["headers"]["Location"]["required"] is True


def test_a_creating_write_answers_201_and_a_change_to_an_existing_object_keeps_its_status():
    statuses = {(method, path): _success(operation)[0] for method, path, operation in V1 if method != "GET"}
    for creating in ("/v1/people", "/v1/complaints", "/v1/consents", "/v1/case-reviews", "/v1/policies"):
        assert statuses[("POST", creating)] == "201"
    assert statuses[("PATCH", "/v1/complaints/{complaint_id}")] == "200"
    assert statuses[("POST", "/v1/complaints/{complaint_id}/withdrawal")] == "200"


def _schemas_with_examples():
    return [(name, schema) for name, schema in OPENAPI["components"]["schemas"].items() if schema.get("examples")]


@pytest.mark.parametrize(("name", "schema"), _schemas_with_examples(), ids=_label)
def test_every_example_matches_its_own_schema(name, schema):
    """Examples a client developer reads must be answers the API could give (times in Z included)."""
    validator = jsonschema_rs.Draft202012Validator(
        {**schema, "components": OPENAPI["components"]}, validate_formats=True
    )
    for example in schema["examples"]:
        errors = [error.message for error in validator.iter_errors(example)]
        assert errors == [], f"{name}: {errors}"


def test_every_answer_model_documents_an_example():
    from api.answers import Answer, Page, example_of

    def models(cls):
        return [sub for direct in cls.__subclasses__() for sub in (direct, *models(direct))]

    bases = {"Step", "Page"}
    missing = []
    for model in models(Answer):
        if model.__name__ in bases or model.__name__.startswith("Page[") or model is Page:
            continue
        try:
            model.model_validate(example_of(model))
        except (KeyError, TypeError):
            missing.append(model.__name__)
    assert missing == []

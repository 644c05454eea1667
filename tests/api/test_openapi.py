"""The OpenAPI at /docs: every request body shows an example, and every example is a valid body."""

import api.app  # noqa: F401  (imports every route module, so every body model is defined)
from api.schemas import Body


def _models(cls: type) -> list[type]:
    return [sub for direct in cls.__subclasses__() for sub in (direct, *_models(direct))]


def test_every_request_body_has_an_example(app_client):
    schema = app_client.get("/openapi.json").json()
    components = schema["components"]["schemas"]
    missing = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody")
            if body is None:
                continue
            content = body["content"]["application/json"]
            reference = content["schema"].get("$ref", "")
            examples = components.get(reference.rsplit("/", 1)[-1], {}).get("examples") or content.get("example")
            if not examples:
                missing.append(f"{method.upper()} {path}")
    assert missing == []


def test_every_example_is_a_valid_body():
    for model in _models(Body):
        if not model.model_fields:  # a base such as CommandBody: no body of its own
            continue
        examples = (model.model_config.get("json_schema_extra") or {}).get("examples")
        assert examples, f"{model.__name__} has no example"
        for example in examples:
            model.model_validate(example)

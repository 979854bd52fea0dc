"""The OpenAPI schema is complete and valid (a new endpoint without types fails here)."""

import json
from io import StringIO

import pytest
import yaml
from django.core.management import call_command


def test_openapi_schema_generates_without_warnings():
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    schema = yaml.safe_load(out.getvalue())
    assert "/api/projects/{slug}/next/" in schema["paths"]
    assert "/api/assignments/{assignment_id}/submit/" in schema["paths"]


@pytest.mark.django_db
def test_schema_and_docs_are_served(client):
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"/static/drf_spectacular_sidecar/swagger-ui-dist/" in docs.content  # no CDN


def _schema() -> dict:  # type: ignore[type-arg]
    out = StringIO()
    call_command("spectacular", "--format", "openapi-json", stdout=out)
    return json.loads(out.getvalue())


def test_every_operation_documents_its_errors_with_the_one_error_body():
    schema = _schema()
    body = schema["components"]["schemas"]["ErrorBody"]
    assert body["properties"]["error"]["required"] == ["code", "message", "field"]
    assert body["properties"]["error"]["properties"]["field"]["nullable"] is True
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            expected = {"400", "401", "403", "404", "500"}
            if method != "get":
                expected.add("409")
            if "requestBody" in operation:
                expected |= {"413", "415"}
            assert expected <= set(responses), (method, path, sorted(responses))
            for status, response in responses.items():
                if status[0] in "45":
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref == "#/components/schemas/ErrorBody", (method, path, status)


def test_documented_shapes_are_the_real_ones():
    schema = _schema()
    components = schema["components"]["schemas"]
    assert components["AuditEvent"]["properties"]["actor"]["nullable"] is True
    assert components["Gold"]["properties"]["decided_by"]["nullable"] is True
    for panel in ("progress", "agreement", "annotators", "routing", "imports"):
        answer = schema["paths"][f"/api/projects/{{slug}}/dashboard/{panel}/"]["get"]
        ref = answer["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        assert "body" not in components[ref.rsplit("/", 1)[1]]["properties"]
    stage = schema["paths"]["/api/projects/{slug}/clips/"]["get"]["parameters"]
    assert any(p["name"] == "stage" and p["schema"].get("enum") for p in stage)
    # A layer-1 assignment has no review: the review fields are not promised.
    assert "layer1" not in components["AssignmentDetail"]["required"]
    # Request bodies are JSON (the scoring upload is a multipart form).
    submit = schema["paths"]["/api/assignments/{assignment_id}/submit/"]["post"]
    assert list(submit["requestBody"]["content"]) == ["application/json"]


ANNOTATIONS = {"description", "nullable", "readOnly", "writeOnly", "title", "default", "example"}
SUBSCHEMA_KEYS = ("items", "additionalProperties", "not")
COMBINATORS = ("allOf", "anyOf", "oneOf")


def _untyped(schema: dict) -> bool:  # type: ignore[type-arg]
    """``{}`` (give or take a description), or an object that says nothing of its content."""
    if not set(schema) - ANNOTATIONS:
        return True
    additional = schema.get("additionalProperties")
    return (
        schema.get("type") == "object"
        and not schema.get("properties")
        and not (isinstance(additional, dict) and set(additional) - ANNOTATIONS)
        and not any(key in schema for key in COMBINATORS)
    )


def _subschemas(schema: dict, where: str):  # type: ignore[no-untyped-def,type-arg]
    yield where, schema
    for name, child in schema.get("properties", {}).items():
        yield from _subschemas(child, f"{where}.{name}")
    for key in SUBSCHEMA_KEYS:
        if isinstance(schema.get(key), dict):
            yield from _subschemas(schema[key], f"{where}.{key}")
    for key in COMBINATORS:
        for i, child in enumerate(schema.get(key, [])):
            yield from _subschemas(child, f"{where}.{key}[{i}]")


def _documented_schemas(schema: dict):  # type: ignore[no-untyped-def,type-arg]
    for name, component in schema["components"]["schemas"].items():
        yield from _subschemas(component, name)
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if (method, path) == ("get", "/api/schema/"):
                continue  # the OpenAPI document itself: its own standard describes it
            bodies = [("request", operation.get("requestBody", {}))]
            bodies += [(status, r) for status, r in operation["responses"].items()]
            for what, body in bodies:
                for media, content in body.get("content", {}).items():
                    yield from _subschemas(content["schema"], f"{method} {path} {what} {media}")
            for parameter in operation.get("parameters", []):
                yield from _subschemas(parameter["schema"], f"{method} {path} {parameter['name']}")


def test_every_body_is_typed_down_to_its_leaves():
    """No JSONField/DictField placeholder: every object says what it holds (the front end's
    types are generated from this)."""
    walked = list(_documented_schemas(_schema()))
    untyped = [where for where, schema in walked if _untyped(schema)]
    assert untyped == []
    assert len(walked) > 500  # the walk reached the leaves


def test_the_walk_finds_placeholders():
    placeholders = {
        "properties": {
            "any": {},
            "blob": {"type": "object", "additionalProperties": {}, "readOnly": True},
            "rows": {"type": "array", "items": {"description": "?"}},
            "ok": {"type": "object", "additionalProperties": {"type": "integer"}},
        }
    }
    found = [where for where, s in _subschemas(placeholders, "X") if _untyped(s)]
    assert found == ["X.any", "X.blob", "X.blob.additionalProperties", "X.rows.items"]


def test_label_values_follow_the_layer_types():
    """A label value is one of: a single label, a list (multi), an integer (ordinal)."""
    from jsonschema import Draft4Validator

    schema = _schema()
    value = schema["components"]["schemas"]["LabelValue"]
    valid = Draft4Validator(value).is_valid
    assert valid("Joy") and valid(["joy", "love"]) and valid(3)
    assert not valid(2.5) and not valid({"a": 1}) and not valid([1])

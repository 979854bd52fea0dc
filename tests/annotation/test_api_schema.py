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

"""The OpenAPI schema tells the whole truth about errors.

Every API error is one body, ``{"error": {"code", "message", "field"}}`` (``api_errors``):
a drf-spectacular postprocessing hook adds it as the ``ErrorBody`` component and documents, on
every operation, the error statuses it can answer — the views document their successes (and a
409 a read can meet), the hook the rest:

- 400 invalid input (body, query, path), 401 no or a bad token, 403 not allowed (role, CSRF),
  404 nothing there for you (unknown project or object, a page past the end), 500 a bug;
- a write may also meet 409 (the state changed: already submitted, lease lost...);
- an operation with a body 413 (over ``DATA_UPLOAD_MAX_MEMORY_SIZE``) and 415 (not JSON).
"""

from typing import Any

ERROR_BODY = "ErrorBody"
ERROR_REF = {"$ref": f"#/components/schemas/{ERROR_BODY}"}

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Every API error: what went wrong, in the reader's language, and where.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {
                    "type": "string",
                    "description": "Stable, for programs: invalid, not_found, conflict, "
                    "too_large, not_authenticated, permission_denied, parse_error...",
                },
                "message": {"type": "string", "description": "For people, translated."},
                "field": {
                    "type": "string",
                    "nullable": True,
                    "description": "The input at fault (payload.segments[2].end), if one is.",
                },
            },
            "required": ["code", "message", "field"],
        }
    },
    "required": ["error"],
}

ALWAYS = {
    "400": "Invalid input: the message says what, the field where.",
    "401": "Not signed in, or the token is unknown or expired.",
    "403": "Signed in, but not allowed (role, CSRF).",
    "404": "Nothing here for you: an unknown project or object, or one you may not see.",
    "500": "An unexpected error (logged on the server).",
}
WRITES = {"409": "The current state does not allow it (already done, lease lost...)."}
WITH_BODY = {
    "413": "The request body is too large.",
    "415": "The body is not in a media type the operation reads.",
}
UNSAFE = {"post", "put", "patch", "delete"}
METHODS = UNSAFE | {"get", "head", "options", "trace"}


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}


def document_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> Any:
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_BODY] = ERROR_SCHEMA
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            errors = dict(ALWAYS)
            if method in UNSAFE:
                errors |= WRITES
            if "requestBody" in operation:
                errors |= WITH_BODY
            for status, description in errors.items():
                responses.setdefault(status, _error_response(description))
            for status, response in responses.items():
                # An error a view documented by its description alone gets the body too.
                if str(status)[0] in "45" and not response.get("content"):
                    response["content"] = {"application/json": {"schema": ERROR_REF}}
    return result

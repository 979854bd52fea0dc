"""One error body for every API failure: ``{"error": {"code", "message", "field"}}``."""

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

from annotation.errors import ApplicationError


def _first_field_error(detail: Any, prefix: str = "") -> tuple[str | None, str]:
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = key if key != "non_field_errors" else ""
            return _first_field_error(value, f"{prefix}.{name}" if prefix and name else name)
    if isinstance(detail, list) and detail:
        return _first_field_error(detail[0], prefix)
    return (prefix or None), str(detail)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        body = {"code": exc.code, "message": str(exc.message), "field": exc.field}
        return Response({"error": body}, status=exc.status)
    if isinstance(exc, ObjectDoesNotExist | Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    field, message = None, str(getattr(exc, "detail", exc))
    if isinstance(exc, exceptions.ValidationError):
        field, message = _first_field_error(exc.detail)
    code = getattr(exc, "default_code", "error")
    response.data = {"error": {"code": code, "message": message, "field": field}}
    return response

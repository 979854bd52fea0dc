"""One error body for every API failure: ``{"error": {"code", "message", "field"}}``.

DRF views answer through ``api_exception_handler``. What Django answers itself — a URL no
view matches, a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``, an exception no handler caught —
goes through the ``handler400/403/404/500`` below: under ``/api/`` the same JSON body, elsewhere
the site's HTML pages.
"""

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.middleware.common import CommonMiddleware
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

from annotation.errors import ApplicationError, TooLarge, body_too_large_message


def _first_field_error(detail: Any, prefix: str = "") -> tuple[str | None, str]:
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = key if key != "non_field_errors" else ""
            return _first_field_error(value, f"{prefix}.{name}" if prefix and name else name)
    if isinstance(detail, list) and detail:
        return _first_field_error(detail[0], prefix)
    return (prefix or None), str(detail)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, RequestDataTooBig):  # a view read request.body or a multipart form
        exc = TooLarge(body_too_large_message())
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


# --- what Django answers itself ---------------------------------------------------------------

API_PREFIX = "/api/"


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def error_response(status: int, code: str, message: Any, field: str | None = None) -> JsonResponse:
    body = {"error": {"code": code, "message": str(message), "field": field}}
    return JsonResponse(body, status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400: a body over the limit is a 413, any other refused request a 400."""
    if not _is_api(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return error_response(413, "too_large", body_too_large_message())
    return error_response(400, "invalid", exceptions.ValidationError.default_detail)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not _is_api(request):
        return defaults.permission_denied(request, exception)
    detail = exceptions.PermissionDenied.default_detail
    return error_response(403, "permission_denied", detail)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: under /api/ also a path no view matches (``/api/assignments/abc/``)."""
    if not _is_api(request):
        return defaults.page_not_found(request, exception)
    return error_response(404, "not_found", exceptions.NotFound.default_detail)


class ApiAwareCommonMiddleware(CommonMiddleware):
    """Django's CommonMiddleware, except that an API URL lacking only its trailing slash is
    not redirected: a 301 answers in HTML, and a client following it loses its POST body.
    It gets the JSON 404 naming the right URL; pages keep APPEND_SLASH."""

    def should_redirect_with_slash(self, request: HttpRequest) -> bool:
        return not _is_api(request) and super().should_redirect_with_slash(request)

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if (
            response.status_code == 404
            and _is_api(request)
            and super().should_redirect_with_slash(request)
        ):
            message = _("API URLs end in a slash: %(path)s") % {"path": f"{request.path}/"}
            response = error_response(404, "not_found", message)
        return super().process_response(request, response)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the exception is logged by Django; the client learns nothing of it."""
    if not _is_api(request):
        return defaults.server_error(request)
    return error_response(500, "server_error", exceptions.APIException.default_detail)

"""One log line per request and per task, each carrying the id that ties them together.

A request's id comes from the proxy (nginx sets ``X-Request-ID`` to its own ``$request_id``)
or is made here; it is answered in the response header, stamped on every log record written
while the request runs, and travels with each task the request sends (a message header), so
a task's lines on a worker on another machine carry the request that asked for it.
``LOG_FORMAT=json`` renders the records as one JSON object per line (python-json-logger).
"""

import logging
import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponse

log = logging.getLogger("annotation.requests")
task_log = logging.getLogger("annotation.tasks")

REQUEST_ID_HEADER = "X-Request-ID"
# A proxy's id is kept only if it is short and plain: it is written into every log line.
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_task_id: ContextVar[str | None] = ContextVar("task_id", default=None)


class ContextFilter(logging.Filter):
    """Stamps the current request and task ids on every record (None outside either)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        record.task_id = _task_id.get()
        return True


def current_request_id() -> str | None:
    return _request_id.get()


@contextmanager
def bound(*, request_id: str | None, task_id: str | None = None) -> Iterator[None]:
    tokens = (_request_id.set(request_id), _task_id.set(task_id))
    try:
        yield
    finally:
        _request_id.reset(tokens[0])
        _task_id.reset(tokens[1])


class RequestLogMiddleware:
    """First in the chain: it times the whole request, and the id is set before anything logs.
    The path is logged without its query string (it may carry a token or an e-mail)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = given if _SAFE_ID.match(given) else uuid.uuid4().hex
        started = time.perf_counter()
        with bound(request_id=request_id):
            response = self.get_response(request)
            user = getattr(request, "user", None)
            log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "user_id": user.pk if user is not None and user.is_authenticated else None,
                },
            )
        response[REQUEST_ID_HEADER] = request_id
        return response


# --- Celery: connected in annotation.celery, so web and workers both have them. ----------
_task_started: dict[str, float] = {}


def task_published(headers: dict[str, Any] | None = None, **_: Any) -> None:
    if headers is not None and (request_id := _request_id.get()) is not None:
        headers.setdefault("request_id", request_id)


def task_started(task_id: str, task: Any, **_: Any) -> None:
    # Eager tasks run inside the request or command that sent them: they keep its id, and a
    # line each would drown an import's progress bar.
    if task.request.is_eager:
        return
    _request_id.set(getattr(task.request, "request_id", None))
    _task_id.set(task_id)
    _task_started[task_id] = time.perf_counter()


def task_ended(task_id: str, task: Any, state: str | None = None, **_: Any) -> None:
    started = _task_started.pop(task_id, None)
    if started is None:
        return
    task_log.info(
        "task %s %s",
        task.name,
        state,
        extra={
            "task": task.name,
            "state": state,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            "retries": task.request.retries,
        },
    )
    _request_id.set(None)
    _task_id.set(None)

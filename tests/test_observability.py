"""Operations (issue 16): one log line per request and per task, tied by the request's id
across processes, JSON when asked for, and errors reported to a Sentry server when
SENTRY_DSN is set."""

import gzip
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from rest_framework.test import APIClient
from test_celery_worker import WAIT_LIMIT, Worker

from annotation.models import AgreementReport, Project, Role
from factories import member

ROOT = Path(__file__).resolve().parents[1]
EMBEDDED_UNSET = ("DATABASE_URL", "CELERY_BROKER_URL", "SENTRY_DSN", "LOG_FORMAT", "DJANGO_ENV")


def run_django(code: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``code`` after django.setup() in a fresh embedded process with ``env`` set."""
    inherited = {k: v for k, v in os.environ.items() if k not in EMBEDDED_UNSET}
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup()\n{code}"],
        env={**inherited, "DATA_DIR": str(tmp_path), **env},
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_each_request_is_one_line_and_answers_its_id(client, caplog):
    caplog.set_level("INFO", logger="annotation.requests")
    given = client.get("/no-such-page/?token=secret", HTTP_X_REQUEST_ID="nginx-42")
    made = client.get("/no-such-page/", HTTP_X_REQUEST_ID="bad id\nforged line")

    assert given["X-Request-ID"] == "nginx-42"
    # An id that is not short and plain is replaced, never written into the log.
    assert made["X-Request-ID"] != "bad id\nforged line" and len(made["X-Request-ID"]) == 32
    lines = [r for r in caplog.records if r.name == "annotation.requests"]
    assert [(r.method, r.path, r.status) for r in lines] == [  # type: ignore[attr-defined]
        ("GET", "/no-such-page/", 404),
        ("GET", "/no-such-page/", 404),
    ]
    assert all(r.duration_ms >= 0 and r.user_id is None for r in lines)  # type: ignore[attr-defined]
    assert "secret" not in caplog.text  # the query string stays out of the log


def test_log_format_json_writes_one_object_per_line_with_the_request_id(tmp_path):
    ran = run_django(
        "from django.test import Client\n"
        "Client().get('/no-such-page/', HTTP_HOST='localhost', HTTP_X_REQUEST_ID='req-7')\n"
        "import logging; logging.getLogger('annotation.x').warning('outside any request')",
        tmp_path,
        LOG_FORMAT="json",
    )
    assert ran.returncode == 0, ran.stderr
    lines = json_lines(ran.stderr)
    request = next(line for line in lines if line["logger"] == "annotation.requests")
    assert request["request_id"] == "req-7"
    assert (request["method"], request["path"], request["status"]) == ("GET", "/no-such-page/", 404)
    assert request["level"] == "INFO" and request["time"]
    outside = next(line for line in lines if line["logger"] == "annotation.x")
    assert outside["request_id"] is None and outside["message"] == "outside any request"


def test_production_logs_json_by_default_and_a_wrong_format_is_refused(tmp_path):
    wrong = run_django("", tmp_path, LOG_FORMAT="xml")
    assert wrong.returncode != 0 and "LOG_FORMAT must be json or text" in wrong.stderr
    ran = run_django(
        "from django.conf import settings; print(settings.LOG_FORMAT)",
        tmp_path,
        DJANGO_ENV="production", SECRET_KEY="k" * 50, ALLOWED_HOSTS="example.org",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "json"


class SentryInbox(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        assert self.headers.get("Content-Encoding") in (None, "gzip", "identity")
        SentryInbox.received.append(body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:  # quiet
        pass


@pytest.fixture
def sentry_server() -> Iterator[str]:
    SentryInbox.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), SentryInbox)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://public@127.0.0.1:{server.server_port}/1"
    server.shutdown()


def test_errors_reach_the_sentry_server_when_a_dsn_is_set(tmp_path, sentry_server):
    code = (
        "import logging, sentry_sdk\n"
        "logging.getLogger('annotation.x').error('ingest exploded: disk full')\n"
        "sentry_sdk.flush(10)"
    )
    assert run_django(code, tmp_path).returncode == 0  # no DSN: nothing is sent
    assert SentryInbox.received == []
    ran = run_django(code, tmp_path, SENTRY_DSN=sentry_server, SENTRY_ENVIRONMENT="staging")
    assert ran.returncode == 0, ran.stderr
    events = b"".join(SentryInbox.received).decode()
    assert "ingest exploded: disk full" in events
    assert '"environment":"staging"' in events.replace(" ", "")


@pytest.mark.realstack
@pytest.mark.django_db(transaction=True)
def test_a_task_line_on_the_worker_carries_the_id_of_the_request_that_sent_it(media_root, tmp_path):
    project = Project.objects.create(slug="obs", name="observability")
    api = APIClient()
    api.force_authenticate(member(project, Role.ADMIN))
    worker = Worker(media_root, tmp_path / "worker.log", queues="agreement", LOG_FORMAT="json")
    try:
        asked = api.post(f"/api/projects/{project.slug}/agreement/", HTTP_X_REQUEST_ID="req-99")
        assert asked.status_code in (201, 202), asked.content
        report = AgreementReport.objects.get(project=project)
        deadline = time.monotonic() + WAIT_LIMIT
        while report.status in ("pending", "running"):
            assert time.monotonic() < deadline and worker.proc.poll() is None, (
                worker.log.read_text()
            )
            time.sleep(0.2)
            report.refresh_from_db()
        assert report.status == "done", report.error
        lines: list[dict] = []  # the task's line is written after its commit: wait for it
        while not (tasks := [x for x in lines if x["logger"] == "annotation.tasks"]):
            assert time.monotonic() < deadline, worker.log.read_text()
            time.sleep(0.1)
            lines = json_lines(worker.log.read_text())
    finally:
        worker.stop()
    (line,) = tasks
    assert line["task"] == "annotation.tasks.agreement_recompute_project"
    assert (line["state"], line["request_id"]) == ("SUCCESS", "req-99")
    assert line["task_id"] and line["duration_ms"] >= 0
    # Lines the task wrote itself carry both ids too.
    assert all(x["request_id"] == "req-99" for x in lines if x["task_id"] == line["task_id"])

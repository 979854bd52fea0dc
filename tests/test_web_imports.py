"""Web and worker processes load only what they need, and the web's master loads it safely for
its workers to share (issue 17, memory). Not the release writers' libraries (pyarrow,
matplotlib), pandas, the media tools' ffmpeg-python, nor boto3 unless media are stored in S3:
each costs 7-100 MB in every process, and only the worker that runs that kind of job, or a
storage that is configured, uses it. A module-level import of one of them anywhere in the
application's import graph fails these tests."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pyarrow", "matplotlib", "pandas", "scipy", "ffmpeg", "boto3", "botocore", "s3transfer")
# The pages: what a request loads, and what a Celery worker has no use for.
PAGES = ("annotation.urls", "annotation.apis", "drf_spectacular.openapi")
WEB = "from annotation.wsgi import application; django.urls.get_resolver().url_patterns"
# As `celery -A annotation worker` starts: the app, Django set up, every tasks module.
WORKER = "from annotation.celery import app; app.loader.import_default_modules()"


def run(code: str, **env: str) -> object:
    """What ``code`` prints as JSON in a fresh process, storing media on the file system unless
    ``env`` says otherwise, with the test run's database (and broker, if any) and a connection
    pool as gunicorn sets."""
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "annotation.settings",
        "STORAGE_BACKEND": "filesystem", "DB_POOL_MAX_SIZE": "4", **env,
    }  # fmt: skip
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, check=True
    )
    return json.loads(out.stdout)


def loaded(start: str, names: tuple[str, ...]) -> list[str]:
    """The modules among ``names`` (and their submodules) a fresh process has after ``start``."""
    found = run(
        f"import json, sys, django.urls; {start}; print(json.dumps(sorted(m for m in "
        f"sys.modules if any(m == n or m.startswith(n + '.') for n in {names!r}))))"
    )
    assert isinstance(found, list)
    return found


def test_the_web_application_does_not_import_the_heavy_libraries():
    assert loaded(WEB, HEAVY) == []
    assert set(loaded(WEB, PAGES)) >= set(PAGES)  # what the probe sees is what is loaded


def test_a_worker_loads_neither_the_heavy_libraries_nor_the_pages():
    assert loaded(WORKER, HEAVY + PAGES) == []


S3 = {
    "STORAGE_BACKEND": "s3", "AWS_STORAGE_BUCKET_NAME": "emos",
    "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_S3_REGION_NAME": "us-east-1",
}  # fmt: skip


@pytest.mark.parametrize("storage", [{}, S3], ids=["filesystem", "s3"])
def test_loading_the_web_application_for_fork_opens_no_connection_and_starts_no_thread(storage):
    """gunicorn's master loads the application and forks its workers from it (preload_app): a
    connection or a thread made while loading would be shared by every worker (or lost in it).
    Sentry configured, as production may have it (its threads start on first use, per pid)."""
    sockets, threads, boto3 = run(
        "import json, os, sys, threading\n"
        "from annotation.wsgi import load_for_fork\n"
        "load_for_fork()\n"
        "fds = []\n"
        "for fd in os.listdir('/proc/self/fd'):\n"
        "    try:\n"
        "        fds.append(os.readlink(f'/proc/self/fd/{fd}'))\n"
        "    except OSError:  # the listing's own, closed since\n"
        "        pass\n"
        "sockets = [fd for fd in fds if fd.startswith('socket:')]\n"
        "print(json.dumps([sockets, threading.active_count(), 'boto3' in sys.modules]))",
        SENTRY_DSN="https://key@127.0.0.1:9/1",
        **storage,
    )
    assert (sockets, threads) == ([], 1)
    assert boto3 == bool(storage)  # S3's code is loaded to be shared, the file system's needs none

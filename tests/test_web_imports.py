"""Web and worker processes load only what they need (issue 17, memory). Not the release
writers' libraries (pyarrow, matplotlib), pandas, the media tools' ffmpeg-python, nor boto3
unless media are stored in S3: each costs 7-100 MB in every process, and only the worker that
runs that kind of job, or a storage that is configured, uses it. A module-level import of one of
them anywhere in the application's import graph fails these tests."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pyarrow", "matplotlib", "pandas", "scipy", "ffmpeg", "boto3", "botocore", "s3transfer")
# The pages: what a request loads, and what a Celery worker has no use for.
PAGES = ("annotation.urls", "annotation.apis", "drf_spectacular.openapi")
WEB = "from annotation.wsgi import application; django.urls.get_resolver().url_patterns"
# As `celery -A annotation worker` starts: the app, Django set up, every tasks module.
WORKER = "from annotation.celery import app; app.loader.import_default_modules()"


def loaded(start: str, names: tuple[str, ...]) -> list[str]:
    """The modules among ``names`` (and their submodules) a fresh process has after ``start``,
    storing media on the file system."""
    code = (
        f"import json, sys, django.urls; {start}; print(json.dumps(sorted(m for m in "
        f"sys.modules if any(m == n or m.startswith(n + '.') for n in {names!r}))))"
    )
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "annotation.settings",
        "STORAGE_BACKEND": "filesystem",
    }  # fmt: skip
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, check=True
    )
    return list(json.loads(out.stdout))


def test_the_web_application_does_not_import_the_heavy_libraries():
    assert loaded(WEB, HEAVY) == []
    assert set(loaded(WEB, PAGES)) >= set(PAGES)  # what the probe sees is what is loaded


def test_a_worker_loads_neither_the_heavy_libraries_nor_the_pages():
    assert loaded(WORKER, HEAVY + PAGES) == []

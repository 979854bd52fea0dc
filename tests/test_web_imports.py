"""A web process loads only what serving requests needs: not the release writers' libraries
(pyarrow, matplotlib), pandas, the media tools' ffmpeg-python, nor boto3 unless media are
stored in S3. Each costs 7-100 MB in every web process and only a worker, or a storage that is
configured, uses it (issue 17, memory). A module-level import of one of them anywhere in the web
application's import graph fails this test."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pyarrow", "matplotlib", "pandas", "scipy", "ffmpeg", "boto3", "botocore", "s3transfer")
LOAD_WEB = (
    "import json, sys, django.urls; from annotation.wsgi import application; "
    "django.urls.get_resolver().url_patterns; "
    f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))"
)


def test_the_web_application_does_not_import_the_heavy_libraries():
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "annotation.settings",
        "STORAGE_BACKEND": "filesystem",
    }  # fmt: skip
    out = subprocess.run(
        [sys.executable, "-c", LOAD_WEB], env=env, cwd=ROOT, capture_output=True, check=True
    )
    assert json.loads(out.stdout) == []

"""A web process loads neither the release writers' libraries (pyarrow, matplotlib) nor pandas:
they cost ~100 MB per process and only the export worker uses them (issue 17, memory)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pyarrow", "matplotlib", "pandas")
LOAD_WEB = (
    "import json, sys, django.urls; from annotation.wsgi import application; "
    "django.urls.get_resolver().url_patterns; "
    f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))"
)


def test_the_web_application_does_not_import_the_heavy_libraries():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "annotation.settings"}
    out = subprocess.run(
        [sys.executable, "-c", LOAD_WEB], env=env, cwd=ROOT, capture_output=True, check=True
    )
    assert json.loads(out.stdout) == []

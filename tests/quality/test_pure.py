"""The quality engine is pure: importing every module loads no Django (like the agreement
engine), so workers, scripts and notebooks can use it without settings."""

import pkgutil
import subprocess
import sys
from pathlib import Path

import annotation.quality

ROOT = Path(__file__).resolve().parents[2]


def test_quality_modules_import_without_django() -> None:
    modules = [m.name for m in pkgutil.iter_modules(annotation.quality.__path__)]
    assert {"live", "simulate"} <= set(modules)
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module('annotation.quality.' + name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'rest_framework')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
        env={"PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert out.stdout.strip() == "[]"

"""Layers that point one way (issue 18): the pure packages load no Django, tasks import
services and never the reverse (services name the tasks they send), selectors import no
service. Imports inside functions count: a late import is still a dependency."""

import ast
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PURE = ["annotation.agreement", "annotation.domain", "annotation.quality", "exports.pipeline"]


def modules_of(package: str) -> list[str]:
    path = importlib.import_module(package).__path__
    return [f"{package}.{m.name}" for m in pkgutil.walk_packages(path) if not m.ispkg]


def imported(path: Path) -> set[str]:
    """Every module ``path`` imports, at any depth of its code."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def sources(*patterns: str) -> list[Path]:
    return sorted(path for pattern in patterns for path in ROOT.glob(pattern))


@pytest.mark.parametrize("package", PURE)
def test_pure_packages_import_without_django(package):
    modules = modules_of(package)
    assert len(modules) >= 3, modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'django', 'rest_framework', "
        "'celery'}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
        env={"PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert out.stdout.strip() == "[]", out.stdout


@pytest.mark.parametrize(
    "path",
    sources(*(f"{package.replace('.', '/')}/**/*.py" for package in PURE)),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_pure_packages_import_only_pure_project_code(path):
    """The pipeline may read the typed schema (``annotation.domain``), never the app around it."""
    project = {n for n in imported(path) if n.split(".")[0] in ("annotation", "clips", "exports")}
    impure = {n for n in project if not any(n == p or n.startswith(f"{p}.") for p in PURE)}
    assert not impure, f"{path.name} imports {impure}"


SERVICES_AND_SELECTORS = sources(
    "annotation/services/*.py", "annotation/selectors/*.py", "clips/services.py",
    "clips/uploads.py", "exports/services.py", "exports/selectors.py", "clips/selectors.py",
)  # fmt: skip


@pytest.mark.parametrize("path", SERVICES_AND_SELECTORS, ids=lambda p: str(p.relative_to(ROOT)))
def test_services_and_selectors_send_tasks_by_name_and_never_import_them(path):
    tasks = {name for name in imported(path) if name.split(".")[:2][-1] == "tasks"}
    assert not tasks, f"{path.name} imports {tasks}: name the task for jobs.send instead"


@pytest.mark.parametrize(
    "path", sources("annotation/selectors/*.py", "clips/selectors.py", "exports/selectors.py"),
    ids=lambda p: str(p.relative_to(ROOT)),
)  # fmt: skip
def test_selectors_import_no_service(path):
    services = {name for name in imported(path) if ".services" in name or name.endswith("services")}
    assert not services, f"{path.name} imports {services}: reads belong in selectors"


def test_each_task_a_service_names_is_a_registered_task():
    from annotation.celery import app
    from annotation.services.agreement import RECOMPUTE_TASK
    from annotation.services.label_upload import IMPORT_TASK
    from annotation.services.routing import ROUTE_TASK
    from clips.services import INGEST_TASK
    from exports.services import BUILD_TASK

    for name in (RECOMPUTE_TASK, IMPORT_TASK, ROUTE_TASK, INGEST_TASK, BUILD_TASK):
        module = importlib.import_module(name.rsplit(".", 1)[0])
        assert getattr(module, name.rsplit(".", 1)[1]).name == name
        assert name in app.tasks

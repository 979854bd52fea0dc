"""The front end's API types and schemas are the server's: ``frontend/src/api/schema.d.ts`` is
what openapi-typescript makes of the current OpenAPI schema and ``json-schemas.json`` the JSON
Schemas the settings form checks with (``npm run api-types`` rewrites both)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
API = ROOT / "frontend" / "src" / "api"
GENERATOR = API.parents[1] / "node_modules" / ".bin" / "openapi-typescript"
RERUN = "the API changed: run `npm run api-types` in frontend/ and commit src/api/"
# Model integer fields take their ranges from the database backend (SQLite's are 64-bit), so
# the schema is generated as production's backend, PostgreSQL, sees it, whatever this run is
# on: as `npm run api-types` does. Nothing connects to that address.
SCHEMA_DATABASE = "postgres://schema@127.0.0.1:1/schema"


def _command(*args: str) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        capture_output=True, text=True, check=True, cwd=ROOT,
        env={**os.environ, "DATABASE_URL": SCHEMA_DATABASE},
    ).stdout  # fmt: skip


def test_the_committed_api_types_are_generated_from_the_current_schema():
    assert GENERATOR.exists(), "frontend packages not installed: run scripts/setup.sh"
    generated = subprocess.run(
        [str(GENERATOR)],
        input=_command("spectacular", "--format", "openapi-json"),
        capture_output=True,
        text=True,
        check=True,
        cwd=API,
    ).stdout
    assert generated == (API / "schema.d.ts").read_text("utf-8"), RERUN


def test_the_committed_json_schemas_are_the_servers():
    assert _command("api_json_schemas") == (API / "json-schemas.json").read_text("utf-8"), RERUN

"""The front end's API types and schemas are the server's: ``frontend/src/api/schema.d.ts`` is
what openapi-typescript makes of the current OpenAPI schema and ``json-schemas.json`` the JSON
Schemas the settings form checks with (``npm run api-types`` rewrites both)."""

import subprocess
from io import StringIO
from pathlib import Path

from django.core.management import call_command

API = Path(__file__).resolve().parents[2] / "frontend" / "src" / "api"
GENERATOR = API.parents[1] / "node_modules" / ".bin" / "openapi-typescript"
RERUN = "the API changed: run `npm run api-types` in frontend/ and commit src/api/"


def _command(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


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

"""The front end's API types are the server's: ``frontend/src/api/schema.d.ts`` is what
openapi-typescript makes of the current OpenAPI schema (``npm run api-types`` rewrites it)."""

import subprocess
from io import StringIO
from pathlib import Path

from django.core.management import call_command

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"
GENERATOR = FRONTEND / "node_modules" / ".bin" / "openapi-typescript"
COMMITTED = FRONTEND / "src" / "api" / "schema.d.ts"


def test_the_committed_api_types_are_generated_from_the_current_schema():
    assert GENERATOR.exists(), "frontend packages not installed: run scripts/setup.sh"
    schema = StringIO()
    call_command("spectacular", "--format", "openapi-json", stdout=schema)
    generated = subprocess.run(
        [str(GENERATOR)],
        input=schema.getvalue(),
        capture_output=True,
        text=True,
        check=True,
        cwd=FRONTEND,
    ).stdout
    assert generated == COMMITTED.read_text("utf-8"), (
        "the API changed: run `npm run api-types` in frontend/ and commit src/api/schema.d.ts"
    )

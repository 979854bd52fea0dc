#!/usr/bin/env bash
# Set up, then run the whole test suite: lint, front-end unit tests, Python tests.
# With DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (Redis) set, or those services up on
# their standard local ports, the real-stack tests run too; otherwise they are reported as
# not run. CI=true makes a missing service an error. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
WITH_BROWSER=1 scripts/setup.sh

if [ -z "${DATABASE_URL:-}" ] && pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  export DATABASE_URL=postgres://postgres@127.0.0.1:5432/test
fi
if [ -z "${CELERY_BROKER_URL:-}" ] && (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  export CELERY_BROKER_URL=redis://127.0.0.1:6379/15  # a database of its own: tests purge it
fi
echo "database: ${DATABASE_URL:-embedded SQLite}; broker: ${CELERY_BROKER_URL:-none, tasks eager}"

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
if [ -f frontend/package.json ]; then (cd frontend && npm run --silent lint && npm test --silent); fi
# pytest exits 5 when it collects nothing: that is a failure here, like any other.
.venv/bin/python -m pytest "$@"

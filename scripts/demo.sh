#!/usr/bin/env bash
# Set up, then run the platform on the embedded default (SQLite, eager tasks) with demo data.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/python manage.py migrate --noinput -v 0
.venv/bin/python manage.py seed_demo
exec .venv/bin/python manage.py runserver "${ADDR:-127.0.0.1:8000}"

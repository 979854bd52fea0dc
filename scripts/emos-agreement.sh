#!/usr/bin/env bash
# Regenerate docs/emos-agreement.md: each EmoS first-layer batch (../shared/emos) imported into
# a project of its own, as its team analysed it, then the platform's agreement report of each.
# Uses the configured database (DATABASE_URL); re-running re-imports nothing new.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
EMOS=${EMOS:-../shared/emos}
doc=docs/emos-agreement.md
batches=(ch-simsv2/first-2500 ch-simsv2/last-2500 meld/first-3000 meld/last-2000)

{
  sed -n '1,/^<!-- reports below: scripts\/emos-agreement.sh -->$/p' "$doc"
  for batch in "${batches[@]}"; do
    slug="emos-${batch/\//-}"
    "$PY" manage.py import_labels "$EMOS/$batch" --project "$slug" --format emos-xlsx >&2
    echo
    "$PY" manage.py agreement "$slug" | sed 's/^#/##/'
  done
} > "$doc.new"
mv "$doc.new" "$doc"

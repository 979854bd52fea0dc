#!/usr/bin/env bash
# Install everything the platform needs on a fresh Debian machine; safe to run again.
#   scripts/setup.sh          runtime + dev tools (Python venv, front-end build, ffmpeg)
#   WITH_BROWSER=1 ...        also Debian's chromium for the end-to-end tests
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing Debian packages: ${missing[*]}. Install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  say "apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

apt_install ffmpeg gettext  # gettext: compilemessages builds the English/Chinese catalogues
# Chinese glyphs for the browser tests' screenshots (bilingual clips and interface).
if [ "${WITH_BROWSER:-0}" = 1 ]; then apt_install chromium fonts-noto-cjk; fi
# The benchmarks (make bench) serve through nginx as the deployment does.
if [ "${WITH_BENCH:-0}" = 1 ]; then apt_install nginx-light; fi

PYTHON=${PYTHON:-}
if [ -z "$PYTHON" ]; then
  for candidate in python3.11 python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      PYTHON=$candidate; break
    fi
  done
fi
[ -n "$PYTHON" ] || { echo "Python 3.11 or newer is needed" >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
  say "creating .venv with $PYTHON"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  say "installing Python packages"
  .venv/bin/pip install -q --upgrade "pip>=25.1"  # dependency groups (PEP 735) need pip 25.1
  .venv/bin/pip install -q -e . --group dev
  rm -f .venv/.installed-* && touch "$stamp"
fi

command -v npm >/dev/null || { echo "Node.js 20+ with npm is needed for the front end" >&2; exit 1; }
if [ -f frontend/package.json ]; then
  lock_stamp=frontend/node_modules/.installed-$(sha256sum frontend/package-lock.json | cut -c1-16)
  if [ ! -f "$lock_stamp" ]; then
    say "installing front-end packages"
    (cd frontend && npm ci --no-audit --no-fund --loglevel=error)
    touch "$lock_stamp"
  fi
  say "building the front end"
  (cd frontend && npm run --silent build >/dev/null)
fi

say "compiling the translation catalogues"
.venv/bin/python manage.py compilemessages -l zh_Hans --ignore .venv --ignore node_modules -v 0

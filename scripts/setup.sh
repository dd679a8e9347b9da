#!/usr/bin/env bash
# Installs what netcanvas needs into .venv/ (and frontend/node_modules, frontend/dist).
# Usage: scripts/setup.sh [app|test]. Idempotent: skips steps whose inputs did not change.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-app}"

py="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$py" -m venv .venv
stamp=".venv/.netcanvas-$mode"
want="$(cat pyproject.toml requirements.lock | sha256sum | cut -c1-16)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  .venv/bin/pip install -q --upgrade pip
  # Pinned first: an unpinned torch would pull a multi-GB CUDA build.
  .venv/bin/pip install -q torch==2.13.0
  extras="export"; [ "$mode" = test ] && extras="export,dev,postgres,ray"
  .venv/bin/pip install -q -c requirements.lock -e ".[$extras]"
  echo "$want" > "$stamp"
fi

if [ -f frontend/package.json ]; then
  fstamp="frontend/node_modules/.netcanvas-stamp"
  fwant="$(sha256sum frontend/package-lock.json | cut -c1-16)"
  if [ "$(cat "$fstamp" 2>/dev/null)" != "$fwant" ]; then
    (cd frontend && npm ci --no-audit --no-fund)
    echo "$fwant" > "$fstamp"
  fi
  (cd frontend && npm run build --silent)
fi

if [ "$mode" = test ]; then
  # Browser tests drive Debian's chromium (Playwright's own browser download does not work here);
  # store tests start a throw-away PostgreSQL cluster from Debian's server binaries.
  missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || missing+=(postgresql)
  if [ ${#missing[@]} -gt 0 ]; then
    sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi

#!/usr/bin/env bash
# Create .venv with Python 3.12 and install Perfect Storm into it.
#   bash scripts/bootstrap.sh          the package (CLI, batch, plots)
#   bash scripts/bootstrap.sh --test   plus the page and the test tools
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
  for cand in python3.12 "$HOME"/.pyenv/versions/3.12*/bin/python3.12 /root/.pyenv/versions/3.12*/bin/python3.12 \
              /usr/local/bin/python3.12 /usr/bin/python3.12; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null; then
      command -v "$cand"; return 0
    fi
  done
  return 1
}

if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null; then
  PY=$(find_python) || { echo "bootstrap: Python 3.12 not found (needed by mesa 3.5); install python3.12" >&2; exit 1; }
  rm -rf .venv
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
if [ "${1:-}" = "--test" ]; then
  .venv/bin/python -m pip install -q -e ".[test]"
else
  .venv/bin/python -m pip install -q -e .
fi

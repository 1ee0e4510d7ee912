#!/usr/bin/env bash
# Create .venv with Python 3.12 and install Perfect Storm into it.
#   bash scripts/bootstrap.sh          the package (CLI, batch, plots)
#   bash scripts/bootstrap.sh --viz    plus the classroom page (Solara)
#   bash scripts/bootstrap.sh --test   plus the page, the notebook kernel and the test tools
# Each step prints one line ("bootstrap: ...") so a slow or failing step is easy to spot.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "bootstrap: $*"; }

find_python() {
  for cand in python3.12 "$HOME"/.pyenv/versions/3.12*/bin/python3.12 /root/.pyenv/versions/3.12*/bin/python3.12 \
              /usr/local/bin/python3.12 /usr/bin/python3.12; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null; then
      command -v "$cand"; return 0
    fi
  done
  return 1
}

case "${1:-}" in
  ""|--test|--viz) ;;
  *) echo "bootstrap: unknown option ${1} (valid: --viz, --test)" >&2; exit 2 ;;
esac

if [ -x .venv/bin/python ] && .venv/bin/python -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null; then
  say "using the existing .venv ($(.venv/bin/python --version 2>&1))"
else
  PY=$(find_python) || { echo "bootstrap: Python 3.12 not found (needed by mesa 3.5); install python3.12" >&2; exit 1; }
  say "creating .venv with $PY"
  rm -rf .venv
  "$PY" -m venv .venv
fi
say "upgrading pip"
.venv/bin/python -m pip install -q --upgrade pip
if [ "${1:-}" = "--test" ]; then
  say "installing perfect-storm with the test extra (page, notebook kernel, linters)"
  .venv/bin/python -m pip install -q -e ".[test]"
elif [ "${1:-}" = "--viz" ]; then
  say "installing perfect-storm with the classroom page (Solara, local assets)"
  .venv/bin/python -m pip install -q -e ".[viz]"
else
  say "installing perfect-storm (editable)"
  .venv/bin/python -m pip install -q -e .
fi
say "checking the install"
.venv/bin/python -c 'import sim, storm_cli; print("bootstrap: perfect-storm", sim.__version__, "ready:", sim.BANNER)'
say "done: run .venv/bin/perfect-storm --help"

#!/usr/bin/env bash
# Install what tests/test_page_browser.py needs: Debian's chromium (never a browser download).
# Playwright's Python package comes from the project's `test` extra; `playwright install` is never run.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
    echo "browser.sh: /usr/bin/chromium present ($(/usr/bin/chromium --version 2>/dev/null || echo 'version unknown'))"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "browser.sh: not root and no sudo: cannot install chromium; the browser test will be skipped" >&2
        exit 0
    fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium >/dev/null
echo "browser.sh: installed $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"

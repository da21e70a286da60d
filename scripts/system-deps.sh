#!/usr/bin/env bash
# System packages the test suite needs, installed once when missing (Debian; run as root as on CI):
# headless Chromium for the browser test (tests/ui/test_browser.py, driven by Playwright) and
# PostgreSQL 15 for the store's PostgreSQL tests (they start a throwaway server themselves and fail
# without it). `make test` calls this; nothing here runs at import time.
set -euo pipefail
need=()
[[ -x /usr/bin/chromium ]] || need+=(chromium)
[[ -x /usr/lib/postgresql/15/bin/initdb ]] || need+=(postgresql)
if (( ${#need[@]} )); then
  echo "installing system packages: ${need[*]}" >&2
  apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi

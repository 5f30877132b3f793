#!/usr/bin/env bash
# Installs the browser the e2e tests drive: Debian's chromium package at /usr/bin/chromium.
# Idempotent: does nothing if it is already there. Playwright's own browser download is not
# used (never `playwright install`); the tests launch this executable instead.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
  echo "==> chromium: $("$CHROMIUM" --version 2>/dev/null || echo "present at $CHROMIUM")"
  exit 0
fi

echo "==> installing Debian's chromium (for the browser tests)"

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  echo "cannot install chromium: not root and sudo is not available;" \
       "as root run: apt-get install -y --no-install-recommends chromium" >&2
  exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "cannot install chromium: apt-get not found (this script expects Debian);" \
       "install chromium yourself so that $CHROMIUM exists" >&2
  exit 1
fi

if ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq; then
  echo "cannot install chromium: apt-get update failed (are Debian's package mirrors reachable?)" >&2
  exit 1
fi
if ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends chromium; then
  echo "cannot install chromium: apt-get install chromium failed (see the messages above)" >&2
  exit 1
fi

if [ ! -x "$CHROMIUM" ]; then
  echo "cannot install chromium: the package installed but $CHROMIUM is missing" >&2
  exit 1
fi

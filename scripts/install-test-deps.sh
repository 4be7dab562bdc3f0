#!/usr/bin/env bash
# Installs what the browser tests (test/dashboard/) need and npm cannot: Debian's chromium,
# which playwright-core drives (it downloads no browser). Called by .ci/run before the tests.
# Does nothing when /usr/bin/chromium is already there; `apt-get update` only if the first
# install attempt fails (a fresh image without package lists).
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  echo "install-test-deps: chromium present ($(/usr/bin/chromium --version 2>/dev/null || echo 'version unknown'))"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-test-deps: /usr/bin/chromium is missing and there is no apt-get here; install chromium by hand (the browser tests fail without it when CI=true)" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-test-deps: installing chromium needs root (or sudo); run as root: apt-get install chromium" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y --no-install-recommends chromium; then
  echo "install-test-deps: apt-get install chromium failed; refreshing the package lists and trying again" >&2
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends chromium
fi
/usr/bin/chromium --version

#!/usr/bin/env bash
# Installs what the tests need and npm cannot, from Debian's packages. Called by .ci/run before
# the tests. Each package is installed only when its program is missing; `apt-get update` only
# if the first install attempt fails (a fresh image without package lists).
#  - chromium: the browser tests (test/dashboard/), which playwright-core drives (it downloads
#    no browser).
#  - prometheus: only for /usr/bin/promtool, Prometheus's own linter of the /metrics text
#    (test/monitor/metrics-promtool.test.ts). The package also ships the Prometheus server and
#    its service; that service is kept from starting (policy-rc.d) and nothing of it runs.
#  - nats-server: the NATS JetStream server the agent/controller tests start on a loopback port
#    (Debian's 2.9.10: JetStream and KV, no per-message TTL).
#  - fping and iputils-ping: the references the fping-compatibility tests and the benchmarks
#    compare against (bench:throughput, bench:accuracy, bench:startup).
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

# apt_install PACKAGE PROGRAM: installs PACKAGE unless PROGRAM is there; fails with what to do.
apt_install() {
  local pkg="$1" prog="$2"
  if [ -x "$prog" ]; then
    echo "install-test-deps: $prog present"
    return 0
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-test-deps: $prog is missing and there is no apt-get here; install Debian's $pkg (or $prog) by hand (the tests that need it fail without it when CI=true)" >&2
    return 1
  fi
  if [ "$(id -u)" -ne 0 ] && [ -z "$SUDO" ]; then
    echo "install-test-deps: installing $pkg needs root (or sudo); run as root: apt-get install --no-install-recommends $pkg" >&2
    return 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  if ! $SUDO apt-get install -y --no-install-recommends "$pkg"; then
    echo "install-test-deps: apt-get install $pkg failed; refreshing the package lists and trying again" >&2
    $SUDO apt-get update
    $SUDO apt-get install -y --no-install-recommends "$pkg"
  fi
  [ -x "$prog" ] || { echo "install-test-deps: $pkg installed but $prog is still missing" >&2; return 1; }
}

# Debian's prometheus and nats-server postinsts would start their servers (Prometheus on :9090,
# NATS on :4222). A policy-rc.d that answers 101 ("action forbidden") stops
# invoke-rc.d/deb-systemd-invoke from starting them; one this script puts there is removed
# again afterwards. The tests start their own nats-server on an ephemeral port.
# apt_install_service PACKAGE PROGRAM SERVICE: apt_install without starting SERVICE.
apt_install_service() {
  local pkg="$1" prog="$2" service="$3"
  if [ -x "$prog" ]; then
    echo "install-test-deps: $prog present"
    return 0
  fi
  local own_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod 755 /usr/sbin/policy-rc.d
    own_policy=1
  fi
  local rc=0
  apt_install "$pkg" "$prog" || rc=$?
  if [ -n "$own_policy" ]; then $SUDO rm -f /usr/sbin/policy-rc.d; fi
  # belt and braces: a service that got started anyway is stopped, not left listening
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$service" 2>/dev/null; then
    $SUDO systemctl stop "$service" || true
  fi
  return "$rc"
}

apt_install chromium /usr/bin/chromium
/usr/bin/chromium --version
apt_install_service prometheus /usr/bin/promtool prometheus
/usr/bin/promtool --version 2>&1 | head -n 1
apt_install_service nats-server /usr/sbin/nats-server nats-server
/usr/sbin/nats-server --version
apt_install fping /usr/bin/fping
/usr/bin/fping --version 2>&1 | head -n 1
apt_install iputils-ping /usr/bin/ping
/usr/bin/ping -V 2>&1 | head -n 1

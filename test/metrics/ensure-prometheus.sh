#!/usr/bin/env bash
# Installs Debian's prometheus (it ships promtool) when `prometheus` or `promtool` is missing; used by
# `npm run test:metrics`. Needs root (as in CI) or password-less sudo. Starts no service: the test runs its own
# Prometheus on 127.0.0.1 with a temporary storage directory.
set -euo pipefail
if command -v prometheus >/dev/null && command -v promtool >/dev/null; then
  echo "prometheus: $(prometheus --version 2>&1 | head -1)"
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  SUDO=(sudo -n)
else
  echo "test:metrics needs Debian's prometheus package: run 'apt-get install -y prometheus' as root" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# fresh package lists (a new machine may have none, an old one stale ones)
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends prometheus >/dev/null
# a package install may start the packaged service (where an init system runs); this test does not need it
if command -v systemctl >/dev/null && systemctl is-active --quiet prometheus 2>/dev/null; then
  "${SUDO[@]}" systemctl stop prometheus || true
fi
echo "prometheus: $(prometheus --version 2>&1 | head -1)"

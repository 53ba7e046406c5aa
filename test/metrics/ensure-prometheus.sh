#!/usr/bin/env bash
# Installs Debian's prometheus (it ships promtool) when `prometheus` or `promtool` is missing; used by
# `npm run test:metrics`. Starts no service: the test runs its own Prometheus on 127.0.0.1 with a temporary storage
# directory.
set -euo pipefail
if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null; then
  bash "$(dirname "$0")/../../scripts/apt-install.sh" test:metrics prometheus
  # a package install may start the packaged service (where an init system runs); this test does not need it
  if command -v systemctl >/dev/null && systemctl is-active --quiet prometheus 2>/dev/null; then
    if [ "$(id -u)" -eq 0 ]; then systemctl stop prometheus || true; else sudo -n systemctl stop prometheus || true; fi
  fi
fi
echo "prometheus: $(prometheus --version 2>&1 | head -1)"

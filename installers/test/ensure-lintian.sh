#!/usr/bin/env bash
# Installs Debian's lintian when it is missing; used by `npm run test:package` (a fresh CI machine has none).
# Needs root (as in CI) or password-less sudo.
set -euo pipefail
if command -v lintian >/dev/null; then
  echo "lintian: $(lintian --version 2>&1 | head -1)"
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  SUDO=(sudo -n)
else
  echo "test:package needs Debian's lintian package: run 'apt-get install -y lintian' as root" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# fresh package lists (a new machine may have none, an old one stale ones)
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends lintian >/dev/null
echo "lintian: $(lintian --version 2>&1 | head -1)"

#!/usr/bin/env bash
# Installs Debian's lintian when it is missing; used by `npm run test:package` (a fresh CI machine has none).
set -euo pipefail
if ! command -v lintian >/dev/null; then
  bash "$(dirname "$0")/../../scripts/apt-install.sh" test:package lintian
fi
echo "lintian: $(lintian --version 2>&1 | head -1)"

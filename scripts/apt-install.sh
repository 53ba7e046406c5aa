#!/usr/bin/env bash
# apt-install.sh SUITE PACKAGE…: installs Debian packages a test suite needs (called by the suites' ensure-*.sh
# scripts once they found the package missing). Needs root (as in CI) or password-less sudo; otherwise it says
# which command to run and fails. Refreshes the package lists first (a new machine may have none, an old one
# stale ones).
set -euo pipefail
suite="$1"
shift
if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  SUDO=(sudo -n)
else
  echo "$suite needs Debian's $*: run 'apt-get install -y $*' as root" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "$@" >/dev/null

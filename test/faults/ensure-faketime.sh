#!/usr/bin/env bash
# Installs Debian's faketime (libfaketime) when its preload library is missing; used by `npm run test:faults`
# (the clock-jump scenario preloads it into the node's processes). Needs root (as in CI) or password-less sudo.
set -euo pipefail
LIB=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
if [ -f "$LIB" ]; then
  echo "libfaketime: $LIB"
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  SUDO=(sudo -n)
else
  echo "test:faults needs Debian's faketime package: run 'apt-get install -y faketime' as root" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends faketime >/dev/null
echo "libfaketime: $LIB"

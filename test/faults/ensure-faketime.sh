#!/usr/bin/env bash
# Installs Debian's faketime (libfaketime) when its preload library is missing; used by `npm run test:faults`
# (the clock-jump scenario preloads it into the node's processes).
set -euo pipefail
LIB=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
if [ ! -f "$LIB" ]; then
  bash "$(dirname "$0")/../../scripts/apt-install.sh" test:faults faketime
fi
echo "libfaketime: $LIB"

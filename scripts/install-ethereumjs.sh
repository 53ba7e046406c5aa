#!/usr/bin/env bash
# Installs the EthereumJS execution client (@ethereumjs/client, pinned version) into a cache folder OUTSIDE the
# project's dependencies, once, and prints the path of its `ethereumjs` binary. Used by the EthereumJS
# integration test (`npm run test:ethereumjs`). A second run with the same version only prints the path.
#
#   scripts/install-ethereumjs.sh            # -> <cache>/ethereumjs-0.10.5/node_modules/.bin/ethereumjs
#   CEIBO_CACHE_DIR=/some/dir scripts/install-ethereumjs.sh
#   EJS_VERSION=0.10.5 scripts/install-ethereumjs.sh
set -euo pipefail

version="${EJS_VERSION:-0.10.5}"
cache="${CEIBO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ceibo}"
dir="$cache/ethereumjs-$version"
bin="$dir/node_modules/.bin/ethereumjs"

if [[ -x "$bin" && -f "$dir/.installed" ]]; then
  echo "$bin"
  exit 0
fi

mkdir -p "$dir"
# A minimal package.json so npm installs into this folder and not into a parent project.
if [[ ! -f "$dir/package.json" ]]; then
  printf '{"name":"ceibo-ethereumjs-cache","private":true}\n' >"$dir/package.json"
fi
echo "installing @ethereumjs/client@$version into $dir (takes about 1.5 min)..." >&2
(cd "$dir" && npm install --no-audit --no-fund --loglevel=error "@ethereumjs/client@$version" >&2)
if [[ ! -x "$bin" ]]; then
  echo "install finished but $bin is missing" >&2
  exit 1
fi
touch "$dir/.installed"
echo "$bin"

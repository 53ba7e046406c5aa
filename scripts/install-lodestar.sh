#!/usr/bin/env bash
# Installs Lodestar (the ChainSafe consensus client, pinned dependency set) into a cache folder OUTSIDE the
# project's dependencies, once, and prints the path of its `lodestar` binary. Used by the Lodestar interop
# harness (test/interop/). A second run with the same version only prints the path.
#
# Lodestar 1.5.1 must run on Node 20 (its native modules are built for it), not on the project's Node 24, so
# the install runs with the system Node 20 (LODESTAR_NODE, default /usr/bin/node) and its npm. The plain
# `npm install @chainsafe/lodestar@1.5.1` picks up newer transitive versions that do not work, so the install
# uses the pinned package.json + package-lock.json kept in the shared interop folder (`npm ci`).
#
#   scripts/install-lodestar.sh            # -> <cache>/lodestar-1.5.1/node_modules/.bin/lodestar
#   CEIBO_CACHE_DIR=/some/dir scripts/install-lodestar.sh
#   LODESTAR_PINS=/path/to/folder/with/package.json+lock scripts/install-lodestar.sh
set -euo pipefail

version="${LODESTAR_VERSION:-1.5.1}"
pins="${LODESTAR_PINS:-/work/shared/interop/lodestar-$version}"
node_bin="${LODESTAR_NODE:-/usr/bin/node}"
cache="${CEIBO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ceibo}"
dir="$cache/lodestar-$version"
bin="$dir/node_modules/.bin/lodestar"

if [[ -x "$bin" && -f "$dir/.installed" ]]; then
  echo "$bin"
  exit 0
fi

if [[ ! -f "$pins/package.json" || ! -f "$pins/package-lock.json" ]]; then
  echo "missing pinned dependency set: $pins/package.json and $pins/package-lock.json" >&2
  exit 1
fi
if [[ ! -x "$node_bin" ]]; then
  echo "missing Node for Lodestar: $node_bin (set LODESTAR_NODE)" >&2
  exit 1
fi
node_major="$("$node_bin" -p 'process.versions.node.split(".")[0]')"
if [[ "$node_major" != "20" ]]; then
  echo "warning: Lodestar $version is known to work on Node 20; $node_bin is Node $node_major" >&2
fi

# Run npm (and every install script it starts) with the Node 20 toolchain first on PATH, so native modules
# are built against Node 20's ABI even when this script is called from `npm run` under the project's Node 24.
node_dir="$(dirname "$node_bin")"
npm_bin="$node_dir/npm"
if [[ ! -x "$npm_bin" ]]; then
  npm_bin="$(PATH="$node_dir:/usr/bin:/bin" command -v npm)"
fi

mkdir -p "$dir"
cp -f "$pins/package.json" "$pins/package-lock.json" "$dir/"
chmod u+w "$dir/package.json" "$dir/package-lock.json"
echo "installing Lodestar $version into $dir with Node $("$node_bin" --version) (npm ci, about 2 min, ~235 MB)..." >&2
(cd "$dir" && PATH="$node_dir:$PATH" "$npm_bin" ci --no-audit --no-fund --loglevel=error >&2)
if [[ ! -x "$bin" ]]; then
  echo "install finished but $bin is missing" >&2
  exit 1
fi
echo "checking: $node_bin $bin --version" >&2
"$node_bin" "$bin" --version >&2
touch "$dir/.installed"
echo "$bin"

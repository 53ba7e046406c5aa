#!/usr/bin/env bash
# Installs Lodestar's state transition 1.41.0 (and the @lodestar packages it needs) into a cache folder OUTSIDE
# the project's dependencies, once, and prints that folder. Used by `npm run bench:compare` (bench/compare.ts);
# never imported by product code. A second run only prints the folder.
#
# The pinned set is bench/lodestar-1.41/ (package.json + package-lock.json + an empty stand-in for
# @lodestar/spec-test-util, whose published package depends on vitest through a `catalog:` spec npm cannot
# resolve). Installed with `npm ci` under the project's Node 24 (Lodestar 1.41 needs Node >= 22).
#
#   scripts/install-lodestar-st.sh             # -> <cache>/lodestar-state-transition-1.41.0
#   CEIBO_CACHE_DIR=/some/dir scripts/install-lodestar-st.sh
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
version="1.41.0"
pins="$root/bench/lodestar-1.41"
cache="${CEIBO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ceibo}"
dir="$cache/lodestar-state-transition-$version"

if [[ -f "$dir/.installed" && -f "$dir/node_modules/@lodestar/state-transition/package.json" ]]; then
  echo "$dir"
  exit 0
fi
if [[ ! -f "$pins/package.json" || ! -f "$pins/package-lock.json" ]]; then
  echo "missing pinned dependency set: $pins/package.json and $pins/package-lock.json" >&2
  exit 1
fi

rm -rf "$dir"
mkdir -p "$dir/stub-spec-test-util"
cp -f "$pins/package.json" "$pins/package-lock.json" "$dir/"
cp -f "$pins/stub-spec-test-util/package.json" "$dir/stub-spec-test-util/"
chmod -R u+w "$dir"
echo "installing @lodestar/state-transition $version into $dir (npm ci, about 30 s)..." >&2
if ! (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2); then
  echo "npm ci of @lodestar/state-transition $version failed in $dir (see the npm output above)" >&2
  exit 1
fi
installed="$(cd "$dir" && node -p 'require("./node_modules/@lodestar/state-transition/package.json").version')"
if [[ "$installed" != "$version" ]]; then
  echo "installed @lodestar/state-transition is $installed, expected $version" >&2
  exit 1
fi
touch "$dir/.installed"
echo "$dir"

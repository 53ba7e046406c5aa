#!/usr/bin/env bash
# Downloads and unpacks the official consensus spec test vectors (general, minimal, mainnet tarballs of an
# ethereum/consensus-specs GitHub release) for machines with internet access. Not used in CI (no internet there).
#
# Usage: spec-tests/scripts/download.sh [VERSION] [DEST]
#   VERSION  release tag, default v1.6.1
#   DEST     directory to unpack into (gets DEST/tests/<preset>/...), default .spec-tests-cache/<VERSION>
#            relative to the repository root (git-ignored)
#   PRESETS  env, space-separated tarballs to fetch, default "general minimal mainnet"
#
# Then: SPEC_TESTS_DIR=<DEST> npm run spec-tests   (or npm run spec-tests -- --dir <DEST>)
set -euo pipefail

VERSION="${1:-v1.6.1}"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEST="${2:-$REPO_ROOT/.spec-tests-cache/$VERSION}"
PRESETS="${PRESETS:-general minimal mainnet}"
BASE_URL="https://github.com/ethereum/consensus-specs/releases/download/$VERSION"

for tool in curl tar; do
  command -v "$tool" >/dev/null || { echo "download.sh: $tool is required" >&2; exit 1; }
done

mkdir -p "$DEST"
DEST="$(cd "$DEST" && pwd)"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

for preset in $PRESETS; do
  if [ -d "$DEST/tests/$preset" ]; then
    echo "$preset: already present in $DEST/tests/$preset (delete it to download again)"
    continue
  fi
  url="$BASE_URL/$preset.tar.gz"
  echo "$preset: downloading $url"
  curl --fail --location --retry 3 --retry-delay 2 --progress-bar -o "$TMP/$preset.tar.gz" "$url"
  echo "$preset: unpacking into $DEST"
  tar -xzf "$TMP/$preset.tar.gz" -C "$DEST"
  rm -f "$TMP/$preset.tar.gz"
  if [ ! -d "$DEST/tests/$preset" ]; then
    echo "download.sh: $preset.tar.gz did not contain tests/$preset/" >&2
    exit 1
  fi
done

echo "Spec tests $VERSION in $DEST"
echo "Run them with: SPEC_TESTS_DIR=$DEST npm run spec-tests"

#!/usr/bin/env bash
# Downloads an official LibTorch build (cxx11 ABI) into third_party/libtorch.
# Usage: third_party/fetch_libtorch.sh VERSION VARIANT   e.g. 2.11.0 cu130 | 2.11.0 cpu
# Needs internet access; sfar's own build never downloads anything.
set -euo pipefail
VERSION=${1:?usage: fetch_libtorch.sh VERSION VARIANT (e.g. 2.5.1 cu124)}
VARIANT=${2:?usage: fetch_libtorch.sh VERSION VARIANT (e.g. 2.5.1 cu124)}
DEST="$(cd "$(dirname "$0")" && pwd)/libtorch"

case "$VARIANT" in
  cpu|cu[0-9]*) ;;
  *) echo "fetch_libtorch: VARIANT must be cpu or cuNNN, got '$VARIANT'" >&2; exit 2 ;;
esac
if [ -e "$DEST" ]; then
  echo "fetch_libtorch: $DEST exists; remove it first" >&2
  exit 1
fi

URL="https://download.pytorch.org/libtorch/${VARIANT}/libtorch-cxx11-abi-shared-with-deps-${VERSION}%2B${VARIANT}.zip"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
echo "fetch_libtorch: downloading $URL"
curl -fL --retry 3 -o "$TMP/libtorch.zip" "$URL"
unzip -q "$TMP/libtorch.zip" -d "$TMP"
mv "$TMP/libtorch" "$DEST"
echo "fetch_libtorch: done; build with -DCMAKE_PREFIX_PATH=$DEST"

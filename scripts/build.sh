#!/usr/bin/env bash
# Configure (once) and build into $BUILD (default: build/). Extra args go to meson setup.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
if [ ! -f "$BUILD/build.ninja" ]; then
  meson setup "$BUILD" -Dwerror=true "$@" >/dev/null
fi
ninja -C "$BUILD" >/dev/null

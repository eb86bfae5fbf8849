#!/usr/bin/env bash
# Build the Debian packages (librtsensor0, librtsensor-dev, rtsensor) from the
# tracked files of this tree, in a scratch copy: ./scripts/deb.sh [OUT_DIR]
# (default build-deb/). The packages land in OUT_DIR. No tests run in the
# package build (nocheck): CI runs them from the tree.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build-deb}
rm -rf "$out"
mkdir -p "$out/libsensor"
git ls-files -z | tar --null -T - -c | tar -x -C "$out/libsensor"
(cd "$out/libsensor" && dpkg-buildpackage -us -uc >../build.log 2>&1) || {
  tail -30 "$out/build.log" >&2
  exit 1
}
ls "$out"/*.deb

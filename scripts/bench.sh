#!/usr/bin/env bash
# Build (release) and run the benchmarks; each prints the machine it ran on
# and RESULT lines (medians). Needs root for the kernel-source benchmarks.
# usage: scripts/bench.sh [NAME...]   (default: every bench-* program)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
BUILD=${BUILD:-build-release}
if [ ! -f "$BUILD/build.ninja" ]; then
  meson setup "$BUILD" --buildtype=release -Dtests=false >/dev/null
fi
ninja -C "$BUILD" >/dev/null
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for b in "$BUILD"/bench/bench-*; do [ -x "$b" ] && names+=("$(basename "$b")"); done
fi
for n in "${names[@]}"; do
  echo "== $n"
  "$BUILD/bench/$n"
done

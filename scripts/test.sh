#!/usr/bin/env bash
# The README's test command: install what is missing, build, run every test
# (unprivileged unit suites and, as root, the privileged real-kernel suites).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
./scripts/build.sh "$@"
BUILD=${BUILD:-build}
meson test -C "$BUILD" --print-errorlogs --num-processes 2

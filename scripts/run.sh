#!/usr/bin/env bash
# The README's run command: install what is missing, build, and run rtsensor
# on its defaults (every source this kernel offers, events as JSON lines on
# stdout). Arguments go to 'rtsensor run'.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
./scripts/build.sh
exec ./build/tools/rtsensor/rtsensor run "$@"

#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench-callgrind.sh (root): the sensor's own cost per event in instructions
# and system calls, counted by callgrind - repeatable on a loaded machine,
# where wall-clock ratios are not (issue 17).
#
#   bench/bench-callgrind.sh [--build DIR] [--ops N] SOURCE CLASS [RTSENSOR-ARGS...]
#
# SOURCE: proc, fanotify, audit, conntrack or defaults (every default source).
# CLASS:  spawn (N x /bin/true from one shell), file (N x create, write 4 KiB,
#         close, open, read, close, unlink from one python3 process, in a
#         directory under /var/tmp), none (an idle window of the same length).
#
# `rtsensor run --source SOURCE --events FILE` runs under
# `valgrind --tool=callgrind --collect-systime=nsec --toggle-collect=sensor_ctx_process`:
# only the event loop is counted (every decode, /proc read, cache update,
# JSON line and write of the events), not the start-up (marks, rules) or the
# tear-down. The figures are per event written of the class's kind (exec for
# spawn, the file kinds for file); background events of the machine are
# events too and are counted in both the numerator and the denominator, so
# the per-event figure holds whatever the load. Printed: Ir (instructions)
# in the loop, system calls in the loop, events by kind, Ir per event and
# system calls per event.
set -euo pipefail
BUILD=build
OPS=1000
while [ $# -gt 0 ]; do
	case "$1" in
	--build) BUILD=$2; shift 2 ;;
	--ops) OPS=$2; shift 2 ;;
	*) break ;;
	esac
done
if [ $# -lt 2 ]; then
	sed -n '4,23p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
fi
SRC=$1 CLASS=$2
shift 2
[ "$(id -u)" = 0 ] || { echo "bench-callgrind: needs root" >&2; exit 77; }
command -v valgrind >/dev/null || { echo "bench-callgrind: needs valgrind" >&2; exit 77; }
RT=$BUILD/tools/rtsensor/rtsensor
TMP=$(mktemp -d /var/tmp/rtsensor-cg.XXXXXX)
# CG_OUT=FILE keeps the callgrind profile (callgrind_annotate --inclusive=yes FILE)
trap '[ -z "${CG_OUT:-}" ] || cp "$TMP/cg.out" "$CG_OUT" 2>/dev/null; rm -rf "$TMP"' EXIT
SRCARGS=()
[ "$SRC" = defaults ] || SRCARGS=(--source "$SRC")

valgrind --tool=callgrind --collect-systime=nsec --toggle-collect=sensor_ctx_process \
	--callgrind-out-file="$TMP/cg.out" \
	"$RT" run "${SRCARGS[@]}" --events "$TMP/ev.json" "$@" 2>"$TMP/err" &
VG=$!
# ready: every source has said "up" (a status event) - give valgrind a minute
for _ in $(seq 600); do
	if [ -s "$TMP/ev.json" ] && grep -q '"state":"up"' "$TMP/ev.json"; then break; fi
	kill -0 $VG 2>/dev/null || { cat "$TMP/err" >&2; exit 1; }
	sleep 0.1
done
sleep 2 # the other sources' start-up statuses
START=$(wc -l <"$TMP/ev.json")
case "$CLASS" in
spawn)
	bash -c "for ((i = 0; i < $OPS; i++)); do /bin/true; done" ;;
file)
	mkdir "$TMP/w"
	python3 - "$TMP/w" "$OPS" <<'EOF'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
blk = b"x" * 4096
for i in range(n):
    p = os.path.join(d, "f%d" % (i % 16))
    fd = os.open(p, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    os.write(fd, blk)
    os.close(fd)
    fd = os.open(p, os.O_RDONLY)
    os.read(fd, 4096)
    os.close(fd)
    os.unlink(p)
EOF
	;;
none) sleep 5 ;;
*) echo "bench-callgrind: unknown class $CLASS" >&2; kill -INT $VG; exit 2 ;;
esac
sleep 3 # let the sensor drain under valgrind
kill -INT $VG
wait $VG || true
# the totals of the collected (toggled-on) part
read -r IR SYSCNT < <(awk '/^events:/ { for (i = 2; i <= NF; i++) col[$i] = i - 1 }
	/^summary:|^totals:/ { print $(1 + col["Ir"]), $(1 + col["sysCount"]); exit }' "$TMP/cg.out")
tail -n +"$((START + 1))" "$TMP/ev.json" >"$TMP/window.json"
count() { grep -c "\"kind\":\"$1\"" "$TMP/window.json" || true; }
EXEC=$(count exec) EXIT=$(count exit) OPEN=$(grep -c "\"op\":\"open\"" "$TMP/window.json" || true)
FILEK=$(count file)
ALL=$(wc -l <"$TMP/window.json")
LOSS=$(count loss)
case "$CLASS" in
spawn) PER=$EXEC; WHAT=exec ;;
file) PER=$FILEK; WHAT="file event" ;;
*) PER=$ALL; WHAT=event ;;
esac
printf 'source %s class %s ops %s: Ir %s syscalls %s; events %s (exec %s exit %s open %s file %s loss %s)\n' \
	"$SRC" "$CLASS" "$OPS" "$IR" "$SYSCNT" "$ALL" "$EXEC" "$EXIT" "$OPEN" "$FILEK" "$LOSS"
if [ "${PER:-0}" -gt 0 ]; then
	awk -v ir="$IR" -v sc="$SYSCNT" -v n="$PER" -v all="$ALL" -v w="$WHAT" 'BEGIN {
		printf "per %s: %.0f Ir, %.1f syscalls   (per event of any kind: %.0f Ir, %.1f syscalls)\n",
		       w, ir / n, sc / n, ir / all, sc / all }'
fi

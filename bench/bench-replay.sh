#!/usr/bin/env bash
# End to end: `rtsensor replay` of a large generated audit log, without a
# baseline (parse + reassemble + normalise + JSON), and through the baseline
# (learn, then monitor: features, scoring, threat rules, alert JSON, SQLite
# flush). Median of 3 runs; prints the machine and RESULT lines.
# usage: bench/bench-replay.sh [BUILD_DIR] [EVENTS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
n=${2:-200000}
rt=$build/tools/rtsensor/rtsensor
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$here/gen-audit-log.py" "$n" > "$tmp/audit.log"
echo "# benchmark: rtsensor replay end to end ($n events, $(wc -l < "$tmp/audit.log") records)"
echo "# machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, kernel $(uname -r)"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
timeit() { # prints seconds
  local s e
  s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N)
  echo "$e - $s" | bc -l
}
run3() { for i in 1 2 3; do rm -f "$tmp/b.db"*; timeit "$@"; done | median; }
plain=$(run3 "$rt" replay --audit "$tmp/audit.log" --events /dev/null)
learn=$(run3 "$rt" replay --audit "$tmp/audit.log" --mode learn --db "$tmp/b.db" --alerts /dev/null)
"$rt" replay --audit "$tmp/audit.log" --mode learn --db "$tmp/m.db" --alerts /dev/null \
  >/dev/null 2>&1 # default windows: learns the first day of the log, monitors the rest
monitor=$(for i in 1 2 3; do cp "$tmp/m.db" "$tmp/mm.db"; timeit "$rt" replay --audit "$tmp/audit.log" --mode monitor --db "$tmp/mm.db" --alerts /dev/null; done | median)
printf 'RESULT %-40s %14.1f events/s\n' replay_json "$(echo "$n / $plain" | bc -l)"
printf 'RESULT %-40s %14.1f events/s\n' replay_baseline_learn "$(echo "$n / $learn" | bc -l)"
printf 'RESULT %-40s %14.1f events/s\n' replay_baseline_monitor "$(echo "$n / $monitor" | bc -l)"
echo "# goal: >= 500000 events/s per core through baseline scoring to alert JSON"

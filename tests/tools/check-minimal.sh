#!/bin/sh
# usage: check-minimal.sh EXAMPLE
# The README's embedding example sees what happens: as root its proc source
# reports the execs this script makes while it runs (their exec events are
# in its output); without root it feeds itself one injected exec of
# /bin/true. Either way it prints JSON exec lines and exits 0.
set -eu
ex=$1
out=$(mktemp)
trap 'rm -f "$out" "$out.err"' EXIT
"$ex" 2 >"$out" 2>"$out.err" &
pid=$!
# exec a marker until the example ends (its window is 2 s)
marker=/bin/true
while kill -0 "$pid" 2>/dev/null; do
  "$marker"
  sleep 0.1 # paces the marker execs (a load for the example), waits for no state
done
rc=0
wait "$pid" || rc=$?
if [ "$rc" -ne 0 ]; then
  echo "minimal exited $rc: $(cat "$out.err")" >&2
  exit 1
fi
if ! grep -q '"kind":"exec".*"path":"/\(usr/\)\{0,1\}bin/true"' "$out"; then
  echo "no exec of $marker in the example's output ($(wc -l <"$out") lines): $(head -c 2000 "$out")" >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ] && ! grep -q '"kind":"status","source":"proc"' "$out"; then
  echo "as root the proc source should have started: $(cat "$out.err")" >&2
  exit 1
fi
echo "minimal: $(grep -c '"kind":"exec"' "$out") exec events, $(wc -l <"$out") in all"

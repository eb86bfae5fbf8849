#!/usr/bin/env bash
# rtsensor run --watch/--deny-exec on the real kernel, in a private mount
# namespace with a tmpfs on /tmp (architecture §11): a denied exec fails with
# EPERM and is a deny event; an allowed one runs; file events have paths.
# (No "grep | grep -q" under pipefail: -q exits early and the first grep's
# SIGPIPE fails the pipeline when the file is large.)
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
  case "${CI:-}" in ""|0|false) echo "SKIP: needs root"; exit 77;; esac
  echo "FAIL: privileged test not run: CI must run as root"; exit 1
fi
# A tmpfs of its own on a fresh directory (never over /tmp: the build tree,
# and so rtsensor itself, may live there). Removed when the namespace goes.
T=$(mktemp -d /tmp/rtsensor-fan-cli-XXXXXX)
trap 'rmdir "$T" 2>/dev/null || true' EXIT
export T
unshare -m --propagation private bash -euo pipefail -c '
  mount -t tmpfs cli-test "$T"
  cp /bin/true $T/bad-true; cp /bin/true $T/good-true
  "$RTSENSOR" run --source fanotify --watch $T --deny-exec "$T/bad*" -d 60 \
      -e $T/.events.json 2>$T/.err &
  sensor=$!
  for i in $(seq 100); do [ -s $T/.events.json ] && break; sleep 0.1; done
  [ -s $T/.events.json ] || { echo "FAIL: rtsensor did not start"; cat $T/.err; exit 1; }
  sh -c "echo hi > $T/written"
  if $T/bad-true 2>$T/.exec-err; then echo "FAIL: denied exec ran"; exit 1; fi
  grep -q "Operation not permitted" $T/.exec-err || { echo "FAIL: not EPERM:"; cat $T/.exec-err; exit 1; }
  $T/good-true || { echo "FAIL: allowed exec did not run"; exit 1; }
  # the sensor writes its output in slices of 200 ms: wait for the last
  # events it must have written (bounded), not for a guessed time
  for i in $(seq 100); do
    grep -q "\"op\":\"close_write\",\"path\":\"$T/written\"" $T/.events.json &&
      grep -q "$T/good-true" $T/.events.json && break
    sleep 0.1
  done
  kill -TERM $sensor
  wait $sensor || { echo "FAIL: rtsensor exited $?"; cat $T/.err; exit 1; }
  ev=$T/.events.json
  grep -q "\"op\":\"exec\",\"path\":\"$T/bad-true\"" $ev && grep "$T/bad-true" $ev | grep "\"decision\":\"deny\"" >/dev/null \
    || { echo "FAIL: no deny event"; cat $ev; exit 1; }
  grep "$T/good-true" $ev | grep "\"decision\":\"allow\"" >/dev/null || { echo "FAIL: no allow event"; cat $ev; exit 1; }
  grep -q "\"op\":\"close_write\",\"path\":\"$T/written\"" $ev || { echo "FAIL: no close_write"; cat $ev; exit 1; }
  echo "OK: $(wc -l < $ev) events"
'

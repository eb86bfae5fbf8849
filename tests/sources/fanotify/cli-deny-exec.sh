#!/usr/bin/env bash
# rtsensor run --watch/--deny-exec on the real kernel, in a private mount
# namespace with a tmpfs on /tmp (DESIGN §11): a denied exec fails with
# EPERM and is a deny event; an allowed one runs; file events have paths.
# (No "grep | grep -q" under pipefail: -q exits early and the first grep's
# SIGPIPE fails the pipeline when the file is large.)
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
  case "${CI:-}" in ""|0|false) echo "SKIP: needs root"; exit 77;; esac
  echo "FAIL: privileged test not run: CI must run as root"; exit 1
fi
exec unshare -m --propagation private bash -euo pipefail -c '
  mount -t tmpfs cli-test /tmp
  cp /bin/true /tmp/bad-true; cp /bin/true /tmp/good-true
  "$RTSENSOR" run --source fanotify --watch /tmp --deny-exec "/tmp/bad*" -d 60 \
      -e /tmp/.events.json 2>/tmp/.err &
  sensor=$!
  for i in $(seq 100); do [ -s /tmp/.events.json ] && break; sleep 0.1; done
  [ -s /tmp/.events.json ] || { echo "FAIL: rtsensor did not start"; cat /tmp/.err; exit 1; }
  sh -c "echo hi > /tmp/written"
  if /tmp/bad-true 2>/tmp/.exec-err; then echo "FAIL: denied exec ran"; exit 1; fi
  grep -q "Operation not permitted" /tmp/.exec-err || { echo "FAIL: not EPERM:"; cat /tmp/.exec-err; exit 1; }
  /tmp/good-true || { echo "FAIL: allowed exec did not run"; exit 1; }
  sleep 0.5 # the sensor writes its output in slices of 200 ms
  kill -TERM $sensor
  wait $sensor || { echo "FAIL: rtsensor exited $?"; cat /tmp/.err; exit 1; }
  ev=/tmp/.events.json
  grep -q "\"op\":\"exec\",\"path\":\"/tmp/bad-true\"" $ev && grep "/tmp/bad-true" $ev | grep "\"decision\":\"deny\"" >/dev/null \
    || { echo "FAIL: no deny event"; cat $ev; exit 1; }
  grep "/tmp/good-true" $ev | grep "\"decision\":\"allow\"" >/dev/null || { echo "FAIL: no allow event"; cat $ev; exit 1; }
  grep -q "\"op\":\"close_write\",\"path\":\"/tmp/written\"" $ev || { echo "FAIL: no close_write"; cat $ev; exit 1; }
  echo "OK: $(wc -l < $ev) events"
'

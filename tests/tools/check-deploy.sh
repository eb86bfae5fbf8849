#!/bin/sh
# usage: check-deploy.sh SOURCE_ROOT RTSENSOR
# The deployment files agree with each other and with systemd:
# 1. the unit's CapabilityBoundingSet, the DaemonSet's capabilities and
#    deploy/capabilities.txt name the same capabilities;
# 2. the DaemonSet has the host PID and network namespaces, /run and the
#    cgroup tree read-only;
# 3. systemd-analyze verify accepts the unit (its /usr/bin/rtsensor is the
#    build's), and systemd-analyze security rates its exposure at most 4.5.
set -eu
root=$1
rt=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unit=$root/deploy/systemd/rtsensor.service
ds=$root/deploy/kubernetes/daemonset.yaml
fail=0

grep -v '^#' "$root/deploy/capabilities.txt" | grep . | sort > "$tmp/want"
sed -n 's/^CapabilityBoundingSet=//p' "$unit" | tr ' ' '\n' | grep . | sort > "$tmp/unit"
sed -n 's/^ *add: *\[\(.*\)\]/\1/p' "$ds" | tr -d '" ' | tr ',' '\n' | sed 's/^/CAP_/' | sort > "$tmp/ds"
if ! diff -u "$tmp/want" "$tmp/unit"; then echo "deploy: the unit's CapabilityBoundingSet differs from deploy/capabilities.txt" >&2; fail=1; fi
if ! diff -u "$tmp/want" "$tmp/ds"; then echo "deploy: the DaemonSet's capabilities differ from deploy/capabilities.txt" >&2; fail=1; fi
grep -q 'drop: \["ALL"\]' "$ds" || { echo "deploy: the DaemonSet does not drop ALL capabilities first" >&2; fail=1; }
for want in 'hostPID: true' 'hostNetwork: true' 'privileged: false' \
    '{ name: run, mountPath: /run, readOnly: true }' \
    '{ name: cgroup, mountPath: /sys/fs/cgroup, readOnly: true }'; do
  grep -qF -- "$want" "$ds" || { echo "deploy: the DaemonSet lacks '$want'" >&2; fail=1; }
done

# systemd: the unit as installed, with the build's binary at /usr/bin/rtsensor's place
sed "s|/usr/bin/rtsensor|$rt|g" "$unit" > "$tmp/rtsensor.service"
if ! systemd-analyze verify --man=no "$tmp/rtsensor.service"; then
  echo "deploy: systemd-analyze verify rejects the unit" >&2; fail=1
fi
if ! systemd-analyze security --offline=yes --threshold=45 "$tmp/rtsensor.service" > "$tmp/security"; then
  tail -3 "$tmp/security" >&2
  echo "deploy: systemd-analyze security rates the unit above 4.5" >&2; fail=1
fi
[ $fail -eq 0 ] || exit 1
echo "deploy: capabilities agree ($(wc -l < "$tmp/want")), DaemonSet settings present, unit verified, $(grep -o 'Overall exposure level.*' "$tmp/security")"

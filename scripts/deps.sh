#!/usr/bin/env bash
# Install every Debian 12 package the build, the tests and the benchmarks need.
# One list, used by the README's commands and by CI. Idempotent.
set -euo pipefail

PKGS=(
  # build
  meson ninja-build pkg-config gcc g++ clang
  # libraries (see the README's dependency table)
  libaudit-dev libauparse-dev libmnl-dev libseccomp-dev libnetfilter-queue-dev
  libsqlite3-dev libjansson-dev libcurl4-openssl-dev libmicrohttpd-dev libsystemd-dev libcap-ng-dev
  # deployment: systemd-analyze for the unit's checks (tests/tools/check-deploy.sh);
  # the Debian packages (scripts/deb.sh) and their lintian check in CI;
  # the OCI image (scripts/oci-image.sh: a Debian rootfs, an image layout)
  systemd debhelper dpkg-dev lintian mmdebstrap umoci
  # tests
  libcriterion-dev runc busybox-static netcat-openbsd kmod iproute2 iptables util-linux procps auditd time
  # real servers the sinks' tests start: an HTTP receiver (python3), rsyslog, prometheus
  python3 rsyslog prometheus
  # real docker for the identity test (tests/identity/test-docker.c): the test
  # starts its own dockerd and containerd with private roots and sockets
  docker.io containerd
  # peers for differential tests and benchmarks
  conntrack fatrace laurel valgrind
)

missing=()
for p in "${PKGS[@]}"; do
  [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = 'install ok installed' ] || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "deps: missing packages: ${missing[*]} (run as root to install them)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq -o DPkg::Lock::Timeout=600
  # Servers among the packages (auditd, and the daemons tests talk to) are
  # started by the tests that need them, never by their package scripts:
  # a running auditd would change which audit mode the sensor and its tests
  # get. policy-rc.d (101 = action forbidden) holds them back for this install.
  own_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    own_policy=1
  fi
  rc=0
  apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 \
    "${missing[@]}" >/dev/null || rc=$?
  [ -z "$own_policy" ] || rm -f /usr/sbin/policy-rc.d
  if [ "$rc" -ne 0 ]; then
    echo "deps: apt-get install failed ($rc)" >&2
    exit "$rc"
  fi
fi

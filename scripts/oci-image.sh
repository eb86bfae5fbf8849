#!/usr/bin/env bash
# Build the rtsensor OCI image from the Debian packages scripts/deb.sh made:
#   ./scripts/oci-image.sh [DEB_DIR [OUT_DIR]]   (defaults: build-deb/, build-oci/)
# As root (mmdebstrap's root mode; its bind mounts stay in a private mount
# namespace). Writes OUT_DIR/image, an OCI image layout tagged with the
# version of the packages (rtsensor:0.1.0 in deploy/kubernetes/daemonset.yaml),
# one layer.
#
# The rootfs is Debian 12 (bookworm) from the Debian archive only, made by
# mmdebstrap's "custom" variant: no Essential set, only what installing the
# packages needs (dpkg, busybox for the shell and tools dpkg's maintainer
# scripts call, libc-bin for ldconfig, base-files, base-passwd, debianutils)
# plus rtsensor, librtsensor0 and their library dependencies. No apt, no
# documentation but the copyright files, no man pages, no locales. dpkg
# skips its fsyncs while building (force-unsafe-io; a failed build is thrown
# away whole), not in the image.
# Entrypoint /usr/bin/rtsensor, command "run --config
# /etc/rtsensor/rtsensor.conf" (the DaemonSet's args). docs/deploy.md has its
# size; tests/tools/test-oci-image.py runs it under runc as the DaemonSet does.
set -euo pipefail
cd "$(dirname "$0")/.."
debs=$(realpath "${1:-build-deb}")
out=${2:-build-oci}
suite=bookworm

[ "$(id -u)" -eq 0 ] || { echo "oci-image: needs root (mmdebstrap root mode)" >&2; exit 1; }
pkg() {
  local f=("$debs"/"$1"_*_*.deb)
  [ "${#f[@]}" -eq 1 ] && [ -f "${f[0]}" ] || { echo "oci-image: want one $1_*.deb in $debs (scripts/deb.sh)" >&2; exit 1; }
  echo "${f[0]}"
}
rt_deb=$(pkg rtsensor)
lib_deb=$(pkg librtsensor0)
version=$(dpkg-deb -f "$rt_deb" Version)
version=${version%%-*}

rm -rf "$out"
mkdir -p "$out"
start=$(date +%s)
# The rootfs as a tar (mmdebstrap's owners and modes, no extraction on this
# host); SOURCE_DATE_EPOCH, the changelog's date, makes its times reproducible.
SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -STimestamp -l debian/changelog) \
unshare -m --propagation private \
  mmdebstrap --quiet --logfile="$out/mmdebstrap.log" --mode=root --variant=custom \
    --include=dpkg,busybox,libc-bin,base-files,base-passwd,debianutils \
    --include="$rt_deb" --include="$lib_deb" \
    --hook-dir=/usr/share/mmdebstrap/hooks/busybox \
    --hook-dir=/usr/share/mmdebstrap/hooks/file-mirror-automount \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt=force-unsafe-io \
    --customize-hook='sed -i "/^force-unsafe-io$/d" "$1"/etc/dpkg/dpkg.cfg.d/99mmdebstrap' \
    --customize-hook='rm -f "$1"/var/log/dpkg.log "$1"/var/log/alternatives.log' \
    "$suite" "$out/rootfs.tar" || {
  tail -20 "$out/mmdebstrap.log" >&2
  echo "oci-image: mmdebstrap failed (log: $out/mmdebstrap.log)" >&2
  exit 1
}
mid=$(date +%s)

layout=$out/image
umoci init --layout "$layout"
umoci new --image "$layout:$version"
umoci raw add-layer --image "$layout:$version" "$out/rootfs.tar"
umoci config --image "$layout:$version" \
  --author "libsensor maintainers" \
  --config.entrypoint /usr/bin/rtsensor \
  --config.cmd run --config.cmd --config --config.cmd /etc/rtsensor/rtsensor.conf \
  --config.workingdir / \
  --config.label "org.opencontainers.image.title=rtsensor" \
  --config.label "org.opencontainers.image.version=$version" \
  --config.label "org.opencontainers.image.licenses=LGPL-2.1-or-later" \
  --config.label "org.opencontainers.image.base.name=debian:$suite"
umoci gc --layout "$layout"
end=$(date +%s)

tar_mb=$(( $(stat -c %s "$out/rootfs.tar") / 1048576 ))
rm -f "$out/rootfs.tar"
echo "oci-image: $layout:$version: rootfs ${tar_mb} MiB, image $(du -sm "$layout" | cut -f1) MiB compressed;" \
  "mmdebstrap $((mid - start)) s, umoci $((end - mid)) s"

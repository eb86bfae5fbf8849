#!/bin/sh
# usage: check-install.sh BUILD_DIR SOURCE_ROOT [SANITIZERS]
# Install into a scratch DESTDIR and build the README's example against the
# installed headers and library through pkg-config, as an agent author would.
set -eu
build=$1
root=$2
san=${3:-none}
# a sanitized library needs the sanitizer runtimes in the program too
extra=
[ "$san" = none ] || extra="-fsanitize=$san"
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
meson install -C "$build" --destdir "$dest" --quiet --no-rebuild >/dev/null
pc=$(find "$dest" -name libsensor.pc | head -n 1)
[ -n "$pc" ] || { echo "libsensor.pc not installed" >&2; exit 1; }
prefix=$(sed -n 's/^prefix=//p' "$pc")
export PKG_CONFIG_PATH=$(dirname "$pc")
cflags=$(pkg-config --define-variable=prefix="$dest$prefix" --cflags libsensor)
libs=$(pkg-config --define-variable=prefix="$dest$prefix" --libs libsensor)
cc -std=c11 -Wall -Wextra -Werror $extra $cflags "$root/examples/minimal.c" $libs -o "$dest/minimal"
LD_LIBRARY_PATH=$(dirname "$(find "$dest" -name 'libsensor.so.0' | head -n 1)") "$dest/minimal" 0.1 >/dev/null
[ -f "$dest$prefix/share/man/man1/rtsensor.1" ] || { echo "man page not installed" >&2; exit 1; }
echo "install: headers, libsensor.pc, libsensor.so.0, rtsensor.1 ok; example built with pkg-config and ran"

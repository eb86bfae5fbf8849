#!/bin/sh
# usage: check-install.sh BUILD_DIR SOURCE_ROOT [SANITIZERS]
# An embedder's view, both ways: build every examples/*.c and the README's
# embedding example (extracted from README.md, so it cannot drift) with
# `cc -Wall -Werror ... $(pkg-config --cflags --libs libsensor)` against the
# build tree (meson-uninstalled/libsensor.pc) and against a
# `meson install --destdir` tree, and run each result.
set -eu
build=$1
root=$2
san=${3:-none}
# a sanitized library needs the sanitizer runtimes in the program too
extra=
[ "$san" = none ] || extra="-fsanitize=$san"
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
# the README's first C block after "## Embedding"
awk '/^## Embedding/{e=1} e&&/^```c$/{c=1;next} c&&/^```$/{exit} c{print}' \
  "$root/README.md" >"$dest/readme.c"
grep -q 'sensor_ctx_new' "$dest/readme.c" || { echo "no C example under README's Embedding" >&2; exit 1; }

# build_and_run TAG PKG_CONFIG_PATH PREFIX_OVERRIDE LIBDIR
build_and_run() {
  tag=$1; pcdir=$2; def=$3; libdir=$4
  cflags=$(PKG_CONFIG_PATH=$pcdir pkg-config $def --cflags libsensor)
  libs=$(PKG_CONFIG_PATH=$pcdir pkg-config $def --libs libsensor)
  for src in "$root"/examples/*.c "$dest/readme.c"; do
    exe="$dest/$tag-$(basename "$src" .c)"
    cc -Wall -Werror $extra $cflags "$src" $libs -o "$exe" ||
      { echo "$tag: $src does not build with -Wall -Werror" >&2; exit 1; }
    # examples take SECONDS; the README's example runs its own 5 s
    LD_LIBRARY_PATH=$libdir "$exe" 0.3 >"$exe.out" 2>"$exe.err" ||
      { echo "$tag: $src exited $?: $(cat "$exe.err")" >&2; exit 1; }
    if [ "$(id -u)" -eq 0 ] && ! grep -q '"kind":"status","source":"proc"' "$exe.out"; then
      echo "$tag: $src as root printed no proc status event: $(cat "$exe.err")" >&2; exit 1
    fi
  done
  echo "$tag: $(ls "$root"/examples/*.c | wc -l) example(s) and the README's built and ran"
}

# 1. the build tree, as meson leaves it
build_and_run uninstalled "$build/meson-uninstalled" "" "$build/libsensor"

# 2. an installed tree
meson install -C "$build" --destdir "$dest/root" --quiet --no-rebuild >/dev/null
pc=$(find "$dest/root" -name libsensor.pc | head -n 1)
[ -n "$pc" ] || { echo "libsensor.pc not installed" >&2; exit 1; }
prefix=$(sed -n 's/^prefix=//p' "$pc")
build_and_run installed "$(dirname "$pc")" "--define-variable=prefix=$dest/root$prefix" \
  "$(dirname "$(find "$dest/root" -name 'libsensor.so.0' | head -n 1)")"
[ -f "$dest/root$prefix/share/man/man1/rtsensor.1" ] || { echo "man page not installed" >&2; exit 1; }
echo "install: headers, libsensor.pc, libsensor.so.0, rtsensor.1 ok"

#!/bin/sh
# usage: check-abi.sh LIBSENSOR.so SOURCE_ROOT
# 1. the library exports exactly the symbols of libsensor/libsensor.sym;
# 2. every SENSOR_EXPORT function in include/ is listed there;
# 3. the SONAME is libsensor.so.0;
# 0. the version script holds nothing else in its global block.
set -eu
lib=$1
root=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed -n 's/^[[:space:]]*\(sensor_[a-z0-9_]*\);$/\1/p' "$root/libsensor/libsensor.sym" | sort > "$tmp/sym"
nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBR]$/ {print $3}' | sed 's/@.*//' | grep -v '^LIBSENSOR_' | sort > "$tmp/exported"
grep -ho 'SENSOR_EXPORT [^(]*(' "$root"/include/libsensor/*.h | grep -v __attribute__ \
  | sed -E 's/.*[ *]([a-z_0-9]+)\($/\1/' | sort > "$tmp/declared"
fail=0
# 0. between global: and local: there is nothing but sensor_* entries
junk=$(sed -n '/^global:/,/^local:/p' "$root/libsensor/libsensor.sym" \
  | grep -v -e '^global:' -e '^local:' -e '^[[:space:]]*sensor_[a-z0-9_]*;$' -e '^[[:space:]]*$' || true)
if [ -n "$junk" ]; then echo "libsensor.sym holds lines that are not sensor_* entries: $junk" >&2; fail=1; fi
if ! diff -u "$tmp/sym" "$tmp/exported"; then echo "exported symbols differ from libsensor.sym" >&2; fail=1; fi
if ! diff -u "$tmp/sym" "$tmp/declared"; then echo "SENSOR_EXPORT declarations differ from libsensor.sym" >&2; fail=1; fi
soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
if [ "$soname" != "libsensor.so.0" ]; then echo "SONAME is '$soname'" >&2; fail=1; fi
[ $fail -eq 0 ] && echo "abi: $(wc -l < "$tmp/sym") symbols, SONAME $soname: ok"
exit $fail
